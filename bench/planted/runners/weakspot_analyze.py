"""Runner: weakspot.analyze on the task's table, images and embeddings (all default finders,
or only those in params["methods"], e.g. ["domino"] for Domino's method alone)."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "core", "runners"))
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _common import main  # noqa: E402

import weakspot  # noqa: E402


def call(data, params):
    frame = pd.DataFrame(
        {"label": data["labels"].astype(str), "prediction": data["predictions"].astype(str)}
    )
    for j, name in enumerate(params["meta_names"]):
        frame[name] = data["meta"][:, j]
    analysis = weakspot.analyze(
        frame,
        images=data["images"],
        embed=None,
        embeddings=data["embeddings"],
        methods=params.get("methods"),
        random_state=params["seed"],
    )
    slices = []
    for s in analysis.slices:
        if s.conditions is not None:
            features = sorted({c.feature for c in s.conditions})
        else:
            rule = (s.explanation.reading or {}).get("rule") or []
            features = sorted({c["feature"] for c in rule})
        slices.append(
            {
                "members": np.asarray(s.members).tolist(),
                "features": features,
                "method": s.method,
                "description": s.description,
            }
        )
    return {"slices": slices}


if __name__ == "__main__":
    main(call)
