"""`analyze`: run every stage on a predictions table and collect the result in `Analysis`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import InputError, missing_dependency
from weakspot._version import __version__
from weakspot.features._binning import BinnedFeatures, bin_features
from weakspot.inputs._examples import Examples, build_examples, read_table
from weakspot.metrics._disaggregated import disaggregated_metrics, groups_frame
from weakspot.metrics._overview import overall_metrics
from weakspot.slices._base import FINDERS, SearchContext
from weakspot.slices._refine import widen_intervals
from weakspot.slices._select import select_slices
from weakspot.slices._slice import Slice

SCHEMA_VERSION = "1.0"
DEFAULT_METHODS = ("lattice", "error_tree")

Progress = Callable[[str], None]


@dataclass
class Analysis:
    """Everything one analysis found. Serialises to ``analysis.json`` with `to_dict`.

    Attributes
    ----------
    examples : Examples
    binned : BinnedFeatures
    overall : dict
        See `weakspot.metrics.overall_metrics`.
    disaggregated : dict
        See `weakspot.metrics.disaggregated_metrics`.
    slices : list of Slice
        Reported slices, ranked.
    search : dict
        How many hypotheses were tested, proposed, significant and reported.
    config : dict
        The options the analysis ran with.
    notes : list of str
    """

    examples: Examples
    binned: BinnedFeatures
    overall: dict[str, Any]
    disaggregated: dict[str, Any]
    slices: list[Slice]
    search: dict[str, Any]
    config: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)

    @property
    def by_group(self) -> pd.DataFrame:
        """Subgroup metrics, one row per (feature, group), with Wilson intervals."""
        return groups_frame(self.disaggregated)

    def metric_frame(self, feature: str | list[str]):
        """The subgroup accuracy of `feature` (or an intersection) as a fairlearn `MetricFrame`.

        Needs fairlearn (``pip install 'weakspot[fairness]'``).
        """
        try:
            from fairlearn.metrics import MetricFrame, selection_rate
        except ImportError:
            raise missing_dependency("fairlearn", "fairness", "Analysis.metric_frame") from None
        from sklearn.metrics import accuracy_score

        names = [feature] if isinstance(feature, str) else list(feature)
        unknown = [f for f in names if f not in self.binned.names]
        if unknown:
            raise InputError(f"Unknown feature(s) {unknown}; choose among {self.binned.names}.")
        groups = pd.DataFrame(
            {
                f: [self.binned.bins[j][b].describe() for b in self.binned.codes[:, j]]
                for f in names
                for j in [self.binned.names.index(f)]
            }
        )
        metrics: dict[str, Any] = {"accuracy": accuracy_score, "count": lambda y, p: len(y)}
        if len(self.examples.classes) == 2:
            positive = self.examples.classes[1]
            metrics["selection_rate"] = lambda y, p: selection_rate(y, p, pos_label=positive)
        return MetricFrame(
            metrics=metrics,
            y_true=self.examples.labels,
            y_pred=self.examples.predictions,
            sensitive_features=groups,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON document written to ``analysis.json`` (see docs/schema.md)."""
        from weakspot.report._json import analysis_to_dict

        return analysis_to_dict(self)


