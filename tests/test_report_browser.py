"""Open rendered reports in headless Chromium (issue 8): escaped, offline, every chart drawn.

Marked ``browser``: skipped without Debian's ``chromium`` (failing instead when
``CI=true``), see ``tests/conftest.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from lupus_teach import report
from lupus_teach.cli import main

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("report")]

FIXTURES = Path(__file__).parent / "report_fixtures"
HOSTILE = json.loads((FIXTURES / "hostile_strings.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small valid file with hostile patient ids, a hostile title and column name."""
    folder = tmp_path_factory.mktemp("hostile")
    table = pd.read_csv(FIXTURES / "small_valid.csv", dtype=str)
    pids = {old: new for old, new in zip(table["patient_id"].unique(), HOSTILE["patient_ids"],
                                          strict=False)}
    # ten patients: the five of the small file, then five copies with the other ids
    copies = table.copy()
    remaining = HOSTILE["patient_ids"][len(pids):]
    copies["patient_id"] = copies["patient_id"].map(
        dict(zip(table["patient_id"].unique(), remaining, strict=False)))
    table["patient_id"] = table["patient_id"].map(pids)
    table = pd.concat([table, copies.dropna(subset=["patient_id"])], ignore_index=True)
    table = table.rename(columns={"ward": HOSTILE["extra_column"]})
    source = folder / "hostile.csv"
    table.to_csv(source, index=False)
    out = folder / "hostile.html"
    assert main(["report", str(source), "-o", str(out), "--title", HOSTILE["title"]]) == 0
    return out


@pytest.fixture(scope="module")
def page(playwright_browser: Any, hostile_report: Path) -> Iterator[Any]:
    """The hostile report opened offline; records dialogs and every request."""
    context = playwright_browser.new_context(java_script_enabled=True)
    page = context.new_page()
    events: dict[str, list[str]] = {"dialogs": [], "requests": [], "blocked": [],
                                    "console": []}

    def on_dialog(dialog: Any) -> None:
        events["dialogs"].append(dialog.message)
        dialog.dismiss()

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith("file://"):
            request_route.continue_()
        else:
            events["blocked"].append(url)
            request_route.abort()

    page.on("dialog", on_dialog)
    page.on("request", lambda request: events["requests"].append(request.url))
    page.on("console", lambda message: events["console"].append(message.text))
    page.route("**/*", route)
    page.goto(hostile_report.as_uri(), wait_until="load")
    page.wait_for_timeout(500)  # let any (unwanted) handler fire
    page.events = events
    yield page
    context.close()


def test_no_script_runs(page: Any) -> None:
    assert page.events["dialogs"] == []
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    handlers = page.evaluate(
        "Array.from(document.querySelectorAll('*')).flatMap(e => Array.from(e.attributes)"
        ".filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name))"
    )
    assert handlers == []
    assert page.evaluate("getComputedStyle(document.body).display") != "none"


def test_hostile_strings_appear_as_text(page: Any) -> None:
    cells = page.evaluate(
        "Array.from(document.querySelectorAll('table.lt-table tbody tr'))"
        ".map(tr => tr.cells[0].textContent)"
    )
    for pid in HOSTILE["patient_ids"]:
        assert pid in cells, pid
    title = page.evaluate("document.querySelector('h1.lt-title').textContent")
    assert title == HOSTILE["title"]
    assert page.title() == HOSTILE["title"]
    notes = page.evaluate("document.querySelector('ul.lt-notes').textContent")
    assert HOSTILE["extra_column"] in notes
    # ids drawn in the heat-maps' facet titles are SVG text, not markup
    svg_text = page.evaluate(
        "Array.from(document.querySelectorAll('svg text')).map(t => t.textContent)"
    )
    assert HOSTILE["patient_ids"][0] in svg_text
    assert page.evaluate("document.querySelectorAll('a').length") == 0


def test_offline_no_other_host(page: Any, hostile_report: Path) -> None:
    assert page.events["blocked"] == []
    assert page.events["requests"] == [hostile_report.as_uri()]


def test_every_chart_is_drawn(page: Any) -> None:
    charts = page.evaluate(
        """Array.from(document.querySelectorAll('figure.lt-chart')).map(f => {
             const svg = f.querySelector('svg');
             if (!svg) return null;
             const box = svg.getBoundingClientRect();
             return {width: box.width, height: box.height,
                     marks: svg.querySelectorAll('path, rect, line').length};
           })"""
    )
    # response bar, heat-maps, flares, proteinuria, C3
    assert len(charts) == 5
    for chart in charts:
        assert chart is not None
        assert chart["width"] > 100 and chart["height"] > 100
        assert chart["marks"] > 10


def test_capped_heatmaps_say_so(page: Any) -> None:
    # ten patients, under the cap: no cap note
    assert report.MAX_HEATMAPS >= 10
    assert "Capped" not in page.evaluate("document.body.textContent")
