"""The embedding finders (domino, failure_direction, barlow): planted clusters, nulls, honesty."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tests.explain.embedding_tasks import best_f1, embedding_task, run_finder
from weakspot import InputError
from weakspot.slices import FINDERS
from weakspot.stats import excess_error_p_value

EMBEDDING_FINDERS = ["domino", "failure_direction", "barlow"]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    ("name", "within_class", "min_f1"),
    [
        ("domino", True, 0.8),
        ("failure_direction", True, 0.8),
        ("failure_direction", False, 0.75),
        ("barlow", True, 0.7),
    ],
)
def test_planted_cluster_is_recovered(name, within_class, min_f1, seed):
    task = embedding_task(seed, within_class=within_class)
    members = run_finder(FINDERS[name](), task)
    assert best_f1(members, task.planted) >= min_f1


@pytest.mark.parametrize("seed", [100, 101, 102])
@pytest.mark.parametrize("name", EMBEDDING_FINDERS)
def test_random_errors_give_no_slice(name, seed):
    task = embedding_task(seed, null=True)
    assert run_finder(FINDERS[name](), task) == []


@pytest.mark.parametrize("name", EMBEDDING_FINDERS)
def test_p_values_come_from_the_held_out_half_only(name):
    task = embedding_task(3, within_class=True)
    context = task.context
    output = FINDERS[name]().find(context)
    assert output.slices
    np.testing.assert_array_equal(output.family_p_values, output.proposed_p_values)
    n = len(context.errors)
    grow = np.zeros(n, dtype=bool)
    grow[np.random.default_rng(context.random_state).permutation(n)[: n // 2]] = True
    held = ~grow
    for item, p in zip(output.slices, output.proposed_p_values, strict=True):
        mask = np.zeros(n, dtype=bool)
        mask[item.members] = True
        errors = int(context.errors[mask & held].sum())
        size = int((mask & held).sum())
        assert item.details["held_out_size"] == size
        assert item.details["held_out_errors"] == errors
        expected = excess_error_p_value(
            [errors], [size], int(context.errors[held].sum()), int(held.sum())
        )[0]
        assert p == pytest.approx(expected, rel=1e-12)
        assert item.conditions is None
        assert item.method == name


@pytest.mark.parametrize("name", EMBEDDING_FINDERS)
def test_without_embeddings_nothing_is_found(name):
    context = dataclasses.replace(embedding_task(0).context, embeddings=None)
    output = FINDERS[name]().find(context)
    assert output.slices == []
    assert output.family_p_values.shape == (0,)


@pytest.mark.parametrize("name", EMBEDDING_FINDERS)
def test_embeddings_of_the_wrong_length_are_refused(name):
    context = embedding_task(0).context
    with pytest.raises(InputError, match=r"must have shape \(n, d\) with n = 4000 rows"):
        FINDERS[name]().find(dataclasses.replace(context, embeddings=context.embeddings[:-5]))


@pytest.mark.parametrize("name", EMBEDDING_FINDERS)
def test_rows_without_an_embedding_are_never_members(name):
    context = embedding_task(1, within_class=True).context
    embeddings = context.embeddings.copy()
    missing = np.arange(0, 4000, 7)
    embeddings[missing] = np.nan
    output = FINDERS[name]().find(dataclasses.replace(context, embeddings=embeddings))
    assert output.slices
    for item in output.slices:
        assert not np.isin(item.members, missing).any()


@pytest.mark.parametrize("name", EMBEDDING_FINDERS)
def test_same_seed_same_slices(name):
    first = FINDERS[name]().find(embedding_task(4).context)
    second = FINDERS[name]().find(embedding_task(4).context)
    assert [s.members.tolist() for s in first.slices] == [s.members.tolist() for s in second.slices]
    np.testing.assert_array_equal(first.family_p_values, second.family_p_values)


def test_barlow_slices_name_their_features():
    output = FINDERS["barlow"]().find(embedding_task(0, within_class=True).context)
    item = output.slices[0]
    features = item.details["embedding_features"]
    assert features and all(0 <= f < 64 for f in features)
    assert item.details["rule"][0]["op"] in ("<=", ">")
    assert f"embedding feature {features[0]}" in item.label
