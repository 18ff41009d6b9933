"""Helpers of the bad-input suite: run the command line in-process, and check what every bad
input must give: the exit code, a message naming the problem and the fix, no traceback, and
every file the user had left as it was."""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from typer.testing import CliRunner, Result

from tests.conftest import planted_table
from weakspot.cli import app

RUNNER = CliRunner()


def small_table(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """A planted binary table of `n` rows (columns id, site, age, device, label, prediction)."""
    return planted_table(seed, n=n)


def snapshot(folder: Path) -> dict[str, str]:
    """Digest of every file under `folder`, to show that nothing the user had changed."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run(args: list[str]) -> Result:
    """``weakspot ARGS`` in-process; the result's output holds stdout and stderr."""
    return RUNNER.invoke(app, [str(a) for a in args])


def assert_refused(result: Result, code: int, *patterns: str) -> None:
    """The run stopped with `code`, printed every pattern (the problem, the fix), no traceback."""
    output = result.output
    assert result.exit_code == code, output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    assert "Traceback" not in output
    for pattern in patterns:
        assert re.search(pattern, output, flags=re.DOTALL), (pattern, output)


def assert_untouched(before: dict[str, str], folder: Path, *, created: tuple[str, ...] = ()):
    """Every file of `before` is still there with the same bytes; new files only in `created`."""
    after = snapshot(folder)
    for name, digest in before.items():
        assert after.get(name) == digest, f"{name} was changed or removed"
    new = [n for n in after if n not in before]
    assert all(n.split("/")[0] in created for n in new), new


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG file that claims `width` x `height` pixels: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def image_table(folder: Path, n: int = 60, seed: int = 0) -> pd.DataFrame:
    """`n` small PNG files under `folder`/imgs and a table naming them relative to `folder`."""
    rng = np.random.default_rng(seed)
    (folder / "imgs").mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        dark = i % 3 == 0
        pixels = rng.integers(20 if dark else 120, 80 if dark else 250, (16, 16)).astype(np.uint8)
        Image.fromarray(pixels).save(folder / "imgs" / f"{i}.png")
        label = "cat" if i % 2 else "dog"
        wrong = dark and rng.random() < 0.7
        rows.append(
            {
                "image": f"imgs/{i}.png",
                "label": label,
                "prediction": ("dog" if label == "cat" else "cat") if wrong else label,
            }
        )
    return pd.DataFrame(rows)
