"""``report.html`` of ``weakspot detection``: one self-contained page from detection.json.

COCO's numbers, recall and precision per size bin and per class with their intervals, the AP50
each TIDE error type costs, the precision-recall curves as inline SVG, and the slices of
misses and false positives with example images whose boxes are drawn as an SVG layer. It uses
the classifier's page shell (styles, script, content policy), escaping, tables and charts.
"""

from __future__ import annotations

from typing import Any

from weakspot.report.detection._examples import BOX_KINDS
from weakspot.report.html._page import page
from weakspot.report.html._parts import Thumbs, kv, section, table, tiles
from weakspot.report.html._safe import esc, num
from weakspot.report.html._svg import BLUE, GREEN, GREY, RED, _svg, _text, interval_bar
from weakspot.tasks.detection import SUMMARY_NAMES

NAV = [
    ("summary", "Summary"),
    ("sizes", "Sizes"),
    ("classes", "Classes"),
    ("errors", "Error types"),
    ("curves", "Precision-recall"),
    ("slices", "Slices"),
    ("notes", "Notes"),
]
ORANGE = "#d35400"
#: Each drawn box kind's colour, dash and legend words.
KIND_STYLE = {
    "found": (GREEN, "", "ground truth found (matched)"),
    "missed": (RED, "", "ground truth missed"),
    "true_positive": (BLUE, "5 3", "detection that found a box"),
    "false_positive": (ORANGE, "5 3", "false positive detection"),
}
CURVE_COLOURS = {
    "all": BLUE,
    "all at IoU 0.75": GREY,
    "small": RED,
    "medium": ORANGE,
    "large": GREEN,
}
# the drawn examples' own styles: the boxes' layer lies over the picture, at its size
STYLE = (
    "<style>.det{display:flex;gap:.8rem;flex-wrap:wrap;margin:.4rem 0 1rem}"
    ".det figure{margin:0;font-size:.75rem;max-width:320px}"
    ".det .frame{position:relative;width:320px;max-width:100%}"
    ".det .frame img{display:block;width:100%;height:100%;background:var(--soft)}"
    ".det .frame svg{position:absolute;left:0;top:0;width:100%;height:100%}"
    ".det rect{fill:none;stroke-width:1.5}.det rect.in{stroke-width:3}"
    ".slice{border:1px solid var(--line);border-radius:8px;padding:.2rem 1rem .6rem;"
    "margin:.8rem 0}</style>"
)


def render_detection_report(
    doc: dict[str, Any], examples: list[list[dict[str, Any]]] | None = None
) -> str:
    """Render a ``detection.json`` document as one self-contained HTML page.

    Parameters
    ----------
    doc : dict
        The parsed ``detection.json`` (`BoxSlices.to_dict`).
    examples : list of list of dict, optional
        Per reported slice, its example images (`slice_examples`); without them the slices
        are shown without pictures.

    Returns
    -------
    str
        The page; the same document and examples give the same text.
    """
    thumbs = Thumbs()
    figures = doc.get("figures") or {}
    sections = {
        "summary": _summary(doc, figures),
        "sizes": _sizes(figures),
        "classes": _classes(figures),
        "errors": _errors(doc, figures),
        "curves": _curves(figures),
        "slices": _slices(doc, examples, thumbs),
        "notes": _notes(doc),
    }
    nav = "".join(f"<a href='#{k}'>{esc(label)}</a>" for k, label in NAV if sections[k])
    return page(
        "weakspot detection report",
        f"<header class='top'><div class='in'><b>weakspot detection report</b>{nav}</div>"
        f"</header>{STYLE}<main>{''.join(s for s in sections.values() if s)}"
        "<footer>weakspot detection. This page is self-contained and loads nothing.</footer>"
        f"</main>{thumbs.script()}",
    )


def _rate(value: Any, ci: Any) -> str:
    if value is None:
        return "–"
    if isinstance(ci, list) and len(ci) == 2:
        return f"{num(value, '.3f')} [{num(ci[0], '.2f')}, {num(ci[1], '.2f')}]"
    return num(value, ".3f")


