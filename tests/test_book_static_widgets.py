"""The kernel-free widgets of the book compute nothing themselves: their lookup
tables are the library's, and the charts (evaluated by Vega in vl-convert, as
the browser does) show the library's grades, scores and flares."""

from __future__ import annotations

import random
import re

import pytest
import vl_convert

from lupus_teach import static_widgets as sw
from lupus_teach.bilag import (
    GRADE_ORDER,
    SCHEMES,
    compare_system,
    compare_visits,
    global_score,
    overall_grade,
    system_names,
)
from lupus_teach.widgets.grades import bilag_form, check_answer, self_check, visit_comparer

SYSTEMS = list(system_names("classic"))


def svg_texts(chart) -> list[str]:
    svg = vl_convert.vegalite_to_svg(chart.to_dict())
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_grade_table_is_the_schemes_points():
    for index in ("classic", "2004"):
        schemes = [s for s in SCHEMES.values() if s.index.value == index]
        for row in sw.grade_lookup_table(index):
            assert row["rank"] == GRADE_ORDER.index(row["grade"])
            assert [row[f"points_{i}"] for i in range(len(schemes))] == [
                s.weights[row["grade"]] for s in schemes]


def test_flare_table_is_compare_system_on_every_pair():
    table = {row["pair"]: row for row in sw.flare_lookup_table()}
    assert len(table) == 25
    for before in GRADE_ORDER:
        for after in GRADE_ORDER:
            expected = compare_system(before, after)
            row = table[before + after]
            assert (row["change"], row["flare"]) == (expected.change.value, expected.flare.value)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bilag_form_chart_shows_the_library_scores(seed):
    rng = random.Random(seed)
    visit = {s: rng.choice(GRADE_ORDER) for s in SYSTEMS}
    texts = svg_texts(sw.bilag_form_chart(visit))
    assert f"Overall grade: {overall_grade(visit).value}" in texts
    for name, scheme in SCHEMES.items():
        if scheme.index.value == "classic":
            assert any(t.startswith(f"{name}: {global_score(visit, name)} of "
                                    f"{scheme.maximum()}") for t in texts), texts


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_visit_comparer_chart_shows_the_library_flare(seed):
    rng = random.Random(seed)
    before = {s: rng.choice(GRADE_ORDER) for s in SYSTEMS}
    after = {s: rng.choice(GRADE_ORDER) for s in SYSTEMS}
    texts = svg_texts(sw.visit_comparer_chart(before, after))
    assert f"Flare: {compare_visits(before, after).flare.value}" in texts


def test_timeline_gallery_has_a_case_per_example_and_a_definition_select():
    spec = sw.timeline_gallery().to_dict()
    params = {p["name"]: p for p in spec["params"]}
    assert params["patient_case"]["bind"]["options"] == list(sw.gallery_cases())
    assert any(t.startswith("Response: MCR") for t in svg_texts(sw.timeline_gallery()))


def test_quiz_payload_gives_the_widget_feedback_for_every_option():
    options, notes = ["A", "B", "C"], ["Severe.", "Moderate.", "Mild."]
    payload = sw.quiz_payload("Which?", options, "B", notes)
    assert [o["feedback"] for o in payload["options"]] == [
        check_answer(o, options, "B", notes)[1] for o in options]
    widget = self_check("Which?", options, "B", notes)
    assert sw._payload_from_widget(widget) == payload


def test_book_kernels_display_widgets_as_their_static_versions():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        sw.install_book_display(shell)
        # A chart (in whatever form Altair's renderer gives it), not a widget view.
        for widget, param in ((bilag_form(initial={"renal": "A"}), "grade_renal"),
                              (visit_comparer({"renal": "C"}), "after_renal")):
            bundle, _ = shell.display_formatter.format(widget)
            assert "application/vnd.jupyter.widget-view+json" not in bundle
            assert param in str(bundle)
        quiz, _ = shell.display_formatter.format(self_check("Q?", ["A", "E"], 0, ["a", "e"]))
        assert quiz[sw.QUIZ_MIME]["questions"][0]["question"] == "Q?"
        assert "application/vnd.jupyter.widget-view+json" not in quiz
    finally:
        InteractiveShell.clear_instance()
