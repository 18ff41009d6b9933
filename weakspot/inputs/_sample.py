"""Analysing a sample of a table too large to analyse whole (``sample=N``).

The sample is the N rows whose ids hash lowest under a key made from the seed: a uniform
random sample without replacement (the hash spreads ids evenly), and one that every engine,
every run and every partitioning of the same table draws alike, since a row's fate depends on
its own id alone. A Parquet folder or Dask DataFrame is sampled as it is read, partition by
partition (`SmallestHashes`), so the client never holds more than about twice the sample and
one partition; an in-memory table is validated whole, then sampled (`sample_examples`).

Rows without an id column are identified by their position in the whole input (0-based, in
partition order), as `build_examples` numbers them, so the sample's ids still name the input's
rows. Why not the first N rows (what Microsoft's RAI tools keep) or a seeded random choice of
positions: the first rows of a log are one period, one site; and positions change when the
same rows arrive in other files, ids do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.inputs._examples import Examples
from weakspot.tasks import ID_NAMES, as_text, find_column

SAMPLE_METHOD = "the rows whose ids hash lowest (SipHash keyed by the seed)"


@dataclass(frozen=True)
class RowSample:
    """Which rows of the input an analysis kept.

    Attributes
    ----------
    positions : ndarray of int64, shape (n_kept,)
        Increasing positions of the kept rows in the whole input (partitions in order).
    of : int
        Rows in the whole input.
    random_state : int
        The seed the hash was keyed with.
    """

    positions: np.ndarray
    of: int
    random_state: int

    def to_dict(self) -> dict[str, Any]:
        """What ``analysis.json`` records under ``dataset.sample``."""
        return {
            "rows": len(self.positions),
            "of": self.of,
            "method": SAMPLE_METHOD,
            "random_state": self.random_state,
        }

    def note(self) -> str:
        """The sentence the analysis' notes open with."""
        share = len(self.positions) / self.of
        return (
            f"Analysed a sample of {len(self.positions):,} of {self.of:,} rows ({share:.1%}), "
            f"{SAMPLE_METHOD}: the slices are found, and measured, on the sample; each one "
            f"with a rule is also counted on all {self.of:,} rows (its 'whole' figures). A "
            "larger sample, or none, searches more rows."
        )


def check_sample(sample: Any) -> None:
    """`sample=` is None or a positive whole number of rows."""
    if sample is None:
        return
    if isinstance(sample, bool) or not isinstance(sample, int | np.integer) or sample < 1:
        raise InputError(
            f"sample= must be a whole number of rows, at least 1 (leave it out for all rows); "
            f"got {sample!r}.",
            parameter="sample",
        )


def id_hashes(ids: pd.Series, random_state: int) -> np.ndarray:
    """A 64-bit hash of each id's text, keyed by the seed, shape (n,), uint64.

    pandas' `hash_pandas_object` (SipHash with a 16-byte key) on the ids as text, so that the
    id 7 of an integer column and "7" of a text column are one id, as in ``analysis.json``.
    """
    key = f"weakspot{random_state:08x}"  # 16 characters: the key SipHash takes
    text = as_text(ids.reset_index(drop=True))
    return pd.util.hash_pandas_object(text, index=False, hash_key=key).to_numpy(np.uint64)


def row_ids(table: pd.DataFrame, id_column: str | None, start: int) -> tuple[pd.Series, bool]:
    """The ids `build_examples` gives `table`'s rows when they start at input row `start`:
    the id column's values, or the rows' input positions; and whether they are positions."""
    column = find_column(table, id_column, ID_NAMES, "id", "id_column")
    if column is not None:
        return table[column], False
    return pd.Series(np.arange(start, start + len(table))), True


class SmallestHashes:
    """The `n` rows of lowest id hash among tables added in input order (streaming bottom-n).

    Rows above the n-th lowest hash seen so far can never be drawn and are dropped as they
    arrive; the kept rows are cut back to `n` whenever they pass ``2 n``, so that the memory
    held is at most about twice the sample plus the table being added. Ties (only repeated
    ids hash alike) go to the earlier row.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.tables: list[pd.DataFrame] = []
        self.hashes: list[np.ndarray] = []
        self.positions: list[np.ndarray] = []
        self.kept = 0
        self.seen = 0
        self.bound: np.uint64 | None = None  # the n-th lowest hash so far, once n are seen

    def add(self, table: pd.DataFrame, hashes: np.ndarray) -> None:
        """Offer `table`'s rows (the next ones of the input) with their id hashes, shape (m,)."""
        positions = np.arange(self.seen, self.seen + len(table), dtype=np.int64)
        self.seen += len(table)
        if self.bound is not None:
            keep = hashes <= self.bound
            table, hashes, positions = table[keep], hashes[keep], positions[keep]
        if len(table):
            self.tables.append(table)
            self.hashes.append(hashes)
            self.positions.append(positions)
            self.kept += len(table)
        if self.kept > 2 * self.n or (self.bound is None and self.kept >= self.n):
            self._cut()

    def result(self) -> tuple[pd.DataFrame, np.ndarray]:
        """The drawn rows in input order (fresh index), and their input positions."""
        self._cut()
        if not self.tables:
            return pd.DataFrame(), np.zeros(0, dtype=np.int64)
        return self.tables[0].reset_index(drop=True), self.positions[0]

    def _cut(self) -> None:
        """Join the kept rows and keep the `n` lowest hashes, in input order."""
        if not self.tables:
            return
        hashes = np.concatenate(self.hashes)
        positions = np.concatenate(self.positions)
        table = (
            pd.concat(self.tables, ignore_index=True) if len(self.tables) > 1 else self.tables[0]
        )
        if len(hashes) > self.n:
            chosen = np.sort(np.lexsort((positions, hashes))[: self.n])
            table, hashes, positions = table.iloc[chosen], hashes[chosen], positions[chosen]
        if len(hashes) >= self.n:
            self.bound = hashes.max()
        self.tables, self.hashes, self.positions = [table], [hashes], [positions]
        self.kept = len(hashes)


def lowest_hashes(hashes: np.ndarray, n: int) -> np.ndarray:
    """Increasing positions of the `n` lowest of `hashes` (ties to the earlier position)."""
    if len(hashes) <= n:
        return np.arange(len(hashes))
    return np.sort(np.lexsort((np.arange(len(hashes)), hashes))[:n])


def sample_examples(examples: Examples, n: int, random_state: int) -> tuple[Examples, RowSample]:
    """The `n` examples of lowest id hash, in input order, and which rows they are.

    Unused when the examples are no more than `n` (the caller checks): a sample of every row
    is no sample.
    """
    positions = lowest_hashes(id_hashes(pd.Series(examples.ids), random_state), n)
    return examples.take(positions), RowSample(positions, len(examples), random_state)
