"""Show Altair charts and lesson tables in Jupyter, offline and readable.

Charts
------
Altair's default renderer writes HTML that loads Vega from a CDN, so on a
machine without internet a chart in JupyterLab stays empty. Altair's own
offline ``JupyterChart`` works, but every chart it shows carries its own copy
of the Vega libraries (about 900,000 characters) over the kernel's websocket.
:func:`use_offline_charts` instead registers a renderer built on two small
:mod:`anywidget` widgets (anywidget is the maintained way to ship a widget's
JavaScript from Python without a JupyterLab extension):

* :class:`VegaLibrary`: one per kernel session, never displayed. Its JavaScript
  is the Vega/Vega-Lite/Vega-Embed bundle of ``vl-convert-python``, built once
  and sent once; in the browser it makes ``vegaEmbed`` available to the charts.
* :class:`ChartView`: one chart. Its JavaScript is a few lines that wait for the
  library and draw the spec; setting :attr:`ChartView.chart` (or ``spec``)
  redraws the same view in place, finalising the previous Vega view, so a
  widget that updates its chart sends only the new spec and leaks nothing.

Without ``anywidget`` the charts are static SVG drawn by ``vl-convert``. Nothing
changes at import: a notebook calls the function once, at the top. Inside the
course website's build (the ``lupus_book`` renderer is active) the function
leaves the book's renderer alone.

Tables
------
:func:`lesson_table` shows a table the way a lesson should: full text wrapped,
plain-language headers, no index, "none" for missing values, integers as
integers and long tables folded behind a "Show all N rows" toggle.

Examples
--------
>>> import altair as alt
>>> before = alt.renderers.active
>>> import lupus_teach.display  # importing changes nothing
>>> alt.renderers.active == before
True
"""

from __future__ import annotations

import html
import numbers
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd

__all__ = [
    "BOOK_RENDERER",
    "OFFLINE_RENDERER",
    "ChartView",
    "LessonTable",
    "VegaLibrary",
    "chart_view",
    "header_label",
    "lesson_table",
    "unchecked_charts",
    "use_offline_charts",
]

#: The renderer the book build registers in its kernels (see lupus_teach.book).
BOOK_RENDERER = "lupus_book"
#: The renderer :func:`use_offline_charts` enables in JupyterLab.
OFFLINE_RENDERER = "lupus_offline"

# --------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------

#: Runs once per page, when the library's model is created: publishes vegaEmbed.
_LIBRARY_SNIPPET = """
const box = (globalThis.__lupusVega ??= {});
box.vegaEmbed = vegaEmbed;
if (box.resolve) { box.resolve(vegaEmbed); }
export default { initialize() {} };
"""

#: The chart view: waits for the library, draws, redraws in place on change.
_CHART_ESM = """
function library() {
  const box = (globalThis.__lupusVega ??= {});
  if (box.vegaEmbed) { return Promise.resolve(box.vegaEmbed); }
  box.promise ??= new Promise((resolve) => { box.resolve = resolve; });
  return box.promise;
}

function render({ model, el }) {
  el.classList.add("lupus-chart");
  el.setAttribute("role", "figure");
  let result = null;
  let token = 0;
  let draws = 0;
  const clear = () => {
    if (result) { result.finalize(); result = null; }
    el.replaceChildren();
  };
  // The spec without its data: when only the data changed, the view is kept and
  // its datasets replaced (fast); otherwise the chart is embedded again.
  const skeleton = (spec) => JSON.stringify(
    { ...spec, datasets: Object.keys(spec.datasets || {}), description: null });
  let shape = null;
  const draw = async () => {
    const mine = ++token;
    const spec = model.get("spec");
    el.setAttribute("aria-label", model.get("description") || "chart");
    const vegaEmbed = await library();
    if (mine !== token) { return; }
    if (!spec || Object.keys(spec).length === 0) {
      clear();
      shape = null;
      el.dataset.lupusDrawn = "empty";
      return;
    }
    const next = skeleton(spec);
    try {
      if (result && shape === next) {
        for (const [name, values] of Object.entries(spec.datasets || {})) {
          result.view.data(name, structuredClone(values));
        }
        await result.view.runAsync();
        if (mine !== token) { return; }
      } else {
        clear();
        const embedded = await vegaEmbed(el, structuredClone(spec),
                                         { actions: false, renderer: "svg" });
        if (mine !== token) { embedded.finalize(); return; }
        result = embedded;
        shape = next;
      }
      draws += 1;
      el.dataset.lupusDrawn = String(draws);
    } catch (error) {
      clear();
      shape = null;
      el.dataset.lupusDrawn = "error";
      el.textContent = "This chart could not be drawn: " + error.message;
    }
  };
  model.on("change:spec", draw);
  model.on("change:description", () => {
    el.setAttribute("aria-label", model.get("description") || "chart");
  });
  draw();
  return () => { token += 1; model.off("change:spec", draw); clear(); };
}

export default { render };
"""

