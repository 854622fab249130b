"""The built book in a real browser (Debian's Chromium), with the network cut off.

Every page of both editions is opened from local files while every request to
another host is aborted: no request may fail, no script may throw, every
Altair chart must have drawn, every formula must be typeset, every sidebar
link must resolve, and axe-core (bundled by ``axe-playwright-python``) must
find no serious or critical accessibility violation. The search page must
find "proteinuria". The kernel-free widgets are driven as a student would:
a quiz with the keyboard, the BILAG form and the visit comparer through their
selects, whose results must be the library's. One screenshot per lesson (and
one in dark mode) is kept in ``test-artifacts/screenshots/``.

The book is built once per session by ``tests/test_book.py``; these tests are
in the same xdist group so they run in the same worker as that build.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_book import HTML, INSTRUCTOR_HTML, REPO, build_book_once, html_pages

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("book")]

SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
CHART_WAIT_MS = 30_000

ALL_CHARTS_SETTLED = """() => [...document.querySelectorAll('div.lupus-vega-chart')]
    .every(d => d.dataset.lupusDrawn === 'done' || d.dataset.lupusDrawn === 'error')"""
ALL_MATH_TYPESET = """() => [...document.querySelectorAll('.math')]
    .every(el => el.querySelector('mjx-container') !== null)"""


#: axe-core impacts that fail a page.
AXE_FAILING = {"serious", "critical"}


@pytest.fixture(scope="module")
def book_html() -> Path:
    build_book_once()
    return HTML


@pytest.fixture(scope="module")
def instructor_html() -> Path:
    build_book_once("instructor")
    return INSTRUCTOR_HTML


def axe_violations(page) -> list[str]:
    """Serious and critical axe-core violations of the open page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    # preload off: axe would re-fetch every stylesheet with XHR, which browsers refuse
    # for file:// pages (and the refusals would read as failed page requests).
    results = Axe().run(page, options={"resultTypes": ["violations"], "preload": False})
    return [
        f"axe {v['id']} ({v['impact']}): {v['help']}; e.g. {v['nodes'][0]['html'][:120]}"
        for v in results.response["violations"] if v.get("impact") in AXE_FAILING
    ]


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


