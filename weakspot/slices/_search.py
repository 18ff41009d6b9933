"""The slices stage: run the finders, refine their rules, keep what survives the statistics."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from weakspot._errors import InputError
from weakspot.features import FeatureTable, label_scope
from weakspot.inputs import Examples
from weakspot.slices._base import FINDERS, SearchContext, default_methods, make_finder
from weakspot.slices._cutpoints import held_out_half, place_cutpoints
from weakspot.slices._refine import refine_slice
from weakspot.slices._select import ViewOutputs, select_views
from weakspot.slices._slice import Slice
from weakspot.slices._views import DirectedView, directed_views, has_classes
from weakspot.stats import ModelConfidence


@dataclass(frozen=True)
class SliceSearch:
    """What the slice search found and how hard it looked.

    Attributes
    ----------
    slices : list of Slice
        Reported slices, ranked, with statistics and aliases.
    counts : dict
        Hypotheses ``tested``, slices ``proposed``, ``significant`` and ``reported``.
    methods : list of str
        The finders that ran.
    options : dict of str to dict
        Each finder's options as it ran (its dataclass fields).
    min_support : int
        The smallest slice reported.
    notes : list of str
        What the finders had to say.
    """

    slices: list[Slice]
    counts: dict[str, int]
    methods: list[str]
    options: dict[str, dict[str, Any]]
    min_support: int
    notes: list[str]


def default_min_support(n: int) -> int:
    """The smallest slice worth reporting by default: 20 rows or 1% of them."""
    return max(20, int(np.ceil(0.01 * n)))


@dataclass(frozen=True)
class SearchOptions:
    """How the slices are searched and which are reported (see `weakspot.analyze` for each).

    `check` validates them before any work; `find_slices` reads them.
    """

    methods: Sequence[str] | None = None
    finder_options: Mapping[str, Mapping[str, Any]] | None = None
    min_support: int | None = None
    max_q: float = 0.05
    min_lift: float = 1.1
    max_slices: int = 15

    def check(self) -> None:
        """Raise `InputError`, naming the option, for a value no search can use."""
        if not 0 < self.max_q <= 1:
            raise InputError(f"max_q= must be in (0, 1], got {self.max_q}.", parameter="max_q")
        if not self.min_lift >= 1:  # also refuses NaN
            raise InputError(
                f"min_lift= must be at least 1 (a slice failing no more often than the rest is "
                f"no failure), got {self.min_lift}.",
                parameter="min_lift",
            )
        if self.max_slices < 1:
            raise InputError(
                f"max_slices= must be at least 1, got {self.max_slices}.", parameter="max_slices"
            )
        if self.min_support is not None and self.min_support < 1:
            raise InputError(
                f"min_support= must be at least 1, got {self.min_support}.",
                parameter="min_support",
            )
        check_finders(self.methods, self.finder_options)


def check_finders(
    methods: Sequence[str] | None, finder_options: Mapping[str, Mapping[str, Any]] | None
) -> None:
    """Raise `InputError` for an unknown finder in `methods` or `finder_options`."""
    unknown = [m for m in methods or () if m not in FINDERS]
    if unknown:
        raise InputError(
            f"Unknown slice finder(s) {unknown} in methods=; available: {sorted(FINDERS)}.",
            parameter="methods",
        )
    for name, options in (finder_options or {}).items():
        make_finder(name, options)


def find_slices(
    examples: Examples,
    features: FeatureTable,
    options: SearchOptions | None = None,
    *,
    random_state: int = 0,
    engine: Any = None,
    progress: Callable[[str], None] | None = None,
) -> SliceSearch:
    """Search every finder, refine the proposals, select the slices worth reporting.

    Parameters
    ----------
    examples : Examples
    features : FeatureTable
    options : SearchOptions, optional
        The finders (default: every registered finder whose needs the inputs meet), their
        options (e.g. ``{"lattice": {"max_level": 2}}``), min_support, max_q, min_lift and
        max_slices, as in `weakspot.analyze`.
    random_state : int
    engine : Engine, optional
        Where the row-touching kernels run.
    progress : callable, optional
        Called with a stage name as each finder starts.
    """
    say = progress or (lambda stage: None)
    options = options or SearchOptions()
    methods, finder_options = options.methods, options.finder_options
    given = options.min_support
    support = given if given is not None else default_min_support(len(examples))
    searches = directed_views(examples.outcomes)
    first = _context(searches[0], features, support, random_state, engine)
    names = list(methods) if methods is not None else list(default_methods(first.available))
    finders = {name: make_finder(name, (finder_options or {}).get(name)) for name in names}
    views: list[ViewOutputs] = []
    notes: list[str] = []
    for search in searches:
        context = (
            first
            if search is searches[0]
            else _context(search, features, support, random_state, engine)
        )
        binned, table = search.features(features)
        outputs = []
        held_out = held_out_half(len(search.errors), random_state)
        errors = search.errors  # computed on each access: once here, not twice per slice
        for name, finder in finders.items():
            if not finder.needs <= context.available and search is not searches[0]:
                # a finder for a classifier's classes has nothing to read on a view's loss
                continue
            say(
                f"searching slices: {name}"
                + ("" if search.name == "error" else f" ({search.name})")
            )
            output = finder.find(context)
            refined = [
                place_cutpoints(
                    refine_slice(s, binned, errors), binned, table.columns, errors, held_out
                )
                for s in output.slices
            ]
            outputs.append(replace(output, slices=refined))
            notes.extend(
                output.notes
                if search.name == "error"
                else [
                    f"{search.name}{'' if search.sign == 1 else ' (deficit)'}: {note}"
                    for note in output.notes
                ]
            )
        views.append(
            ViewOutputs(
                outputs,
                errors,
                errors if search.outcomes is examples.outcomes else search.value,
                name=search.name,
                sign=search.sign,
                two_sided=search.view.two_sided,
                rows=search.rows,
                labels=examples.labels if has_classes(search.outcomes) else None,
                beyond=_beyond_confidence(examples, table.columns)
                if search is searches[0]
                else None,
            )
        )
    say("testing and ranking slices")
    slices, counts = select_views(
        views,
        min_support=support,
        max_q=options.max_q,
        min_lift=options.min_lift,
        max_slices=options.max_slices,
        random_state=random_state,
    )
    return SliceSearch(
        slices=slices,
        counts=counts,
        methods=names,
        options={name: vars(finder).copy() for name, finder in finders.items()},
        min_support=support,
        notes=notes,
    )


def _context(
    search: DirectedView,
    features: FeatureTable,
    min_support: int,
    random_state: int,
    engine: Any,
) -> SearchContext:
    """What the finders see on one directed view: its units' features and loss."""
    binned, table = search.features(features)
    return SearchContext(
        binned=binned,
        features=table.columns,
        outcomes=search.outcomes,
        embeddings=table.embeddings,
        min_support=min_support,
        random_state=random_state,
        engine=engine,
        readable=table.readable,
    )


def _beyond_confidence(
    examples: Examples, frame: Any
) -> Callable[[Slice, np.ndarray], float] | None:
    """A slice's errors beyond what the classifier's own probabilities predict, or None without
    probabilities. A rule that names the true label is read by `label_scope`: its errors are
    predicted by the named classes' probability over the rows of the rest of the rule."""
    outcomes = examples.outcomes
    if not has_classes(outcomes) or examples.proba is None:
        return None
    classes = list(examples.classes)
    errors = np.asarray(examples.errors, dtype=np.float64)
    confidence = ModelConfidence.of(examples.proba, examples.predictions, classes, errors)
    every = confidence.expected(np.ones(len(classes), dtype=bool))

    def beyond(item: Slice, mask: np.ndarray) -> float:
        observed = float(errors[mask].sum())
        if not any(c.feature == "label" for c in item.conditions or ()):
            return round(observed - float(every[mask].sum()), 9)
        allowed, rows = label_scope(item.conditions or (), frame, classes)
        return round(observed - float(confidence.expected(allowed)[rows].sum()), 9)

    return beyond
