"""The slice search over every loss view (issue 25 item 3): a continuous loss and a
two-sided signed view each find their planted slice, a deficit too, a view restricted to the
units it covers reports only those, and every view's hypotheses form one family. The tasks
here are small `Outcomes` subclasses of this file (a regressor's loss and bias view, a
tagger's per-label misses), so the slice stage is tested on its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from weakspot.features import FeatureTable, bin_features
from weakspot.inputs import Examples
from weakspot.slices import SearchOptions, find_slices
from weakspot.tasks import LossView, Outcomes


@dataclass(frozen=True)
class Residuals(Outcomes):
    """A regressor's outcomes as the slice stage needs them: |residual| and the residual."""

    binary: ClassVar[bool] = False  # the loss is continuous
    residual: np.ndarray = field(kw_only=True)

    def views(self) -> tuple[LossView, ...]:
        return (
            LossView("error", self.loss),
            LossView("bias", self.residual, two_sided=True, words="bias"),
        )

    def take(self, rows: np.ndarray) -> Residuals:
        return Residuals(self.loss[rows], residual=self.residual[rows], task=self.task)


@dataclass(frozen=True)
class Tags(Outcomes):
    """A two-label tagger: Hamming loss per example, and each label's misses and false
    alarms on the units it covers."""

    binary: ClassVar[bool] = False  # the Hamming loss of two labels is 0, 0.5 or 1
    truth: np.ndarray = field(kw_only=True)
    predicted: np.ndarray = field(kw_only=True)

    def views(self) -> tuple[LossView, ...]:
        views = [LossView("error", self.loss)]
        for j, name in enumerate(("stripes", "dots")):
            wrong = (self.truth[:, j] != self.predicted[:, j]).astype(float)
            views.append(LossView(f"missed:{name}", wrong, covers=self.truth[:, j]))
            views.append(LossView(f"false_alarm:{name}", wrong, covers=~self.truth[:, j]))
        return tuple(views)

    def take(self, rows: np.ndarray) -> Tags:
        return Tags(
            self.loss[rows], truth=self.truth[rows], predicted=self.predicted[rows], task=self.task
        )


def _search(outcomes: Outcomes, meta: pd.DataFrame, **options):
    examples = Examples(ids=np.arange(len(meta)).astype(str), outcomes=outcomes, metadata=meta)
    table = FeatureTable(columns=meta, binned=bin_features(meta))
    return find_slices(examples, table, SearchOptions(methods=["lattice"], **options))


def _regression_table(seed: int, n: int):
    rng = np.random.default_rng(seed)
    meta = pd.DataFrame(
        {
            "site": rng.choice(list("ABCD"), n),
            "age": rng.normal(50, 10, n).round(1),
            "device": rng.choice(["old", "new"], n),
        }
    )
    return meta, rng.normal(size=n)


def test_a_biased_slice_and_a_noisy_one_are_found_each_on_its_view():
    meta, residual = _regression_table(0, 3000)
    site, device = meta.site.to_numpy(), meta.device.to_numpy()
    residual[meta.age.to_numpy() >= 62] *= 4  # errs both ways: large errors, no bias
    residual[site == "A"] += 1.5  # over-estimates at site A
    residual[(site == "B") & (device == "old")] -= 1.5  # under-estimates there
    search = _search(Residuals(np.abs(residual), residual=residual, task="t"), meta)
    found = {(s.view, s.rule()): s for s in search.slices}
    over = found["bias", "site == A"].stats
    assert over.error_rate > 1.2 and over.rest_error_rate < 0.2  # mean residual inside, outside
    under = found["bias", "site == B and device == old"].stats
    assert under.error_rate < -1.2 and under.excess_errors < 0
    assert under.lift > 1.1 and under.lift_ci is not None and under.lift_ci[0] > 1
    noisy = [s for (view, rule), s in found.items() if view == "error" and "age" in rule]
    assert noisy, sorted(found)
    assert noisy[0].stats.lift > 2  # the loss ratio: mean |residual| inside over outside
    # the slice that errs both ways is not called biased
    assert not [rule for view, rule in found if view == "bias" and rule.startswith("age")]


