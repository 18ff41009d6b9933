"""Member ids of large slices in Parquet beside analysis.json, read back in either form."""

from __future__ import annotations

import json

import pytest

from tests.conftest import planted_table
from weakspot import analyze
from weakspot._errors import InputError
from weakspot.report import read_members, write_json


def test_large_member_lists_move_to_parquet_and_read_back_the_same(tmp_path) -> None:
    analysis = analyze(planted_table(0), random_state=0)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    inline = json.loads(write_json(analysis, tmp_path / "a" / "analysis.json").read_text())
    small = tmp_path / "b"
    outside = json.loads(
        write_json(analysis, small / "analysis.json", max_inline_members=50).read_text()
    )
    first = outside["slices"][0]
    assert first["members"] == {
        "parquet": f"members/{first['id']}.parquet",
        "count": inline["slices"][0]["size"],
    }
    assert (small / first["members"]["parquet"]).exists()
    for a, b in zip(inline["slices"], outside["slices"], strict=True):
        assert read_members(b, small) == read_members(a, tmp_path / "a") == a["members"]
    (small / first["members"]["parquet"]).unlink()
    with pytest.raises(InputError, match=r"members are in .*S1.parquet', which does not exist"):
        read_members(first, small)
