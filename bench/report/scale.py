"""Size and time to interactive of report.html on the real Fashion-MNIST demo.

    .venv/bin/python bench/report/scale.py --n-images 10000 --out /tmp/ws-10k

Runs ``weakspot demo`` (``--embed none`` unless ``--embed efficientnet``) on N test images,
then opens its report.html in Debian's headless chromium with the network refused and prints
the file size, the number of embedded pictures and the milliseconds until the page's script
has run (the ``data-ready-ms`` the page sets), next to the same page without pictures.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.browser._browser import browser, visit  # noqa: E402
from weakspot.report import render_html  # noqa: E402


def ready_ms(instance, path: Path) -> tuple[int, list[str]]:
    with visit(instance, path) as seen:
        seen.page.wait_for_selector("html[data-ready-ms]")
        ms = int(seen.page.get_attribute("html", "data-ready-ms"))
        return ms, seen.console_errors + seen.page_errors + seen.requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-images", type=int, default=10000)
    parser.add_argument("--embed", default="none")
    parser.add_argument("--out", type=Path, default=Path("/tmp/ws-report-scale"))
    args = parser.parse_args()
    weakspot = Path(sys.executable).parent / "weakspot"
    cmd = [
        str(weakspot),
        "demo",
        "--out",
        str(args.out),
        "--n-images",
        str(args.n_images),
        "--embed",
        args.embed,
    ]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    report = args.out / "report.html"
    doc = json.loads((args.out / "analysis.json").read_text())
    bare = args.out / "report-no-pictures.html"
    for s in doc["slices"]:
        s["examples"], s["feature_pictures"] = None, None
    bare.write_text(render_html({**doc, "quality": []}), encoding="utf-8")
    html = report.read_text()
    with browser() as instance:
        runs = [ready_ms(instance, report) for _ in range(3)]
        bare_runs = [ready_ms(instance, bare) for _ in range(3)]
    problems = sorted({p for _, ps in runs + bare_runs for p in ps})
    print("| page | examples | slices | pictures | size | interactive (ms, best of 3) |")
    print("|---|---|---|---|---|---|")
    print(
        f"| report.html | {doc['dataset']['n_examples']:,} | {len(doc['slices'])} | "
        f"{html.count('data-t=')} references, {html.count('data:image/')} embedded | "
        f"{report.stat().st_size / 1e6:.1f} MB | {min(ms for ms, _ in runs)} |"
    )
    print(
        f"| without pictures | {doc['dataset']['n_examples']:,} | {len(doc['slices'])} | 0 | "
        f"{bare.stat().st_size / 1e6:.2f} MB | {min(ms for ms, _ in bare_runs)} |"
    )
    print("console errors / requests:", problems or "none")


if __name__ == "__main__":
    main()
