"""The explain stage: what a person reads about each reported slice.

A predicate slice is read through its own rule; a member-set slice (found in embedding space)
through the short rule over interpretable features that best reproduces its members, with that
rule's fidelity. When no rule is faithful, the sentence says so rather than inventing one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from weakspot._display import html_of
from weakspot._errors import MissingDependency
from weakspot.features import FeatureTable
from weakspot.inputs import Inputs
from weakspot.slices import Slice
from weakspot.stats import member_mask
from weakspot.tasks import TaskWords, label_view, number


@dataclass(frozen=True)
class Explanation:
    """What a person reads about one slice.

    Attributes
    ----------
    title : str
        The slice's one-line name: its rule, or ``~ rule (rule F1 0.66)`` for a member set read
        through a rule.
    description : str
        One sentence: who fails, how often (with the interval), against what elsewhere.
    distinguishing : list of dict
        The features that most set the slice apart, strongest first (see
        `weakspot.explain.distinguishing_features`).
    reading : dict or None
        For member sets: the faithful short rule and its fidelity (`MemberDescription.to_dict`).
    found_as : str or None
        For member sets: the finder's own words for the group.
    examples : dict or None
        Example images inside and outside (`weakspot.explain.slice_examples`).
    feature_pictures : list of dict or None
        For Barlow slices: the images that activate each embedding feature most.
    """

    title: str
    description: str
    distinguishing: list[dict[str, Any]] = field(default_factory=list)
    reading: dict[str, Any] | None = None
    found_as: str | None = None
    examples: dict[str, Any] | None = None
    feature_pictures: list[dict[str, Any]] | None = None
    histograms: list[dict[str, Any]] = field(default_factory=list)  # see `_histograms`


@dataclass(frozen=True, eq=False)
class ExplainedSlice:
    """A reported slice and its explanation, as ``analysis.slices`` lists them."""

    slice: Slice
    explanation: Explanation

    @property
    def id(self) -> str:
        return self.slice.id

    @property
    def rank(self) -> int:
        return self.slice.rank

    @property
    def members(self) -> np.ndarray:
        return self.slice.members

    @property
    def method(self) -> str:
        return self.slice.method

    @property
    def conditions(self):
        return self.slice.conditions

    @property
    def stats(self):
        return self.slice.stats

    @property
    def title(self) -> str:
        return self.explanation.title

    @property
    def description(self) -> str:
        return self.explanation.description

    def rule(self) -> str:
        return self.slice.rule()

    def _repr_html_(self) -> str | None:
        """The slice in a notebook: the report's card (see `weakspot._display`), or None."""
        return html_of(self)

    def to_dict(self, ids: np.ndarray) -> dict[str, Any]:
        """The slice's record in ``analysis.json``; `ids` maps row positions to example ids."""
        item, text = self.slice, self.explanation
        assert item.stats is not None, "only selected slices are explained"
        s = item.stats
        return {
            "id": item.id,
            "rank": item.rank,
            "description": text.description,
            "title": text.title or item.rule() or item.method,
            "rule": item.rule() or None,
            "predicate": [c.to_dict() for c in item.conditions] if item.conditions else None,
            "method": item.method,
            # only a view other than the unit's loss is named: a classifier's record is unchanged
            **({"view": item.view} if item.view != "error" else {}),
            "size": s.size,
            "errors": s.errors,
            "error_rate": s.error_rate,
            "ci": list(s.ci),
            "rest_error_rate": s.rest_error_rate,
            "lift": s.lift,
            # a continuous loss's bootstrap interval of the loss ratio (none for 0/1 errors)
            **({"lift_ci": list(s.lift_ci)} if s.lift_ci is not None else {}),
            "excess_errors": s.excess_errors,
            "class_adjusted_excess": s.class_adjusted_excess,
            # with a classifier's probabilities: what the slices are ranked by
            **(
                {"beyond_confidence": s.beyond_confidence}
                if s.beyond_confidence is not None
                else {}
            ),
            "p_value": s.p_value,
            "search_p_value": s.search_p_value,
            "q_value": s.q_value,
            "score": item.score,
            "also_found_as": [a.to_dict() for a in item.aliases],
            "distinguishing": text.distinguishing,
            "explanation": text.reading,
            "found_as": text.found_as,
            "examples": text.examples,
            "feature_pictures": text.feature_pictures,
            "members": [str(i) for i in ids[item.members]],
            "histograms": text.histograms,
        }


def explain_slices(
    slices: Sequence[Slice], features: FeatureTable, words: TaskWords | None = None
) -> list[ExplainedSlice]:
    """An `Explanation` (title, sentence, distinguishing features) for each reported slice;
    `words` say the task's loss (a regressor's mean absolute error; default a classifier's
    error rate)."""
    from weakspot.explain._histograms import with_histograms

    return [
        ExplainedSlice(item, with_histograms(explain_slice(item, features, words), item, features))
        for item in slices
    ]


