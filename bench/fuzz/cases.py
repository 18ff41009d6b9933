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
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

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
        mode = rng.choice(["L", "RGB", "I;16"])
        if mode == "RGB":
            pixels = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
        elif mode == "I;16":
            fmt = "PNG"
            pixels = rng.integers(0, 65536, shape).astype(np.uint16)
        else:
            pixels = rng.integers(0, 256, shape, dtype=np.uint8)
        name = f"imgs/{i}.{'png' if fmt == 'PNG' else 'jpg'}"
        Image.fromarray(pixels).save(folder / name, format=fmt)
        paths.append(name)
    share = rng.choice([0.05, 0.15, 0.5])
    for i in np.flatnonzero(rng.random(len(frame)) < share):
        _corrupt(folder, paths, int(i), rng)
    frame["image"] = paths


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
    fmt = str(rng.choice(["csv", "csv", "tsv", "jsonl", "json", "parquet"]))
    ext = fmt if rng.random() < 0.85 else str(rng.choice(["csv", "json", "parquet", "txt"]))
    data = _encode(frame, fmt)
    if rng.random() < (0.5 if not images else 0.2):
        data = _mutate_bytes(data, rng)
    table = folder / f"p.{ext}"
    table.write_bytes(data)
    args = ["analyze", str(table), "--out", str(folder / "out"), "--embed", "none", "-q"]
    if rng.random() < 0.3:
        args += _random_options(rng)
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
