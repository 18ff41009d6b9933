"""A multi-label table through `weakspot.analyze`, the files it writes and the command line: the
planted failure (label "stripes" missed at site C) is found as a `missed:stripes` slice, and
the JSON, Markdown, HTML and terminal say so in the tagger's words."""

import json

import numpy as np
import pandas as pd
import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

import weakspot
from weakspot.cli import app
from weakspot.report import analysis_schema

NAMES = ["cat", "dog", "stripes"]


def tag_table(n=1500, seed=0):
    """Three labels, each prediction wrong 6% of the time; at site C, 'stripes' is also missed
    on 70% of the examples that have it."""
    rng = np.random.default_rng(seed)
    site = rng.choice(list("ABCD"), n)
    truth = rng.random((n, 3)) < [0.4, 0.3, 0.35]
    predicted = truth ^ (rng.random((n, 3)) < 0.06)
    predicted[(site == "C") & truth[:, 2] & (rng.random(n) < 0.7), 2] = False
    frame = pd.DataFrame({f"label_{k}": truth[:, j].astype(int) for j, k in enumerate(NAMES)})
    for j, k in enumerate(NAMES):
        frame[f"pred_{k}"] = predicted[:, j].astype(int)
    frame["site"] = site
    frame["brightness"] = rng.uniform(0, 1, n).round(3)
    return frame


def _as_lists(frame):
    def sets(prefix):
        return [
            json.dumps([k for k in NAMES if row[f"{prefix}{k}"]])
            for row in frame.to_dict("records")
        ]

    return pd.DataFrame(
        {
            "labels": sets("label_"),
            "predictions": sets("pred_"),
            "site": frame["site"],
            "brightness": frame["brightness"],
        }
    )


@pytest.fixture(scope="module")
def analysis():
    return weakspot.analyze(tag_table(), task="multilabel")


def _missed_stripes(doc):
    return [
        s for s in doc["slices"] if s.get("view") == "missed:stripes" and s["rule"] == "site == C"
    ]


def test_the_planted_miss_is_found_as_a_missed_stripes_slice(analysis):
    doc = analysis.to_dict()
    (found,) = _missed_stripes(doc)
    table = tag_table()
    members = (table["site"] == "C") & (table["label_stripes"] == 1)
    assert found["size"] == int(members.sum())  # the view covers the label's positives
    missed = (table["pred_stripes"] == 0)[members].mean()
    assert found["error_rate"] == pytest.approx(missed)
    assert found["q_value"] < 0.05


def test_the_document_records_the_task_and_the_taggers_metrics(analysis):
    doc = analysis.to_dict()
    Draft202012Validator(analysis_schema()).validate(doc)
    assert doc["task"]["name"] == "multilabel" and doc["task"]["binary_loss"] is False
    overall = doc["overall"]
    assert overall["labels"] == NAMES
    stripes = overall["per_label"][2]
    assert stripes["label"] == "stripes" and stripes["recall"] < overall["per_label"][0]["recall"]
    site = next(f for f in doc["disaggregated"]["features"] if f["feature"] == "site")
    gap = next(g for g in site["label_gaps"] if g["label"] == "stripes")
    assert gap["worst_group"] == "site == C" and gap["gap_significant"]


def test_every_list_form_finds_the_same_slices(analysis):
    from_lists = weakspot.analyze(_as_lists(tag_table()), task="multilabel")
    assert from_lists.to_dict()["slices"] == analysis.to_dict()["slices"]
    assert from_lists.overall == analysis.overall


def test_markdown_and_html_show_the_per_label_table_and_the_slice(analysis, tmp_path):
    paths = weakspot.write_results(analysis, tmp_path / "out")
    markdown = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert "## Labels" in markdown
    assert "| `stripes` |" in markdown
    assert "recall" in markdown and "site == C" in markdown
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Per label" in html and "Recall per label" in html
    assert "stripes: recall by site" in html
    assert "missed" in html
    assert paths  # every file written
    again = weakspot.write_results(
        weakspot.analyze(tag_table(), task="multilabel"), tmp_path / "again"
    )
    assert again
    for name in ("analysis.json", "summary.md", "report.html"):
        first = (tmp_path / "out" / name).read_bytes()
        assert first == (tmp_path / "again" / name).read_bytes(), name


