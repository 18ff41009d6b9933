"""An image column that holds the images' bytes (the Hugging Face ``datasets`` Image struct of
``bytes`` and ``path``, or raw bytes) reads like a path column: the same analysis, the same
skipped rows with their reasons, the same limits and the same feature cache."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image

from tests.engine.golden_cases import document
from tests.hardening.conftest import png_header
from weakspot import analyze
from weakspot.features.images import extract_image_features
from weakspot.features.images._cache import evict_lru
from weakspot.features.images._decode import content_hash
from weakspot.inputs import resolve_inputs
from weakspot.inputs._image_bytes import BYTES_FOLDER, image_cells, resolve_image_cells

pytestmark = pytest.mark.filterwarnings("ignore:.* images were skipped:UserWarning")

IMAGE_STRUCT = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
N = 120


def _png(value: int, seed: int) -> bytes:
    """A 16 x 16 grey PNG around `value`, with a little noise so that no two are equal."""
    noise = np.random.default_rng(seed).integers(0, 12, (16, 16))
    buffer = io.BytesIO()
    Image.fromarray((value + noise).astype(np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def _planted(folder: Path) -> tuple[pd.DataFrame, list[bytes]]:
    """A table whose site B (light images) fails 55% against 8%, and each row's PNG bytes,
    also written under `folder`/imgs; rows 7 and 11 are broken (truncated, a bomb's header)."""
    rng = np.random.default_rng(0)
    (folder / "imgs").mkdir(parents=True)
    site = np.where(np.arange(N) % 2 == 1, "B", "A")
    label = rng.choice(["cat", "dog"], N)
    wrong = rng.random(N) < np.where(site == "B", 0.55, 0.08)
    blobs = [_png(200 if s == "B" else 50, i) for i, s in enumerate(site)]
    blobs[7] = blobs[7][: len(blobs[7]) // 2]
    blobs[11] = png_header(30000, 30000)
    for i, data in enumerate(blobs):
        (folder / "imgs" / f"{i:03d}.png").write_bytes(data)
    table = pd.DataFrame(
        {
            "id": [f"ex{i}" for i in range(N)],
            "site": site,
            "label": label,
            "prediction": np.where(wrong, np.where(label == "cat", "dog", "cat"), label),
        }
    )
    return table, blobs


def _structs(blobs: list[bytes]) -> list[dict]:
    return [{"bytes": data, "path": f"{i:03d}.png"} for i, data in enumerate(blobs)]


def _comparable(analysis) -> dict:
    """analysis.json without the skipped rows' paths, which name where each image was read."""
    doc = json.loads(document(analysis))
    doc["skipped"] = [{k: v for k, v in s.items() if k != "path"} for s in doc["skipped"]]
    return doc


@pytest.mark.parametrize("form", ["dataframe", "parquet file", "parquet folder"])
def test_a_struct_column_of_image_bytes_analyses_as_the_same_files_do(tmp_path, form) -> None:
    table, blobs = _planted(tmp_path)
    paths = [f"imgs/{i:03d}.png" for i in range(N)]
    by_path = analyze(table.assign(image=paths), images=tmp_path, embed=None)
    frame = table.assign(image=_structs(blobs))
    arrow = pa.Table.from_pandas(frame, preserve_index=False).cast(
        pa.schema([*(pa.field(c, pa.string()) for c in table.columns), ("image", IMAGE_STRUCT)])
    )
    if form == "dataframe":
        data: object = frame
    elif form == "parquet file":
        data = tmp_path / "preds.parquet"
        pq.write_table(arrow, data)
    else:
        data = tmp_path / "preds"
        data.mkdir()
        pq.write_table(arrow.slice(0, 50), data / "part-0.parquet")
        pq.write_table(arrow.slice(50), data / "part-1.parquet")
    by_bytes = analyze(data, embed=None)

    assert _comparable(by_bytes) == _comparable(by_path)
    reasons = [(s["index"], s["reason"].split(":")[0]) for s in by_bytes.skipped]
    assert reasons == [(7, "truncated or corrupt image"), (11, "decompression bomb")]
    assert all(s["path"].endswith(f"{s['index']:03d}.png") for s in by_bytes.skipped)
    light = by_bytes.slices[0].members  # the light images of site B, found by brightness
    assert len(light) >= 50 and (table.site.to_numpy()[light] == "B").mean() > 0.95


def test_a_raw_bytes_column_of_any_name_is_found_and_read(tmp_path) -> None:
    table, blobs = _planted(tmp_path)
    arrow = pa.Table.from_pandas(table, preserve_index=False).append_column(
        "img", pa.array(blobs, type=pa.binary())
    )
    pq.write_table(arrow, tmp_path / "preds.parquet")
    inputs = resolve_inputs(tmp_path / "preds.parquet")
    assert inputs.images is not None and "img" not in inputs.examples.metadata.columns
    for i in (0, 7, 50):  # each row's file holds that row's bytes, named by their hash
        assert Path(inputs.images[i]).read_bytes() == blobs[i]
        assert Path(inputs.images[i]).parent.name == content_hash(blobs[i])
    assert analyze(tmp_path / "preds.parquet", embed=None).skipped[0]["index"] == 7


def test_cells_without_an_image_are_refused_with_their_reason(tmp_path, monkeypatch) -> None:
    good = _png(100, 0)
    cells = image_cells(
        pd.Series(
            [
                {"bytes": good, "path": "../../../etc/passwd"},  # a name, never a place
                {"bytes": None, "path": "../../etc/passwd"},  # a path: the path rule holds
                {"bytes": b"", "path": None},
                None,
                b"",
                42,
                {"bytes": good * 40, "path": "big.png"},
            ],
            dtype=object,
        )
    )
    monkeypatch.setattr("weakspot.inputs._image_bytes.MAX_IMAGE_BYTES", len(good) * 10)
    found = resolve_image_cells(cells, tmp_path)
    assert Path(found.paths[0]).name == "passwd"
    assert Path(found.paths[0]).parent.parent.name == BYTES_FOLDER
    assert Path(found.paths[0]).read_bytes() == good
    assert sorted(found.refused) == [1, 2, 3, 4, 5, 6]
    assert found.refused[1].startswith("outside the image root")
    assert found.refused[2] == "the image struct has neither bytes nor a path"
    assert found.refused[3] == "empty image cell in the table"
    assert found.refused[4] == "empty image bytes in the table (0 bytes)"
    assert found.refused[5].startswith("the image cell holds a int, neither a file path")
    assert found.refused[6] == (
        f"image bytes of {len(good) * 40} bytes are above the {len(good) * 10}-byte limit on "
        "image files"
    )


def test_image_bytes_are_written_once_and_their_features_cached(tmp_path, _private_cache) -> None:
    _, blobs = _planted(tmp_path)
    cells = image_cells(pd.Series(_structs(blobs[:20]), dtype=object))
    first = resolve_image_cells(cells, tmp_path).paths
    written = {p: Path(p).stat().st_ino for p in first}
    again = resolve_image_cells(cells, tmp_path).paths
    assert again == first and {p: Path(p).stat().st_ino for p in again} == written

    files = [str(tmp_path / "imgs" / f"{i:03d}.png") for i in range(20)]  # the same images
    runs = [
        extract_image_features(images, embed=None, cache_dir=tmp_path / "c")
        for images in (first, first, files)
    ]
    # keyed by content: the bytes' second run and the files decode nothing (7 and 11 are broken)
    assert [run.n_cached for run in runs] == [0, 18, 18]
    assert runs[1].properties.equals(runs[0].properties)
    assert runs[2].properties.equals(runs[0].properties)


def test_the_cache_limit_counts_and_evicts_image_bytes(tmp_path, _private_cache) -> None:
    _, blobs = _planted(tmp_path)
    paths = resolve_image_cells(image_cells(pd.Series(blobs[:10], dtype=object)), None).paths
    assert all(Path(p).is_file() for p in paths)
    assert evict_lru(_private_cache, 0) == 10
    assert not any(Path(p).exists() for p in paths)
