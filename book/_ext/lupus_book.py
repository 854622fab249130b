"""Sphinx extension of the course book: everything a page needs, served locally.

* Altair charts. Notebooks executed for the book run in kernels whose
  IPython startup file enables Altair's ``mimetype`` renderer (see
  ``lupus_teach.book.KERNEL_STARTUP``), so a chart's output is its Vega-Lite
  spec under ``application/vnd.vegalite.v*``. The MIME renderer below turns it
  into ``<div class="lupus-vega-chart">`` holding the spec in a
  ``<script type="application/json">``; on pages that have such a chart, the
  Vega/Vega-Lite/Vega-Embed bundle (generated from vl-convert-python) and
  ``_ext/static/lupus-vega-loader.js`` are added once, and the loader calls
  ``vegaEmbed`` on every chart. No chart embeds its own copy of the libraries,
  so nothing collides and nothing is fetched from a CDN.
* Widgets. A widget view cannot run without a kernel; it is replaced by a
  short note (the lessons also show a static equivalent), and MyST-NB is
  configured (``nb_ipywidgets_js: {}``) not to load the widget manager from a
  CDN.
* MathJax 3 (SVG output, no font files) is copied into the static files from
  the django-static-mathjax package; ``mathjax_path`` in ``_config.yml``
  points at it.

MyST-NB finds MIME renderers through the ``myst_nb.mime_renderers`` entry point
group; this extension adds its two renderers to that list when Sphinx loads
it, so the book needs no packaging change.
"""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config

from lupus_teach import book as lt_book

CHART_CLASS = "lupus-vega-chart"
VEGA_MIME = re.compile(r"application/vnd\.vega(?:lite)?\.v\d+(?:\+json|\.json)")
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
_VEGA_MIMES = [
    f"application/vnd.{kind}.v{major}{suffix}"
    for kind in ("vegalite", "vega")
    for major in (5, 6)
    for suffix in ("+json", ".json")
]


class VegaMimeRenderer:
    """Render Vega and Vega-Lite outputs as a chart placeholder (HTML builders)."""

    # Before text/html, so Altair's own HTML is never used when both are present.
    mime_priority_overrides = tuple(("html", mime, 5) for mime in _VEGA_MIMES)

    @staticmethod
    def handle_mime(renderer: Any, data: Any, inline: bool) -> list[nodes.Element] | None:
        if not VEGA_MIME.fullmatch(data.mime_type):
            return None
        spec = data.content
        if isinstance(spec, (str, bytes)):
            spec = json.loads(spec)
        payload = json.dumps(spec, separators=(",", ":"), sort_keys=True)
        payload = payload.replace("</", "<\\/")  # never close the script early
        label = spec.get("description") or spec.get("title") or "chart"
        if isinstance(label, dict):
            label = label.get("text", "chart")
        html = (
            f'<div class="{CHART_CLASS}" role="figure" aria-label="{_attr(label)}">'
            f'<script type="application/json" class="lupus-vega-spec">{payload}</script>'
            "</div>"
        )
        return [nodes.raw(text=html, format="html", classes=["output", "lupus-vega-output"])]


class WidgetViewRenderer:
    """Replace a live widget (which needs a kernel) with a short note."""

    mime_priority_overrides: tuple[tuple[str, str, int | None], ...] = ()

    @staticmethod
    def handle_mime(renderer: Any, data: Any, inline: bool) -> list[nodes.Element] | None:
        if data.mime_type != WIDGET_VIEW_MIME:
            return None
        text = (
            "Interactive control: it needs a running Python kernel. Open this notebook "
            "in JupyterLab to use it (see “Run the notebooks yourself” on the home "
            "page); the static result is shown with it."
        )
        if inline:
            return [nodes.inline(text=text, classes=["lupus-widget-note"])]
        return [
            nodes.container(
                "", nodes.paragraph(text=text), classes=["output", "lupus-widget-note"]
            )
        ]


def _attr(text: object) -> str:
    return (
        str(text).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    )


def _install_mime_renderers() -> None:
    """Add our renderers to MyST-NB's list of MIME render plugins (once)."""
    from myst_nb.core import render

    if getattr(render.load_mime_renders, "_lupus_book", False):
        return
    original = render.load_mime_renders

    @functools.lru_cache
    def load_mime_renders() -> list[Any]:
        return [*original(), VegaMimeRenderer, WidgetViewRenderer]

    load_mime_renders._lupus_book = True  # type: ignore[attr-defined]
    render.load_mime_renders = load_mime_renders


def _generated_dir(app: Sphinx) -> Path:
    return Path(app.outdir).parent


def _on_config_inited(app: Sphinx, config: Config) -> None:
    generated = _generated_dir(app)
    static = generated / ".lupus_static"
    lt_book.write_static_assets(static)
    own = Path(__file__).parent / "static"
    config.html_static_path = [*config.html_static_path, str(own), str(static)]
    # Kernels started by the notebook execution inherit this environment.
    ipython_dir = lt_book.prepare_kernel_profile(generated / ".ipython")
    os.environ["IPYTHONDIR"] = str(ipython_dir)


def _is_thebe_asset(asset: Any) -> bool:
    filename = getattr(asset, "filename", None) or ""
    body = getattr(asset, "attributes", {}).get("body", "")
    return "sphinx-thebe" in filename or "THEBE_JS_URL" in body


def _tidy_assets(context: dict) -> None:
    """Drop duplicate and unused scripts from one page's list (in place).

    Sphinx 7.4 adds an inline script registered after the builder started
    (sphinx-thebe's ``const THEBE_JS_URL = ...``) twice, which throws
    "Identifier 'THEBE_JS_URL' has already been declared" on every page. Thebe
    (live code via a remote kernel) is switched off in this book, so its
    scripts and stylesheet are dropped altogether; any other duplicate is
    dropped too. Sphinx restores the lists after each page.
    """
    scripts = context.get("script_files")
    if isinstance(scripts, list):
        seen: set[tuple] = set()
        kept = []
        for asset in scripts:
            attrs = tuple(sorted(getattr(asset, "attributes", {}).items()))
            key = (getattr(asset, "filename", None) or "", attrs)
            if key in seen or _is_thebe_asset(asset):
                continue
            seen.add(key)
            kept.append(asset)
        scripts[:] = kept
    styles = context.get("css_files")
    if isinstance(styles, list):
        styles[:] = [
            css for css in styles if "sphinx-thebe" not in (getattr(css, "filename", "") or "")
        ]


def _on_html_page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    if CHART_CLASS in (context.get("body") or ""):
        # The builder's list is reset after each page: these load on this page only.
        builder: Any = app.builder
        builder.add_js_file("vendor/vega/vega-bundle.js", priority=600, defer="defer")
        builder.add_js_file("lupus-vega-loader.js", priority=601, defer="defer")
    _tidy_assets(context)


def setup(app: Sphinx) -> dict[str, Any]:
    _install_mime_renderers()
    app.connect("config-inited", _on_config_inited)
    app.connect("html-page-context", _on_html_page_context)
    app.add_css_file("lupus-book.css")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
