"""Every lesson in real JupyterLab, driven like a student with Debian's Chromium, offline.

One JupyterLab server for the module (127.0.0.1, random port and token, a
temporary copy of ``notebooks/``: nothing is written into the repository).
Where ``unshare -n`` works (root, as in CI) the server and the browser share a
new network namespace with only the loopback interface; everywhere, the page's
requests to any host but the server are aborted and reported as failures.

For every lesson: Run All finishes with no error or warning output and no
widget failure, the first cell shows nothing, every chart draws (and none is
wider than the notebook column), no script throws; then, for every widget, a
keyboard-only path changes a control's value and the widget's output follows,
while letters that are notebook shortcuts (``a``, ``b``, ``m``, ``r``,
``d d``) typed in the widget add, remove or retype no cell. A screenshot of
each lesson after Run All is kept in ``test-artifacts/jupyterlab/``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import CHROMIUM_ARGS
from jupyterlab_harness import (
    CELL_SUMMARY,
    CHART_PROBLEMS,
    NOTEBOOKS,
    PROBLEMS,
    REPO,
    LabPage,
    LabServer,
    open_notebook,
    run_all,
    screenshot_whole_notebook,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("jupyterlab")]

LESSONS = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb") if re.match(r"\d\d_", p.name)
                 and not p.name.startswith("00_"))
SCREENSHOTS = REPO / "test-artifacts" / "jupyterlab"

#: Top-level lesson widgets (not nested in another) and the control a keyboard
#: path uses in each: a drop-down, else a radio button, else a slider handle.
FIND_WIDGETS = """() => {
  const all = [...document.querySelectorAll('.jp-Notebook .lupus-widget')];
  const top = all.filter(w => !w.parentElement.closest('.lupus-widget'));
  return top.map((w, i) => {
    w.dataset.lupusTestId = String(i);
    const select = w.querySelector('select:not([disabled])');
    const radio = w.querySelector('input[type=radio]');
    const handle = w.querySelector('.noUi-handle');
    return {id: i, kind: select ? 'select' : radio ? 'radio' : handle ? 'slider' : 'none',
            guarded: w.dataset.lupusKeyboard === 'safe'};
  });
}"""

FOCUS_CONTROL = """([id, kind]) => {
  const w = document.querySelector(`[data-lupus-test-id="${id}"]`);
  const el = kind === 'select' ? w.querySelector('select:not([disabled])')
           : kind === 'radio' ? w.querySelector('input[type=radio]')
           : w.querySelector('.noUi-handle');
  el.scrollIntoView({block: 'center'});
  el.focus();
  return document.activeElement === el;
}"""

WIDGET_STATE = """(id) => {
  const w = document.querySelector(`[data-lupus-test-id="${id}"]`);
  const a = document.activeElement;
  const value = a && (a.value !== undefined ? String(a.value) + String(a.checked ?? '')
                      : a.getAttribute('aria-valuenow'));
  return {text: w.innerText, value: value, focusInside: w.contains(a)};
}"""

FIRST_CELL_OUTPUT = """() => {
  const cell = document.querySelector('.jp-Notebook .jp-CodeCell');
  return cell ? cell.querySelector('.jp-OutputArea').innerText.trim() : 'no code cell';
}"""


@pytest.fixture(scope="module")
def lab(playwright_browser: Any, chromium_path: str) -> Any:
    """The server and a browser that reaches only it (in its network namespace if possible)."""
    server = LabServer()
    server.start()
    browser = playwright_browser.browser_type.launch(
        executable_path=server.browser_wrapper or chromium_path, headless=True,
        args=CHROMIUM_ARGS,
    )
    try:
        yield server, browser
    finally:
        browser.close()
        server.stop()


def _shut_down_kernels(tab: LabPage) -> None:
    tab.page.evaluate("""async (token) => {
      const h = {Authorization: 'token ' + token};
      const kernels = await (await fetch('/api/kernels', {headers: h})).json();
      for (const k of kernels) {
        await fetch('/api/kernels/' + k.id, {method: 'DELETE', headers: h});
      }
    }""", tab.server.token)


def _keyboard_path(tab: LabPage, widget: dict[str, Any]) -> list[str]:
    """Drive one widget by keys only; return what went wrong (empty: all good)."""
    page = tab.page
    wid, kind = widget["id"], widget["kind"]
    problems: list[str] = []
    if not widget["guarded"]:
        problems.append(f"widget {wid}: the keyboard guard is not active")
    if kind == "none":
        return problems
    if not page.evaluate(FOCUS_CONTROL, [wid, kind]):
        return [*problems, f"widget {wid}: its {kind} cannot take the focus"]
    cells = page.evaluate(CELL_SUMMARY)
    before = page.evaluate(WIDGET_STATE, wid)
    at_end = page.evaluate("""() => { const a = document.activeElement;
        return a.tagName === 'SELECT' ? a.selectedIndex === a.options.length - 1
             : a.getAttribute('aria-valuenow') === a.getAttribute('aria-valuemax'); }""")
    key = {"select": "ArrowUp" if at_end else "ArrowDown", "radio": "Space",
           "slider": "ArrowLeft" if at_end else "ArrowRight"}[kind]
    page.keyboard.press(key)
    after = before
    for _ in range(80):  # up to 20 s for the kernel's answer
        page.wait_for_timeout(250)
        after = page.evaluate(WIDGET_STATE, wid)
        if after["text"] != before["text"]:
            break
    if after["value"] == before["value"]:
        problems.append(f"widget {wid} ({kind}): the key did not change the value")
    if after["text"] == before["text"]:
        problems.append(f"widget {wid} ({kind}): the output did not follow the new value")
    # notebook shortcuts typed inside the widget must stay in the widget
    for key in ["a", "b", "m", "r", "d", "d", "Tab"]:
        page.keyboard.press(key)
    page.wait_for_timeout(400)
    if page.evaluate(CELL_SUMMARY) != cells:
        problems.append(f"widget {wid} ({kind}): typing in it added, removed or retyped a cell")
    if not page.evaluate(WIDGET_STATE, wid)["focusInside"] and kind != "radio":
        problems.append(f"widget {wid} ({kind}): Tab left the widget instead of moving on in it")
    return problems


@pytest.mark.parametrize("name", LESSONS, ids=[n[:2] for n in LESSONS])
def test_lesson_in_jupyterlab(lab: Any, name: str) -> None:
    server, browser = lab
    tab = LabPage(browser, server)
    try:
        open_notebook(tab, name)
        run_all(tab)
        problems = list(tab.page.evaluate(PROBLEMS)) + list(tab.page.evaluate(CHART_PROBLEMS))
        first = tab.page.evaluate(FIRST_CELL_OUTPUT)
        if first:
            problems.append(f"the first code cell shows output: {first[:200]!r}")
        shot = SCREENSHOTS / f"{Path(name).stem}.png"
        screenshot_whole_notebook(tab, shot, part_height=1400)  # parts: easier to read
        widgets = tab.page.evaluate(FIND_WIDGETS)
        cells_before = tab.page.evaluate(CELL_SUMMARY)
        for widget in widgets:
            problems += _keyboard_path(tab, widget)
        if tab.page.evaluate(CELL_SUMMARY) != cells_before:
            problems.append("the cells changed while the widgets were driven")
        problems += [f"blocked request to another host: {u}" for u in tab.blocked]
        problems += [f"uncaught JavaScript error: {e}" for e in tab.errors]
        assert problems == [], f"{name} (screenshot: {shot})"
        assert widgets, f"{name}: no lesson widget found (every lesson has self-checks)"
    finally:
        _shut_down_kernels(tab)
        tab.close()


def test_the_server_is_isolated_or_requests_are_blocked(lab: Any) -> None:
    """Say which protection is in force; in CI as root the namespace must be used."""
    import os

    server, _ = lab
    if os.environ.get("CI", "").lower() == "true" and os.geteuid() == 0:
        assert server.isolated, "CI runs as root: the server must run in its own network namespace"
    assert server.url.startswith("http://127.0.0.1:")
