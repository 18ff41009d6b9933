"""Runner: erroranalysis's surrogate error tree; nodes ranked by error rate (ties: size)."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "core", "runners"))
import pandas as pd  # noqa: E402
from _common import main  # noqa: E402
from _slices import predicate_slice  # noqa: E402
from erroranalysis._internal.constants import ModelTask  # noqa: E402
from erroranalysis.analyzer.error_analyzer import PredictionsAnalyzer  # noqa: E402


def call(data, params):
    codes = data["codes"].astype("int64")
    cols = [f"f{j}" for j in range(codes.shape[1])]
    frame = pd.DataFrame(codes, columns=cols)
    analyzer = PredictionsAnalyzer(
        data["predictions"].astype("int64"),
        frame,
        data["labels"].astype("int64"),
        cols,
        cols,
        model_task=ModelTask.CLASSIFICATION,
    )
    nodes = analyzer.compute_error_tree(
        cols, [], [], max_depth=3, num_leaves=31, min_child_samples=params["min_support"]
    )
    by_id = {node["id"]: node for node in nodes}
    ranked = []
    for node in nodes:
        if node["parentId"] is None:
            continue
        conditions, cur = [], node
        while cur["parentId"] is not None:
            conditions.append(_condition(cur))
            cur = by_id[cur["parentId"]]
        rate = node["error"] / max(node["size"], 1)
        ranked.append((-rate, -node["size"], conditions))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return {"slices": [predicate_slice(codes, params["names"], c) for _, _, c in ranked[:10]]}


def _condition(node):
    feature = int(node["parentNodeName"][1:])
    condition = node["condition"]
    op = node["method"]
    if op in ("includes", "excludes"):
        values = [
            int(float(v))
            for v in condition.split("==" if op == "includes" else "!=", 1)[1].split("|")
        ]
        if op == "excludes":
            values = [v for v in range(0, 1000) if v not in values]
        return (feature, values)
    raise ValueError(f"numeric split in a categorical tree: {condition!r}")


if __name__ == "__main__":
    main(call)
