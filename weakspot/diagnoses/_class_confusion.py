"""`class_confusion`: the mode's errors are mostly one pair of classes that the model
confuses everywhere (a hard pair, not a subgroup problem).

Evidence: the share of the mode's errors that fall on its most frequent unordered pair of
(true, predicted) classes, and how often the pair is confused among the mode's members of
those two classes against the other examples of the same two classes. Confidence:
``clip((pair_share - 0.3) / 0.5) * clip(2 - rate_ratio)``: full when the pair holds 80% of
the errors and the mode confuses it no more than elsewhere, none once the mode confuses it
twice as often (then the subgroup matters). The ratio is taken per true class of the pair
and weighted by the mode's pair errors of that class: a class that the mode holds almost
whole (fewer than `MIN_OUTSIDE` of its examples outside) has no "elsewhere" and counts 1, so
a mode holding all shirts and some T-shirts is not called a subgroup problem because the
T-shirts outside it are confused less. A class whose pair is never confused outside the mode
gives an infinite ratio: no confidence, and ``rate_ratio`` null in the evidence.
"""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

import numpy as np

from weakspot.diagnoses._base import Diagnosis, DiagnosisContext, clip01, register_diagnosis
from weakspot.diagnoses._evidence import interval, mode_mask
from weakspot.modes import FailureMode

MIN_OUTSIDE = 20


@register_diagnosis
class ClassConfusion:
    cause: ClassVar[str] = "class_confusion"

    def applies(self, context: DiagnosisContext) -> bool:
        return len(context.classes) >= 2

    def diagnose(self, mode: FailureMode, context: DiagnosisContext) -> Diagnosis:
        ev = context.evaluation
        mask = mode_mask(mode, len(ev))
        labels = np.asarray(ev.labels).astype(str)
        predictions = np.asarray(ev.predictions).astype(str)
        errors = np.asarray(ev.errors) == 1
        wrong = mask & errors
        pairs = Counter(
            tuple(sorted(p)) for p in zip(labels[wrong], predictions[wrong], strict=True)
        )
        if not pairs:
            return Diagnosis(self.cause, 0.0, "The mode has no errors.", {})
        (a, b), count = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        share = interval(count, int(wrong.sum()))
        rate_in, rate_out, ratio = _pair_rates(mask, errors, labels, predictions, (a, b))
        confidence = clip01((share["value"] - 0.3) / 0.5) * clip01(2 - ratio)
        evidence = {
            "pair": [a, b],
            "pair_share_of_errors": share,
            "pair_confusion_rate": round(rate_in, 4),
            "pair_confusion_rate_elsewhere": None if rate_out is None else round(rate_out, 4),
            "rate_ratio": round(ratio, 4) if np.isfinite(ratio) else None,
        }
        elsewhere = "" if rate_out is None else f" ({rate_out:.0%} elsewhere)"
        summary = (
            f"{share['value']:.0%} of the mode's errors confuse {a} and {b}; the mode confuses "
            f"them {rate_in:.0%} of the time{elsewhere}."
        )
        return Diagnosis(self.cause, confidence, summary, evidence)


def _pair_rates(
    mask: np.ndarray,
    errors: np.ndarray,
    labels: np.ndarray,
    predictions: np.ndarray,
    pair: tuple[str, str],
) -> tuple[float, float | None, float]:
    """Pair confusion rate in the mode, elsewhere (None if never measurable), and the ratio.

    `errors` is the task's loss as bool, shape (n,); the ratio is the per-class one of the
    module docstring.
    """
    wrong = mask & errors
    confused = np.isin(labels, pair) & np.isin(predictions, pair) & errors
    in_pair = np.isin(labels, pair)
    rate_in = float(confused[in_pair & mask].mean()) if (in_pair & mask).any() else 0.0
    outside = in_pair & ~mask
    rate_out = float(confused[outside].mean()) if outside.sum() >= MIN_OUTSIDE else None
    weights, ratios = [], []
    for true in pair:
        mine = labels == true
        weight = int((wrong & confused & mine).sum())
        if weight == 0:
            continue
        inside, elsewhere = mine & mask, mine & ~mask
        if elsewhere.sum() < MIN_OUTSIDE:
            ratios.append(1.0)
        else:
            # never confused elsewhere: infinitely more often here (the subgroup matters), an
            # infinity that the evidence writes as null rather than a ratio of 1e8
            base = float(confused[elsewhere].mean())
            ratios.append(float(confused[inside].mean()) / base if base > 0 else np.inf)
        weights.append(weight)
    ratio = float(np.average(ratios, weights=weights)) if weights else 1.0
    return rate_in, rate_out, ratio
