"""Visit windows (lupus_teach.windows) and how classify_response uses them.

Expected values are worked out by hand from the windows stated in the module
docstring: month 0: -0.5 to 0.5, 1: 0.5 to 2, 3: 2 to 4.5, 6: 4.5 to 7.5,
9: 7.5 to 10.5, 12: 10.5 to 13.5; a visit exactly halfway between two grid
months is not used; of two visits in one window the nearer is used.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from lupus_teach.bilag import system_names
from lupus_teach.cli import main
from lupus_teach.data import load_cohort
from lupus_teach.response import DEFINITIONS, classify_response
from lupus_teach.visits import read_visits
from lupus_teach.windows import (
    DEFAULT_GRID,
    WINDOW_CHOICE,
    VisitWindows,
    WindowSpecError,
    assign_windows,
)

SYSTEMS = system_names("classic")
COLUMNS = ["patient_id", "month", "system", "grade"]
METHODS = ["vectorised", "reference"]
DECISION = ["patient_id", "response", "deciding_month", "reason", "relapse_month"]


def long(pid: str, visits: dict[float, dict[str, str]]) -> pd.DataFrame:
    """One patient; each visit lists only the systems that are not D."""
    rows = [(pid, m, s, (dict.fromkeys(SYSTEMS, "D") | g)[s])
            for m, g in visits.items() for s in SYSTEMS]
    return pd.DataFrame(rows, columns=COLUMNS)


def test_default_windows_match_nearest_and_leave_ties_unused() -> None:
    assert DEFAULT_GRID == (0, 1, 3, 6, 9, 12)
    table = VisitWindows().table()
    assert list(zip(table["start"], table["end"], strict=True)) == [
        (-0.5, 0.5), (0.5, 2.0), (2.0, 4.5), (4.5, 7.5), (7.5, 10.5), (10.5, 13.5)]
    # 0.4 -> 0; 1.9 -> 1; 2 is halfway between 1 and 3 (unused); 4.4 -> 3;
    # 5.8 and 6.3 both in the month-6 window, 6.3 is nearer... no: |5.8-6| = 0.2 <
    # |6.3-6| = 0.3, so 5.8 is used; 10.5 is halfway between 9 and 12 (unused);
    # 13.4 -> 12; 14 is outside every window.
    visits = long("p", {m: {} for m in (0.4, 1.9, 2, 4.4, 5.8, 6.3, 10.5, 13.4, 14)})
    matched = assign_windows(visits)
    pairs = matched.visits.drop_duplicates("observed_month")[["observed_month", "month"]]
    assert pairs.values.tolist() == [[0.4, 0], [1.9, 1], [4.4, 3], [5.8, 6], [13.4, 12]]
    unused = matched.unused.set_index("observed_month")
    assert unused["kind"].to_dict() == {2.0: "tie", 6.3: "nearer", 10.5: "tie", 14.0: "outside"}
    assert unused.loc[2.0, "why"] == "halfway between months 1 and 3"
    assert unused.loc[6.3, "why"] == "in the month-6 window with a nearer visit at month 5.8"
    assert (unused["rows"] == len(SYSTEMS)).all()
    assert WINDOW_CHOICE.test == "test_default_windows_match_nearest_and_leave_ties_unused"
    assert "halfway" in WINDOW_CHOICE.choice


def test_two_visits_as_near_use_the_earlier() -> None:
    matched = assign_windows(long("p", {0: {}, 5.5: {"renal": "B"}, 6.5: {"renal": "A"}}))
    assert matched.visits["observed_month"].unique().tolist() == [0.0, 5.5]
    assert matched.unused["observed_month"].tolist() == [6.5]


def test_windows_are_set_on_the_grid_not_on_the_definition() -> None:
    # BICLA reads months 0 and 12 only. p_late's visit at 7.4 is in the month-6
    # window, so it is never its month-12 visit: no month-12 visit, NR. p_ok's
    # 11.6 is in the month-12 window: renal A at baseline is C there: responder.
    late = long("p_late", {0: {"renal": "A"}, 7.4: {"renal": "C"}})
    ok = long("p_ok", {0: {"renal": "A"}, 11.6: {"renal": "C"}})
    for method in METHODS:
        out = classify_response(pd.concat([late, ok]), "bicla", method=method)
        by = out.set_index("patient_id")
        assert by.loc["p_late", "response"] == "NR"
        assert by.loc["p_late", "reason"].endswith("no visit at month 12")
        assert "7.4" in by.loc["p_late", "note"]
        assert by.loc["p_ok", "response"] == "responder"
        assert (by.loc["p_ok", "deciding_month"], by.loc["p_ok", "observed_month"]) == (12, 11.6)


def _jittered(visits: pd.DataFrame) -> pd.DataFrame:
    """Move every visit after baseline off its month, well inside its window."""
    odd = {0: 0.0, 1: 0.3, 3: -0.7, 6: -1.1, 9: -1.2, 12: 0.9}
    even = {0: 0.0, 1: -0.3, 3: 0.7, 6: -0.4, 9: 1.2, 12: -0.9}  # never after a death
    out = visits.copy()
    is_odd = out["patient_id"].map(lambda p: int(p[1:]) % 2 == 1).to_numpy()
    out["month"] = out["month"] + out["month"].map(odd).where(is_odd, out["month"].map(even))
    return out


def _dated(visits: pd.DataFrame) -> pd.DataFrame:
    """The jittered visits as ISO visit dates from a baseline of 2023-01-09."""
    out = _jittered(visits)
    base = dt.date(2023, 1, 9)
    days = (out["month"] * 30.4375).round().astype(int)
    out["visit_date"] = [(base + dt.timedelta(days=int(d))).isoformat() for d in days]
    return out.drop(columns="month")


def test_same_categories_from_exact_jittered_dated_and_wide(tmp_path: Path) -> None:
    exact = load_cohort("visits")
    events = load_cohort("events")
    frame = exact[COLUMNS].astype({"system": str, "grade": str})
    _jittered(frame).to_csv(tmp_path / "jittered.csv", index=False)
    _dated(frame).to_csv(tmp_path / "dated.csv", index=False)
    wide = frame.pivot(index=["patient_id", "month"], columns="system", values="grade")
    wide = wide.reset_index()
    wide["visit_date"] = _dated(frame).drop_duplicates(["patient_id", "visit_date"])[
        "visit_date"].to_numpy()
    wide.drop(columns="month").to_csv(tmp_path / "wide.csv", index=False)
    tables = {name: read_visits(tmp_path / f"{name}.csv")
              for name in ("jittered", "dated", "wide")}
    assert set(tables["jittered"]["month"].round(1)) == {0, 1.3, 0.7, 2.3, 3.7, 4.9, 5.6,
                                                        7.8, 10.2, 12.9, 11.1}
    for name in DEFINITIONS:
        want = classify_response(frame, name, events=events)
        assert (want["observed_month"].dropna() == want["deciding_month"][
            want["observed_month"].notna()]).all()
        for label, table in tables.items():
            got = classify_response(table, name, events=events)
            assert_frame_equal(got[DECISION], want[DECISION], obj=f"{name}, {label}")
            assert got.attrs["unused_visits"] == 0, label


def test_unused_visits_are_listed_in_note_and_console(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    # p1: visits at 0, 1, 2 (halfway: unused), 3, 6.2, 5.6 (6.2 is nearer... no:
    # |5.6-6| = 0.4 > |6.2-6| = 0.2, so 5.6 is unused), 9, 12 and 15 (outside).
    p1 = long("p1", {0: {"renal": "A"}, 1: {}, 2: {"neurological": "A"}, 3: {}, 6.2: {},
                     5.6: {"renal": "A"}, 9: {}, 12: {}, 15: {"renal": "A"}})
    p2 = long("p2", {0: {"renal": "A"}, 1: {}, 3: {}, 6: {}, 9: {}, 12: {}})
    cohort = pd.concat([p1, p2], ignore_index=True)
    for method in METHODS:
        out = classify_response(cohort, "wang2014", method=method).set_index("patient_id")
        # the unused A grades are not read: a response
        assert out.loc["p1", "response"] == "MCR"
        assert out.loc["p1", "observed_month"] == 6.2
        assert out.loc["p1", "note"] == (
            "visits at months 2, 5.6, 15 were not used (wang2014 reads months 0, 1, 3, 6, 9, "
            "12): month 2 halfway between months 1 and 3, month 5.6 in the month-6 window "
            "with a nearer visit at month 6.2, month 15 outside every visit window")
        assert out.loc["p2", "note"] == ""
    summary = classify_response(cohort).attrs["windows_summary"]
    assert summary == ("12 visits matched to windows (1 off their scheduled month); 3 visits "
                       "were not used (1 outside every window, 1 halfway between two grid "
                       "months, 1 a nearer visit fills its window): see the note column")
    path = tmp_path / "c.csv"
    cohort.to_csv(path, index=False)
    assert main(["classify", str(path)]) == 0
    captured = capsys.readouterr()
    assert summary in captured.err.splitlines()
    assert "month 5.6 in the month-6 window" in captured.out
    exact = tmp_path / "exact.csv"
    p2.to_csv(exact, index=False)
    assert main(["classify", str(exact)]) == 0
    assert "6 visits matched to windows; every visit was used" in capsys.readouterr().err


def test_only_outside_visits_give_the_short_summary() -> None:
    table = long("a", {0: {}, 15: {}, 16: {}})
    assert assign_windows(table).summary() == (
        "1 visit matched to windows; 2 visits outside every window were not used: see the "
        "note column")


def test_window_option_and_python_windows(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    # renal A at baseline, C at 13.8 (outside the default month-12 window):
    # BICLA NR by default, responder with --window 12=10.5-14.
    patient = long("p", {0: {"renal": "A"}, 13.8: {"renal": "C"}})
    assert classify_response(patient, "bicla").loc[0, "response"] == "NR"
    wider = VisitWindows(limits={12: (10.5, 14)})
    assert classify_response(patient, "bicla", windows=wider).loc[0, "response"] == "responder"
    assert classify_response(patient, "bicla", windows=2).loc[0, "response"] == "responder"
    path = tmp_path / "p.csv"
    patient.to_csv(path, index=False)
    assert main(["classify", str(path), "--definition", "bicla",
                 "--window", "12=10.5-14"]) == 0
    assert ",responder," in capsys.readouterr().out
    assert main(["classify", str(path), "--window", "12=soon"]) == 1
    assert "--window '12=soon' is not understood" in capsys.readouterr().err
    assert main(["classify", str(path), "--window", "grid=3,6"]) == 1
    assert "must include month 0" in capsys.readouterr().err


def test_window_specs() -> None:
    assert VisitWindows.parse(["grid=0,6,12"]).grid == (0, 6, 12)
    assert VisitWindows.parse("1.5").window(1) == (-0.5, 2.5)
    assert VisitWindows.parse("exact").window(9) == (9.0, 9.0)
    with pytest.raises(WindowSpecError, match="not on the visit grid"):
        VisitWindows(limits={7: (6, 8)})
    with pytest.raises(WindowSpecError, match="does not contain its month"):
        VisitWindows(limits={12: (13, 14)})
    with pytest.raises(WindowSpecError, match="0 or more"):
        VisitWindows(half_width=-1)


def test_exact_window_leaves_off_grid_visits_unused() -> None:
    patient = long("p", {0: {"renal": "A"}, 1: {}, 3: {}, 5.9: {}, 9: {}, 12: {}})
    default = classify_response(patient).iloc[0]
    exact = classify_response(patient, windows="exact").iloc[0]
    assert (default["response"], default["observed_month"]) == ("MCR", 5.9)
    # without the month-6 visit the route left is PCR at month 3 (C or better there)
    assert (exact["response"], exact["deciding_month"]) == ("PCR", 3)
    assert exact["note"].startswith("missing visits: 6")


def _lcg_cohort(n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A deterministic jittered cohort with a few deaths and withdrawals."""
    state = 2024
    rows, events = [], []

    def draw(k: int) -> int:
        nonlocal state
        state = (1103515245 * state + 12345) % 2**31
        return (state >> 16) % k

    for p in range(n):
        pid = f"q{p}"
        for month in DEFAULT_GRID:
            if draw(10) < 2 and month:
                continue
            observed = month + (draw(21) - 10) / 10 * (0.4 if month <= 1 else 1.4)
            observed = max(observed, 0.0)
            rows += [(pid, round(observed, 2), s, "AABBCCDDDE"[draw(10)]) for s in SYSTEMS]
        if draw(8) == 0:
            kind = "death" if draw(2) else "withdrawal"
            last = max(m for q, m, _, _ in rows if q == pid)
            events.append((pid, kind, round(last + draw(30) / 10, 2)))
    return (pd.DataFrame(rows, columns=COLUMNS),
            pd.DataFrame(events, columns=["patient_id", "event", "month"]))


