"""Debian's chromium driven by Playwright, for the HTML report's tests, its benchmark
and the README's screenshots (docs/screenshots.py).

No browser is downloaded: Playwright launches ``/usr/bin/chromium`` (``PROCTOR_CHROMIUM``
overrides it) in a fresh empty profile with networking features off.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM = os.environ.get("PROCTOR_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def why_no_browser() -> str | None:
    """Why chromium cannot be driven here, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright)"
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


@contextmanager
def browser() -> Iterator[Any]:
    """Chromium launched in a new empty profile (Playwright makes one per launch); yields the
    browser: open contexts with ``new_context(offline=True)`` and so on."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()
