"""`verify`: retrain with each action, compare with a baseline retrain, write the verdicts.

Each action is compared with a **baseline retrain** on the unchanged training set, with the
same trainer and seeds (never with the original predictions, which would credit retraining
noise and regression to the mean to the action), and beside it with Just-Train-Twice (the
baseline's training errors upweighted). Backward compatibility is measured against the
original predictions when the evaluation table has them (the deployed model), and the
baseline retrain's own figure is given as the noise floor.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from weakspot.actions import Action
from weakspot.verify._apply import apply_action, jtt_weights, relabel_bound
from weakspot.verify._compare import ALPHA, backward_compatibility, compare
from weakspot.verify._inputs import Problem, original_correct
from weakspot.verify._trainer import TrainerError, call_trainer, check_trainer

SCHEMA_VERSION = "1.0"
Progress = Callable[[str, int, int], None]


@dataclass
class Verification:
    """What `verify` measured; `to_dict` is ``verify/verification.json``.

    Attributes
    ----------
    doc : dict
        The JSON document (see docs/schema.md, "verification.json").
    path : Path or None
        Where it was written.
    failures : list of str
        Messages of the runs that failed (their actions are marked ``failed``).
    """

    doc: dict[str, Any]
    path: Path | None = None
    failures: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return self.doc

    def lines(self) -> list[str]:
        """One verdict line per action and alternative, ranked as in the document."""
        lines = [verdict_line(a) for a in self.doc["actions"] + self.doc["alternatives"]]
        if not self.doc["actions"]:
            lines.insert(0, "no action to verify (the analysis proposed none); the alternative:")
        return lines


def verdict_line(record: dict[str, Any]) -> str:
    """``A2 reweight F1: helps on F1 0.620 -> 0.810 (McNemar p=0.001); overall ...``."""
    head = f"{record['id']} {record['kind']} {record.get('failure_mode') or ''}".strip()
    if record["status"] != "verified":
        return f"{head}: {record['status']} - {record['reason']}"
    o = record["overall"]
    kept = f"{record['backward_compatibility']['kept_correct']:.1%} of correct kept"
    overall = f"overall {o['before']['accuracy']:.3f} -> {o['after']['accuracy']:.3f}"
    target = record.get("target")
    if target is None:
        modes = ", ".join(
            f"{k} {v['verdict']} {v['before']['accuracy']:.3f} -> {v['after']['accuracy']:.3f}"
            for k, v in record["modes"].items()
        )
        parts = [f"{o['verdict']} {overall} (McNemar p={o['mcnemar']['p_value']:.2g})", modes, kept]
        return f"{head}: " + "; ".join(p for p in parts if p)
    return (
        f"{head}: {target['verdict']} on {record['failure_mode']} "
        f"{target['before']['accuracy']:.3f} -> {target['after']['accuracy']:.3f} "
        f"(McNemar p={target['mcnemar']['p_value']:.2g}); {overall}, {kept}"
    )


def run_verification(
    problem: Problem,
    trainer: Callable[..., Any],
    *,
    trainer_name: str,
    proxy: str | None = None,
    actions: Sequence[str] | None = None,
    repeats: int = 1,
    min_confidence: float = 0.5,
    alpha: float = ALPHA,
    random_state: int = 0,
    progress: Progress | None = None,
    write: bool = True,
) -> Verification:
    """Retrain the baseline, every chosen action and Just-Train-Twice; compare; write JSON."""
    say = progress or (lambda what, done, total: None)
    seeded = check_trainer(trainer)
    seeds = [random_state + r for r in range(max(1, repeats))] if seeded else [random_state]
    chosen = _choose(problem, actions)
    ev, classes = problem.evaluate, problem.classes
    total = len(seeds) * (2 + sum(1 for _ in chosen))
    step = iter(range(1, total + 1))

    def fit(train, weight, what: str, seed: int, evaluate=None) -> np.ndarray:
        say(f"retraining: {what} (seed {seed})", next(step, total), total)
        target = ev.frame if evaluate is None else evaluate
        return call_trainer(
            trainer,
            train,
            weight,
            target,
            classes=classes,
            random_state=seed if seeded else None,
            what=what,
        )

    doc = _header(problem, trainer_name, proxy, seeds, alpha, seeded, repeats)
    result = Verification(doc)
    base_predictions = [
        fit(problem.train.frame, np.ones(len(problem.train.frame)), "baseline", s) for s in seeds
    ]
    base = [~problem.wrong(p) for p in base_predictions]
    doc["baseline"] = _summary(problem, base)
    original = original_correct(problem)
    if original is not None:
        doc["baseline"]["backward_compatibility"] = backward_compatibility(
            original, base[0], [], "original predictions"
        )
    for action in chosen:
        record = _action_record(action.id, action.kind, action.failure_mode, action.artifact)
        try:
            applied = apply_action(
                problem, action, min_confidence=min_confidence, random_state=random_state
            )
            record["changes"] = applied.changes
            bound = relabel_bound(problem, action, base_predictions[0], min_confidence)
            if bound is not None:
                record["bound"] = bound
            if not applied.retrainable:
                record.update(status="not verifiable", reason=applied.reason)
                next(step, None)
            else:
                runs = [
                    ~problem.wrong(fit(applied.train, applied.weight, action.id, s)) for s in seeds
                ]
                _fill(record, problem, base, runs, original, action.failure_mode, alpha)
        except TrainerError as error:
            record.update(status="failed", reason=str(error))
            result.failures.append(f"{action.id}: {error}")
        doc["actions"].append(record)
    doc["alternatives"].append(_jtt(problem, fit, seeds, base, original, alpha, result))
    doc["actions"].sort(key=_measured_gain)
    if write:
        result.path = write_verification(doc, problem.out)
    return result


def _choose(problem: Problem, actions: Sequence[str] | None) -> list[Action]:
    if actions is None:
        return list(problem.actions)
    known = {a.id: a for a in problem.actions}
    missing = [a for a in actions if a not in known]
    if missing:
        from weakspot._errors import InputError

        raise InputError(
            f"action(s) {missing} are not in the analysis; its actions are {sorted(known)}."
        )
    return [known[a] for a in actions]


def _header(problem, trainer_name, proxy, seeds, alpha, seeded, repeats) -> dict[str, Any]:
    notes = []
    if proxy:
        notes.append(proxy)
    if repeats > 1 and not seeded:
        notes.append(
            "the trainer takes no random_state keyword, so it ran once per change: no spread "
            "across seeds"
        )
    return {
        "schema_version": SCHEMA_VERSION,
        "trainer": {"name": trainer_name, "proxy": proxy is not None, "takes_random_state": seeded},
        "seeds": seeds,
        "alpha": alpha,
        "n_train": len(problem.train.frame),
        "n_evaluation": len(problem.evaluate.frame),
        "failure_modes": [
            {"id": m.id, "title": m.title, "size": len(m.members)} for m in problem.modes
        ],
        "notes": notes,
        "baseline": None,
        "actions": [],
        "alternatives": [],
    }


def _summary(problem: Problem, runs: list[np.ndarray]) -> dict[str, Any]:
    """Accuracy of the baseline retrain (majority over seeds), overall and per mode."""
    from weakspot.verify._compare import accuracy, majority

    correct = majority(runs)
    return {
        "overall": accuracy(correct),
        "modes": {m.id: accuracy(correct[problem.members(m)]) for m in problem.modes},
    }


def _action_record(
    action_id: str, kind: str, failure_mode: str | None, artifact: str | None
) -> dict[str, Any]:
    """The verification record of one action (or of Just-Train-Twice, which has no file)."""
    return {
        "id": action_id,
        "kind": kind,
        "failure_mode": failure_mode,
        "artifact": artifact,
        "status": "verified",
        "reason": "",
        "changes": [],
    }


def _fill(record, problem, base, runs, original, target_mode, alpha) -> None:
    """Overall and per-mode comparisons, the target mode's, and backward compatibility."""
    everything = np.ones(len(problem.evaluate.frame), dtype=bool)
    record["overall"] = compare(base, runs, everything, alpha)
    record["modes"] = {m.id: compare(base, runs, problem.members(m), alpha) for m in problem.modes}
    record["target"] = record["modes"].get(target_mode) if target_mode else None
    worse = [k for k, v in record["modes"].items() if v["verdict"] == "harms"]
    new = runs[0]
    reference, against = (
        (original, "original predictions")
        if original is not None
        else (base[0], "baseline retrain")
    )
    record["backward_compatibility"] = backward_compatibility(reference, new, worse, against)
    if original is not None:
        record["backward_compatibility"]["vs_baseline_retrain"] = backward_compatibility(
            base[0], new, worse, "baseline retrain"
        )


