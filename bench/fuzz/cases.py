"""Random malformed inputs for ``weakspot analyze``: tables and image folders, from one seed.

Each case is a folder with a table (``p.<ext>``), sometimes an ``imgs/`` folder, and the
command-line arguments to analyse it with. The table starts as a valid predictions table and
gets one to three mutations (a column dropped or renamed, missing or hostile cells, a wrong
format or extension, truncation, flipped bits, ...); image cases corrupt some of their files
(truncated, bit-flipped, wrong extension, empty, a decompression-bomb header, random bytes, a
link out of the folder, a missing file).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from pyarrow.lib import ArrowException

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "[x](https://evil.example)",
    "\x1b]8;;https://evil.example\x07a\x1b]8;;\x07",
    "\x1b[2J",
    "[/x]",
    "a|b\nc",
    "\u202e",
    "",
    " ",
    "nan",
    "1e400",
    "-0",
    "\x00",
    "🙂" * 50,
    "x" * 5000,
]


def base_table(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """A valid binary or three-class table with metadata and, sometimes, probabilities."""
    classes = ["cat", "dog"] if rng.random() < 0.6 else ["cat", "dog", "cow"]
    label = rng.choice(classes, n)
    wrong = rng.random(n) < 0.15
    prediction = np.where(wrong, rng.choice(classes, n), label)
    frame = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(n)],
            "site": rng.choice(list("ABCD"), n),
            "age": rng.integers(0, 100, n),
            "score_x": rng.normal(size=n),
            "label": label,
            "prediction": prediction,
        }
    )
    if rng.random() < 0.4:
        raw = (
            rng.random((n, len(classes)))
            + np.eye(len(classes))[[classes.index(p) for p in prediction]]
        )
        for j, c in enumerate(classes):
            frame[f"proba_{c}"] = raw[:, j] / raw.sum(axis=1)
    elif len(classes) == 2 and rng.random() < 0.3:
        frame["score"] = np.clip((prediction == "dog") * 0.7 + rng.normal(0.15, 0.1, n), 0, 1)
    return frame


def _mutate_frame(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    kind = rng.choice(
        [
            "drop",
            "rename",
            "nan",
            "hostile",
            "numbers",
            "dup_ids",
            "one_class",
            "header_only",
            "proba",
            "types",
            "columns",
        ]
    )
    frame = frame.copy()
    n = len(frame)
    if frame.shape[1] == 0 or n == 0:
        return frame
    if kind == "drop":
        frame = frame.drop(columns=[rng.choice(frame.columns)])
    elif kind == "rename":
        col = rng.choice(frame.columns)
        frame = frame.rename(columns={col: str(rng.choice(HOSTILE)) or "?"})
    elif kind == "nan":
        col = rng.choice(frame.columns)
        frame[col] = frame[col].astype(object)
        frame.loc[rng.random(n) < rng.uniform(0.01, 1), col] = None
    elif kind == "hostile":
        col = rng.choice(frame.columns)
        frame[col] = frame[col].astype(object)
        rows = rng.random(n) < rng.uniform(0.01, 0.5)
        frame.loc[rows, col] = [str(rng.choice(HOSTILE)) for _ in range(int(rows.sum()))]
    elif kind == "numbers":
        col = rng.choice(frame.columns)
        values = rng.choice([np.inf, -np.inf, 1e308, -1.0, 2.0, 0.5, np.nan], n)
        frame[col] = values
    elif kind == "dup_ids":
        frame["id"] = rng.choice(["a", "b"], n)
    elif kind == "one_class":
        frame["label"] = frame["label"].iloc[0]
    elif kind == "header_only":
        frame = frame.iloc[:0]
    elif kind == "proba":
        frame["proba_cat"] = rng.normal(size=n)
    elif kind == "types":
        col = rng.choice(frame.columns)
        frame[col] = rng.choice([True, False], n)
    elif kind == "columns":
        for i in range(int(rng.integers(1, 60))):
            frame[f"extra{i}"] = rng.integers(0, 3, n)
    return frame


def _encode(frame: pd.DataFrame, fmt: str) -> bytes:
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8", "surrogatepass")
    if fmt == "tsv":
        return frame.to_csv(index=False, sep="\t").encode("utf-8", "surrogatepass")
    if fmt in ("jsonl", "json") and not frame.columns.is_unique:
        # JSON records cannot hold two keys of one name: the duplicate becomes the last
        # key, as a hand-written file would (json.dumps of the pairs keeps both)
        records = [
            list(zip(map(str, frame.columns), row, strict=True))
            for row in frame.itertuples(index=False)
        ]
        rows = [
            "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v, default=str)}" for k, v in r) + "}"
            for r in records
        ]
        return ("\n".join(rows) if fmt == "jsonl" else "[" + ", ".join(rows) + "]").encode()
    if fmt == "jsonl":
        return frame.to_json(orient="records", lines=True).encode()
    if fmt == "json":
        return frame.to_json(orient="records").encode()
    buffer = io.BytesIO()
    frame.columns = [str(c) for c in frame.columns]
    try:
        frame.to_parquet(buffer)
    except Exception:  # noqa: BLE001 - mixed object columns pyarrow cannot store
        return frame.astype(str).to_csv(index=False).encode()
    return buffer.getvalue()


def _mutate_bytes(data: bytes, rng: np.random.Generator) -> bytes:
    kind = rng.choice(["truncate", "flip", "gzip", "latin1", "prefix", "none", "none"])
    if kind == "truncate" and data:
        return data[: int(rng.integers(0, len(data)))]
    if kind == "flip" and data:
        buf = bytearray(data)
        for pos in rng.integers(0, len(buf), int(rng.integers(1, 20))):
            buf[pos] ^= 1 << int(rng.integers(0, 8))
        return bytes(buf)
    if kind == "gzip":
        return gzip.compress(data)
    if kind == "latin1":
        return data.replace(b"cat", "ch\xe2t".encode("latin-1"))
    if kind == "prefix":
        return bytes(rng.integers(0, 256, int(rng.integers(1, 64)), dtype=np.uint8)) + data
    return data


def png_bomb(width: int, height: int) -> bytes:
    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def _write_images(folder: Path, frame: pd.DataFrame, rng: np.random.Generator) -> None:
    (folder / "imgs").mkdir()
    paths = []
    for i in range(len(frame)):
        fmt = rng.choice(["PNG", "JPEG"])
        shape = (int(rng.integers(4, 40)), int(rng.integers(4, 40)))
        if rng.random() < 0.1:  # a line of pixels: an odd aspect ratio
            shape = (1, int(rng.integers(2, 200))) if rng.random() < 0.5 else (200, 1)
        image = _odd_mode_image(rng, shape)
        if image.mode == "CMYK":
            fmt = "JPEG"
        elif image.mode not in ("L", "RGB"):  # modes JPEG cannot hold
            fmt = "TIFF" if image.mode in ("I", "F") else "PNG"
        name = f"imgs/{i}.{ {'PNG': 'png', 'JPEG': 'jpg', 'TIFF': 'tif'}[fmt] }"
        image.save(folder / name, format=fmt)
        paths.append(name)
    share = rng.choice([0.05, 0.15, 0.5])
    for i in np.flatnonzero(rng.random(len(frame)) < share):
        _corrupt(folder, paths, int(i), rng)
    frame["image"] = paths


def _odd_mode_image(rng: np.random.Generator, shape: tuple[int, int]) -> Image.Image:
    """An image in one of Pillow's modes: grey, colour, 16-bit, palette, alpha, 1-bit, 32-bit
    integer, float, CMYK."""
    mode = str(rng.choice(["L", "RGB", "I;16", "P", "RGBA", "LA", "1", "I", "F", "CMYK"]))
    grey = rng.integers(0, 256, shape, dtype=np.uint8)
    if mode == "I;16":
        return Image.fromarray(rng.integers(0, 65536, shape).astype(np.uint16))
    if mode == "I":
        return Image.fromarray(rng.integers(-(2**20), 2**20, shape).astype(np.int32))
    if mode == "F":
        return Image.fromarray(rng.normal(0.5, 2.0, shape).astype(np.float32))
    colour = Image.fromarray(rng.integers(0, 256, (*shape, 3), dtype=np.uint8))
    if mode == "RGB":
        return colour
    if mode in ("L", "1", "LA"):
        return Image.fromarray(grey).convert(mode)
    return colour.convert(mode)


def _corrupt(folder: Path, paths: list[str], i: int, rng: np.random.Generator) -> None:
    path = folder / paths[i]
    data = path.read_bytes()
    kind = rng.choice(
        [
            "truncate",
            "flip",
            "ext",
            "empty",
            "bomb",
            "random",
            "link",
            "missing",
            "traversal",
            "dir",
        ]
    )
    if kind == "truncate":
        path.write_bytes(data[: int(rng.integers(0, len(data)))])
    elif kind == "flip":
        path.write_bytes(_mutate_bytes(data, np.random.default_rng(int(rng.integers(1 << 30)))))
    elif kind == "ext":
        new = path.with_suffix(".png" if path.suffix == ".jpg" else ".jpg")
        path.rename(new)
        paths[i] = str(new.relative_to(folder))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "bomb":
        path.write_bytes(png_bomb(int(rng.integers(9000, 40000)), int(rng.integers(9000, 40000))))
    elif kind == "random":
        path.write_bytes(bytes(rng.integers(0, 256, int(rng.integers(1, 4000)), dtype=np.uint8)))
    elif kind == "link":
        path.unlink()
        os.symlink("/etc/hostname" if rng.random() < 0.5 else "/dev/zero", path)
    elif kind == "missing":
        path.unlink()
    elif kind == "traversal":
        paths[i] = "../" * 10 + "etc/passwd"
    elif kind == "dir":
        path.unlink()
        path.mkdir()


def make_case(folder: Path, seed: int) -> list[str]:
    """Write case `seed` into `folder`; return the ``weakspot`` arguments that analyse it."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300)) if rng.random() < 0.2 else int(rng.integers(60, 300))
    frame = base_table(rng, n)
    images = rng.random() < 0.35
    if images:
        frame = frame.iloc[: min(n, 60)].copy()
        _write_images(folder, frame, rng)
    for _ in range(int(rng.integers(0, 4))):
        # a mutation may not apply to this frame (its column already dropped): skip it
        with contextlib.suppress(KeyError, IndexError, ValueError, TypeError):
            frame = _mutate_frame(frame, rng)
    form = str(rng.choice(["file", "file", "file", "parquet folder", "image bytes", "imagefolder"]))
    if form == "image bytes" and images and "image" in frame:
        target, extra = _bytes_table(folder, frame), []
    elif form == "imagefolder" and images and "image" in frame:
        target, extra = _image_folder(folder, frame)
    elif form == "parquet folder":
        target, extra = _parquet_folder(folder, frame, rng), []
    else:
        target, extra = _table_file(folder, frame, rng, images), []
    args = ["analyze", str(target), *extra, "--out", str(folder / "out"), "--embed", "none", "-q"]
    return args + _combination_options(folder, rng, len(frame), images)


