"""Runner: deepchecks' WeakSegmentsPerformance on the raw feature values (categorical columns
as their integer codes), scored by the model's per-sample negative cross-entropy (what the
check computes itself from predicted probabilities)."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "core", "runners"))
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _common import main  # noqa: E402
from deepchecks.tabular import Dataset  # noqa: E402
from deepchecks.tabular.checks import WeakSegmentsPerformance  # noqa: E402


def call(data, params):
    frame = pd.DataFrame(data["raw"], columns=params["names"])
    proba = data["proba"]
    score = np.log(np.clip(proba[np.arange(len(proba)), data["labels"].astype(int)], 1e-12, 1))
    return {"slices": weak_segments(frame, data["labels"].astype("int64"), score, params["seed"])}


def weak_segments(frame, target, score, seed):
    """The check's top 10 weak segments of `frame` (its features) for a per-row `score` (higher
    is better), each as ``{members, features}``; `target` is the label column the check's
    Dataset needs (its task type is inferred from it)."""
    data = frame.copy()
    data["target"] = target
    ds = Dataset(data, label="target", cat_features=[])
    check = WeakSegmentsPerformance(
        n_top_features=None,
        score_per_sample=pd.Series(score),
        n_to_show=10,
        random_state=seed,
    )
    result = check.run(ds, with_display=False)
    segments = result.value["weak_segments_list"]
    slices = []
    for _, seg in segments.head(10).iterrows():
        mask, used = np.ones(len(frame), dtype=bool), []
        for f in ("Feature1", "Feature2"):
            feature = seg[f]
            if feature in ("", None) or seg[f + " Range"] is None:
                continue
            lo, hi = seg[f + " Range"]
            x = frame[feature].to_numpy()
            mask &= (x > lo) & (x <= hi)
            used.append(feature)
        slices.append({"members": np.flatnonzero(mask).tolist(), "features": sorted(used)})
    return slices


if __name__ == "__main__":
    main(call)
