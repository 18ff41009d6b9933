"""Failure modes: reported slices whose errors largely coincide, shown once under one title.

Several slices often describe the same failing examples (``clipping < 0.29``,
``brightness < 0.2 and dark_share < 0.6``, ``camera == C``). A failure mode groups reported
slices whose error sets overlap (the shared errors are at least `min_shared` of the smaller
set, compared with each group's leading slice), then names the group. A mode is its failing
examples: for each kind of feature (see `weakspot.modes._kinds`) a beam search finds the
rule of at most two conditions over that kind's features whose selection best matches the
failing members of the mode's leading slice (F1: a rule that also selects many rows that do not fail, or misses failing ones,
scores lower), and the title is the most actionable kind whose rule is within `f1_slack` of
the best F1. On the demo, ``clipping < 0.29`` fits the failing members with F1 0.575 and
``camera == C`` with 0.531 (3,000 images): the title is ``camera == C``. The other rules stay as "also
described as", with their F1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
import pandas as pd

from weakspot._display import html_of
from weakspot.explain import describe_members
from weakspot.features import BinnedFeatures, Condition, rule_mask
from weakspot.features.images import PropertyDescriptor, property_descriptors
from weakspot.modes._cores import actionable_core, actionable_twin
from weakspot.modes._kinds import KIND_RANK, rule_kind
from weakspot.modes._mechanism import mechanism_sentence
from weakspot.modes._words import worded_title
from weakspot.stats import LossPopulation, excess_loss_p_value

MIN_SHARED = 0.5
F1_SLACK = 0.05
# an "also described as" rule must catch at least this share of the failing members, F1-wise:
# below it a rule describes something else (``label == cat`` at F1 0.07 on a site's failure)
MIN_ALSO_F1 = 0.3
# a title must be a failure on its own rows: at most this one-sided p-value against a random
# draw of its size (the slice itself passed a stricter, search-corrected test)
TITLE_MAX_P = 0.05


class ReportedSlice(Protocol):
    """What failure modes need of a reported slice (`weakspot.slices.Slice` has it)."""

    members: Any
    conditions: Sequence[Condition] | None
    method: str


@dataclass(frozen=True)
class FailureMode:
    """One failure: the slices that hold it, its title, mechanism, diagnoses and actions.

    Attributes
    ----------
    id : str
        ``F1``, ``F2``, ... in rank order of the first slice.
    title : str
        The most actionable faithful description (``camera == C``); a rule over image
        properties reads in words first (``blurry images (sharpness < 0.0005)``).
    rule : tuple of Condition or None
        The title's rule; None when no rule is faithful (the title then names the finder).
    kind : str
        Kind of the title's rule (see `weakspot.modes.KIND_ORDER`).
    f1 : float
        Fidelity of the title's rule to the mode's members.
    mechanism : str
        What sets the mode apart in image terms, in words.
    slices : tuple of str
        Ids of the reported slices in the mode.
    members : ndarray of int, shape (size,)
        Row positions of the mode's members (in at least half of its slices).
    errors : int
    error_rate : float
    rest_error_rate : float
    also_described_as : tuple of dict
        ``{title, f1, kind}`` of the other faithful descriptions (F1 at least
        `MIN_ALSO_F1`), best first.
    diagnoses : tuple of Diagnosis
        Filled by `weakspot.diagnoses.diagnose`, most confident first.
    actions : tuple of str
        Ids of the actions that serve this mode.
    """

    id: str
    title: str
    rule: tuple[Condition, ...] | None
    kind: str
    f1: float
    mechanism: str
    slices: tuple[str, ...]
    members: np.ndarray
    errors: int
    error_rate: float
    rest_error_rate: float
    also_described_as: tuple[dict[str, Any], ...] = ()
    diagnoses: tuple[Any, ...] = ()
    actions: tuple[str, ...] = ()
    distinguishing: tuple[dict[str, Any], ...] = field(default=(), repr=False)

    @property
    def rule_text(self) -> str:
        """The title's rule as conditions only (``sharpness < 0.0005``), for files a script
        reads; the title itself when there is no rule."""
        if not self.rule:
            return self.title
        return " and ".join(c.describe() for c in self.rule)

    def with_diagnoses(self, diagnoses: Sequence[Any]) -> FailureMode:
        return replace(self, diagnoses=tuple(diagnoses))

    def with_actions(self, actions: Sequence[str]) -> FailureMode:
        return replace(self, actions=tuple(actions))

    def _repr_html_(self) -> str | None:
        """The failure mode in a notebook: the report's card (see `weakspot._display`), or None."""
        return html_of(self)

    @classmethod
    def from_dict(
        cls, record: Mapping[str, Any], members: np.ndarray, diagnoses: Sequence[Any] = ()
    ) -> FailureMode:
        """The failure mode of one ``failure_modes`` record of analysis.json (`to_dict`'s
        inverse), its `members` given as row positions (shape (size,)): the record names them
        by id, which only the reader knows how to place (`weakspot.report.read_findings`)."""
        rule = record.get("rule")
        return cls(
            id=str(record["id"]),
            title=str(record["title"]),
            rule=None if rule is None else tuple(Condition.from_dict(c) for c in rule),
            kind=str(record.get("kind", "")),
            f1=float(record.get("f1", 0.0)),
            mechanism=str(record.get("mechanism", "")),
            slices=tuple(record.get("slices", ())),
            members=np.asarray(members, dtype=np.int64),
            errors=int(record.get("errors", 0)),
            error_rate=float(record.get("error_rate") or 0.0),
            rest_error_rate=float(record.get("rest_error_rate") or 0.0),
            also_described_as=tuple(record.get("also_described_as", ())),
            diagnoses=tuple(diagnoses),
            actions=tuple(record.get("actions", ())),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for ``analysis.json``'s ``failure_modes``."""
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "f1": round(self.f1, 4),
            "rule": None if self.rule is None else [c.to_dict() for c in self.rule],
            "mechanism": self.mechanism,
            "slices": list(self.slices),
            "size": len(self.members),
            "errors": self.errors,
            "error_rate": self.error_rate,
            "rest_error_rate": self.rest_error_rate,
            "diagnoses": [d.to_dict() for d in self.diagnoses],
            "actions": list(self.actions),
            "also_described_as": list(self.also_described_as),
        }