def _summary(doc: dict[str, Any], figures: dict[str, Any]) -> str:
    coco = doc.get("coco") or {}
    names = [
        ("AP", "ap", "IoU 0.50:0.95"),
        ("AP50", "ap50", "IoU 0.5"),
        ("AP75", "ap75", "IoU 0.75"),
        ("APs", "ap_small", "small objects"),
        ("APm", "ap_medium", "medium objects"),
        ("APl", "ap_large", "large objects"),
    ]
    overall = figures.get("overall") or {}
    items = [(label, num(coco.get(key), ".3f"), detail) for label, key, detail in names]
    items += [
        ("recall", num(overall.get("recall"), ".3f"), f"{overall.get('boxes', '–')} boxes"),
        (
            "precision",
            num(overall.get("precision"), ".3f"),
            f"{overall.get('detections', '–')} detections",
        ),
    ]
    # COCO's own order, as summarize prints them
    order = [k for k in SUMMARY_NAMES if k in coco] + [k for k in coco if k not in SUMMARY_NAMES]
    rows = [[esc(k), esc(num(coco[k], ".4f"))] for k in order]
    return section(
        "summary",
        "Summary",
        tiles(items)
        + "<h3>COCO's twelve numbers</h3>"
        + table(["number", "value"], rows, numeric={1}, compact=True),
        intro="COCO's AP and AR as pycocotools computes them; recall and precision at IoU 0.5 "
        "with 100 detections per image and class, as the slices count them.",
    )


def _rates_row(label: str, r: dict[str, Any]) -> list[str]:
    return [
        esc(label),
        esc(r.get("boxes")),
        esc(_rate(r.get("recall"), r.get("recall_ci"))),
        esc(r.get("detections")),
        esc(_rate(r.get("precision"), r.get("precision_ci"))),
    ]


RATE_HEADER = ["boxes", "recall [95% interval]", "detections", "precision [95% interval]"]


def _sizes(figures: dict[str, Any]) -> str:
    rows = figures.get("by_size") or []
    if not rows:
        return ""
    ap50 = {c["area"]: c.get("ap") for c in (figures.get("pr_curves") or {}).get("curves", [])}
    body = [[*_rates_row(r["size"], r), esc(num(ap50.get(r["size"]), ".3f"))] for r in rows]
    return section(
        "sizes",
        "Per size",
        table(["size", *RATE_HEADER, "AP50"], body, numeric={1, 2, 3, 4, 5}, compact=True),
        intro="COCO's size bins: small < 32² pixels <= medium <= 96² < large (a detection by "
        "its own box). Intervals count images as clusters.",
    )


def _classes(figures: dict[str, Any]) -> str:
    rows = figures.get("by_class") or []
    if not rows:
        return ""
    body = [
        [
            *_rates_row(r["category"], r),
            esc(num(r.get("ap"), ".3f")),
            esc(num(r.get("ap50"), ".3f")),
        ]
        for r in rows
    ]
    return section(
        "classes",
        "Per class",
        table(["class", *RATE_HEADER, "AP", "AP50"], body, numeric={1, 2, 3, 4, 5, 6}),
        intro="A detection counts under its predicted class. Intervals count images as clusters.",
    )


def _errors(doc: dict[str, Any], figures: dict[str, Any]) -> str:
    costs = doc.get("error_type_costs") or {}
    if not costs:
        return ""
    counts = figures.get("error_counts") or {}
    rows = [[esc(k), esc(counts.get(k, 0)), esc(num(v, "+.4f"))] for k, v in costs.items()]
    return section(
        "errors",
        "Error types (TIDE)",
        table(
            ["error type", "errors", "AP50 gained by fixing them all"],
            rows,
            numeric={1, 2},
            compact=True,
        )
        + _cost_bars(costs),
        intro="Bolya et al.'s error types on COCO's matching at IoU 0.5; each row fixes every "
        "error of its type and recomputes AP50.",
    )


def _cost_bars(costs: dict[str, Any], *, width: int = 420) -> str:
    label_w, row = 110, 20
    top = max([float(v) for v in costs.values() if isinstance(v, int | float)] + [1e-9])
    body = []
    for i, (name, value) in enumerate(costs.items()):
        y = 6 + i * row
        share = max(0.0, float(value)) / top if isinstance(value, int | float) else 0.0
        body.append(_text(label_w - 6, y + 13, name, anchor="end", cls="small"))
        body.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{share * (width - label_w - 60):.1f}" '
            f'height="{row - 6}" fill="{RED}" fill-opacity="0.75"><title>{esc(name)}: '
            f"{esc(num(value, '+.4f'))} AP50</title></rect>"
        )
        body.append(
            _text(
                label_w + share * (width - label_w - 60) + 4,
                y + 13,
                num(value, "+.4f"),
                cls="small",
            )
        )
    return _svg(width, 12 + row * len(costs), "".join(body), "AP50 lost per error type")


