"""Tests of lupus_teach.bilag: grades, systems, scoring schemes and flares.

Expected values are written by hand from the published rules, cited beside
each test; none is copied from the program's output.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lupus_teach.bilag import (
    CLASSIC_SYSTEMS,
    SCHEMES,
    SYSTEMS_2004,
    Change,
    FlareCategory,
    Grade,
    IndexVersion,
    compare_system,
    compare_visits,
    get_scheme,
    global_score,
    infer_index,
    normalise_system,
    overall_grade,
    parse_grade,
    systems_for,
)
from lupus_teach.errors import (
    DataValidationError,
    InvalidGradeError,
    LupusTeachError,
    UnknownNameError,
)

# The machine names exactly as issue 2 gives them.
CLASSIC_NAMES = [
    "general", "mucocutaneous", "neurological", "musculoskeletal",
    "cardiorespiratory", "vasculitis", "renal", "haematological",
]
NAMES_2004 = [
    "constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
    "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal", "haematological",
]


def visit(names: list[str], grades: str) -> dict[str, str]:
    """A visit from system names and a string of grade letters, in order."""
    assert len(names) == len(grades)
    return dict(zip(names, grades, strict=True))


# --------------------------------------------------------------------------
# Grades
# --------------------------------------------------------------------------


def test_grades_are_ordered_by_severity_not_alphabet():
    # Hay et al. 1993: A severe > B moderate > C mild > D previously > E never.
    order = [Grade.E, Grade.D, Grade.C, Grade.B, Grade.A]
    assert sorted([Grade.C, Grade.A, Grade.E, Grade.B, Grade.D]) == order
    for milder, worse in itertools.pairwise(order):
        assert worse > milder and milder < worse
        assert worse >= milder and milder <= worse
    assert max([Grade.C, Grade.A, Grade.E]) is Grade.A
    assert min([Grade.C, Grade.B, Grade.D]) is Grade.D


def test_grade_compared_with_a_letter_reads_the_letter_as_a_grade():
    # Alphabetically "A" < "B"; clinically A is the worse grade.
    assert Grade.A > "B"
    assert not Grade.A < "B"
    assert "B" < Grade.A
    assert Grade.C <= " c "
    with pytest.raises(InvalidGradeError):
        _ = Grade.A > "Z"
    with pytest.raises(TypeError):
        _ = Grade.A > 1


@pytest.mark.parametrize(
    ("grade", "activity", "active"),
    [("A", 3, True), ("B", 2, True), ("C", 1, True), ("D", 0, False), ("E", 0, False)],
)
def test_grade_activity(grade, activity, active):
    # D (previously affected) and E (never involved) are both inactive.
    assert Grade(grade).activity == activity
    assert Grade(grade).is_active is active


@pytest.mark.parametrize(
    ("grade", "word"),
    [("A", "severe"), ("B", "moderate"), ("C", "mild"), ("D", "previously"), ("E", "never")],
)
def test_grade_meaning(grade, word):
    assert word in Grade(grade).meaning


@pytest.mark.parametrize(
    ("text", "expected"),
    [("A", Grade.A), ("a", Grade.A), (" b ", Grade.B), ("\tc\n", Grade.C), ("d", Grade.D),
     ("E", Grade.E), (Grade.B, Grade.B)],
)
def test_parse_grade_forgives_case_and_spaces(text, expected):
    assert parse_grade(text) is expected


@pytest.mark.parametrize("bad", ["F", "1", "", "  ", None, "A+", "AB", "a b", 1, 3.0, "Ａ"])
def test_parse_grade_rejects_everything_else(bad):
    with pytest.raises(InvalidGradeError) as info:
        parse_grade(bad)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, LupusTeachError)
    assert repr(bad) in str(info.value)
    assert "A, B, C, D, E" in str(info.value)


def test_overall_grade_is_the_most_severe():
    assert overall_grade(["C", "B", "E"]) is Grade.B
    assert overall_grade({"renal": "d", "general": "E"}) is Grade.D


# --------------------------------------------------------------------------
# Organ systems
# --------------------------------------------------------------------------


def test_classic_systems_exactly_as_in_the_issue():
    assert [s.name for s in CLASSIC_SYSTEMS] == CLASSIC_NAMES
    assert len(CLASSIC_SYSTEMS) == 8
    assert all(s.index is IndexVersion.CLASSIC for s in CLASSIC_SYSTEMS)
    assert all(s.label for s in CLASSIC_SYSTEMS)


def test_2004_systems_exactly_as_in_the_issue():
    assert [s.name for s in SYSTEMS_2004] == NAMES_2004
    assert len(SYSTEMS_2004) == 9
    assert all(s.index is IndexVersion.BILAG2004 for s in SYSTEMS_2004)
    # Vasculitis is no longer a system of its own in BILAG-2004 (Isenberg 2005).
    assert "vasculitis" not in [s.name for s in SYSTEMS_2004]


@pytest.mark.parametrize("version", ["classic", "2004", "BILAG-2004", IndexVersion.CLASSIC])
def test_systems_for_accepts_version_names(version):
    expected = NAMES_2004 if "2004" in str(version) else CLASSIC_NAMES
    assert [s.name for s in systems_for(version)] == expected


def test_systems_for_unknown_version():
    with pytest.raises(UnknownNameError, match="classic, 2004"):
        systems_for("2010")


@pytest.mark.parametrize(
    ("written", "name"),
    [("hematological", "haematological"), (" Hematological ", "haematological"),
     ("RENAL", "renal"), ("haematological", "haematological")],
)
def test_normalise_system_alias_case_and_spaces(written, name):
    assert normalise_system(written) == name
    assert normalise_system(written, index="2004") == name


def test_normalise_system_rejects_other_version_with_hint():
    with pytest.raises(UnknownNameError) as info:
        normalise_system("vasculitis", index="2004")
    assert "classic BILAG" in str(info.value)
    with pytest.raises(UnknownNameError, match="kidney"):
        normalise_system("kidney")


# --------------------------------------------------------------------------
# Inferring the index version
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (CLASSIC_NAMES, IndexVersion.CLASSIC),
        (NAMES_2004, IndexVersion.BILAG2004),
        (["renal", "vasculitis"], IndexVersion.CLASSIC),
        (["renal", "Ophthalmic "], IndexVersion.BILAG2004),
        # only names shared by both versions: classic is assumed
        (["renal", "mucocutaneous", "hematological"], IndexVersion.CLASSIC),
        ([], IndexVersion.CLASSIC),
    ],
)
def test_infer_index(names, expected):
    assert infer_index(names) is expected


def test_infer_index_refuses_a_mix_and_names_the_systems():
    with pytest.raises(DataValidationError) as info:
        infer_index(["general", "renal", "ophthalmic", "vasculitis"])
    message = str(info.value)
    assert "general, vasculitis" in message
    assert "ophthalmic" in message
    assert len(info.value.problems) == 1


# --------------------------------------------------------------------------
# Scoring schemes
# --------------------------------------------------------------------------

# Classic 9/3/1 (0-72) and 12/5/1 (0-96): Cresswell L, Yee CS, et al.,
# Numerical scoring for the Classic BILAG index, Rheumatology 2009;48:1548-1552.
# BILAG-2004 12/8/1 (0-108): Yee CS, Cresswell L, et al., Numerical scoring for
# the BILAG-2004 index, Rheumatology 2010;49:1665-1669.
SCHEME_TABLE = [
    ("classic-9-3-1", {"A": 9, "B": 3, "C": 1, "D": 0, "E": 0}, 72, IndexVersion.CLASSIC),
    ("classic-12-5-1", {"A": 12, "B": 5, "C": 1, "D": 0, "E": 0}, 96, IndexVersion.CLASSIC),
    ("bilag2004", {"A": 12, "B": 8, "C": 1, "D": 0, "E": 0}, 108, IndexVersion.BILAG2004),
]


def test_the_schemes_offered():
    assert set(SCHEMES) == {name for name, *_ in SCHEME_TABLE}


@pytest.mark.parametrize(("name", "weights", "maximum", "version"), SCHEME_TABLE)
def test_scheme_weights_and_maximum(name, weights, maximum, version):
    scheme = get_scheme(name)
    assert dict(scheme.weights) == weights
    assert scheme.index is version
    assert scheme.maximum() == maximum
    assert scheme.reference  # every scheme cites its source
    for letter, points in weights.items():
        assert scheme.points(letter) == points
        assert scheme.points(letter.lower()) == points


@pytest.mark.parametrize(("name", "weights", "maximum", "version"), SCHEME_TABLE)
def test_every_system_graded_a_gives_the_maximum(name, weights, maximum, version):
    names = CLASSIC_NAMES if version is IndexVersion.CLASSIC else NAMES_2004
    assert global_score(dict.fromkeys(names, "A"), name) == maximum
    assert global_score(dict.fromkeys(names, "E"), name) == 0
    assert global_score(dict.fromkeys(names, "D"), name) == 0


def test_unknown_scheme_lists_the_choices():
    with pytest.raises(UnknownNameError) as info:
        get_scheme("9/3/1")
    for name in SCHEMES:
        assert name in str(info.value)


# A classic visit: general C, mucocutaneous B, neurological E, musculoskeletal C,
# cardiorespiratory E, vasculitis D, renal A, haematological C.
CLASSIC_VISIT = visit(CLASSIC_NAMES, "CBECEDAC")


def test_global_score_classic_9_3_1_by_hand():
    # C1 + B3 + E0 + C1 + E0 + D0 + A9 + C1 = 15
    assert global_score(CLASSIC_VISIT, "classic-9-3-1") == 15
    # the default for a classic visit is 9/3/1
    assert global_score(CLASSIC_VISIT) == 15


def test_global_score_classic_12_5_1_by_hand():
    # C1 + B5 + E0 + C1 + E0 + D0 + A12 + C1 = 20
    assert global_score(CLASSIC_VISIT, "classic-12-5-1") == 20


def test_global_score_2004_by_hand():
    # constitutional B8, mucocutaneous C1, neuropsychiatric E0, musculoskeletal A12,
    # cardiorespiratory D0, gastrointestinal E0, ophthalmic E0, renal B8,
    # haematological C1: 8 + 1 + 0 + 12 + 0 + 0 + 0 + 8 + 1 = 30
    v2004 = visit(NAMES_2004, "BCEADEEBC")
    assert global_score(v2004, "bilag2004") == 30
    assert global_score(v2004) == 30  # the default for a 2004 visit


def test_global_score_refuses_unknown_and_misplaced_systems_all_at_once():
    with pytest.raises(DataValidationError) as info:
        global_score({"kidney": "A", "general": "B", "renal": "Q"}, "bilag2004", fill="E")
    problems = info.value.problems
    values = {p.value for p in problems}
    # kidney: unknown; general: a classic system under a BILAG-2004 scheme; Q: no grade
    assert {"kidney", "general", "Q"} <= values
    assert len(problems) == 3


def test_global_score_refuses_a_system_graded_twice():
    with pytest.raises(DataValidationError, match="graded twice"):
        global_score({"haematological": "A", "hematological": "C"})


# --------------------------------------------------------------------------
# Comparing one system
# --------------------------------------------------------------------------

# All 25 (before, after) pairs, worked out by hand from the rules in the
# compare_visits docstring (Gordon et al. 2003, as BILAG-2004 grade changes):
# direction by activity (A3 B2 C1 D0 E0, so D and E are equal); severe = a new
# A (from B-E); moderate = a new B (from C-E); mild = a new C (from D or E).
S, M, L, N = "severe", "moderate", "mild", "none"
B_, Z, W = "improved", "same", "worsened"  # B_ = better
PAIRS = [
    ("A", "A", Z, N), ("A", "B", B_, N), ("A", "C", B_, N), ("A", "D", B_, N), ("A", "E", B_, N),
    ("B", "A", W, S), ("B", "B", Z, N), ("B", "C", B_, N), ("B", "D", B_, N), ("B", "E", B_, N),
    ("C", "A", W, S), ("C", "B", W, M), ("C", "C", Z, N), ("C", "D", B_, N), ("C", "E", B_, N),
    ("D", "A", W, S), ("D", "B", W, M), ("D", "C", W, L), ("D", "D", Z, N), ("D", "E", Z, N),
    ("E", "A", W, S), ("E", "B", W, M), ("E", "C", W, L), ("E", "D", Z, N), ("E", "E", Z, N),
]


def test_the_table_covers_all_25_pairs():
    assert len({(b, a) for b, a, *_ in PAIRS}) == 25


@pytest.mark.parametrize(("before", "after", "change", "flare"), PAIRS)
def test_compare_system_all_pairs(before, after, change, flare):
    result = compare_system(before, after, "renal")
    assert result.change.value == change
    assert result.flare.value == flare
    assert result.new_a == (flare == S)
    assert result.new_b == (flare == M)
    assert result.before is Grade(before) and result.after is Grade(after)
    assert result.describe().startswith(f"renal: {before} -> {after} ({change}")


def test_compare_system_forgives_case():
    assert compare_system("e", " a ").flare is FlareCategory.SEVERE


def test_flare_categories_are_ordered():
    assert FlareCategory.NONE < FlareCategory.MILD < FlareCategory.MODERATE
    assert FlareCategory.MODERATE < FlareCategory.SEVERE
    assert max(FlareCategory) is FlareCategory.SEVERE


# --------------------------------------------------------------------------
# Comparing whole visits
# --------------------------------------------------------------------------

BASE = dict.fromkeys(CLASSIC_NAMES, "E")


def test_compare_visits_new_a_and_new_b_lists_and_severe_flare():
    before = dict(BASE, renal="B", mucocutaneous="C", haematological="A")
    after = dict(BASE, renal="A", mucocutaneous="B", general="B", haematological="B")
    result = compare_visits(before, after)
    # renal B->A new A; mucocutaneous C->B and general E->B new B;
    # haematological A->B improved (not a new B)
    assert result.new_a == ("renal",)
    assert result.new_b == ("general", "mucocutaneous")  # in the index's order
    assert result.worsened == ("general", "mucocutaneous", "renal")
    assert result.improved == ("haematological",)
    assert result.flare is FlareCategory.SEVERE
    assert result.rule.startswith("severe flare")
    assert "renal B -> A" in result.rule
    assert "mucocutaneous" not in result.rule  # only the systems that fired this rule


def test_compare_visits_moderate_rule_names_every_system():
    result = compare_visits(BASE, dict(BASE, general="B", renal="B", vasculitis="C"))
    assert result.flare is FlareCategory.MODERATE
    assert "general E -> B" in result.rule and "renal E -> B" in result.rule
    assert "vasculitis" not in result.rule


def test_compare_visits_mild_flare():
    before = dict(BASE, vasculitis="D")
    result = compare_visits(before, dict(before, vasculitis="C"))
    assert result.flare is FlareCategory.MILD
    assert "vasculitis D -> C" in result.rule
    assert result.new_a == () and result.new_b == ()


def test_compare_visits_no_flare_when_only_improving():
    before = dict(BASE, renal="A", general="C")
    result = compare_visits(before, dict(before, renal="C", general="D"))
    assert result.flare is FlareCategory.NONE
    assert result.rule.startswith("no flare")
    assert result.worsened == ()
    assert result.improved == ("general", "renal")


def test_compare_visits_2004_inferred_and_frame():
    before = dict.fromkeys(NAMES_2004, "D")
    result = compare_visits(before, dict(before, ophthalmic="A"))
    assert result.index is IndexVersion.BILAG2004
    assert len(result.changes) == 9
    assert result.new_a == ("ophthalmic",)
    frame = result.to_frame()
    assert list(frame["system"]) == NAMES_2004
    assert frame.set_index("system").loc["ophthalmic", "flare"] == "severe"


def test_compare_visits_accepts_alias_and_lower_case():
    before = dict(BASE)
    after = {**{k: "e" for k in CLASSIC_NAMES if k != "haematological"}, "hematological": "a"}
    assert compare_visits(before, after).new_a == ("haematological",)


def test_compare_visits_lists_every_problem_at_once():
    before = dict(BASE, renal="F")            # invalid grade
    del before["general"]                      # missing system
    after = dict(BASE, kidney="A")             # unknown system
    after["vasculitis"] = "1"                  # invalid grade
    with pytest.raises(DataValidationError) as info:
        compare_visits(before, after)
    problems = info.value.problems
    text = str(info.value)
    assert len(problems) == 4
    assert "'F'" in text and "'1'" in text and "'kidney'" in text
    assert "no grade for general" in text
    assert {p.source for p in problems} == {"earlier visit", "later visit"}


def test_compare_visits_mixing_versions_is_one_of_the_problems():
    before = dict(BASE)
    after = dict(BASE, ophthalmic="A", renal="Z")
    with pytest.raises(DataValidationError) as info:
        compare_visits(before, after)
    text = str(info.value)
    assert "mixes" in text
    assert "'Z'" in text  # reported together with the mix, not after fixing it


def test_compare_visits_with_index_given():
    with pytest.raises(DataValidationError, match="vasculitis"):
        compare_visits(BASE, BASE, index="2004")


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

GRADES = st.sampled_from("ABCDE")


@st.composite
def visit_pairs(draw):
    names = draw(st.sampled_from([CLASSIC_NAMES, NAMES_2004]))
    before = {n: draw(GRADES) for n in names}
    after = {n: draw(GRADES) for n in names}
    return before, after


@given(visit_pairs())
def test_no_system_both_improved_and_worsened(pair):
    result = compare_visits(*pair)
    assert not set(result.improved) & set(result.worsened)
    for change in result.changes:
        assert change.change in (Change.IMPROVED, Change.SAME, Change.WORSENED)


@given(visit_pairs())
def test_a_visit_compared_with_itself_has_no_flare(pair):
    before, _ = pair
    result = compare_visits(before, before)
    assert result.flare is FlareCategory.NONE
    assert result.improved == result.worsened == result.new_a == result.new_b == ()


@given(visit_pairs(), st.data())
def test_flare_is_monotone_in_the_later_visit(pair, data):
    before, after = pair
    # make every later grade the same or milder (lower severity)
    milder = {
        name: data.draw(st.sampled_from([g for g in "ABCDE" if Grade(g) <= Grade(grade)]))
        for name, grade in after.items()
    }
    assert compare_visits(before, milder).flare <= compare_visits(before, after).flare


@given(visit_pairs())
def test_swapping_visits_swaps_improved_and_worsened(pair):
    before, after = pair
    forward, backward = compare_visits(before, after), compare_visits(after, before)
    assert forward.improved == backward.worsened
    assert forward.worsened == backward.improved


@given(visit_pairs())
def test_flare_is_the_worst_system_flare(pair):
    result = compare_visits(*pair)
    # new A anywhere <=> severe; otherwise new B <=> moderate
    assert (result.flare is FlareCategory.SEVERE) == bool(result.new_a)
    if not result.new_a:
        assert (result.flare is FlareCategory.MODERATE) == bool(result.new_b)
