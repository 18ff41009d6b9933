"""A planted task where upweighting a rare group provably helps it, as a results folder.

Group B is 3% of the training rows and 30% of the evaluation rows; its labels follow
``x > 1.5`` where group A's follow ``x > 0``. A linear model on ``(x, is_b)`` fits both once B
weighs enough; with B rare and the model regularised, it is fit almost as A, so B's examples
with ``0 < x < 1.5`` fail. The mode F1 is group B; action A1 upweights B's training rows 20x.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression


def tables(
    seed: int = 0, n_train: int = 2000, n_eval: int = 1000
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)

    def draw(n: int, share_b: float, prefix: str) -> pd.DataFrame:
        b = rng.random(n) < share_b
        x = rng.normal(0.75, 1.5, n)
        label = np.where(b, x > 1.5, x > 0).astype(int)
        return pd.DataFrame(
            {
                "id": [f"{prefix}{i}" for i in range(n)],
                "x": x,
                "group": np.where(b, "B", "A"),
                "label": label,
            }
        )

    return draw(n_train, 0.03, "t"), draw(n_eval, 0.3, "e")


def fit_and_predict(
    train: pd.DataFrame, sample_weight: np.ndarray, evaluate: pd.DataFrame, random_state: int = 0
) -> np.ndarray:
    def design(frame: pd.DataFrame) -> np.ndarray:
        b = (frame["group"] == "B").to_numpy(dtype=float)
        return np.column_stack([frame["x"], b])

    model = LogisticRegression(C=1.0, random_state=random_state)
    model.fit(design(train), train["label"], sample_weight=sample_weight)
    return model.predict(design(evaluate))


def results_folder(
    out: Path, train: pd.DataFrame, evaluate: pd.DataFrame, *, relabel: pd.DataFrame | None = None
) -> Path:
    """Write analysis.json and the actions' files as `analyze` does, for mode F1 = group B."""
    members = evaluate.loc[evaluate["group"] == "B", "id"].tolist()
    weights = pd.DataFrame(
        {"id": train["id"], "weight": np.where(train["group"] == "B", 20.0, 1.0)}
    )
    groups = pd.DataFrame(
        {"id": train["id"], "group": train["group"] + ":" + train["label"].astype(str)}
    )
    actions = [
        {
            "id": "A1",
            "kind": "reweight",
            "failure_mode": "F1",
            "cause": "under_representation",
            "artifact": "actions/F1-weights.csv",
        },
        {
            "id": "A2",
            "kind": "group_file",
            "failure_mode": "F1",
            "cause": "spurious_correlation",
            "artifact": "actions/F1-groups.csv",
        },
        {
            "id": "A3",
            "kind": "gate",
            "failure_mode": "F1",
            "cause": "regression",
            "artifact": "actions/gate.toml",
        },
    ]
    (out / "actions").mkdir(parents=True, exist_ok=True)
    weights.to_csv(out / "actions/F1-weights.csv", index=False)
    groups.to_csv(out / "actions/F1-groups.csv", index=False)
    (out / "actions/gate.toml").write_text("[F1]\n", encoding="utf-8")
    if relabel is not None:
        actions.append(
            {
                "id": "A4",
                "kind": "relabel",
                "failure_mode": "F1",
                "cause": "label_noise",
                "artifact": "actions/F1-relabel.csv",
            }
        )
        relabel.to_csv(out / "actions/F1-relabel.csv", index=False)
    doc = {
        "dataset": {"n_examples": len(evaluate), "classes": ["0", "1"]},
        "slices": [{"id": "S1", "members": members}],
        "failure_modes": [
            {
                "id": "F1",
                "title": "group == B",
                "slices": ["S1"],
                "rule": [{"feature": "group", "op": "==", "value": "B"}],
            }
        ],
        "actions": actions,
    }
    (out / "analysis.json").write_text(json.dumps(doc), encoding="utf-8")
    return out
