"""Report fixtures: a real small analysis with images, the same document with the failure
modes, actions and verification later stages will add, and one full of hostile strings."""

from __future__ import annotations

import copy
import functools
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import weakspot
from tests.conftest import planted_table

PAYLOADS = [
    "<script>window.__pwned=1</script>",
    '"onerror="window.__pwned=2" x="',
    "</script><script>window.__pwned=3</script>",
    "javascript:window.__pwned=4",
    "<img src=x onerror=window.__pwned=5>",
]


def image_analysis(out: Path, *, n: int = 800, seed: int = 0) -> dict[str, Any]:
    """Analyse a planted table whose site-B images are dark; write results to `out`."""
    frame = planted_table(seed, n=n)
    rng = np.random.default_rng(seed)
    pixels = rng.integers(80, 255, size=(n, 24, 24), dtype=np.uint8)
    dark = (frame.site == "B").to_numpy()
    pixels[dark] = (pixels[dark] * 0.25).astype(np.uint8)
    analysis = weakspot.analyze(frame, images=pixels, embed=None, sensitive=["site"])
    weakspot.write_results(analysis, out)
    return json.loads((out / "analysis.json").read_text())


def with_later_stages(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """`doc` with failure modes, actions (issue 8) and a verification document (issue 9)."""
    doc = copy.deepcopy(doc)
    ids = [s["id"] for s in doc["slices"]]
    doc["failure_modes"] = [
        {
            "id": "M1",
            "title": "site == B",
            "size": 60,
            "error_rate": 0.38,
            "rest_error_rate": 0.09,
            "mechanism": "images from site B are dark: brightness 0.11 vs 0.42 elsewhere",
            "slices": ids,
            "diagnoses": [
                {
                    "cause": "image_quality",
                    "confidence": 0.91,
                    "summary": "97% of the mode is flagged dark.",
                    "evidence": {"flag": "is_dark", "share_in_mode": 0.97, "ci": [0.93, 0.99]},
                    "tested": True,
                },
                {
                    "cause": "under_representation",
                    "confidence": 0.2,
                    "summary": "No training set.",
                    "evidence": {},
                    "tested": False,
                },
            ],
            "actions": ["A1", "A2"],
            "also_described_as": [{"title": "brightness < 0.2", "f1": 0.95}],
        }
    ]
    for s in doc["slices"]:
        s["failure_mode"] = "M1"
    doc["actions"] = [
        {
            "id": "A1",
            "kind": "augment",
            "failure_mode": "M1",
            "cause": "image_quality",
            "expected_gain": {"errors": 21.5, "how": "excess errors x confidence"},
            "steps": "Train with brightness factor 0.2-0.4 augmentation.",
            "artifact": "actions/M1-augment.json",
        },
        {
            "id": "A2",
            "kind": "regression_check",
            "failure_mode": "M1",
            "cause": "image_quality",
            "expected_gain": {"errors": 0, "how": "guards against regressions"},
            "steps": "Add the gate check to CI.",
            "artifact": "actions/weakspot-gate.toml",
        },
    ]
    verification = verification_doc()
    return doc, verification


@functools.cache
def hostile_analysis(payload: str, *, n: int = 400) -> dict[str, Any]:
    """An image analysis whose class names, column name, metadata values, ids and file names
    all carry `payload`, with failure modes and a hostile artifact path (made once per payload,
    in a temporary folder, for the HTML and the browser tests)."""
    out = Path(tempfile.mkdtemp(prefix="weakspot-hostile-"))
    from PIL import Image

    rng = np.random.default_rng(1)
    images = out / "images"
    images.mkdir(parents=True, exist_ok=True)
    safe_name = "".join(c if c.isalnum() else "_" for c in payload)[:40]
    frame = planted_table(1, n=n)
    frame["label"] = frame["label"].map({"cat": payload + "cat", "dog": "dog"})
    frame["prediction"] = frame["prediction"].map({"cat": payload + "cat", "dog": "dog"})
    frame["id"] = [f"{payload}{i}" for i in range(n)]
    frame[payload] = np.where(frame.site == "B", payload, "plain")
    paths = []
    for i in range(n):
        pixels = rng.integers(0, 80 if frame.site[i] == "B" else 255, size=(16, 16), dtype=np.uint8)
        path = images / f"{safe_name}{i}{'<b>.png' if i % 2 else '.png'}"
        Image.fromarray(pixels).save(path)
        paths.append(str(path))
    frame["image"] = paths
    frame.to_csv(out / "table.csv", index=False)
    table = pd.read_csv(out / "table.csv")
    analysis = weakspot.analyze(table, images=images, embed=None, sensitive=[payload])
    analysis.skipped.append({"index": 0, "path": payload + ".png", "reason": payload})
    analysis.notes.append(payload)
    weakspot.write_results(analysis, out / "results")
    doc = json.loads((out / "results" / "analysis.json").read_text())
    doc, verification = with_later_stages(doc)
    doc["failure_modes"][0]["title"] = payload
    doc["failure_modes"][0]["id"] = payload
    doc["actions"][0]["artifact"] = payload
    doc["actions"][1]["artifact"] = "javascript:window.__pwned=6"
    verification["notes"] = [payload]
    verification["actions"][0]["changes"] = [payload]
    verification["actions"][1]["reason"] = payload
    return {"doc": doc, "verification": verification}


def _comparison(before: float, after: float, n: int, p: float, verdict: str) -> dict[str, Any]:
    return {
        "before": {"accuracy": before, "ci": [before - 0.05, before + 0.05], "n": n},
        "after": {"accuracy": after, "ci": [after - 0.05, after + 0.05], "n": n},
        "delta": after - before,
        "mcnemar": {"fixed": 20, "broken": 3, "p_value": p},
        "verdict": verdict,
    }


def verification_doc() -> dict[str, Any]:
    """A ``verify/verification.json`` of the shape `weakspot verify` writes: one verified
    action, one that failed, and Just-Train-Twice."""
    kept = {"against": "baseline retrain", "kept_correct": 0.97, "new_error_rate": 0.02}
    return {
        "schema_version": "1.0",
        "trainer": {"name": "fit_and_predict", "proxy": False, "takes_random_state": True},
        "seeds": [0],
        "alpha": 0.05,
        "n_train": 2000,
        "n_evaluation": 400,
        "notes": [],
        "baseline": {"overall": {"accuracy": 0.89, "ci": [0.86, 0.92], "n": 400}},
        "actions": [
            {
                "id": "A1",
                "kind": "augment",
                "failure_mode": "M1",
                "status": "verified",
                "changes": ["600 transformed copies (GaussianBlur) of training images added"],
                "target": _comparison(0.62, 0.81, 60, 0.003, "helps"),
                "overall": _comparison(0.89, 0.9, 400, 0.2, "no effect"),
                "backward_compatibility": {
                    "against": "original predictions",
                    **kept,
                    "worse_modes": [],
                    "vs_baseline_retrain": {**kept, "worse_modes": []},
                },
            },
            {
                "id": "A2",
                "kind": "reweight",
                "failure_mode": "M1",
                "status": "failed",
                "reason": "the trainer raised ValueError: bad weights",
                "changes": [],
            },
        ],
        "alternatives": [
            {
                "id": "JTT",
                "kind": "just_train_twice",
                "failure_mode": None,
                "status": "verified",
                "changes": ["120 training rows the baseline gets wrong weigh 5"],
                "target": None,
                "overall": _comparison(0.89, 0.87, 400, 0.04, "harms"),
                "backward_compatibility": {
                    "against": "original predictions",
                    **kept,
                    "worse_modes": ["M1"],
                },
            }
        ],
    }
