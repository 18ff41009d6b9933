"""Reading the paths of a fitted scikit-learn decision tree."""

from __future__ import annotations

from sklearn.tree import BaseDecisionTree


def leaf_paths(tree: BaseDecisionTree) -> dict[int, list[tuple[int, bool, float]]]:
    """For each leaf id, the splits on the way to it: ``(input column, went left, threshold)``.

    Going left means ``x[column] <= threshold``.
    """
    structure = tree.tree_
    paths: dict[int, list[tuple[int, bool, float]]] = {}
    stack: list[tuple[int, list[tuple[int, bool, float]]]] = [(0, [])]
    while stack:
        node, path = stack.pop()
        left, right = structure.children_left[node], structure.children_right[node]
        if left == right:
            paths[node] = path
            continue
        column, threshold = int(structure.feature[node]), float(structure.threshold[node])
        stack.append((left, [*path, (column, True, threshold)]))
        stack.append((right, [*path, (column, False, threshold)]))
    return paths
