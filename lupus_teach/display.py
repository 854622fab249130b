"""Show Altair charts in Jupyter without the internet.

Altair's default renderer writes HTML that loads Vega from a CDN, so on a
machine without internet a chart in JupyterLab stays empty.
:func:`use_offline_charts` switches the current session to a renderer whose
JavaScript comes from files installed with the package (``vl-convert-python``):

* Altair's ``JupyterChart`` widget in offline mode when ``anywidget`` is
  installed (interactive: tooltips, selections and sliders work);
* otherwise static SVG drawn by ``vl-convert``.

Nothing changes at import: a notebook calls the function once, explicitly, at
the top. Inside the course website's build (the ``lupus_book`` renderer is
active) the function leaves the book's renderer alone.

Examples
--------
>>> import altair as alt
>>> before = alt.renderers.active
>>> import lupus_teach.display  # importing changes nothing
>>> alt.renderers.active == before
True
"""

from __future__ import annotations

__all__ = ["BOOK_RENDERER", "use_offline_charts"]

#: The renderer the book build registers in its kernels (see lupus_teach.book).
BOOK_RENDERER = "lupus_book"


def use_offline_charts(prefer: str = "widget") -> str:
    """Render Altair charts from local files for the rest of this session.

    Parameters
    ----------
    prefer : {"widget", "svg"}
        ``"widget"`` (default) uses Altair's ``JupyterChart`` in offline mode
        when ``anywidget`` is installed, and falls back to ``"svg"`` otherwise;
        ``"svg"`` draws every chart as a static SVG image.

    Returns
    -------
    str
        The name of the renderer now active (``"jupyter"``, ``"svg"``, or the
        book's renderer, which is left as it is).

    Examples
    --------
    >>> import altair as alt
    >>> previous = alt.renderers.active
    >>> use_offline_charts(prefer="svg")
    'svg'
    >>> _ = alt.renderers.enable(previous)
    """
    import altair as alt

    if prefer not in ("widget", "svg"):
        from lupus_teach.errors import UnknownNameError

        raise UnknownNameError("chart display", prefer, ["widget", "svg"])
    if alt.renderers.active == BOOK_RENDERER:
        return BOOK_RENDERER
    if prefer == "widget":
        try:
            import anywidget  # noqa: F401
        except ImportError:
            prefer = "svg"
    if prefer == "widget":
        alt.renderers.enable("jupyter", offline=True)
        return "jupyter"
    alt.renderers.enable("svg")
    return "svg"
