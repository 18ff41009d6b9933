"""Refuse a whole read that the analysis could not hold, before the machine kills it.

Reading a Parquet folder whole joins every partition in this process, and the stages after the
inputs hold the table, its bin codes and their masks beside it: a whole analysis peaks at about
`ANALYSIS_TIMES_TABLE` times the joined table's pandas size (measured on the 5,000,000- and
10,000,000-row tables of `bench/scale/run.py analyze`: 129.6 bytes a row as pandas holds them,
peaks of 2.23 and 4.18 GiB, 0.3 GiB of it imports: 3.2 times the table, docs/scaling.md). A
table past what is free would end with the kernel's out-of-memory kill, no message, after
minutes of reading; `MemoryCheck` stops after the first partition instead, with the sample that
fits.

The free memory is psutil's ``available``, bounded by distributed's `MEMORY_LIMIT` (which
reads cgroup and rlimit limits) less this process's size; both come with ``weakspot[dask]``,
which partitioned inputs need. Without psutil nothing is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from weakspot._errors import InputError

ANALYSIS_TIMES_TABLE = 3.2
GIB = 2**30


def available_bytes() -> int | None:
    """Memory this process may still take, in bytes; None when it cannot be told."""
    try:
        import psutil
    except ImportError:
        return None
    free = int(psutil.virtual_memory().available)
    try:
        from distributed.system import MEMORY_LIMIT
    except ImportError:
        return free
    return max(0, min(free, int(MEMORY_LIMIT) - int(psutil.Process().memory_info().rss)))


def parquet_rows(folder: str | Path) -> int | None:
    """The folder's row count from the Parquet footers (no data read); None if unreadable."""
    import pyarrow.dataset as ds

    try:
        return int(ds.dataset(str(folder), format="parquet", partitioning="hive").count_rows())
    except (OSError, ValueError, TypeError):
        return None  # the read itself will name the problem


@dataclass
class MemoryCheck:
    """Tracks a whole read partition by partition and refuses it once it cannot fit.

    Attributes
    ----------
    name : str
        The input, as messages name it.
    total_rows : int or None
        The input's rows when known up front (a folder's footers); else estimated from the
        partitions read so far times `partitions`.
    partitions : int
    free_at_start : int or None
        `available_bytes()` before the read; None turns the check off.
    """

    name: str
    total_rows: int | None
    partitions: int
    free_at_start: int | None
    rows: int = 0
    bytes: int = 0
    seen: int = 0

    @classmethod
    def start(cls, data: Any, name: str) -> MemoryCheck:
        if isinstance(data, str | Path):
            files = sum(1 for _ in Path(data).rglob("*.parquet"))
            return cls(name, parquet_rows(data), max(files, 1), available_bytes())
        return cls(name, None, int(getattr(data, "npartitions", 1)), available_bytes())

    def add(self, table: pd.DataFrame) -> None:
        """Count one partition just read; raise `InputError` when the whole cannot fit."""
        part = int(table.memory_usage(deep=True, index=False).sum())
        self.rows += len(table)
        self.bytes += part
        self.seen += 1
        if self.free_at_start is None or self.rows == 0:
            return
        per_row = self.bytes / self.rows
        rows = self.total_rows or round(self.rows / self.seen * self.partitions)
        need = ANALYSIS_TIMES_TABLE * per_row * rows
        if need <= self.free_at_start:
            return
        raise InputError(self._message(rows, per_row, need, part), parameter="sample")

    def _message(self, rows: int, per_row: float, need: float, part: int) -> str:
        free = self.free_at_start or 0
        # a sampled read holds about twice the sample and one partition (`SmallestHashes`);
        # the analysis of n rows, ANALYSIS_TIMES_TABLE tables of n rows; a fifth spare
        room = max(0.0, 0.8 * free - part)
        fit = _round_down(room / (ANALYSIS_TIMES_TABLE * per_row))
        read = f"{self.seen} partition{'s' if self.seen > 1 else ''}"
        counted = "" if self.total_rows else f" (estimated from the {read} read so far)"
        advice = (
            f"Analyse a sample that fits: sample={fit}, which draws "
            f"{fit:,} rows at random by id, or run where more memory is free."
            if fit > 0
            else "Free memory, or run on a machine with more."
        )
        return (
            f"{self.name} holds {rows:,} rows{counted}, about {_size(per_row * rows)} as a "
            f"table; a whole analysis holds about {ANALYSIS_TIMES_TABLE:g} times its table, "
            f"{_size(need)}, and this machine has {_size(free)} free. {advice}"
        )


def _size(n: float) -> str:
    """Bytes as people read them: ``1.2 GiB``, ``48 MiB``."""
    return f"{n / GIB:.1f} GiB" if n >= GIB else f"{n / 2**20:.0f} MiB"


def _round_down(n: float) -> int:
    """`n` down to two significant figures (1,234,567 -> 1,200,000), so advice reads easily."""
    whole = int(n)
    if whole < 100:
        return whole
    scale = 10 ** (len(str(whole)) - 2)
    return whole // scale * scale
