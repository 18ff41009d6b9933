"""Runner: DivExplorer's FP-growth on the error outcome (support >= 5%: at 1% it ran out of 8 GiB; t >= 2),
patterns ranked by error-rate divergence."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "core", "runners"))
import pandas as pd  # noqa: E402
from _common import main  # noqa: E402
from _slices import predicate_slice  # noqa: E402
from divexplorer import DivergenceExplorer  # noqa: E402


def call(data, params):
    codes = data["codes"].astype("int64")
    frame = pd.DataFrame({f"f{j}": codes[:, j] for j in range(codes.shape[1])})
    frame["error"] = data["errors"].astype("int64")
    patterns = DivergenceExplorer(frame).get_pattern_divergence(
        min_support=params.get("divexplorer_support", 0.05), boolean_outcomes=["error"]
    )
    patterns = patterns[patterns["error_t"] >= 2.0]
    patterns = patterns.sort_values(["error_div", "support"], ascending=[False, False])
    slices = []
    for itemset in patterns["itemset"][:10]:
        conditions = []
        for item in sorted(itemset):
            name, value = item.split("=", 1)
            conditions.append((int(name[1:]), [int(value)]))
        slices.append(predicate_slice(codes, params["names"], conditions))
    return {"slices": slices}


if __name__ == "__main__":
    main(call)
