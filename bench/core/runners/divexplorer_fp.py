"""Runner: DivExplorer's FP-growth DivergenceExplorer on the error outcome.

Every frequent pattern (support >= min_support) is a candidate slice; patterns are ranked by
error-rate divergence, keeping those with DivExplorer's t-value >= `min_t` (2 by default, the
significance cut its authors use).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import pandas as pd  # noqa: E402
from _common import main  # noqa: E402
from divexplorer import DivergenceExplorer  # noqa: E402


def call(data, params):
    codes = data["codes"]
    frame = pd.DataFrame({f"f{j}": codes[:, j].astype("int64") for j in range(codes.shape[1])})
    frame["error"] = data["errors"].astype("int64")
    explorer = DivergenceExplorer(frame)
    patterns = explorer.get_pattern_divergence(
        min_support=params["min_support"], boolean_outcomes=["error"]
    )
    n_patterns = len(patterns)
    patterns = patterns[patterns["error_t"] >= params.get("min_t", 2.0)]
    patterns = patterns.sort_values(["error_div", "support"], ascending=[False, False])
    slices = []
    for itemset, support, rate in zip(patterns["itemset"], patterns["support"], patterns["error"]):
        conditions = []
        for item in sorted(itemset):
            name, value = item.split("=", 1)
            conditions.append([int(name[1:]), "in", [int(value)]])
        slices.append({"conditions": conditions, "support": float(support), "rate": float(rate)})
        if len(slices) >= params.get("keep", 5000):
            break
    return {"slices": slices, "n_patterns": int(n_patterns)}


if __name__ == "__main__":
    main(call)