def analyze(
    data: pd.DataFrame | str | Path,
    *,
    label: str | None = None,
    prediction: str | None = None,
    id_column: str | None = None,
    score_column: str | None = None,
    positive_class: str | None = None,
    classes: list[str] | None = None,
    metadata: list[str] | None = None,
    ignore: list[str] | None = None,
    sensitive: list[str] | None = None,
    methods: tuple[str, ...] | list[str] = DEFAULT_METHODS,
    min_support: int | None = None,
    max_q: float = 0.05,
    max_slices: int = 15,
    max_level: int = 3,
    n_bins: int = 5,
    random_state: int = 0,
    progress: Progress | None = None,
) -> Analysis:
    """Analyse a classifier's predictions: metrics, subgroup gaps and failure slices.

    Parameters
    ----------
    data : DataFrame or path
        One row per example: the true label, the prediction, optional ``proba_<class>``
        columns (or one score column for a binary task), an optional id, and metadata.
    label, prediction, id_column, score_column : str, optional
        Column names, detected from common names when omitted.
    positive_class : str, optional
        The class a binary score column is the probability of.
    classes : list of str, optional
        Every class the model can predict, if some are absent from this set.
    metadata, ignore : list of str, optional
        Columns to slice on (default: all others), and columns to leave out.
    sensitive : list of str, optional
        Metadata columns whose subgroups and intersections are always measured.
    methods : sequence of str
        Slice finders to run (see ``weakspot.slices.FINDERS``).
    min_support : int, optional
        Smallest slice reported; default ``max(20, 1% of rows)``.
    max_q : float
        Largest Benjamini-Hochberg q-value reported.
    max_slices : int
        At most this many slices are reported.
    max_level : int
        Most conditions in a lattice slice.
    n_bins : int
        Quantile bins per numeric column.
    random_state : int
        Seed of every random choice; the same inputs and seed give the same result.
    progress : callable, optional
        Called with the name of each stage as it starts.
    """
    say = progress or (lambda stage: None)
    say("validating input")
    frame = read_table(data) if isinstance(data, str | Path) else data
    examples = build_examples(
        frame,
        label=label,
        prediction=prediction,
        id_column=id_column,
        score_column=score_column,
        positive_class=positive_class,
        classes=classes,
        metadata=metadata,
        ignore=ignore,
    )
    _check_options(examples, sensitive, methods, max_q, max_slices)
    support = (
        min_support if min_support is not None else max(20, int(np.ceil(0.01 * len(examples))))
    )

    say("binning features")
    features = slicing_features(examples)
    binned = bin_features(features, n_bins=n_bins)

    say("measuring performance")
    overall = overall_metrics(
        examples.labels, examples.predictions, examples.classes, examples.proba
    )
    disaggregated = disaggregated_metrics(
        binned, examples.labels, examples.predictions, examples.classes, sensitive=sensitive
    )

    context = SearchContext(
        binned=binned,
        features=features,
        errors=examples.errors,
        labels=examples.labels,
        predictions=examples.predictions,
        proba=examples.proba,
        classes=examples.classes,
        embeddings=None,
        min_support=support,
        random_state=random_state,
    )
    outputs = []
    for name in methods:
        say(f"searching slices: {name}")
        finder = FINDERS[name](max_level=max_level) if name == "lattice" else FINDERS[name]()
        outputs.append(finder.find(context))
    say("testing and ranking slices")
    for output in outputs:
        output.slices = [widen_intervals(item, binned, examples.errors) for item in output.slices]
    slices, counts = select_slices(
        outputs, examples.errors, min_support=support, max_q=max_q, max_slices=max_slices
    )
    for item in slices:
        item.description = describe_slice(item)
    config = {
        "methods": list(methods),
        "min_support": support,
        "max_q": max_q,
        "max_slices": max_slices,
        "max_level": max_level,
        "n_bins": n_bins,
        "random_state": random_state,
        "sensitive": list(sensitive or []),
        "weakspot_version": __version__,
    }
    notes = list(examples.notes) + [n for o in outputs for n in o.notes]
    return Analysis(examples, binned, overall, disaggregated, slices, counts, config, notes)


def slicing_features(examples: Examples) -> pd.DataFrame:
    """Metadata plus the true label; never the prediction too.

    Slicing on the label and the prediction together yields confusion-matrix cells whose error
    rate is 1 by construction; per-class confusions are in the metrics instead.
    """
    features = examples.metadata.copy()
    features.insert(0, "label", examples.labels)
    if "label" in examples.metadata.columns:
        features = features.loc[:, ~features.columns.duplicated()]
    return features


def describe_slice(item: Slice) -> str:
    """One sentence a person can read: the rule, the error rate with its interval, the lift."""
    s = item.stats
    who = (
        f"Examples where {item.rule()}"
        if item.conditions
        else item.description or "A group of examples"
    )
    lift = "many" if not np.isfinite(s["lift"]) else f"{s['lift']:.1f}"
    return (
        f"{who} fail {s['error_rate']:.0%} of the time (95% CI {s['ci'][0]:.0%}-{s['ci'][1]:.0%}) "
        f"against {s['rest_error_rate']:.0%} elsewhere ({lift}x), {s['errors']} errors in {s['size']} examples."
    )


def _check_options(examples: Examples, sensitive, methods, max_q, max_slices) -> None:
    for name in sensitive or []:
        if name not in examples.metadata.columns:
            raise InputError(
                f"--sensitive {name!r} is not a metadata column. Metadata columns are: {list(examples.metadata.columns)[:12]}."
            )
    unknown = [m for m in methods if m not in FINDERS]
    if unknown:
        raise InputError(f"Unknown slice finder(s) {unknown}; available: {sorted(FINDERS)}.")
    if not 0 < max_q <= 1:
        raise InputError(f"max_q must be in (0, 1], got {max_q}.")
    if max_slices < 1:
        raise InputError(f"max_slices must be at least 1, got {max_slices}.")
