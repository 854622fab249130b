"""SRI-4 ... SRI-8 and the full BICLA: hand-built patients at each threshold, both implementations.

Each patient is written in clinical terms: BILAG grades at baseline and month
12 (every other system D), a SLEDAI-2K total and a physician's global
assessment (PGA, 0-3) per visit. Every test runs under the vectorised and the
reference implementation and asserts that they agree.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from lupus_teach import composite, sledai
from lupus_teach.bilag import system_names
from lupus_teach.errors import DefinitionError
from lupus_teach.response import (
    COMPOSITE_DEFINITIONS,
    classify_patient,
    classify_response,
    get_definition,
    sri,
)

SYSTEMS = system_names("classic")


def visit(pid, month, sledai_total, pga, failure=None, **grades):
    """One visit's rows: every system D unless named."""
    g = dict.fromkeys(SYSTEMS, "D")
    g.update(grades)
    extra = {} if failure is None else {"treatment_failure": failure}
    return [dict(patient_id=pid, month=month, system=s, grade=g[s], sledai=sledai_total,
                 pga=pga, **extra) for s in SYSTEMS]


def classify(rows, definition):
    """Classify under both implementations; they must agree exactly."""
    table = pd.DataFrame(rows)
    fast = classify_response(table, definition)
    slow = classify_response(table, definition, method="reference")
    assert_frame_equal(fast, slow)
    return fast.set_index("patient_id")


# --------------------------------------------------------------------------
# SRI-4
# --------------------------------------------------------------------------


def test_sri4_four_point_drop_exactly_responds():
    rows = (visit("four", 0, 12, 1.0, renal="A") + visit("four", 12, 8, 1.0, renal="C")
            + visit("three", 0, 12, 1.0, renal="A") + visit("three", 12, 9, 1.0, renal="C"))
    out = classify(rows, "sri4")
    assert out.loc["four", "response"] == "responder"
    assert out.loc["three", "response"] == "NR"
    assert out.loc["three", "reason"] == (
        "NR (SRI-4): SLEDAI-2K fell by 3 points, from 12 to 9; at least 4 is required")


def test_sri4_pga_worse_by_exactly_0_3_is_nr():
    rows = (visit("exact", 0, 12, 1.0, renal="A") + visit("exact", 12, 4, 1.3, renal="C")
            + visit("under", 0, 12, 1.0, renal="A") + visit("under", 12, 4, 1.29, renal="C")
            # 2.6 - 2.3 is 0.2999... in binary floating point: still exactly 0.3 here
            + visit("float", 0, 12, 2.3, renal="A") + visit("float", 12, 4, 2.6, renal="C"))
    out = classify(rows, "sri4")
    assert out.loc["exact", "response"] == "NR"
    assert out.loc["exact", "reason"] == (
        "NR (SRI-4): the physician's global assessment worsened by 0.3, from 1.0 to 1.3; it "
        "must worsen by less than 0.3 (on the 0-3 scale)")
    assert out.loc["under", "response"] == "responder"
    assert out.loc["float", "response"] == "NR"


def test_sri4_one_new_b_allowed_two_not():
    rows = (visit("one", 0, 16, 2.0, renal="A") + visit("one", 12, 4, 1.0, renal="B",
                                                          general="B")
            + visit("two", 0, 16, 2.0, renal="A")
            + visit("two", 12, 4, 1.0, renal="C", general="B", haematological="B")
            + visit("a_to_b", 0, 16, 2.0, renal="A", general="A")
            + visit("a_to_b", 12, 4, 1.0, renal="B", general="B")
            + visit("b_to_a", 0, 16, 2.0, renal="B", general="B")
            + visit("b_to_a", 12, 4, 1.0, renal="A", general="C"))
    out = classify(rows, "sri4")
    assert out.loc["one", "response"] == "responder"
    assert out.loc["two", "response"] == "NR"
    assert out.loc["two", "reason"] == (
        "NR (SRI-4): new BILAG B in general and haematological at month 12 compared with "
        "baseline; at most one new B is allowed")
    assert out.loc["a_to_b", "response"] == "responder"   # A to B is an improvement
    assert out.loc["b_to_a", "reason"] == (
        "NR (SRI-4): new BILAG A in renal at month 12 compared with baseline")


def test_sri4_judged_at_month_12_against_baseline():
    """A flare at month 6 that settles by month 12 does not count."""
    rows = (visit("p", 0, 16, 2.0, renal="A") + visit("p", 6, 20, 2.5, renal="A", general="A")
            + visit("p", 12, 6, 1.5, renal="C"))
    out = classify(rows, "sri4")
    assert out.loc["p", "response"] == "responder"
    assert out.loc["p", "deciding_month"] == 12
    missing = classify(visit("q", 0, 16, 2.0, renal="A") + visit("q", 6, 2, 0.5), "sri4")
    assert missing.loc["q", "response"] == "NR"
    assert missing.loc["q", "reason"].startswith("NR (SRI-4): no visit at month 12")
    assert "missing visits: 12" in missing.loc["q", "note"]