#: The library widget's own module: imports the bundle from its ``source`` trait.
_LIBRARY_ESM = """
function initialize({ model }) {
  const box = (globalThis.__lupusVega ??= {});
  if (box.vegaEmbed || box.loading) { return; }
  box.loading = true;
  const url = URL.createObjectURL(new Blob([model.get("source")], { type: "text/javascript" }));
  import(url).finally(() => URL.revokeObjectURL(url));
}
export default { initialize };
"""

_CHART_CSS = """
.lupus-chart { max-width: 100%; overflow-x: auto; }
.lupus-chart svg { max-width: 100%; height: auto; }
"""

_library_instance: Any = None
_bundle_cache: str | None = None


def _vega_bundle() -> str:
    """The Vega/Vega-Lite/Vega-Embed bundle (about 900,000 characters).

    Building it takes ``vl-convert`` about 4 seconds, so it is kept for the
    process and in the system's temporary folder, under a name that depends on
    the versions and the snippet (a stale copy is never used).
    """
    global _bundle_cache
    if _bundle_cache is None:
        import hashlib
        import os
        import tempfile
        from pathlib import Path

        import vl_convert as vlc
        from altair.utils._importers import vl_version_for_vl_convert

        version = vl_version_for_vl_convert()
        key = hashlib.sha256(
            f"{vlc.__version__}|{version}|{_LIBRARY_SNIPPET}".encode()
        ).hexdigest()[:16]
        cached = Path(tempfile.gettempdir()) / f"lupus-teach-vega-{key}.js"
        try:
            _bundle_cache = cached.read_text(encoding="utf-8")
        except OSError:
            _bundle_cache = vlc.javascript_bundle(_LIBRARY_SNIPPET, vl_version=version)
            try:  # atomic: write a private file, then rename it into place
                fd, tmp = tempfile.mkstemp(dir=cached.parent, prefix=cached.name, text=True)
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(_bundle_cache)
                os.replace(tmp, cached)
            except OSError:  # a read-only temporary folder: build it each time
                pass
    return _bundle_cache


try:
    import anywidget
    import ipywidgets
    import traitlets

    class VegaLibrary(anywidget.AnyWidget):
        """The chart libraries for the page: one instance per kernel session, never shown.

        The bundle travels as the ``source`` trait, not as the widget's own
        module: the module is a few lines that start importing it, so the model
        is ready at once (anywidget gives a model's module 2 seconds) and the
        charts wait for the library.
        """

        _esm = _LIBRARY_ESM
        source = traitlets.Unicode("").tag(sync=True)

    class ChartView(anywidget.AnyWidget):
        """One Altair chart drawn offline; set :attr:`chart` to redraw it in place.

        Attributes
        ----------
        spec : dict
            The Vega-Lite spec shown (empty: nothing drawn).
        description : str
            The chart's text description (its ``aria-label``).

        Examples
        --------
        >>> import altair as alt, pandas as pd
        >>> view = ChartView()
        >>> view.chart = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x")
        >>> view.spec["mark"]["type"]
        'point'
        """

        _esm = _CHART_ESM
        _css = _CHART_CSS
        spec = traitlets.Dict(allow_none=True).tag(sync=True)
        description = traitlets.Unicode("").tag(sync=True)
        _library = traitlets.Instance(ipywidgets.Widget, allow_none=True).tag(
            sync=True, **ipywidgets.widget_serialization
        )

        def __init__(self, chart: Any = None, **kwargs: Any) -> None:
            super().__init__(_library=_library(), **kwargs)
            self._chart: Any = None
            if chart is not None:
                self.chart = chart

        @property
        def chart(self) -> Any:
            """The Altair chart shown (None when only a spec was given)."""
            return self._chart

        @chart.setter
        def chart(self, chart: Any) -> None:
            self._chart = chart
            if chart is None:
                with self.hold_sync():
                    self.spec, self.description = {}, ""
                return
            # the chart builders' output is validated by the tests; a live widget
            # skips the schema check (about 40 ms a change)
            spec = _stable_dataset_names(chart.to_dict(validate=False))
            with self.hold_sync():
                self.description = _description(spec)
                self.spec = spec

    def _library() -> VegaLibrary:
        global _library_instance
        if _library_instance is None:
            _library_instance = VegaLibrary(source=_vega_bundle())
        return _library_instance

    _HAVE_ANYWIDGET = True
