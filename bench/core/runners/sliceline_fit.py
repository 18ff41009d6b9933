"""Runner: sliceline's Slicefinder (pure numpy path, no numba) on the same bin codes."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _common import main  # noqa: E402
from sliceline.slicefinder import NUMBA_AVAILABLE, Slicefinder  # noqa: E402


def call(data, params):
    finder = Slicefinder(
        alpha=params["alpha"],
        k=params["k"],
        max_l=params["max_level"],
        min_sup=params["min_support"],
        verbose=False,
    )
    finder.fit(data["codes"].astype("int64"), data["errors"])
    slices = []
    for row, stats in zip(finder.top_slices_, finder.top_slices_statistics_):
        items = [[j, int(v)] for j, v in enumerate(row) if v is not None]
        slices.append(
            {
                "items": items,
                "score": stats["slice_score"],
                "size": stats["slice_size"],
                "errors": stats["sum_slice_error"],
            }
        )
    return {"slices": slices, "numba": bool(NUMBA_AVAILABLE)}


if __name__ == "__main__":
    main(call)
