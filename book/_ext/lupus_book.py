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
* Static quizzes. In book kernels a "check your understanding" question is
  displayed as ``application/vnd.lupus-teach.quiz+json`` (see
  ``lupus_teach.static_widgets``); it is rendered as a real radio group whose
  feedback, computed by the library, is shown by ``_ext/static/lupus-quiz.js``.
  The BILAG form, the visit comparer and the response timeline are displayed as
  Vega-Lite charts with bound selects, drawn like any other chart.
* Every chart is followed by a folded text alternative (its description and
  its data as a table), reachable with the keyboard.
* Editions. On ``config-inited`` the extension writes the book's copies of the
  lessons and exercises for the edition named by ``LUPUS_BOOK_EDITION``
  (default: student, with no solutions), so that a plain
  ``jupyter-book build book`` works in a fresh clone.
* MathJax 3 (SVG output, no font files) is copied into the static files from
  the django-static-mathjax package; ``mathjax_path`` in ``_config.yml``
  points at it.

MyST-NB finds MIME renderers through the ``myst_nb.mime_renderers`` entry point
group; this extension adds its two renderers to that list when Sphinx loads
it, so the book needs no packaging change.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError

from lupus_teach import book as lt_book

CHART_CLASS = "lupus-vega-chart"
QUIZ_CLASS = "lupus-quiz"
QUIZ_MIME = "application/vnd.lupus-teach.quiz+json"
#: Most data rows shown in a chart's text alternative.
MAX_TABLE_ROWS = 60
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
        title = spec.get("title") or "chart"
        if isinstance(title, dict):
            title = title.get("text", "chart")
        if isinstance(title, list):
            title = " ".join(map(str, title))
        description = spec.get("description") or str(title)
        html = (
            f'<div class="{CHART_CLASS}" role="figure" aria-label="{_attr(title)}" '
            f'data-file-name="{_attr(_file_name(str(title)))}">'
            f'<script type="application/json" class="lupus-vega-spec">{payload}</script>'
            "</div>"
            + chart_text_alternative(spec, str(title), str(description))
        )
        return [nodes.raw(text=html, format="html", classes=["output", "lupus-vega-output"])]


def _file_name(title: str) -> str:
    """A file name for a chart's exports, from its title."""
    name = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower()
    return name[:60] or "chart"


def _datasets(spec: dict) -> list[list[dict]]:
    found = [rows for rows in (spec.get("datasets") or {}).values() if isinstance(rows, list)]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and isinstance(data.get("values"), list):
                found.append(data["values"])
            for key, value in node.items():
                if key not in ("data", "datasets"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in spec.items() if k != "datasets"})
    return [rows for rows in found if rows and all(isinstance(r, dict) for r in rows)]


def _cell(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, float):
        value = f"{value:.3g}"
    return _attr("" if value is None else value)


def chart_text_alternative(spec: dict, title: str, description: str) -> str:
    """A folded text version of a chart: its description and its largest data table."""
    parts = [f'<details class="lupus-chart-text"><summary>Text version of the chart: '
             f"{_attr(title)}</summary><p>{_attr(description)}</p>"]
    tables = _datasets(spec)
    if tables:
        rows = max(tables, key=len)
        columns = list(dict.fromkeys(k for r in rows[:MAX_TABLE_ROWS] for k in r))
        head = "".join(f'<th scope="col">{_attr(c)}</th>' for c in columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{_cell(r.get(c))}</td>" for c in columns) + "</tr>"
            for r in rows[:MAX_TABLE_ROWS]
        )
        more = (f"<p>First {MAX_TABLE_ROWS} of {len(rows)} rows.</p>"
                if len(rows) > MAX_TABLE_ROWS else "")
        parts.append(f'<div class="lupus-table-scroll" tabindex="0" role="region" '
                     f'aria-label="Data of the chart {_attr(title)}"><table>'
                     f"<caption>Data of the chart</caption><thead><tr>{head}</tr></thead>"
                     f"<tbody>{body}</tbody></table></div>{more}")
    parts.append("</details>")
    return "".join(parts)