except ImportError:  # pragma: no cover - anywidget is a dependency
    _HAVE_ANYWIDGET = False
    VegaLibrary = ChartView = None  # type: ignore[assignment,misc]


def _stable_dataset_names(spec: dict[str, Any]) -> dict[str, Any]:
    """Name a spec's datasets by position, not by content hash (as Altair does).

    Two charts that differ only in their data then have the same spec apart
    from the data, so the browser updates the view's data instead of building a
    new view.

    Examples
    --------
    >>> spec = {"datasets": {"data-1f": [{"x": 1}]}, "data": {"name": "data-1f"},
    ...         "layer": [{"data": {"name": "data-1f"}, "mark": "point"}]}
    >>> out = _stable_dataset_names(spec)
    >>> list(out["datasets"]), out["data"], out["layer"][0]["data"]
    (['lupus_data_0'], {'name': 'lupus_data_0'}, {'name': 'lupus_data_0'})
    """
    datasets = spec.get("datasets")
    if not isinstance(datasets, dict) or not datasets:
        return spec
    names = {old: f"lupus_data_{i}" for i, old in enumerate(datasets)}

    def rename(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "data" and isinstance(value, dict) and value.get("name") in names:
                    value = {**value, "name": names[value["name"]]}
                out[key] = rename(value)
            return out
        if isinstance(node, list):
            return [rename(v) for v in node]
        return node

    renamed = rename({k: v for k, v in spec.items() if k != "datasets"})
    renamed["datasets"] = {names[k]: v for k, v in datasets.items()}
    return renamed


def _description(spec: Mapping[str, Any]) -> str:
    text = spec.get("description") or spec.get("title") or "chart"
    if isinstance(text, Mapping):
        text = text.get("text", "chart")
    if isinstance(text, list):
        text = " ".join(map(str, text))
    return str(text)


@contextmanager
def unchecked_charts() -> Iterator[None]:
    """Build Altair charts without Altair's schema checks (for live widget updates).

    Altair checks every part of a chart against the Vega-Lite schema as it is
    built ("debug mode"); for the package's own chart builders, which the tests
    check, that is about half of a widget's update time.

    Examples
    --------
    >>> from altair.utils import schemapi
    >>> with unchecked_charts():
    ...     schemapi.DEBUG_MODE
    False
    """
    from altair.utils import schemapi

    with schemapi.debug_mode(False):
        yield


def chart_view(chart: Any = None) -> Any:
    """A :class:`ChartView` for a widget, updated in place by setting ``.chart``.

    Without ``anywidget``, an ``ipywidgets.Output`` with a ``chart`` property
    that replaces its SVG (same interface, static pictures).

    Examples
    --------
    >>> view = chart_view()
    >>> view.chart is None
    True
    """
    if _HAVE_ANYWIDGET:
        return ChartView(chart)
    return _SvgChartView(chart)  # pragma: no cover


class _SvgChartView:  # pragma: no cover - only without anywidget
    def __new__(cls, chart: Any = None) -> Any:
        import ipywidgets as w

        out = w.Output()

        def setter(value: Any) -> None:
            if value is None:
                out.outputs = ()
                return
            import vl_convert as vlc

            svg = vlc.vegalite_to_svg(value.to_json())
            out.outputs = ({"output_type": "display_data", "data": {"image/svg+xml": svg},
                            "metadata": {}},)

        out.set_chart = setter  # type: ignore[attr-defined]
        setter(chart)
        return out


def _render_offline(spec: dict, **metadata: Any) -> dict[str, Any]:
    view = ChartView(spec=spec, description=_description(spec))
    shown = view._repr_mimebundle_()
    bundle = dict(shown[0] if isinstance(shown, tuple) else shown)
    bundle["text/plain"] = _description(spec)
    return bundle


def use_offline_charts(prefer: str = "widget") -> None:
    """Render Altair charts from local files for the rest of this session.

    Parameters
    ----------
    prefer : {"widget", "svg"}
        ``"widget"`` (default) draws each chart as an interactive
        :class:`ChartView` (the Vega libraries are sent to the page once per
        kernel session); ``"svg"`` draws every chart as a static SVG image. The
        widget falls back to SVG without ``anywidget``.

    Returns
    -------
    None
        Nothing, so the notebook's first cell shows no output. The active
        renderer is ``altair.renderers.active`` (``"lupus_offline"``, ``"svg"``
        or the book's renderer, which is left as it is).

    Examples
    --------
    >>> import altair as alt
    >>> previous = alt.renderers.active
    >>> use_offline_charts(prefer="svg")
    >>> alt.renderers.active
    'svg'
    >>> _ = alt.renderers.enable(previous)
    """
    import altair as alt

    if prefer not in ("widget", "svg"):
        from lupus_teach.errors import UnknownNameError

        raise UnknownNameError("chart display", prefer, ["widget", "svg"])
    if alt.renderers.active == BOOK_RENDERER:
        return None
    if prefer == "widget" and _HAVE_ANYWIDGET:
        if OFFLINE_RENDERER not in alt.renderers.names():
            alt.renderers.register(OFFLINE_RENDERER, _render_offline)
        alt.renderers.enable(OFFLINE_RENDERER)
        return None
    alt.renderers.enable("svg")
    return None


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------

#: Words written out in headers (``deciding_month`` -> "Deciding month").
_HEADER_WORDS = {
    "id": "ID", "ci": "CI", "mcr": "MCR", "pcr": "PCR", "nr": "NR", "msct": "MSCT",
    "bilag": "BILAG", "sledai": "SLEDAI", "hsct": "HSCT", "sd": "SD", "n": "n",
    "p": "p", "dsdna": "dsDNA", "c3": "C3", "pga": "PGA", "bicla": "BICLA",
    "95": "95%", "24h": "24-h",
}

#: Default text for a missing value, by column (anything else: "none").
MISSING_TEXT: dict[str, str] = {"relapse_month": "not relapsed"}

#: Tables longer than this are folded behind a "Show all N rows" toggle.
FOLD_AFTER = 12

_TABLE_CSS = (
    # !important: JupyterLab's own table style right-aligns cells and fixes the layout
    "<style>"
    "table.lupus-table{border-collapse:collapse;margin:0.5em 0;max-width:100%;"
    "table-layout:auto!important;font-size:0.92em}"
    "table.lupus-table th,table.lupus-table td{white-space:normal!important;"
    "overflow-wrap:break-word;word-break:normal;hyphens:manual;"
    "text-align:left!important;vertical-align:top;padding:0.25em 0.6em;"
    "border-bottom:1px solid #ccc;max-width:28em;line-height:1.35}"
    "table.lupus-table th{min-width:4em}"
    "table.lupus-table td.num{text-align:right!important;font-variant-numeric:tabular-nums}"
    "table.lupus-table caption{text-align:left;font-weight:bold;padding-bottom:0.3em}"
    "details.lupus-table-more>summary{cursor:pointer;color:#0b5cad;margin:0.3em 0}"
    "</style>"
)


def header_label(name: object) -> str:
    """A column name in plain words.

    Examples
    --------
    >>> header_label("deciding_month")
    'Deciding month'
    >>> header_label("patient_id")
    'Patient ID'
    >>> header_label("wilson_95")
    'Wilson 95%'
    >>> header_label("mean at baseline")
    'Mean at baseline'
    """
    text = str(name)
    words = text.replace("_", " ").split()
    if not words:
        return text
    out = [_HEADER_WORDS.get(w.lower(), w) for w in words]
    first = out[0]
    if first == words[0] and first[:1].islower():
        out[0] = first[:1].upper() + first[1:]
    return " ".join(out)


def _is_missing(value: object) -> bool:
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


def _cell(value: object, column: str, formats: Mapping[str, str], missing: str) -> tuple[str, bool]:
    """The cell's text and whether it is a number (right-aligned)."""
    if _is_missing(value):
        return missing, False
    if column in formats:
        return formats[column].format(value), isinstance(value, numbers.Number)
    if pd.api.types.is_bool(value):
        return ("yes" if value else "no"), False
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}" if abs(int(value)) >= 10_000 else str(int(value)), True
    if isinstance(value, numbers.Real):
        number = float(value)
        if number.is_integer():
            return str(int(number)), True
        return f"{number:.4g}", True
    return str(value), False


