"""Runner: sliceline's Slicefinder (pure numpy, alpha 0.95, level 3) on the bin codes."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "core", "runners"))
from _common import main  # noqa: E402
from _slices import predicate_slice  # noqa: E402
from sliceline.slicefinder import Slicefinder  # noqa: E402


def call(data, params):
    codes = data["codes"].astype("int64")
    finder = Slicefinder(alpha=0.95, k=10, max_l=3, min_sup=params["min_support"], verbose=False)
    finder.fit(codes, data["errors"])
    slices = []
    for row in finder.top_slices_:
        conditions = [(j, [int(v)]) for j, v in enumerate(row) if v is not None]
        slices.append(predicate_slice(codes, params["names"], conditions))
    return {"slices": slices}


if __name__ == "__main__":
    main(call)