def test_sri4_missing_sledai_or_pga_is_nr():
    rows = (visit("s", 0, 16, 2.0, renal="A") + visit("s", 12, None, 1.0, renal="C")
            + visit("g", 0, 16, None, renal="A") + visit("g", 12, 4, 1.0, renal="C"))
    out = classify(rows, "sri4")
    assert out.loc["s", "reason"] == (
        "NR (SRI-4): no SLEDAI-2K score at month 12, and a missing score never counts as a "
        "response")
    assert out.loc["g", "reason"].startswith(
        "NR (SRI-4): no physician's global assessment at month 0")


def test_sri4_scores_descriptor_columns():
    """Descriptor columns give the same answer as the totals they add up to."""
    def descriptors(pid, month, present, pga, **grades):
        rows = visit(pid, month, None, pga, **grades)
        for row in rows:
            del row["sledai"]
            row.update({f"sledai_{d.name}": int(d.name in present) for d in sledai.DESCRIPTORS})
        return rows

    before = ["proteinuria", "haematuria", "low_complement", "increased_dna_binding"]  # 12
    rows = (descriptors("p", 0, before, 2.0, renal="A")
            + descriptors("p", 12, ["low_complement", "increased_dna_binding"], 1.0,
                          renal="C"))
    out = classify(rows, "sri4")
    assert out.loc["p", "reason"].startswith(
        "responder (SRI-4): SLEDAI-2K fell by 8 points (from 12 to 4)")


def test_sri4_needs_no_bilag_entry_rule():
    """Only one B at baseline (not active by the BILAG entry rule) can still be an SRI
    responder; the full BICLA applies the entry rule."""
    rows = visit("p", 0, 10, 1.5, renal="B") + visit("p", 12, 2, 0.5, renal="C")
    assert classify(rows, "sri4").loc["p", "response"] == "responder"
    bicla = classify(rows, "bicla").loc["p"]
    assert bicla["response"] == "NR"
    assert "no active disease at entry" in bicla["reason"]


@pytest.mark.parametrize("k", [5, 6, 7, 8])
def test_stricter_sri_thresholds(k):
    rows = (visit("yes", 0, 20, 1.0, renal="A") + visit("yes", 12, 20 - k, 1.0, renal="C")
            + visit("no", 0, 20, 1.0, renal="A") + visit("no", 12, 21 - k, 1.0, renal="C"))
    out = classify(rows, f"sri{k}")
    assert out.loc["yes", "response"] == "responder"
    assert out.loc["no", "reason"] == (
        f"NR (SRI-{k}): SLEDAI-2K fell by {k - 1} points, from 20 to {21 - k}; at least {k} "
        "is required")
    with pytest.raises(DefinitionError):
        sri(9)


def test_sledai_rise_and_no_change_are_explained():
    rows = (visit("up", 0, 8, 1.0, renal="A") + visit("up", 12, 10, 1.0, renal="C")
            + visit("same", 0, 8, 1.0, renal="A") + visit("same", 12, 8, 1.0, renal="C"))
    out = classify(rows, "sri4")
    assert out.loc["up", "reason"] == (
        "NR (SRI-4): SLEDAI-2K rose by 2 points, from 8 to 10; a fall of at least 4 points is "
        "required")
    assert out.loc["same", "reason"].startswith("NR (SRI-4): SLEDAI-2K did not fall")


# --------------------------------------------------------------------------
# BICLA
# --------------------------------------------------------------------------


def test_bicla_is_full_with_sledai_and_pga():
    rows = visit("p", 0, 12, 1.0, renal="A") + visit("p", 12, 14, 1.0, renal="C")
    full = classify(rows, "bicla").loc["p"]
    assert full["response"] == "NR"
    assert full["reason"] == (
        "NR (BICLA): SLEDAI-2K worsened from 12 at baseline to 14 at month 12; BICLA allows "
        "no worsening")
    grades_only = pd.DataFrame(rows).drop(columns=["sledai", "pga"])
    part = classify(grades_only.to_dict("records"), "bicla").loc["p"]
    assert part["response"] == "responder"
    assert "BICLA, BILAG part only" in part["reason"]


def test_bicla_sledai_equal_passes_rise_fails():
    rows = (visit("same", 0, 12, 1.0, renal="A") + visit("same", 12, 12, 1.0, renal="C")
            + visit("rise", 0, 12, 1.0, renal="A") + visit("rise", 12, 13, 1.0, renal="C"))
    out = classify(rows, "bicla")
    assert out.loc["same", "response"] == "responder"
    assert out.loc["rise", "response"] == "NR"


