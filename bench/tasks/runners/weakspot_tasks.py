"""Runner: weakspot.analyze on a regression or multi-label task (default finders, embed=None:
image properties only), each reported slice with its members, the features of its rule and
the loss view it was found on."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "core", "runners"))
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _common import main  # noqa: E402

import weakspot  # noqa: E402


def call(data, params):
    frame = pd.read_pickle(params["frame"])
    if params["task"] == "regression":
        frame["label"] = data["targets"]
        frame["prediction"] = data["predictions"]
    else:
        for j, name in enumerate(params["label_names"]):
            frame[f"label_{name}"] = data["targets"][:, j].astype(int)
            frame[f"pred_{name}"] = data["predictions"][:, j].astype(int)
    analysis = weakspot.analyze(
        frame,
        task=params["task"],
        images=data.get("images"),
        embed=None,
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
                "view": s.slice.view,
                "description": s.description,
            }
        )
    return {"slices": slices}


if __name__ == "__main__":
    main(call)
