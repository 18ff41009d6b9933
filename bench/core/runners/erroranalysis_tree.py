"""Runner: erroranalysis's surrogate error tree (PredictionsAnalyzer.compute_error_tree).

Every node of the tree but the root is a candidate slice; its predicate is the conjunction of
the conditions on its path. Nodes are ranked by error rate (what the tree view colours), ties
by size.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import pandas as pd  # noqa: E402
from _common import main  # noqa: E402
from erroranalysis._internal.constants import ModelTask  # noqa: E402
from erroranalysis.analyzer.error_analyzer import PredictionsAnalyzer  # noqa: E402


def call(data, params):
    nodes = ranked_nodes(
        data,
        max_depth=params.get("max_depth"),
        num_leaves=params.get("num_leaves"),
        min_child_samples=params.get("min_child_samples"),
    )
    return {"slices": nodes, "n_nodes": len(nodes) + 1}


def ranked_nodes(data, *, regression=False, metric=None, **tree_params):
    """Every node of the error tree but the root, by error rate then size: ``{conditions,
    size, errors, rate}``, conditions as ``[feature, "in" | "not in", [bins]]`` from the root.

    With ``regression=True`` the labels and predictions are numbers: the tree fits the signed
    residual (prediction - label, what erroranalysis does for a regressor) and a node's rate
    is its `metric` (erroranalysis' default for a regressor when None: mean squared error).
    """
    codes = data["codes"]
    names = [f"f{j}" for j in range(codes.shape[1])]
    frame = pd.DataFrame(codes.astype("int64"), columns=names)
    kind = "float64" if regression else "int64"
    analyzer = PredictionsAnalyzer(
        data["predictions"].astype(kind),
        frame,
        data["labels"].astype(kind),
        names,
        names,
        model_task=ModelTask.REGRESSION if regression else ModelTask.CLASSIFICATION,
        metric=metric,
    )
    nodes = analyzer.compute_error_tree(names, [], [], **tree_params)
    by_id = {node["id"]: node for node in nodes}
    slices = []
    for node in nodes:
        if node["parentId"] is None:
            continue
        conditions, cur = [], node
        while cur["parentId"] is not None:
            conditions.append(_condition(cur))
            cur = by_id[cur["parentId"]]
        slices.append(
            {
                "conditions": conditions[::-1],
                "size": node["size"],
                "errors": node["error"],
                "rate": node["metricValue"] if regression else node["error"] / max(node["size"], 1),
            }
        )
    slices.sort(key=lambda s: (-s["rate"], -s["size"]))
    return slices


def _condition(node):
    """(feature, "in" | "not in", [bins]) from a categorical split's display condition."""
    feature = int(node["parentNodeName"][1:])
    condition = node["condition"]
    if node["method"] in ("includes", "excludes"):
        op = "in" if node["method"] == "includes" else "not in"
        values = condition.split("==" if op == "in" else "!=", 1)[1]
        return [feature, op, [int(float(v)) for v in values.split("|")]]
    raise ValueError(f"numeric split in a categorical tree: {condition!r}")


if __name__ == "__main__":
    main(call)
