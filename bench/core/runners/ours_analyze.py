"""Runner: the default `weakspot.analyze` on a table built from the bin codes.

Features are passed as strings ("v0", "v1", ...) so that they are sliced as categories, not
re-binned as numbers. Returns the reported slices, ranked, with their member rows.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _common import main  # noqa: E402

import weakspot  # noqa: E402


def frame_of(codes, labels, predictions) -> pd.DataFrame:
    frame = pd.DataFrame(
        {f"f{j}": np.char.add("v", codes[:, j].astype(str)) for j in range(codes.shape[1])}
    )
    frame["label"] = labels.astype(str)
    frame["prediction"] = predictions.astype(str)
    return frame


def analyze(frame, params):
    if not hasattr(weakspot, "analyze"):
        raise RuntimeError("weakspot.analyze is not available in this checkout")
    return weakspot.analyze(
        frame, label="label", prediction="prediction", **params.get("options", {})
    )


def call(data, params):
    frame = frame_of(data["codes"], data["labels"], data["predictions"])
    analysis = analyze(frame, params)
    slices = [
        {
            "members": np.asarray(s.members).tolist(),
            "rule": s.rule(),
            "method": s.method,
            "q_value": s.stats.q_value,
        }
        for s in analysis.slices
    ]
    return {"slices": slices, "search": analysis.search.counts, "weakspot_file": weakspot.__file__}


if __name__ == "__main__":
    main(call)