class LessonTable:
    """A table shown as teaching HTML (see :func:`lesson_table`).

    Attributes
    ----------
    frame : pandas.DataFrame
        The data shown (unchanged).
    headers : list of str
        The headers shown.
    rows : list of list of str
        The cells shown, as text.
    """

    def __init__(self, frame: pd.DataFrame, headers: list[str], rows: list[list[str]],
                 numeric: list[list[bool]], caption: str, fold_after: int) -> None:
        self.frame = frame
        self.headers = headers
        self.rows = rows
        self._numeric = numeric
        self.caption = caption
        self.fold_after = fold_after

    def _table(self, rows: Sequence[int], caption: str) -> str:
        head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in self.headers)
        body = "".join(
            "<tr>" + "".join(
                f'<td class="num">{html.escape(text)}</td>' if num
                else f"<td>{html.escape(text)}</td>"
                for text, num in zip(self.rows[i], self._numeric[i], strict=True)
            ) + "</tr>"
            for i in rows
        )
        cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
        return (f'<table class="lupus-table">{cap}<thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>")

    def to_html(self) -> str:
        """The HTML shown: one table, or the first rows and a "Show all" toggle."""
        n = len(self.rows)
        if n <= self.fold_after:
            return _TABLE_CSS + self._table(range(n), self.caption)
        first = self._table(range(self.fold_after), self.caption)
        return (
            _TABLE_CSS + first
            + f'<details class="lupus-table-more"><summary>Show all {n} rows</summary>'
            + self._table(range(n), self.caption)
            + "</details>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_markdown_(self) -> str:
        """Markdown for outputs that cannot show HTML (plain pipes, full text)."""
        def esc(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        lines = ["| " + " | ".join(esc(h) for h in self.headers) + " |",
                 "|" + "---|" * len(self.headers)]
        lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in self.rows]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<LessonTable: {len(self.rows)} rows, columns {', '.join(self.headers)}>"


def lesson_table(
    frame: pd.DataFrame | Any,
    *,
    columns: Sequence[str] | None = None,
    headers: Mapping[str, str] | None = None,
    formats: Mapping[str, str] | None = None,
    missing: Mapping[str, str] | str | None = None,
    caption: str = "",
    fold_after: int = FOLD_AFTER,
    index: bool = False,
) -> LessonTable:
    """A table for a lesson: wrapped full text, plain headers, no index, no ``<NA>``.

    Parameters
    ----------
    frame : pandas.DataFrame (or a pandas Styler)
        The table; it is not changed.
    columns : sequence of str, optional
        The columns to show, in order (default: all).
    headers : mapping, optional
        Header text for some columns; the others get :func:`header_label`.
    formats : mapping, optional
        A ``str.format`` pattern per column, e.g. ``{"percent": "{:.1%}"}``.
    missing : mapping or str, optional
        Text for a missing value, per column or for all columns; by default
        "none", and "not relapsed" for ``relapse_month``.
    caption : str
        A caption above the table.
    fold_after : int
        Show at most this many rows, and all of them behind a "Show all N rows"
        toggle (an HTML ``<details>`` element, which works in JupyterLab and in
        the book).
    index : bool
        Show the frame's index as the first column(s) (for a meaningful index,
        such as a month).

    Returns
    -------
    LessonTable
        Displays as HTML in a notebook.

    Examples
    --------
    >>> import pandas as pd
    >>> t = lesson_table(pd.DataFrame({"patient_id": ["P1"], "relapse_month": [pd.NA],
    ...                                "deciding_month": [6.0]}))
    >>> t.headers
    ['Patient ID', 'Relapse month', 'Deciding month']
    >>> t.rows
    [['P1', 'not relapsed', '6']]
    >>> "Show all" in lesson_table(pd.DataFrame({"x": range(20)})).to_html()
    True
    """
    if hasattr(frame, "data") and not isinstance(frame, pd.DataFrame):  # a Styler
        frame = frame.data
    table = pd.DataFrame(frame)
    if index:
        table = table.reset_index()
    if columns is not None:
        table = table[list(columns)]
    names = [str(c) for c in table.columns]
    header_map = dict(headers or {})
    shown = [header_map.get(c, header_label(c)) for c in names]
    if isinstance(missing, str):
        missing_for = dict.fromkeys(names, missing)
    else:
        missing_for = {c: MISSING_TEXT.get(c, "none") for c in names}
        missing_for.update(missing or {})
    fmt = dict(formats or {})
    rows: list[list[str]] = []
    numeric: list[list[bool]] = []
    for values in table.itertuples(index=False, name=None):
        cells = [_cell(v, c, fmt, missing_for[c]) for v, c in zip(values, names, strict=True)]
        rows.append([c[0] for c in cells])
        numeric.append([c[1] for c in cells])
    return LessonTable(table, shown, rows, numeric, caption, max(1, int(fold_after)))
