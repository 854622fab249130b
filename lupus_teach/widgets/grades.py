"""Widgets for grading visits: the BILAG form, the visit comparer, the response timeline.

Each public function returns a ready :mod:`ipywidgets` container whose parts
are exposed as attributes, so that a test (or a curious student) can drive it
by setting ``.value`` on a selector and read the result back without a
browser. The callbacks only call the package's pure functions
(:func:`lupus_teach.bilag.global_score`, :func:`lupus_teach.bilag.compare_visits`,
:func:`lupus_teach.response.classify_patient`, :func:`lupus_teach.plots.grade_heatmap`);
no clinical rule lives here. Every control is a labelled ``Dropdown`` or
``RadioButtons`` in a :class:`~lupus_teach.widgets.keyboard.KeyboardSafeBox`,
so everything can be done with the keyboard without triggering JupyterLab's
notebook shortcuts, and each chart is one view redrawn in place. Importing this
module changes no global setting.

Examples
--------
>>> form = bilag_form()
>>> form.selectors["renal"].value = "A"
>>> form.scores
{'classic-9-3-1': 9, 'classic-12-5-1': 12}
>>> form.overall.value
'A'
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import pandas as pd

from lupus_teach import plots
from lupus_teach.bilag import (
    GRADE_ORDER,
    SCHEMES,
    Grade,
    IndexVersion,
    OrganSystem,
    VisitComparison,
    compare_visits,
    global_score,
    normalise_system,
    overall_grade,
    parse_grade,
    system_label,
    systems_for,
)
from lupus_teach.display import chart_view, lesson_table, unchecked_charts
from lupus_teach.errors import UnknownNameError
from lupus_teach.response import (
    DEFINITIONS,
    PatientResponse,
    ResponseDefinition,
    classify_patient,
    get_definition,
)
from lupus_teach.visits import read_visits
from lupus_teach.widgets.keyboard import KeyboardSafeBox

__all__ = [
    "EXAMPLE_HISTORY",
    "BilagForm",
    "ResponseTimeline",
    "SelfCheck",
    "VisitComparer",
    "bilag_form",
    "check_answer",
    "complete_visit",
    "grade_options",
    "response_timeline",
    "scores_by_scheme",
    "self_check",
    "self_check_markdown",
    "visit_comparer",
    "visit_table",
]

_SHORT_MEANING = {
    "A": "severe",
    "B": "moderate",
    "C": "mild",
    "D": "inactive now",
    "E": "never involved",
}

_LABEL_STYLE = {"description_width": "210px"}
_SELECT_LAYOUT = {"width": "400px"}


def grade_options() -> list[tuple[str, str]]:
    """Dropdown options for a BILAG grade: ``(label, letter)``, most severe first.

    Examples
    --------
    >>> grade_options()[0]
    ('A (severe)', 'A')
    """
    return [(f"{g} ({_SHORT_MEANING[g]})", g) for g in GRADE_ORDER]


def _version(index: IndexVersion | str) -> IndexVersion:
    return systems_for(index)[0].index


def scores_by_scheme(
    grades: Mapping[str, Grade | str], index: IndexVersion | str = "classic"
) -> dict[str, int]:
    """The global score of one visit under every numeric scheme of its index.

    Parameters
    ----------
    grades : mapping of system name to grade
        One visit.
    index : {"classic", "2004"}
        The BILAG version; the schemes offered are those of
        :data:`lupus_teach.bilag.SCHEMES` written for it.

    Returns
    -------
    dict
        Scheme name to score, in the order of ``SCHEMES``.

    Examples
    --------
    >>> scores_by_scheme({"renal": "A", "mucocutaneous": "B"})
    {'classic-9-3-1': 12, 'classic-12-5-1': 17}
    >>> scores_by_scheme({"renal": "B"}, index="2004")
    {'bilag2004': 8}
    """
    version = _version(index)
    return {
        name: global_score(grades, name, fill="E")
        for name, scheme in SCHEMES.items()
        if scheme.index is version
    }


def visit_table(
    grades: Mapping[Any, Mapping[str, Grade | str]] | Mapping[str, Grade | str],
    patient_id: str = "example",
    month: int = 0,
    fill: str | None = None,
    index: IndexVersion | str = "classic",
) -> pd.DataFrame:
    """A small long table (the package's contract) from grades written as dicts.

    Parameters
    ----------
    grades : mapping
        Either one visit ``{system: grade}`` (given ``month``) or several
        visits ``{month: {system: grade}}``.
    patient_id : str
        The patient's id in the table.
    month : int
        The month of a single visit.
    fill : str, optional
        A grade (usually ``"E"``) for every system of ``index`` a visit leaves
        out. Without it, every visit must grade every system.
    index : {"classic", "2004"}
        The BILAG version, used with ``fill``.

    Returns
    -------
    pandas.DataFrame
        Validated with :func:`lupus_teach.visits.read_visits`.

    Examples
    --------
    >>> from lupus_teach.bilag import system_names
    >>> visit = dict.fromkeys(system_names(), "E")
    >>> visit_table({0: visit, 6: dict(visit, renal="C")}).shape
    (16, 4)
    >>> visit_table({"renal": "A"}, fill="E").set_index("system").loc["renal", "grade"]
    'A'
    """
    values = list(grades.values())
    if values and isinstance(values[0], Mapping):
        visits: Mapping[Any, Mapping[str, Any]] = grades  # type: ignore[assignment]
    else:
        visits = {month: grades}
    if fill is not None:
        systems = systems_for(index)
        visits = {m: _visit_from(v, systems, default=parse_grade(fill).value)
                  for m, v in visits.items()}
    rows = [
        (patient_id, m, system, parse_grade(grade).value)
        for m, visit in visits.items()
        for system, grade in visit.items()
    ]
    table = pd.DataFrame(rows, columns=["patient_id", "month", "system", "grade"])
    return read_visits(table)


def _visit_from(
    initial: Mapping[str, Grade | str] | None,
    systems: Sequence[OrganSystem],
    default: str = "E",
) -> dict[str, str]:
    """Every system's grade letter; systems not given get ``default``."""
    visit = {s.name: default for s in systems}
    version = systems[0].index
    for name, grade in (initial or {}).items():
        visit[normalise_system(name, version)] = parse_grade(grade).value
    return visit


def complete_visit(
    grades: Mapping[str, Grade | str] | None = None,
    fill: str = "E",
    index: IndexVersion | str = "classic",
) -> dict[str, str]:
    """Every system of the index with a grade: those given, and ``fill`` for the rest.

    Handy for writing a visit as just the systems that are involved.

    Examples
    --------
    >>> visit = complete_visit({"renal": "a"})
    >>> len(visit), visit["renal"], visit["general"]
    (8, 'A', 'E')
    """
    return _visit_from(grades, systems_for(index), default=parse_grade(fill).value)


def _grade_dropdown(description: str, value: str, tooltip: str | None = None) -> widgets.Dropdown:
    return widgets.Dropdown(
        options=grade_options(),
        value=value,
        description=description,
        tooltip=tooltip or description,
        style=_LABEL_STYLE,
        layout=_SELECT_LAYOUT,
    )


def _names(systems: Sequence[str]) -> str:
    return ", ".join(system_label(s) for s in systems) if systems else "none"


# --------------------------------------------------------------------------
# The BILAG form
# --------------------------------------------------------------------------


class BilagForm(KeyboardSafeBox):
    """One visit's BILAG grades, with its global scores, overall grade and profile.

    Attributes
    ----------
    selectors : dict of str to ipywidgets.Dropdown
        One grade selector per organ system (machine name to widget).
    scores : dict of str to int
        The current global score under each numeric scheme of the index.
    overall : Grade
        The current overall grade (the most severe grade in any system).
    summary : ipywidgets.HTML
        The text shown: overall grade and scores.
    chart : altair chart
        The current profile chart (:func:`lupus_teach.plots.grade_heatmap`).
    chart_view : lupus_teach.display.ChartView
        Where the chart is shown; each change redraws this one view in place.
    """

    def __init__(
        self,
        index: IndexVersion | str = "classic",
        initial: Mapping[str, Grade | str] | None = None,
    ) -> None:
        super().__init__()
        self.index = _version(index)
        systems = systems_for(self.index)
        start = _visit_from(initial, systems)
        self.selectors: dict[str, widgets.Dropdown] = {
            s.name: _grade_dropdown(s.label, start[s.name]) for s in systems
        }
        self.summary = widgets.HTML()
        self.chart_view = chart_view()
        self.scores: dict[str, int] = {}
        self.overall = Grade.E
        self.chart: Any = None
        heading = widgets.HTML(
            f"<b>Grade each organ system ({self.index.label})</b>: "
            "choose with the mouse or the arrow keys."
        )
        self.children = (
            heading,
            widgets.HBox(
                [widgets.VBox(list(self.selectors.values()),
                              layout={"flex": "0 0 auto", "margin": "0 1em 0 0"}),
                 self.summary],
                layout={"flex_flow": "row wrap"},
            ),
            self.chart_view,
        )
        for selector in self.selectors.values():
            selector.observe(self._update, names="value")
        self._update()

    @property
    def grades(self) -> dict[str, str]:
        """The current grades, system name to letter."""
        return {name: w.value for name, w in self.selectors.items()}

    def _update(self, _change: object = None) -> None:
        grades = self.grades
        self.scores = scores_by_scheme(grades, self.index)
        self.overall = overall_grade(grades)
        lines = [
            f"<p><b>Overall grade: {self.overall.value}</b> ({html.escape(self.overall.meaning)})"
            "</p>",
            "<p><b>Global score</b> under each numeric scheme:</p><ul>",
        ]
        for name, score in self.scores.items():
            scheme = SCHEMES[name]
            weights = ", ".join(f"{g}={scheme.weights[g]}" for g in GRADE_ORDER)
            lines.append(
                f"<li><b>{html.escape(name)}: {score}</b> of {scheme.maximum()} ({weights})</li>"
            )
        lines.append("</ul>")
        self.summary.value = "".join(lines)
        # the grades come from the selectors, so they are valid: the table is built
        # directly and grade_heatmap validates it once
        table = pd.DataFrame(
            [("this visit", 0, system, grade) for system, grade in grades.items()],
            columns=["patient_id", "month", "system", "grade"],
        )
        with unchecked_charts():
            self.chart = plots.grade_heatmap(table, title="This visit's BILAG profile")
            self.chart_view.chart = self.chart


def bilag_form(
    index: IndexVersion | str = "classic",
    initial: Mapping[str, Grade | str] | None = None,
) -> BilagForm:
    """A BILAG form: one grade selector per organ system, scores and profile update live.

    Parameters
    ----------
    index : {"classic", "2004"}
        The BILAG version (8 or 9 systems).
    initial : mapping of system name to grade, optional
        Starting grades; systems not given start at E (never involved).

    Returns
    -------
    BilagForm
        A ``VBox`` exposing ``selectors``, ``scores``, ``overall``, ``summary``
        and ``chart``.

    Raises
    ------
    UnknownNameError, InvalidGradeError
        For a system or grade in ``initial`` that does not exist.

    Examples
    --------
    >>> form = bilag_form(initial={"mucocutaneous": "B", "renal": "C"})
    >>> form.scores["classic-9-3-1"], form.overall.value
    (4, 'B')
    >>> form.selectors["renal"].value = "A"
    >>> form.scores["classic-12-5-1"]
    17
    >>> "Overall grade: A" in form.summary.value
    True
    """
    return BilagForm(index, initial)


# --------------------------------------------------------------------------
# The visit comparer
# --------------------------------------------------------------------------


class VisitComparer(KeyboardSafeBox):
    """Two visits side by side, with what changed and the flare category.

    Attributes
    ----------
    before_selectors, after_selectors : dict of str to ipywidgets.Dropdown
        Grade selectors of the earlier and later visit.
    result : VisitComparison
        The current comparison (:func:`lupus_teach.bilag.compare_visits`).
    summary : ipywidgets.HTML
        Flare category, the rule that fired, new A / new B, worsened and improved.
    table : ipywidgets.HTML
        The comparison system by system.
    """

    def __init__(
        self,
        before: Mapping[str, Grade | str] | None = None,
        after: Mapping[str, Grade | str] | None = None,
        index: IndexVersion | str = "classic",
    ) -> None:
        super().__init__()
        self.index = _version(index)
        systems = systems_for(self.index)
        start_before = _visit_from(before, systems)
        start_after = _visit_from(after, systems) if after is not None else dict(start_before)
        self.before_selectors = {
            s.name: _grade_dropdown(s.label, start_before[s.name], f"{s.label}, earlier visit")
            for s in systems
        }
        self.after_selectors = {
            s.name: _grade_dropdown(s.label, start_after[s.name], f"{s.label}, later visit")
            for s in systems
        }
        self.summary = widgets.HTML()
        self.table = widgets.HTML()
        self.result: VisitComparison
        columns = widgets.HBox(
            [
                widgets.VBox(
                    [widgets.HTML("<b>Earlier visit</b>"), *self.before_selectors.values()]
                ),
                widgets.VBox([widgets.HTML("<b>Later visit</b>"), *self.after_selectors.values()]),
            ]
        )
        self.children = (columns, self.summary, self.table)
        for selector in [*self.before_selectors.values(), *self.after_selectors.values()]:
            selector.observe(self._update, names="value")
        self._update()

    @property
    def before(self) -> dict[str, str]:
        """The earlier visit's grades."""
        return {name: w.value for name, w in self.before_selectors.items()}

    @property
    def after(self) -> dict[str, str]:
        """The later visit's grades."""
        return {name: w.value for name, w in self.after_selectors.items()}

    def _update(self, _change: object = None) -> None:
        self.result = compare_visits(self.before, self.after, self.index)
        r = self.result
        self.summary.value = (
            f"<p><b>Flare: {r.flare.value}</b></p>"
            f"<p>Rule: {html.escape(r.rule)}</p><ul>"
            f"<li>New A: {html.escape(_names(r.new_a))}</li>"
            f"<li>New B: {html.escape(_names(r.new_b))}</li>"
            f"<li>Worsened: {html.escape(_names(r.worsened))}</li>"
            f"<li>Improved: {html.escape(_names(r.improved))}</li></ul>"
        )
        self.table.value = lesson_table(r.to_frame()).to_html()


def visit_comparer(
    before: Mapping[str, Grade | str] | None = None,
    after: Mapping[str, Grade | str] | None = None,
    index: IndexVersion | str = "classic",
) -> VisitComparer:
    """Compare two visits: new A / new B scores, what worsened or improved, the flare.

    Parameters
    ----------
    before, after : mapping of system name to grade, optional
        Starting grades (systems not given start at E). ``after`` defaults to
        a copy of ``before`` (no change, no flare).
    index : {"classic", "2004"}
        The BILAG version.

    Returns
    -------
    VisitComparer
        A ``VBox`` exposing ``before_selectors``, ``after_selectors``,
        ``result`` (a :class:`lupus_teach.bilag.VisitComparison`) and ``summary``.

    References
    ----------
    Gordon C, et al. Definition and treatment of lupus flares measured by the
    BILAG index. Rheumatology 2003;42:1372-1379 (see
    :data:`lupus_teach.bilag.FLARE_RULES`).

    Examples
    --------
    >>> comparer = visit_comparer()
    >>> comparer.result.flare.value
    'none'
    >>> comparer.after_selectors["renal"].value = "A"
    >>> comparer.result.flare.value, comparer.result.new_a
    ('severe', ('renal',))
    """
    return VisitComparer(before, after, index)


# --------------------------------------------------------------------------
# The response timeline
# --------------------------------------------------------------------------

#: A patient with lupus nephritis who improves steadily: the timeline's default.
EXAMPLE_HISTORY: dict[int, dict[str, str]] = {
    0: {"general": "C", "mucocutaneous": "B", "musculoskeletal": "C", "renal": "A",
        "haematological": "B"},
    1: {"general": "C", "mucocutaneous": "C", "musculoskeletal": "C", "renal": "A",
        "haematological": "B"},
    3: {"general": "D", "mucocutaneous": "C", "musculoskeletal": "C", "renal": "B",
        "haematological": "C"},
    6: {"general": "D", "mucocutaneous": "D", "musculoskeletal": "D", "renal": "C",
        "haematological": "C"},
    9: {"general": "D", "mucocutaneous": "D", "musculoskeletal": "D", "renal": "C",
        "haematological": "D"},
    12: {"general": "D", "mucocutaneous": "D", "musculoskeletal": "D", "renal": "D",
         "haematological": "D"},
}


def _history_from(
    grades: Mapping[int, Mapping[str, Grade | str]] | pd.DataFrame | None,
    systems: Sequence[OrganSystem],
) -> dict[int, dict[str, str]]:
    """Every visit's full set of grades; systems not given are E."""
    if grades is None:
        source: Mapping[Any, Mapping[str, Any]] = (
            EXAMPLE_HISTORY if systems[0].index is IndexVersion.CLASSIC else {}
        )
    elif isinstance(grades, pd.DataFrame):
        table = read_visits(grades, index=systems[0].index)
        patients = list(dict.fromkeys(table["patient_id"]))
        if len(patients) != 1:
            raise UnknownNameError(
                "single patient (the timeline shows one patient; filter the table first)",
                f"{len(patients)} patients",
                patients,
            )
        source = {
            int(m) if float(m).is_integer() else m: dict(
                zip(v["system"].astype(str), v["grade"].astype(str), strict=True)
            )
            for m, v in table.groupby("month", sort=True)
        }
    else:
        source = grades
    return {m: _visit_from(v, systems) for m, v in source.items()}


class ResponseTimeline(KeyboardSafeBox):
    """One patient's grades over the study (systems by month) and their classification.

    Attributes
    ----------
    definition : ipywidgets.Dropdown
        The response definition (every entry of
        :data:`lupus_teach.response.DEFINITIONS`).
    selectors : dict of (int, str) to ipywidgets.Dropdown
        One grade selector per (month, system) of the definition's schedule.
        Rebuilt when the definition changes (its schedule may differ).
    result : PatientResponse
        The current classification (:func:`lupus_teach.response.classify_patient`).
    summary : ipywidgets.HTML
        Response, deciding month, reason and the definition's rules.
    chart : altair chart
        The grade heat-map (:func:`lupus_teach.plots.grade_heatmap`).
    chart_view : lupus_teach.display.ChartView
        Where the chart is shown; each change redraws this one view in place.
    """

    def __init__(
        self,
        grades: Mapping[int, Mapping[str, Grade | str]] | pd.DataFrame | None = None,
        definition: str | ResponseDefinition = "wang2014",
        index: IndexVersion | str = "classic",
    ) -> None:
        super().__init__()
        self.index = _version(index)
        self._systems = systems_for(self.index)
        self._store = _history_from(grades, self._systems)
        chosen = get_definition(definition)
        self.definition = widgets.Dropdown(
            options=[(d.title, name) for name, d in DEFINITIONS.items()],
            value=chosen.name,
            description="Definition",
            style={"description_width": "initial"},
            layout={"width": "560px"},
        )
        self.selectors: dict[tuple[int, str], widgets.Dropdown] = {}
        self.grid = widgets.VBox()
        self.summary = widgets.HTML()
        self.chart_view = chart_view()
        self.result: PatientResponse
        self.chart: Any = None
        self.children = (self.definition, self.grid, self.summary, self.chart_view)
        self.definition.observe(self._on_definition, names="value")
        self._build_grid()
        self._update()

    @property
    def schedule(self) -> tuple[int, ...]:
        """The visit months of the chosen definition."""
        return DEFINITIONS[self.definition.value].schedule

    @property
    def grades(self) -> dict[int, dict[str, str]]:
        """The grades shown, month to {system: letter}, on the definition's schedule."""
        return {m: dict(self._store[m]) for m in self.schedule}

    def _fill_missing_months(self) -> None:
        for month in self.schedule:
            if month not in self._store:
                earlier = [m for m in self._store if m < month]
                self._store[month] = (
                    dict(self._store[max(earlier)]) if earlier
                    else {s.name: "E" for s in self._systems}
                )

    def _build_grid(self) -> None:
        self._fill_missing_months()
        months = self.schedule
        header = widgets.HBox(
            [widgets.HTML("<b>Organ system</b>", layout={"width": "210px"})]
            + [widgets.HTML(f"<b>Month {m}</b>", layout={"width": "110px"}) for m in months]
        )
        rows = [header]
        self.selectors = {}
        for system in self._systems:
            cells: list[widgets.Widget] = [widgets.HTML(system.label, layout={"width": "210px"})]
            for month in months:
                label = f"{system.label}, month {month}"
                selector = widgets.Dropdown(
                    options=[(g, g) for g in GRADE_ORDER],
                    value=self._store[month][system.name],
                    description=label,
                    tooltip=label,
                    # the label is read by screen readers; the row and column headings show it
                    style={"description_width": "0px"},
                    layout={"width": "110px"},
                )
                selector.observe(self._on_grade, names="value")
                self.selectors[(month, system.name)] = selector
                cells.append(selector)
            rows.append(widgets.HBox(cells))
        self.grid.children = tuple(rows)

    def _on_grade(self, _change: object = None) -> None:
        for (month, system), selector in self.selectors.items():
            self._store[month][system] = selector.value
        self._update()

    def _on_definition(self, _change: object = None) -> None:
        self._build_grid()
        self._update()

    def _update(self) -> None:
        chosen = DEFINITIONS[self.definition.value]
        grades = self.grades
        self.result = classify_patient(grades, chosen, self.index)
        r = self.result
        relapse = (
            f"<li>Relapse: month {r.relapse_month}</li>" if r.relapse_month is not None else ""
        )
        rules = "".join(f"<li>{html.escape(rule)}</li>" for rule in chosen.rules)
        self.summary.value = (
            f"<p><b>Response: {r.response.value}</b> ({r.response.label})</p><ul>"
            f"<li>Deciding month: {r.deciding_month}</li>"
            f"<li>Reason: {html.escape(r.reason)}</li>{relapse}</ul>"
            f"<details><summary>The rules of {html.escape(chosen.title)}</summary>"
            f"<ul>{rules}</ul></details>"
        )
        with unchecked_charts():
            self.chart = plots.grade_heatmap(
                visit_table(grades, patient_id="this patient"),
                title=f"BILAG grades by month: {r.response.value} under {chosen.name}",
            )
            self.chart_view.chart = self.chart


def response_timeline(
    grades: Mapping[int, Mapping[str, Grade | str]] | pd.DataFrame | None = None,
    definition: str | ResponseDefinition = "wang2014",
    index: IndexVersion | str = "classic",
) -> ResponseTimeline:
    """A grid of one patient's grades (systems by month), classified as you change them.

    Parameters
    ----------
    grades : mapping of month to {system: grade}, or DataFrame, optional
        The patient's visits (systems not given are E), or a one-patient long
        table. By default an example patient with nephritis who improves
        (:data:`EXAMPLE_HISTORY`). A month the schedule needs but the history
        lacks starts as a copy of the visit before it.
    definition : str
        A name from :data:`lupus_teach.response.DEFINITIONS`.
    index : {"classic", "2004"}
        The BILAG version.

    Returns
    -------
    ResponseTimeline
        A ``VBox`` exposing ``definition``, ``selectors``, ``result`` (a
        :class:`lupus_teach.response.PatientResponse`), ``summary`` and ``chart``.

    Examples
    --------
    >>> timeline = response_timeline()
    >>> timeline.result.response.value, timeline.result.deciding_month
    ('MCR', 6)
    >>> timeline.selectors[(6, "renal")].value = "A"
    >>> print(timeline.result.reason)
    NR: BILAG A in renal at month 6...
    """
    return ResponseTimeline(grades, definition, index)


# --------------------------------------------------------------------------
# Check your understanding
# --------------------------------------------------------------------------


def _explanation_list(
    options: Sequence[str], explanations: Sequence[str] | Mapping[str, str]
) -> list[str]:
    if isinstance(explanations, Mapping):
        return [explanations.get(o, "") for o in options]
    if len(explanations) != len(options):
        raise ValueError(
            f"give one explanation per option: {len(options)} options but "
            f"{len(explanations)} explanations."
        )
    return list(explanations)


def _correct_option(options: Sequence[str], correct: str | int) -> str:
    if isinstance(correct, int):
        return options[correct]
    if correct not in options:
        raise UnknownNameError("answer option", correct, options)
    return correct


def check_answer(
    choice: str | None,
    options: Sequence[str],
    correct: str | int,
    explanations: Sequence[str] | Mapping[str, str],
) -> tuple[bool, str]:
    """Judge one answer to a multiple-choice question and give its feedback.

    Parameters
    ----------
    choice : str or None
        The option chosen (None: nothing chosen yet).
    options : sequence of str
        The options, as shown.
    correct : str or int
        The correct option, or its position.
    explanations : sequence or mapping of str
        Feedback for each option (in the options' order, or by option).

    Returns
    -------
    (bool, str)
        Whether the answer is right, and the feedback sentence.

    Examples
    --------
    >>> check_answer("B", ["A", "B"], "A", ["Yes.", "B is moderate."])
    (False, 'Not quite. B is moderate.')
    >>> check_answer("A", ["A", "B"], 0, ["Yes.", "B is moderate."])
    (True, 'Correct. Yes.')
    """
    right = _correct_option(options, correct)
    notes = _explanation_list(options, explanations)
    if choice is None:
        return False, "Choose an answer."
    if choice not in options:
        raise UnknownNameError("answer option", choice, options)
    note = notes[list(options).index(choice)]
    if choice == right:
        return True, f"Correct. {note}".strip()
    return False, f"Not quite. {note}".strip()


class SelfCheck(KeyboardSafeBox):
    """A multiple-choice question with feedback.

    Attributes
    ----------
    choice : ipywidgets.RadioButtons
        The options (none chosen at first).
    feedback : ipywidgets.HTML
        Feedback on the chosen answer.
    correct : bool
        Whether the current choice is right.
    """

    def __init__(
        self,
        question: str,
        options: Sequence[str],
        correct: str | int,
        explanations: Sequence[str] | Mapping[str, str],
    ) -> None:
        super().__init__()
        self._options = list(options)
        self._correct = _correct_option(self._options, correct)
        self._explanations = _explanation_list(self._options, explanations)
        self.choice = widgets.RadioButtons(
            options=self._options,
            value=None,
            description="Your answer",
            style={"description_width": "initial"},
            layout={"width": "max-content"},
        )
        self.feedback = widgets.HTML()
        self.correct = False
        self.children = (
            widgets.HTML(f"<p><b>{html.escape(question)}</b></p>"),
            self.choice,
            self.feedback,
        )
        self.choice.observe(self._update, names="value")
        self._update()

    def _update(self, _change: object = None) -> None:
        self.correct, text = check_answer(
            self.choice.value, self._options, self._correct, self._explanations
        )
        self.feedback.value = f"<p role='status'>{html.escape(text)}</p>"


def self_check(
    question: str,
    options: Sequence[str],
    correct: str | int,
    explanations: Sequence[str] | Mapping[str, str],
) -> SelfCheck:
    """A "check your understanding" question: radio buttons and feedback.

    Parameters
    ----------
    question : str
    options : sequence of str
    correct : str or int
        The correct option, or its position.
    explanations : sequence or mapping of str
        Feedback for each option.

    Returns
    -------
    SelfCheck
        A ``VBox`` exposing ``choice``, ``feedback`` and ``correct``.

    See Also
    --------
    self_check_markdown : the same question as a Markdown block for the static book.

    Examples
    --------
    >>> q = self_check("Most severe grade?", ["A", "E"], "A", ["A is severe.", "E: never."])
    >>> q.choice.value = "E"
    >>> q.correct, "Not quite" in q.feedback.value
    (False, True)
    >>> q.choice.value = "A"
    >>> q.correct
    True
    """
    return SelfCheck(question, options, correct, explanations)


def self_check_markdown(
    question: str,
    options: Sequence[str],
    correct: str | int,
    explanations: Sequence[str] | Mapping[str, str],
) -> str:
    """The question as Markdown, with its answer in a collapsed ``<details>`` block.

    For a Markdown cell next to :func:`self_check`, so that the static book
    (where widgets cannot run) still has the question and its answer.

    Examples
    --------
    >>> print(self_check_markdown("Most severe?", ["A", "E"], 0, ["A is severe.", "E: never."]))
    **Most severe?**
    <BLANKLINE>
    - A
    - E
    <BLANKLINE>
    <details>
    <summary>Show the answer</summary>
    <BLANKLINE>
    **A**. A is severe.
    <BLANKLINE>
    - *E*: E: never.
    <BLANKLINE>
    </details>
    """
    right = _correct_option(options, correct)
    notes = _explanation_list(options, explanations)
    lines = [f"**{question}**", ""]
    lines += [f"- {o}" for o in options]
    lines += ["", "<details>", "<summary>Show the answer</summary>", ""]
    lines.append(f"**{right}**. {notes[list(options).index(right)]}".strip())
    lines.append("")
    lines += [f"- *{o}*: {n}" for o, n in zip(options, notes, strict=True) if o != right and n]
    lines += ["", "</details>"]
    return "\n".join(lines)
