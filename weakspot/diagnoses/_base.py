"""The protocol every diagnosis follows, its inputs and its result, and the registry.

A diagnosis tests one cause on one failure mode. It receives the mode and a
`DiagnosisContext` (the evaluation split, optionally the training split, the feature kinds)
and returns a `Diagnosis`: the cause, a confidence in [0, 1], a sentence, and the evidence
(figures, with 95% intervals where they are estimates). A diagnosis that needs what the
context lacks (a training set, probabilities) returns confidence 0 and says what it could not
test. Register it with `@register_diagnosis`: a built-in one is a module of its own under
weakspot/diagnoses/ (the package imports every module it holds), a user's registers from
anywhere. `tests/test_plugins.py` runs every one.
"""

from __future__ import annotations

from collections.abc import KeysView, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np
import pandas as pd

from weakspot.features.images import PropertyDescriptor, property_descriptors
from weakspot.modes import FailureMode
from weakspot.tasks import get_task


@dataclass(frozen=True)
class Split:
    """One labelled table as the diagnoses see it (the evaluation set or the training set).

    Attributes
    ----------
    features : DataFrame, shape (n, f)
        Slicing features, computed by the same feature stage for both splits.
    labels : ndarray of str, shape (n,)
        Class names; for a task without classes (a regressor), one value on every row, so
        that the comparisons made within each class compare against every row.
    predictions : ndarray of str (of float for a regressor), shape (n,), or None
        Optional on a training set.
    proba : ndarray of float, shape (n, n_classes), or None
        Class probabilities in the order of `DiagnosisContext.classes`.
    ids : ndarray of str, shape (n,), or None
        Example ids (row numbers as text when None).
    embeddings : ndarray of float, shape (n, d), or None
    images : ndarray of shape (n, H, W[, C]), list of n absolute paths, or None
        The images themselves, for the actions that measure transformed copies.
    unread : frozenset of int
        Rows whose image could not be read (`FeatureTable.unread`): never opened again, and
        without image features or an embedding to use (see `readable`).
    task : str
        The task whose loss defines an error (``weakspot.tasks``).
    loss : ndarray of float, shape (n,), or None
        The unit's loss as the task defines it (`Examples.errors`); when None, computed from
        the labels and predictions by the classifier's definition.
    targets : ndarray of float, shape (n,), or None
        A regressor's true values (None for a classifier).
    task_options : dict
        The task's options (a regressor's ``loss``), so that a loss computed here for
        predictions made elsewhere is the task's (`weakspot.tasks.get_task`).
    """

    features: pd.DataFrame
    labels: np.ndarray
    predictions: np.ndarray | None = None
    proba: np.ndarray | None = None
    ids: np.ndarray | None = None
    embeddings: np.ndarray | None = None
    images: np.ndarray | Sequence[str] | None = field(default=None, repr=False)
    unread: frozenset[int] = frozenset()
    task: str = "classification"
    loss: np.ndarray | None = field(default=None, repr=False)
    targets: np.ndarray | None = field(default=None, repr=False)
    task_options: Mapping[str, object] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def readable(self) -> np.ndarray:
        """Rows that have their features, shape (n,) bool: every row but `unread`. A figure
        computed from embeddings or image properties is computed on these rows only."""
        readable = np.ones(len(self), dtype=bool)
        readable[np.fromiter(self.unread, dtype=np.int64, count=len(self.unread))] = False
        return readable

    @property
    def errors(self) -> np.ndarray | None:
        """The task's loss, shape (n,) (int8 1 where a classifier is wrong, float for a
        continuous loss); None without predictions."""
        if self.loss is not None:
            return self.loss
        if self.predictions is None:
            return None
        return get_task(self.task).loss(self.labels, self.predictions).astype(np.int8)

    @property
    def id_text(self) -> np.ndarray:
        return (
            np.asarray(self.ids).astype(str)
            if self.ids is not None
            else np.arange(len(self)).astype(str)
        )


@dataclass(frozen=True)
class DiagnosisContext:
    """Everything a diagnosis may use; `cache` holds figures shared by several diagnoses.

    Attributes
    ----------
    evaluation : Split
        Must have predictions.
    classes : list of str
    kinds : dict of str to str
        Feature -> kind (`weakspot.modes.feature_kinds`).
    feature_info : dict of str to (str, str)
        Feature -> (human name, unit).
    train : Split or None
    random_state : int
    descriptors : mapping of str to PropertyDescriptor
        What each image column means (`FeatureTable.descriptors`); default every registered
        extractor's columns and the quality flags
        (`weakspot.features.images.property_descriptors`).
    """

    evaluation: Split
    classes: list[str]
    kinds: dict[str, str]
    feature_info: dict[str, tuple[str, str]] = field(default_factory=dict)
    train: Split | None = None
    random_state: int = 0
    descriptors: Mapping[str, PropertyDescriptor] = field(default_factory=property_descriptors)
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Diagnosis:
    """One tested cause of a failure mode.

    Attributes
    ----------
    cause : str
        One of `CAUSES`.
    confidence : float
        In [0, 1]: how strongly the evidence supports the cause (0: not supported or not
        tested).
    summary : str
        One sentence a person can read.
    evidence : dict
        The figures behind it (JSON-ready); estimates carry ``[low, high]`` 95% intervals.
    tested : bool
        False when the context lacked what the test needs (then `summary` says what).
    """

    cause: str
    confidence: float
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    tested: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "cause": self.cause,
            "confidence": round(float(self.confidence), 4),
            "summary": self.summary,
            "evidence": self.evidence,
            "tested": self.tested,
        }

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Diagnosis:
        """The diagnosis of one ``diagnoses`` record of analysis.json (`to_dict`'s inverse)."""
        return cls(
            str(record["cause"]),
            float(record["confidence"]),
            str(record["summary"]),
            dict(record.get("evidence") or {}),
            tested=bool(record.get("tested", True)),
        )


def untested(cause: str, why: str) -> Diagnosis:
    """The diagnosis of a cause that could not be tested, saying why."""
    return Diagnosis(cause, 0.0, f"Not tested: {why}", {}, tested=False)


class DiagnosisPlugin(Protocol):
    """A diagnosis: a `cause` name and `diagnose(mode, context)`.

    `cause` is the whole registration: the registry's key, an entry of `CAUSES` and of the
    cause enum of analysis.json's schema (`weakspot.report.analysis_schema`). A plug-in may also
    name, in a class attribute ``served_by: tuple[str, ...]``, the action kinds that serve its
    cause, besides the actions whose own ``serves`` lists it.
    """

    cause: ClassVar[str]

    def applies(self, context: DiagnosisContext) -> bool: ...

    def diagnose(self, mode: FailureMode, context: DiagnosisContext) -> Diagnosis: ...


DIAGNOSES: dict[str, type[Any]] = {}

# every registered diagnosis's cause, in registration order: a live view, so that a plug-in
# registered later is a cause too
CAUSES: KeysView[str] = DIAGNOSES.keys()


def register_diagnosis(cls: type[Any]) -> type[Any]:
    """Class decorator that adds a diagnosis to the registry under ``cls.cause``.

    Remove one with ``DIAGNOSES.pop(cause)``.
    """
    DIAGNOSES[cls.cause] = cls
    return cls


def clip01(x: float) -> float:
    """`x` clipped to [0, 1]; NaN becomes 0."""
    return float(min(1.0, max(0.0, x))) if np.isfinite(x) else 0.0