def check_pages(root: Path, offline, screenshots: bool) -> tuple[dict[str, list[str]], int, int]:
    """Open every page of a built edition; return its problems, charts and formula pages."""
    pages = html_pages(root)
    assert len(pages) >= 6
    charts_seen = math_pages = 0
    report: dict[str, list[str]] = {}
    for path in pages:
        name = path.relative_to(root).as_posix()
        page = offline.open(path.as_uri())
        problems = []
        charts = page.locator("div.lupus-vega-chart")
        if charts.count():
            page.wait_for_function(ALL_CHARTS_SETTLED, timeout=CHART_WAIT_MS)
            for i in range(charts.count()):
                drawn = charts.nth(i).locator("svg.marks, canvas.marks").count()
                if not drawn:
                    problems.append(f"chart {i + 1} drew no SVG or canvas")
            alternatives = page.locator("div.lupus-vega-chart + details.lupus-chart-text")
            if alternatives.count() != charts.count():
                problems.append("a chart has no text version under it")
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
        try:  # the theme fills the sidebar after load; give it time on a busy machine
            page.wait_for_selector("nav.bd-docs-nav a[href]", state="attached", timeout=15000)
        except PlaywrightTimeout:
            pass  # reported just below as "no sidebar navigation"
        sidebar = page.eval_on_selector_all(
            "nav.bd-docs-nav a[href]", "links => links.map(a => a.href)"
        )
        if not sidebar:
            problems.append("no sidebar navigation")
        for url in sidebar:
            if url.startswith("file://") and not _file_of(url).is_file():
                problems.append(f"sidebar link to a missing page: {url}")
        problems += axe_violations(page)
        if screenshots and name.startswith("lessons/"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{Path(name).stem}.png"), full_page=True)
        problems += offline.problems()
        if problems:
            report[name] = problems
    return report, charts_seen, math_pages


def test_every_page_renders_offline(book_html, offline):
    report, charts_seen, math_pages = check_pages(book_html, offline, screenshots=True)
    assert report == {}
    assert math_pages >= 1, "no page has a formula: the MathJax check ran on nothing"
    lessons_with_altair = [
        p for p in (REPO / "notebooks").glob("*.ipynb") if "altair" in p.read_text("utf-8")
    ]
    if lessons_with_altair:
        assert charts_seen >= 1, "lessons use Altair but the book shows no chart"


def test_every_page_of_the_instructor_edition_renders_offline(instructor_html, offline):
    report, charts_seen, _ = check_pages(instructor_html, offline, screenshots=False)
    assert report == {}
    assert charts_seen >= 1
    page = offline.open((instructor_html / "exercises" / "03_flares.html").as_uri())
    fold = page.locator(".admonition.dropdown", has_text="Show solution").first
    assert "compare_visits(BEFORE, AFTER)" in fold.text_content()


def test_axe_finds_a_summary_without_a_name(offline, tmp_path):
    """The check above can fail: a page with a nameless <summary> is reported."""
    page_file = tmp_path / "bad.html"
    page_file.write_text('<!doctype html><html lang="en"><head><title>t</title></head><body>'
                         "<main><details><summary></summary>x</details></main></body></html>",
                         encoding="utf-8")
    page = offline.open(page_file.as_uri())
    assert any("summary-name" in v for v in axe_violations(page))


def test_dark_mode_keeps_charts_on_a_light_card(book_html, playwright_browser):
    page = playwright_browser.new_page(viewport={"width": 1280, "height": 900},
                                       color_scheme="dark")
    try:
        page.goto((book_html / "lessons" / "03_flares.html").as_uri())
        page.evaluate("document.documentElement.dataset.theme = 'dark'")
        page.wait_for_function(ALL_CHARTS_SETTLED, timeout=CHART_WAIT_MS)
        backgrounds = page.eval_on_selector_all(
            "div.lupus-vega-chart", "els => els.map(e => getComputedStyle(e).backgroundColor)")
        assert backgrounds and set(backgrounds) == {"rgb(255, 255, 255)"}
        body = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert body != "rgb(255, 255, 255)"  # the page itself is dark
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "03_flares-dark.png"), full_page=True)
    finally:
        page.close()


# ---------------------------------------------------------------------------
# Kernel-free widgets and quizzes


def _chart_texts(chart) -> list[str]:
    return chart.locator("svg text").evaluate_all("ts => ts.map(t => t.textContent)")


def _first_quiz(lesson: str) -> dict:
    """The first question of a lesson as the library builds it (its widget, made static)."""
    import nbformat

    from lupus_teach import static_widgets
    from lupus_teach.widgets import grades

    try:
        from lupus_teach import quiz as bank
    except ImportError:
        bank = grades
    path = next((REPO / "notebooks").glob(f"{lesson}_*.ipynb"))
    cell = next(c for c in nbformat.read(path, as_version=4).cells
                if c.cell_type == "code" and c.source.lstrip().startswith("self_check("))
    widget = eval(cell.source, {"self_check": getattr(bank, "self_check", grades.self_check)})
    return static_widgets._payload_from_widget(widget)


def test_quiz_answers_from_the_keyboard_with_the_widget_feedback(book_html, offline):
    import json

    page = offline.open((book_html / "lessons" / "02_bilag_index.html").as_uri())
    quiz = page.locator("fieldset.lupus-quiz").first
    status = quiz.locator(".lupus-quiz-feedback")
    assert status.inner_text() == "Choose an answer."
    assert "Correct" not in quiz.inner_text()  # nothing revealed before an answer
    options = quiz.locator("label.lupus-quiz-option").all_inner_texts()
    feedback = json.loads(quiz.locator("script.lupus-quiz-data").text_content())["feedback"]
    quiz.locator("input").first.focus()
    page.keyboard.press("Space")
    assert status.inner_text() == feedback[0]
    page.keyboard.press("ArrowDown")
    assert quiz.locator("input").nth(1).is_checked()
    assert status.inner_text() == feedback[1]
    # The sentences are the library's own: those of the lesson's first question.
    assert [o.strip() for o in options] == [o["text"] for o in _first_quiz("02")["options"]]
    assert feedback == [o["feedback"] for o in _first_quiz("02")["options"]]
    assert sum(text.startswith("Correct.") for text in feedback) == 1
    assert offline.problems() == []


