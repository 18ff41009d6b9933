"""How a task's losses read to a person: "mean absolute error 6.2 vs 2.0 elsewhere" for a
regressor, "over-estimates by 4.2 on average (vs +0.1 elsewhere)" for its bias view, "66%
errors vs 23% elsewhere" for a classifier, "Hamming loss 0.13 vs 0.059 elsewhere" and "stripes
missed on 64% of the examples that have it vs 5% elsewhere" for a multi-label tagger.

`TaskWords` is built from the outcomes during the analysis (`TaskWords.of_outcomes`, for the
slices' sentences) and from analysis.json's ``task`` record in the reports (`TaskWords.of`),
so the terminal, the Markdown summary and the HTML report say the same thing. A task whose loss
is 0/1 keeps the classifier's percentages; another task adds its metric's name in
`METRIC_NAMES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from weakspot.tasks._base import Outcomes

# the name of a task's mean loss, by task and loss option
METRIC_NAMES: dict[tuple[str, str | None], str] = {
    ("regression", "absolute"): "mean absolute error",
    ("regression", "squared"): "mean squared error",
    ("multilabel", None): "Hamming loss",
}
# a multi-label tagger's per-label views (`weakspot.tasks.MultiLabelOutcomes.views`): their
# loss is 0/1 on the label's positive (missed) or negative (false_alarm) examples
LABEL_VIEWS = {"missed": "miss rate", "false_alarm": "false-alarm rate"}


@dataclass(frozen=True)
class TaskWords:
    """The words of one task's losses.

    Attributes
    ----------
    task : str
        The task's name (``"classification"``, ``"regression"``).
    loss : str or None
        The task's loss option (a regressor's ``"absolute"`` or ``"squared"``).
    binary : bool
        Whether the loss is 0 or 1 (then a mean loss is an error rate, written in percent).
    """

    task: str = "classification"
    loss: str | None = None
    binary: bool = True

    @classmethod
    def of(cls, record: Mapping[str, Any] | None) -> TaskWords:
        """From analysis.json's ``task`` record (``{name, unit, binary_loss, [loss]}``); an
        older document without one is a classifier's."""
        if not record:
            return cls()
        return cls(str(record["name"]), record.get("loss"), bool(record.get("binary_loss", True)))

    @classmethod
    def of_outcomes(cls, outcomes: Outcomes) -> TaskWords:
        options = outcomes.task_options()
        loss = options.get("loss")
        return cls(outcomes.task, None if loss is None else str(loss), outcomes.binary)

    @property
    def rate(self) -> bool:
        """Whether a mean loss reads as a classifier's error rate (a 0/1 loss; a tagger's
        metrics are its own even with one label, whose Hamming loss is 0/1)."""
        return self.binary and self.task != "multilabel"

    def metric(self, view: str = "error") -> str:
        """The name of a mean loss on `view`: "error rate", "mean absolute error", "bias",
        "Hamming loss", "miss rate of stripes"."""
        if view == "bias":
            return "mean signed error"
        label = label_view(view)
        if label is not None:
            return f"{LABEL_VIEWS[label[0]]} of {label[1]}"
        if self.binary:
            return "error rate"
        return METRIC_NAMES.get((self.task, self.loss), "mean loss")

    def value(self, x: float | None, view: str = "error") -> str:
        """One mean loss as text: a percentage for a 0/1 loss, else a number (signed for a
        signed view)."""
        if x is None:
            return "-"
        if (self.binary and view == "error") or label_view(view) is not None:
            return f"{x:.1%}"
        return number(x, signed=view == "bias")

    def interval(self, ci: Any, view: str = "error") -> str:
        """``[2.8, 3.4]`` (a percent interval ``58%-73%`` for a 0/1 loss)."""
        if not ci:
            return ""
        if (self.binary and view == "error") or label_view(view) is not None:
            return f"{ci[0]:.0%}-{ci[1]:.0%}"
        return f"[{number(ci[0])}, {number(ci[1])}]"

    def compare(self, rate: float, rest: float | None, view: str = "error") -> str:
        """A group's mean loss against the rest: ``mean absolute error 6.2 vs 2.0
        elsewhere``; on the bias view ``over-estimates by 4.2 on average (vs +0.1
        elsewhere)``; for a 0/1 loss ``66% errors vs 23% elsewhere``; on a tagger's label
        views ``stripes missed on 64% of the examples that have it vs 5% elsewhere`` and
        ``stripes predicted on 30% of the examples without it vs 4% elsewhere``."""
        if view == "bias":
            way = "over-estimates" if rate >= 0 else "under-estimates"
            elsewhere = "" if rest is None else f" (vs {number(rest, signed=True)} elsewhere)"
            return f"{way} by {number(abs(rate))} on average{elsewhere}"
        label = label_view(view)
        if label is not None:
            elsewhere = "" if rest is None else f" vs {rest:.0%} elsewhere"
            kind, name = label
            if kind == "missed":
                return f"{name} missed on {rate:.0%} of the examples that have it{elsewhere}"
            return f"{name} predicted on {rate:.0%} of the examples without it{elsewhere}"
        if self.binary:
            elsewhere = "" if rest is None else f" vs {rest:.0%} elsewhere"
            return f"{rate:.0%} errors{elsewhere}"
        elsewhere = "" if rest is None else f" vs {number(rest)} elsewhere"
        return f"{self.metric(view)} {number(rate)}{elsewhere}"


def label_view(view: str) -> tuple[str, str] | None:
    """``("missed", "stripes")`` for the view ``"missed:stripes"``, ``("false_alarm", ...)``
    for ``"false_alarm:..."``; None for any other view."""
    kind, _, name = view.partition(":")
    return (kind, name) if kind in LABEL_VIEWS and name else None


def number(x: float, *, signed: bool = False) -> str:
    """A figure to one decimal from 1 to 100, whole above, two significant digits below 1
    (``6.2``, ``42.5``, ``1,013``, ``0.031``); ``+`` in front of a positive signed one."""
    size = abs(x)
    if size >= 100:
        text = f"{x:,.0f}"
    elif size >= 1:
        text = f"{x:.1f}"
    elif size == 0:
        text = "0"
    else:
        text = f"{x:.2g}"
        if "e" in text:  # below 1e-4: still a plain decimal
            text = f"{x:.6f}".rstrip("0")
    return f"+{text}" if signed and x > 0 else text
