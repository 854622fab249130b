"""An HTML report passes axe-core (no serious or critical violation), like the book."""

from __future__ import annotations

from pathlib import Path

import pytest

from lupus_teach.cli import main

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parent.parent


def test_report_has_no_serious_accessibility_violation(tmp_path, playwright_browser):
    from axe_playwright_python.sync_playwright import Axe

    out = tmp_path / "report.html"
    assert main(["report", str(REPO / "data" / "cohort" / "visits.csv"), "-o", str(out)]) == 0
    page = playwright_browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.route("**/*", lambda route: route.continue_()
                   if route.request.url.startswith("file://") else route.abort())
        page.goto(out.as_uri(), wait_until="load")
        page.wait_for_timeout(500)
        violations = Axe().run(page, options={"resultTypes": ["violations"],
                                              "preload": False}).response["violations"]
        serious = [f"{v['id']} ({v['impact']}): {v['nodes'][0]['html'][:120]}"
                   for v in violations if v.get("impact") in {"serious", "critical"}]
        assert serious == []
        assert page.locator("img, svg").count() >= 1  # the charts were checked too
    finally:
        page.close()
