"""Runner: sliceguard's find_issues (hierarchical clustering of the feature space, metric
accuracy) on the raw feature values; an issue's features are the top 2 of its explanation."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "core", "runners"))
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _common import main  # noqa: E402
from sklearn.metrics import accuracy_score  # noqa: E402
from sliceguard import SliceGuard  # noqa: E402


def call(data, params):
    names = params["names"]
    frame = pd.DataFrame(data["raw"], columns=names)
    types = {n: ("nominal" if c else "numerical") for n, c in zip(names, data["is_cat"])}
    for n, c in zip(names, data["is_cat"]):
        if c:
            frame[n] = frame[n].astype("int64")
    frame["y"] = data["labels"].astype("int64")
    frame["y_pred"] = data["predictions"].astype("int64")
    issues = SliceGuard().find_issues(
        frame,
        names,
        "y",
        "y_pred",
        accuracy_score,
        min_support=params["min_support"],
        min_drop=0.05,
        feature_types=types,
    )
    # Worst accuracy first.
    issues = sorted(issues, key=lambda i: float(i["metric"]))
    slices = []
    for issue in issues[:10]:
        members = np.asarray(issue["rows"])
        features = [e["column"] for e in issue.get("explanation", [])[:2]]
        slices.append({"members": sorted(members.tolist()), "features": sorted(features)})
    return {"slices": slices, "n_issues": len(issues)}


if __name__ == "__main__":
    main(call)
