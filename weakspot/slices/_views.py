"""The searches one analysis runs: one per loss view, two for a two-sided view.

A task's `Outcomes.views()` lists the losses whose excess a slice may show (`LossView`):
every task's ``"error"`` (the unit's loss), a regressor's ``"bias"`` (the signed residual,
two-sided), a tagger's ``"missed:<label>"`` and ``"false_alarm:<label>"`` (restricted to the
units the view `covers`). Each becomes a `DirectedView`: the units it is defined on and the
loss to look for an excess of there; a two-sided view becomes two, on its value and on its
negation, so a deficit (a model that under-estimates) is an excess of the negation. Every
finder runs on every directed view, and every hypothesis of every one enters one
Benjamini-Hochberg family (`select_views`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from weakspot.features import BinnedFeatures, FeatureTable
from weakspot.tasks import ClassificationOutcomes, LossView, Outcomes


@dataclass(frozen=True)
class ViewOutcomes(Outcomes):
    """One directed view's loss as the outcomes a finder sees (no classes: a finder that needs
    a classifier's labels does not run on it).

    Attributes
    ----------
    loss : ndarray of float, shape (n_units,)
        The directed loss on the view's units.
    zero_one : bool
        Whether every value is 0 or 1 (a tagger's misses): the errors are then counts and
        the tests exact, as for a classifier.
    """

    binary = False
    zero_one: bool = False

    @property
    def errors(self) -> np.ndarray:
        """int8 0/1 for a 0/1 loss (sums are counts), float64 otherwise, shape (n_units,)."""
        if self.zero_one:
            return self.loss.astype(np.int8)
        return self.loss.astype(np.float64)

    def take(self, rows: np.ndarray) -> ViewOutcomes:
        return ViewOutcomes(self.loss[rows], task=self.task, zero_one=self.zero_one)


@dataclass(frozen=True)
class DirectedView:
    """One search: a view, the direction it looks in, and the units it is defined on.

    Attributes
    ----------
    view : LossView
    sign : int
        +1: an excess of the view's value; -1 (a two-sided view's second search): a deficit,
        found as an excess of the negated value.
    rows : ndarray of int, shape (n_units,), or None
        Positions in the table of the units the view covers; None for every unit.
    outcomes : Outcomes
        What the finders see: the task's own record for the ``"error"`` view on every unit
        (a classifier's finders read its labels), else a `ViewOutcomes` of the directed loss.
    """

    view: LossView
    sign: int
    rows: np.ndarray | None
    outcomes: Outcomes

    @property
    def name(self) -> str:
        return self.view.name

    @property
    def value(self) -> np.ndarray:
        """The view's value (not negated) on its units, float64 of shape (n_units,): what a
        slice's statistics report."""
        loss = np.asarray(self.view.loss, dtype=np.float64)
        return loss if self.rows is None else loss[self.rows]

    @property
    def errors(self) -> np.ndarray:
        """The directed loss on the view's units, shape (n_units,): what the tests count."""
        return self.outcomes.errors

    def features(self, table: FeatureTable) -> tuple[BinnedFeatures, FeatureTable]:
        """The binned features and the feature table of the view's units only."""
        if self.rows is None:
            return table.binned, table
        binned = restrict_binned(table.binned, self.rows)
        restricted = replace(
            table,
            columns=table.columns.iloc[self.rows].reset_index(drop=True),
            binned=binned,
            embeddings=None if table.embeddings is None else table.embeddings[self.rows],
            unread=table.unread[self.rows],
        )
        return binned, restricted

    def to_table(self, positions: np.ndarray) -> np.ndarray:
        """Positions among the view's units as positions in the table, shape (m,)."""
        return positions if self.rows is None else self.rows[positions]


def restrict_binned(binned: BinnedFeatures, rows: np.ndarray) -> BinnedFeatures:
    """The same features on `rows` only (the bins stay those of the whole table, so a rule
    reads the same and means the same on every row)."""
    return BinnedFeatures(binned.codes[rows], binned.names, binned.bins)


def directed_views(outcomes: Outcomes) -> list[DirectedView]:
    """Every search the task's views ask for, in the order of `Outcomes.views()`, a two-sided
    view's excess before its deficit.

    The ``"error"`` view on every unit keeps the task's own record, so a classifier's search
    is the one it always was; a view restricted to the units it `covers` that covers none is
    left out (nothing to search).
    """
    searches = []
    for view in outcomes.views():
        rows = None if view.covers is None else np.flatnonzero(np.asarray(view.covers, bool))
        if rows is not None and rows.size == 0:
            continue
        for sign in (1, -1) if view.two_sided else (1,):
            if view.name == "error" and rows is None and sign == 1:
                searches.append(DirectedView(view, sign, rows, outcomes))
                continue
            loss = np.asarray(view.loss, dtype=np.float64)
            loss = sign * (loss if rows is None else loss[rows])
            zero_one = bool(np.all((loss == 0) | (loss == 1)))
            searches.append(
                DirectedView(
                    view, sign, rows, ViewOutcomes(loss, task=outcomes.task, zero_one=zero_one)
                )
            )
    return searches


def has_classes(outcomes: Outcomes) -> bool:
    """Whether the outcomes are a classifier's (its labels and classes can be read)."""
    return isinstance(outcomes, ClassificationOutcomes)
