"""``collect``: a data collection spec, what to look for and how much of it.

JSON: the mode's rule (or its members' description), its most common concept tags, the
training examples nearest to its members (to show a collector what is wanted), and how many
more such examples training would need. That figure comes from a learning curve when the
training set has embeddings and at least `MIN_CURVE` look-alikes: a logistic regression on
the training embeddings, refitted with 25%, 50% and 100% of the look-alikes, its error on the
mode's evaluation members fitted as ``a + b * log(n)`` and solved for the rest's error rate.
Otherwise (or when the curve does not fall) the figure is "unknown".
"""

from __future__ import annotations

import json
import warnings
from typing import Any, ClassVar

import numpy as np

from weakspot.actions._base import Action, artifact_name, gain_action, register_action
from weakspot.actions._reweight import look_alikes
from weakspot.diagnoses import Diagnosis, DiagnosisContext, mode_mask
from weakspot.modes import FailureMode
from weakspot.tasks import get_task

MIN_CURVE = 20
N_NEAREST = 20


def learning_curve(
    mode: FailureMode, context: DiagnosisContext, similar: np.ndarray
) -> dict[str, Any]:
    """``{points: [[n, error]], more_needed}``; `more_needed` is an int or "unknown"."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression, Ridge

    train, ev = context.train, context.evaluation
    assert train is not None and train.embeddings is not None and ev.embeddings is not None
    rng = np.random.default_rng(context.random_state)
    # only rows with an embedding (`Split.readable`) fit or score the curve
    inside = np.flatnonzero(similar & train.readable)
    others = np.flatnonzero(~similar & train.readable)
    x_train = np.asarray(train.embeddings, dtype=np.float64)
    scale = x_train[train.readable].std(axis=0) + 1e-6
    members = np.asarray(mode.members, dtype=np.int64)
    members = members[ev.readable[members]]
    if len(inside) < MIN_CURVE or len(members) == 0:
        return {"points": [], "more_needed": "unknown"}
    x_eval = np.asarray(ev.embeddings, dtype=np.float64)[members] / scale
    # a regressor's curve fits its targets (a ridge regression), a classifier's its labels
    numeric = train.targets is not None and ev.targets is not None
    if numeric:
        y_train, y_eval = np.asarray(train.targets), np.asarray(ev.targets)[members]
    else:
        y_train = np.asarray(train.labels).astype(str)
        y_eval = np.asarray(ev.labels).astype(str)[members]
    task = get_task(ev.task, **ev.task_options)
    points = []
    for share in (0.25, 0.5, 1.0):
        keep = rng.permutation(inside)[: max(2, int(round(share * len(inside))))]
        rows = np.r_[others, keep]
        model = Ridge(alpha=1.0) if numeric else LogisticRegression(C=0.5, max_iter=300)
        with warnings.catch_warnings():  # a capped solver is enough for a curve's trend
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x_train[rows] / scale, y_train[rows])
        points.append([len(keep), float(task.loss(y_eval, model.predict(x_eval)).mean())])
    n, err = np.array(points).T
    slope, intercept = np.polyfit(np.log(n), err, 1)
    errors = np.asarray(ev.errors, dtype=np.float64)
    target = float(errors[~mode_mask(mode, len(ev))].mean())
    more: Any = "unknown"
    if slope < 0 and err[-1] > target:
        needed = float(np.exp((target - intercept) / slope))
        if needed < 100 * n[-1]:
            more = int(np.ceil(needed - n[-1]))
    return {"points": [[int(a), round(b, 4)] for a, b in points], "more_needed": more}


@register_action
class Collect:
    kind: ClassVar[str] = "collect"
    serves: ClassVar[tuple[str, ...]] = (
        "under_representation",
        "distribution_shift",
        "class_confusion",
    )

    def propose(
        self, mode: FailureMode, diagnosis: Diagnosis | None, context: DiagnosisContext
    ) -> Action | None:
        if diagnosis is None:
            return None
        spec: dict[str, Any] = {
            "failure_mode": mode.id,
            "rule": mode.rule_text,
            "mechanism": mode.mechanism,
            "cause": diagnosis.cause,
            "concept_tags": self._concepts(mode, context),
            "nearest_training_examples": self._nearest(mode, context),
            "more_examples_needed": "unknown",
            "how_many_estimated": "no training set with embeddings to draw a learning curve on",
        }
        if diagnosis.cause == "class_confusion":
            spec["classes"] = diagnosis.evidence.get("pair")
        similar = look_alikes(mode, context)
        train = context.train
        if (
            similar is not None
            and similar.sum() >= MIN_CURVE
            and train is not None
            and train.embeddings is not None
            and context.evaluation.embeddings is not None
        ):
            curve = learning_curve(mode, context, similar)
            if curve["points"]:  # none when too few of the rows have an embedding
                spec["learning_curve"] = curve["points"]
                spec["more_examples_needed"] = curve["more_needed"]
                spec["how_many_estimated"] = (
                    "learning curve of a logistic regression on the training embeddings"
                )
        relative = artifact_name(f"{mode.id}-collect.json")
        files = {relative: json.dumps(spec, indent=2, default=str) + "\n"}
        more = spec["more_examples_needed"]
        return gain_action(
            self.kind,
            mode,
            diagnosis,
            context,
            steps=(
                f"Collect and label more training examples where {mode.rule_text} "
                f"({more} more by the learning curve); the spec lists the nearest training "
                "examples to show what is wanted."
            ),
            artifact=relative,
            files=files,
        )

    @staticmethod
    def _concepts(mode: FailureMode, context: DiagnosisContext) -> list[dict[str, Any]]:
        features = context.evaluation.features
        if "concept" not in features.columns:
            return []
        counts = features["concept"].iloc[mode.members].astype(str).value_counts()
        return [
            {"concept": str(k), "share": round(v / len(mode.members), 3)}
            for k, v in counts.head(5).items()
        ]

    @staticmethod
    def _nearest(mode: FailureMode, context: DiagnosisContext) -> list[str]:
        train, ev = context.train, context.evaluation
        if train is None:
            return []
        if train.embeddings is None or ev.embeddings is None:
            similar = look_alikes(mode, context)
            return [] if similar is None else list(train.id_text[similar][:N_NEAREST])
        from sklearn.neighbors import NearestNeighbors

        usable = np.flatnonzero(train.readable)  # rows with an embedding, both sets
        members = np.asarray(mode.members, dtype=np.int64)
        members = members[ev.readable[members]]
        if len(usable) == 0 or len(members) == 0:
            return []
        index = NearestNeighbors(n_neighbors=1).fit(
            np.asarray(train.embeddings, np.float32)[usable]
        )
        distance, found = index.kneighbors(np.asarray(ev.embeddings, np.float32)[members])
        order = np.argsort(distance[:, 0], kind="stable")
        unique = usable[list(dict.fromkeys(found[order, 0].tolist()))[:N_NEAREST]]
        return list(train.id_text[unique])