def _table_file(folder: Path, frame: pd.DataFrame, rng: np.random.Generator, images: bool) -> Path:
    fmt = str(rng.choice(["csv", "csv", "tsv", "jsonl", "json", "parquet"]))
    ext = fmt if rng.random() < 0.85 else str(rng.choice(["csv", "json", "parquet", "txt"]))
    data = _encode(frame, fmt)
    if rng.random() < (0.5 if not images else 0.2):
        data = _mutate_bytes(data, rng)
    table = folder / f"p.{ext}"
    table.write_bytes(data)
    return table


def _parquet_folder(folder: Path, frame: pd.DataFrame, rng: np.random.Generator) -> Path:
    """The table in 1-3 Parquet files of a folder (a part may be empty, or not Parquet)."""
    parts = folder / "parts"
    parts.mkdir()
    cuts = np.sort(rng.integers(0, len(frame) + 1, int(rng.integers(0, 3))))
    for i, piece in enumerate(np.split(np.arange(len(frame)), cuts)):
        data = _encode(frame.iloc[piece].copy(), "parquet")
        if rng.random() < 0.1:
            data = _mutate_bytes(data, rng)
        (parts / f"part-{i}.parquet").write_bytes(data)
    return parts


def _bytes_table(folder: Path, frame: pd.DataFrame) -> Path:
    """The images' bytes in the table, as the `datasets` Image struct (a missing, linked or
    folder image has no bytes, only its path)."""
    cells = []
    for name in [str(v) for v in frame["image"]]:
        path = folder / name
        data = None
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
        cells.append({"bytes": data, "path": name})
    table = folder / "p.parquet"
    with contextlib.suppress(ValueError, TypeError, ArrowException):
        frame.assign(image=cells).to_parquet(table)
        return table
    frame.to_csv(folder / "p.csv", index=False)
    return folder / "p.csv"


