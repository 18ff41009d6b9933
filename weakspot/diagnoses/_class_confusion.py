"""`class_confusion`: the mode's errors are mostly one pair of classes that the model
confuses everywhere (a hard pair, not a subgroup problem).

Evidence: the share of the mode's errors that fall on its most frequent unordered pair of
(true, predicted) classes, and how often the pair is confused among the mode's members of
those two classes against the other examples of the same two classes. Confidence:
``clip((pair_share - 0.3) / 0.5) * clip(2 - rate_ratio)``: full when the pair holds 80% of
the errors and the mode confuses it no more than elsewhere, none once the mode confuses it
twice as often (then the subgroup matters). A mode that holds the whole of the two classes
has no "elsewhere": its ratio counts as 1.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

import numpy as np

from weakspot.diagnoses._base import Diagnosis, DiagnosisContext, clip01, register_diagnosis
from weakspot.diagnoses._evidence import interval, mode_mask

MIN_OUTSIDE = 20


@register_diagnosis
class ClassConfusion:
    cause: ClassVar[str] = "class_confusion"

    def applies(self, context: DiagnosisContext) -> bool:
        return len(context.classes) >= 2

    def diagnose(self, mode: Any, context: DiagnosisContext) -> Diagnosis:
        ev = context.evaluation
        mask = mode_mask(mode, len(ev))
        labels = np.asarray(ev.labels).astype(str)
        predictions = np.asarray(ev.predictions).astype(str)
        wrong = mask & (labels != predictions)
        pairs = Counter(
            tuple(sorted(p)) for p in zip(labels[wrong], predictions[wrong], strict=True)
        )
        if not pairs:
            return Diagnosis(self.cause, 0.0, "The mode has no errors.", {})
        (a, b), count = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
        share = interval(count, int(wrong.sum()))
        in_pair = np.isin(labels, [a, b])
        confused = in_pair & np.isin(predictions, [a, b]) & (labels != predictions)
        inside, outside = in_pair & mask, in_pair & ~mask
        rate_in = float(confused[inside].mean()) if inside.any() else 0.0
        rate_out = float(confused[outside].mean()) if outside.sum() >= MIN_OUTSIDE else None
        ratio = 1.0 if rate_out is None else rate_in / max(rate_out, 1e-9)
        confidence = clip01((share["value"] - 0.3) / 0.5) * clip01(2 - ratio)
        evidence = {
            "pair": [a, b],
            "pair_share_of_errors": share,
            "pair_confusion_rate": round(rate_in, 4),
            "pair_confusion_rate_elsewhere": None if rate_out is None else round(rate_out, 4),
            "rate_ratio": round(ratio, 4),
        }
        elsewhere = "" if rate_out is None else f" ({rate_out:.0%} elsewhere)"
        summary = (
            f"{share['value']:.0%} of the mode's errors confuse {a} and {b}; the mode confuses "
            f"them {rate_in:.0%} of the time{elsewhere}."
        )
        return Diagnosis(self.cause, confidence, summary, evidence)