def test_the_command_line_analyses_a_tagger(tmp_path):
    table = tmp_path / "tags.csv"
    tag_table().to_csv(table, index=False)
    runner = CliRunner()
    result = runner.invoke(
        app, ["analyze", str(table), "--task", "multilabel", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "subset accuracy" in result.output and "Hamming loss" in result.output
    assert "stripes" in result.output and "site == C" in result.output
    doc = json.loads((tmp_path / "out" / "analysis.json").read_text(encoding="utf-8"))
    assert _missed_stripes(doc)


def test_the_command_line_reads_separated_lists_and_a_threshold(tmp_path):
    frame = _as_lists(tag_table(n=300))
    frame["labels"] = [";".join(json.loads(cell)) for cell in frame["labels"]]
    frame = frame.drop(columns="predictions")
    rng = np.random.default_rng(1)
    for k in NAMES:
        frame[f"proba_{k}"] = rng.uniform(0, 1, len(frame)).round(3)
    table = tmp_path / "tags.csv"
    frame.to_csv(table, index=False)
    args = ["analyze", str(table), "--task", "multilabel", "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(app, [*args, "--separator", ";", "--threshold", "0.7"])
    assert result.exit_code == 0, result.output
    doc = json.loads((tmp_path / "out" / "analysis.json").read_text(encoding="utf-8"))
    Draft202012Validator(analysis_schema()).validate(doc)
    assert doc["task"]["threshold"] == 0.7 and doc["task"]["separator"] == ";"
    predicted = (frame[[f"proba_{k}" for k in NAMES]] >= 0.7).sum().tolist()
    assert [r["predicted"] for r in doc["overall"]["per_label"]] == predicted
    refused = CliRunner().invoke(app, [*args, "--threshold", "2", "--overwrite"])
    assert refused.exit_code == 2
    assert "--threshold must lie strictly between 0 and 1" in refused.output


@pytest.mark.parametrize("form", ["0/1 columns", "lists"])
def test_a_training_table_without_predictions_is_read_by_the_taggers_forms(form):
    evaluation, train = tag_table(n=600), tag_table(n=400, seed=5)
    if form == "lists":
        evaluation, train = _as_lists(evaluation), _as_lists(train).drop(columns="predictions")
    else:
        train = train.drop(columns=[f"pred_{k}" for k in NAMES])
    analysis = weakspot.analyze(evaluation, task="multilabel", train=train, methods=["lattice"])
    assert analysis.config["train"] == 400


def test_a_separator_reaches_the_training_table():
    evaluation, train = _as_lists(tag_table(n=600)), _as_lists(tag_table(n=300, seed=5))
    for frame in (evaluation, train):
        for column in ("labels", "predictions"):
            frame[column] = ["|".join(json.loads(cell)) for cell in frame[column]]
    analysis = weakspot.analyze(
        evaluation, task="multilabel", separator="|", train=train, methods=["lattice"]
    )
    assert analysis.config["train"] == 300
    assert analysis.to_dict()["task"]["separator"] == "|"
    with pytest.raises(weakspot.InputError, match=r"In the training table \(train=\): .*JSON"):
        weakspot.analyze(_as_lists(tag_table(n=600)), task="multilabel", train=train)


def test_a_parquet_folder_of_label_lists_sampled_follows_the_schema(tmp_path):
    frame = _as_lists(tag_table(n=3000))
    for column in ("labels", "predictions"):
        frame[column] = [json.loads(cell) for cell in frame[column]]
    for i in range(3):
        frame.iloc[i * 1000 : (i + 1) * 1000].to_parquet(tmp_path / f"part-{i}.parquet")
    analysis = weakspot.analyze(tmp_path, task="multilabel", methods=["lattice"], sample=1500)
    doc = json.loads(json.dumps(analysis.to_dict(), allow_nan=False))
    Draft202012Validator(analysis_schema()).validate(doc)
    assert doc["dataset"]["sample"]["whole"]["rows"] == 3000
    assert _missed_stripes(doc)


def test_verify_and_perturb_refuse_a_taggers_analysis_by_name(analysis, tmp_path):
    out = tmp_path / "results"
    weakspot.write_results(analysis, out)
    table = tmp_path / "tags.csv"
    tag_table().to_csv(table, index=False)
    runner = CliRunner()
    args = ["--train", str(table), "--data", str(table), "--trainer", "embeddings"]
    result = runner.invoke(app, ["verify", str(out), *args])
    assert result.exit_code == 2
    assert "this analysis is of the task 'multilabel', which they do not support" in result.output
    with pytest.raises(weakspot.InputError, match=r"the task 'multilabel'"):
        weakspot.perturb(analysis, lambda images: images, data=tag_table(), out=out)


def test_compare_pairs_each_label_on_the_same_examples(analysis, tmp_path):
    worse = tag_table()
    flip = np.random.default_rng(3).random(len(worse)) < 0.15
    worse.loc[flip, "pred_stripes"] = 1 - worse.loc[flip, "pred_stripes"]
    weakspot.write_results(analysis, tmp_path / "old")
    weakspot.write_results(weakspot.analyze(worse, task="multilabel"), tmp_path / "new")
    args = ["compare", str(tmp_path / "old"), str(tmp_path / "new"), "--out", str(tmp_path / "d")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "stripes: errors" in result.output
    diff = json.loads((tmp_path / "d" / "comparison.json").read_text(encoding="utf-8"))
    assert diff["overall"]["test"] == "wilcoxon"
    labels = {r["label"]: r for r in diff["labels"]}
    assert labels["cat"]["newly_wrong"] == labels["cat"]["newly_right"] == 0
    assert labels["stripes"]["p_holm"] < 1e-6 and labels["stripes"]["delta"] > 0.05
    assert "Per label" in (tmp_path / "d" / "comparison.html").read_text(encoding="utf-8")


GATE = """
[overall]
max_hamming_loss = 0.1
min_subset_accuracy = 0.7
[[groups]]
feature = "site"
group = "site == C"
max_hamming_loss = 0.1
[[labels]]
label = "stripes"
min_recall = 0.9
[[labels]]
label = "cat"
min_precision = 0.85
min_f1 = 0.9
"""


def test_the_gate_holds_a_tagger_to_its_own_limits(analysis, tmp_path):
    out = tmp_path / "results"
    weakspot.write_results(analysis, out)
    config = tmp_path / "gate.toml"
    config.write_text(GATE, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["gate", str(out), "--config", str(config)])
    assert result.exit_code == 1, result.output
    stripes = analysis.overall["per_label"][2]["recall"]
    assert f"| **FAIL** | recall of label stripes | {stripes:.1%} | 90.0% |" in result.output
    assert "| **FAIL** | Hamming loss of site: site == C |" in result.output
    assert "| ok | F1 of label cat |" in result.output
    assert "| ok | overall subset accuracy |" in result.output
    config.write_text('[overall]\nmin_accuracy = 0.8\n[[labels]]\nlabel = "zebra"\n')
    result = runner.invoke(app, ["gate", str(out), "--config", str(config)])
    assert result.exit_code == 2
    assert "needs 'label' and one of 'min_recall'" in result.output
    config.write_text("[overall]\nmin_accuracy = 0.8\n")
    result = runner.invoke(app, ["gate", str(out), "--config", str(config)])
    assert result.exit_code == 2
    assert "the analysis is a multi-label tagger's: use max_hamming_loss" in result.output
    assert "[[labels]] min_recall" in result.output
    config.write_text('[[labels]]\nlabel = "zebra"\nmin_recall = 0.5\n')
    result = runner.invoke(app, ["gate", str(out), "--config", str(config)])
    assert result.exit_code == 2
    assert "label 'zebra' is not in the analysis; its labels are ['cat', 'dog', 'stripes']" in (
        result.output
    )


def test_by_group_gives_each_interval_two_columns(analysis):
    frame = analysis.by_group
    site_c = frame[(frame["feature"] == "site") & (frame["group"] == "site == C")].iloc[0]
    record = next(g for g in analysis.disaggregated["groups"] if g["group"] == "site == C")
    assert site_c["hamming_loss"] == record["hamming_loss"]
    assert [site_c["hamming_loss_ci_low"], site_c["hamming_loss_ci_high"]] == record[
        "hamming_loss_ci"
    ]
    with pytest.raises(weakspot.InputError, match=r"needs a classifier's labels.*'multilabel'"):
        analysis.metric_frame("site")
