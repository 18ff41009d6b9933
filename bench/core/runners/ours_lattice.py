"""Runner: weakspot's exact lattice search on the table's bin codes."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import numpy as np  # noqa: E402
from _common import main  # noqa: E402

from weakspot.slices._lattice import lattice_search  # noqa: E402
from weakspot.stats import benjamini_hochberg, excess_error_p_value  # noqa: E402


def call(data, params):
    res = lattice_search(
        data["codes"],
        data["errors"],
        alpha=params["alpha"],
        k=params["k"],
        max_level=params["max_level"],
        min_support=params["min_support"],
    )
    slices = [
        {
            "items": res.item_to_feature_bin(row),
            "score": float(s),
            "size": float(n),
            "errors": float(e),
        }
        for row, s, n, e in zip(res.top_items, res.top_scores, res.top_sizes, res.top_errors)
    ]
    out = {"slices": slices, "n_evaluated": int(res.evaluated_sizes.shape[0])}
    if params.get("family"):
        n, total = data["errors"].shape[0], int(data["errors"].sum())
        p = excess_error_p_value(res.evaluated_errors, res.evaluated_sizes, total, n)
        q = benjamini_hochberg(p)
        out["min_q"] = float(q.min()) if q.size else 1.0
        out["n_significant"] = int(np.count_nonzero(q <= params["family"]))
    return out


if __name__ == "__main__":
    main(call)
