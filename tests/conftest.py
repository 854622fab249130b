"""Shared fixtures.

Browser tests
-------------
Mark a test ``@pytest.mark.browser`` and/or use the ``chromium_path`` or
``playwright_browser`` fixture. The browser is Debian's ``chromium`` package,
never a browser downloaded by Playwright. Without Chromium a browser test is
skipped with a message saying how to install it, except in CI (``CI=true``),
where it fails: there the browser tests must always run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_MISSING = (
    "Chromium is not installed: run `apt-get install chromium` (Debian) to enable browser tests"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def find_chromium() -> str | None:
    """The path of the system's Chromium, or None."""
    default = Path("/usr/bin/chromium")
    if default.exists() and os.access(default, os.X_OK):
        return str(default)
    return shutil.which("chromium")


def require_chromium() -> str:
    """Return Chromium's path; skip the test without it (fail instead when CI=true)."""
    path = find_chromium()
    if path is None:
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(CHROMIUM_MISSING, pytrace=False)
        pytest.skip(CHROMIUM_MISSING)
    return path


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``browser`` needs Chromium even if it uses no browser fixture."""
    if item.get_closest_marker("browser") is not None:
        require_chromium()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Path of Debian's Chromium (skips, or fails in CI, when it is missing)."""
    return require_chromium()


@pytest.fixture(scope="session")
def playwright_browser(chromium_path: str) -> Iterator[Any]:
    """A headless Playwright Chromium running the system's browser (one per test worker)."""
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