class QuizMimeRenderer:
    """Render a question of the bank as radio buttons with the widget's feedback."""

    mime_priority_overrides = (("html", QUIZ_MIME, 4),)

    @staticmethod
    def handle_mime(renderer: Any, data: Any, inline: bool) -> list[nodes.Element] | None:
        if data.mime_type != QUIZ_MIME:
            return None
        content = data.content
        if isinstance(content, (str, bytes)):
            content = json.loads(content)
        html = "".join(quiz_html(q) for q in content.get("questions", []))
        return [nodes.raw(text=html, format="html", classes=["output", "lupus-quiz-output"])]


def quiz_html(question: dict) -> str:
    """One question as a fieldset of radio buttons; feedback is shown by lupus-quiz.js."""
    text = str(question.get("question", ""))
    key = str(question.get("key") or "")
    ident = "q-" + (re.sub(r"[^A-Za-z0-9]+", "-", key) if key else
                    hashlib.sha1(text.encode("utf-8")).hexdigest()[:10])
    feedback = [str(o.get("feedback", "")) for o in question.get("options", [])]
    options = "".join(
        f'<label class="lupus-quiz-option"><input type="radio" name="{ident}" '
        f'value="{i}"> {_attr(o.get("text", ""))}</label>'
        for i, o in enumerate(question.get("options", []))
    )
    payload = json.dumps({"feedback": feedback}).replace("</", "<\\/")
    return (
        f'<fieldset class="{QUIZ_CLASS}" id="{ident}"><legend>{_attr(text)}</legend>'
        f"{options}"
        f'<p class="lupus-quiz-feedback" role="status" aria-live="polite">'
        f'{_attr(question.get("prompt", "Choose an answer."))}</p>'
        f'<script type="application/json" class="lupus-quiz-data">{payload}</script>'
        "</fieldset>"
    )


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
        return [*original(), VegaMimeRenderer, QuizMimeRenderer, WidgetViewRenderer]

    load_mime_renders._lupus_book = True  # type: ignore[attr-defined]
    render.load_mime_renders = load_mime_renders


def _generated_dir(app: Sphinx) -> Path:
    return Path(app.outdir).parent


def _sync_edition(app: Sphinx, config: Config) -> None:
    """Write the lessons' and exercises' copies for the edition being built."""
    edition = lt_book.edition_of()
    book = Path(app.srcdir)
    expected = lt_book.build_dir(book, edition) / "html"
    if Path(app.outdir).resolve() != expected.resolve():
        raise ExtensionError(
            f"The {edition.value} edition of the book is built into {expected}, not "
            f"{app.outdir}: run `lupus-teach book build --edition {edition.value}`."
        )
    lt_book.sync_sources(book.parent, edition=edition)


def _extension_digest() -> str:
    """A digest of this extension and its static files."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for path in sorted([Path(__file__), *(here / "static").glob("*")]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _on_config_inited(app: Sphinx, config: Config) -> None:
    # An HTML-level config value: when the extension changes, Sphinx rewrites every
    # page (not only the changed ones), so each gets the new scripts and markup.
    config.html_context = {**(config.html_context or {}),
                           "lupus_book_digest": _extension_digest()}
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
    body = context.get("body") or ""
    if 'role="list" class="citation-list"' in body:
        # docutils marks the bibliography as a list whose entries are not list items
        # (axe-core aria-required-children, critical): it is a plain block of entries.
        body = body.replace('role="list" class="citation-list"', 'class="citation-list"')
        context["body"] = body
    builder: Any = app.builder
    if CHART_CLASS in body:
        # The builder's list is reset after each page: these load on this page only.
        builder.add_js_file("vendor/vega/vega-bundle.js", priority=600, defer="defer")
        builder.add_js_file("lupus-vega-loader.js", priority=601, defer="defer")
    if QUIZ_CLASS in body:
        builder.add_js_file("lupus-quiz.js", priority=602, defer="defer")
    _tidy_assets(context)


def setup(app: Sphinx) -> dict[str, Any]:
    _install_mime_renderers()
    app.connect("config-inited", _sync_edition, priority=100)
    app.connect("config-inited", _on_config_inited)
    app.connect("html-page-context", _on_html_page_context)
    app.add_css_file("lupus-book.css")
    app.add_js_file("lupus-book.js", defer="defer")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
