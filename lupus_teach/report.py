"""Self-contained HTML reports of a BILAG cohort (``lupus-teach report``).

:func:`render` checks a long BILAG table (see :mod:`lupus_teach.visits`),
executes the report notebook shipped in the package
(``lupus_teach/templates/report.ipynb``) in a fresh kernel with the data as a
parameter, and exports it with nbconvert into **one** HTML file: code hidden,
every chart drawn as inline SVG, styles inline, no script and no request to any
other host, so the file can be e-mailed and opened offline.

The report holds a summary, the per-patient response table with reasons, the
response proportions with 95% Wilson and exact intervals, BILAG grade
heat-maps, flares by month, marker trajectories when the file has marker
columns, and a provenance footer (file name, SHA-256, definition, package
version, date).

Optional columns
----------------
Columns beyond the contract (``patient_id, month, system, grade``) are used
when their name (case and surrounding spaces ignored) is one of
:data:`OPTIONAL_COLUMNS`; any other column is ignored and listed in a note.
Marker values are one per visit: the report takes the first non-missing value
of each patient and month (the file repeats it on every system's row).

=================  ==============================  =================================
column             unit                            meaning
=================  ==============================  =================================
``proteinuria``    g/24 h                          24-hour urine protein
``albumin``        g/L                             serum albumin
``c3``             g/L                             complement C3
``c4``             g/L                             complement C4
``anti_dsdna``     IU/mL                           anti-double-stranded DNA antibodies
``creatinine``     µmol/L                          serum creatinine
``steroid_dose``   mg/day prednisone               daily steroid dose (prednisone)
``died``           yes/no (1/0, true/false)        the patient died by this visit
``relapse``        yes/no (1/0, true/false)        a relapse recorded at this visit
=================  ==============================  =================================

Safety
------
Every string that comes from the input file is HTML-escaped, and has its
control characters written as visible escapes before it reaches the page or
the chart converter (:func:`lupus_teach.safety.clean_for_chart`), so no string
can crash the render. A table whose column names or values look like direct
identifiers (:func:`lupus_teach.safety.find_identifiers`) is refused unless
``allow_identifiers=True``. The report is written through
:mod:`lupus_teach.outputs`: never over the input, and over an existing file
only with ``overwrite=True``.

Examples
--------
>>> identifier_columns(["patient_id", "month", "Date of Birth", "NHS number", "grade"])
['Date of Birth', 'NHS number']
>>> recognised, ignored = split_optional_columns(["patient_id", "month", "system", "grade",
...                                               "Proteinuria", "ward"])
>>> recognised, ignored
({'proteinuria': 'Proteinuria'}, ['ward'])
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
import os
import re
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lupus_teach import __version__
from lupus_teach import sledai as _sledai
from lupus_teach.bilag import (
    ACTIVITY,
    FlareCategory,
    IndexVersion,
    compare_visits,
    system_names,
)
from lupus_teach.safety import (
    IdentifierColumnsError,
    check_identifiers,
    clean_for_chart,
    csv_header,
    identifier_columns,
    terminal_safe,
)
from lupus_teach.visits import REQUIRED_COLUMNS, VisitSource, bilag_index_of, read_visits

__all__ = [
    "FLARE_COUNTED",
    "OPTIONAL_COLUMNS",
    "IdentifierColumnsError",
    "OptionalColumn",
    "ReportData",
    "check_identifiers",
    "flares_by_month",
    "flares_by_visit",
    "identifier_columns",
    "is_shipped_cohort",
    "render",
    "sha256_of",
    "split_optional_columns",
]

#: Most patients drawn as grade heat-maps (small multiples); the report says when it caps.
MAX_HEATMAPS = 12
#: Above this many patients, marker charts show only the cohort mean (no line per patient).
MAX_INDIVIDUAL_LINES = 100
#: Large-cohort mode: the per-patient response table shows at most this many patients (in
#: file order, with a note saying so) and a table of reasons with their counts is added, so
#: that the page of a 100,000-patient cohort stays small (``lupus-teach classify`` gives
#: every patient's row).
MAX_PATIENT_ROWS = 500
#: At most this many visits not used by the windows are listed one by one in the notes.
MAX_UNUSED_LISTED = 50
#: Flare categories counted as flares in the report's flares-by-month section.
FLARE_COUNTED: tuple[str, ...] = ("moderate", "severe")


# --------------------------------------------------------------------------
# column names
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionalColumn:
    """An optional column the report understands.

    Attributes
    ----------
    name : str
        Its name (lower case).
    kind : {"marker", "flag"}
        A numeric marker per visit, or a yes/no flag per visit.
    unit : str
        Unit of a marker; ``"yes/no"`` for a flag.
    label : str
        Human name.
    """

    name: str
    kind: str
    unit: str
    label: str


#: Marker columns: name -> (unit, label); the same units and labels as
#: :data:`lupus_teach.plots.MARKER_UNITS` and ``MARKER_LABELS`` (a test checks), kept
#: here so that checking a file does not import Altair.
_MARKERS: dict[str, tuple[str, str]] = {
    "proteinuria": ("g/24 h", "24-h proteinuria"),
    "albumin": ("g/L", "Serum albumin"),
    "c3": ("g/L", "Complement C3"),
    "c4": ("g/L", "Complement C4"),
    "anti_dsdna": ("IU/mL", "Anti-dsDNA antibodies"),
    "creatinine": ("µmol/L", "Serum creatinine"),
    "steroid_dose": ("mg/day prednisone", "Steroid dose"),
}


#: The optional columns the report recognises, by name.
OPTIONAL_COLUMNS: dict[str, OptionalColumn] = {
    **{name: OptionalColumn(name, "marker", unit, label)
       for name, (unit, label) in _MARKERS.items()},
    "died": OptionalColumn("died", "flag", "yes/no", "Death"),
    "relapse": OptionalColumn("relapse", "flag", "yes/no", "Relapse recorded in the file"),
    # SLEDAI-2K, PGA and treatment failure (lupus_teach.sledai), shown by composite_html
    "sledai": OptionalColumn("sledai", "activity", "points (0-105)", "SLEDAI-2K total"),
    "pga": OptionalColumn("pga", "activity", "points (0-3)", "Physician's global assessment"),
    "treatment_failure": OptionalColumn("treatment_failure", "activity", "yes/no",
                                        "Treatment failure"),
}

#: The SLEDAI-2K descriptor columns (``sledai_<descriptor>``), scored rather than listed.
_DESCRIPTOR_COLUMNS = frozenset(f"sledai_{d.name}" for d in _sledai.DESCRIPTORS)


def split_optional_columns(columns: Iterable[object]) -> tuple[dict[str, str], list[str]]:
    """Sort the columns beyond the contract into recognised and ignored ones.

    Returns
    -------
    recognised : dict
        Documented name (see :data:`OPTIONAL_COLUMNS`) -> the column's name in the table.
    ignored : list of str
        Every other extra column, in table order.

    Examples
    --------
    >>> split_optional_columns(["patient_id", "month", "system", "grade", " C3 ", "notes"])
    ({'c3': ' C3 '}, ['notes'])
    """
    recognised: dict[str, str] = {}
    ignored: list[str] = []
    for column in columns:
        key = str(column).strip().lower()
        if key in REQUIRED_COLUMNS or key in _DESCRIPTOR_COLUMNS:
            continue  # SLEDAI-2K descriptor columns are scored (composite_html)
        if key in OPTIONAL_COLUMNS and key not in recognised:
            recognised[key] = str(column)
        else:
            ignored.append(str(column))
    return recognised, ignored


# --------------------------------------------------------------------------
# flares
# --------------------------------------------------------------------------

_FLARE_OF_ACTIVITY = np.array(["none", "mild", "moderate", "severe"], dtype=object)


def flares_by_visit(visits: pd.DataFrame, method: str = "vectorised") -> pd.DataFrame:
    """The flare category of every visit compared with the patient's previous visit.

    The category is that of :func:`lupus_teach.bilag.compare_visits`: severe
    for a new A, moderate for a new B (from C, D or E), mild for a new C (from
    D or E), else none. The previous visit is the patient's previous visit
    *present* in the table; a patient's first visit has no row.

    Parameters
    ----------
    visits : pandas.DataFrame
        A validated long BILAG table (from :func:`lupus_teach.visits.read_visits`).
    method : {"vectorised", "reference"}
        NumPy over the whole table (default), or :func:`compare_visits` visit by
        visit (slow; the two agree, which a test checks).

    Returns
    -------
    pandas.DataFrame
        Columns ``patient_id``, ``month``, ``previous_month``, ``flare``
        (``none``, ``mild``, ``moderate``, ``severe``), sorted by patient (in
        order of first appearance) and month.

    Examples
    --------
    >>> from lupus_teach.bilag import system_names
    >>> rows = [("p1", m, s, g) for m, grades in ((0, "CCEEEEEE"), (3, "BCEEEEEE"),
    ...         (6, "ACEEEEEE")) for s, g in zip(system_names("classic"), grades)]
    >>> visits = read_visits(pd.DataFrame(rows, columns=["patient_id", "month", "system",
    ...                                                  "grade"]))
    >>> print(flares_by_visit(visits).to_string(index=False))
    patient_id  month  previous_month    flare
            p1      3               0 moderate
            p1      6               3   severe
    """
    if method not in ("vectorised", "reference"):
        from lupus_teach.errors import UnknownNameError

        raise UnknownNameError("flare method", method, ["vectorised", "reference"])
    index = bilag_index_of(visits)
    systems = list(system_names(index))
    columns = ["patient_id", "month", "previous_month", "flare"]
    grade = visits["grade"]
    coded = method == "vectorised" and isinstance(grade.dtype, pd.CategoricalDtype)
    if coded:  # pivot the activity (small integers): much faster than the grade letters
        activity_of = np.array([ACTIVITY.get(str(c).upper(), 0) for c in grade.cat.categories]
                               + [0], dtype=np.int8)
        visits = visits.assign(grade=activity_of[grade.cat.codes.to_numpy()])
    wide = visits.pivot(index=["patient_id", "month"], columns="system", values="grade")
    wide = wide.reindex(columns=systems)
    order = {p: i for i, p in enumerate(pd.unique(visits["patient_id"]))}
    keys = wide.index.to_frame(index=False)
    keys["_order"] = keys["patient_id"].map(order)
    sort = np.lexsort((keys["month"].to_numpy(), keys["_order"].to_numpy()))
    wide = wide.iloc[sort]
    keys = keys.iloc[sort].reset_index(drop=True)
    patients = keys["patient_id"].to_numpy()
    same = np.zeros(len(keys), dtype=bool)
    same[1:] = patients[1:] == patients[:-1]
    rows = np.flatnonzero(same)
    out = pd.DataFrame({
        "patient_id": patients[rows],
        "month": keys["month"].to_numpy()[rows],
        "previous_month": keys["month"].to_numpy()[rows - 1],
    })
    if method == "vectorised":
        if coded:
            activity = wide.fillna(0).to_numpy(dtype=np.int8)
        else:  # grade letters -> activity through category codes
            letters = list(ACTIVITY)
            codes = pd.Categorical(wide.to_numpy(dtype=object).ravel(), categories=letters).codes
            lookup = np.array([ACTIVITY[g] for g in letters] + [0], dtype=np.int8)
            activity = lookup[codes].reshape(len(wide), len(systems))
        after, before = activity[rows], activity[rows - 1]
        level = np.where(after > before, after, 0).max(axis=1, initial=0)
        out["flare"] = _FLARE_OF_ACTIVITY[level]
    else:
        grades = wide.astype(str).to_numpy()
        out["flare"] = [
            compare_visits(dict(zip(systems, grades[r - 1], strict=True)),
                           dict(zip(systems, grades[r], strict=True)), index=index).flare.value
            for r in rows
        ]
    out["flare"] = out["flare"].astype(object)
    return out[columns]


def flares_by_month(flares: pd.DataFrame) -> pd.DataFrame:
    """Count visits and flares of each category by month.

    Parameters
    ----------
    flares : pandas.DataFrame
        The result of :func:`flares_by_visit`.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``visits`` (compared with a previous
        visit), ``mild``, ``moderate``, ``severe`` and ``moderate_or_severe``.

    Examples
    --------
    >>> f = pd.DataFrame({"patient_id": ["a", "b", "a"], "month": [3, 3, 6],
    ...                   "previous_month": [0, 0, 3], "flare": ["severe", "none", "mild"]})
    >>> print(flares_by_month(f).to_string(index=False))
     month  visits  mild  moderate  severe  moderate_or_severe
         3       2     0         0       1                   1
         6       1     1         0       0                   0
    """
    categories = [c.value for c in FlareCategory if c is not FlareCategory.NONE]
    counts = pd.crosstab(flares["month"], flares["flare"]).reindex(
        columns=categories, fill_value=0
    )
    counts.columns.name = None
    table = counts.reset_index()
    visits = flares.groupby("month").size()
    table.insert(1, "visits", table["month"].map(visits).astype("int64"))
    table["moderate_or_severe"] = table["moderate"] + table["severe"]
    for column in ("mild", "moderate", "severe", "moderate_or_severe"):
        table[column] = table[column].astype("int64")
    return table


# --------------------------------------------------------------------------
# provenance
# --------------------------------------------------------------------------


def sha256_of(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file, as 64 hex digits.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d, "x.csv"); _ = p.write_bytes(b"abc")
    ...     sha256_of(p)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _shipped_cohort_files() -> list[Path]:
    package = Path(__file__).resolve().parent
    candidates = [package.parent / "data" / "cohort" / "visits.csv"]
    data_dir = package / "_data"
    if data_dir.is_dir():
        candidates += sorted(data_dir.rglob("visits.csv"))
    return [p for p in candidates if p.is_file()]


def is_shipped_cohort(sha256: str) -> bool:
    """True when a file with this SHA-256 is the package's simulated cohort.

    The cohort is ``data/cohort/visits.csv`` in a clone of the repository, or
    its copy under ``lupus_teach/_data`` in an installed package.

    Examples
    --------
    >>> is_shipped_cohort("0" * 64)
    False
    """
    return any(sha256_of(p) == sha256 for p in _shipped_cohort_files())


# --------------------------------------------------------------------------
# the report's content (called by the notebook template)
# --------------------------------------------------------------------------

def _e(text: object) -> str:
    """HTML-escaped text with control characters shown as escapes (never raw in the page)."""
    return html.escape(terminal_safe(text))


def _fmt_month(month: float) -> str:
    return str(int(month)) if float(month).is_integer() else f"{month:g}"


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _svg(chart: Any) -> str:
    """A chart as an inline SVG string (drawn with vl-convert, no JavaScript)."""
    import vl_convert

    from lupus_teach.plots import chart_description

    # vl-convert aborts the whole process on a NUL or an ESC in any label: clean every string
    spec = clean_for_chart(chart.to_dict())
    svg = vl_convert.vegalite_to_svg(spec)
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    description = chart_description(chart)
    label = f' role="img" aria-label="{_e(description)}"' if description else ""
    svg = svg.replace("<svg ", f"<svg{label} ", 1)
    return f'<figure class="lt-chart">{svg}<figcaption>{_e(description)}</figcaption></figure>'


def _table(frame: pd.DataFrame, classes: str = "lt-table") -> str:
    """An HTML table with every value and header escaped (control characters made visible)."""
    frame = frame.rename(columns=lambda c: terminal_safe(c) if isinstance(c, str) else c)
    frame = frame.apply(lambda column: column.map(
        lambda v: terminal_safe(v) if isinstance(v, str) and not v.isprintable() else v))
    return frame.to_html(index=False, escape=True, na_rep="", classes=classes, border=0)


def _truthy(series: pd.Series) -> tuple[pd.Series, int]:
    """Read yes/no values; returns (bool or NA series, count of unreadable non-empty values)."""
    text = series.astype(object).where(series.notna(), "").astype(str).str.strip().str.lower()
    yes = text.isin(["1", "1.0", "yes", "y", "true", "t"])
    no = text.isin(["0", "0.0", "no", "n", "false", "f"])
    unreadable = int((~yes & ~no & (text != "")).sum())
    return yes.where(yes | no), unreadable


@dataclass
class ReportData:
    """Everything the report shows, computed once from the input file.

    Build it with :meth:`load`; each ``*_html`` method returns one section of
    the report as escaped HTML.
    """

    visits: pd.DataFrame
    responses: pd.DataFrame
    definition: str
    title: str
    input_name: str
    sha256: str
    rendered_at: str
    simulated: bool
    recognised: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    windows: Any = None  # the visit windows and events every classification here uses
    events: Any = None

    @classmethod
    def load(
        cls,
        input_path: str,
        definition: str = "wang2014",
        title: str | None = None,
        input_name: str | None = None,
        rendered_at: str | None = None,
        index: str | None = None,
        sha256: str | None = None,
        table_path: str | None = None,
        windows: Any = None,
        events: Any = None,
    ) -> ReportData:
        """Read and classify the input file.

        ``table_path`` is a pickle of the table already validated by
        :func:`render` (written by it in a private folder), which saves reading
        and checking a large file twice; without it the file is read here.
        ``windows`` and ``events`` are passed to
        :func:`lupus_teach.response.classify_response` (``events`` may be the
        path of an events CSV or of a pickle written by :func:`render`).

        Examples
        --------
        >>> import pathlib, tempfile
        >>> from lupus_teach.bilag import system_names
        >>> rows = ["patient_id,month,system,grade,ward"] + [
        ...     f"p1,{m},{s},{'A' if m == 0 and s == 'renal' else 'C'},w1"
        ...     for m in (0, 1, 3, 6, 9, 12) for s in system_names("classic")]
        >>> with tempfile.TemporaryDirectory() as d:
        ...     path = pathlib.Path(d, "one.csv"); _ = path.write_text("\\n".join(rows))
        ...     data = ReportData.load(str(path), rendered_at="2024-01-01")
        >>> data.responses.loc[0, "response"], data.ignored
        ('MCR', ['ward'])
        """
        from lupus_teach.response import classify_response

        path = Path(input_path)
        name = input_name or path.name
        if table_path:
            visits = pd.read_pickle(table_path)  # our own file, written by render()
            if "bilag_index" not in visits.attrs:
                visits = read_visits(path, index=index, name=name)
        else:
            visits = read_visits(path, index=index, name=name)
        if isinstance(windows, dict):  # as render() passes them to the kernel
            from lupus_teach.windows import VisitWindows

            windows = VisitWindows(**windows)
        if isinstance(events, str) and events.endswith(".pkl"):
            events = pd.read_pickle(events)  # our own file, written by render()
        elif isinstance(events, (str, os.PathLike)):
            from lupus_teach.events import read_events

            events = read_events(events, visits=visits)
        responses = classify_response(visits, definition, validate=False, windows=windows,
                                      events=events)
        digest = sha256 or sha256_of(path)
        recognised, ignored = split_optional_columns(visits.columns)
        notes = _window_event_notes(responses, events)
        if ignored:
            notes.append(
                "These columns are not part of the BILAG contract and not among the optional "
                "columns the report knows, so they were ignored: "
                + ", ".join(f"'{c}'" for c in ignored) + "."
            )
        return cls(
            visits=visits,
            responses=responses,
            definition=definition,
            title=title or f"BILAG response report: {name}",
            input_name=name,
            sha256=digest,
            rendered_at=rendered_at or _now(),
            simulated=is_shipped_cohort(digest),
            recognised=recognised,
            ignored=ignored,
            notes=notes,
            windows=windows,
            events=events,
        )

    # -- sections ----------------------------------------------------------

    @property
    def _definition(self) -> Any:
        from lupus_teach.response import _composite_for, get_definition

        # bicla on a file with sledai and pga columns is the full BICLA
        return _composite_for(get_definition(self.definition), self.visits)

    def header_html(self) -> str:
        """Title, and the simulated-data banner when the input is the shipped cohort."""
        parts = [f'<h1 class="lt-title">{_e(self.title)}</h1>']
        if self.simulated:
            parts.append(
                '<p class="lt-banner"><strong>Simulated data.</strong> This file is the '
                "simulated cohort shipped with lupus-teach: consistent with the published "
                "summaries of Wang et al. 2014, but not the trial's patient records.</p>"
            )
        return "\n".join(parts)

    def summary_html(self) -> str:
        """Patients, visits, follow-up and index version."""
        visits = self.visits
        system = visits["system"]
        if isinstance(system.dtype, pd.CategoricalDtype) and len(visits) == len(
                system.cat.categories) * int((system.cat.codes == 0).sum()):
            # a validated table: every visit has one row of the first system (fast)
            per_visit = visits.loc[(system.cat.codes == 0).to_numpy(), ["patient_id", "month"]]
        else:
            per_visit = visits[["patient_id", "month"]].drop_duplicates()
        follow_up = per_visit.groupby("patient_id", sort=False)["month"].agg(["min", "max"])
        months = sorted(per_visit["month"].unique())
        version = bilag_index_of(visits)
        with_baseline = int((follow_up["min"] == 0).sum())
        definition = self._definition
        rows = [
            ("Patients", f"{len(follow_up):,}"),
            ("Visits", f"{len(per_visit):,}"),
            ("Months seen", ", ".join(_fmt_month(m) for m in months)),
            ("Follow-up (months, last visit)",
             f"median {_fmt_month(float(follow_up['max'].median()))}, "
             f"range {_fmt_month(float(follow_up['max'].min()))} to "
             f"{_fmt_month(float(follow_up['max'].max()))}"),
            ("Patients with a baseline (month 0) visit", f"{with_baseline:,}"),
            ("BILAG version", f"{version.label} ({len(system_names(version))} systems)"),
            ("Response definition", f"{definition.name}: {definition.title}"),
        ]
        body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
        return f'<h2>Summary</h2><table class="lt-summary">{body}</table>'

    def responses_html(self) -> str:
        """The per-patient response table with reasons (capped at :data:`MAX_PATIENT_ROWS`)."""
        definition = self._definition
        n_patients = len(self.responses)
        table = self.responses.head(MAX_PATIENT_ROWS).copy()
        for column in ("deciding_month", "observed_month", "relapse_month"):
            if column in table:
                table[column] = table[column].map(
                    lambda m: "" if pd.isna(m) else _fmt_month(round(float(m), 2)))
        table = table.rename(columns={
            "patient_id": "Patient", "response": "Response", "deciding_month": "Decided at month",
            "observed_month": "Observed at month", "reason": "Reason",
            "relapse_month": "Relapse month", "note": "Note",
        })
        rules = "".join(f"<li>{_e(rule)}</li>" for rule in definition.rules)
        capped = ""
        if n_patients > MAX_PATIENT_ROWS:
            counts = self.responses.groupby(["response", "reason"], sort=False).size()
            counts = counts.sort_values(ascending=False, kind="stable").head(30).reset_index()
            counts.columns = ["Response", "Reason", "Patients"]
            capped = (
                f'<p class="lt-note">Large cohort: the table below shows the first '
                f"{MAX_PATIENT_ROWS:,} of {n_patients:,} patients, in file order (run "
                "<code>lupus-teach classify</code> on the file for every patient's row). "
                "The most common reasons across all patients:</p>" + _table(counts))
        return (
            "<h2>Response of each patient</h2>"
            f"<p>Classified under <strong>{_e(definition.name)}</strong> "
            f"({_e(definition.title)}). The rules:</p><ul class=\"lt-rules\">{rules}</ul>"
            + capped +
            # focusable, so the scrolled table can be read with the keyboard (axe-core
            # scrollable-region-focusable)
            '<div class="lt-scroll" tabindex="0" role="region" '
            f'aria-label="Response of each patient">{_table(table)}</div>'
        )

    def proportions_html(self) -> str:
        """Counts and proportions of each category, with Wilson and exact 95% intervals."""
        from lupus_teach.plots import response_bar
        from lupus_teach.stats import response_proportions

        categories = [c.value for c in self._definition.categories]
        wilson = response_proportions(self.responses, categories=categories, method="wilson")
        exact = response_proportions(self.responses, categories=categories, method="exact")
        table = pd.DataFrame({
            "Response": wilson["category"].astype(str),
            "Patients": wilson["count"].astype(int),
            "Of": wilson["n"].astype(int),
            "Proportion": wilson["proportion"].map(_pct),
            "95% CI (Wilson)": [f"{_pct(lo)} to {_pct(up)}"
                                for lo, up in zip(wilson["lower"], wilson["upper"], strict=True)],
            "95% CI (exact, Clopper-Pearson)": [
                f"{_pct(lo)} to {_pct(up)}"
                for lo, up in zip(exact["lower"], exact["upper"], strict=True)],
        })
        chart = response_bar(self.responses, categories=categories, method="wilson",
                             title="Patients by response (95% Wilson CI)")
        return ("<h2>Response proportions</h2>" + _table(table) + _svg(chart))

    def heatmaps_html(self) -> str:
        """BILAG grade heat-maps of the first patients (capped at :data:`MAX_HEATMAPS`)."""
        from lupus_teach.plots import grade_heatmap

        patients = list(pd.unique(self.visits["patient_id"]))
        shown = patients[:MAX_HEATMAPS]
        subset = self.visits[self.visits["patient_id"].isin(shown)].copy()
        subset.attrs.update(self.visits.attrs)
        if len(shown) < len(patients):
            note = (f"<p class=\"lt-note\">Capped: the heat-maps show the first {len(shown)} of "
                    f"{len(patients):,} patients, in file order.</p>")
            title = f"BILAG grades by organ system and month (first {len(shown)} patients)"
        else:
            note = ""
            title = None
        chart = grade_heatmap(subset, max_patients=len(shown), columns=4, title=title)
        return "<h2>BILAG grades over time</h2>" + note + _svg(chart)

    def flares_html(self) -> str:
        """Moderate and severe flares by month (each visit against the previous one)."""
        import altair as alt

        from lupus_teach.plots import MONTH_TITLE, OKABE_ITO
        from lupus_teach.vocabulary import FLARE, FLARE_SEVERITY, NEW_SCORE

        flares = flares_by_visit(self.visits)
        head = (  # the words of lupus_teach.vocabulary, as in the glossary
            f"<h2>Flares by month</h2><p>{_e(FLARE.definition)} Each visit is compared "
            f"with the same patient's previous visit. These flares are not the "
            f"{_e(NEW_SCORE.label)}s (against baseline) that the response rules count.</p>"
        )
        if flares.empty:
            return head + "<p>No patient has two visits, so no flare can be judged.</p>"
        by_month = flares_by_month(flares)
        table = by_month.rename(columns={
            "month": "Month", "visits": "Visits compared", "mild": "Mild",
            "moderate": "Moderate", "severe": "Severe",
            "moderate_or_severe": "Moderate or severe",
        })
        table["Month"] = table["Month"].map(lambda m: _fmt_month(float(m)))
        long = by_month.melt(id_vars="month", value_vars=["moderate", "severe"],
                             var_name="flare", value_name="count")
        long["flare"] = long["flare"].map(lambda k: FLARE_SEVERITY[k].label)
        domain = [FLARE_SEVERITY[k].label for k in ("moderate", "severe")]
        long["month"] = long["month"].map(lambda m: _fmt_month(float(m)))
        order = [_fmt_month(float(m)) for m in by_month["month"]]
        total = int(by_month["moderate_or_severe"].sum())
        chart = alt.Chart(alt.InlineData(values=long.to_dict(orient="records"))).mark_bar().encode(
            x=alt.X("month:O", sort=order, title=MONTH_TITLE, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("count:Q", title="Visits with a flare (count)", stack=True),
            color=alt.Color("flare:N", scale=alt.Scale(domain=domain,
                                                       range=[OKABE_ITO[1], OKABE_ITO[5]]),
                            legend=alt.Legend(title="Flare")),
        ).properties(
            width=alt.Step(40), height=220,
            title="Moderate and severe flares by month (each visit against the previous one)",
            description=(f"Stacked bar chart of visits with a moderate or severe flare (against "
                         f"the previous visit) by month; {total} in all."),
        )
        return head + _table(table) + _svg(chart)

    def markers_html(self) -> str:
        """Marker trajectories and yes/no columns, when the file has them."""
        from lupus_teach.plots import marker_trajectory

        markers = {k: v for k, v in self.recognised.items()
                   if OPTIONAL_COLUMNS[k].kind == "marker"}
        flags = {k: v for k, v in self.recognised.items() if OPTIONAL_COLUMNS[k].kind == "flag"}
        if not markers and not flags:
            known = ", ".join(f"{c.name} ({c.unit})" for c in OPTIONAL_COLUMNS.values())
            return ("<h2>Markers</h2><p>The file has no optional marker columns; the report "
                    f"recognises: {_e(known)}.</p>")
        parts = ["<h2>Markers and outcomes recorded in the file</h2>"]
        n_patients = self.visits["patient_id"].nunique()
        for key, column in markers.items():
            info = OPTIONAL_COLUMNS[key]
            raw = self.visits[["patient_id", "month", column]]
            text = raw[column].astype(object).where(raw[column].notna(), "").astype(str)
            values = pd.to_numeric(text.str.strip().replace("", None), errors="coerce")
            unreadable = int((values.isna() & (text.str.strip() != "")).sum())
            per_visit = raw.assign(value=values).dropna(subset=["value"])
            per_visit = per_visit.groupby(["patient_id", "month"], sort=False)["value"].first()
            long = per_visit.reset_index().assign(marker=key)
            if unreadable:
                self.notes.append(f"Column '{column}': {unreadable:,} values are not numbers "
                                  "and were left out.")
            if long.empty:
                parts.append(f"<p>{_e(info.label)} ({_e(column)}): no numeric values.</p>")
                continue
            chart = marker_trajectory(long[["patient_id", "month", "marker", "value"]], key,
                                      show_individuals=n_patients <= MAX_INDIVIDUAL_LINES)
            parts.append(_svg(chart))
        for key, column in flags.items():
            info = OPTIONAL_COLUMNS[key]
            flag, unreadable = _truthy(self.visits[column])
            if unreadable:
                self.notes.append(f"Column '{column}': {unreadable:,} values are not yes/no "
                                  "(1/0, true/false) and were left out.")
            yes = self.visits.loc[flag.fillna(False).astype(bool), ["patient_id", "month"]]
            first = yes.groupby("patient_id", sort=False)["month"].min()
            by_month = first.value_counts().sort_index()
            months = ", ".join(f"month {_fmt_month(float(m))}: {c}" for m, c in by_month.items())
            parts.append(
                f"<p><strong>{_e(info.label)}</strong> (column '{_e(column)}'): "
                f"{len(first):,} of {n_patients:,} patients"
                + (f" (first recorded at {_e(months)})" if months else "") + ".</p>"
            )
        return "".join(parts)

    def composite_html(self) -> str:
        """SRI-4 and full BICLA rates with 95% intervals and a SLEDAI-2K chart.

        Shown only when the file has SLEDAI-2K (``sledai`` or descriptor
        columns) and ``pga`` columns; empty otherwise.
        """
        from lupus_teach.plots import sledai_trajectory
        from lupus_teach.response import classify_response, get_definition
        from lupus_teach.sledai import has_activity
        from lupus_teach.stats import response_proportions

        if not has_activity(self.visits):
            return ""
        rows, by_patient = [], None
        for name in ("sri4", "bicla_full"):
            chosen = get_definition(name)
            result = classify_response(self.visits, name, validate=False,
                                       windows=self.windows, events=self.events)
            if name == "sri4":
                by_patient = result.set_index("patient_id")["response"]
            row = [chosen.title]
            for method in ("wilson", "exact"):
                ci = response_proportions(result, categories=["responder", "NR"],
                                          method=method).set_index("category").loc["responder"]
                if method == "wilson":
                    row += [int(ci["count"]), int(ci["n"]), _pct(ci["proportion"])]
                row.append(f"{_pct(ci['lower'])} to {_pct(ci['upper'])}")
            rows.append(row)
        table = pd.DataFrame(rows, columns=["Definition", "Responders", "Of", "Proportion",
                                            "95% CI (Wilson)",
                                            "95% CI (exact, Clopper-Pearson)"])
        failure = ("the file has a treatment_failure column" if "treatment_failure"
                   in self.visits.columns else "the file has no treatment_failure column, so "
                   "BICLA's treatment-failure part was not assessed")
        chart = sledai_trajectory(
            self.visits, groups=by_patient.map({"responder": "SRI-4 responders",
                                                "NR": "SRI-4 non-responders"}),
            show_individuals=self.visits["patient_id"].nunique() <= MAX_INDIVIDUAL_LINES,
            title="SLEDAI-2K over time by SRI-4 response (mean, 95% CI)")
        return (
            "<h2>Composite endpoints: SRI-4 and BICLA</h2>"
            "<p>The file has SLEDAI-2K and physician's global assessment columns, so the two "
            "composite endpoints are computed at month 12 against baseline: SRI-4 (Furie et al. "
            "2009: SLEDAI-2K down by at least 4 points, no new BILAG A and at most one new B, "
            "PGA worse by less than 0.3) and the full BICLA (Wallace et al. 2014: BILAG "
            "improvement, no SLEDAI-2K worsening, PGA worse by less than 10% of its scale, no "
            f"treatment failure); {_e(failure)}.</p>" + _table(table) + _svg(chart)
        )

    def notes_html(self) -> str:
        """Notes about ignored or unreadable optional columns (empty when there are none)."""
        if not self.notes:
            return ""
        items = "".join(f"<li>{_e(n)}</li>" for n in self.notes)
        return f'<h2>Notes</h2><ul class="lt-notes">{items}</ul>'

    def footer_html(self) -> str:
        """Provenance: input name and SHA-256, definition, package version and date."""
        simulated = (" (the simulated cohort shipped with lupus-teach)" if self.simulated else "")
        return (
            '<footer class="lt-footer"><h2>Provenance</h2><ul>'
            f"<li>Input file: <code>{_e(self.input_name)}</code>{simulated}</li>"
            f"<li>SHA-256: <code>{_e(self.sha256)}</code></li>"
            f"<li>Response definition: {_e(self.definition)}</li>"
            f"<li>lupus-teach version: {_e(__version__)}</li>"
            f'<li class="lt-date">Rendered: {_e(self.rendered_at)}</li>'
            "</ul></footer>"
        )


def _window_event_notes(responses: pd.DataFrame, events: pd.DataFrame | None) -> list[str]:
    """Notes on the visit windows (every unused visit, capped) and on the events used."""
    notes = []
    summary = responses.attrs.get("windows_summary", "")
    if "off their scheduled month" in summary or responses.attrs.get("unused_visits", 0):
        notes.append(f"Visit windows: {summary}.")
    unused = responses.loc[responses["note"].astype(str).str.contains("were not used"),
                           ["patient_id", "note"]]
    if len(unused):
        listed = [f"{pid}: " + "; ".join(part for part in str(note).split("; ")
                                          if "were not used" in part)
                  for pid, note in unused.head(MAX_UNUSED_LISTED).itertuples(index=False)]
        more = len(unused) - len(listed)
        notes.append("Visits not used, by patient: " + " | ".join(listed)
                     + (f" | ... and {more:,} more patients with visits not used (see the "
                        "note column of lupus-teach classify)." if more else "."))
    if events is not None and len(events):
        counts = events["event"].value_counts()
        told = ", ".join(f"{n:,} {k}{'s' if n != 1 else ''}" for k, n in counts.items())
        imputed = int(responses["reason"].astype(str).str.contains(
            "non-responder imputation").sum())
        notes.append(f"Events: {told}. {imputed:,} patients are non-responders because they "
                     "died or withdrew before the last scheduled assessment (non-responder "
                     "imputation); the reason column says so.")
    return notes


def _now() -> str:
    """The render time in UTC (``SOURCE_DATE_EPOCH`` is honoured, for reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (_dt.datetime.fromtimestamp(int(epoch), _dt.UTC) if epoch and epoch.isdigit()
              else _dt.datetime.now(_dt.UTC))
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


# --------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------

_TEMPLATES = "templates"
_NOTEBOOK = "report.ipynb"
_HTML_TEMPLATE = "lupus_report"


def _template_dir() -> Path:
    return Path(str(resources.files("lupus_teach") / _TEMPLATES))


def _inject_parameters(nb: Any, parameters: dict[str, Any]) -> Any:
    """Insert an ``injected-parameters`` cell after the ``parameters`` cell (papermill style)."""
    import nbformat

    lines = ["# Parameters", *(f"{k} = {v!r}" for k, v in parameters.items())]
    cell = nbformat.v4.new_code_cell("\n".join(lines) + "\n")
    cell.id = "injected-parameters"
    cell.metadata["tags"] = ["injected-parameters"]
    position = next(
        (i + 1 for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])), 0
    )
    nb.cells.insert(position, cell)
    return nb