@pytest.mark.parametrize("definition", sorted(DEFINITIONS))
def test_vectorised_and_reference_agree_with_windows_and_events(definition: str) -> None:
    visits, events = _lcg_cohort(200)
    table = read_visits(visits)
    vec = classify_response(table, definition, validate=False, events=events)
    ref = classify_response(table, definition, validate=False, events=events,
                            method="reference")
    assert_frame_equal(vec, ref)
    assert vec.attrs["unused_visits"] > 0
    assert vec["reason"].str.contains("non-responder imputation").sum() > 5


@st.composite
def jittered_cohorts(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    """1-8 patients, visits near (or off) the grid months, some deaths and withdrawals."""
    rows, events = [], []
    for p in range(draw(st.integers(1, 8))):
        months = {max(0.0, m + draw(st.sampled_from([0, 0, 0.3, -0.4, 1.1, -1.6, 2.5])))
                  for m in DEFAULT_GRID if draw(st.integers(0, 4))}
        months |= set(draw(st.lists(st.sampled_from([2.0, 4.5, 6.2, 15.0]), max_size=2)))
        for month in sorted(months) or [0.0]:
            grades = draw(st.lists(st.sampled_from("AABBCCDDE"), min_size=8, max_size=8))
            rows += [(f"h{p}", month, s, g) for s, g in zip(SYSTEMS, grades, strict=True)]
        if draw(st.integers(0, 3)) == 0:
            last = max(m for q, m, _, _ in rows if q == f"h{p}")
            events.append((f"h{p}", draw(st.sampled_from(["death", "withdrawal"])),
                           last + draw(st.sampled_from([0, 0.5, 3.0]))))
    return (pd.DataFrame(rows, columns=COLUMNS),
            pd.DataFrame(events, columns=["patient_id", "event", "month"]))


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(jittered_cohorts())
def test_agreement_property_with_windows_and_events(
        cohort: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    visits, events = cohort
    table = read_visits(visits)
    for name in DEFINITIONS:
        vec = classify_response(table, name, validate=False, events=events)
        ref = classify_response(table, name, validate=False, events=events, method="reference")
        assert_frame_equal(vec, ref)
        assert vec["patient_id"].tolist() == list(dict.fromkeys(visits["patient_id"]))
