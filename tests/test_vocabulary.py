"""The clinical vocabulary, and every page that states a rule, against the code.

The book's glossary and definitions page, the lessons' rule wording and the
bilag module's flare rules must say what :mod:`lupus_teach.vocabulary` and
:data:`lupus_teach.response.DEFINITIONS` say; a change of rule that leaves a
page saying otherwise fails here. The choices about the index itself
(:data:`lupus_teach.response.INDEX_CHOICES`) are tested at the end.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from lupus_teach import vocabulary
from lupus_teach.bilag import (
    FLARE_RULES,
    FlareCategory,
    compare_visits,
    e_after_involvement,
    e_after_involvement_warning,
    global_score,
    system_names,
)
from lupus_teach.errors import DataValidationError
from lupus_teach.response import (
    _REASONS,
    DEFINITIONS,
    INDEX_CHOICES,
    definitions_markdown,
    shared_rules,
)

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "book" / "glossary.md"
DEFINITIONS_PAGE = ROOT / "book" / "definitions.md"
RULE_LESSONS = ("03_flares", "04_response_definitions", "07_relapse_and_retreatment")


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def glossary_block() -> dict[str, str]:
    """Glossary entries of book/glossary.md by first headword."""
    text = GLOSSARY.read_text(encoding="utf-8")
    start = text.index("```{glossary}\n") + len("```{glossary}\n")
    body = text[start:text.index("\n```", start)]
    return {c.splitlines()[0]: c for c in re.split(r"\n\n(?=\S)", body.strip("\n"))}


def student_text(name: str) -> str:
    """The Markdown and code of a lesson, as one string."""
    cells = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells)


# --------------------------------------------------------------------------
# The vocabulary itself
# --------------------------------------------------------------------------


def test_terms_are_frozen_and_complete() -> None:
    for term in vocabulary.TERMS.values():
        assert term.name and term.label and term.definition and term.source
        with pytest.raises(AttributeError):
            term.label = "x"  # type: ignore[misc]
    assert set(vocabulary.FLARE_SEVERITY) == {c.value for c in FlareCategory}


def test_flare_rules_take_their_labels_from_the_vocabulary() -> None:
    for category, rule in FLARE_RULES.items():
        term = vocabulary.FLARE_SEVERITY[category.value]
        assert rule == f"{term.label}: {term.definition}"


def test_reasons_use_the_vocabulary_words() -> None:
    # "flare" in a reason is only ever the EXPLORER flare; the two meanings
    # of "severe" that confused students are gone.
    for code, (_, template) in _REASONS.items():
        assert "severe activity remains" not in template, code
        assert "before week 24" not in template, code
        for match in re.finditer(r"\bflare\b", template):
            assert template[: match.start()].endswith("EXPLORER "), (code, template)
    explorer_flares = [c for c, (_, t) in _REASONS.items() if "EXPLORER flare" in t]
    assert {"x_severe_flare", "x_moderate_flare", "x_mcr"} <= set(explorer_flares)


# --------------------------------------------------------------------------
# The glossary
# --------------------------------------------------------------------------


def test_glossary_entries_match_the_vocabulary_and_definitions() -> None:
    # Each generated entry (vocabulary definition + the rules it quotes from
    # DEFINITIONS) must be in the glossary as written, whitespace aside.
    written = {k: squash(v) for k, v in glossary_block().items()}
    for headword, entry in vocabulary.glossary_entries().items():
        assert headword in written, f"glossary has no entry {headword!r}"
        assert squash(entry) in written[headword], (
            f"glossary entry {headword!r} differs from the vocabulary; it should read:\n"
            f"{entry}")


def test_glossary_study_figures_match_the_published_data() -> None:
    from lupus_teach.data import load_published

    outcomes = load_published("outcomes").set_index(["outcome", "month"])
    entries = {k: squash(v) for k, v in glossary_block().items()}
    mcr, pcr = outcomes.loc[("MCR", 12)], outcomes.loc[("PCR", 12)]
    assert (f"{mcr['count']} of the {mcr['denominator']} patients "
            f"({mcr['percent_as_printed']}) reached MCR") in entries["MCR"]
    assert (f"{pcr['count']} of the {pcr['denominator']} patients "
            f"({pcr['percent_as_printed']}) reached PCR") in entries["PCR"]
    at9, at12 = outcomes.loc[("relapse", 9)], outcomes.loc[("relapse", 12)]
    total = int(at9["count"]) + int(at12["count"])
    assert (f"{at9['count']} of the {at9['denominator']} responders relapsed at 9 months "
            f"and {at12['count']} at 12 months, {total} in all") in entries["relapse"]


def test_glossary_says_nothing_the_code_contradicts() -> None:
    text = squash(GLOSSARY.read_text(encoding="utf-8"))
    for wrong in ("kept that way to 12 months", "relapsed by 9", "by 12 months",
                  "stored copies", "available to us", "test_"):
        assert wrong not in text, wrong


# --------------------------------------------------------------------------
# The definitions page and the lessons
# --------------------------------------------------------------------------


def test_definitions_page_lists_every_choice_of_every_definition() -> None:
    page = definitions_markdown()
    for rule in shared_rules():
        assert rule in page
    for definition in DEFINITIONS.values():
        assert f"`{definition.name}`" in page
        if definition.index is not None:
            assert f"Written for: {definition.index.label}." in page
        for rule in definition.rules:
            assert rule in page
        for choice in definition.choices:
            assert f"| {choice.question} | {choice.choice} | `{choice.test}` |" in page
    for choice in INDEX_CHOICES:
        assert f"`{choice.test}`" in page
    # the page's own prose: generated, no contradicted claim, no process talk
    prose = squash(DEFINITIONS_PAGE.read_text(encoding="utf-8"))
    assert "definitions_markdown()" in prose  # the page shows the generated text
    assert "consistent only with the classic scheme" not in prose
    assert "assumed decoding" in prose
    for wrong in ("stored copies", "available to this project", "pinned by"):
        assert wrong not in prose.lower(), wrong


def test_every_index_choice_names_an_existing_test() -> None:
    for choice in INDEX_CHOICES:
        assert callable(globals().get(choice.test)), choice.test


@pytest.mark.parametrize("name", RULE_LESSONS)
def test_lessons_state_rules_in_the_vocabulary_words(name: str) -> None:
    text = student_text(name)
    # no process talk and no test names in lessons
    for wrong in ("stored copies", "available to us", "pinned by", "test_"):
        assert wrong not in text, (name, wrong)
    # tables of choices are shown without the test column
    assert '"test"]]' not in text and "choices_frame()\n" not in text
    # rule lists come from the code, never retyped
    if name == "04_response_definitions":
        assert "wang.rules" in text and "d.rules" in text
    if name == "07_relapse_and_retreatment":
        assert "RELAPSE.definition" in text
    if name == "03_flares":
        assert "FLARE_RULES" in text and "NEW_SCORE.definition" in text


# --------------------------------------------------------------------------
# Choices about the index itself (INDEX_CHOICES)
# --------------------------------------------------------------------------


def test_global_score_refuses_missing_systems() -> None:
    # Renal A and blood B only: six classic systems are not graded. Refused,
    # naming them; with fill="E" the caller says what they are: 9 + 3 = 12.
    partial = {"renal": "A", "haematological": "B"}
    with pytest.raises(DataValidationError) as info:
        global_score(partial, "classic-9-3-1")
    message = str(info.value)
    for system in ("general", "mucocutaneous", "vasculitis"):
        assert system in message
    assert "haematological" not in message.split("no grade for")[1].split(";")[0]
    assert global_score(partial, "classic-9-3-1", fill="E") == 12
    assert global_score(partial, "classic-9-3-1", fill="C") == 12 + 6
    full = dict.fromkeys(system_names("classic"), "E") | partial
    assert global_score(full, "classic-9-3-1") == 12


def test_e_after_involvement_warns() -> None:
    # Nephritis A at baseline, D at month 3 (right), E at month 6 (wrong: E
    # means never involved); the rash is E throughout (right); the blood is C
    # at month 3 and E at month 9.
    rows = [("p1", 0, "renal", "A"), ("p1", 3, "renal", "D"), ("p1", 6, "renal", "E"),
            ("p1", 0, "mucocutaneous", "E"), ("p1", 6, "mucocutaneous", "E"),
            ("p2", 0, "haematological", "E"), ("p2", 3, "haematological", "C"),
            ("p2", 9, "haematological", "E")]
    visits = pd.DataFrame(rows, columns=["patient_id", "month", "system", "grade"])
    found = e_after_involvement(visits)
    assert found.to_dict("records") == [
        {"patient_id": "p1", "system": "renal", "month": 6, "earlier_month": 0,
         "earlier_grade": "A"},
        {"patient_id": "p2", "system": "haematological", "month": 9, "earlier_month": 3,
         "earlier_grade": "C"},
    ]
    text = e_after_involvement_warning(visits)
    assert text.startswith("warning: grade E (never involved) after an earlier A, B, C or D "
                           "in the same system at 2 visits (2 patients and systems)")
    assert "p1 renal from month 6 (after A at month 0)" in text
    assert e_after_involvement_warning(visits[visits["patient_id"] == "nobody"]) == ""
    # a warning, not an error: classification still runs, and E and D count alike
    from lupus_teach.response import console_notes

    lines = console_notes(visits, "wang2014")
    assert lines == [text]


def test_e_after_involvement_warning_on_the_classify_console(tmp_path: Path, capsys) -> None:
    from lupus_teach.cli import main as cli_main

    systems = system_names("classic")
    rows = [("p1", m, s, ("A" if m == 0 else "E") if s == "renal" else "D")
            for m in (0, 1, 3, 6, 9, 12) for s in systems]
    source = tmp_path / "visits.csv"
    pd.DataFrame(rows, columns=["patient_id", "month", "system", "grade"]).to_csv(
        source, index=False)
    capsys.readouterr()
    assert cli_main(["classify", str(source), "-o", str(tmp_path / "out.csv")]) == 0
    err = capsys.readouterr().err
    assert "in the same system at 5 visits (1 patient and system)" in err
    assert "p1 renal from month 1 (after A at month 0)" in err


def test_flare_severity_same_rule_on_2004() -> None:
    # BILAG-2004: the same grade rule and names as on the classic index.
    base = dict.fromkeys(system_names("2004"), "E")
    one_b = compare_visits(base, dict(base, ophthalmic="B"), index="2004")
    assert one_b.flare is FlareCategory.MODERATE  # one new B is enough here
    assert compare_visits(base, dict(base, renal="A"), index="2004").flare is (
        FlareCategory.SEVERE)
    assert compare_visits(base, dict(base, renal="C"), index="2004").flare is FlareCategory.MILD
    assert compare_visits(dict(base, renal="A"), dict(base, renal="B"), index="2004").flare is (
        FlareCategory.NONE)
    # the glossary says that some trials grade one new B as mild, two as moderate
    assert "single new B as a mild flare and two new B as a moderate one" in squash(
        glossary_block()["flare"])


# --------------------------------------------------------------------------
# The report and the command line use the same words
# --------------------------------------------------------------------------


def test_report_flare_section_uses_the_vocabulary(tmp_path: Path) -> None:
    from lupus_teach.report import ReportData

    systems = system_names("classic")
    # renal A -> C -> A: a severe flare at month 3 against the previous visit
    rows = [("p1", m, s, ({0: "A", 1: "C", 3: "A"}[m] if s == "renal" else "D"))
            for m in (0, 1, 3) for s in systems]
    source = tmp_path / "visits.csv"
    pd.DataFrame(rows, columns=["patient_id", "month", "system", "grade"]).to_csv(
        source, index=False)
    section = ReportData.load(str(source), rendered_at="2024-01-01").flares_html()
    assert vocabulary.FLARE.definition in section
    assert "not the new scores (against baseline)" in section
    assert vocabulary.FLARE_SEVERITY["severe"].label in section  # the chart's legend


def test_classify_help_names_every_category(capsys) -> None:
    from lupus_teach.cli import main as cli_main

    assert cli_main(["--help"]) == 0
    out = squash(capsys.readouterr().out)
    categories = {c.value for name in ("wang2014", "explorer", "bicla")
                  for c in DEFINITIONS[name].categories}
    assert "(MCR, PCR, responder, NR)" in out
    assert categories == {"MCR", "PCR", "responder", "NR"}


def test_definitions_page_lists_the_record_choices() -> None:
    # visit windows and deaths/withdrawals are used by every definition alike
    from lupus_teach.events import EVENT_CHOICE
    from lupus_teach.windows import WINDOW_CHOICE

    page = definitions_markdown()
    for choice in (WINDOW_CHOICE, EVENT_CHOICE):
        assert f"| {choice.question} | {choice.choice} | `{choice.test}` |" in page
