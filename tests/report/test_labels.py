"""A tagger's words in the reports (`weakspot.report._labels`): the headline, the per-label
rows, the recall gaps and the per-label paired comparison."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from weakspot import InputError
from weakspot.report import gap_sentence, label_gaps, label_headline, label_rows
from weakspot.report._labels import label_changes, markdown_label_lines


def _doc():
    ci = [0.5, 0.7]
    labels = [
        {
            "label": "cat",
            "support": 40,
            "predicted": 30,
            "precision": 0.9,
            "precision_ci": ci,
            "recall": 0.675,
            "recall_ci": ci,
            "f1": 0.771,
            "f1_ci": ci,
        },
        {
            "label": "zebra",
            "support": 0,
            "predicted": 0,
            "precision": None,
            "precision_ci": [0.0, 1.0],
            "recall": None,
            "recall_ci": [0.0, 1.0],
            "f1": None,
            "f1_ci": None,
        },
    ]

    def group(name, recall, low, high):
        return {
            "feature": "site",
            "group": name,
            "n": 50,
            "per_label": [{**labels[0], "recall": recall, "recall_ci": [low, high]}, labels[1]],
        }

    return {
        "dataset": {},
        "overall": {
            "n": 1200,
            "n_labels": 2,
            "labels": ["cat", "zebra"],
            "subset_accuracy": 0.8125,
            "subset_accuracy_ci": [0.79, 0.834],
            "hamming_loss": 0.0923,
            "hamming_loss_ci": [0.081, 0.104],
            "errors": 225,
            "per_label": labels,
        },
        "disaggregated": {
            "groups": [group("site == A", 0.95, 0.88, 0.98), group("site == C", 0.3, 0.2, 0.42)],
            "features": [
                {
                    "feature": "site",
                    "label_gaps": [
                        {
                            "label": "cat",
                            "recall_gap": 0.65,
                            "best_group": "site == A",
                            "worst_group": "site == C",
                            "gap_significant": True,
                        }
                    ],
                }
            ],
        },
    }


def test_the_headline_and_rows_say_every_figure_and_a_dash_where_undefined():
    doc = _doc()
    assert label_headline(doc) == (
        "1,200 examples, 2 labels: subset accuracy 81.2% (95% CI 79.0%-83.4%), Hamming loss "
        "0.092 (95% CI 0.081-0.104), 225 examples with a wrong label"
    )
    assert label_rows(doc) == [
        ["cat", "40", "30", "0.900 (0.500-0.700)", "0.675 (0.500-0.700)", "0.771 (0.500-0.700)"],
        ["zebra", "0", "0", "-", "-", "-"],
    ]


def test_a_significant_recall_gap_names_both_groups():
    (gap,) = label_gaps(_doc())
    assert gap_sentence(gap) == (
        "cat: recall 30% (20%-42%) where site == C vs 95% (88%-98%) where site == A"
    )
    lines = markdown_label_lines(_doc(), lambda v, in_table=True: f"`{v}`")
    assert "| `cat` | 40 | 30 | 0.900 (0.500-0.700) |" in "\n".join(lines)
    assert lines[-1] == "- `cat`: recall 30% where `site == C` vs 95% where `site == A`"


def _examples(truth, predicted):
    return pd.DataFrame(
        {
            "label": [json.dumps(s) for s in truth],
            "prediction": [json.dumps(s) for s in predicted],
        }
    )


def test_each_labels_change_is_tested_on_the_examples_whose_outcome_flipped():
    rng = np.random.default_rng(0)
    names = ["a", "b"]
    truth = [[n for n in names if rng.random() < 0.5] for _ in range(300)]

    def noisy(rate_a):
        return [
            [n for n in names if (n in t) != (rng.random() < (rate_a if n == "a" else 0.1))]
            for t in truth
        ]

    old, new = _examples(truth, noisy(0.05)), _examples(truth, noisy(0.3))
    a, b = label_changes(old, new)
    assert (a["label"], b["label"]) == ("a", "b")
    wrong = {
        side: np.array(
            [
                ("a" in json.loads(t)) != ("a" in json.loads(p))
                for t, p in zip(frame["label"], frame["prediction"], strict=True)
            ]
        )
        for side, frame in (("old", old), ("new", new))
    }
    table = [
        [int((~wrong["old"] & ~wrong["new"]).sum()), int((~wrong["old"] & wrong["new"]).sum())],
        [int((wrong["old"] & ~wrong["new"]).sum()), int((wrong["old"] & wrong["new"]).sum())],
    ]
    assert a["newly_wrong"] == table[0][1] and a["newly_right"] == table[1][0]
    flips = table[0][1] + table[1][0]  # McNemar's exact test: the flips split evenly
    assert a["p_value"] == pytest.approx(binomtest(table[0][1], flips, 0.5).pvalue)
    assert a["p_value"] < 1e-6 and a["delta"] > 0.15
    low, high = sorted([a["p_value"], b["p_value"]])
    holm = sorted([min(1.0, 2 * low), max(min(1.0, 2 * low), high)])
    assert sorted([a["p_holm"], b["p_holm"]]) == pytest.approx(holm)
    assert a["test"] == "mcnemar"


def test_a_classifiers_examples_are_refused_for_a_label_comparison():
    frame = pd.DataFrame({"label": ["cat"], "prediction": ["dog"]})
    with pytest.raises(InputError, match=r"must hold JSON lists of labels"):
        label_changes(frame, frame)
