"""Runner: deepchecks' WeakSegmentsPerformance on the raw feature values, scored per row by the
negative squared error (a regressor: what the check computes itself from predictions) or the
negative Hamming loss (a tagger: the check has no multi-label tabular task)."""

import os
import sys

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "..", "core", "runners"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "planted", "runners"))
import pandas as pd  # noqa: E402
from _common import main  # noqa: E402
from deepchecks_run import weak_segments  # noqa: E402


def call(data, params):
    frame = pd.DataFrame(data["raw"], columns=params["names"])
    return {"slices": weak_segments(frame, data["dc_target"], data["score"], params["seed"])}


if __name__ == "__main__":
    main(call)
