"""The grading widgets, driven headlessly: set ``.value``, read state and text.

Expected values are worked out by hand from the documented rules:
scores from the weights in :data:`lupus_teach.bilag.SCHEMES` (classic
A=9 B=3 C=1, Cresswell 2009 A=12 B=5 C=1, BILAG-2004 A=12 B=8 C=1; Yee 2010),
flares from :data:`lupus_teach.bilag.FLARE_RULES` (Gordon 2003), responses from
the rules in :data:`lupus_teach.response.DEFINITIONS`.
"""

from __future__ import annotations

import html
import re

import ipywidgets as widgets
import pandas as pd
import pytest

from lupus_teach.bilag import system_names
from lupus_teach.errors import UnknownNameError
from lupus_teach.plots import chart_description
from lupus_teach.response import DEFINITIONS
from lupus_teach.widgets import grades
from lupus_teach.widgets.grades import (
    EXAMPLE_HISTORY,
    bilag_form,
    check_answer,
    response_timeline,
    self_check,
    self_check_markdown,
    visit_comparer,
)


def text(widget: widgets.HTML) -> str:
    """The displayed text of an HTML widget: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", widget.value))


# --------------------------------------------------------------------------
# bilag_form
# --------------------------------------------------------------------------


def test_form_starts_quiet_with_one_labelled_selector_per_system() -> None:
    form = bilag_form()
    assert list(form.selectors) == list(system_names("classic"))
    assert all(isinstance(w, widgets.Dropdown) and w.description for w in
               form.selectors.values())
    assert form.selectors["cardiorespiratory"].description == "Cardiovascular and respiratory"
    # every system E (never involved): score 0 under both schemes, overall E
    assert form.scores == {"classic-9-3-1": 0, "classic-12-5-1": 0}
    assert form.overall.value == "E"


def test_form_renal_a_alone_scores_9_and_12_with_overall_a() -> None:
    form = bilag_form()
    form.selectors["renal"].value = "A"
    # renal A, everything else E: 9 (A=9) and 12 (A=12)
    assert form.scores == {"classic-9-3-1": 9, "classic-12-5-1": 12}
    assert form.overall.value == "A"
    shown = text(form.summary)
    assert "Overall grade: A" in shown
    assert "classic-9-3-1: 9 of 72" in shown
    assert "classic-12-5-1: 12 of 96" in shown


def test_form_updates_on_every_change_including_the_chart() -> None:
    # nephritis needing cyclophosphamide (renal A), rash on low-dose steroid
    # (mucocutaneous B), mild arthralgia and mild cytopenia (C, C)
    form = bilag_form(initial={"renal": "A", "mucocutaneous": "B",
                               "musculoskeletal": "C", "haematological": "C"})
    # 9 + 3 + 1 + 1 = 14 and 12 + 5 + 1 + 1 = 19
    assert form.scores == {"classic-9-3-1": 14, "classic-12-5-1": 19}
    assert "month 0 A (Renal)" in chart_description(form.chart)
    form.selectors["renal"].value = "C"
    # 1 + 3 + 1 + 1 = 6 and 1 + 5 + 1 + 1 = 8; the worst grade is now B
    assert form.scores == {"classic-9-3-1": 6, "classic-12-5-1": 8}
    assert form.overall.value == "B"
    assert "Overall grade: B" in text(form.summary)
    assert "month 0 B (Mucocutaneous)" in chart_description(form.chart)
    # one chart view, redrawn in place with the new chart's spec
    shown, built = form.chart_view.spec, form.chart.to_dict()
    assert list(shown["datasets"].values()) == list(built["datasets"].values())
    assert shown["title"] == built["title"]


def test_form_2004_has_nine_systems_and_one_scheme() -> None:
    form = bilag_form(index="2004")
    assert len(form.selectors) == 9
    form.selectors["renal"].value = "B"
    form.selectors["ophthalmic"].value = "C"
    # BILAG-2004: B=8, C=1
    assert form.scores == {"bilag2004": 9}
    assert "bilag2004: 9 of 108" in text(form.summary)


def test_form_rejects_a_system_that_does_not_exist() -> None:
    with pytest.raises(UnknownNameError, match="kidney"):
        bilag_form(initial={"kidney": "A"})


# --------------------------------------------------------------------------
# visit_comparer
# --------------------------------------------------------------------------


def test_comparer_e_to_a_is_a_severe_flare_naming_the_system() -> None:
    comparer = visit_comparer()
    assert comparer.result.flare.value == "none"
    comparer.after_selectors["renal"].value = "A"
    result = comparer.result
    assert result.flare.value == "severe"
    assert result.new_a == ("renal",)
    assert "renal E -> A" in result.rule
    shown = text(comparer.summary)
    assert "Flare: severe" in shown
    assert "renal E -> A" in shown
    assert "New A: Renal" in shown
    assert "Worsened: Renal" in shown


def test_comparer_new_b_is_moderate_and_a_to_b_is_an_improvement() -> None:
    before = {"mucocutaneous": "C", "renal": "A"}
    comparer = visit_comparer(before, dict(before, mucocutaneous="B", renal="B"))
    result = comparer.result
    # mucocutaneous C -> B is a new B (moderate); renal A -> B improves, no new B
    assert result.flare.value == "moderate"
    assert result.new_b == ("mucocutaneous",)
    assert result.improved == ("renal",)
    shown = text(comparer.summary)
    assert "Flare: moderate" in shown
    assert "Improved: Renal" in shown
    assert "mucocutaneous C -> B" in shown


def test_comparer_d_to_c_is_mild_and_severe_outranks_moderate() -> None:
    comparer = visit_comparer({"general": "D"})
    comparer.after_selectors["general"].value = "C"
    assert comparer.result.flare.value == "mild"
    comparer.after_selectors["mucocutaneous"].value = "B"
    comparer.after_selectors["haematological"].value = "A"
    assert comparer.result.flare.value == "severe"
    # the rule names only the systems that fired the deciding rule
    assert "haematological E -> A" in comparer.result.rule
    assert "mucocutaneous" not in comparer.result.rule
    # making the earlier visit as bad removes the flare
    comparer.before_selectors["haematological"].value = "A"
    assert comparer.result.flare.value == "moderate"


def test_comparer_table_lists_every_system() -> None:
    comparer = visit_comparer(index="2004")
    assert len(comparer.before_selectors) == len(comparer.after_selectors) == 9
    assert "ophthalmic" in comparer.table.value


# --------------------------------------------------------------------------
# response_timeline
# --------------------------------------------------------------------------


def test_timeline_default_patient_is_mcr_at_month_6() -> None:
    timeline = response_timeline()
    # month 6: renal C, haematological C, the rest D or E -> C or better everywhere;
    # renal was already A at baseline, so its A at month 1 is not a new A
    assert timeline.result.response.value == "MCR"
    assert timeline.result.deciding_month == 6
    assert set(timeline.selectors) == {
        (m, s) for m in (0, 1, 3, 6, 9, 12) for s in system_names("classic")
    }
    assert all(w.description for w in timeline.selectors.values())
    assert set(timeline.definition.options) >= {(d.title, n) for n, d in DEFINITIONS.items()}
    assert "Response: MCR" in text(timeline.summary)


def test_timeline_month_6_renal_a_is_nr_naming_renal_and_month_6() -> None:
    timeline = response_timeline()
    timeline.selectors[(6, "renal")].value = "A"
    result = timeline.result
    assert result.response.value == "NR"
    assert result.deciding_month == 6
    # the wording of the reason belongs to lupus_teach.response; here: it names both
    assert result.reason.startswith("NR: BILAG A in renal at month 6")
    assert result.reason in timeline.summary.value
    shown = text(timeline.summary)
    assert "Response: NR" in shown
    assert "renal at month 6" in shown
    assert "month 6 A (Renal)" in chart_description(timeline.chart)


def test_timeline_pcr_route_1_when_month_3_is_quiet() -> None:
    timeline = response_timeline()
    timeline.selectors[(6, "renal")].value = "A"
    timeline.selectors[(3, "renal")].value = "C"
    # month 3 now C or better everywhere with no new A or B by month 3 -> PCR at 3
    assert timeline.result.response.value == "PCR"
    assert timeline.result.deciding_month == 3


def test_timeline_relapse_after_mcr_is_reported() -> None:
    timeline = response_timeline()
    timeline.selectors[(9, "renal")].value = "B"
    # renal C at 6 -> B at 9: a new B after the month-6 MCR is a relapse
    assert timeline.result.response.value == "MCR"
    assert timeline.result.relapse_month == 9
    assert "Relapse: month 9" in text(timeline.summary)


def test_timeline_switching_definition_changes_grid_and_result() -> None:
    timeline = response_timeline()
    timeline.selectors[(6, "renal")].value = "A"
    timeline.definition.value = "explorer"
    # EXPLORER: no flare (renal was A at baseline), but A at month 6 -> NR
    assert timeline.result.response.value == "NR"
    assert timeline.result.code == "x_a_at_6"
    timeline.definition.value = "bicla"
    # BICLA reads months 0 and 12 only: baseline A and B all improved by month 12
    assert {m for m, _ in timeline.selectors} == {0, 12}
    assert timeline.result.response.value == "responder"
    assert timeline.result.deciding_month == 12
    timeline.selectors[(12, "renal")].value = "A"
    assert timeline.result.reason == (
        "NR (BICLA, BILAG part only): renal was A at baseline and is still A at month 12"
    )
    assert "still A at month 12" in text(timeline.summary)
    # back to wang2014: the month-6 grade set earlier is kept
    timeline.definition.value = "wang2014"
    assert timeline.selectors[(6, "renal")].value == "A"
    assert timeline.result.response.value == "NR"


def test_timeline_reads_a_one_patient_long_table() -> None:
    rows = [("p1", m, s, grade)
            for m, visit in EXAMPLE_HISTORY.items()
            for s, grade in {**dict.fromkeys(system_names(), "E"), **visit}.items()]
    table = pd.DataFrame(rows, columns=["patient_id", "month", "system", "grade"])
    timeline = response_timeline(table)
    assert timeline.grades == response_timeline().grades
    two = pd.concat([table, table.assign(patient_id="p2")])
    with pytest.raises(UnknownNameError, match="p2"):
        response_timeline(two)


def test_timeline_fills_a_missing_month_from_the_visit_before() -> None:
    timeline = response_timeline({0: {"renal": "A"}, 6: {"renal": "C"}})
    assert timeline.selectors[(1, "renal")].value == "A"
    assert timeline.selectors[(9, "renal")].value == "C"


# --------------------------------------------------------------------------
# self_check
# --------------------------------------------------------------------------

QUESTION = ("Which grade means 'never involved'?", ["A", "D", "E"], "E",
            ["A is severe activity.", "D: affected before, inactive now.", "E is right."])


def test_self_check_gives_feedback_for_each_choice() -> None:
    check = self_check(*QUESTION)
    assert isinstance(check.choice, widgets.RadioButtons) and check.choice.description
    assert "Choose an answer" in text(check.feedback)
    check.choice.value = "D"
    assert not check.correct
    assert "Not quite. D: affected before, inactive now." in text(check.feedback)
    check.choice.value = "E"
    assert check.correct
    assert "Correct." in text(check.feedback)


def test_self_check_markdown_hides_the_answer_in_details() -> None:
    text_md = self_check_markdown(*QUESTION)
    assert text_md.startswith("**Which grade means 'never involved'?**")
    assert "<details>" in text_md and "</details>" in text_md
    assert "**E**. E is right." in text_md


def test_self_check_rejects_mismatched_explanations_and_unknown_answers() -> None:
    with pytest.raises(ValueError, match="one explanation per option"):
        check_answer("A", ["A", "B"], "A", ["only one"])
    with pytest.raises(UnknownNameError, match="'F'"):
        self_check("?", ["A", "B"], "F", ["", ""])


def test_module_has_no_side_effects_and_exports_its_api() -> None:
    assert set(grades.__all__) <= set(dir(grades))
    import lupus_teach.widgets as package

    assert set(grades.__all__) <= set(package.__all__)
