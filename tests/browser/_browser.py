"""Headless Chromium (Debian's package) driven by Playwright, with every network request refused.

Playwright's own browser download is never used: the tests point it at ``/usr/bin/chromium``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


def chromium_path() -> str | None:
    """Debian's chromium executable, or None."""
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if chromium_path() is None:
        return "no chromium browser: run scripts/setup.sh (apt-get install chromium)"
    return None


@dataclass
class Visit:
    """What happened while a page was open: console errors, page errors, requests made."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@contextmanager
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield instance
        finally:
            instance.close()


@contextmanager
def visit(instance: Any, path: Path, *, width: int = 1280, height: int = 900) -> Iterator[Visit]:
    """Open `path` (a local HTML file) in a fresh context that aborts any network request."""
    context = instance.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    seen = Visit(page)
    page.on("console", lambda m: m.type == "error" and seen.console_errors.append(m.text))
    page.on("pageerror", lambda e: seen.page_errors.append(str(e)))
    page.on("dialog", lambda d: (seen.dialogs.append(d.message), d.dismiss()))

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(("http:", "https:", "ws:", "wss:", "ftp:")):
            seen.requests.append(url)
            r.abort()
        else:
            if not url.startswith("file:") and not url.startswith("data:"):
                seen.requests.append(url)
            r.continue_()

    context.route("**/*", route)
    page.goto(path.resolve().as_uri())
    try:
        yield seen
    finally:
        context.close()


def screenshot(page: Any, name: str, **kwargs: Any) -> Path:
    """Save a PNG under test-artifacts/browser/ (ignored by git)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), **kwargs)
    return path


def element_screenshot(locator: Any, name: str) -> Path:
    """Save a PNG of one element under test-artifacts/browser/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    locator.screenshot(path=str(path))
    return path
