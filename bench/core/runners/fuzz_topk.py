"""Runner: top-K of many small random tables, for the fuzz comparison with brute force.

Runs under the ours env (weakspot's lattice) or the sliceline env (Slicefinder), chosen by
params["tool"]; tables are rebuilt from their seeds with bench/core/tables.py.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from _common import main  # noqa: E402
from tables import make_table  # noqa: E402


def call(data, params):
    if params["tool"] == "ours":
        from weakspot.slices._lattice import lattice_search

        def top_k(t, c):
            res = lattice_search(
                t.codes,
                t.errors,
                alpha=c["alpha"],
                k=c["k"],
                max_level=c["max_level"],
                min_support=c["min_support"],
            )
            return [
                [res.item_to_feature_bin(r), float(s)]
                for r, s in zip(res.top_items, res.top_scores)
            ]
    else:
        from sliceline.slicefinder import Slicefinder

        def top_k(t, c):
            finder = Slicefinder(
                alpha=c["alpha"],
                k=c["k"],
                max_l=c["max_level"],
                min_sup=c["min_support"],
                verbose=False,
            )
            finder.fit(t.codes.astype("int64"), t.errors)
            return [
                [[[j, int(v)] for j, v in enumerate(row) if v is not None], st["slice_score"]]
                for row, st in zip(finder.top_slices_, finder.top_slices_statistics_)
            ]

    out = []
    for c in params["cases"]:
        t = make_table(
            c["n"],
            c["p"],
            c["seed"],
            level=c["level"],
            inside=c["inside"],
            outside=c["outside"],
            min_bins=2,
            max_bins=c["max_bins"],
        )
        try:
            out.append(top_k(t, c))
        except Exception as exc:  # noqa: BLE001 - one failing case must not hide the others
            out.append(f"{type(exc).__name__}: {exc}")
    return {"results": out}


if __name__ == "__main__":
    main(call)
