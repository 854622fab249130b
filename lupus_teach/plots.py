"""Altair chart builders for the lessons, the book and the reports.

Each builder takes a table in one of the package's contracts, computes what it
shows with :mod:`lupus_teach.stats` or :mod:`lupus_teach.bilag`, and returns an
:mod:`altair` chart with

* a title, and axis titles that name their units ("Patients (%)",
  "24-h proteinuria (g/24 h)"; a month axis is "Month since first infusion");
* colour-blind-safe colours: BILAG grades in an ordered sequential palette
  (:data:`GRADE_COLOURS`, dark A to light E, neighbouring grades in different hues), categories in
  the Okabe-Ito palette (:data:`OKABE_ITO`);
* a top-level ``description``, the text a screen reader announces; read it back
  with :func:`chart_description`.

Data are always embedded in the chart (never a URL), so the charts render
offline, for example with ``vl_convert.vegalite_to_svg(chart.to_json())``.
Building a chart changes no global Altair setting (themes, data transformers).

Examples
--------
>>> import pandas as pd
>>> from lupus_teach.plots import response_bar, chart_description
>>> cohort = pd.DataFrame({"response": ["MCR"] * 13 + ["PCR"] * 11 + ["none"] * 16})
>>> chart = response_bar(cohort, categories=["MCR", "PCR", "none"])
>>> print(chart_description(chart))
Bar chart of response in 40 patients, with 95% Wilson confidence intervals: MCR 13 (32.5%, ...
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
from scipy import stats as sps

from lupus_teach import stats
from lupus_teach.bilag import GRADE_ORDER, Grade, compare_system, systems_for
from lupus_teach.errors import (
    ChartOptionError,
    DataValidationError,
    Problem,
    UnknownNameError,
)
from lupus_teach.visits import bilag_index_of, read_visits

__all__ = [
    "GRADE_COLOURS",
    "MARKER_COLUMNS",
    "MARKER_LABELS",
    "MARKER_UNITS",
    "MONTH_TITLE",
    "OKABE_ITO",
    "ChartOptionError",
    "chart_description",
    "grade_heatmap",
    "marker_trajectory",
    "response_bar",
    "rtm_scatter",
    "sledai_trajectory",
    "survival_curve",
    "transition_heatmap",
]

#: Colour of each BILAG grade, ordered by lightness (A darkest, E lightest) so
#: that it reads in print and in greyscale, with the hue moving from dark red (A)
#: and red (B) through vermillion (C, Okabe-Ito's) to a blue-grey (D, previously
#: active, now quiet) and a neutral grey (E, never involved), so neighbouring
#: grades also differ in hue: C and D, which a sequential orange palette made
#: look alike, are orange against blue, the pair the common colour-vision
#: deficiencies keep apart. Every grade has at least 3:1 contrast against the
#: white chart background (WCAG 1.4.11 for graphics).
GRADE_COLOURS: dict[str, str] = {
    "A": "#67000d",  # 13.3:1 on white
    "B": "#b2182b",  # 6.9:1
    "C": "#d55e00",  # 3.9:1
    "D": "#6a8caf",  # 3.5:1
    "E": "#8f8f8f",  # 3.2:1
}

#: Letter colour on top of each grade's cell, chosen for contrast (at least 4.5:1).
_GRADE_TEXT_COLOURS: dict[str, str] = {"A": "white", "B": "white", "C": "black", "D": "black",
                                       "E": "black"}

#: The Okabe-Ito palette (Okabe & Ito 2008), distinguishable with any common
#: colour-vision deficiency; used for categories. The three light colours
#: (orange, sky blue, yellow: 1.3-2.3:1 on white) are replaced by darker shades
#: of the same hues, so every colour has at least 3:1 contrast against the
#: white chart background (WCAG 1.4.11).
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue, 5.2:1
    "#AD6800",  # orange (darkened), 4.4:1
    "#009E73",  # bluish green, 3.4:1
    "#CC79A7",  # reddish purple, 3.1:1
    "#2C7FB8",  # sky blue (darkened), 4.4:1
    "#D55E00",  # vermillion, 3.9:1
    "#8A7A00",  # yellow (darkened to olive), 4.3:1
    "#000000",  # black
)
_GREY = "#767676"  # 4.5:1

#: Title of every month axis.
MONTH_TITLE = "Month since first infusion"

#: Units of the laboratory markers and treatment doses the study reports.
MARKER_UNITS: dict[str, str] = {
    "proteinuria": "g/24 h",
    "albumin": "g/L",
    "c3": "g/L",
    "c4": "g/L",
    "anti_dsdna": "IU/mL",
    "creatinine": "µmol/L",
    "steroid_dose": "mg/day prednisone",
}

#: Human names of the markers, used in axis titles.
MARKER_LABELS: dict[str, str] = {
    "proteinuria": "24-h proteinuria",
    "albumin": "Serum albumin",
    "c3": "Complement C3",
    "c4": "Complement C4",
    "anti_dsdna": "Anti-dsDNA antibodies",
    "creatinine": "Serum creatinine",
    "steroid_dose": "Steroid dose",
}

#: Columns of a marker table (long format, one row per patient, visit and marker).
MARKER_COLUMNS: tuple[str, ...] = ("patient_id", "month", "marker", "value")


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _inline(frame: pd.DataFrame) -> alt.InlineData:
    """Embed a table as JSON-safe inline values (NaN becomes null)."""
    records = json.loads(frame.to_json(orient="records", double_precision=15))
    return alt.InlineData(values=records)


def _fmt(value: float, digits: int = 1) -> str:
    """A number for prose: rounded, without a trailing ``.0`` for whole numbers."""
    if value is None or not np.isfinite(value):
        return "not available"
    rounded = round(float(value), digits)
    return str(int(rounded)) if float(rounded).is_integer() else f"{rounded:.{digits}f}"


def _fmt_month(month: float) -> str:
    return str(int(month)) if float(month).is_integer() else str(month)


def _require_columns(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataValidationError(
            [
                Problem(
                    "<DataFrame>", None, c, None,
                    f"the {what} needs a column {c!r}; it has: "
                    f"{', '.join(map(str, table.columns)) or 'no columns'}.",
                )
                for c in missing
            ]
        )


def _finish(chart: Any, title: str, description: str) -> Any:
    """Set the top-level title and screen-reader description."""
    return chart.properties(title=title, description=description)


def chart_description(chart: alt.TopLevelMixin) -> str:
    """The text description of a chart, as a screen reader would announce it.

    Parameters
    ----------
    chart : altair chart
        Any chart; the builders of this module always set a description.

    Returns
    -------
    str
        The chart's top-level ``description``; for a chart without one, a
        sentence naming its title and saying that no description was given.

    Examples
    --------
    >>> import altair as alt
    >>> chart_description(alt.Chart(title="Doses", description="Doses fall over time."))
    'Doses fall over time.'
    >>> chart_description(alt.Chart(title="Doses"))
    'Chart "Doses" (no description given).'
    """
    description = getattr(chart, "description", alt.Undefined)
    if isinstance(description, str) and description:
        return description
    title = getattr(chart, "title", alt.Undefined)
    if isinstance(title, alt.TitleParams):
        title = title.text
    if isinstance(title, str) and title:
        return f'Chart "{title}" (no description given).'
    return "Chart (no description given)."


# --------------------------------------------------------------------------
# BILAG grades
# --------------------------------------------------------------------------


def _grade_colour_scale() -> alt.Scale:
    return alt.Scale(domain=list(GRADE_ORDER), range=[GRADE_COLOURS[g] for g in GRADE_ORDER])


def grade_heatmap(
    visits: pd.DataFrame,
    patient_id: str | None = None,
    title: str | None = None,
    max_patients: int = 6,
    columns: int = 3,
) -> alt.LayerChart | alt.FacetChart:
    """A heat-map of BILAG grades: organ systems (rows) by month (columns).

    Each cell is coloured by grade, dark for A (severe) to light for E (never
    involved), and shows the grade's letter; the tooltip gives the grade's
    meaning.

    Parameters
    ----------
    visits : pandas.DataFrame
        A BILAG table in the package's long contract (``patient_id``,
        ``month``, ``system``, ``grade``; see :mod:`lupus_teach.visits`). It is
        validated with :func:`lupus_teach.visits.read_visits`.
    patient_id : str, optional
        The patient to show. When omitted and the table has one patient, that
        patient is shown; with several, one small heat-map per patient is drawn
        for the first ``max_patients`` patients in table order.
    title : str, optional
        Chart title; a sensible one by default.
    max_patients : int
        Most patients drawn as small multiples.
    columns : int
        Small multiples per row.

    Returns
    -------
    altair.LayerChart or altair.FacetChart

    Raises
    ------
    DataValidationError
        If the table breaks the BILAG contract.
    UnknownNameError
        If ``patient_id`` is not in the table (the message lists the patients).

    References
    ----------
    Hay EM, et al. The BILAG index. QJM 1993;86:447-458. Colours:
    :data:`GRADE_COLOURS` (C is Okabe-Ito's vermillion; Okabe M, Ito K 2008).

    Examples
    --------
    >>> import pandas as pd
    >>> from lupus_teach.bilag import system_names
    >>> visits = pd.DataFrame({"patient_id": "p01", "month": [0] * 8 + [6] * 8,
    ...     "system": list(system_names()) * 2, "grade": list("CBEEEEAC" + "DCEEEECD")})
    >>> chart = grade_heatmap(visits)
    >>> chart.to_dict()["layer"][0]["encoding"]["color"]["scale"]["domain"]
    ['A', 'B', 'C', 'D', 'E']
    >>> print(chart_description(chart))
    Heat map of BILAG grades for patient p01: 8 organ systems (rows) at 2 visits, months 0, 6 ...
    """
    table = read_visits(visits)
    # labels of the table's own index version ("Cardiorespiratory" in BILAG-2004)
    label_of = {s.name: s.label for s in systems_for(bilag_index_of(table))}
    order = [s for s in label_of if s in set(table["system"])]
    labels = [label_of[s] for s in order]
    table = table.assign(patient_id=table["patient_id"].astype(str))
    patients = list(dict.fromkeys(table["patient_id"]))
    if patient_id is not None:
        if str(patient_id) not in patients:
            raise UnknownNameError("patient in this table", patient_id, patients)
        shown = [str(patient_id)]
    else:
        if max_patients < 1:
            raise ChartOptionError(f"max_patients={max_patients!r}: show at least 1 patient.")
        shown = patients[:max_patients]
    data = table[table["patient_id"].isin(shown)].copy()
    data["system_label"] = data["system"].map(label_of)
    data["system_order"] = data["system"].map({s: i for i, s in enumerate(order)})
    data["meaning"] = data["grade"].map(lambda g: Grade(g).meaning)
    data = data[["patient_id", "month", "system", "system_label", "system_order", "grade",
                 "meaning"]]

    x = alt.X("month:O", title=MONTH_TITLE, axis=alt.Axis(labelAngle=0))
    y = alt.Y("system_label:N", sort=labels, title="Organ system (BILAG)")
    rect = alt.Chart().mark_rect(stroke="white", strokeWidth=1).encode(
        x=x,
        y=y,
        color=alt.Color(
            "grade:N",
            scale=_grade_colour_scale(),
            legend=alt.Legend(title="BILAG grade", values=list(GRADE_ORDER)),
        ),
        tooltip=[
            alt.Tooltip("patient_id:N", title="Patient"),
            alt.Tooltip("month:O", title="Month"),
            alt.Tooltip("system_label:N", title="Organ system"),
            alt.Tooltip("grade:N", title="Grade"),
            alt.Tooltip("meaning:N", title="Meaning"),
        ],
    )
    dark = [g for g in GRADE_ORDER if _GRADE_TEXT_COLOURS[g] == "white"]
    text = alt.Chart().mark_text(fontWeight="bold").encode(
        x=x,
        y=y,
        text=alt.Text("grade:N"),
        color=alt.when(alt.FieldOneOfPredicate(field="grade", oneOf=dark))
        .then(alt.value("white"))
        .otherwise(alt.value("black")),
    )
    layered = alt.layer(rect, text, data=_inline(data)).properties(
        width=alt.Step(34), height=alt.Step(22)
    )
    description = _heatmap_description(data, shown, patients, labels)
    if len(shown) == 1:
        default_title = f"BILAG grades of patient {shown[0]} by organ system and month"
        return _finish(layered, title or default_title, description)
    default_title = "BILAG grades by organ system and month"
    if len(shown) < len(patients):
        default_title += f" (first {len(shown)} of {len(patients)} patients)"
    # a fixed width keeps each small multiple's month-axis title readable
    width = max(26 * data["month"].nunique(), 170)
    faceted = alt.layer(rect, text).properties(width=width, height=alt.Step(18)).facet(
        data=_inline(data),
        facet=alt.Facet("patient_id:N", title="Patient", sort=shown),
        columns=max(1, int(columns)),
    ).resolve_axis(x="independent")  # a month axis under each patient, none under an empty slot
    return _finish(faceted, title or default_title, description)


def _heatmap_description(
    data: pd.DataFrame, shown: list[str], patients: list[str], labels: list[str]
) -> str:
    months = sorted(data["month"].unique())
    month_text = ", ".join(_fmt_month(m) for m in months)
    scale = ("Colour and letter show the grade, from dark A (severe activity) to light E "
             "(never involved).")
    if len(shown) == 1:
        parts = []
        for month, visit in data.groupby("month", sort=True):
            worst = max(Grade(g) for g in visit["grade"])
            systems = visit.loc[visit["grade"] == worst.value, "system_label"]
            parts.append(f"month {_fmt_month(month)} {worst.value} ({', '.join(systems)})")
        noun = "visit" if len(months) == 1 else "visits"
        return (
            f"Heat map of BILAG grades for patient {shown[0]}: {len(labels)} organ systems "
            f"(rows) at {len(months)} {noun}, months {month_text} (columns). {scale} "
            f"Most severe grade at each visit: {'; '.join(parts)}."
        )
    extra = "" if len(shown) == len(patients) else f" (the first {len(shown)} of {len(patients)})"
    return (
        f"Small multiples of BILAG grade heat maps, one per patient for {len(shown)} "
        f"patients{extra}: {', '.join(shown)}. In each, {len(labels)} organ systems are rows "
        f"and months {month_text} are columns. {scale}"
    )


def transition_heatmap(
    visits: pd.DataFrame, month_from: float, month_to: float, title: str | None = None
) -> alt.LayerChart:
    """How organ-system grades moved between two visits, pooled over systems and patients.

    Rows are the grade at ``month_from``, columns the grade at ``month_to``; a
    cell counts the (patient, organ system) pairs that went from one to the
    other. Cells on the diagonal are unchanged; the tooltip says whether a
    move is an improvement or a worsening (by activity, so D and E count as
    equal, see :func:`lupus_teach.bilag.compare_system`).

    Parameters
    ----------
    visits : pandas.DataFrame
        A BILAG table in the package's long contract.
    month_from, month_to : float
        The two visits; patients seen at both are counted.
    title : str, optional
        Chart title.

    Returns
    -------
    altair.LayerChart

    Raises
    ------
    UnknownNameError
        If a month is not in the table (the message lists the months).

    Examples
    --------
    >>> import pandas as pd
    >>> from lupus_teach.bilag import system_names
    >>> visits = pd.DataFrame({"patient_id": "p01", "month": [0] * 8 + [6] * 8,
    ...     "system": list(system_names()) * 2, "grade": list("CBEEEEAC" + "DCEEEECD")})
    >>> chart = transition_heatmap(visits, 0, 6)
    >>> print(chart_description(chart))
    Heat map of BILAG grade transitions from month 0 to month 6 in 1 patient: ...
    """
    table = read_visits(visits)
    months = sorted(table["month"].unique())
    for month in (month_from, month_to):
        if month not in set(months):
            raise UnknownNameError(
                "month in this table", month, [_fmt_month(m) for m in months]
            )
    key = ["patient_id", "system"]
    before = table.loc[table["month"] == month_from, [*key, "grade"]]
    after = table.loc[table["month"] == month_to, [*key, "grade"]]
    pairs = before.merge(after, on=key, suffixes=("_from", "_to"))
    counts = pd.crosstab(pairs["grade_from"], pairs["grade_to"]).reindex(
        index=list(GRADE_ORDER), columns=list(GRADE_ORDER), fill_value=0
    )
    rows = []
    for g_from in GRADE_ORDER:
        for g_to in GRADE_ORDER:
            change = compare_system(g_from, g_to).change.value
            rows.append({"grade_from": g_from, "grade_to": g_to,
                         "count": int(counts.loc[g_from, g_to]), "change": change})
    data = pd.DataFrame(rows)
    biggest = max(int(data["count"].max()), 1)
    label_from, label_to = _fmt_month(month_from), _fmt_month(month_to)
    x = alt.X("grade_to:O", sort=list(GRADE_ORDER), title=f"Grade at month {label_to}",
              axis=alt.Axis(labelAngle=0, orient="top"))
    y = alt.Y("grade_from:O", sort=list(GRADE_ORDER), title=f"Grade at month {label_from}")
    rect = alt.Chart().mark_rect(stroke="white").encode(
        x=x,
        y=y,
        color=alt.Color("count:Q", scale=alt.Scale(scheme="blues", domainMin=0),
                        legend=alt.Legend(title="Organ systems (count)")),
        tooltip=[
            alt.Tooltip("grade_from:N", title=f"Grade at month {label_from}"),
            alt.Tooltip("grade_to:N", title=f"Grade at month {label_to}"),
            alt.Tooltip("count:Q", title="Organ systems (count)"),
            alt.Tooltip("change:N", title="Change"),
        ],
    )
    text = alt.Chart().mark_text().encode(
        x=x,
        y=y,
        text=alt.Text("count:Q"),
        color=alt.when(alt.datum["count"] > biggest / 2)
        .then(alt.value("white"))
        .otherwise(alt.value("black")),
    )
    chart = alt.layer(rect, text, data=_inline(data)).properties(
        width=alt.Step(40), height=alt.Step(40)
    )
    n_pairs = int(data["count"].sum())
    by_change = data.groupby("change")["count"].sum()
    n_patients = pairs["patient_id"].nunique()
    top = data.sort_values("count", ascending=False, kind="stable").iloc[0]
    p_noun = "patient" if n_patients == 1 else "patients"
    description = (
        f"Heat map of BILAG grade transitions from month {label_from} to month {label_to} in "
        f"{n_patients} {p_noun}: rows are the grade at month {label_from}, columns the grade at "
        f"month {label_to}, and each cell counts organ systems. Of {n_pairs} organ systems, "
        f"{int(by_change.get('improved', 0))} improved, {int(by_change.get('same', 0))} were "
        f"unchanged and {int(by_change.get('worsened', 0))} worsened. The most common "
        f"transition was {top['grade_from']} to {top['grade_to']} ({int(top['count'])})."
    )
    default_title = f"BILAG grade transitions, month {label_from} to month {label_to}"
    return _finish(chart, title or default_title, description)


# --------------------------------------------------------------------------
# cohort responses
# --------------------------------------------------------------------------


def response_bar(
    table: pd.DataFrame,
    column: str = "response",
    method: str = "wilson",
    categories: Sequence[str] | None = None,
    level: float = 0.95,
    title: str | None = None,
    x_title: str | None = None,
) -> alt.LayerChart:
    """Patients in each response category, as percentages with confidence intervals.

    Bars show the percentage of patients in each category, error bars the
    confidence interval from :func:`lupus_teach.stats.response_proportions`,
    and labels read "n (x%)".

    Parameters
    ----------
    table : pandas.DataFrame
        One row per patient.
    column : str
        The column with each patient's category.
    method : {"wilson", "exact"}
        Interval method, see :func:`lupus_teach.stats.proportion_ci`.
    categories : sequence of str, optional
        Categories and their order (see :func:`~lupus_teach.stats.response_proportions`).
    level : float
        Confidence level.
    title, x_title : str, optional
        Chart and x-axis titles.

    Returns
    -------
    altair.LayerChart
        Its data hold the columns of ``response_proportions`` plus ``percent``,
        ``lower_pct``, ``upper_pct`` and ``label``.

    References
    ----------
    Wang D, et al. Arthritis Res Ther 2014;16:R79.

    Examples
    --------
    >>> import pandas as pd
    >>> cohort = pd.DataFrame({"response": ["MCR"] * 13 + ["PCR"] * 11 + ["none"] * 16})
    >>> chart = response_bar(cohort, categories=["MCR", "PCR", "none"], method="exact")
    >>> [row["label"] for row in chart.data.values]
    ['13 (32.5%)', '11 (27.5%)', '16 (40%)']
    """
    props = stats.response_proportions(
        table, column=column, categories=categories, method=method, level=level
    )
    data = props.copy()
    data["category"] = data["category"].astype(str)
    data["percent"] = 100 * data["proportion"]
    data["lower_pct"] = 100 * data["lower"]
    data["upper_pct"] = 100 * data["upper"]
    data["label"] = [f"{c} ({_fmt(p)}%)" for c, p in zip(data["count"], data["percent"],
                                                           strict=True)]
    order = data["category"].tolist()
    level_pct = _fmt(100 * level)
    method_name = {"wilson": "Wilson", "exact": "exact (Clopper-Pearson)"}[method]
    x = alt.X("category:N", sort=order, axis=alt.Axis(labelAngle=0),
              title=x_title or f"{column.replace('_', ' ').capitalize()} category")
    y_title = "Patients (%)"
    tooltip = [
        alt.Tooltip("category:N", title="Category"),
        alt.Tooltip("count:Q", title="Patients (n)"),
        alt.Tooltip("n:Q", title="Of (n)"),
        alt.Tooltip("percent:Q", title="Patients (%)", format=".1f"),
        alt.Tooltip("lower_pct:Q", title=f"{level_pct}% CI lower (%)", format=".1f"),
        alt.Tooltip("upper_pct:Q", title=f"{level_pct}% CI upper (%)", format=".1f"),
    ]
    colours = [OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(order))]
    bars = alt.Chart().mark_bar().encode(
        x=x,
        y=alt.Y("percent:Q", title=y_title, scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("category:N", scale=alt.Scale(domain=order, range=colours),
                        legend=None),
        tooltip=tooltip,
    )
    errors = alt.Chart().mark_errorbar(ticks=True, color="black").encode(
        x=x,
        y=alt.Y("lower_pct:Q", title=y_title),
        y2=alt.Y2("upper_pct:Q"),
        tooltip=tooltip,
    )
    labels = alt.Chart().mark_text(dy=-8, baseline="bottom").encode(
        x=x, y=alt.Y("upper_pct:Q", title=y_title), text=alt.Text("label:N")
    )
    chart = alt.layer(bars, errors, labels, data=_inline(data)).properties(
        width=alt.Step(70), height=260
    )
    n = int(data["n"].iloc[0])
    parts = [
        f"{r.category} {r.count} ({_fmt(r.percent)}%, {level_pct}% CI {_fmt(r.lower_pct)}% to "
        f"{_fmt(r.upper_pct)}%)"
        for r in data.itertuples()
    ]
    description = (
        f"Bar chart of {column.replace('_', ' ')} in {n} patients, with {level_pct}% "
        f"{method_name} confidence intervals: {'; '.join(parts)}."
    )
    default_title = f"Patients by {column.replace('_', ' ')} category ({level_pct}% CI)"
    return _finish(chart, title or default_title, description)


# --------------------------------------------------------------------------
# markers
# --------------------------------------------------------------------------


def marker_trajectory(
    markers: pd.DataFrame,
    marker: str,
    show_individuals: bool = True,
    spread: str = "sd",
    unit: str | None = None,
    title: str | None = None,
) -> alt.LayerChart:
    """A laboratory marker over time: cohort mean with its spread, and each patient.

    Parameters
    ----------
    markers : pandas.DataFrame
        Long table with one row per patient, visit and marker, columns
        ``patient_id`` (text), ``month`` (months since the first infusion, 0 =
        baseline), ``marker`` (a name such as those in :data:`MARKER_UNITS`:
        ``proteinuria``, ``albumin``, ``c3``, ``anti_dsdna``, ``creatinine``,
        ``steroid_dose``) and ``value`` (a number in the marker's unit; missing
        values are left out).
    marker : str
        The marker to draw.
    show_individuals : bool
        Also draw a faint line per patient.
    spread : {"sd", "ci"}
        Band of mean ± 1 standard deviation, or the 95% confidence interval of
        the mean (t distribution).
    unit : str, optional
        Unit for a marker not in :data:`MARKER_UNITS`.
    title : str, optional
        Chart title.

    Returns
    -------
    altair.LayerChart

    Raises
    ------
    DataValidationError
        If a column of the contract is missing.
    UnknownNameError
        If ``marker`` is not in the table, or its unit is unknown and not given.

    Examples
    --------
    >>> import pandas as pd
    >>> markers = pd.DataFrame({"patient_id": ["p1", "p1", "p2", "p2"], "month": [0, 6, 0, 6],
    ...                         "marker": "proteinuria", "value": [3.0, 1.0, 2.0, 1.5]})
    >>> chart = marker_trajectory(markers, "proteinuria")
    >>> chart.to_dict()["layer"][-1]["encoding"]["y"]["title"]
    '24-h proteinuria (g/24 h)'
    """
    _require_columns(markers, MARKER_COLUMNS, "marker table")
    known = sorted(markers["marker"].dropna().astype(str).unique())
    if marker not in known:
        raise UnknownNameError("marker in this table", marker, known)
    unit = unit or MARKER_UNITS.get(marker)
    if unit is None:
        raise UnknownNameError(
            "marker with a known unit", marker, MARKER_UNITS,
            f"Pass its unit, for example unit='mg/L', to draw {marker!r}.",
        )
    if spread not in ("sd", "ci"):
        raise UnknownNameError("spread", spread, ["sd", "ci"])
    label = MARKER_LABELS.get(marker, marker.replace("_", " ").capitalize())
    y_title = f"{label} ({unit})"
    rows = markers.loc[markers["marker"] == marker, list(MARKER_COLUMNS)].copy()
    rows["value"] = pd.to_numeric(rows["value"], errors="coerce")
    rows["month"] = pd.to_numeric(rows["month"], errors="coerce")
    rows = rows.dropna(subset=["value", "month"])
    if rows.empty:
        raise stats.NotEnoughDataError(f"marker {marker!r} has no numeric values to draw.")
    rows["patient_id"] = rows["patient_id"].astype(str)
    summary = rows.groupby("month", sort=True)["value"].agg(["count", "mean", "std"])
    summary = summary.reset_index().rename(columns={"count": "n", "std": "sd"})
    sd = summary["sd"].fillna(0.0)
    if spread == "sd":
        half = sd
        band_name = "mean ± 1 SD"
    else:
        t = sps.t.ppf(0.975, np.maximum(summary["n"] - 1, 1))
        half = pd.Series(np.where(summary["n"] > 1, t * sd / np.sqrt(summary["n"]), 0.0))
        band_name = "95% CI of the mean"
    summary["lower"] = summary["mean"] - half
    summary["upper"] = summary["mean"] + half

    x = alt.X("month:Q", title=MONTH_TITLE, axis=alt.Axis(tickMinStep=1))
    y = alt.Y("mean:Q", title=y_title)
    layers = []
    if show_individuals:
        layers.append(
            alt.Chart(_inline(rows)).mark_line(color=_GREY, opacity=0.35, strokeWidth=1).encode(
                x=x,
                y=alt.Y("value:Q", title=y_title),
                detail="patient_id:N",
                tooltip=[alt.Tooltip("patient_id:N", title="Patient"),
                         alt.Tooltip("month:Q", title="Month"),
                         alt.Tooltip("value:Q", title=y_title)],
            )
        )
    base = alt.Chart(_inline(summary))
    layers.append(
        base.mark_area(color=OKABE_ITO[0], opacity=0.2).encode(
            x=x, y=alt.Y("lower:Q", title=y_title), y2="upper:Q"
        )
    )
    layers.append(
        base.mark_line(color=OKABE_ITO[0], strokeWidth=3, point=True).encode(
            x=x,
            y=y,
            tooltip=[alt.Tooltip("month:Q", title="Month"),
                     alt.Tooltip("n:Q", title="Patients (n)"),
                     alt.Tooltip("mean:Q", title=f"Mean ({unit})", format=".2f"),
                     alt.Tooltip("sd:Q", title=f"SD ({unit})", format=".2f")],
        )
    )
    chart = alt.layer(*layers).properties(width=380, height=260)
    first, last = summary.iloc[0], summary.iloc[-1]
    n_patients = rows["patient_id"].nunique()
    individuals = " Faint grey lines are individual patients." if show_individuals else ""
    description = (
        f"Line chart of {label.lower()} ({unit}) in {n_patients} patients from month "
        f"{_fmt_month(first['month'])} to month {_fmt_month(last['month'])}. The thick line is "
        f"the mean: {_fmt(first['mean'], 2)} at month {_fmt_month(first['month'])} and "
        f"{_fmt(last['mean'], 2)} at month {_fmt_month(last['month'])}; the shaded band is the "
        f"{band_name}.{individuals}"
    )
    return _finish(chart, title or f"{label} over time (mean, {band_name})", description)


# --------------------------------------------------------------------------
# survival
# --------------------------------------------------------------------------


def survival_curve(
    km_table: pd.DataFrame,
    title: str = "Kaplan-Meier estimate",
    x_title: str = "Time since first infusion (months)",
    y_title: str = "Survival probability (%)",
    event: str = "event",
) -> alt.LayerChart:
    """A Kaplan-Meier step curve with its pointwise confidence band.

    Parameters
    ----------
    km_table : pandas.DataFrame
        The result of :func:`lupus_teach.stats.kaplan_meier` (columns ``time``,
        ``survival``, ``lower``, ``upper``; ``censored`` and ``at_risk`` are used
        when present to mark censored times and count patients).
    title, x_title, y_title : str
        Chart and axis titles; keep the units in the axis titles (for example
        ``"Relapse-free (%)"``).
    event : str
        Name of the event for the description ("relapse", "death").

    Returns
    -------
    altair.LayerChart

    Examples
    --------
    >>> from lupus_teach.stats import kaplan_meier
    >>> km = kaplan_meier([2, 3, 3, 5, 8], [1, 1, 0, 1, 0])
    >>> chart = survival_curve(km, title="Time to relapse", event="relapse")
    >>> print(chart_description(chart))
    Step chart of the Kaplan-Meier estimate of staying free of relapse in 5 patients ...
    """
    _require_columns(km_table, ["time", "survival", "lower", "upper"], "Kaplan-Meier table")
    data = km_table.copy()
    for column in ("survival", "lower", "upper"):
        data[f"{column}_pct"] = 100 * data[column]
    x = alt.X("time:Q", title=x_title)
    y = alt.Y("survival_pct:Q", title=y_title, scale=alt.Scale(domain=[0, 100]))
    base = alt.Chart()
    band = base.mark_area(interpolate="step-after", color=OKABE_ITO[0], opacity=0.2).encode(
        x=x, y=alt.Y("lower_pct:Q", title=y_title, scale=alt.Scale(domain=[0, 100])),
        y2="upper_pct:Q",
    )
    tooltip = [alt.Tooltip("time:Q", title=x_title),
               alt.Tooltip("survival_pct:Q", title=y_title, format=".1f"),
               alt.Tooltip("lower_pct:Q", title="95% CI lower (%)", format=".1f"),
               alt.Tooltip("upper_pct:Q", title="95% CI upper (%)", format=".1f")]
    if "at_risk" in data:
        tooltip.append(alt.Tooltip("at_risk:Q", title="At risk (n)"))
    line = base.mark_line(interpolate="step-after", color=OKABE_ITO[0], strokeWidth=2).encode(
        x=x, y=y, tooltip=tooltip
    )
    layers = [band, line]
    if "censored" in data:
        censor = base.transform_filter(alt.datum.censored > 0).mark_point(
            shape="cross", color="black", size=50, filled=True
        ).encode(x=x, y=y, tooltip=tooltip)
        layers.append(censor)
    chart = alt.layer(*layers, data=_inline(data)).properties(width=380, height=260)
    last = data.iloc[-1]
    n = int(data["at_risk"].iloc[0]) if "at_risk" in data else None
    n_text = f" in {n} patients" if n is not None else ""
    events = f" with {int(data['events'].sum())} {event}s" if "events" in data else ""
    censored = (
        " Crosses mark censored patients." if "censored" in data and data["censored"].sum() else ""
    )
    description = (
        f"Step chart of the Kaplan-Meier estimate of staying free of {event}{n_text}{events}. "
        f"At time {_fmt(last['time'])} the estimate is {_fmt(last['survival_pct'])}% (95% CI "
        f"{_fmt(last['lower_pct'])}% to {_fmt(last['upper_pct'])}%); the shaded band is the "
        f"pointwise 95% confidence interval.{censored}"
    )
    return _finish(chart, title, description)


# --------------------------------------------------------------------------
# regression to the mean
# --------------------------------------------------------------------------


def rtm_scatter(
    sim: pd.DataFrame, title: str | None = None, unit: str = "points"
) -> alt.LayerChart:
    """Screening against follow-up score in a regression-to-the-mean simulation.

    Points below the dashed identity line "improved"; in the simulation no
    patient's true activity changed, so the improvement of the selected
    patients is regression to the mean.

    Parameters
    ----------
    sim : pandas.DataFrame
        The result of :func:`lupus_teach.stats.regression_to_mean_simulation`
        (``keep_all=True`` also shows the patients who were screened out).
    title : str, optional
        Chart title.
    unit : str
        Unit of the activity score, for the axis titles.

    Returns
    -------
    altair.LayerChart

    Examples
    --------
    >>> from lupus_teach.stats import regression_to_mean_simulation
    >>> sim = regression_to_mean_simulation(200, seed=1, keep_all=True)
    >>> chart = rtm_scatter(sim)
    >>> chart.to_dict()["layer"][0]["encoding"]["x"]["title"]
    'Screening score (points)'
    """
    _require_columns(sim, ["screening", "follow_up"], "simulation table")
    data = sim.copy()
    if "selected" not in data:
        data["selected"] = True
    data["group"] = np.where(data["selected"], "Entered the trial", "Screened out")
    x_title, y_title = f"Screening score ({unit})", f"Follow-up score ({unit})"
    low = float(min(data["screening"].min(), data["follow_up"].min()))
    high = float(max(data["screening"].max(), data["follow_up"].max()))
    groups = ["Entered the trial", "Screened out"]
    points = alt.Chart(_inline(data)).mark_circle(size=30, opacity=0.6).encode(
        x=alt.X("screening:Q", title=x_title, scale=alt.Scale(zero=False)),
        y=alt.Y("follow_up:Q", title=y_title, scale=alt.Scale(zero=False)),
        color=alt.Color("group:N", scale=alt.Scale(domain=groups, range=[OKABE_ITO[1], _GREY]),
                        legend=alt.Legend(title="Patients")),
        tooltip=[alt.Tooltip("screening:Q", title=x_title, format=".1f"),
                 alt.Tooltip("follow_up:Q", title=y_title, format=".1f"),
                 alt.Tooltip("group:N", title="Patients")],
    )
    identity = alt.Chart(_inline(pd.DataFrame({"screening": [low, high],
                                               "follow_up": [low, high]}))).mark_line(
        color="black", strokeDash=[5, 4]
    ).encode(x=alt.X("screening:Q", title=x_title), y=alt.Y("follow_up:Q", title=y_title))
    layers: list[Any] = [points, identity]
    threshold = sim.attrs.get("entry_threshold")
    if threshold is not None:
        layers.append(
            alt.Chart(_inline(pd.DataFrame({"threshold": [float(threshold)]})))
            .mark_rule(color=OKABE_ITO[5], strokeDash=[2, 2])
            .encode(x=alt.X("threshold:Q", title=x_title))
        )
    chart = alt.layer(*layers).properties(width=320, height=320)
    threshold_text = (
        f" (a screening score of at least {_fmt(threshold)} {unit}, the dotted vertical line)"
        if threshold is not None else ""
    )
    default_title = "Regression to the mean: patients selected for a high score"
    if not data["selected"].any():
        description = (
            f"Scatter plot of follow-up score against screening score for {len(data)} simulated "
            f"patients whose true activity did not change. None entered the trial"
            f"{threshold_text}. The dashed line marks no change."
        )
        return _finish(chart, title or default_title, description)
    summary = stats.summarise_regression(data)
    description = (
        f"Scatter plot of follow-up score against screening score for {len(data)} simulated "
        f"patients whose true activity did not change. The {summary.n_selected} patients who "
        f"entered the trial{threshold_text} had a mean screening score of "
        f"{_fmt(summary.mean_screening)} and a mean follow-up score of "
        f"{_fmt(summary.mean_follow_up)} {unit}: an apparent change of "
        f"{_fmt(summary.apparent_change)} {unit} without any treatment. The dashed line marks "
        "no change."
    )
    return _finish(chart, title or default_title, description)


# --------------------------------------------------------------------------
# SLEDAI-2K trajectory (composite endpoints)
# --------------------------------------------------------------------------


def sledai_trajectory(
    visits: pd.DataFrame,
    groups: pd.Series | None = None,
    show_individuals: bool = True,
    title: str | None = None,
) -> alt.LayerChart:
    """SLEDAI-2K total over time: mean with its 95% confidence interval, and each patient.

    Parameters
    ----------
    visits : pandas.DataFrame
        A BILAG table with a ``sledai`` column, or the 24 ``sledai_<descriptor>``
        columns (:mod:`lupus_teach.sledai`), one value per visit repeated on
        every system's row; ``patient_id`` and ``month`` (months since the
        first infusion) as in :func:`lupus_teach.visits.read_visits`.
    groups : pandas.Series, optional
        A label per patient (index ``patient_id``), for example each
        patient's SRI-4 response: one mean line per group, in the Okabe-Ito
        palette.
    show_individuals : bool
        Also draw a faint line per patient.
    title : str, optional
        Chart title.

    Returns
    -------
    altair.LayerChart

    Raises
    ------
    DataValidationError
        If the table has neither ``sledai`` nor descriptor columns.

    Examples
    --------
    >>> import pandas as pd
    >>> visits = pd.DataFrame({"patient_id": ["p1", "p1", "p2", "p2"], "month": [0, 12, 0, 12],
    ...                        "sledai": [12, 4, 10, 9]})
    >>> chart = sledai_trajectory(visits)
    >>> chart.to_dict()["layer"][-1]["encoding"]["y"]["title"]
    'SLEDAI-2K (points, 0-105)'
    >>> print(chart_description(chart)[:76])
    Line chart of the SLEDAI-2K total (points, 0-105) in 2 patients from month 0
    """
    from lupus_teach.sledai import descriptor_columns, visit_activity

    if "sledai" not in visits.columns and not descriptor_columns(visits.columns):
        _require_columns(visits, ["sledai"], "SLEDAI-2K chart")
    rows = visit_activity(visits).dropna(subset=["sledai"])
    if rows.empty:
        raise stats.NotEnoughDataError("the table has no SLEDAI-2K totals to draw.")
    rows["patient_id"] = rows["patient_id"].astype(str)
    rows["month"] = rows["month"].astype(float)
    if groups is not None:
        labels = groups.copy()
        labels.index = labels.index.astype(str)
        rows["group"] = rows["patient_id"].map(labels).fillna("no label").astype(str)
    else:
        rows["group"] = "all patients"
    parts = []
    for (group, month), values in rows.groupby(["group", "month"], sort=True)["sledai"]:
        n = int(values.count())
        mean = float(values.mean())
        sd = float(values.std()) if n > 1 else 0.0
        half = float(sps.t.ppf(0.975, n - 1) * sd / np.sqrt(n)) if n > 1 else 0.0
        parts.append((group, month, n, mean, mean - half, mean + half))
    summary = pd.DataFrame(parts, columns=["group", "month", "n", "mean", "lower", "upper"])
    order = list(dict.fromkeys(summary["group"]))
    colour = alt.Color("group:N", title="Patients", sort=order,
                       scale=alt.Scale(domain=order, range=list(OKABE_ITO[:len(order)])),
                       legend=None if groups is None else alt.Legend())
    y_title = "SLEDAI-2K (points, 0-105)"
    x = alt.X("month:Q", title=MONTH_TITLE, axis=alt.Axis(tickMinStep=1))
    layers = []
    if show_individuals:
        layers.append(alt.Chart(_inline(rows[["patient_id", "month", "sledai"]])).mark_line(
            color=_GREY, opacity=0.3, strokeWidth=1).encode(
            x=x, y=alt.Y("sledai:Q", title=y_title), detail="patient_id:N",
            tooltip=[alt.Tooltip("patient_id:N", title="Patient"),
                     alt.Tooltip("month:Q", title="Month"),
                     alt.Tooltip("sledai:Q", title="SLEDAI-2K (points)")]))
    base = alt.Chart(_inline(summary))
    layers.append(base.mark_area(opacity=0.15).encode(
        x=x, y=alt.Y("lower:Q", title=y_title), y2="upper:Q", color=colour))
    layers.append(base.mark_line(strokeWidth=3, point=True).encode(
        x=x, y=alt.Y("mean:Q", title=y_title), color=colour,
        tooltip=[alt.Tooltip("group:N", title="Patients"), alt.Tooltip("month:Q", title="Month"),
                 alt.Tooltip("n:Q", title="Patients (n)"),
                 alt.Tooltip("mean:Q", title="Mean (points)", format=".1f")]))
    chart = alt.layer(*layers).properties(width=380, height=260)
    sentences = []
    for group in order:
        mine = summary[summary["group"] == group]
        first, last = mine.iloc[0], mine.iloc[-1]
        who = "" if groups is None else f"{group}: "
        sentences.append(
            f"{who}mean {_fmt(first['mean'])} at month {_fmt_month(first['month'])} and "
            f"{_fmt(last['mean'])} at month {_fmt_month(last['month'])}")
    months = summary["month"]
    individuals = " Faint grey lines are individual patients." if show_individuals else ""
    description = (
        f"Line chart of the SLEDAI-2K total (points, 0-105) in {rows['patient_id'].nunique()} "
        f"patients from month {_fmt_month(months.min())} to month {_fmt_month(months.max())}. "
        f"Thick lines are means with shaded 95% confidence intervals; "
        + "; ".join(sentences) + "." + individuals
    )
    return _finish(chart, title or "SLEDAI-2K over time (mean, 95% CI)", description)
