"""Kernel-free versions of the lessons' widgets, for the static course book.

A widget needs a running Python kernel; the book is plain HTML. Instead of
rewriting clinical rules in JavaScript, every rule is evaluated here, in
Python, by the package's own functions, and the page only *looks up* the
answers:

* :func:`bilag_form_chart`: a Vega-Lite chart with one bound ``<select>`` per
  organ system. A table generated from :data:`lupus_teach.bilag.SCHEMES` and
  the grade order gives each grade its points and its rank; the chart's
  transforms only fold the chosen grades into rows, look them up and sum
  (points) or take the minimum (rank) to show the overall grade and the
  global score under every scheme.
* :func:`visit_comparer_chart`: before/after selects per system; the 5 x 5
  table of :func:`lupus_teach.bilag.compare_system` over every pair of grades
  gives each system's change and flare, the visit's flare is the most severe
  (an aggregate maximum), named from :data:`lupus_teach.bilag.FLARE_RULES`.
* :func:`timeline_gallery`: the response timeline re-classifies a patient
  under any rule set, which cannot be reduced to a small table; the book shows
  a gallery of precomputed cases instead (each classified by
  :func:`lupus_teach.response.classify_patient` under every definition), with
  selects to pick the case and the definition.
* :func:`quiz_payload`: a multiple-choice question as JSON, with the exact
  feedback sentence the JupyterLab widget gives for each option (computed by
  :func:`lupus_teach.widgets.grades.check_answer`); the book's small script
  ``book/_ext/static/lupus-quiz.js`` shows it.

Vega-Lite (through Altair) was chosen because the book already draws every
chart with it offline, and its bound parameters give labelled, keyboard
operable HTML selects with no extra JavaScript.

:func:`install_book_display` registers these as the display of the widgets in
the kernels that execute notebooks for the book (only there): a lesson's own
``bilag_form(...)`` cell then shows the static form starting from the same
grades.

Examples
--------
>>> chart = bilag_form_chart({"renal": "A"})
>>> spec = chart.to_dict()
>>> sorted(p["name"] for p in spec["params"])[:2]
['grade_cardiorespiratory', 'grade_general']
>>> points = {r["grade"]: r["points_0"] for r in grade_lookup_table("classic")}
>>> points
{'A': 9, 'B': 3, 'C': 1, 'D': 0, 'E': 0}
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt

from lupus_teach.bilag import (
    FLARE_RULES,
    GRADE_ORDER,
    SCHEMES,
    FlareCategory,
    Grade,
    IndexVersion,
    compare_system,
    parse_grade,
    systems_for,
)

#: MIME type of a static quiz in a notebook output (rendered by the book).
QUIZ_MIME = "application/vnd.lupus-teach.quiz+json"

#: Text shown before an answer is chosen (the JupyterLab widget's own).
NO_ANSWER = "Choose an answer."

#: Characters per line of text in a chart (about 430 pixels at 13 px).
WRAP = 56

_GRADE_LABEL = {g.value: f"{g.value}: {g.meaning}" for g in Grade}


def _index(index: IndexVersion | str) -> IndexVersion:
    return systems_for(index)[0].index


def _schemes(index: IndexVersion) -> list[Any]:
    return [s for s in SCHEMES.values() if s.index is index]


def _visit(grades: Mapping[str, Grade | str] | None, index: IndexVersion) -> dict[str, str]:
    given = {str(k).strip().lower(): parse_grade(v).value for k, v in (grades or {}).items()}
    return {s.name: given.get(s.name, "E") for s in systems_for(index)}


def _grade_colours() -> tuple[list[str], list[str]]:
    from lupus_teach import plots

    return list(GRADE_ORDER), [plots.GRADE_COLOURS[g] for g in GRADE_ORDER]


def _grade_select(name: str, label: str, value: str) -> alt.Parameter:
    return alt.param(
        name=name,
        value=value,
        bind=alt.binding_select(
            options=list(GRADE_ORDER),
            labels=[_GRADE_LABEL[g] for g in GRADE_ORDER],
            name=f"{label} ",
        ),
    )


def grade_lookup_table(index: IndexVersion | str = "classic") -> list[dict[str, Any]]:
    """One row per grade: its rank, meaning and points under each scheme of the index.

    ``points_<i>`` are the points of the ``i``-th scheme of :data:`SCHEMES`
    written for this index.

    Examples
    --------
    >>> [row["rank"] for row in grade_lookup_table()]
    [0, 1, 2, 3, 4]
    >>> grade_lookup_table("2004")[1]["points_0"]
    8
    """
    schemes = _schemes(_index(index))
    return [
        {
            "grade": g,
            "rank": rank,
            "meaning": Grade(g).meaning,
            **_wrapped("meaning", Grade(g).meaning, 2),
            **{f"points_{i}": s.points(g) for i, s in enumerate(schemes)},
        }
        for rank, g in enumerate(GRADE_ORDER)
    ]


def _wrapped(name: str, text: str, lines: int, width: int = WRAP) -> dict[str, str]:
    """``text`` cut into ``lines`` fields ``name_1``... of at most ``width`` characters
    (Vega text does not wrap; the chart column is about 690 pixels wide)."""
    import textwrap

    parts = textwrap.wrap(text, width) or [""]
    if len(parts) > lines:
        parts = [*parts[: lines - 1], " ".join(parts[lines - 1:])]
    parts += [""] * (lines - len(parts))
    return {f"{name}_{i + 1}": part for i, part in enumerate(parts)}


def _system_rows(index: IndexVersion) -> list[dict[str, Any]]:
    return [
        {"system": s.name, "system_label": s.label, "system_order": i}
        for i, s in enumerate(systems_for(index))
    ]


def _profile(base: alt.Chart, systems: Sequence[str], title: str) -> alt.LayerChart:
    domain, colours = _grade_colours()
    y = alt.Y("system_label:N", sort=list(systems), title="Organ system (BILAG)")
    x = alt.X("visit:N", title=None, sort=["earlier", "later", "this visit"],
              axis=alt.Axis(labelAngle=0))
    rect = base.mark_rect(stroke="white", strokeWidth=1).encode(
        x=x, y=y,
        color=alt.Color("grade:N", scale=alt.Scale(domain=domain, range=colours),
                        legend=alt.Legend(title="BILAG grade", values=domain)),
        tooltip=[alt.Tooltip("system_label:N", title="Organ system"),
                 alt.Tooltip("grade:N", title="Grade"),
                 alt.Tooltip("meaning:N", title="Meaning")],
    )
    from lupus_teach import plots

    dark = [g for g in GRADE_ORDER if plots._GRADE_TEXT_COLOURS[g] == "white"]
    text = base.mark_text(fontWeight="bold").encode(
        x=x, y=y, text="grade:N",
        color=alt.when(alt.FieldOneOfPredicate(field="grade", oneOf=dark))
        .then(alt.value("white")).otherwise(alt.value("black")),
    )
    return alt.layer(rect, text).properties(title=title, width=alt.Step(90),
                                            height=alt.Step(22))


def _lines_chart(base: alt.Chart, lines: Sequence[str], width: int = 420) -> alt.Chart:
    """Text lines (Vega expressions) stacked top to bottom."""
    fields = {f"line_{i}": expr for i, expr in enumerate(lines)}
    return (
        base.transform_calculate(**fields)
        .transform_fold(list(fields), as_=["line", "text"])
        .mark_text(align="left", baseline="top", fontSize=13, dx=2)
        .encode(
            y=alt.Y("line:N", axis=None, sort=list(fields)),
            text="text:N",
            x=alt.value(0),
        )
        .properties(width=width, height=alt.Step(22))
    )


def bilag_form_chart(
    initial: Mapping[str, Grade | str] | None = None,
    index: IndexVersion | str = "classic",
) -> alt.VConcatChart:
    """The BILAG form as a Vega-Lite chart with one bound select per organ system.

    Parameters
    ----------
    initial : mapping of system name to grade, optional
        Starting grades; systems not given start at E.
    index : {"classic", "2004"}

    Returns
    -------
    altair.VConcatChart
        The overall grade and every scheme's global score (text), above the
        visit's profile. The scores are sums of looked-up points; nothing is
        computed in JavaScript except the lookup and the sum.

    Examples
    --------
    >>> spec = bilag_form_chart({"mucocutaneous": "B"}).to_dict()
    >>> [p["value"] for p in spec["params"] if p["name"] == "grade_mucocutaneous"]
    ['B']
    >>> spec["description"][:40]
    'A BILAG form: choose a grade for each of'
    """
    version = _index(index)
    systems = systems_for(version)
    start = _visit(initial, version)
    params = [_grade_select(f"grade_{s.name}", s.label, start[s.name]) for s in systems]
    schemes = _schemes(version)
    rows = (
        alt.Chart(alt.Data(values=[{"visit": "this visit"}]))
        .transform_calculate(**{s.name: f"grade_{s.name}" for s in systems})
        .transform_fold([s.name for s in systems], as_=["system", "grade"])
        .transform_lookup(
            lookup="grade",
            from_=alt.LookupData(alt.Data(values=grade_lookup_table(version)), key="grade",
                                 fields=["rank", "meaning",
                                         *[f"points_{i}" for i in range(len(schemes))]]),
        )
        .transform_lookup(
            lookup="system",
            from_=alt.LookupData(alt.Data(values=_system_rows(version)), key="system",
                                 fields=["system_label", "system_order"]),
        )
    )
    summary = rows.transform_aggregate(
        best="min(rank)", **{f"score_{i}": f"sum(points_{i})" for i in range(len(schemes))}
    ).transform_lookup(
        lookup="best",
        from_=alt.LookupData(alt.Data(values=grade_lookup_table(version)), key="rank",
                             fields=["grade", "meaning_1", "meaning_2"]),
    )
    lines = ["'Overall grade: ' + datum.grade", "datum.meaning_1", "datum.meaning_2"]
    lines += [
        f"'{s.name}: ' + datum.score_{i} + ' of {s.maximum()}"
        f" (A={s.weights['A']}, B={s.weights['B']}, C={s.weights['C']})'"
        for i, s in enumerate(schemes)
    ]
    text = _lines_chart(summary, lines, width=WRAP * 7).properties(
        title="Overall grade and global scores")
    profile = _profile(rows, [s.label for s in systems], "This visit's BILAG profile")
    description = (
        f"A BILAG form: choose a grade for each of the {len(systems)} organ systems "
        f"({version.label}) with the selects below the chart. The chart shows the overall "
        "grade (the most severe grade in any system), the global score under "
        + ", ".join(s.name for s in schemes)
        + ", and the visit's profile, one coloured cell per system."
    )
    return (
        alt.vconcat(text, profile)
        .add_params(*params)
        .properties(title="Try it: the BILAG form", description=description)
        .configure_view(stroke=None)
    )


def flare_lookup_table() -> list[dict[str, Any]]:
    """Every (before, after) pair of grades, compared by :func:`compare_system`.

    Examples
    --------
    >>> table = flare_lookup_table()
    >>> len(table)
    25
    >>> [r["flare"] for r in table if r["pair"] == "CA"]
    ['severe']
    """
    rows = []
    for before in GRADE_ORDER:
        for after in GRADE_ORDER:
            change = compare_system(before, after)
            rows.append({
                "pair": before + after,
                "before": before,
                "after": after,
                "change": change.change.value,
                "flare": change.flare.value,
                "flare_rank": change.flare.rank,
            })
    return rows


def _flare_rows() -> list[dict[str, Any]]:
    return [{"flare_rank": f.rank, "visit_flare": f.value, "rule": FLARE_RULES[f]}
            for f in FlareCategory]


def visit_comparer_chart(
    before: Mapping[str, Grade | str] | None = None,
    after: Mapping[str, Grade | str] | None = None,
    index: IndexVersion | str = "classic",
) -> alt.VConcatChart:
    """The visit comparer as a Vega-Lite chart: two bound selects per organ system.

    Each system's change and flare are looked up in :func:`flare_lookup_table`
    (keyed by the two letters); the visit's flare is the most severe system
    flare, named with its rule from :data:`lupus_teach.bilag.FLARE_RULES`.

    Examples
    --------
    >>> spec = visit_comparer_chart({"renal": "C"}, {"renal": "A"}).to_dict()
    >>> [p["value"] for p in spec["params"] if p["name"] in ("before_renal", "after_renal")]
    ['C', 'A']
    """
    version = _index(index)
    systems = systems_for(version)
    start_before = _visit(before, version)
    start_after = _visit(after, version) if after is not None else dict(start_before)
    params = []
    for s in systems:
        params.append(_grade_select(f"before_{s.name}", f"{s.label}, earlier visit",
                                    start_before[s.name]))
        params.append(_grade_select(f"after_{s.name}", f"{s.label}, later visit",
                                    start_after[s.name]))
    pairs = (
        alt.Chart(alt.Data(values=[{"row": 0}]))
        .transform_calculate(**{s.name: f"before_{s.name} + after_{s.name}" for s in systems})
        .transform_fold([s.name for s in systems], as_=["system", "pair"])
        .transform_lookup(
            lookup="pair",
            from_=alt.LookupData(alt.Data(values=flare_lookup_table()), key="pair",
                                 fields=["before", "after", "change", "flare", "flare_rank"]),
        )
        .transform_lookup(
            lookup="system",
            from_=alt.LookupData(alt.Data(values=_system_rows(version)), key="system",
                                 fields=["system_label", "system_order"]),
        )
    )
    summary = pairs.transform_aggregate(flare_rank="max(flare_rank)").transform_lookup(
        lookup="flare_rank",
        from_=alt.LookupData(alt.Data(values=_flare_rows()), key="flare_rank",
                             fields=["visit_flare", "rule"]),
    )
    text = _lines_chart(summary, ["'Flare: ' + datum.visit_flare", "'Rule: ' + datum.rule"],
                        width=520).properties(title="The visit's flare category")
    table = (
        pairs.transform_calculate(
            line="datum.system_label + ': ' + datum.before + ' to ' + datum.after + ', '"
                 " + datum.change + (datum.flare == 'none' ? '' : ', ' + datum.flare + "
                 "' flare')"
        )
        .mark_text(align="left", baseline="middle", fontSize=13)
        .encode(y=alt.Y("system_order:O", axis=None), text="line:N", x=alt.value(0))
        .properties(width=520, height=alt.Step(20), title="System by system")
    )
    description = (
        f"A visit comparer: choose the earlier and later grade of each of the "
        f"{len(systems)} organ systems with the selects below. The chart names the visit's "
        "flare category (the most severe system change: a new A is severe, a new B "
        "moderate, a new C mild) and lists each system's change."
    )
    return (
        alt.vconcat(text, table)
        .add_params(*params)
        .properties(title="Try it: compare two visits", description=description)
        .configure_view(stroke=None)
    )


def gallery_cases() -> dict[str, dict[int, dict[str, str]]]:
    """Precomputed patients for the timeline gallery, by a short description.

    Built from :data:`lupus_teach.widgets.grades.EXAMPLE_HISTORY` (a patient
    with nephritis who improves) by changing one grade at a time; their
    classification is left to :func:`lupus_teach.response.classify_patient`.

    Examples
    --------
    >>> list(gallery_cases())[0]
    'Steady improvement (renal A at baseline, D at month 12)'
    """
    from lupus_teach.widgets.grades import EXAMPLE_HISTORY

    def changed(month_grades: Mapping[int, Mapping[str, str]]) -> dict[int, dict[str, str]]:
        history = {m: dict(v) for m, v in EXAMPLE_HISTORY.items()}
        for month, grades in month_grades.items():
            history[month].update(grades)
        return history

    return {
        "Steady improvement (renal A at baseline, D at month 12)": changed({}),
        "Renal still A at month 6": changed({6: {"renal": "A"}}),
        "Renal still B at month 6": changed({6: {"renal": "B"}}),
        "New renal A at month 9, after improving": changed({9: {"renal": "A"}}),
        "New mucocutaneous B at month 12": changed({12: {"mucocutaneous": "B"}}),
    }


def _on_schedule(
    history: Mapping[int, Mapping[str, str]], schedule: Sequence[int], systems: Sequence[Any]
) -> dict[int, dict[str, str]]:
    """The visits a schedule needs; a missing month copies the visit before it (as the
    timeline widget does), or is all E when there is none."""
    out: dict[int, dict[str, str]] = {}
    for month in schedule:
        if month in history:
            out[month] = dict(history[month])
        else:
            earlier = [m for m in history if m < month]
            out[month] = (dict(history[max(earlier)]) if earlier
                          else {s.name: "E" for s in systems})
    return out


def timeline_gallery(
    own: Mapping[int, Mapping[str, str]] | None = None,
    definition: str = "wang2014",
    index: IndexVersion | str = "classic",
) -> alt.VConcatChart:
    """A gallery of patients classified under every response definition.

    Parameters
    ----------
    own : mapping of month to {system: grade}, optional
        The lesson's own patient, shown first as "This lesson's patient".
    definition : str
        The definition selected at first.
    index : {"classic", "2004"}

    Examples
    --------
    >>> spec = timeline_gallery().to_dict()
    >>> sorted(p["name"] for p in spec["params"])
    ['patient_case', 'response_definition']
    """
    from lupus_teach.response import DEFINITIONS, classify_patient
    from lupus_teach.widgets.grades import _history_from

    version = _index(index)
    systems = systems_for(version)
    cases: dict[str, dict[int, dict[str, str]]] = {}
    examples = (
        {k: _history_from(v, systems) for k, v in gallery_cases().items()}
        if version is IndexVersion.CLASSIC else {}
    )
    if own is not None:
        history = _history_from(own, systems)
        if all(history != h for h in examples.values()):
            cases["This lesson's patient"] = history
    cases.update(examples)
    grades_rows, results = [], []
    for case, history in cases.items():
        for month, visit in history.items():
            for order, s in enumerate(systems):
                grades_rows.append({"case": case, "month": month, "system_label": s.label,
                                    "system_order": order, "grade": visit[s.name],
                                    "meaning": Grade(visit[s.name]).meaning})
        for name, d in DEFINITIONS.items():
            wanted = _on_schedule(history, d.schedule, systems)
            try:
                r = classify_patient(wanted, d, version)
            except Exception as err:  # a definition this history cannot be judged by
                said = ["Not classified.", str(err)]
            else:
                said = [f"Response: {r.response.value} ({r.response.label}), decided at "
                        f"month {r.deciding_month}", r.reason]
            import textwrap

            lines = [part for text in said for part in textwrap.wrap(text, WRAP)]
            results += [{"case": case, "definition": name, "line": i, "text": line}
                        for i, line in enumerate(lines)]
    names = list(cases)
    case = alt.param(name="patient_case", value=names[0],
                     bind=alt.binding_select(options=names, name="Patient "))
    chosen = definition if definition in DEFINITIONS else next(iter(DEFINITIONS))
    which = alt.param(
        name="response_definition", value=chosen,
        bind=alt.binding_select(options=list(DEFINITIONS),
                                labels=[d.title for d in DEFINITIONS.values()],
                                name="Definition "),
    )
    verdict = (
        alt.Chart(alt.Data(values=results))
        .transform_filter("datum.case == patient_case && datum.definition == response_definition")
    )
    text = verdict.mark_text(align="left", baseline="top", fontSize=13, dx=2).encode(
        y=alt.Y("line:O", axis=None), text="text:N", x=alt.value(0),
    ).properties(width=WRAP * 7, height=alt.Step(20),
                 title="Classification (precomputed by the library)")
    domain, colours = _grade_colours()
    from lupus_teach import plots

    base = alt.Chart(alt.Data(values=grades_rows)).transform_filter("datum.case == patient_case")
    x = alt.X("month:O", title=plots.MONTH_TITLE, axis=alt.Axis(labelAngle=0))
    y = alt.Y("system_label:N", sort=[s.label for s in systems], title="Organ system (BILAG)")
    dark = [g for g in GRADE_ORDER if plots._GRADE_TEXT_COLOURS[g] == "white"]
    heat = alt.layer(
        base.mark_rect(stroke="white").encode(
            x=x, y=y,
            color=alt.Color("grade:N", scale=alt.Scale(domain=domain, range=colours),
                            legend=alt.Legend(title="BILAG grade", values=domain)),
            tooltip=["month:O", "system_label:N", "grade:N", "meaning:N"]),
        base.mark_text(fontWeight="bold").encode(
            x=x, y=y, text="grade:N",
            color=alt.when(alt.FieldOneOfPredicate(field="grade", oneOf=dark))
            .then(alt.value("white")).otherwise(alt.value("black"))),
    ).properties(width=alt.Step(40), height=alt.Step(22), title="The patient's grades")
    description = (
        "A gallery of example patients for the response timeline: choose a patient and a "
        "response definition with the selects below; the chart shows the patient's grades "
        "by month and the classification the package computed for that definition."
    )
    return (
        alt.vconcat(text, heat)
        .add_params(case, which)
        .properties(title="Response timeline: precomputed cases", description=description)
        .configure_view(stroke=None)
    )


# ---------------------------------------------------------------------------
# Quizzes


def _plain(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup)).strip()


def quiz_payload(
    question: str,
    options: Sequence[str],
    correct: str | int,
    explanations: Sequence[str] | Mapping[str, str],
    key: str = "",
) -> dict[str, Any]:
    """A question as JSON for the static book, with the widget's feedback per option.

    Examples
    --------
    >>> q = quiz_payload("Most severe?", ["A", "E"], 0, ["A is severe.", "E: never."])
    >>> [o["feedback"] for o in q["options"]]
    ['Correct. A is severe.', 'Not quite. E: never.']
    >>> q["prompt"]
    'Choose an answer.'
    """
    from lupus_teach.widgets.grades import check_answer

    judged = [check_answer(o, options, correct, explanations) for o in options]
    return {
        "key": key,
        "question": question,
        "prompt": NO_ANSWER,
        "options": [{"text": o, "correct": ok, "feedback": text}
                    for o, (ok, text) in zip(options, judged, strict=True)],
    }


def _payload_from_widget(widget: Any) -> dict[str, Any] | None:
    """The quiz payload of a self-check widget (old or question-bank style), or None."""
    question = getattr(widget, "question", None)
    key = str(getattr(widget, "key", "") or "")
    if question is not None and hasattr(question, "options"):  # a lupus_teach.quiz.Question
        try:
            from lupus_teach import quiz  # type: ignore[attr-defined]

            export = getattr(quiz, "export_question", None) or getattr(quiz, "to_json", None)
            if export is not None:
                data = dict(export(question))
                data.setdefault("prompt", NO_ANSWER)
                return data
        except ImportError:
            pass
    options = getattr(widget, "_options", None)
    right = getattr(widget, "_correct", None)
    notes = getattr(widget, "_explanations", None)
    if options is None or right is None or notes is None:
        return None
    # The question is the first HTML child with text (before the radio buttons).
    texts = [c.value for c in getattr(widget, "children", ())
             if isinstance(getattr(c, "value", None), str) and not hasattr(c, "options")]
    text = next((_plain(t) for t in texts if _plain(t)), "")
    return quiz_payload(text, options, right, notes, key=key)


def _quiz_bundle(quizzes: list[dict[str, Any]]) -> dict[str, Any]:
    plain = "\n".join(q["question"] for q in quizzes)
    return {QUIZ_MIME: {"questions": quizzes}, "text/plain": plain}


def _chart_bundle(chart: Any) -> dict[str, Any]:
    bundle = chart._repr_mimebundle_()
    return bundle[0] if isinstance(bundle, tuple) else bundle


def install_book_display(shell: Any = None) -> None:
    """Show the widgets as their static versions (book kernels only).

    Registers IPython display functions for the BILAG form, the visit
    comparer, the response timeline and the self-check questions (alone or in
    a ``VBox``). Called by the start-up file of the kernels that execute
    notebooks for the book (:data:`lupus_teach.book.KERNEL_STARTUP`); never in
    JupyterLab, where the live widgets are better.
    """
    import ipywidgets as widgets

    from lupus_teach.widgets import grades

    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:
        return
    formatter = shell.display_formatter.mimebundle_formatter

    def form(w: Any) -> dict[str, Any]:
        return _chart_bundle(bilag_form_chart(w.grades, w.index))

    def comparer(w: Any) -> dict[str, Any]:
        return _chart_bundle(visit_comparer_chart(w.before, w.after, w.index))

    def timeline(w: Any) -> dict[str, Any]:
        return _chart_bundle(timeline_gallery(w.grades, w.definition.value, w.index))

    def one_quiz(w: Any) -> dict[str, Any]:
        payload = _payload_from_widget(w)
        return _quiz_bundle([payload]) if payload else w._repr_mimebundle_()

    def box(w: Any) -> Any:
        payloads = [_payload_from_widget(c) for c in w.children]
        if payloads and all(payloads):
            return _quiz_bundle([p for p in payloads if p])
        return w._repr_mimebundle_()

    formatter.for_type(grades.BilagForm, form)
    formatter.for_type(grades.VisitComparer, comparer)
    formatter.for_type(grades.ResponseTimeline, timeline)
    formatter.for_type(grades.SelfCheck, one_quiz)
    formatter.for_type(widgets.VBox, box)
    try:
        from lupus_teach import quiz  # type: ignore[attr-defined]
    except ImportError:
        return
    for name in ("SelfCheck", "QuizWidget", "Quiz"):
        cls = getattr(quiz, name, None)
        if isinstance(cls, type):
            formatter.for_type(cls, one_quiz)


__all__ = [
    "NO_ANSWER",
    "QUIZ_MIME",
    "bilag_form_chart",
    "flare_lookup_table",
    "gallery_cases",
    "grade_lookup_table",
    "install_book_display",
    "quiz_payload",
    "timeline_gallery",
    "visit_comparer_chart",
]