def _select_values(chart, names) -> dict[str, str]:
    return {n: chart.locator(f"select[name={n}]").input_value() for n in names}


def test_bilag_form_changes_scores_as_the_library_does(book_html, offline):
    from lupus_teach.bilag import SCHEMES, global_score, overall_grade, system_names

    page = offline.open((book_html / "lessons" / "02_bilag_index.html").as_uri())
    page.wait_for_function(ALL_CHARTS_SETTLED, timeout=CHART_WAIT_MS)
    form = page.locator("div.lupus-vega-chart:has(select[name=grade_renal])")
    assert form.count() == 1
    systems = list(system_names("classic"))
    for visit in ({"renal": "B", "musculoskeletal": "C"}, {"general": "A", "vasculitis": "B"}):
        for system in systems:
            form.locator(f"select[name=grade_{system}]").select_option(visit.get(system, "E"))
        grades = {s: v for s, v in zip(systems, _select_values(
            form, [f"grade_{s}" for s in systems]).values(), strict=True)}
        page.wait_for_timeout(200)
        texts = _chart_texts(form)
        assert f"Overall grade: {overall_grade(grades).value}" in texts
        for name, scheme in SCHEMES.items():
            if scheme.index.value == "classic":
                line = f"{name}: {global_score(grades, name)} of {scheme.maximum()}"
                assert any(t.startswith(line) for t in texts), (line, texts)
    assert offline.problems() == []


def test_visit_comparer_changes_flare_as_the_library_does(book_html, offline):
    from lupus_teach.bilag import compare_visits, system_names

    page = offline.open((book_html / "lessons" / "03_flares.html").as_uri())
    page.wait_for_function(ALL_CHARTS_SETTLED, timeout=CHART_WAIT_MS)
    comparer = page.locator("div.lupus-vega-chart:has(select[name=after_renal])")
    assert comparer.count() == 1
    systems = list(system_names("classic"))
    seen = set()
    for before, after in (("D", "A"), ("C", "B"), ("E", "C"), ("A", "B")):
        for system in systems:  # quiet visits, then one change in renal
            comparer.locator(f"select[name=before_{system}]").select_option("D")
            comparer.locator(f"select[name=after_{system}]").select_option("D")
        comparer.locator("select[name=before_renal]").select_option(before)
        comparer.locator("select[name=after_renal]").select_option(after)
        page.wait_for_timeout(200)
        expected = compare_visits({**dict.fromkeys(systems, "D"), "renal": before},
                                  {**dict.fromkeys(systems, "D"), "renal": after}).flare.value
        assert f"Flare: {expected}" in _chart_texts(comparer)
        seen.add(expected)
    assert seen == {"severe", "moderate", "mild", "none"}
    assert offline.problems() == []


def test_timeline_gallery_shows_the_library_classification(book_html, offline):
    page = offline.open((book_html / "lessons" / "04_response_definitions.html").as_uri())
    page.wait_for_function(ALL_CHARTS_SETTLED, timeout=CHART_WAIT_MS)
    gallery = page.locator("div.lupus-vega-chart:has(select[name=patient_case])")
    assert gallery.count() == 1
    case = gallery.locator("select[name=patient_case]")
    responses = set()
    for value in case.locator("option").evaluate_all("os => os.map(o => o.value)"):
        case.select_option(value)
        page.wait_for_timeout(100)
        responses |= {t for t in _chart_texts(gallery) if t.startswith("Response:")}
    assert len(responses) >= 3  # the cases do not all classify alike
    assert offline.problems() == []


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
