"""A deterministic greedy all-pairs covering array, with pairs that cannot be combined.

`all_pairs` returns cases (one value per factor) such that every allowed pair of values of two
factors occurs in at least one case, far fewer than the full product. Greedy, in the manner of
AETG without its random restarts: each new case starts from the first pair not yet covered (in
the factors' order), then takes, factor by factor, the value that covers the most new pairs
with the values already chosen, the first such value on a tie. The same factors always give the
same cases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations


@dataclass(frozen=True)
class Impossible:
    """Two values that no case may hold together, and why."""

    first: tuple[str, str]  # (factor, value)
    second: tuple[str, str]
    reason: str

    def forbids(self, case: Mapping[str, str]) -> bool:
        """Whether `case` (possibly partial) holds both values."""
        return all(case.get(factor) == value for factor, value in (self.first, self.second))


Pair = tuple[tuple[str, str], tuple[str, str]]


def all_pairs(
    factors: Mapping[str, Sequence[str]],
    impossible: Sequence[Impossible] = (),
    *,
    seeds: Sequence[Mapping[str, str]] = (),
) -> list[dict[str, str]]:
    """Cases covering every allowed pair of `factors`' values, the `seeds` first.

    Parameters
    ----------
    factors : mapping of factor name to its values
    impossible : sequence of Impossible
        Pairs that no case holds; they need no covering.
    seeds : sequence of mappings
        Cases that must be in the array (completed greedily where they leave a factor out).

    Returns
    -------
    list of dict, factor name -> value, every factor set
    """
    names = list(factors)
    uncovered: list[Pair] = [
        ((a, va), (b, vb))
        for a, b in combinations(names, 2)
        for va in factors[a]
        for vb in factors[b]
        if not any(rule.forbids({a: va, b: vb}) for rule in impossible)
    ]
    todo = set(uncovered)
    cases: list[dict[str, str]] = []
    starts: list[dict[str, str]] = [dict(seed) for seed in seeds]
    while todo or starts:
        if starts:
            case = starts.pop(0)
        else:
            (a, va), (b, vb) = next(pair for pair in uncovered if pair in todo)
            case = {a: va, b: vb}
        for name in names:
            if name not in case:
                case[name] = _best_value(name, factors[name], case, todo, impossible)
        if any(rule.forbids(case) for rule in impossible):
            raise ValueError(f"a seed or the greedy choice holds an impossible pair: {case}")
        todo -= _pairs_of(case, names)
        cases.append({name: case[name] for name in names})
    return cases


def _best_value(
    name: str,
    values: Sequence[str],
    case: dict[str, str],
    todo: set[Pair],
    impossible: Sequence[Impossible],
) -> str:
    """The value of `name` that covers most uncovered pairs with `case`; the first on a tie."""
    best, best_gain = None, -1
    for value in values:
        trial = {**case, name: value}
        if any(rule.forbids(trial) for rule in impossible):
            continue
        gain = sum(
            ((n, v), (name, value)) in todo or ((name, value), (n, v)) in todo
            for n, v in case.items()
        )
        if gain > best_gain:
            best, best_gain = value, gain
    if best is None:
        raise ValueError(f"no value of {name!r} can join {case}")
    return best


def _pairs_of(case: Mapping[str, str], names: list[str]) -> set[Pair]:
    return {((a, case[a]), (b, case[b])) for a, b in combinations(names, 2)}


def uncovered_pairs(
    cases: Sequence[Mapping[str, str]],
    factors: Mapping[str, Sequence[str]],
    impossible: Sequence[Impossible] = (),
) -> list[Pair]:
    """Allowed pairs that no case holds (empty for a covering array)."""
    names = list(factors)
    held = set().union(*(_pairs_of(case, names) for case in cases)) if cases else set()
    return [
        ((a, va), (b, vb))
        for a, b in combinations(names, 2)
        for va in factors[a]
        for vb in factors[b]
        if ((a, va), (b, vb)) not in held
        and not any(rule.forbids({a: va, b: vb}) for rule in impossible)
    ]
