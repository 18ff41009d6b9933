"""The output folder: weakspot writes only into a folder it owns, and never half a file.

A folder is weakspot's when it holds the marker file ``.weakspot`` (written the first time
weakspot writes there), or when it is new or empty. A non-empty folder without the marker holds
someone else's files: weakspot refuses it unless ``overwrite=True`` (``--overwrite``), and even
then it replaces only its own three file names. Every file is written under a temporary name in
the same folder and renamed over the old one, so a run stopped at any instant leaves either the
old file or the new one, never a torn one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from weakspot._errors import InputError

MARKER = ".weakspot"
OUTPUT_NAMES = ("analysis.json", "report.html", "summary.md")


def claim_output_folder(out_dir: str | Path, *, overwrite: bool = False) -> Path:
    """Check that weakspot may write into `out_dir`, create it, and mark it as weakspot's.

    Raises `InputError` when `out_dir` is a file, cannot be created or written, or is a
    non-empty folder weakspot did not write (unless `overwrite`).
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(
            f"out_dir={str(out)!r} is a file, not a folder. Give a new or empty folder for "
            "analysis.json, report.html and summary.md."
        )
    if out.is_dir() and not overwrite and not (out / MARKER).exists():
        others = sorted(p.name for p in out.iterdir())
        if others:
            shown = ", ".join(repr(n) for n in others[:5]) + (" ..." if len(others) > 5 else "")
            raise InputError(
                f"out_dir={str(out)!r} is not empty ({shown}) and was not written by weakspot "
                f"(no {MARKER} marker file). Give a new or empty folder, or pass overwrite=True "
                "to write analysis.json, report.html and summary.md into it (its other files "
                "are left alone)."
            )
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not (out / MARKER).exists():
            write_atomic(out / MARKER, "This folder holds weakspot's results.\n")
    except OSError as exc:
        raise _unwritable(out, exc) from None
    return out


def write_atomic(path: Path, text: str) -> Path:
    """Write `text` (UTF-8) to `path` through a temporary file in the same folder and a rename."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def write_outputs(out: Path, texts: dict[str, str]) -> dict[str, Path]:
    """Write each ``name -> text`` into `out` atomically; `InputError` when it cannot."""
    try:
        return {name: write_atomic(out / name, text) for name, text in texts.items()}
    except OSError as exc:
        raise _unwritable(out, exc) from None


def _unwritable(out: Path, exc: OSError) -> InputError:
    return InputError(
        f"Cannot write the results into out_dir={str(out)!r}: {exc.strerror or exc}. "
        "Choose a folder you can write to."
    )
