"""Deaths and withdrawals (lupus_teach.events) and the non-responder imputation rule.

Expected values are worked out by hand from the rule stated in
lupus_teach.events.EVENT_CHOICE: a patient who dies or withdraws before the
definition's last scheduled visit (month 12), without being assessed there
first, is NR, and the reason says so.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lupus_teach.bilag import system_names
from lupus_teach.cli import main
from lupus_teach.data import headline_figures, load_cohort
from lupus_teach.errors import DataValidationError
from lupus_teach.events import EVENT_CHOICE, EventKind, read_events
from lupus_teach.response import classify_response

SYSTEMS = system_names("classic")
METHODS = ["vectorised", "reference"]


def long(pid: str, visits: dict[float, dict[str, str]]) -> pd.DataFrame:
    rows = [(pid, m, s, (dict.fromkeys(SYSTEMS, "D") | g)[s])
            for m, g in visits.items() for s in SYSTEMS]
    return pd.DataFrame(rows, columns=["patient_id", "month", "system", "grade"])


# Nephritis A at baseline, quiet (C) from month 1: MCR at month 6 under wang2014.
QUIET = {0: {"renal": "A"}, 1: {"renal": "C"}, 3: {"renal": "C"}, 6: {"renal": "C"}}
MCR_6 = ("MCR: BILAG C or better in every system at month 6, and no new A score at months 1 "
         "to 6")


def events(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["patient_id", "event", "month"])


@pytest.mark.parametrize("method", METHODS)
def test_death_before_last_visit_is_nr_with_reason(method: str) -> None:
    visits = pd.concat([long("dies", QUIET), long("lives", QUIET | {9: {}, 12: {}})])
    alone = classify_response(visits, method=method).set_index("patient_id")
    assert alone.loc["dies", "response"] == "MCR"  # the visits alone
    out = classify_response(visits, method=method,
                            events=events(("dies", "death", 8))).set_index("patient_id")
    assert out.loc["dies", "response"] == "NR"
    assert out.loc["dies", "reason"] == (
        "NR: died at month 8, before the month-12 assessment (non-responder imputation); by "
        "the visits alone: MCR at month 6")
    assert out.loc["dies", "deciding_month"] == 12
    assert pd.isna(out.loc["dies", "observed_month"])
    assert out.loc["lives", "response"] == "MCR"
    assert out.loc["lives", "reason"].startswith("MCR")
    assert EVENT_CHOICE.test == "test_death_before_last_visit_is_nr_with_reason"
    for name in ("explorer", "bicla"):
        other = classify_response(visits, name, method=method,
                                  events=events(("dies", "death", 8)))
        assert other.loc[0, "response"] == "NR"
        assert other.loc[0, "reason"].startswith("NR: died at month 8, before the month-12 "
                                                 "assessment")


@pytest.mark.parametrize("method", METHODS)
def test_withdrawal_gives_nr_and_later_relapse_keeps_its_meaning(method: str) -> None:
    # w: withdraws at month 4.5 after a PCR-looking month 3;
    # r: MCR at 6, renal A again at 9 (relapse), alive: MCR with relapse 9;
    # d: the same as r, dies at month 10: NR, no relapse_month, reason names both.
    relapsing = QUIET | {9: {"renal": "A"}, 12: {"renal": "C"}}
    visits = pd.concat([long("w", {0: {"renal": "A"}, 1: {"renal": "B"}, 3: {"renal": "C"}}),
                        long("r", relapsing),
                        long("d", {m: g for m, g in relapsing.items() if m <= 9})])
    table = events(("w", "Withdrawn", 4.5), ("d", "died", 10))
    out = classify_response(visits, method=method, events=table).set_index("patient_id")
    assert out.loc["w", "reason"].startswith(
        "NR: withdrew at month 4.5, before the month-12 assessment (non-responder imputation)")
    assert (out.loc["r", "response"], out.loc["r", "relapse_month"]) == ("MCR", 9)
    assert out.loc["r", "reason"] == MCR_6
    assert out.loc["d", "response"] == "NR" and pd.isna(out.loc["d", "relapse_month"])
    assert out.loc["d", "reason"].endswith("by the visits alone: MCR at month 6, relapse at "
                                           "month 9")


@pytest.mark.parametrize("method", METHODS)
def test_event_after_last_assessment_changes_nothing(method: str) -> None:
    visits = long("p", QUIET | {9: {}, 12: {}})
    out = classify_response(visits, method=method, events=events(("p", "death", 12.5)))
    assert (out.loc[0, "response"], out.loc[0, "reason"]) == ("MCR", MCR_6)
    assert out.loc[0, "note"] == ("died at month 12.5, after the month-12 assessment: the "
                                  "response stands")


def test_visit_after_death_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    visits = long("p7", QUIET | {9: {}})
    path = tmp_path / "events.csv"
    path.write_text("patient_id,event,month\np7,death,8\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as caught:
        classify_response(visits, events=path)
    text = str(caught.value)
    assert f"{path}, row 2, column 'month', value 8.0: patient p7 died at month 8 but has a " \
           "visit at month 9" in text
    visits_file = tmp_path / "visits.csv"
    visits.to_csv(visits_file, index=False)
    out = tmp_path / "out.csv"
    assert main(["classify", str(visits_file), "--events", str(path), "-o", str(out)]) == 1
    assert "a visit after death cannot be" in capsys.readouterr().err
    assert not out.exists()


def test_events_file_problems_are_listed_at_once(tmp_path: Path) -> None:
    path = tmp_path / "ev.csv"
    path.write_text("patient_id,event,month\n"
                    "p1,death,8\n"
                    ",death,3\n"
                    "p2,moved,4\n"
                    "p3,withdrawal,soon\n"
                    "p4,death,-1\n"
                    "p1,death,9\n"
                    "zz,death,5\n", encoding="utf-8")
    visits = pd.concat([long(p, {0: {"renal": "A"}}) for p in ("p1", "p2", "p3", "p4")])
    with pytest.raises(DataValidationError) as caught:
        read_events(path, visits=visits)
    where = [(p.row, p.column, p.value) for p in caught.value.problems]
    assert (3, "patient_id", "") in where
    assert (4, "event", "moved") in where
    assert (5, "month", "soon") in where
    assert (6, "month", "-1") in where
    assert (7, "patient_id", "p1") in where  # a second death
    assert (8, "patient_id", "zz") in where  # no visits for this patient
    assert len(where) == 6
    missing = tmp_path / "bad.csv"
    missing.write_text("patient_id,event\np1,death\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="'month' column"):
        read_events(missing)


def test_event_dates_become_months_from_the_baseline_date() -> None:
    visits = pd.DataFrame({"patient_id": ["a", "a", "b"],
                           "visit_date": ["2023-01-10", "2023-07-10", "2023-03-01"]})
    table = pd.DataFrame({"patient_id": ["a", "b"], "event": ["death", "withdrawal"],
                          "date": ["2023-09-09", "2023-02-01"]})
    with pytest.raises(DataValidationError, match="before patient b's baseline"):
        read_events(table, visits=visits)
    got = read_events(table.iloc[:1], visits=visits)
    assert got["month"].round(4).tolist() == [round(242 / 30.4375, 4)]
    assert got["event"].tolist() == [EventKind.DEATH]
    with pytest.raises(DataValidationError, match="needs the visits' dates"):
        read_events(table.iloc[:1])


def test_shipped_cohort_deaths_are_non_responders_by_the_rule() -> None:
    deaths = load_cohort("events")
    assert sorted(deaths["day"].tolist()) == [7, 192, 256]
    assert set(deaths["event"]) == {"death"}
    visits = load_cohort("visits")
    out = classify_response(visits, events=deaths).set_index("patient_id")
    for row in deaths.itertuples():
        assert out.loc[row.patient_id, "response"] == "NR"
        assert out.loc[row.patient_id, "reason"].startswith(
            f"NR: died at month {row.month:g}, before the month-12 assessment")
    figures = headline_figures(visits, load_cohort("patients"), load_cohort("markers"),
                               deaths)
    assert (figures["mcr"], figures["pcr"], figures["relapse_9"], figures["relapse_12"]) == (
        13, 11, 3, 4)


def test_classify_events_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    visits_file = tmp_path / "v.csv"
    long("dies", QUIET).to_csv(visits_file, index=False)
    ev = tmp_path / "ev.csv"
    ev.write_text("patient_id,event,month\ndies,death,8\n", encoding="utf-8")
    assert main(["classify", str(visits_file), "--events", str(ev)]) == 0
    assert "NR: died at month 8, before the month-12 assessment" in capsys.readouterr().out
    # an output over the events file is refused
    assert main(["classify", str(visits_file), "--events", str(ev), "-o", str(ev),
                 "--force"]) == 1
    assert ev.read_text(encoding="utf-8") == "patient_id,event,month\ndies,death,8\n"


def test_report_lists_unused_visits_and_events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    from lupus_teach import report

    visits = pd.concat([long("dies", QUIET | {2: {}, 15: {}}),
                        long("lives", QUIET | {9: {}, 12: {}, 12.4: {}})])
    path = tmp_path / "v.csv"
    visits.to_csv(path, index=False)
    ev = tmp_path / "ev.csv"
    ev.write_text("patient_id,event,month\ndies,death,8\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="visit at month 15"):
        report.ReportData.load(str(path), events=str(ev))
    ev.write_text("patient_id,event,month\ndies,death,15.5\nlives,withdrawal,4\n",
                  encoding="utf-8")
    data = report.ReportData.load(str(path), events=str(ev), rendered_at="x")
    notes = data.notes_html()
    assert "3 visits were not used" in notes
    assert "dies: visits at months 2, 15 were not used" in notes
    assert "month 12.4 in the month-12 window with a nearer visit at month 12" in notes
    assert "1 death, 1 withdrawal" in notes and "1 patients are non-responders" in notes
    # large-cohort mode: the per-patient table is capped, with a note saying so
    monkeypatch.setattr(report, "MAX_PATIENT_ROWS", 1)
    html = data.responses_html()
    assert "the table below shows the first 1 of 2 patients" in html
    assert html.count("<td>lives</td>") == 0 and html.count("<td>dies</td>") == 1


def test_report_command_events_and_windows(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    visits_file = tmp_path / "v.csv"
    pd.concat([long("dies", QUIET), long("lives", QUIET | {9: {}, 12.6: {}, 14: {}})]
              ).to_csv(visits_file, index=False)
    ev = tmp_path / "ev.csv"
    ev.write_text("patient_id,event,month\ndies,death,8\n", encoding="utf-8")
    out = tmp_path / "r.html"
    assert main(["report", str(visits_file), "-o", str(out), "--events", str(ev),
                 "--window", "12=10.5-14.5"]) == 0
    err = capsys.readouterr().err
    assert "10 visits matched to windows (1 off their scheduled month); 1 visit was not used" \
           " (a nearer visit fills its window): see the note column" in err
    page = out.read_text(encoding="utf-8")
    assert "NR: died at month 8, before the month-12 assessment" in page
    assert "month 14 in the month-12 window with a nearer visit at month 12.6" in page