def pr_chart(
    recall: list[float], curves: list[dict[str, Any]], label: str, *, size: int = 280
) -> str:
    """Precision against recall for each curve (COCO's 101 recall thresholds).

    Parameters
    ----------
    recall : list of float, length R
    curves : list of dict
        ``{name, precision (R values or None), ap}``; a curve without values is left out.
    label : str
        The chart's accessible name.
    """
    pad, plot = 36, size - 46
    base = 8 + plot
    body = [f'<rect x="{pad}" y="8" width="{plot}" height="{plot}" fill="none" stroke="{GREY}"/>']
    legend_y = base + 34
    for c in curves:
        values = c.get("precision")
        if not values:
            continue
        colour = CURVE_COLOURS.get(c["name"], BLUE)
        points = " ".join(
            f"{pad + r * plot:.1f},{base - max(0.0, float(p)) * plot:.1f}"
            for r, p in zip(recall, values, strict=True)
        )
        body.append(
            f'<polyline class="pr" points="{points}" fill="none" stroke="{colour}" '
            f'stroke-width="2"><title>{esc(c["name"])}: AP {esc(num(c.get("ap"), ".3f"))}'
            "</title></polyline>"
        )
        body.append(
            f'<line x1="{pad}" x2="{pad + 16}" y1="{legend_y - 4}" y2="{legend_y - 4}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        body.append(
            _text(pad + 22, legend_y, f"{c['name']} (AP {num(c.get('ap'), '.3f')})", cls="small")
        )
        legend_y += 14
    for t in (0, 0.5, 1):
        body.append(_text(pad + t * plot, base + 13, f"{t:g}", anchor="middle", cls="small"))
        body.append(_text(pad - 4, 12 + plot - t * plot, f"{t:g}", anchor="end", cls="small"))
    body.append(_text(pad + plot / 2, base + 24, "recall", anchor="middle", cls="muted"))
    body.append(
        f'<text transform="translate(10,{8 + plot / 2}) rotate(-90)" text-anchor="middle" '
        'class="muted">precision</text>'
    )
    return _svg(size + 40, legend_y, "".join(body), label)


def _curves(figures: dict[str, Any]) -> str:
    found = figures.get("pr_curves") or {}
    curves, recall = found.get("curves") or [], found.get("recall") or []
    if not curves:
        return ""
    overall = [c for c in curves if c["area"] == "all"]
    sizes = [c for c in curves if c["area"] != "all"]
    charts = [
        (pr_chart(recall, overall, "precision-recall curves, all objects"), "All objects."),
        (pr_chart(recall, sizes, "precision-recall curves per size"), "Per size bin, IoU 0.5."),
    ]
    body = "".join(
        f"<figure>{svg}<figcaption>{esc(words)}</figcaption></figure>" for svg, words in charts
    )
    return section(
        "curves",
        "Precision-recall curves",
        f"<div class='charts'>{body}</div>",
        intro="COCO's interpolated precision at its 101 recall thresholds, averaged over the "
        "classes; each curve's mean is its AP.",
    )


def _slices(
    doc: dict[str, Any], examples: list[list[dict[str, Any]]] | None, thumbs: Thumbs
) -> str:
    found = doc.get("slices") or []
    counts = doc.get("counts") or {}
    lead = (
        f"<p class='muted'>{esc(counts.get('tested', '–'))} hypotheses tested, "
        f"{esc(len(found))} slices reported (false discovery rate held to the search's "
        "max_q, images as clusters).</p>"
    )
    if not found:
        body = lead + "<p>No slice of misses or false positives passed the tests.</p>"
    else:
        rows = [_slice_row(i, s) for i, s in enumerate(found, start=1)]
        header = [
            "#",
            "kind",
            "slice",
            "units",
            "inside [95% interval]",
            "elsewhere",
            "q",
            "AP50 gain",
        ]
        body = lead + table(header, rows, numeric={0, 3, 4, 5, 6, 7})
        body += _legend() if examples else ""
        for i, s in enumerate(found):
            pictures = examples[i] if examples and i < len(examples) else []
            body += _slice_block(i + 1, s, pictures, thumbs)
    unconfirmed = doc.get("unconfirmed") or []
    if unconfirmed:
        rows = [_slice_row(i, s, link=False) for i, s in enumerate(unconfirmed, start=1)]
        body += "<h3>Significant with boxes as units, not with images as clusters</h3>" + table(
            ["#", "kind", "slice", "units", "inside [95% interval]", "elsewhere", "q", "AP50 gain"],
            rows,
            numeric={0, 3, 4, 5, 6, 7},
        )
    return section("slices", "Slices of misses and false positives", body)


