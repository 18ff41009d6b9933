"""``report.html``: one self-contained page built from an analysis.json document."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from weakspot.report.html._assets import CSS, JS
from weakspot.report.html._modes import actions_section, modes_section
from weakspot.report.html._overview import overview_section, subgroups_section
from weakspot.report.html._parts import Thumbs
from weakspot.report.html._quality import provenance_section, quality_section
from weakspot.report.html._safe import esc
from weakspot.report.html._slices import slices_section
from weakspot.report.html._verify import verification_section

NAV = [
    ("overview", "Overview"),
    ("modes", "Failure modes"),
    ("actions", "Actions"),
    ("verification", "Verification"),
    ("slices", "Slices"),
    ("subgroups", "Subgroups"),
    ("quality", "Data quality"),
    ("made", "How it was made"),
]


def render_html(
    doc: dict[str, Any],
    *,
    verification: dict[str, Any] | None = None,
    perturbation: dict[str, Any] | None = None,
    run: dict[str, Any] | None = None,
) -> str:
    """Render an ``analysis.json`` document as one self-contained HTML page.

    Parameters
    ----------
    doc : dict
        The parsed ``analysis.json``.
    verification : dict, optional
        The parsed ``verify/verification.json``, shown when given.
    perturbation : dict, optional
        The parsed ``verify/perturbation.json``, shown when given.
    run : dict, optional
        The parsed ``run.json`` (command line, inputs, timing), shown when given.

    Every picture is embedded once (a key -> data-URI map the page's script resolves); the page
    loads nothing from the network.
    """
    thumbs = Thumbs()
    sections = {
        "overview": overview_section(doc),
        "modes": modes_section(doc),
        "actions": actions_section(doc),
        "verification": verification_section(verification, perturbation),
        "slices": slices_section(doc, thumbs),
        "subgroups": subgroups_section(doc),
        "quality": quality_section(doc, thumbs),
        "made": provenance_section(doc, run),
    }
    nav = "".join(f"<a href='#{k}'>{esc(label)}</a>" for k, label in NAV if sections[k])
    return page(
        "weakspot report",
        f"<header class='top'><div class='in'><b>weakspot report</b>{nav}</div></header>"
        f"<main>{''.join(s for s in sections.values() if s)}"
        f"<footer>weakspot {esc(doc.get('weakspot_version'))}, analysis.json schema "
        f"{esc(doc.get('schema_version'))}. This page is self-contained and loads nothing.</footer>"
        f"</main>{thumbs.script()}",
    )


def page(title: str, body: str) -> str:
    """The HTML document around `body`: styles, the script, and a policy that blocks loads."""
    # only the page's own script may run: any script that slipped in would not match its hash
    digest = base64.b64encode(hashlib.sha256(JS.encode("utf-8")).digest()).decode("ascii")
    policy = f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-{digest}'"
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{policy}\">"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f"{body}<script>{JS}</script></body></html>\n"
    )
