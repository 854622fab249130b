"""Visit dates instead of months: months are days since baseline / 30.4375."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lupus_teach.visits import DAYS_PER_MONTH, check_visits, read_visits

CLASSIC = ["general", "mucocutaneous", "neurological", "musculoskeletal",
           "cardiorespiratory", "vasculitis", "renal", "haematological"]


def dated(visits, baseline: dict[str, str] | None = None) -> str:
    header = "patient_id,visit_date,system,grade" + (",baseline_date" if baseline else "")
    lines = [header]
    for patient, date in visits:
        for system in CLASSIC:
            extra = f",{baseline[patient]}" if baseline else ""
            lines.append(f"{patient},{date},{system},C{extra}")
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dates.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_visit_dates_give_months_since_the_first_visit(tmp_path):
    # p2's visits are not in date order in the file: its baseline is still its earliest date
    visits = [("p1", "2024-01-10"), ("p1", "2024-07-12"), ("p2", "2024-03-01"),
              ("p2", "2023-12-01"), ("p1", "2025-01-05")]
    table = read_visits(write(tmp_path, dated(visits)))
    months = table.groupby(["patient_id", "visit_date"], sort=False)["month"].first()
    assert months[("p1", "2024-01-10")] == 0.0
    assert months[("p1", "2024-07-12")] == pytest.approx(184 / 30.4375)  # 6.05
    assert months[("p1", "2025-01-05")] == pytest.approx(361 / DAYS_PER_MONTH)  # 11.86
    assert months[("p2", "2023-12-01")] == 0.0
    assert months[("p2", "2024-03-01")] == pytest.approx(91 / DAYS_PER_MONTH)
    assert table["month"].dtype == np.float64
    assert list(table.columns[:3]) == ["patient_id", "month", "visit_date"]  # date kept
    assert len(table) == 5 * 8


def test_a_baseline_date_column_sets_month_0(tmp_path):
    visits = [("p1", "2024-01-31"), ("p1", "2024-08-01")]
    table = read_visits(write(tmp_path, dated(visits, {"p1": "2024-01-01"})))
    assert sorted(table["month"].unique()) == pytest.approx([30 / 30.4375, 213 / 30.4375])


def test_bad_and_mixed_dates_are_reported_with_row_column_and_value(tmp_path):
    text = dated([("p1", "2024-01-10"), ("p1", "12/07/2024"), ("p2", "2024-02-30")])
    text = text.replace("p1,2024-01-10,renal", "p1,,renal")
    _, problems = check_visits(write(tmp_path, text))
    by_kind = {}
    for problem in problems:
        by_kind.setdefault(problem.kind, []).append(problem)
    assert [(p.row, p.value) for p in by_kind["visit_date_not_date"]][:2] == [
        (10, "12/07/2024"), (11, "12/07/2024")]
    assert len(by_kind["visit_date_not_date"]) == 16  # the 8 rows of each bad visit
    assert (by_kind["visit_date_empty"][0].row, by_kind["visit_date_empty"][0].column) == (
        8, "visit_date")
    assert "ISO" in by_kind["visit_date_not_date"][0].message


def test_a_visit_before_the_baseline_date_is_reported(tmp_path):
    text = dated([("p1", "2023-12-01")], {"p1": "2024-01-01"})
    _, problems = check_visits(write(tmp_path, text))
    assert {p.kind for p in problems} == {"visit_before_baseline"}
    assert problems[0].row == 2 and problems[0].value == "2023-12-01"


def test_dates_in_a_wide_table(tmp_path):
    text = ("patient_id,visit_date," + ",".join(CLASSIC) + "\n"
            "p1,2024-01-10," + ",".join("ABCDEEDC") + "\n"
            "p1,2024-04-10," + ",".join("CCDDEEDD") + "\n")
    table = read_visits(write(tmp_path, text))
    assert sorted(table["month"].unique()) == pytest.approx([0.0, 91 / 30.4375])
    assert table.attrs["layout"] == "wide"
    assert list(table["visit_date"].unique()) == ["2024-01-10", "2024-04-10"]


def test_dates_in_a_dataframe():
    frame = pd.DataFrame({"patient_id": ["p1"] * 16,
                          "visit_date": ["2024-01-01"] * 8 + ["2024-03-01"] * 8,
                          "system": CLASSIC * 2, "grade": ["D"] * 16})
    table = read_visits(frame)
    assert table["month"].iloc[-1] == pytest.approx(60 / 30.4375)
