"""The comparison page (diff/comparison.html), in the report's style."""

from __future__ import annotations

from typing import Any

from weakspot.report.html._page import page
from weakspot.report.html._parts import Thumbs, section, table, thumb_grid, tiles
from weakspot.report.html._safe import esc, interval, num, pct
from weakspot.tasks import number

MAX_EXAMPLES = 48


def _points(value: Any) -> str:
    return "–" if value is None else f"{num(value * 100, '+.1f')} pts"


def render_comparison(diff: dict[str, Any]) -> str:
    """The comparison document as one self-contained page."""
    o = diff["overall"]
    thumbs = Thumbs()
    if o.get("test") == "wilcoxon":  # a continuous loss (a regressor's)
        head, units = _loss_overview(diff)
        return _page(diff, thumbs, head, units)
    head = tiles(
        [
            ("old error rate", pct(o["old_error_rate"]), "95% CI " + interval(o["old_ci"])),
            ("new error rate", pct(o["new_error_rate"]), "95% CI " + interval(o["new_ci"])),
            (
                "change",
                _points(o["delta"]),
                f"{_interval_points(o['delta_ci'])}, McNemar p {num(o['p_value'], '.2g')}",
            ),
            (
                "newly wrong / right",
                f"{o['newly_wrong']:,} / {o['newly_right']:,}",
                f"of {o['n']:,} examples",
            ),
            (
                "backward compatibility",
                pct(diff.get("backward_compatibility")),
                "old correct kept correct",
            ),
        ]
    )
    rows, bad = [], set()
    for i, u in enumerate(diff["units"]):
        if u["delta"] > 0 and u["p_value"] < 0.05:
            bad.add(i)
        rows.append(
            [
                esc(u["status"]),
                f"{esc(u['found_in'])} {esc(u['id'])}"
                + (f" ↔ {esc(u['matched'])}" if u.get("matched") else ""),
                esc(u["title"]),
                f"{u['n']:,}",
                f"{pct(u['old_error_rate'])} <span class='muted small'>({interval(u['old_ci'])})</span>",
                f"{pct(u['new_error_rate'])} <span class='muted small'>({interval(u['new_ci'])})</span>",
                f"{_points(u['delta'])} <span class='muted small'>({_interval_points(u['delta_ci'])})</span>",
                num(u["p_value"], ".2g"),
            ]
        )
    units = table(
        ["status", "unit", "title", "n", "old error", "new error", "change", "McNemar p"],
        rows,
        numeric={3, 4, 5, 6, 7},
        bad=bad,
    )
    return _page(diff, thumbs, head, units)


def _loss_overview(diff: dict[str, Any]) -> tuple[str, str]:
    """The tiles and the unit table of a continuous loss: mean losses, their change and the
    Wilcoxon signed-rank test."""
    o = diff["overall"]
    head = tiles(
        [
            ("old mean loss", esc(number(o["old_error_rate"])), ""),
            ("new mean loss", esc(number(o["new_error_rate"])), ""),
            (
                "change",
                esc(number(o["delta"], signed=True)),
                f"Wilcoxon signed-rank p {num(o['p_value'], '.2g')}",
            ),
            (
                "loss rose / fell",
                f"{o['newly_wrong']:,} / {o['newly_right']:,}",
                f"of {o['n']:,} examples",
            ),
        ]
    )
    rows, bad = [], set()
    for i, u in enumerate(diff["units"]):
        if u["delta"] > 0 and u["p_value"] < 0.05:
            bad.add(i)
        rows.append(
            [
                esc(u["status"]),
                f"{esc(u['found_in'])} {esc(u['id'])}"
                + (f" ↔ {esc(u['matched'])}" if u.get("matched") else ""),
                esc(u["title"]),
                f"{u['n']:,}",
                esc(number(u["old_error_rate"]) if u["old_error_rate"] is not None else "–"),
                esc(number(u["new_error_rate"]) if u["new_error_rate"] is not None else "–"),
                esc(number(u["delta"], signed=True)),
                num(u["p_value"], ".2g"),
            ]
        )
    units = table(
        ["status", "unit", "title", "n", "old mean loss", "new mean loss", "change", "Wilcoxon p"],
        rows,
        numeric={3, 4, 5, 6, 7},
        bad=bad,
    )
    return head, units


def _page(diff: dict[str, Any], thumbs: Thumbs, head: str, units: str) -> str:
    """The page around the overview tiles and the unit table."""
    pictures = diff.get("pictures") or {}
    grids = "".join(
        f"<h3>{esc(title)} ({len(diff[key]):,})</h3>"
        + thumb_grid(
            [
                {**e, "image": pictures.get(e["id"])}
                for e in diff[key][:MAX_EXAMPLES]
                if pictures.get(e["id"])
            ],
            thumbs,
        )
        + "<p class='small muted'>"
        + esc(", ".join(e["id"] for e in diff[key][:200]))
        + ("…" if len(diff[key]) > 200 else "")
        + "</p>"
        for title, key in (("Newly wrong", "newly_wrong"), ("Newly right", "newly_right"))
    )
    body = (
        "<main><h1>weakspot comparison</h1>"
        f"<p class='muted'>old: <code>{esc(diff['old']['results'])}</code> → new: <code>{esc(diff['new']['results'])}</code></p>"
        + section("overview", "Overall", head)
        + section(
            "units",
            "Failure modes and slices",
            units,
            intro="Each unit's members evaluated under both models; appeared = only in the new analysis, vanished = only in the old.",
        )
        + (_labels_section(diff["labels"]) if diff.get("labels") else "")
        + section("examples", "Examples that changed", grids)
        + "</main>"
        + thumbs.script()
    )
    return page("weakspot comparison", body)


def _labels_section(labels: list[dict[str, Any]]) -> str:
    """A tagger's per-label comparison: each label's error rate under both models, with
    McNemar's test on the examples whose outcome for it flipped, Holm-adjusted."""
    rows, bad = [], set()
    for i, r in enumerate(labels):
        if r["delta"] > 0 and r["p_holm"] < 0.05:
            bad.add(i)
        rows.append(
            [
                esc(r["label"]),
                f"{r['n']:,}",
                pct(r["old_error_rate"]),
                pct(r["new_error_rate"]),
                _points(r["delta"]),
                f"{r['newly_wrong']:,} / {r['newly_right']:,}",
                num(r["p_value"], ".2g"),
                num(r["p_holm"], ".2g"),
            ]
        )
    head = ["label", "n", "old errors", "new errors", "change", "newly wrong / right"]
    body = table([*head, "McNemar p", "Holm p"], rows, numeric={1, 2, 3, 4, 5, 6, 7}, bad=bad)
    intro = (
        "An example's error on a label: the label in the truth but not the prediction, or the "
        "reverse. Each label is tested on the examples whose outcome for it changed."
    )
    return section("labels", "Per label", body, intro=intro)


def _interval_points(ci: Any) -> str:
    return f"{num(ci[0] * 100, '+.1f')} to {num(ci[1] * 100, '+.1f')}"
