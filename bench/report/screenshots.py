"""Screenshots of the demo's report for docs/tutorial.md, taken with the browser tests' harness.

    bash scripts/demo.sh                      # writes demo-results/
    .venv/bin/python bench/report/screenshots.py demo-results docs/img

Opens RESULTS/report.html in Debian's headless chromium (network refused), opens the first
slice card, and saves small palette PNGs of the overview, the slice list, the first card,
the subgroups and the data-quality section.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.browser._browser import browser, visit  # noqa: E402

SHOTS = {
    "report-overview": "#overview",
    "report-slices": "#slice-list",
    "report-card": "#slice-S1",
    "report-subgroups": "#subgroups",
    "report-quality": "#quality",
}


def shrink(path: Path, width: int = 900) -> None:
    """Scale to `width` pixels and store as a 256-colour palette PNG."""
    image = Image.open(path).convert("RGB")
    if image.width > width:
        image = image.resize(
            (width, round(image.height * width / image.width)), Image.Resampling.LANCZOS
        )
    image.quantize(colors=256, method=Image.Quantize.MAXCOVERAGE).save(path, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("results", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with browser() as instance, visit(instance, args.results / "report.html", width=1100) as seen:
        page = seen.page
        page.locator("#slice-S1 > summary").click()
        page.wait_for_function(
            "() => [...document.querySelectorAll('#slice-S1 img')].every(i => i.complete)"
        )
        for name, selector in SHOTS.items():
            element = page.locator(selector)
            if not element.count():
                continue
            if name == "report-slices":
                page.locator("#slice-S1 > summary").click()  # the list folded
            path = args.out / f"{name}.png"
            element.screenshot(path=str(path))
            if name == "report-slices":
                page.locator("#slice-S1 > summary").click()
            shrink(path)
            print(path, path.stat().st_size)
        if seen.console_errors or seen.page_errors or seen.requests:
            raise SystemExit(
                f"page problems: {seen.console_errors + seen.page_errors + seen.requests}"
            )


if __name__ == "__main__":
    main()
