"""Run JupyterLab on 127.0.0.1 and drive it with Playwright and Debian's Chromium, offline.

Used by ``tests/test_jupyterlab_browser.py`` and ``benchmarks/bench_widgets.py``.

* :class:`LabServer` starts ``jupyter lab`` on a random free port of 127.0.0.1
  with a random token, no browser, its own config, settings, workspace and
  runtime folders, on a temporary copy of the notebooks (nothing is written
  into the repository). Where ``unshare -n`` works (root, as in CI) the server
  runs in a new network namespace holding only the loopback interface, and
  the browser is started in the same namespace with ``nsenter``: neither can
  reach anything but 127.0.0.1. Elsewhere the browser's requests to any other
  host are aborted (and recorded) all the same.
* :func:`open_notebook`, :func:`run_all` and the JavaScript snippets below are
  what a student does: open a lesson, Run All, read the page.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

#: JupyterLab settings for the test: every cell rendered (no windowing, so the
#: page holds every cell and output), no news or update checks.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
        '{"windowingMode": "none", "autoStartDefaultKernel": true}',
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        '{"fetchNews": "false", "checkForUpdates": false}',
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def network_namespace_available() -> bool:
    """Whether ``unshare -n`` (a private network namespace) and ``nsenter`` work here."""
    if not (shutil.which("unshare") and shutil.which("nsenter") and shutil.which("ip")):
        return False
    try:
        done = subprocess.run(
            ["unshare", "-n", "sh", "-c", "ip link set lo up"],
            capture_output=True, timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


class LabServer:
    """A JupyterLab server on a temporary copy of ``notebooks/``."""

    def __init__(self, isolate: bool | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="lupus-lab-"))
        self.notebooks = self.root / "notebooks"
        shutil.copytree(NOTEBOOKS, self.notebooks)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.isolated = network_namespace_available() if isolate is None else isolate
        self.log_path = self.root / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.browser_wrapper: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"

    def start(self, timeout: float = 90.0) -> None:
        settings = self.root / "settings"
        for rel, text in LAB_SETTINGS.items():
            path = settings / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        env = dict(os.environ)
        env.update(
            JUPYTER_CONFIG_DIR=str(self.root / "config"),
            JUPYTER_RUNTIME_DIR=str(self.root / "runtime"),
            IPYTHONDIR=str(self.root / "ipython"),
            JUPYTER_PLATFORM_DIRS="1",
            PYTHONUNBUFFERED="1",
        )
        lab = [
            str(Path(sys.executable).with_name("jupyter")), "lab",
            "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.notebooks}",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={self.root / 'workspaces'}",
            "--LabApp.news_url=", "--LabApp.check_for_updates_class="
            "jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            lab.append("--allow-root")
        if self.isolated:
            command = ["unshare", "-n", "sh", "-c",
                       'ip link set lo up && exec "$@"', "lab", *lab]
        else:
            command = lab
        with self.log_path.open("wb") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                command, cwd=self.notebooks, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        if self.isolated:
            wrapper = self.root / "chromium-in-namespace"
            wrapper.write_text(
                "#!/bin/sh\n"
                f'exec nsenter --target {self.process.pid} --net /usr/bin/chromium "$@"\n'
            )
            wrapper.chmod(0o755)
            self.browser_wrapper = str(wrapper)
        deadline = time.monotonic() + timeout
        ready = re.compile(rf"http://127\.0\.0\.1:{self.port}/lab")
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early:\n{self.log()}")
            if ready.search(self.log()):
                return
            time.sleep(0.3)
        raise RuntimeError(f"JupyterLab did not start within {timeout:g} s:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def lab_and_browser(chromium: str = "/usr/bin/chromium",
                    isolate: bool | None = None) -> Iterator[tuple[LabServer, Any]]:
    """A started :class:`LabServer` and a headless Playwright Chromium that can reach it."""
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    server = LabServer(isolate=isolate)
    try:
        server.start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=server.browser_wrapper or chromium, headless=True,
                args=CHROMIUM_ARGS,
            )
            try:
                yield server, browser
            finally:
                browser.close()
    finally:
        server.stop()


class LabPage:
    """A browser tab on the server that may only reach 127.0.0.1; records failures."""

    def __init__(self, browser: Any, server: LabServer, height: int = 1000) -> None:
        self.server = server
        self.context = browser.new_context(viewport={"width": 1280, "height": height})
        self.page = self.context.new_page()
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.opened_with_connections: int | None = None
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith((self.server.url + "/", "data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def close(self) -> None:
        self.context.close()


def open_notebook(tab: LabPage, name: str, timeout: float = 90_000) -> Any:
    page = tab.page
    tab.opened_with_connections = tab.server.log().count("Connecting to kernel")
    page.goto(tab.server.notebook_url(name), wait_until="domcontentloaded")
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=timeout)
    dialog = page.locator(".jp-Dialog .jp-mod-accept")
    try:  # "Select Kernel", when the setting above is not honoured
        dialog.wait_for(timeout=3000)
        dialog.click()
    except Exception:  # no dialog: nothing to do
        pass
    connected = tab.server.log().count("Connecting to kernel")
    deadline = time.monotonic() + timeout / 1000
    while tab.server.log().count("Connecting to kernel") <= connected_before(tab, connected):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the kernel never connected:\n{tab.server.log()[-2000:]}")
        page.wait_for_timeout(250)
    page.wait_for_function(KERNEL_IDLE, timeout=timeout)
    page.wait_for_timeout(500)
    return page


def connected_before(tab: LabPage, count: int) -> int:
    """Kernel connections logged before this notebook was opened."""
    return tab.opened_with_connections if tab.opened_with_connections is not None else count


KERNEL_IDLE = """() => {
  const panel = [...document.querySelectorAll('.jp-NotebookPanel')]
      .find(p => !p.classList.contains('lm-mod-hidden'));
  if (!panel) return false;
  const status = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  return !!status && status.getAttribute('data-status') === 'idle';
}"""

ALL_CELLS_RAN = """() => {
  const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
  return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""

ANY_CELL_STARTED = r"""() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
  .some(p => /\[(\*|\d+)\]/.test(p.textContent))"""

CELL_SUMMARY = """() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].map(c =>
  (c.classList.contains('jp-CodeCell') ? 'code' :
   c.classList.contains('jp-MarkdownCell') ? 'markdown' : 'raw'))"""

PROBLEMS = """() => {
  const out = [];
  document.querySelectorAll('[data-mime-type="application/vnd.jupyter.error"]').forEach(
    e => out.push('error output: ' + e.textContent.slice(0, 300)));
  // stderr is a problem when it warns or fails (a command's status line is not)
  document.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]').forEach(e => {
    if (/Warning|Error|Traceback/.test(e.textContent)) {
      out.push('stderr output: ' + e.textContent.slice(0, 300));
    }
  });
  document.querySelectorAll('.jp-OutputArea-output').forEach(e => {
    const t = e.textContent;
    if (/Error displaying widget|Failed to load model class|Could not create a view/.test(t)) {
      out.push('widget failure: ' + t.slice(0, 300));
    }
  });
  return out;
}"""

CHARTS_SETTLED = """() => [...document.querySelectorAll('.lupus-chart')]
  .filter(el => el.offsetParent !== null)
  .every(el => el.dataset.lupusDrawn && el.dataset.lupusDrawn !== '')"""

CHART_PROBLEMS = """() => {
  const out = [];
  const column = document.querySelector('.jp-Notebook .jp-Cell .jp-OutputArea');
  [...document.querySelectorAll('.lupus-chart')].filter(el => el.offsetParent !== null)
    .forEach((el, i) => {
      const label = el.getAttribute('aria-label') || ('chart ' + i);
      if (el.dataset.lupusDrawn === 'error') out.push('chart failed: ' + label);
      else if (!el.querySelector('svg')) out.push('chart drew nothing: ' + label);
      const svg = el.querySelector('svg');
      if (svg && svg.getBoundingClientRect().width > 760) {
        out.push('chart wider than the column (' +
                 Math.round(svg.getBoundingClientRect().width) + ' px): ' + label);
      }
    });
  return out;
}"""


def run_all(tab: LabPage, timeout: float = 180_000) -> None:
    page = tab.page
    page.click('.lm-MenuBar-item:has-text("Run")')
    page.click('.lm-Menu-item[data-command="runmenu:run-all"]')
    page.wait_for_function(ANY_CELL_STARTED, timeout=30_000)
    page.wait_for_function(ALL_CELLS_RAN, timeout=timeout)
    page.wait_for_function(KERNEL_IDLE, timeout=timeout)
    page.wait_for_function(CHARTS_SETTLED, timeout=60_000)


def screenshot_whole_notebook(tab: LabPage, path: Path, part_height: int = 0) -> list[Path]:
    """Screenshot with the viewport as tall as the notebook, so every cell is in it.

    With ``part_height``, also save the page in parts of that height (for reading).
    """
    page = tab.page
    height = page.evaluate("""() => {
      const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
      if (!panel) return 1000;
      const inner = [...panel.querySelectorAll('.jp-WindowedPanel-outer, .jp-Notebook')];
      return Math.max(1000, ...inner.map(e => e.scrollHeight)) + 150;
    }""")
    page.set_viewport_size({"width": 1280, "height": min(int(height) + 250, 30_000)})
    page.evaluate("""() => document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer, '
        + '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook')
        .forEach(e => { e.scrollTop = 0; })""")
    page.wait_for_timeout(800)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    parts = []
    if part_height:
        total = min(int(height) + 250, 30_000)
        for i, top in enumerate(range(0, total, part_height)):
            part = path.with_name(f"{path.stem}.part{i}.png")
            page.screenshot(path=str(part), clip={"x": 270, "y": top, "width": 1010,
                                                  "height": min(part_height, total - top)})
            parts.append(part)
    page.set_viewport_size({"width": 1280, "height": 1000})
    return parts
