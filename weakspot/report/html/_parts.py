"""Small building blocks shared by every section: tables, tiles, key-value lists, thumbnails.

`Thumbs` embeds each picture once. In the page it hands out ``<img data-t="t7">`` references
and writes one key -> data-URI map in a JSON block that the page's script resolves; in a
notebook (``inline=True``), where scripts may not run, it writes the data URI in place.
"""

from __future__ import annotations

from typing import Any

from weakspot.report.html._safe import data_uri, esc, json_script, num


class Thumbs:
    """Registry of embedded pictures, each stored once however often it is shown."""

    def __init__(self, *, inline: bool = False) -> None:
        self.inline = inline
        self._keys: dict[str, str] = {}

    def img(self, uri: Any, alt: Any, *, cls: str = "thumb") -> str:
        """An ``<img>`` showing `uri` (a data URI; anything else shows an empty box)."""
        safe = data_uri(uri)
        if safe is None:
            return f'<span class="{cls}" title="{esc(alt)}"></span>'
        if self.inline:
            return f'<img class="{cls}" src="{safe}" alt="{esc(alt)}">'
        key = self._keys.setdefault(safe, f"t{len(self._keys)}")
        return f'<img class="{cls}" data-t="{key}" alt="{esc(alt)}">'

    def __len__(self) -> int:
        return len(self._keys)

    def script(self) -> str:
        """The JSON block of every picture handed out (empty in inline mode)."""
        if self.inline:
            return ""
        return json_script({key: uri for uri, key in self._keys.items()}, "ws-thumbs")


def table(
    header: list[str],
    rows: list[list[str]],
    *,
    numeric: set[int] | None = None,
    bad=None,
    compact: bool = False,
) -> str:
    """An HTML table. `header` is plain text (escaped here); `rows` hold ready, escaped HTML.

    `bad` is an optional set of row indices to highlight.
    """
    numeric, bad = numeric or set(), bad or set()
    head = "".join(
        f'<th class="num">{esc(h)}</th>' if i in numeric else f"<th>{esc(h)}</th>"
        for i, h in enumerate(header)
    )
    body = "".join(
        ('<tr class="bad">' if r in bad else "<tr>")
        + "".join(
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for r, row in enumerate(rows)
    )
    cls = " class='compact'" if compact else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def tiles(items: list[tuple[str, str, str]]) -> str:
    """Summary tiles: ``(label, value, detail)`` plain text each."""
    return (
        '<div class="tiles">'
        + "".join(
            f"<div class='tile'><span>{esc(k)}</span><b>{esc(v)}</b>"
            + (f"<i>{esc(d)}</i>" if d else "")
            + "</div>"
            for k, v, d in items
        )
        + "</div>"
    )


def kv(pairs: list[tuple[str, str]]) -> str:
    """A definition list; keys plain text, values ready HTML."""
    return '<dl class="kv">' + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in pairs) + "</dl>"


def value_html(value: Any, depth: int = 0) -> str:
    """Any JSON value as escaped HTML: numbers formatted, lists and objects nested a level."""
    if isinstance(value, bool) or value is None:
        return esc({True: "yes", False: "no", None: "–"}[value])
    if isinstance(value, int | float):
        return esc(num(value, ".4g"))
    if isinstance(value, dict) and depth < 2:
        return kv([(str(k), value_html(v, depth + 1)) for k, v in value.items()])
    if isinstance(value, list) and depth < 2:
        if all(not isinstance(v, dict | list) for v in value):
            return esc(
                ", ".join(num(v, ".4g") if isinstance(v, float) else str(v) for v in value[:20])
            )
        return (
            "<ul class='plain'>"
            + "".join(f"<li>{value_html(v, depth + 1)}</li>" for v in value[:20])
            + "</ul>"
        )
    text = str(value)
    return esc(text if len(text) <= 300 else text[:300] + "…")


def thumb_grid(records: list[dict[str, Any]] | None, thumbs: Thumbs, *, empty: str = "") -> str:
    """Pictures with their label (and the wrong prediction, if any) under each."""
    if not records:
        return f"<p class='muted small'>{esc(empty)}</p>" if empty else ""
    figures = []
    for r in records:
        label, pred = r.get("label"), r.get("prediction")
        caption = (
            esc(label)
            if label == pred
            else f"{esc(label)} <span class='wrong'>→ {esc(pred)}</span>"
        )
        alt = f"{r.get('id')}: {label}" + ("" if label == pred else f" predicted {pred}")
        figures.append(
            f"<figure title='{esc(r.get('id'))}'>{thumbs.img(r.get('image'), alt)}"
            f"<figcaption>{caption}</figcaption></figure>"
        )
    return f"<div class='thumbs'>{''.join(figures)}</div>"


def section(anchor: str, title: str, body: str, *, intro: str = "") -> str:
    """A report section with its heading; `intro` plain text, `body` ready HTML."""
    lead = f"<p class='muted'>{esc(intro)}</p>" if intro else ""
    return f"<section id='{esc(anchor)}'><h2>{esc(title)}</h2>{lead}{body}</section>"