def test_the_finalists_of_a_continuous_loss_carry_the_permutation_p_value():
    meta, residual = _regression_table(1, 1500)
    residual[meta.site.to_numpy() == "C"] += 1.0
    search = _search(Residuals(np.abs(residual), residual=residual, task="t"), meta)
    for item in search.slices:
        stats = item.stats
        # (1 + hits) / (1 + draws) on at least 999 draws: never below 1 / 200,000
        assert 1 / 200_000 <= stats.p_value <= 0.05
        assert stats.p_value != stats.search_p_value
        assert stats.ci[0] <= stats.error_rate <= stats.ci[1]
    again = _search(Residuals(np.abs(residual), residual=residual, task="t"), meta)
    assert [(s.rule(), s.stats.p_value, s.stats.lift_ci) for s in again.slices] == [
        (s.rule(), s.stats.p_value, s.stats.lift_ci) for s in search.slices
    ]


def test_min_lift_applies_to_the_loss_ratio():
    meta, residual = _regression_table(2, 3000)
    residual[meta.site.to_numpy() == "D"] *= 1.6
    loose = _search(Residuals(np.abs(residual), residual=residual, task="t"), meta, min_lift=1.1)
    strict = _search(Residuals(np.abs(residual), residual=residual, task="t"), meta, min_lift=2.0)
    assert any(s.rule() == "site == D" and s.view == "error" for s in loose.slices)
    assert all(s.stats.lift >= 2.0 for s in strict.slices)
    assert not any(s.rule() == "site == D" for s in strict.slices)


def test_a_view_restricted_to_the_units_it_covers_reports_only_those():
    rng = np.random.default_rng(3)
    n = 4000
    meta = pd.DataFrame(
        {"light": rng.choice(["dark", "dim", "bright"], n), "x": rng.normal(size=n)}
    )
    truth = rng.random((n, 2)) < 0.4
    flip = rng.random((n, 2)) < 0.05
    dark = meta.light.to_numpy() == "dark"
    flip[:, 0] |= dark & truth[:, 0] & (rng.random(n) < 0.5)  # stripes missed in the dark
    predicted = truth ^ flip
    hamming = (truth != predicted).mean(axis=1)
    search = _search(Tags(hamming, truth=truth, predicted=predicted, task="t"), meta)
    missed = [s for s in search.slices if s.view == "missed:stripes"]
    assert [s.rule() for s in missed] == ["light == dark"]
    members = missed[0].members
    assert truth[members, 0].all()  # only images that have stripes
    assert len(members) == int((dark & truth[:, 0]).sum())
    assert missed[0].stats.errors == int(flip[members, 0].sum())  # a 0/1 view: counts
    assert missed[0].stats.lift_ci is None  # and the exact test, as for a classifier
    assert not [s for s in search.slices if s.view.startswith("false_alarm")]


def test_every_view_s_hypotheses_are_one_family():
    meta, residual = _regression_table(4, 1000)
    outcomes = Residuals(np.abs(residual), residual=residual, task="t")
    one = _search(outcomes, meta)
    notes = "\n".join(one.notes)
    evaluated = [
        int(note.split(": ")[-1].split(" candidate")[0])
        + int(note.split(", ")[1].split(" pruned")[0])
        for note in one.notes
        if "candidate slices evaluated" in note
    ]
    assert len(evaluated) == 3, notes  # error; bias excess; bias deficit
    assert one.counts["tested"] == sum(evaluated)


def test_dask_finds_the_same_slices_of_a_continuous_and_a_signed_loss(dask_client):
    from weakspot.engine._dask import DaskEngine

    meta, residual = _regression_table(5, 2000)
    residual[meta.site.to_numpy() == "A"] += 1.2  # a bias, and larger squared errors
    outcomes = Residuals(residual**2, residual=residual, task="t")
    examples = Examples(ids=np.arange(2000).astype(str), outcomes=outcomes, metadata=meta)
    table = FeatureTable(columns=meta, binned=bin_features(meta))
    options = SearchOptions(methods=["lattice"])
    here = find_slices(examples, table, options)
    there = find_slices(
        examples, table, options, engine=DaskEngine(dask_client, rows_per_partition=700)
    )
    assert {s.view for s in here.slices} == {"error", "bias"}
    # the same slices; a continuous loss's sums are added per partition, in another order, so
    # the figures agree to rounding (a 0/1 loss's counts agree exactly, tests/engine)
    assert [(s.view, s.rule(), s.members.tolist()) for s in there.slices] == [
        (s.view, s.rule(), s.members.tolist()) for s in here.slices
    ]
    for a, b in zip(there.slices, here.slices, strict=True):
        for key, value in a.stats.to_dict().items():
            assert np.allclose(value, b.stats.to_dict()[key], rtol=1e-9, atol=0), key