def group_slices(
    slices: Sequence[ReportedSlice], errors: np.ndarray, *, min_shared: float = MIN_SHARED
) -> list[list[int]]:
    """Group slices whose errors largely coincide; groups in rank order of their first slice.

    Slices are taken in rank order; each joins the first group whose leading (best-ranked)
    slice shares at least `min_shared` of the smaller of the two error sets (the overlap
    coefficient), or else leads a group of its own. Comparing with the leader only keeps a
    chain of partial overlaps from merging unrelated failures.

    Parameters
    ----------
    slices : sequence of slices, ranked
    errors : ndarray of {0, 1}, shape (n,)

    Returns
    -------
    list of list of int
        Positions in `slices`, each group sorted.
    """
    wrong = np.flatnonzero(np.asarray(errors).astype(bool))
    sets = [set(np.intersect1d(np.asarray(s.members), wrong).tolist()) for s in slices]
    groups: list[list[int]] = []
    for i in range(len(slices)):
        for group in groups:
            lead = sets[group[0]]
            smaller = min(len(sets[i]), len(lead))
            if smaller and len(sets[i] & lead) >= min_shared * smaller:
                group.append(i)
                break
        else:
            groups.append([i])
    return groups


def find_failure_modes(
    slices: Sequence[ReportedSlice],
    *,
    errors: np.ndarray,
    binned: BinnedFeatures,
    features: pd.DataFrame,
    kinds: dict[str, str],
    feature_info: dict[str, tuple[str, str]] | None = None,
    slice_ids: Sequence[str] | None = None,
    min_shared: float = MIN_SHARED,
    f1_slack: float = F1_SLACK,
    descriptors: Mapping[str, PropertyDescriptor] | None = None,
    min_lift: float = 1.1,
    loss: np.ndarray | None = None,
) -> list[FailureMode]:
    """Group reported slices into failure modes and name each by what a person can act on.

    A title is chosen only among rules that are failures on their own rows (`title_holds`):
    a more actionable rule that broadens the slice into rows that fail no more than the rest
    (``label == dress``: 14% wrong vs 13% elsewhere, where the slice was 42%) is kept as an
    "also described as" line, never the title.

    Parameters
    ----------
    slices : sequence of slices, ranked (best first)
    errors : ndarray of {0, 1}, shape (n,)
    binned : BinnedFeatures
        Bin codes of the slicing features, shape (n, f).
    features : DataFrame, shape (n, f)
        The slicing features before binning.
    kinds : dict of str to str
        Feature -> kind (`weakspot.modes.feature_kinds`).
    feature_info : dict, optional
        Feature -> (human name, unit), for the mechanism sentence.
    slice_ids : sequence of str, optional
        Ids of the slices (default ``S1``, ``S2``, ... in order).
    min_shared, f1_slack : float
        See `group_slices`, and the F1 within which a more actionable rule wins the title.
    min_lift : float
        The search's `min_lift`: a title's rows must fail at least this many times as often
        as the rest.
    descriptors : mapping of str to PropertyDescriptor, optional
        What each image column means (`FeatureTable.descriptors`), for the mechanism's words;
        default every registered extractor's columns and the quality flags.
    loss : ndarray of float, shape (n,), optional
        A continuous loss (a regressor's), in which the slices' figures are: then `errors`
        marks the failing rows (those of a large loss) that group the slices, and a title is
        tested on `loss`; against the leading slice's interval only when that slice was found
        on the loss itself (a slice of a signed view, a bias, has its interval in other units).
    """
    ids = list(slice_ids) if slice_ids is not None else [f"S{i + 1}" for i in range(len(slices))]
    errors = np.asarray(errors).astype(bool)
    described = property_descriptors() if descriptors is None else descriptors
    content = frozenset(c for c, d in described.items() if d.kind == "content")
    modes = []
    for number, group in enumerate(group_slices(slices, errors, min_shared=min_shared), start=1):
        members = _core_members([slices[i] for i in group], len(errors))
        lead_members = np.asarray(slices[group[0]].members, dtype=np.int64)
        failing = lead_members[errors[lead_members]]
        candidates = describe_by_kind(failing, binned, features, kinds)
        if content:  # what the picture shows competes on its own, not only as photographic
            on_content = {c: k for c, k in kinds.items() if c in content}
            candidates += describe_by_kind(failing, binned, features, on_content)
        leader = slices[group[0]]
        if leader.conditions:
            candidates.append(_slice_candidate(leader.conditions, failing, features, kinds))
        candidates += _twin_candidates(candidates, failing, features, kinds)

        if loss is not None and getattr(leader, "view", "error") != "error":
            lead_test: Any = None  # a signed view's interval is not in the loss's units
        else:
            lead_test = leader

        def holds(candidate: dict[str, Any], lead: Any = lead_test) -> bool:
            tested = errors if loss is None else loss
            return title_holds(candidate["rule"], lead, binned, features, tested, min_lift=min_lift)

        title, others = choose_title(
            [c for c in candidates if holds(c)], f1_slack=f1_slack, content=content
        )
        others += [c for c in candidates if not holds(c)]
        core = actionable_core(title, errors, features, kinds)
        if core is not None and holds(core):
            title, others = core, [title, *others]
        others = _best_first_unique(others, title)
        rule = title["rule"]
        # the figures a person reads beside the title are those of the rows the title selects
        selected = rule_members(binned, rule) if rule else None
        if rule and selected is None:  # a threshold inside a bin (a core, a twin, a cut point)
            selected = np.flatnonzero(rule_mask(rule, features))
        if selected is not None and selected.size:
            members = selected
        mask = np.zeros(len(errors), dtype=bool)
        mask[members] = True
        modes.append(
            FailureMode(
                id=f"F{number}",
                title=worded_title(rule, kinds, described)
                if rule
                else f"{leader.method} group, no faithful rule",
                rule=tuple(rule) if rule else None,
                kind=title["kind"],
                f1=float(title["f1"]),
                mechanism=mechanism_sentence(
                    mask,
                    features,
                    kinds,
                    feature_info or {},
                    title["title"] if rule else None,
                    rule_features=[c.feature for c in rule or ()],
                    descriptors=descriptors,
                ),
                slices=tuple(ids[i] for i in group),
                members=members,
                errors=int(errors[mask].sum()),
                error_rate=float(errors[mask].mean()),
                rest_error_rate=float(errors[~mask].mean()) if (~mask).any() else 0.0,
                also_described_as=tuple(
                    {"title": o["title"], "f1": round(float(o["f1"]), 3), "kind": o["kind"]}
                    for o in others
                    if o["f1"] >= MIN_ALSO_F1
                ),
            )
        )
    return modes


