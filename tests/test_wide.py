"""Wide BILAG tables (one row per visit, one column per organ system)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lupus_teach.cli import main
from lupus_teach.errors import DataValidationError
from lupus_teach.visits import check_visits, from_wide, read_visits, summarise, to_wide

CLASSIC = ["general", "mucocutaneous", "neurological", "musculoskeletal",
           "cardiorespiratory", "vasculitis", "renal", "haematological"]
NAMES_2004 = ["constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
              "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal", "haematological"]
VISITS = [("p1", 0, "ABCDEEDC"), ("p1", 6, "CCDDEEDD"), ("p2", 0, "BBBBEEEE"),
          ("p2", 12, "DDDDEEEE")]


def long_text() -> str:
    return "patient_id,month,system,grade\n" + "".join(
        f"{p},{m},{s},{g}\n" for p, m, grades in VISITS
        for s, g in zip(CLASSIC, grades, strict=True))


def wide_text(names=None) -> str:
    header = ",".join(["Patient_ID", "month", *(names or [s.title() for s in CLASSIC])])
    return header + "\n" + "".join(
        f"{p},{m},{','.join(grades.lower())}\n" for p, m, grades in VISITS)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_wide_file_reads_as_the_same_long_table(tmp_path):
    wide = read_visits(write(tmp_path, "wide.csv", wide_text()))
    long = read_visits(write(tmp_path, "long.csv", long_text()))
    pd.testing.assert_frame_equal(wide, long)
    assert wide.attrs["layout"] == "wide" and "layout" not in long.attrs
    assert summarise(wide) == (summarise(long) + "; read as a wide table: "
                               "one column per organ system")


def test_a_wide_dataframe_and_hematological_spelling(tmp_path):
    names = [s.upper() if s != "haematological" else "hematological" for s in CLASSIC]
    frame = pd.read_csv(write(tmp_path, "w.csv", wide_text(names)), dtype=str)
    table = read_visits(frame)
    assert list(table["system"].astype(str)[:8]) == CLASSIC
    assert list(table["grade"].astype(str)[:8]) == list("ABCDEEDC")


def test_a_bilag_2004_wide_table(tmp_path):
    text = "patient_id,month," + ",".join(NAMES_2004) + "\np1,0," + ",".join("EEEBCEECE") + "\n"
    table = read_visits(write(tmp_path, "w.csv", text))
    assert table.attrs["bilag_index"] == "2004" and len(table) == 9


def test_round_trip_long_wide_long(tmp_path):
    long = read_visits(write(tmp_path, "long.csv", long_text()))
    wide = to_wide(long)
    assert list(wide.columns) == CLASSIC
    back = read_visits(from_wide(wide))
    pd.testing.assert_frame_equal(back, long)  # the long file is already in wide order
    again = to_wide(back)
    pd.testing.assert_frame_equal(again, wide)


def test_messages_name_the_wide_files_row_and_column(tmp_path):
    text = wide_text().replace("p2,12,d,", "p2,12,x,")  # row 5, column General
    path = write(tmp_path, "w.csv", text)
    with pytest.raises(DataValidationError) as info:
        read_visits(path)
    assert str(info.value).splitlines()[1] == (
        f"  - {path}, row 5, column 'General', value 'x': not a BILAG grade; use one of A, "
        "B, C, D, E (A severe, B moderate, C mild, D inactive now, E never involved).")
    assert check_visits(path, parser="careful")[1] == check_visits(path)[1]


def test_a_repeated_wide_row_is_one_duplicate(tmp_path):
    text = wide_text() + "p1,6,c,c,d,d,e,e,d,d\n"
    _, problems = check_visits(write(tmp_path, "w.csv", text))
    assert [(p.row, p.kind) for p in problems] == [(6, "duplicate")]
    assert "patient p1 already has a visit at month 6 (row 3)" in problems[0].message


def test_a_wide_table_is_never_told_only_that_a_column_is_missing(tmp_path):
    text = wide_text().replace("Patient_ID", "patient")
    _, problems = check_visits(write(tmp_path, "w.csv", text))
    assert len(problems) == 1
    assert "required column is missing" in problems[0].message
    assert "read as a wide table" in problems[0].message
    assert "Did you mean 'patient'?" in problems[0].message


def test_wide_columns_that_are_synonyms_or_missing(tmp_path):
    names = [("kidney" if s == "renal" else s) for s in CLASSIC]
    _, problems = check_visits(write(tmp_path, "w.csv", wide_text(names)))
    text = [str(p) for p in problems]
    assert any("column 'kidney'" in t and "did you mean 'renal'?" in t for t in text)
    assert any("no column for renal" in t for t in text)


def test_validate_says_the_table_was_read_as_wide(tmp_path, capsys):
    assert main(["validate", str(write(tmp_path, "w.csv", wide_text()))]) == 0
    assert "read as a wide table: one column per organ system" in capsys.readouterr().out


def test_the_output_of_to_wide_is_read_directly(tmp_path):
    long = read_visits(write(tmp_path, "long.csv", long_text()))
    table = read_visits(to_wide(long))
    assert table.attrs["layout"] == "wide"
    pd.testing.assert_frame_equal(table[["patient_id", "month", "system", "grade"]], long)
    broken = to_wide(long)
    broken.loc[("p2", 12), "renal"] = "Q"
    _, problems = check_visits(broken)
    assert [(p.row, p.column, p.value) for p in problems] == [(("p2", 12), "renal", "Q")]