def test_bicla_pga_worse_by_exactly_0_3_is_nr():
    rows = (visit("exact", 0, 12, 2.0, renal="A") + visit("exact", 12, 4, 2.3, renal="B")
            + visit("under", 0, 12, 2.0, renal="A") + visit("under", 12, 4, 2.25, renal="B"))
    out = classify(rows, "bicla")
    assert out.loc["exact", "reason"] == (
        "NR (BICLA): the physician's global assessment worsened by 0.3, from 2.0 to 2.3; it "
        "must worsen by less than 10% of the 0-3 scale (0.3)")
    assert out.loc["under", "response"] == "responder"


def test_bicla_treatment_failure_not_assessed_without_column():
    good = visit("p", 0, 12, 1.0, renal="A") + visit("p", 12, 4, 1.0, renal="C")
    without = classify(good, "bicla").loc["p", "reason"]
    assert without.endswith("treatment failure was not assessed (the data have no "
                            "treatment_failure column)")
    rows = (visit("ok", 0, 12, 1.0, "no", renal="A") + visit("ok", 12, 4, 1.0, "no", renal="C")
            + visit("fail", 0, 12, 1.0, "no", renal="A")
            + visit("fail", 6, 8, 1.0, "yes", renal="B")
            + visit("fail", 12, 4, 1.0, "no", renal="C")
            + visit("blank", 0, 12, 1.0, "", renal="A")
            + visit("blank", 12, 4, 1.0, "", renal="C"))
    out = classify(rows, "bicla")
    assert out.loc["ok", "reason"].endswith("and no treatment failure was recorded")
    assert out.loc["fail", "reason"] == "NR (BICLA): treatment failure recorded at month 6"
    assert out.loc["blank", "reason"].endswith("not assessed (not recorded at month 12)")


def test_bicla_persistent_renal_a_with_large_sledai_drop_disagrees_with_sri4():
    """The lesson's case: renal stays A while SLEDAI-2K falls from 20 to 8."""
    rows = (visit("p", 0, 20, 2.5, renal="A", mucocutaneous="B")
            + visit("p", 12, 8, 1.5, renal="A", mucocutaneous="C"))
    assert classify(rows, "sri4").loc["p", "response"] == "responder"
    out = classify(rows, "bicla").loc["p"]
    assert out["response"] == "NR"
    assert out["reason"] == "NR (BICLA): renal was A at baseline and is still A at month 12"


# --------------------------------------------------------------------------
# Shared behaviour, errors and the command line
# --------------------------------------------------------------------------


def test_composite_needs_the_activity_columns():
    rows = pd.DataFrame(visit("p", 0, 12, 1.0, renal="A")).drop(columns=["sledai", "pga"])
    with pytest.raises(DefinitionError, match="sri4 needs a SLEDAI-2K total"):
        classify_response(rows, "sri4")
    with pytest.raises(DefinitionError, match="classify_response"):
        classify_patient({0: dict.fromkeys(SYSTEMS, "D")}, "sri4")


def test_no_baseline_visit():
    out = classify(visit("p", 12, 4, 1.0), "sri4")
    assert out.loc["p", "reason"] == (
        "NR (SRI-4): no baseline visit (month 0), so change cannot be judged")
    assert out.loc["p", "deciding_month"] == 0


def test_every_choice_names_an_existing_test():
    here = {name for name in globals() if name.startswith("test_")}
    shared = "".join(p.read_text() for p in Path(__file__).parent.glob("test_response*.py"))
    for definition in COMPOSITE_DEFINITIONS.values():
        for choice in definition.choices:
            assert choice.test in here or f"def {choice.test}(" in shared, choice.test
    assert get_definition("sri4") is COMPOSITE_DEFINITIONS["sri4"]