def title_holds(
    rule: Sequence[Condition] | None,
    leader: ReportedSlice,
    binned: BinnedFeatures,
    features: pd.DataFrame,
    errors: np.ndarray,
    *,
    min_lift: float,
) -> bool:
    """Whether `rule`, as a title for the mode led by `leader`, is itself a failure.

    Its rows must (a) fail at least `min_lift` times as often as the rest, (b) hold more errors
    than a random draw of their size (one-sided, p at most `TITLE_MAX_P`), and (c) fail at
    least as often as the lower end of the leading slice's interval, when the slice has one:
    a title that broadens a slice into a rule failing less than the slice is not the slice's
    failure. A rule failing more often (a narrower core) may still title it.

    Parameters
    ----------
    rule : sequence of Condition, or None (no rule: never holds)
    leader : the mode's leading reported slice (its ``stats.ci`` when it has stats)
    errors : ndarray of bool or float, shape (n,)
    """
    if not rule:
        return False
    selected = rule_members(binned, rule)
    if selected is None:
        selected = np.flatnonzero(rule_mask(rule, features))
    loss = np.asarray(errors, dtype=np.float64)
    size = int(selected.size)
    if size == 0 or size == loss.size:
        return False
    inside = float(loss[selected].sum())
    rate = inside / size
    rest = (float(loss.sum()) - inside) / (loss.size - size)
    if rest > 0 and rate < min_lift * rest:
        return False
    stats = getattr(leader, "stats", None)
    if stats is not None and rate < float(stats.ci[0]):
        return False
    p = excess_loss_p_value(np.array([inside]), np.array([size]), LossPopulation.of(loss))
    return bool(p[0] <= TITLE_MAX_P)


