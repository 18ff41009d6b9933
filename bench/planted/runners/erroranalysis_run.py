"""Runner: erroranalysis's surrogate error tree; nodes ranked by error rate (ties: size).

The tree itself comes from bench/core's runner (`ranked_nodes`); this one maps its top nodes
to the planted benchmark's slices.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "core", "runners"))
from _common import main  # noqa: E402
from _slices import predicate_slice  # noqa: E402
from erroranalysis_tree import ranked_nodes  # noqa: E402


def call(data, params):
    codes = data["codes"].astype("int64")
    nodes = ranked_nodes(data, max_depth=3, num_leaves=31, min_child_samples=params["min_support"])
    slices = [
        predicate_slice(codes, params["names"], [_allowed(c) for c in node["conditions"]])
        for node in nodes[:10]
    ]
    return {"slices": slices}


def _allowed(condition):
    """(feature, allowed bins) from ``[feature, "in" | "not in", bins]``."""
    feature, op, values = condition
    if op == "not in":
        values = [v for v in range(0, 1000) if v not in values]
    return (feature, values)


if __name__ == "__main__":
    main(call)