def test_classify_command_with_sri4(tmp_path):
    path = tmp_path / "activity.csv"
    rows = (visit("P1", 0, 12, 1.0, renal="A") + visit("P1", 12, 8, 1.0, renal="C")
            + visit("P2", 0, 12, 1.0, renal="A") + visit("P2", 12, 9, 1.0, renal="C"))
    pd.DataFrame(rows).to_csv(path, index=False)
    done = subprocess.run([sys.executable, "-m", "lupus_teach", "classify", str(path),
                           "--definition", "sri4"], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "P1,responder,12" in done.stdout
    assert "at least 4 is required" in done.stdout
    bicla = subprocess.run([sys.executable, "-m", "lupus_teach", "classify", str(path),
                            "--definition", "bicla"], capture_output=True, text=True,
                           check=False)
    assert bicla.returncode == 0, bicla.stderr
    assert "P2,responder,12" in bicla.stdout   # a 3-point fall is no worsening for BICLA
    assert "responder (BICLA): at month 12" in bicla.stdout


# --------------------------------------------------------------------------
# Properties: agreement on random patients, milder later values never worsen a response
# --------------------------------------------------------------------------

RANK = {"responder": 1, "NR": 0}
grade = st.sampled_from("AABBBCCCCDDDE")
score = st.one_of(st.none(), st.integers(0, 40))
pga = st.one_of(st.none(), st.sampled_from([0.0, 0.3, 0.5, 1.0, 1.3, 1.5, 2.0, 2.3, 2.6, 3.0]))


@st.composite
def cohorts(draw):
    patients = {}
    for i in range(draw(st.integers(1, 6))):
        months = [m for m in (0, 6, 12) if draw(st.booleans()) or m == 12]
        patients[f"p{i}"] = {m: (draw(st.lists(grade, min_size=8, max_size=8)), draw(score),
                                 draw(pga), draw(st.sampled_from(["no", "no", "yes", ""])))
                             for m in months}
    return patients


def to_rows(patients):
    rows = []
    for pid, by_month in patients.items():
        for month, (grades, total, value, failure) in by_month.items():
            rows += [dict(patient_id=pid, month=month, system=s, grade=g, sledai=total,
                          pga=value, treatment_failure=failure)
                     for s, g in zip(SYSTEMS, grades, strict=True)]
    return rows


MILDER = {"A": "B", "B": "C", "C": "D", "D": "D", "E": "E"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts(), st.sampled_from(["sri4", "sri6", "bicla"]), st.data())
def test_implementations_agree_and_milder_month_12_never_worsens(patients, name, data):
    before = classify(to_rows(patients), name)
    milder = {}
    for pid, by_month in patients.items():
        grades, total, value, failure = by_month[12]
        system = data.draw(st.integers(0, 7))
        grades = [MILDER[g] if i == system else g for i, g in enumerate(grades)]
        total = None if total is None else max(total - data.draw(st.integers(0, 3)), 0)
        value = None if value is None else max(round(value - 0.5, 1), 0.0)
        milder[pid] = {**by_month, 12: (grades, total, value, failure)}
    after = classify(to_rows(milder), name)
    for pid in patients:
        assert RANK[after.loc[pid, "response"]] >= RANK[before.loc[pid, "response"]], pid


def test_vectorised_arrays_match_reference_rule_on_one_patient():
    """composite.vectorised_rule and composite.reference_rule, called directly."""
    base = dict.fromkeys(SYSTEMS, "D") | {"renal": "A"}
    end = dict.fromkeys(SYSTEMS, "D") | {"renal": "B", "general": "B"}
    activity = {0: (14.0, 2.0, 0.0), 12: (10.0, 1.7, 0.0)}
    code, month, details = composite.reference_rule("sri4", {0: base, 12: end}, SYSTEMS,
                                                    activity)
    act = {"A": 3, "B": 2, "C": 1, "D": 0, "E": 0}
    codes, deciding, table = composite.vectorised_rule(
        "sri4", np.array([[act[base[s]] for s in SYSTEMS]]),
        np.array([[act[end[s]] for s in SYSTEMS]]), np.array([True]), np.array([True]),
        np.array([14.0]), np.array([10.0]), np.array([2.0]), np.array([1.7]),
        np.array([np.nan]), np.array([0.0]), SYSTEMS)
    assert (code, month) == (codes[0], deciding[0]) == ("s_responder", 12)
    assert composite.reason_texts("sri4", codes, table)[0] == composite.reason_text(
        "sri4", code, details)


@pytest.mark.parametrize("definition", ["sri4", "bicla"])
@pytest.mark.parametrize("method", ["vectorised", "reference"])
def test_patient_whose_only_visit_is_unused_is_kept_under_composites(definition, method):
    # p2's only visit, at month 2, lies halfway between months 1 and 3, so the windows use
    # none of it: the patient must still be listed (as NR with a note), never dropped.
    rows = []
    for pid, months in (("p1", (0, 12)), ("p2", (2.0,))):
        for month in months:
            for system in system_names("classic"):
                grade = "A" if (system == "renal" and month == 0) else "C"
                rows.append((pid, month, system, grade, 12 if month == 0 else 4, 1.0))
    visits = pd.DataFrame(rows, columns=["patient_id", "month", "system", "grade",
                                         "sledai", "pga"])
    out = classify_response(visits, definition, method=method).set_index("patient_id")
    assert list(out.index) == ["p1", "p2"]
    assert out.loc["p2", "response"] == "NR"
    assert "month 2" in out.loc["p2", "note"] and "not used" in out.loc["p2", "note"]