def explain_slice(
    item: Slice, features: FeatureTable, words: TaskWords | None = None
) -> Explanation:
    """The title, sentence and distinguishing features of one slice."""
    from weakspot.explain._describe import describe_members, distinguishing_features

    if item.conditions is not None:
        mask = member_mask(item.members, len(features.columns))
        return Explanation(
            title=item.rule(),
            description=describe_slice(
                item,
                f"Examples where {item.rule()}" if item.conditions else "A group of examples",
                words,
            ),
            distinguishing=distinguishing_features(mask, features.columns)[:5],
        )
    reading = describe_members(item.members, features.binned, features.columns)
    record = reading.to_dict()
    rule_text = record["rule_text"]
    title = (
        f"~ {rule_text} (rule F1 {reading.f1:.2f})"
        if rule_text
        else f"{item.method} group, no faithful rule"
    )
    return Explanation(
        title=title,
        description=describe_slice(item, reading.subject or "A group of examples", words),
        distinguishing=reading.distinguishing,
        reading=record,
        found_as=item.label,
    )


def describe_slice(item: Slice, who: str, words: TaskWords | None = None) -> str:
    """One sentence a person can read: the group, its error rate (or the task's mean loss)
    with interval, the lift."""
    s = item.stats
    assert s is not None, "only selected slices are described"
    lift = "many" if not np.isfinite(s.lift) else f"{s.lift:.1f}"
    view = getattr(item, "view", "error")
    if words is not None and not (words.rate and view == "error"):
        ci = words.interval(s.ci, view)
        if label_view(view) is not None:  # a tagger's misses or false alarms of one label
            return (
                f"{who}: {words.compare(s.error_rate, s.rest_error_rate, view)} (95% CI {ci}, "
                f"{lift}x), {s.size} examples."
            )
        if view == "bias":
            return (
                f"{who}: the model {words.compare(s.error_rate, s.rest_error_rate, view)} "
                f"(95% CI {ci}), {s.size} examples."
            )
        return (
            f"{who}: {words.metric(view)} {number(s.error_rate)} (95% CI {ci}) vs "
            f"{number(s.rest_error_rate)} elsewhere ({lift}x), {s.size} examples."
        )
    return (
        f"{who} fail {s.error_rate:.0%} of the time (95% CI {s.ci[0]:.0%}-{s.ci[1]:.0%}) "
        f"against {s.rest_error_rate:.0%} elsewhere ({lift}x), {s.errors} errors in {s.size} "
        "examples."
    )


def add_pictures(
    explained: Sequence[ExplainedSlice],
    inputs: Inputs,
    embeddings: np.ndarray | None,
    *,
    embed: Any,
    random_state: int,
    n_slices: int = 10,
    unread: Collection[int] = (),
) -> list[ExplainedSlice]:
    """Example images inside and outside the top `n_slices` slices; feature pictures for Barlow
    slices (when the default backbone made the embeddings). Slices past the top are unchanged.
    Images the extraction skipped (`unread`, row indices) are never opened again."""
    from weakspot.explain._pictures import barlow_feature_pictures, slice_examples
    from weakspot.explain._report_pictures import contrast_examples, picture_outcomes

    if inputs.images is None:
        return list(explained)
    examples = inputs.examples
    labels, predictions, failing, strata = picture_outcomes(examples)
    rng = np.random.default_rng(random_state)
    backbone = None
    out = []
    for rank, item in enumerate(explained):
        if rank >= n_slices:
            out.append(item)
            continue
        pictures = slice_examples(
            item.slice,
            inputs.images,
            ids=examples.ids,
            labels=labels,
            predictions=predictions,
            errors=failing,
            rng=rng,
            unread=unread,
            strata=strata,
        )
        # its own generator, so the existing pictures are drawn as before
        pictures.update(
            contrast_examples(
                item.slice,
                inputs,
                np.random.default_rng([random_state, 2, rank]),
                unread=unread,
            )
        )
        feature_pictures = None
        if item.method == "barlow" and embed == "efficientnet" and embeddings is not None:
            try:
                if backbone is None:
                    from weakspot.features.images import EfficientNetLite0

                    backbone = EfficientNetLite0()
                feature_pictures = barlow_feature_pictures(
                    item.slice, inputs.images, embeddings, backbone, unread=unread
                )
            except MissingDependency:
                pass
        text = replace(item.explanation, examples=pictures, feature_pictures=feature_pictures)
        out.append(ExplainedSlice(item.slice, text))
    return out
