"""The built book in a real browser (Debian's Chromium), with the network cut off.

Every page is opened from local files while every request to another host is
aborted: no request may fail, no script may throw, every Altair chart must
have drawn, every formula must be typeset, every sidebar link must resolve,
and the search page must find "proteinuria". One screenshot per lesson is
kept in ``test-artifacts/screenshots/``.

The book is built once per session by ``tests/test_book.py``; these tests are
in the same xdist group so they run in the same worker as that build.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from test_book import HTML, REPO, build_book_once, html_pages

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("book")]

SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
CHART_WAIT_MS = 30_000

ALL_CHARTS_SETTLED = """() => [...document.querySelectorAll('div.lupus-vega-chart')]
    .every(d => d.dataset.lupusDrawn === 'done' || d.dataset.lupusDrawn === 'error')"""
ALL_MATH_TYPESET = """() => [...document.querySelectorAll('.math')]
    .every(el => el.querySelector('mjx-container') !== null)"""


@pytest.fixture(scope="module")
def book_html() -> Path:
    build_book_once()
    return HTML


class OfflinePage:
    """A browser tab that may only load file:// URLs; records every failure."""

    def __init__(self, browser):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url}: {r.failure}"))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def open(self, url: str):
        self.blocked.clear(), self.failed.clear(), self.errors.clear()
        self.page.goto(url, wait_until="load")
        return self.page

    def problems(self) -> list[str]:
        return ([f"blocked request to another host: {u}" for u in self.blocked]
                + [f"failed request: {u}" for u in self.failed]
                + [f"uncaught JavaScript error: {e}" for e in self.errors])

    def close(self):
        self.page.close()


@pytest.fixture
def offline(playwright_browser):
    tab = OfflinePage(playwright_browser)
    yield tab
    tab.close()


def _file_of(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


def test_every_page_renders_offline(book_html, offline):
    pages = html_pages(book_html)
    assert len(pages) >= 6
    charts_seen = math_pages = 0
    report: dict[str, list[str]] = {}
    for path in pages:
        name = path.relative_to(book_html).as_posix()
        page = offline.open(path.as_uri())
        problems = []
        charts = page.locator("div.lupus-vega-chart")
        if charts.count():
            page.wait_for_function(ALL_CHARTS_SETTLED, timeout=CHART_WAIT_MS)
            for i in range(charts.count()):
                drawn = charts.nth(i).locator("svg.marks, canvas.marks").count()
                if not drawn:
                    problems.append(f"chart {i + 1} drew no SVG or canvas")
            charts_seen += charts.count()
        if page.locator(".math").count():
            math_pages += 1
            page.wait_for_function(ALL_MATH_TYPESET, timeout=CHART_WAIT_MS)
            if page.locator("[data-mml-node='merror']").count():
                problems.append("MathJax reported a TeX error")
        if page.locator("div.lupus-widget-note").count() == 0 and page.locator(
            ".jupyter-widgets, .widget-subarea"
        ).count():
            problems.append("an empty widget area is shown")
        sidebar = page.eval_on_selector_all(
            "nav.bd-docs-nav a[href]", "links => links.map(a => a.href)"
        )
        if not sidebar:
            problems.append("no sidebar navigation")
        for url in sidebar:
            if url.startswith("file://") and not _file_of(url).is_file():
                problems.append(f"sidebar link to a missing page: {url}")
        if name.startswith("lessons/"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{Path(name).stem}.png"), full_page=True)
        problems += offline.problems()
        if problems:
            report[name] = problems
    assert report == {}
    assert math_pages >= 1, "no page has a formula: the MathJax check ran on nothing"
    lessons_with_altair = [
        p for p in (REPO / "notebooks").glob("*.ipynb") if "altair" in p.read_text("utf-8")
    ]
    if lessons_with_altair:
        assert charts_seen >= 1, "lessons use Altair but the book shows no chart"


def test_glossary_formula_is_typeset(book_html, offline):
    page = offline.open((book_html / "glossary.html").as_uri())
    page.wait_for_function(ALL_MATH_TYPESET, timeout=CHART_WAIT_MS)
    assert page.locator("mjx-container svg").count() >= 3
    assert offline.problems() == []


def test_search_finds_proteinuria(book_html, offline):
    page = offline.open((book_html / "search.html").as_uri() + "?q=proteinuria")
    page.wait_for_selector("#search-results li", timeout=CHART_WAIT_MS)
    titles = page.eval_on_selector_all("#search-results li a", "a => a.map(x => x.textContent)")
    assert "Glossary" in titles
    assert offline.problems() == []
