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
            "mechanism": "images from site B are dark: brightness 0.11 vs 0.42 elsewhere",
            "slices": ids,
            "diagnoses": [
                {
                    "cause": "image_quality",
                    "confidence": 0.91,
                    "summary": "97% of the mode is flagged dark.",
                    "evidence": {"flag": "is_dark", "share_in_mode": 0.97, "ci": [0.93, 0.99]},
                },
                {
                    "cause": "under_representation",
                    "confidence": 0.2,
                    "summary": "No training set.",
                    "evidence": {},
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
            "expected_gain": 21.5,
            "steps": "Train with brightness factor 0.2-0.4 augmentation.",
            "artifact": "actions/M1-augment.json",
        },
        {
            "id": "A2",
            "kind": "regression_check",
            "failure_mode": "M1",
            "cause": "image_quality",
            "expected_gain": 0,
            "steps": "Add the gate check to CI.",
            "artifact": "actions/weakspot-gate.toml",
        },
    ]
    verification = {
        "summary": "A1 recovers 14 of 29 errors (paired p 0.003).",
        "baseline": {"accuracy": 0.89, "seeds": 3},
        "results": [
            {
                "action": "A1",
                "accuracy_before": 0.89,
                "accuracy_after": 0.91,
                "delta": 0.02,
                "ci": [0.01, 0.03],
                "p_value": 0.003,
                "verdict": "helps",
            }
        ],
    }
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
    verification["summary"] = payload
    return {"doc": doc, "verification": verification}