def _best_first_unique(others: list[dict[str, Any]], title: dict[str, Any]) -> list[dict[str, Any]]:
    """The other descriptions, best F1 first, each title once and never the title's."""
    seen = {title["title"]}
    out = []
    for candidate in sorted(others, key=lambda c: (-c["f1"], c["title"])):
        if candidate["title"] not in seen:
            seen.add(candidate["title"])
            out.append(candidate)
    return out


def rule_members(binned: BinnedFeatures, rule: Sequence[Any]) -> np.ndarray | None:
    """Row positions a title's rule selects, or None when a condition is not over the bins."""
    mask = np.ones(binned.codes.shape[0], dtype=bool)
    for condition in rule:
        if condition.feature not in binned.names:
            return None
        j = binned.names.index(condition.feature)
        bins = binned.bins[j]
        if condition in bins:
            mask &= binned.codes[:, j] == bins.index(condition)
        elif condition.op == "!=" and Condition(condition.feature, "==", condition.value) in bins:
            equal = Condition(condition.feature, "==", condition.value)
            mask &= binned.codes[:, j] != bins.index(equal)
        elif condition.op == "in":
            low, high = condition.value
            allowed = [
                b
                for b, c in enumerate(bins)
                if c.op == "in" and c.value[0] >= low and c.value[1] <= high
            ]
            spans = [bins[b].value for b in allowed]
            if not spans or min(v[0] for v in spans) != low or max(v[1] for v in spans) != high:
                return None  # a threshold inside a bin: not a union of bins
            mask &= binned.codes_in(j, allowed)
        else:
            return None
    return np.flatnonzero(mask)


def _core_members(group: Sequence[ReportedSlice], n: int) -> np.ndarray:
    """Rows that lie in at least half of the group's slices, shape (size,) sorted."""
    counts = np.zeros(n, dtype=np.int64)
    for item in group:
        counts[np.asarray(item.members, dtype=np.int64)] += 1
    return np.flatnonzero(counts >= max(1, int(np.ceil(len(group) / 2))))