def _image_folder(folder: Path, frame: pd.DataFrame) -> tuple[Path, list[str]]:
    """The images moved to imgs/<label>/, and a predictions table naming them in `path`."""
    # str() of each cell: pandas 3's astype(str) keeps a missing value missing
    labels = [str(v) for v in frame["label"]] if "label" in frame else ["x"] * len(frame)
    moved = []
    for name, label in zip([str(v) for v in frame["image"]], labels, strict=True):
        source = folder / name
        safe = "".join(c for c in label if c.isalnum()) or "unnamed"
        target = folder / "imgs" / safe / Path(name).name
        target.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            if source.is_symlink() or source.exists():
                source.rename(target)
        moved.append(f"{safe}/{Path(name).name}")
    preds = frame.drop(columns=["image", "label"], errors="ignore").assign(path=moved)
    preds.to_csv(folder / "preds.csv", index=False)
    return folder / "imgs", ["--predictions", str(folder / "preds.csv")]


def _combination_options(folder: Path, rng: np.random.Generator, n: int, images: bool) -> list[str]:
    """The factors that combine with any input: options, embeddings, a training table,
    ``--sample``."""
    args: list[str] = []
    if rng.random() < 0.3:
        args += _random_options(rng)
    if rng.random() < 0.2:
        rows = n if rng.random() < 0.7 else int(rng.integers(0, 2 * n + 2))
        vectors = rng.normal(size=(rows, int(rng.integers(1, 9))))
        kind = rng.choice(["fine", "nan", "inf", "huge", "int", "3d"])
        if kind == "nan" and vectors.size:
            vectors[rng.random(vectors.shape) < 0.1] = np.nan
        elif kind == "inf" and vectors.size:
            vectors[0, 0] = np.inf
        elif kind == "huge":
            vectors *= 1e300
        elif kind == "int":
            vectors = vectors.astype(np.int64)
        elif kind == "3d":
            vectors = vectors[:, :, None]
        np.save(folder / "emb.npy", vectors)
        args += ["--embeddings", str(folder / "emb.npy")]
    if rng.random() < 0.2:
        train = base_table(
            np.random.default_rng(int(rng.integers(1 << 30))), int(rng.integers(1, 200))
        )
        if rng.random() < 0.5:
            with contextlib.suppress(KeyError, IndexError, ValueError, TypeError):
                train = _mutate_frame(train, rng)
        train.to_csv(folder / "train.csv", index=False)
        args += ["--train", str(folder / "train.csv")]
    if rng.random() < 0.15:
        size = rng.choice([n // 2, n - 1, n, 2 * n, 1, 0, -3])
        args += ["--sample", str(int(size))]
    return args


def _random_options(rng: np.random.Generator) -> list[str]:
    choices = [
        ["--seed", str(int(rng.integers(-5, 1 << 40)))],
        ["--finder-option", f"lattice.max_level={int(rng.integers(-1, 4))}"],
        ["--min-support", str(int(rng.integers(-2, 80)))],
        ["--max-q", str(float(rng.choice([0.0, 0.5, 1.0, 2.0, -1.0])))],
        ["--methods", str(rng.choice(["lattice", "error_tree", "domino", "lattice,nope", ""]))],
        ["--sensitive", str(rng.choice(["site", "age", "nope"]))],
        ["--label", str(rng.choice(["label", "site", "missing"]))],
        ["--positive-class", str(rng.choice(["cat", "dog", "fox"]))],
        ["--max-failed-share", str(float(rng.choice([0.0, 0.5, 1.0, 3.0])))],
    ]
    picked = rng.choice(len(choices), int(rng.integers(1, 3)), replace=False)
    return [a for i in picked for a in choices[int(i)]]
