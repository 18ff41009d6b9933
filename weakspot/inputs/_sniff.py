"""What a table file really is, from its first bytes, whatever its name says.

A binary file, a gzip stream, an Excel workbook or a Parquet file named ``.csv`` would otherwise
reach the CSV parser and come back as an encoding error with the wrong advice.
"""

from __future__ import annotations

import stat
from pathlib import Path

from weakspot._errors import InputError

_MAGIC = (
    (b"\x1f\x8b", "gzip-compressed", "rename it to end in .csv.gz (weakspot reads it then)"),
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook is one)", "export the sheet as CSV"),
    (b"PAR1", "a Parquet file", "rename it to end in .parquet"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) or Office file", "export the sheet as CSV"),
    (b"BZh", "bzip2-compressed", "rename it to end in .csv.bz2"),
    (b"\xfd7zXZ", "xz-compressed", "rename it to end in .csv.xz"),
    (b"\xff\xfe", "UTF-16 text", "re-save it as UTF-8 (iconv -f utf-16 -t utf-8 IN > OUT.csv)"),
    (b"\xfe\xff", "UTF-16 text", "re-save it as UTF-8 (iconv -f utf-16 -t utf-8 IN > OUT.csv)"),
    (b"\x89PNG", "a PNG image", "give the predictions table, not an image"),
    (b"\xff\xd8\xff", "a JPEG image", "give the predictions table, not an image"),
)
_COMPRESSED = (".gz", ".bz2", ".xz", ".zip", ".zst")


def check_table_file(path: Path) -> None:
    """Refuse a path that is not a table file: a device, a socket, or binary content.

    A named pipe is allowed (``weakspot analyze <(zcat preds.csv.gz)``) and is not sniffed.
    """
    mode = path.stat().st_mode
    if stat.S_ISFIFO(mode):
        return
    if not stat.S_ISREG(mode):
        raise InputError(
            f"{str(path)!r} is not a regular file (a device or socket). Give the path of a "
            ".csv, .tsv, .json, .jsonl or .parquet file."
        )
    suffix = path.suffix.lower()
    if suffix == ".parquet" or suffix in _COMPRESSED:
        return
    with open(path, "rb") as handle:
        head = handle.read(8192)
    for magic, what, fix in _MAGIC:
        if head.startswith(magic):
            raise InputError(
                f"{str(path)!r} is named {suffix or 'without a suffix'} but is {what}, not a text "
                f"table. To use it: {fix}."
            )
    if b"\x00" in head:
        raise InputError(
            f"{str(path)!r} is a binary file (it holds NUL bytes), not a text table. Give a .csv, "
            ".tsv, .json, .jsonl or .parquet file; a UTF-16 CSV must be re-saved as UTF-8."
        )