def _execute(nb: Any, workdir: str, timeout: int = 900) -> Any:
    """Execute a notebook in a fresh kernel, which is shut down afterwards."""
    from nbclient import NotebookClient
    from traitlets.config import Config

    config = Config()
    # IPC transport: the kernel listens on files in the work folder, not on TCP ports
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(Path(workdir, "kernel"))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", config=config,
                            resources={"metadata": {"path": workdir}})
    client.execute()
    return nb


def _strip_stderr(nb: Any) -> list[str]:
    """Remove stderr streams (warnings) from the outputs; return their text."""
    messages: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                messages.append(output.get("text", ""))
            else:
                kept.append(output)
        cell.outputs = kept
    return messages


def _export(nb: Any, title: str) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name=_HTML_TEMPLATE,
        extra_template_basedirs=[str(_template_dir())],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    nb.metadata["title"] = title
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def render(
    source: VisitSource,
    path: str | os.PathLike[str],
    definition: str = "wang2014",
    title: str | None = None,
    allow_identifiers: bool = False,
    index: str | IndexVersion | None = None,
    *,
    overwrite: bool = False,
    windows: Any = None,
    events: Any = None,
    console: Any = None,
) -> Path:
    """Render the HTML report of a BILAG table to ``path``; return the path.

    Parameters
    ----------
    source : path or DataFrame
        A long BILAG CSV file, or a DataFrame with the contract's columns.
    path : path
        The HTML file to write. It is written only when the report is complete
        (through :func:`lupus_teach.outputs.write_text`: never over the input,
        never through a symbolic link).
    definition : str
        Response definition (see :data:`lupus_teach.response.DEFINITIONS`).
    title : str, optional
        Report title (default: "BILAG response report: <file name>").
    allow_identifiers : bool
        Build the report even if column names or values look like direct
        identifiers (:func:`lupus_teach.safety.find_identifiers`).
    index : {"classic", "2004"}, optional
        The BILAG version, inferred by default.
    overwrite : bool
        Replace ``path`` if it exists (default: refuse). The input file is
        never replaced.
    windows : VisitWindows, optional
        Visit windows (:mod:`lupus_teach.windows`; default: halfway to the
        neighbouring grid months). Visits not used are listed in the notes.
    events : DataFrame or path, optional
        Deaths and withdrawals (:func:`lupus_teach.events.read_events`),
        checked before any work is done; patients who die or withdraw before
        the last scheduled visit are non-responders.
    console : callable, optional
        Called with the validated table once it is read (the ``report``
        command prints its console lines from it without reading twice).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    IdentifierColumnsError
        If a column looks like a direct identifier and ``allow_identifiers`` is False.
    OutputRefusedError
        If ``path`` is the input, or exists and ``overwrite`` is False (checked
        before any work is done).
    DataValidationError
        If the table breaks the data contract (no file is written).
    UnknownNameError
        For an unknown definition.

    Examples
    --------
    >>> render(pd.DataFrame({"patient_id": ["p1"], "DOB": ["1980-01-01"]}), "out.html")
    Traceback (most recent call last):
    ...
    lupus_teach.safety.IdentifierColumnsError: <DataFrame>: stopped: the column(s) 'DOB' ...
    """
    import nbformat

    from lupus_teach.outputs import check_output_path, write_text
    from lupus_teach.response import get_definition
    from lupus_teach.windows import as_windows

    get_definition(definition)  # fail fast on an unknown name
    chosen_windows = as_windows(windows)  # and on unusable windows
    inputs = [source] if isinstance(source, (str, os.PathLike)) else []
    if isinstance(events, (str, os.PathLike)):
        inputs.append(events)
    target = check_output_path(path, inputs=inputs, force=overwrite)
    with tempfile.TemporaryDirectory(prefix="lupus-report-") as work:
        if isinstance(source, pd.DataFrame):
            name = "<DataFrame>"
            check_identifiers(columns=source.columns, source=name, allow=allow_identifiers)
            visits = read_visits(source, index=index, name=name)
            check_identifiers(visits, name, allow_identifiers)
            input_path = Path(work, "input.csv")
            source.to_csv(input_path, index=False)
        elif isinstance(source, (str, os.PathLike)):
            input_path = Path(source)
            name = input_path.name
            # messages name the file as given, exactly as ``lupus-teach validate`` does
            check_identifiers(columns=csv_header(input_path), source=os.fspath(source),
                              allow=allow_identifiers)
            visits = read_visits(input_path, index=index)
            check_identifiers(visits, os.fspath(source), allow_identifiers)
        else:
            raise TypeError("source must be a path or a pandas DataFrame")
        if console is not None:
            console(visits)
        digest = sha256_of(input_path)
        table_path = Path(work, "visits.pkl")
        visits.to_pickle(table_path)
        events_path = None
        if events is not None:  # checked here, before the kernel starts
            from lupus_teach.response import _checked_events

            checked = _checked_events(events, visits)
            events_path = str(Path(work, "events.pkl"))
            checked.to_pickle(events_path)
        version = index.value if isinstance(index, IndexVersion) else index
        parameters = {
            "input_path": str(input_path.resolve()),
            "input_name": name,
            "definition": definition,
            "title": title,
            "index": version,
            "sha256": digest,
            "rendered_at": _now(),
            "table_path": str(table_path),
            "windows": None if chosen_windows.is_default else {
                "grid": chosen_windows.grid, "half_width": chosen_windows.half_width,
                "limits": chosen_windows.limits},
            "events": events_path,
        }
        template = resources.files("lupus_teach") / _TEMPLATES / _NOTEBOOK
        nb = nbformat.reads(template.read_text(encoding="utf-8"), as_version=4)
        _inject_parameters(nb, parameters)
        _execute(nb, work)
        for message in _strip_stderr(nb):
            print(terminal_safe(message, keep_newlines=True),
                  end="" if message.endswith("\n") else "\n", file=sys.stderr)
        page_title = terminal_safe(title or f"BILAG response report: {name}")
        body = _export(nb, page_title)
        write_text(target, body, inputs=inputs, force=overwrite, make_parents=True)
    return target