def _kind(s: dict[str, Any]) -> str:
    return "misses" if s.get("view") == "missed" else "false positives"


def _slice_row(i: int, s: dict[str, Any], *, link: bool = True) -> list[str]:
    """A slice's table row; `link` points its rule at its block below (reported slices)."""
    rule = f"<code>{esc(s.get('rule') or s.get('description'))}</code>"
    return [
        esc(i),
        esc(_kind(s)),
        f"<a href='#box-slice-{i}'>{rule}</a>" if link else rule,
        esc(s.get("size")),
        esc(f"{s.get('metric')} {_rate(s.get('inside'), s.get('inside_ci'))}"),
        esc(num(s.get("outside"), ".3f")),
        esc(num(s.get("cluster_q_value"), ".2g")),
        esc(num(s.get("ap50_gain"), "+.4f")),
    ]


def _slice_block(i: int, s: dict[str, Any], pictures: list[dict[str, Any]], thumbs: Thumbs) -> str:
    inside, ci = s.get("inside"), s.get("inside_ci")
    bar = (
        interval_bar(inside, ci, reference=s.get("outside"))
        if isinstance(inside, int | float) and isinstance(ci, list) and len(ci) == 2
        else ""
    )
    types = ", ".join(f"{k} {v}" for k, v in (s.get("error_types") or {}).items())
    facts = kv(
        [
            (s.get("metric") or "rate", esc(_rate(inside, ci)) + bar),
            ("elsewhere", esc(_rate(s.get("outside"), s.get("outside_ci")))),
            ("units", esc(f"{s.get('size')} in {s.get('n_images')} images")),
            ("errors by type", esc(types or "–")),
            ("AP50 gained by fixing them", esc(num(s.get("ap50_gain"), "+.4f"))),
            (
                "q (boxes), q (images as clusters)",
                esc(f"{num(s.get('q_value'), '.2g')}, {num(s.get('cluster_q_value'), '.2g')}"),
            ),
        ]
    )
    figures = "".join(_example(p, thumbs) for p in pictures)
    return (
        f"<div class='slice' id='box-slice-{i}'><h3>{i}. {esc(_kind(s))}: "
        f"<code>{esc(s.get('rule') or s.get('description'))}</code></h3>{facts}"
        + (f"<div class='det'>{figures}</div>" if figures else "")
        + "</div>"
    )


def _legend() -> str:
    items = "".join(
        f"<i style='background:{colour}'></i>{esc(words)}"
        for colour, _, words in (KIND_STYLE[k] for k in BOX_KINDS)
    )
    return (
        f"<p class='legend small'>Example images, boxes drawn: {items}; "
        "a thick line marks a box of the slice.</p>"
    )


def _example(picture: dict[str, Any], thumbs: Thumbs) -> str:
    """One picture with its boxes as an SVG layer in the image's own pixels."""
    width, height = int(picture["width"]), int(picture["height"])
    rects = []
    for box in picture.get("boxes", []):
        colour, dash, words = KIND_STYLE[box["kind"]]
        x1, y1, x2, y2 = (float(v) for v in box["xyxy"])
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        cls = f"b-{box['kind']}" + (" in" if box.get("in_slice") else "")
        rects.append(
            f'<rect class="{cls}" x="{x1:.1f}" y="{y1:.1f}" width="{max(x2 - x1, 0.5):.1f}" '
            f'height="{max(y2 - y1, 0.5):.1f}" stroke="{colour}"{dashes} '
            f'vector-effect="non-scaling-stroke"><title>{esc(words)}: {esc(box["label"])}'
            "</title></rect>"
        )
    name = picture.get("file_name") or picture.get("image_id")
    layer = (
        f'<svg class="boxes" viewBox="0 0 {width} {height}" preserveAspectRatio="none" '
        f'role="img" aria-label="boxes of {esc(name)}" xmlns="http://www.w3.org/2000/svg">'
        f"{''.join(rects)}</svg>"
    )
    return (
        f"<figure><div class='frame' style='aspect-ratio:{width}/{height}'>"
        f"{thumbs.img(picture.get('image'), name, cls='example')}{layer}</div>"
        f"<figcaption>{esc(name)}</figcaption></figure>"
    )


def _notes(doc: dict[str, Any]) -> str:
    notes = doc.get("notes") or []
    if not notes:
        return ""
    items = "".join(f"<li>{esc(n)}</li>" for n in notes)
    return section("notes", "Notes", f"<ul class='plain'>{items}</ul>")