def _jtt(problem, fit, seeds, base, original, alpha, result) -> dict[str, Any]:
    """Just-Train-Twice: retrain with the baseline's training errors upweighted."""
    record = _action_record("JTT", "just_train_twice", None, None)
    try:
        tr = problem.train
        on_train = fit(
            tr.frame, np.ones(len(tr.frame)), "JTT first pass", seeds[0], evaluate=tr.frame
        )
        weight, record["changes"] = jtt_weights(problem.task.loss(tr.labels, on_train) > 0)
        runs = [~problem.wrong(fit(tr.frame, weight, "JTT", s)) for s in seeds]
        _fill(record, problem, base, runs, original, None, alpha)
    except TrainerError as error:
        record.update(status="failed", reason=str(error))
        result.failures.append(f"JTT: {error}")
    return record


def _measured_gain(record: dict[str, Any]) -> tuple[int, float]:
    """Verified actions first, by their target mode's (else overall) accuracy gain."""
    if record["status"] != "verified":
        return (1, 0.0)
    target = record.get("target") or record["overall"]
    return (0, -(target["delta"] or 0.0))


def write_verification(doc: dict[str, Any], out: Path) -> Path:
    """Write ``<out>/verify/verification.json``."""
    folder = Path(out) / "verify"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "verification.json"
    path.write_text(json.dumps(finite(doc), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return path


def finite(value: Any) -> Any:
    """`value` with every NaN or infinite float replaced by None (JSON has no infinity)."""
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
