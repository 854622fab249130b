"""Proof that the browser fixtures work: open a page and check its JavaScript ran.

Also checks what happens without Chromium: a skip that says how to install it,
or, in CI, a failure with the same message.
"""

from __future__ import annotations

import urllib.parse

import conftest
import pytest

PAGE = """<!doctype html>
<html><head><title>smoke</title></head>
<body><p id="out">JavaScript did not run</p>
<script>
  document.getElementById("out").textContent = "grades: " + ["A", "B", "C"].join("");
  document.title = "ran " + (6 * 7);
</script></body></html>"""


@pytest.mark.browser
def test_chromium_runs_javascript(playwright_browser):
    page = playwright_browser.new_page()
    try:
        page.goto("data:text/html," + urllib.parse.quote(PAGE))
        assert page.title() == "ran 42"
        assert page.text_content("#out") == "grades: ABC"
        assert page.evaluate("() => 2 + 3") == 5
    finally:
        page.close()


def test_missing_chromium_skips_with_advice(monkeypatch):
    monkeypatch.setattr(conftest, "find_chromium", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as info:
        conftest.require_chromium()
    assert str(info.value) == (
        "Chromium is not installed: run `apt-get install chromium` (Debian) "
        "to enable browser tests"
    )


def test_missing_chromium_fails_in_ci(monkeypatch):
    monkeypatch.setattr(conftest, "find_chromium", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="apt-get install chromium"):
        conftest.require_chromium()
