"""The protocol every slice finder follows, and the registry of finders.

A finder receives the analysis context (binned features, raw features, embeddings, the error
indicator) and returns a `FinderOutput`: the slices it proposes, and the p-values of the whole
family of hypotheses it looked at, so that false-discovery control accounts for the search.

A finder is a dataclass: its fields are its options (``finder_options={"lattice":
{"max_level": 3}}`` in `weakspot.analyze`), and ``needs`` declares what it cannot work
without, which decides whether it runs by default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.features import BinnedFeatures
from weakspot.inputs import load_embeddings
from weakspot.slices._slice import Slice
from weakspot.tasks import ClassificationOutcomes, Outcomes, OutcomeView


@dataclass(frozen=True)
class SearchContext(OutcomeView):
    """Everything a finder may use.

    Attributes
    ----------
    binned : BinnedFeatures
        Bin codes of every slicing feature, shape (n, n_features).
    features : DataFrame, shape (n, n_features)
        The same features before binning (metadata, image properties, ...).
    outcomes : Outcomes
        The task's record of each unit (`weakspot.tasks`): its loss, and for a classifier the
        labels, predictions, classes and probabilities (the properties below).
    embeddings : ndarray of float, shape (n, d), or None
    min_support : int
        Smallest slice worth reporting.
    random_state : int
    engine : Engine or None
        Where the row-touching kernels run (None: in this process).
    readable : ndarray of bool, shape (n,), or None
        The rows that have their features (`FeatureTable.readable`): an embedding finder
        never uses the embedding of another row, nor makes it a member. None (a context made
        by hand): the rows whose embedding is finite.
    """

    binned: BinnedFeatures
    features: pd.DataFrame
    outcomes: Outcomes
    embeddings: np.ndarray | None
    min_support: int
    random_state: int = 0
    engine: Any = None
    readable: np.ndarray | None = None

    def __post_init__(self) -> None:
        # finders may be called directly, so the context checks what analyze() checked
        load_embeddings(self.embeddings, len(self.errors))

    @property
    def available(self) -> frozenset[str]:
        """What this context offers beyond features: ``"embeddings"``, ``"probabilities"``,
        and ``"classes"`` for a classifier's outcomes (the per-class embedding finders)."""
        have = set()
        if isinstance(self.outcomes, ClassificationOutcomes):
            have.add("classes")
        if self.embeddings is not None:
            have.add("embeddings")
        if self.proba is not None:
            have.add("probabilities")
        return frozenset(have)


@dataclass(frozen=True)
class FinderOutput:
    """What a finder returns.

    Attributes
    ----------
    slices : list of Slice
        Proposed slices (members set; statistics filled later).
    family_p_values : ndarray of float, shape (m,)
        p-values of every hypothesis the finder examined (including the proposed ones),
        over which Benjamini-Hochberg is taken.
    proposed_p_values : ndarray of float, shape (len(slices),)
        The p-value of each proposed slice, computed the way the family's were (for
        split-sample finders: on the held-out half only).
    notes : list of str
    """

    slices: list[Slice]
    family_p_values: np.ndarray
    proposed_p_values: np.ndarray
    notes: list[str] = field(default_factory=list)

    @classmethod
    def empty(cls, note: str | None = None) -> FinderOutput:
        """No proposal and no hypothesis examined."""
        return cls([], np.zeros(0), np.zeros(0), [note] if note else [])


class SliceFinder(Protocol):
    """A slice finder: a name, what it needs, options as dataclass fields, and `find`."""

    name: ClassVar[str]
    needs: ClassVar[frozenset[str]]

    def find(self, context: SearchContext) -> FinderOutput: ...


FINDERS: dict[str, type[Any]] = {}


def register_finder(cls: type[Any]) -> type[Any]:
    """Class decorator that adds a finder to the registry under ``cls.name``."""
    FINDERS[cls.name] = cls
    return cls


def default_methods(available: frozenset[str]) -> tuple[str, ...]:
    """Every registered finder whose needs `available` meets, in registration order."""
    return tuple(name for name, cls in FINDERS.items() if cls.needs <= available)


def make_finder(name: str, options: Mapping[str, Any] | None = None) -> SliceFinder:
    """The finder `name` with `options` set, or an `InputError` naming the bad name or option."""
    if name not in FINDERS:
        raise InputError(
            f"Unknown slice finder {name!r}; available: {sorted(FINDERS)}.", parameter="methods"
        )
    cls = FINDERS[name]
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(options or {}) - set(fields))
    if unknown:
        raise InputError(
            f"Finder {name!r} has no option {unknown[0]!r}; its options are {sorted(fields)}.",
            parameter="finder_options",
        )
    return cls(**{key: _coerce(fields[key], value) for key, value in (options or {}).items()})


def _coerce(spec: dataclasses.Field, value: Any) -> Any:
    """An option given as text (from the command line) in the type of the field's default."""
    default = spec.default
    if not isinstance(value, str) or isinstance(default, str) or default is dataclasses.MISSING:
        return value
    try:
        if isinstance(default, bool):
            if value.lower() not in ("true", "false", "1", "0"):
                raise ValueError(value)
            return value.lower() in ("true", "1")
        if isinstance(default, tuple):
            return tuple(float(v) for v in value.split(","))
        return type(default)(value)
    except ValueError:
        raise InputError(
            f"Option {spec.name!r} takes a {type(default).__name__} "
            f"(default {default!r}); got {value!r}.",
            parameter="finder_options",
        ) from None