def describe_by_kind(
    target: np.ndarray, binned: BinnedFeatures, features: pd.DataFrame, kinds: dict[str, str]
) -> list[dict[str, Any]]:
    """For each kind of feature, the short rule over that kind that best reproduces `target`.

    Parameters
    ----------
    target : ndarray of int, shape (m,)
        Row positions to describe: the mode's failing members.

    Returns
    -------
    list of dict
        ``{title, rule, f1, kind}``, one per kind that yields a rule. The label joins no
        other kind's rule: ``label != bag and file_size >= 600`` fits errors better than
        ``site == lima`` only by cutting classes, and the classes are in the metrics.
    """
    out = []
    for kind in sorted(set(kinds.values()), key=lambda k: KIND_RANK[k]):
        columns = [j for j, name in enumerate(binned.names) if kinds.get(name) == kind]
        if not columns:
            continue
        sub = BinnedFeatures(
            codes=binned.codes[:, columns],
            names=[binned.names[j] for j in columns],
            bins=[binned.bins[j] for j in columns],
        )
        reading = describe_members(
            target, sub, features[sub.names], max_conditions=2, min_gain=0.03, n_distinguishing=0
        )
        if reading.best_rule:
            rule = list(reading.best_rule)
            out.append(
                {
                    "title": " and ".join(c.describe() for c in rule),
                    "rule": rule,
                    "f1": reading.f1,
                    "kind": rule_kind(rule, kinds),
                }
            )
    return out


def _twin_candidates(
    candidates: list[dict[str, Any]], target: np.ndarray, features, kinds
) -> list[dict[str, Any]]:
    """Each candidate's rule with its derived conditions swapped for actionable twins."""
    out = []
    for candidate in candidates:
        twin = actionable_twin(candidate["rule"], features, kinds)
        if twin is not None:
            out.append(_slice_candidate(twin, target, features, kinds))
    return out


def _slice_candidate(
    conditions: Sequence[Condition], target: np.ndarray, features, kinds
) -> dict[str, Any]:
    """A rule (the leading slice's own, or a twin) as a candidate, with its F1 to `target`."""
    rule = list(conditions)
    selected = rule_mask(rule, features)
    hit = int(selected[target].sum())
    f1 = 2 * hit / (int(selected.sum()) + len(target)) if len(target) else 0.0
    return {
        "title": " and ".join(c.describe() for c in rule),
        "rule": rule,
        "f1": f1,
        "kind": rule_kind(rule, kinds),
    }


def choose_title(
    candidates: list[dict[str, Any]],
    *,
    f1_slack: float = F1_SLACK,
    content: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The title among `candidates` (``{title, rule, f1, kind}``), and the others best first.

    Among candidates within `f1_slack` of the best F1, the most actionable kind wins
    (`weakspot.modes.KIND_ORDER`); at one kind a rule over a `content` property (what the
    picture shows: the object's size in the frame) comes first, then the higher F1, then the
    shorter rule. Content before look, because the content moves the look and not the other
    way round: a small object darkens its picture and lowers its entropy, so all of them
    separate the small-object failures equally, while darker pictures of the same objects
    leave the object's size alone and do not tie.
    """
    if not candidates:
        return {"title": "", "rule": None, "f1": 0.0, "kind": "concept"}, []
    unique: dict[str, dict[str, Any]] = {}
    for c in candidates:
        if c["title"] not in unique or c["f1"] > unique[c["title"]]["f1"]:
            unique[c["title"]] = c
    pool = list(unique.values())
    best = max(c["f1"] for c in pool)
    near = [c for c in pool if c["f1"] >= best - f1_slack]

    def about_content(c: dict[str, Any]) -> bool:
        return any(condition.feature in content for condition in c["rule"])

    title = min(
        near,
        key=lambda c: (
            KIND_RANK[c["kind"]],
            not about_content(c),
            -c["f1"],
            len(c["rule"]),
            c["title"],
        ),
    )
    others = sorted((c for c in pool if c is not title), key=lambda c: (-c["f1"], c["title"]))
    return title, others
