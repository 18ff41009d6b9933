"""The verification section of report.html and summary.md, from verify/'s two files."""

from __future__ import annotations

import json

import weakspot
from tests.conftest import planted_table
from tests.report.fixtures import verification_doc, with_later_stages
from weakspot.report import rebuild_report, render_markdown

PERTURBATION = {
    "schema_version": "1.0",
    "modes": [
        {
            "failure_mode": "M1",
            "title": "site == B",
            "verdict": None,
            "reason": "its rule names no property weakspot can set",
            "look": {
                "transforms": ["RandomBrightnessContrast"],
                "n_images": 300,
                "error_rate_before": 0.1,
                "error_rate_after": 0.31,
                "change": 0.21,
                "ci": [0.15, 0.27],
                "mcnemar": {"became_right": 2, "became_wrong": 65, "p_value": 1e-15},
                "mode_excess_error_rate": 0.29,
                "verdict": "sensitive to its look (RandomBrightnessContrast)",
                "reproduction": 0.83,
            },
            "conclusion": {
                "verdict": "sensitive to its look (RandomBrightnessContrast)",
                "test": "look",
                "reproduction": 0.83,
            },
        }
    ],
}


def test_rebuild_shows_retrained_actions_and_perturbation_tests(tmp_path):
    weakspot.write_results(weakspot.analyze(planted_table(0)), tmp_path)
    doc, _ = with_later_stages(json.loads((tmp_path / "analysis.json").read_text()))
    (tmp_path / "analysis.json").write_text(json.dumps(doc))
    (tmp_path / "verify").mkdir()
    (tmp_path / "verify" / "verification.json").write_text(json.dumps(verification_doc()))
    (tmp_path / "verify" / "perturbation.json").write_text(json.dumps(PERTURBATION))
    html = rebuild_report(tmp_path).read_text()
    assert "<h3>Retrained actions</h3>" in html and "<h3>Perturbation tests</h3>" in html
    assert "<b>helps</b> 0.620 &rarr; 0.810" in html
    assert "<b>sensitive to its look (RandomBrightnessContrast)</b>" in html
    assert "change +0.210 [+0.150, +0.270]" in html
    assert "the changed images look like the mode's: 0.83" in html
    assert "<span class='muted'>the look test</span>" in html
    summary = (tmp_path / "summary.md").read_text()
    assert "## Verification (retrained with `fit_and_predict`)" in summary
    assert "- `A1` `augment`: on `M1` helps 0.620 -> 0.810 (McNemar p=0.003);" in summary
    assert "- `A2` `reweight`: `failed`: the trainer raised ValueError" in summary
    assert "sensitive to its look \\(RandomBrightnessContrast\\)" in summary
    assert "**sensitive to its look \\(RandomBrightnessContrast\\)** (the look test)" in summary


def test_without_verify_results_the_summary_has_no_verification():
    weakspot_doc = weakspot.analyze(planted_table(0)).to_dict()
    doc = json.loads(json.dumps(weakspot_doc, default=str))
    assert "## Verification" not in render_markdown(doc)


def test_summary_names_the_causes_it_could_not_test():
    """A cause weakspot could not test is not one it ruled out: summary.md says which."""
    doc = json.loads(json.dumps(weakspot.analyze(planted_table(0)).to_dict(), default=str))
    doc, _ = with_later_stages(doc)
    summary = render_markdown(doc)
    assert "- cause `image_quality` (0.91): 97% of the mode is flagged dark." in summary
    assert "- not tested: `under_representation` (No training set)" in summary
