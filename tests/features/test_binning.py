"""`bin_features`: readable edges, missing and rare values, exact categories, and a recount."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weakspot.features._binning import bin_features
from weakspot.features._condition import Condition

INF = float("inf")


def described(frame: pd.DataFrame, **options) -> dict[str, list[str]]:
    binned = bin_features(frame, **options)
    return {
        name: [c.describe() for c in bins]
        for name, bins in zip(binned.names, binned.bins, strict=True)
    }


def selects(column: pd.Series, condition: Condition) -> np.ndarray:
    """The rows `condition` selects in `column`, evaluated with pandas (independently of codes)."""
    present = column.notna().to_numpy()
    if condition.op == "is missing":
        return ~present
    if condition.op == "in":
        low, high = condition.value
        values = pd.to_numeric(column).astype(float)
        return ((values >= low) & (values < high)).fillna(False).to_numpy(dtype=bool)
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    # numbers compare as numbers (-0.0 is 0.0); everything else by its text
    values = column if numeric else column.astype("string")
    if condition.op == "not in":
        listed = [float(v) for v in condition.value] if numeric else condition.value
        return present & ~values.isin(listed).fillna(False).to_numpy(dtype=bool)
    assert condition.op == "==", condition
    assert numeric != isinstance(condition.value, str), condition
    return (values == condition.value).fillna(False).to_numpy(dtype=bool)


def test_quantile_edges_are_rounded_to_two_significant_digits():
    # the 20/40/60/80% quantiles of 1..100 are 20.8, 40.6, 60.4, 80.2
    binned = bin_features(pd.DataFrame({"age": np.arange(1, 101)}))
    assert binned.bins[0] == [
        Condition("age", "in", [-INF, 21.0]),
        Condition("age", "in", [21.0, 41.0]),
        Condition("age", "in", [41.0, 60.0]),
        Condition("age", "in", [60.0, 80.0]),
        Condition("age", "in", [80.0, INF]),
    ]
    assert [c.describe() for c in binned.bins[0]] == [
        "age < 21",
        "age in [21, 41)",
        "age in [41, 60)",
        "age in [60, 80)",
        "age >= 80",
    ]
    assert np.bincount(binned.codes[:, 0]).tolist() == [20, 20, 19, 20, 21]


def test_edges_keep_four_digits_where_two_would_merge_them():
    # 1000.0 .. 1009.9: every quantile rounds to 1000 at two digits
    frame = pd.DataFrame({"pressure": 1000 + np.arange(100) / 10})
    assert described(frame)["pressure"] == [
        "pressure < 1002",
        "pressure in [1002, 1004)",
        "pressure in [1004, 1006)",
        "pressure in [1006, 1008)",
        "pressure >= 1008",
    ]


def test_no_edge_at_or_below_the_minimum():
    # 60% of the rows are 0: the 20% and 40% quantiles are 0 and make no bin of their own
    frame = pd.DataFrame({"count": np.r_[np.zeros(60), np.arange(1, 41)]})
    binned = bin_features(frame)
    assert [c.describe() for c in binned.bins[0]] == [
        "count < 0.4",
        "count in [0.4, 20)",
        "count >= 20",
    ]
    assert np.bincount(binned.codes[:, 0]).tolist() == [60, 19, 21]


def test_outer_bins_are_open_and_n_bins_sets_their_number():
    binned = bin_features(pd.DataFrame({"x": np.linspace(-5, 5, 200)}), n_bins=3)
    first, *_, last = binned.bins[0]
    assert first.value[0] == -INF and last.value[1] == INF
    assert len(binned.bins[0]) == 3


def test_missing_values_get_a_bin_of_their_own():
    frame = pd.DataFrame(
        {
            "v": [1.5, np.nan, 2.5, 3.5, 4.5, 5.5, 6.5, np.nan] * 10,
            "site": ["a", None, "b", "a", "c", "a", "b", "a"] * 10,
            "n": pd.array([1, None, 2, 3, 1, 1, 2, 1] * 10, dtype="Int64"),
        }
    )
    binned = bin_features(frame)
    assert [c.describe() for c in binned.bins[0]][-1] == "v is missing"
    assert [c.describe() for c in binned.bins[1]] == [
        "site == a",
        "site == b",
        "site == c",
        "site is missing",
    ]
    assert [c.describe() for c in binned.bins[2]] == ["n == 1", "n == 2", "n == 3", "n is missing"]
    for j in range(3):
        missing_bin = len(binned.bins[j]) - 1
        np.testing.assert_array_equal(binned.codes[:, j] == missing_bin, frame.iloc[:, j].isna())


def test_rare_categories_share_a_not_in_bin():
    site = ["a"] * 50 + ["b"] * 30 + ["c"] * 15 + ["d"] * 3 + ["e"] * 2
    binned = bin_features(pd.DataFrame({"site": site}), min_category_share=0.05)
    assert binned.bins[0] == [
        Condition("site", "==", "a"),
        Condition("site", "==", "b"),
        Condition("site", "==", "c"),
        Condition("site", "not in", ["a", "b", "c"]),
    ]
    assert binned.bins[0][-1].describe() == "site not in {a, b, c}"
    assert np.bincount(binned.codes[:, 0]).tolist() == [50, 30, 15, 5]


def test_categories_past_max_categories_go_to_other():
    site = ["a"] * 40 + ["b"] * 30 + ["c"] * 20 + ["d"] * 10
    assert described(pd.DataFrame({"site": site}), max_categories=2)["site"] == [
        "site == a",
        "site == b",
        "site not in {a, b}",
    ]


def test_a_lone_rare_value_is_named():
    site = ["a"] * 50 + ["b"] * 30 + ["c"] * 18 + ["e"] * 2
    binned = bin_features(pd.DataFrame({"site": site}), min_category_share=0.05)
    assert binned.bins[0][-1] == Condition("site", "==", "e")
    assert binned.codes[-2:, 0].tolist() == [3, 3]


def test_numeric_columns_with_few_values_are_categories_with_exact_values():
    frame = pd.DataFrame(
        {"grade": [1, 2, 2, 3] * 25, "dose": [0.123456, 2.5] * 50, "flag": [True, False] * 50}
    )
    binned = bin_features(frame)
    grade, dose, flag = binned.bins
    # most frequent first; the condition holds the number itself, not its text
    assert grade == [
        Condition("grade", "==", 2),
        Condition("grade", "==", 1),
        Condition("grade", "==", 3),
    ]
    assert all(type(c.value) is int for c in grade)
    assert dose == [Condition("dose", "==", 0.123456), Condition("dose", "==", 2.5)]
    assert dose[0].describe() == "dose == 0.123"
    # booleans are categories even though numpy counts them as numbers
    assert [c.describe() for c in flag] == ["flag == False", "flag == True"]
    assert binned.codes[:4].tolist() == [[1, 0, 1], [0, 1, 0], [0, 0, 1], [2, 1, 0]]


def test_minus_zero_and_zero_share_one_bin():
    binned = bin_features(pd.DataFrame({"shift": [-0.0, 0.0, 1.0, 0.0] * 10}))
    assert binned.bins[0] == [Condition("shift", "==", 0.0), Condition("shift", "==", 1.0)]
    assert binned.codes[:4, 0].tolist() == [0, 0, 1, 0]


@pytest.mark.parametrize(("n_categories", "dtype"), [(256, np.uint8), (257, np.uint16)])
def test_codes_are_the_smallest_unsigned_type(n_categories, dtype):
    frame = pd.DataFrame({"id": [f"v{i:03d}" for i in range(n_categories)]})
    binned = bin_features(frame, max_categories=1000, min_category_share=0.0)
    assert binned.codes.dtype == dtype
    assert binned.codes.shape == (n_categories, 1)
    assert int(binned.codes.max()) == n_categories - 1
    assert binned.domains.tolist() == [n_categories]


def test_a_frame_without_columns_gives_no_bins():
    binned = bin_features(pd.DataFrame(index=range(5)))
    assert (binned.codes.shape, binned.codes.dtype, binned.names, binned.bins) == (
        (5, 0),
        np.uint8,
        [],
        [],
    )


def test_bins_do_not_depend_on_row_order():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=300),
            "site": rng.choice(["b", "a", "c"], 300),  # ties broken by value, not by first seen
            "tie": ["q"] * 150 + ["p"] * 150,
        }
    )
    shuffled = frame.sample(frac=1.0, random_state=1)
    binned, again = bin_features(frame), bin_features(shuffled.reset_index(drop=True))
    assert binned.bins == again.bins
    assert binned.bins[2] == [Condition("tie", "==", "p"), Condition("tie", "==", "q")]
    np.testing.assert_array_equal(binned.codes[shuffled.index.to_numpy()], again.codes)


@st.composite
def frames(draw) -> pd.DataFrame:
    n = draw(st.integers(1, 120))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    columns: dict[str, object] = {
        "real": rng.normal(size=n).round(draw(st.integers(0, 3))),
        "count": rng.integers(0, draw(st.integers(1, 12)), n),
        "site": rng.choice(list("abcdefg")[: draw(st.integers(1, 7))], n),
        "flag": rng.random(n) < 0.3,
    }
    frame = pd.DataFrame(columns)
    frame["site"] = frame["site"].astype(object)
    for name in ("real", "site"):
        holes = rng.random(n) < draw(st.sampled_from([0.0, 0.1, 0.5]))
        frame.loc[holes, name] = None
    return frame


@settings(max_examples=40, deadline=None)
@given(
    frame=frames(),
    n_bins=st.integers(2, 6),
    max_categories=st.integers(1, 5),
    share=st.sampled_from([0.0, 0.05, 0.2]),
)
def test_every_row_is_in_one_bin_and_each_condition_selects_its_rows(
    frame, n_bins, max_categories, share
):
    binned = bin_features(
        frame, n_bins=n_bins, max_categories=max_categories, min_category_share=share
    )
    assert binned.codes.shape == frame.shape
    assert binned.names == list(frame.columns)
    for j, name in enumerate(binned.names):
        codes = binned.codes[:, j]
        assert codes.max() < len(binned.bins[j])
        selected = np.array([selects(frame[name], c) for c in binned.bins[j]])
        # each row is selected by exactly one condition, the one of its code
        assert selected.sum(axis=0).tolist() == [1] * len(frame)
        np.testing.assert_array_equal(selected.argmax(axis=0), codes)


def _categories_row_by_row(column: pd.Series, max_categories: int, min_share: float):
    """The binning's categories as it made them before: every row's text, counted."""
    if pd.api.types.is_float_dtype(column):
        column = column + 0.0
    as_text = column.astype("string")
    order = sorted(as_text.value_counts().items(), key=lambda kv: (-kv[1], str(kv[0])))
    keep = [str(v) for v, c in order if c >= min_share * len(column)][:max_categories]
    lookup = {v: i for i, v in enumerate(keep)}
    rest = len(order) - len(keep)
    codes = as_text.map(lookup).astype("Float64").fillna(len(keep)).to_numpy(dtype=np.float64)
    codes[as_text.isna().to_numpy()] = len(keep) + (1 if rest else 0)
    return codes.astype(np.uint16), keep


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.sampled_from([1, 2, "1", "b", None, 2.0, True]),
            st.integers(-3, 3),
        ),
        min_size=1,
        max_size=60,
    ),
    kind=st.sampled_from(["object", "int", "float", "str", "category"]),
)
def test_categories_by_distinct_value_equal_the_row_by_row_text(values, kind):
    from weakspot.features._binning import _bin_categorical

    column = pd.Series(values, dtype=object)
    if kind == "int":
        column = pd.Series([v for v in values if isinstance(v, int)] or [0], dtype="int64")
    elif kind == "float":
        column = pd.Series([float(v) if isinstance(v, int) else np.nan for v in values] + [-0.0])
    elif kind == "str":
        column = column.astype("str").where(column.notna(), None).astype("str")
    elif kind == "category":
        column = column.map(lambda v: None if v is None else str(v)).astype("category")
    codes, conditions = _bin_categorical("x", column, max_categories=4, min_share=0.05)
    expected_codes, keep = _categories_row_by_row(column, 4, 0.05)
    assert codes.tolist() == expected_codes.tolist()
    assert [str(c.value) for c in conditions[: len(keep)]] == [
        str(_display(column).get(v, v)) for v in keep
    ]


def _display(column: pd.Series) -> dict:
    from weakspot.features._binning import _display_values

    return _display_values(column)
