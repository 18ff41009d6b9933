"""Hostile image paths and files: the path rule, special files, bombs, broken files, missing
files; every row analysed or listed as skipped with its reason, no file outside the root read."""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import weakspot
from tests.hardening.conftest import (
    assert_untouched,
    image_table,
    png_header,
    run,
    snapshot,
)
from weakspot.explain._pictures import load_rgb, slice_examples
from weakspot.features.images._decode import DecodeFailure, decode_bytes, read_file
from weakspot.inputs._paths import resolve_image_paths
from weakspot.slices._slice import Slice


def _analyse(tmp: Path, table: pd.DataFrame, *extra: str) -> tuple[int, dict, str]:
    table.to_csv(tmp / "p.csv", index=False)
    result = run(["analyze", tmp / "p.csv", "--out", tmp / "out", "--embed", "none", *extra])
    assert "Traceback" not in result.output
    doc_path = tmp / "out" / "analysis.json"
    doc = json.loads(doc_path.read_text()) if doc_path.exists() else {}
    return result.exit_code, doc, result.output


def _outside_png(tmp: Path) -> Path:
    secret = tmp.parent / f"{tmp.name}-secret.png"
    Image.fromarray(np.full((8, 8), 7, np.uint8)).save(secret)
    return secret


def _hostile_row(kind: str, tmp: Path) -> str:
    """The image cell of one hostile row, creating what it points at."""
    if kind == "traversal":
        return "../" * 12 + "etc/passwd"
    if kind == "absolute":
        return str(_outside_png(tmp))
    if kind == "symlink out":
        os.symlink(_outside_png(tmp), tmp / "imgs" / "link.png")
        return "imgs/link.png"
    if kind == "empty cell":
        return ""
    if kind == "dev zero":
        os.symlink("/dev/zero", tmp / "imgs" / "zero.png")
        return "imgs/zero.png"
    if kind == "named pipe":
        os.mkfifo(tmp / "imgs" / "pipe.png")
        return "imgs/pipe.png"
    if kind == "directory":
        (tmp / "imgs" / "dir.png").mkdir()
        return "imgs/dir.png"
    if kind == "missing":
        return "imgs/nope.png"
    if kind == "bomb":
        (tmp / "imgs" / "bomb.png").write_bytes(png_header(30000, 30000))
        return "imgs/bomb.png"
    if kind == "big":
        (tmp / "imgs" / "big.png").write_bytes(png_header(10000, 10000))
        return "imgs/big.png"
    if kind == "truncated":
        data = (tmp / "imgs" / "1.png").read_bytes()
        (tmp / "imgs" / "cut.png").write_bytes(data[: len(data) // 2])
        return "imgs/cut.png"
    if kind == "text":
        (tmp / "imgs" / "t.png").write_text("hello")
        return "imgs/t.png"
    raise AssertionError(kind)


REASONS = {
    "traversal": r"outside the image root.*allow_outside_root=True",  # the library's words
    "absolute": r"outside the image root",
    "symlink out": r"outside the image root",
    "empty cell": r"empty image path",
    "dev zero": r"not a regular file",
    "named pipe": r"not a regular file",
    "directory": r"is a directory",
    "missing": r"missing file",
    "bomb": r"decompression bomb",
    "big": r"decompression bomb",
    "truncated": r"truncated or corrupt",
    "text": r"not an image",
}


@pytest.mark.parametrize("kind", sorted(REASONS))
def test_a_hostile_image_row_is_skipped_with_its_reason(tmp_path: Path, kind: str) -> None:
    table = image_table(tmp_path)
    table.loc[5, "image"] = _hostile_row(kind, tmp_path)
    before = snapshot(tmp_path / "imgs") if kind != "named pipe" else {}
    done = {}
    extra = ["--allow-outside-root"] if kind == "dev zero" else []
    worker = threading.Thread(target=lambda: done.update(r=_analyse(tmp_path, table, *extra)))
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the run hangs"
    code, doc, output = done["r"]
    assert code == 0, output
    assert doc["dataset"]["n_examples"] == 60
    assert [s["index"] for s in doc["skipped"]] == [5]
    assert re.search(REASONS[kind], doc["skipped"][0]["reason"])
    if kind != "named pipe":
        assert_untouched(before, tmp_path / "imgs")


def test_allow_outside_root_reads_a_trusted_absolute_path(tmp_path: Path) -> None:
    table = image_table(tmp_path)
    table.loc[5, "image"] = _hostile_row("absolute", tmp_path)
    code, doc, output = _analyse(tmp_path, table, "--allow-outside-root")
    assert code == 0, output
    assert doc["skipped"] == []


def test_every_path_outside_the_root_stops_with_the_fix(tmp_path: Path) -> None:
    table = image_table(tmp_path, n=30)
    table["image"] = "../../../../etc/hostname"
    code, _, output = _analyse(tmp_path, table)
    assert code == 1
    assert "outside the image root" in output and "--allow-outside-root" in output


def test_the_rule_is_checked_after_resolving_links(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    os.symlink(tmp_path.parent, tmp_path / "root" / "up")
    paths = resolve_image_paths(np.array(["up/x.png", "a/../b.png"]), tmp_path / "root")
    assert list(paths.refused) == [0]
    assert paths.paths[1] == str((tmp_path / "root" / "b.png").resolve())


def test_read_file_refuses_a_file_above_the_bound(tmp_path: Path) -> None:
    (tmp_path / "x.png").write_bytes(b"\x89PNG" + b"\x00" * 100)
    with pytest.raises(DecodeFailure, match=r"104 bytes is above the 50-byte limit"):
        read_file(tmp_path / "x.png", max_bytes=50)


def test_sixteen_bit_grey_is_scaled_by_its_bit_depth(tmp_path: Path) -> None:
    brightness = []
    for value in (250, 300):
        buffer = tmp_path / f"{value}.png"
        Image.fromarray(np.full((8, 8), value, np.uint16)).save(buffer)
        decoded = decode_bytes(buffer.read_bytes(), net_size=None)
        brightness.append(float(decoded.thumb.mean()))
    assert brightness == [1.0, 1.0]  # 250 / 257 and 300 / 257, rounded


def test_the_picture_stage_never_opens_a_skipped_image(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "bomb.png").write_bytes(png_header(30000, 30000))
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "ok.png")
    source = [str(tmp_path / "bomb.png"), str(tmp_path / "ok.png")] * 5
    opened: list[str] = []
    real = read_file

    def spy(path, **kwargs):
        opened.append(str(path))
        return real(path, **kwargs)

    monkeypatch.setattr("weakspot.explain._pictures.read_file", spy)
    item = Slice(conditions=None, members=np.arange(10), method="test")
    labels = np.array(["a", "b"] * 5)
    shown = slice_examples(
        item,
        source,
        ids=np.arange(10).astype(str),
        labels=labels,
        predictions=labels[::-1],
        errors=(labels != labels[::-1]).astype(np.int8),
        rng=np.random.default_rng(0),
        unread={0, 2, 4, 6, 8},
    )
    assert {int(r["id"]) % 2 for r in shown["inside"]} == {1}
    assert all(p.endswith("ok.png") for p in opened)


def test_a_bomb_the_picture_stage_meets_is_a_placeholder(tmp_path: Path) -> None:
    (tmp_path / "bomb.png").write_bytes(png_header(30000, 30000))
    (tmp_path / "big.png").write_bytes(png_header(10000, 10000))
    pictures = load_rgb([str(tmp_path / "bomb.png"), str(tmp_path / "big.png")], np.array([0, 1]))
    assert pictures.shape == (2, 64, 64, 3) and (pictures == 200).all()


def test_an_image_folder_row_without_its_file_is_listed(tmp_path: Path) -> None:
    table = image_table(tmp_path / "val_src", n=60)
    for i, row in table.iterrows():
        target = tmp_path / "val" / row.label / f"{i}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "val_src" / row.image).rename(target)
    preds = pd.DataFrame(
        {"id": [f"{r.label}/{i}.png" for i, r in table.iterrows()], "prediction": table.prediction}
    )
    (tmp_path / "val" / "cat" / "1.png").unlink()
    (tmp_path / "val" / "dog" / "2.png").write_bytes(b"broken")
    preds.to_csv(tmp_path / "p.csv", index=False)
    result = run(
        ["analyze", tmp_path / "val", "--predictions", tmp_path / "p.csv", "--out", tmp_path / "o"]
        + ["--embed", "none"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "o" / "analysis.json").read_text())
    assert doc["dataset"]["n_examples"] == 60
    reasons = {Path(s["path"]).name: s["reason"] for s in doc["skipped"]}
    assert reasons["1.png"] == "missing file"
    assert "not an image" in reasons["2.png"]


def test_too_many_broken_images_is_a_clear_failure(tmp_path: Path) -> None:
    table = image_table(tmp_path, n=30)
    for i in range(10):
        (tmp_path / "imgs" / f"{i}.png").write_bytes(b"junk")
    code, _, output = _analyse(tmp_path, table)
    assert code == 1
    assert "could not be read, more than --max-failed-share" in output
    assert "raise the limit (--max-failed-share" in output


def test_python_lists_of_paths_are_the_callers_choice(tmp_path: Path) -> None:
    table = image_table(tmp_path, n=30)
    secret = _outside_png(tmp_path)
    paths = [str(tmp_path / p) for p in table.image]
    paths[3] = str(secret)
    analysis = weakspot.analyze(table.drop(columns=["image"]), images=paths, embed=None)
    assert analysis.skipped == []
