"""Runner: erroranalysis' surrogate error tree on the bin codes. A regressor: the tree fits the
signed residual (what erroranalysis does), its nodes ranked by mean absolute error. A tagger:
erroranalysis has no multi-label task for predictions, so its label sets are joined (an error
is any mismatch, as its multi-label image view counts one) and the tree is a classifier's."""

import os
import sys

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "..", "core", "runners"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "planted", "runners"))
from _common import main  # noqa: E402
from _slices import predicate_slice  # noqa: E402
from erroranalysis_run import _allowed  # noqa: E402
from erroranalysis_tree import ranked_nodes  # noqa: E402


def call(data, params):
    codes = data["codes"].astype("int64")
    regression = params["task"] == "regression"
    tree_data = {
        "codes": codes,
        "labels": data["targets"] if regression else data["set_true"],
        "predictions": data["predictions"] if regression else data["set_pred"],
    }
    nodes = ranked_nodes(
        tree_data,
        regression=regression,
        metric="mean_absolute_error" if regression else None,
        max_depth=3,
        num_leaves=31,
        min_child_samples=params["min_support"],
    )
    slices = [
        predicate_slice(codes, params["names"], [_allowed(c) for c in node["conditions"]])
        for node in nodes[:10]
    ]
    return {"slices": slices}


if __name__ == "__main__":
    main(call)
