"""Inline SVG charts drawn by weakspot: heat map, reliability diagram, interval bars, histograms.

Each function returns one ``<svg>`` element as a string, sized in CSS pixels, with every label
escaped (SVG text is XML). No charting library: the charts are few and simple, and a vendored
library would be larger than all of them together.
"""

from __future__ import annotations

from typing import Any

from weakspot.report.html._safe import esc, num, pct

RED, GREEN, BLUE, GREY = "#c0392b", "#2e8b57", "#2f6db5", "#8a94a6"


def _svg(width: float, height: float, body: str, label: str) -> str:
    return (
        f'<svg class="chart" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{esc(label)}" '
        f'xmlns="http://www.w3.org/2000/svg">{body}</svg>'
    )


def _text(x: float, y: float, text: Any, *, anchor: str = "start", cls: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{cls}">{esc(text)}</text>'


def heatmap(classes: list[Any], matrix: list[list[int]], *, cell: int = 0) -> str:
    """Confusion matrix, rows = true class, shaded by the share of the row (recall on the diagonal).

    Parameters
    ----------
    classes : list of str, length k
    matrix : list of k lists of k ints
    """
    k = len(classes)
    cell = cell or max(14, min(46, 460 // max(k, 1)))
    labels = k <= 30
    longest = max((len(str(c)) for c in classes), default=1)
    left = min(140, 16 + 6 * longest) if labels else 10
    top = 24
    size = cell * k
    body = []
    for i, row in enumerate(matrix):
        total = sum(row) or 1
        for j, count in enumerate(row):
            share = count / total
            colour = BLUE if i == j else RED
            x, y = left + j * cell, top + i * cell
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell - 1}" height="{cell - 1}" fill="{colour}" '
                f'fill-opacity="{0.06 + 0.94 * share:.3f}"><title>true {esc(classes[i])}, '
                f"predicted {esc(classes[j])}: {count} ({share:.1%} of the row)</title></rect>"
            )
            if labels and cell >= 22 and count:
                ink = "#fff" if share > 0.5 else "#1d2433"
                body.append(
                    f'<text x="{x + cell / 2:.1f}" y="{y + cell / 2 + 4:.1f}" text-anchor="middle" '
                    f'class="small" fill="{ink}">{count}</text>'
                )
    if labels:
        for i, name in enumerate(classes):
            body.append(_text(left - 6, top + i * cell + cell / 2 + 4, name, anchor="end"))
            cx = left + i * cell + cell / 2
            body.append(
                f'<text transform="translate({cx:.1f},{top + size + 8}) rotate(45)" '
                f'class="small">{esc(name)}</text>'
            )
    body.append(_text(left, 14, "predicted →", cls="muted"))
    height = top + size + (min(100, 14 + 4.5 * longest) if labels else 10)
    return _svg(left + size + 10, height, "".join(body), "confusion matrix heat map")


def reliability(bins: list[dict[str, Any]], *, size: int = 260) -> str:
    """Reliability diagram: accuracy against mean confidence per bin, with the diagonal.

    Bars are the bins' accuracy; the red ticks their mean confidence; the strip under the plot
    the share of examples in each bin.
    """
    pad, strip = 34, 26
    plot = size - pad - 8
    base = 8 + plot  # bottom of the plot; the strip hangs under it
    body = [
        f'<rect x="{pad}" y="8" width="{plot}" height="{plot}" fill="none" stroke="{GREY}"/>',
        f'<line x1="{pad}" y1="{base}" x2="{pad + plot}" y2="8" stroke="{GREY}" '
        'stroke-dasharray="4 3"/>',
    ]
    total = sum(b.get("count") or 0 for b in bins) or 1
    for b in bins:
        low, high = float(b["low"]), float(b["high"])
        x, w = pad + low * plot, (high - low) * plot
        if b.get("accuracy") is not None:
            h = float(b["accuracy"]) * plot
            body.append(
                f'<rect x="{x + 1:.1f}" y="{base - h:.1f}" width="{w - 2:.1f}" height="{h:.1f}" '
                f'fill="{BLUE}" fill-opacity="0.75"><title>confidence {low:.1f}-{high:.1f}: '
                f"accuracy {pct(b['accuracy'])}, mean confidence {pct(b.get('confidence'))}, "
                f"{b.get('count')} examples</title></rect>"
            )
        if b.get("confidence") is not None:
            y = base - float(b["confidence"]) * plot
            body.append(
                f'<line x1="{x + 1:.1f}" x2="{x + w - 1:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                f'stroke="{RED}" stroke-width="2"/>'
            )
        h = (b.get("count") or 0) / total * (strip - 6)
        body.append(
            f'<rect x="{x + 1:.1f}" y="{base + strip - h:.1f}" width="{w - 2:.1f}" '
            f'height="{h:.1f}" fill="{GREY}"><title>{b.get("count")} examples</title></rect>'
        )
    for t in (0, 0.5, 1):
        body.append(
            _text(pad + t * plot, base + strip + 13, f"{t:g}", anchor="middle", cls="small")
        )
        body.append(_text(pad - 4, 12 + plot - t * plot, f"{t:g}", anchor="end", cls="small"))
    body.append(
        _text(pad + plot / 2, base + strip + 27, "confidence", anchor="middle", cls="muted")
    )
    body.append(
        f'<text transform="translate(10,{8 + plot / 2}) rotate(-90)" text-anchor="middle" '
        'class="muted">accuracy</text>'
    )
    return _svg(size + 8, base + strip + 32, "".join(body), "reliability diagram")


def interval_bar(
    value: float, ci: list[float], *, reference: float | None = None, width: int = 220
) -> str:
    """One rate on a 0-100% axis: its interval as a bar, the point, and a reference tick."""
    pad, h = 4, 18
    span = width - 2 * pad

    def x(v: float) -> float:
        return pad + max(0.0, min(1.0, float(v))) * span

    body = [f'<line x1="{pad}" x2="{pad + span}" y1="{h / 2}" y2="{h / 2}" stroke="#dde2ec"/>']
    body.append(
        f'<rect x="{x(ci[0]):.1f}" y="{h / 2 - 4}" width="{max(1.5, x(ci[1]) - x(ci[0])):.1f}" '
        f'height="8" rx="2" fill="{RED}" fill-opacity="0.35"/>'
        f'<circle cx="{x(value):.1f}" cy="{h / 2}" r="3.5" fill="{RED}"/>'
    )
    if reference is not None:
        body.append(
            f'<line x1="{x(reference):.1f}" x2="{x(reference):.1f}" y1="1" y2="{h - 1}" '
            f'stroke="#1d2433" stroke-width="1.5"><title>elsewhere {pct(reference)}</title></line>'
        )
    return _svg(
        width, h, "".join(body), f"rate {pct(value)}, 95% interval {pct(ci[0])} to {pct(ci[1])}"
    )


def group_intervals(groups: list[dict[str, Any]], overall: float, *, width: int = 420) -> str:
    """Accuracy of each group with its interval; worst group red, best green, the gap shaded.

    Parameters
    ----------
    groups : list of dict
        ``{group, n, accuracy, ci}`` records of one feature.
    overall : float
        Overall accuracy, drawn as a dashed line.
    """
    label_w, row, pad = 150, 20, 8
    span = width - label_w - 60
    lows = [g["ci"][0] for g in groups] + [overall]
    lo = max(0.0, min(lows) - 0.05)

    def x(v: float) -> float:
        return label_w + (float(v) - lo) / (1 - lo or 1) * span

    accs = [g["accuracy"] for g in groups]
    worst, best = (accs.index(min(accs)), accs.index(max(accs))) if accs else (-1, -1)
    height = pad * 2 + row * len(groups) + 14
    body = []
    if len(groups) > 1:
        body.append(
            f'<rect x="{x(min(accs)):.1f}" y="{pad}" width="{x(max(accs)) - x(min(accs)):.1f}" '
            f'height="{row * len(groups)}" fill="#f6d5cf" fill-opacity="0.6">'
            f"<title>gap {pct(max(accs) - min(accs))}</title></rect>"
        )
    for i, g in enumerate(groups):
        y = pad + i * row + row / 2
        colour = RED if i == worst else GREEN if i == best else BLUE
        body.append(_text(label_w - 6, y + 4, g["group"], anchor="end", cls="small"))
        body.append(
            f'<line x1="{x(g["ci"][0]):.1f}" x2="{x(g["ci"][1]):.1f}" y1="{y}" y2="{y}" '
            f'stroke="{colour}" stroke-width="3" stroke-linecap="round"/>'
            f'<circle cx="{x(g["accuracy"]):.1f}" cy="{y}" r="4" fill="{colour}">'
            f"<title>{esc(g['group'])}: {pct(g['accuracy'])} ({pct(g['ci'][0])}-{pct(g['ci'][1])}), "
            f"n = {g['n']}</title></circle>"
        )
        body.append(_text(x(1) + 6, y + 4, f"{pct(g['accuracy'])}  n={g['n']}", cls="small"))
    body.append(
        f'<line x1="{x(overall):.1f}" x2="{x(overall):.1f}" y1="{pad - 2}" '
        f'y2="{pad + row * len(groups) + 2}" stroke="#1d2433" stroke-dasharray="3 3"/>'
    )
    for t in (lo, (lo + 1) / 2, 1.0):
        body.append(_text(x(t), height - 2, pct(t, 0), anchor="middle", cls="small"))
    return _svg(width, height, "".join(body), "group accuracy with 95% intervals")


def histogram(hist: dict[str, Any], *, width: int = 260, height: int = 90) -> str:
    """A feature's distribution inside a slice against outside it, as shares per bin.

    Parameters
    ----------
    hist : dict
        ``{feature, kind, edges (numeric) or values (categorical), inside, outside}``, counts.
    """
    inside, outside = hist["inside"], hist["outside"]
    n_in, n_out = sum(inside) or 1, sum(outside) or 1
    shares = [(a / n_in, b / n_out) for a, b in zip(inside, outside, strict=True)]
    top = max([max(s) for s in shares] + [1e-9])
    k, base, pad = len(shares), height - 18, 4
    w = (width - 2 * pad) / max(k, 1)
    body = []
    for i, (a, b) in enumerate(shares):
        x = pad + i * w
        label = _bin_label(hist, i)
        for share, colour, dx in ((b, GREY, 0.0), (a, RED, w * 0.4)):
            h = share / top * (base - 6)
            body.append(
                f'<rect x="{x + dx + 1:.1f}" y="{base - h:.1f}" width="{w * 0.55 - 1:.1f}" '
                f'height="{h:.1f}" fill="{colour}" fill-opacity="0.8"><title>{esc(label)}: '
                f"{share:.0%} {'inside' if colour == RED else 'outside'}</title></rect>"
            )
    body.append(f'<line x1="{pad}" x2="{width - pad}" y1="{base}" y2="{base}" stroke="{GREY}"/>')
    if hist["kind"] == "numeric":
        body.append(_text(pad, height - 4, num(hist["edges"][0]), cls="small"))
        body.append(
            _text(width - pad, height - 4, num(hist["edges"][-1]), anchor="end", cls="small")
        )
    else:
        body.append(_text(pad, height - 4, f"{k} most frequent values", cls="small"))
    return _svg(width, height, "".join(body), f"{hist['feature']}: inside vs outside")


def _bin_label(hist: dict[str, Any], i: int) -> str:
    if hist["kind"] == "numeric":
        return f"{num(hist['edges'][i])} to {num(hist['edges'][i + 1])}"
    return str(hist["values"][i])


def confidence_bar(value: float, *, width: int = 90) -> str:
    """A small horizontal bar for a confidence in [0, 1]."""
    v = max(0.0, min(1.0, float(value)))
    body = (
        f'<rect x="0" y="3" width="{width}" height="8" rx="2" fill="#e7ebf3"/>'
        f'<rect x="0" y="3" width="{v * width:.1f}" height="8" rx="2" fill="{BLUE}"/>'
    )
    return _svg(width, 14, body, f"confidence {v:.2f}")
