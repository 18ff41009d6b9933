"""Runner: the null check. For each seed, a table whose errors are independent of every
feature; counts the seeds on which the default `weakspot.analyze` reports any slice, and the
seeds on which the lattice's evaluated family has any Benjamini-Hochberg q <= 0.05 (a proxy
that uses only the lattice and `weakspot.stats`).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
import numpy as np  # noqa: E402
from _common import main  # noqa: E402
from ours_analyze import analyze, frame_of  # noqa: E402
from tables import make_table  # noqa: E402

from weakspot.slices._lattice import lattice_search  # noqa: E402
from weakspot.stats import benjamini_hochberg, excess_error_p_value  # noqa: E402


def call(data, params):
    per_seed = []
    for seed in params["seeds"]:
        t = make_table(
            params["n_rows"], params["n_features"], seed, level=0, outside=params["error_rate"]
        )
        row = {"seed": seed}
        start = time.perf_counter()
        try:
            analysis = analyze(frame_of(t.codes, t.labels, t.predictions), params)
            row["analyze_slices"] = len(analysis.slices)
            row["analyze_rules"] = [s.rule() for s in analysis.slices[:3]]
        except Exception as exc:  # noqa: BLE001 - recorded, the loop goes on
            row["analyze_error"] = f"{type(exc).__name__}: {exc}"[:300]
        row["analyze_seconds"] = time.perf_counter() - start
        n = t.errors.shape[0]
        support = max(20, int(np.ceil(0.01 * n)))
        res = lattice_search(t.codes, t.errors, alpha=0.95, k=10, max_level=3, min_support=support)
        p = excess_error_p_value(res.evaluated_errors, res.evaluated_sizes, int(t.errors.sum()), n)
        # candidates pruned by their score bound were examined too: count them, with p = 1
        p = np.concatenate([p, np.ones(getattr(res, "n_pruned", 0))])
        q = benjamini_hochberg(p)
        row["proxy_family"] = int(q.size)
        row["proxy_significant"] = int(np.count_nonzero(q <= 0.05))
        per_seed.append(row)
    return {"per_seed": per_seed}


if __name__ == "__main__":
    main(call)
