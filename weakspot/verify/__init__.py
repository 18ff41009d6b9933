"""Does the fix work? Verify actions by retraining, and test sensitivity by perturbation.

The trainer contract::

    fit_and_predict(train: pandas.DataFrame, sample_weight: numpy.ndarray,
                    evaluate: pandas.DataFrame) -> numpy.ndarray | pandas.DataFrame

It trains a model on `train` (the user's training table with its own columns; image paths
absolute; rows weakspot added carry images weakspot wrote) with one weight per row, and
returns predictions for `evaluate` (the evaluation table, same rows and order): an array of
labels, or a frame with a ``prediction`` column and optional ``proba_<class>`` columns. If it
accepts a ``random_state`` keyword, weakspot passes one per repeat.

The predict contract for `perturb`: ``predict(images: numpy.ndarray) -> numpy.ndarray``,
images ``uint8`` of shape (n, H, W) or (n, H, W, 3), returning labels, or class
probabilities with columns in the order of the analysis's classes; an ONNX classifier
(``--model model.onnx``) may stand in for it.

See docs/verify.md.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from weakspot._errors import InputError
from weakspot.verify._inputs import (
    Problem,
    problem_from_analysis,
    problem_from_results,
    read_images,
)
from weakspot.verify._perturb import perturb_modes
from weakspot.verify._proxy import PROXY_NOTE, EmbeddingsTrainer
from weakspot.verify._run import Verification, finite, run_verification
from weakspot.verify._trainer import TrainerError, check_predict, load_callable

logger = logging.getLogger(__name__)
MIN_PUSHED = 10  # the fewest images `perturb` pushes per mode

__all__ = ["TrainerError", "Verification", "perturb", "verify"]


def _problem(analysis_or_results: Any, train: Any, data: Any, out: Any, columns: dict) -> Problem:
    _check_classifier(analysis_or_results)
    if isinstance(analysis_or_results, str | Path):
        return problem_from_results(analysis_or_results, train=train, data=data, **columns)
    if out is None:
        raise InputError(
            "verify(analysis, ...) needs out= (the results folder to write verify/ in)."
        )
    return problem_from_analysis(analysis_or_results, train=train, data=data, out=out, **columns)


def _check_classifier(analysis_or_results: Any) -> None:
    """verify and perturb retrain or query a classifier and count its wrong examples: refuse
    the analysis of another task by name, rather than failing later on its label columns."""
    if isinstance(analysis_or_results, str | Path):
        path = Path(analysis_or_results) / "analysis.json"
        if not path.is_file():
            return  # the results reader says what is missing
        record = json.loads(path.read_text(encoding="utf-8")).get("task") or {}
        task = str(record.get("name", "classification"))
    else:
        task = str(getattr(analysis_or_results.examples, "task", "classification"))
    if task != "classification":
        raise InputError(
            f"verify and perturb retrain or query a classifier and compare its errors, but this "
            f"analysis is of the task {task!r}, which they do not support yet. Its failure modes' "
            "gate files still work: weakspot gate RESULTS --config actions/F1-gate.toml."
        )


def verify(
    analysis_or_results_dir: Any,
    trainer: Callable[..., Any] | str,
    *,
    train: pd.DataFrame | str | Path | None = None,
    data: pd.DataFrame | str | Path | None = None,
    out: str | Path | None = None,
    actions: Sequence[str] | None = None,
    repeats: int = 1,
    min_confidence: float = 0.5,
    label: str | None = None,
    id_column: str | None = None,
    image_column: str | None = None,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    random_state: int = 0,
    progress: Callable[[str, int, int], None] | None = None,
) -> Verification:
    """Retrain with each action and compare it with a baseline retrain (and Just-Train-Twice).

    Parameters
    ----------
    analysis_or_results_dir : Analysis or path
        An `Analysis` (then `out` names the results folder) or a folder `analyze` wrote.
    trainer : callable or str
        A function following the trainer contract (module docstring), a
        ``path/file.py:function`` or ``package.module:function`` spec, or ``"embeddings"``
        for the proxy (a logistic head on backbone embeddings of the images).
    train, data : DataFrame or path
        The training table and the evaluation table that was analysed (same row order).
    actions : sequence of str, optional
        Action ids to verify (default: all).
    repeats : int
        Seeds per change (passed as ``random_state`` when the trainer takes it).
    min_confidence : float
        A relabel queue's training rows change when their confidence is at least this.
    embed : callable, optional
        For ``trainer="embeddings"``: ``paths -> (n, d)`` embeddings (default: weakspot's backbone).

    Returns
    -------
    Verification
        Written to ``<results>/verify/verification.json``; ``.lines()`` gives one verdict per action.
    """
    if not isinstance(repeats, int) or repeats < 1:
        raise InputError(f"repeats must be a whole number of at least 1, got {repeats!r}.")
    if not 0.0 <= min_confidence <= 1.0:
        raise InputError(f"min_confidence must lie in [0, 1], got {min_confidence!r}.")
    columns = {"label": label, "id_column": id_column, "image_column": image_column}
    problem = _problem(analysis_or_results_dir, train, data, out, columns)
    proxy = None
    if isinstance(trainer, str) and trainer == "embeddings":
        if problem.train.image_column is None or problem.evaluate.image_column is None:
            raise InputError("trainer='embeddings' needs an image-path column in both tables.")
        trainer, proxy = (
            EmbeddingsTrainer(problem.train.label, problem.train.image_column, embed),
            PROXY_NOTE,
        )
        name = "embeddings (proxy)"
    elif isinstance(trainer, str):
        name, trainer = trainer, load_callable(trainer, role="trainer")
    else:
        name = getattr(trainer, "__name__", type(trainer).__name__)
    if not callable(trainer):
        raise TrainerError(
            f"trainer= must be callable or a 'file.py:function' spec, got {trainer!r}."
        )
    result = run_verification(
        problem,
        trainer,
        trainer_name=name,
        proxy=proxy,
        actions=actions,
        repeats=repeats,
        min_confidence=min_confidence,
        random_state=random_state,
        progress=progress,
    )
    refresh_reports(problem.out)
    return result


def perturb(
    analysis_or_results_dir: Any,
    predict: Callable[[np.ndarray], Any] | str,
    *,
    data: pd.DataFrame | str | Path | None = None,
    out: str | Path | None = None,
    modes: Sequence[str] | None = None,
    max_images: int = 300,
    label: str | None = None,
    id_column: str | None = None,
    image_column: str | None = None,
    random_state: int = 0,
) -> list[dict[str, Any]]:
    """For each failure mode defined by a settable image property: is the model sensitive to it?

    `predict` follows the predict contract (module docstring), or is a ``file.py:function``
    spec or an ``.onnx`` classifier path. Returns one record per tested mode (see
    `weakspot.verify._perturb`), also written to ``<results>/verify/perturbation.json``.
    """
    if not isinstance(max_images, int) or max_images < MIN_PUSHED:
        raise InputError(
            f"max_images must be a whole number of at least {MIN_PUSHED} (the images pushed "
            f"per mode; fewer give no test worth reading), got {max_images!r}."
        )
    columns = {"label": label, "id_column": id_column, "image_column": image_column}
    problem = _problem(analysis_or_results_dir, data, data, out, columns)
    known = [m.id for m in problem.modes]
    unknown = [m for m in modes or [] if m not in known]
    if unknown:
        raise InputError(
            f"failure mode(s) {unknown} are not in the analysis; its modes are {known}."
        )
    ev = problem.evaluate
    if ev.image_column is None:
        raise InputError("perturb needs the evaluation table's image-path column (--image-column).")
    fn = _predictor(predict)
    images, unread = read_images(list(ev.frame[ev.image_column]))
    if len(unread) == len(images):
        raise InputError(
            f"perturb could not read any of the {len(images)} evaluation images (first: "
            f"{unread[0]!r}); check the image column {ev.image_column!r} and the files."
        )
    if unread:
        logger.warning(
            "perturb skipped %d of %d evaluation images it could not read: %s%s",
            len(unread), len(images), unread[:10], " ..." if len(unread) > 10 else "",
        )  # fmt: skip
    results = perturb_modes(
        problem, images, fn, modes, max_images=max_images, random_state=random_state
    )
    folder = problem.out / "verify"
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"schema_version": "1.0", "modes": results, "skipped": unread}
    text = json.dumps(finite(doc), indent=2, allow_nan=False)
    (folder / "perturbation.json").write_text(text + "\n", encoding="utf-8")
    refresh_reports(problem.out)
    return results


def refresh_reports(out: Path) -> None:
    """Write ``report.html`` and ``summary.md`` again with what ``verify/`` now holds, when
    `out` is a results folder (it has ``analysis.json``)."""
    from weakspot.report import rebuild_report

    if not (Path(out) / "analysis.json").is_file():
        return
    try:
        rebuild_report(out)
    except InputError as error:  # not weakspot's analysis.json: the verdicts stand on their own
        logger.warning("report.html and summary.md not rewritten: %s", error)


def _predictor(predict: Any) -> Callable[[np.ndarray], Any]:
    if isinstance(predict, str | Path) and str(predict).lower().endswith(".onnx"):
        from weakspot.verify._onnx import onnx_predict

        return onnx_predict(predict)
    if isinstance(predict, str | Path) and ":" not in str(predict):
        raise TrainerError(
            f"{str(predict)!r} is neither an .onnx classifier nor a file.py:function or "
            "package.module:function spec."
        )
    if isinstance(predict, str):
        predict = load_callable(predict, role="predict")
    if not callable(predict):
        raise TrainerError(
            f"predict= must be callable, a 'file.py:function' spec or an .onnx path, got {predict!r}."
        )
    check_predict(predict)
    return predict  # type: ignore[no-any-return]
