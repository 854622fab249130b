"""Tests of the BILAG data contract (lupus_teach.visits).

The deliberately broken files live in tests/broken_csv/; expected.json says,
for each file, every problem its message must contain (written by hand from
the file's contents).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from lupus_teach.errors import DataValidationError, LupusTeachError
from lupus_teach.visits import REQUIRED_COLUMNS, check_visits, read_visits, summarise, to_wide

BROKEN = Path(__file__).parent / "broken_csv"
EXPECTED: dict[str, dict] = {
    name: entry
    for name, entry in json.loads((BROKEN / "expected.json").read_text("utf-8")).items()
    if not name.startswith("_")
}

CLASSIC = ["general", "mucocutaneous", "neurological", "musculoskeletal",
           "cardiorespiratory", "vasculitis", "renal", "haematological"]
NAMES_2004 = ["constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
              "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal", "haematological"]
HEADER = "patient_id,month,system,grade\n"


def rows(patient: str, month: object, grades: str = "CBEAEDCC", systems=CLASSIC) -> str:
    """CSV lines of one visit, one per system."""
    return "".join(f"{patient},{month},{s},{g}\n" for s, g in zip(systems, grades, strict=True))


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def match_problems(message: str, expected: list[list[str]], file_name: str) -> None:
    """Each expected problem matches its own line of the message, and nothing else is there."""
    lines = [line.strip()[2:] for line in message.splitlines() if line.strip().startswith("- ")]
    assert len(lines) == len(expected), message
    unmatched = list(lines)
    for fragments in expected:
        hits = [line for line in unmatched if all(f in line for f in fragments)]
        assert hits, f"no problem line contains all of {fragments}:\n{message}"
        unmatched.remove(hits[0])
    for line in lines:
        assert line.startswith(file_name), line


# --------------------------------------------------------------------------
# The broken files
# --------------------------------------------------------------------------


def test_every_broken_file_has_an_expectation():
    files = {p.name for p in BROKEN.glob("*.csv")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_lists_every_problem(name):
    path = BROKEN / name
    with pytest.raises(DataValidationError) as info:
        read_visits(path)
    error = info.value
    assert isinstance(error, ValueError) and isinstance(error, LupusTeachError)
    message = str(error)
    assert message.startswith(f"{path}: found {len(EXPECTED[name]['problems'])} problem")
    assert "nothing was changed or dropped" in message
    match_problems(message, EXPECTED[name]["problems"], str(path))
    assert all(p.source == str(path) for p in error.problems)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_check_visits_returns_the_same_problems_without_raising(name):
    table, problems = check_visits(BROKEN / name)
    assert table is None
    assert len(problems) == len(EXPECTED[name]["problems"])


def test_problems_carry_row_column_and_value():
    _, problems = check_visits(BROKEN / "unknown_system.csv")
    kidney = [p for p in problems if p.value == "kidney"]
    assert len(kidney) == 1
    assert kidney[0].row == 8 and kidney[0].column == "system"


def test_problems_come_in_row_order_table_level_first():
    _, problems = check_visits(BROKEN / "many_problems.csv")
    numbers = [p.row for p in problems]
    assert numbers == sorted(numbers)
    _, problems = check_visits(BROKEN / "mixed_versions.csv")
    assert problems[0].row is None  # the mix concerns the whole table


def test_lower_case_and_spaced_grades_are_accepted():
    # bad_grade.csv has 'a' (row 2), ' b ' (row 3) and 'c' (row 9): none is reported.
    _, problems = check_visits(BROKEN / "bad_grade.csv")
    assert {p.row for p in problems} == {4, 5, 6, 7}


def test_good_grades_forgiven_and_normalised(tmp_path):
    path = write(tmp_path, "ok.csv", HEADER + rows("p1", 0, "a b c d eABC".replace(" ", "")[:8]))
    table = read_visits(path)
    assert list(table["grade"]) == list("ABCDEABC")
    spaced = write(tmp_path, "spaced.csv", HEADER + "".join(
        f" p1 , 0 , {s.upper()} , {g} \n" for s, g in zip(CLASSIC, "abcdeabc", strict=True)))
    table = read_visits(spaced)
    assert list(table["grade"]) == list("ABCDEABC")
    assert list(table["system"]) == CLASSIC
    assert set(table["patient_id"]) == {"p1"}


def test_missing_column_without_a_close_name(tmp_path):
    path = write(tmp_path, "x.csv", "patient_id,month,system,xyz\n" + rows("p1", 0))
    _, problems = check_visits(path)
    assert len(problems) == 1
    assert problems[0].column == "grade" and "Did you mean" not in problems[0].message


def test_header_only_with_a_missing_column_reports_both(tmp_path):
    path = write(tmp_path, "h.csv", "patient,month,system,grade\n")
    _, problems = check_visits(path)
    text = "\n".join(map(str, problems))
    assert "no data rows" in text
    assert "column 'patient_id'" in text and "Did you mean 'patient'?" in text


def test_whitespace_only_file_is_empty(tmp_path):
    _, problems = check_visits(write(tmp_path, "blank.csv", "\n\n  \n"))
    assert len(problems) == 1 and "empty" in problems[0].message


def test_missing_file_and_folder(tmp_path):
    _, problems = check_visits(tmp_path / "nope.csv")
    assert "no such file" in problems[0].message
    _, problems = check_visits(tmp_path)
    assert "folder" in problems[0].message


def test_mixed_versions_with_index_given_reports_the_other_version(tmp_path):
    path = write(tmp_path, "m.csv", HEADER + rows("p1", 0) + rows("p2", 0, "E" * 9, NAMES_2004))
    _, problems = check_visits(path, index="classic")
    text = "\n".join(map(str, problems))
    assert "mixes" not in text  # the version was given, so nothing is guessed
    for name in ("constitutional", "neuropsychiatric", "gastrointestinal", "ophthalmic"):
        assert f"value '{name}'" in text
    assert "other BILAG version" in text


def test_unclosed_quote_is_a_problem_not_a_crash(tmp_path):
    path = write(tmp_path, "q.csv", HEADER + 'p1,0,"renal' + "x" * 140_000 + ",C\n")
    _, problems = check_visits(path)
    assert len(problems) == 1
    assert problems[0].row == 2 and "quote" in problems[0].message


@pytest.mark.parametrize(
    ("month", "fragment"),
    [("inf", "not a number"), ("-inf", "not a number"), ("nan", "not a number"),
     ("", "month is empty"), ("99999999999999999999999", "too large")],
)
def test_months_that_are_not_usable(tmp_path, month, fragment):
    text = HEADER + rows("p1", 0).replace("p1,0,general", f"p1,{month},general")
    _, problems = check_visits(write(tmp_path, "m.csv", text))
    month_problems = [p for p in problems if p.column == "month"]
    assert len(month_problems) == 1, problems  # one problem per bad cell, not two
    assert fragment in month_problems[0].message and month_problems[0].row == 2


def test_fractional_and_float_months_are_numbers(tmp_path):
    text = HEADER + rows("p1", "0.0") + rows("p1", 1.5)
    table = read_visits(write(tmp_path, "m.csv", text))
    assert sorted(table["month"].unique()) == [0.0, 1.5]


# --------------------------------------------------------------------------
# Good data
# --------------------------------------------------------------------------


def test_utf8_bom_file_is_good_data(tmp_path):
    # Spreadsheet programs write 'CSV UTF-8' with a byte-order mark.
    text = HEADER + rows("p1", 0) + rows("p1", 6)
    path = write(tmp_path, "bom.csv", b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    table = read_visits(path)
    assert list(table.columns[:4]) == list(REQUIRED_COLUMNS)
    assert len(table) == 16
    assert summarise(table) == "1 patient, 2 visits, months seen: 0, 6 (classic BILAG)"


def test_bom_in_a_text_stream_is_good_data():
    table = read_visits(io.StringIO("\ufeff" + HEADER + rows("p1", 0)))
    assert len(table) == 8 and table.attrs["bilag_index"] == "classic"


def test_binary_stream_is_read_like_a_file():
    table = read_visits(io.BytesIO(("\ufeff" + HEADER + rows("p1", 0)).encode("utf-8")))
    assert len(table) == 8


def test_no_row_is_dropped_and_extra_columns_are_kept(tmp_path):
    lines = [HEADER.strip() + ",note"]
    expected = []
    for patient in ("p1", "p2"):
        for month in (0, 3, 6):
            for system, grade in zip(CLASSIC, "CBEAEDCC", strict=True):
                note = f"{patient}-{month}-{system}"
                lines.append(f"{patient},{month},{system},{grade.lower()},{note}")
                expected.append((patient, month, system, grade, note))
    lines.insert(5, "")  # a blank line is not a data row
    path = write(tmp_path, "all.csv", "\n".join(lines) + "\n")
    data_rows = [line for line in path.read_text().splitlines()[1:] if line.strip()]
    table = read_visits(path)
    assert len(table) == len(data_rows) == 48
    assert list(table.columns) == [*REQUIRED_COLUMNS, "note"]
    got = list(table[["patient_id", "month", "system", "grade", "note"]].itertuples(
        index=False, name=None))
    assert got == expected  # same rows, same order
    assert table["month"].dtype.kind == "i"
    assert table.attrs == {"bilag_index": "classic", "source": str(path)}


def test_2004_file_is_inferred(tmp_path):
    path = write(tmp_path, "n.csv", HEADER + rows("p1", 0, "EEEBCEECE", NAMES_2004).replace(
        "haematological", "hematological"))
    table = read_visits(path)
    assert table.attrs["bilag_index"] == "2004"
    assert "haematological" in set(table["system"])
    assert summarise(table).endswith("(BILAG-2004)")


def test_index_can_be_forced(tmp_path):
    path = write(tmp_path, "c.csv", HEADER + rows("p1", 0))
    with pytest.raises(DataValidationError) as info:
        read_visits(path, index="2004")
    assert "missing: constitutional" in str(info.value)


def test_to_wide_and_summary(tmp_path):
    text = HEADER + rows("p2", 6, "AAAAAAAA") + rows("p1", 0) + rows("p2", 0)
    table = read_visits(write(tmp_path, "w.csv", text))
    wide = to_wide(table)
    assert list(wide.columns) == CLASSIC
    assert list(wide.index) == [("p1", 0), ("p2", 0), ("p2", 6)]
    assert wide.loc[("p1", 0), "renal"] == "C"  # the 7th grade of "CBEAEDCC"
    assert summarise(table) == "2 patients, 3 visits, months seen: 0, 6 (classic BILAG)"


# --------------------------------------------------------------------------
# DataFrame input
# --------------------------------------------------------------------------


def frame(grades: str = "CBEAEDCC", **columns) -> pd.DataFrame:
    data = {"patient_id": ["p1"] * 8, "month": [0] * 8, "system": CLASSIC,
            "grade": list(grades)}
    data.update(columns)
    return pd.DataFrame(data)


def test_good_dataframe():
    df = frame("cbeaedcc", visit_note=list("abcdefgh"))
    table = read_visits(df)
    assert len(table) == 8 and list(table["grade"]) == list("CBEAEDCC")
    assert "visit_note" in table.columns
    assert list(df["grade"]) == list("cbeaedcc")  # the caller's frame is not changed


def test_dataframe_rows_are_index_labels():
    df = frame("CBFAEDCC")
    df.index = [f"visit-{i}" for i in range(8)]
    df.loc["visit-6", "month"] = -3
    with pytest.raises(DataValidationError) as info:
        read_visits(df, name="my table")
    problems = info.value.problems
    assert {(p.row, p.column) for p in problems} >= {("visit-2", "grade"), ("visit-6", "month")}
    assert all(p.source == "my table" for p in problems)
    assert "my table, row visit-2, column 'grade', value 'F'" in str(info.value)
    # problems follow the table's order, not the alphabet of the labels
    df.index = [f"r{9 - i}" for i in range(8)]
    _, problems = check_visits(df)
    labelled = [p.row for p in problems if p.row is not None]
    assert labelled == sorted(labelled, key=lambda r: list(df.index).index(r))


def test_dataframe_missing_values_are_problems():
    df = frame()
    df["month"] = pd.array([0] * 7 + [None], dtype="Int64")
    df.loc[0, "grade"] = None
    _, problems = check_visits(df)
    assert {(p.row, p.column) for p in problems} >= {(7, "month"), (0, "grade")}


def test_dataframe_without_rows_or_columns():
    _, problems = check_visits(pd.DataFrame(columns=list(REQUIRED_COLUMNS)))
    assert [p.message for p in problems] == ["the table has no rows."]
    _, problems = check_visits(pd.DataFrame({"x": [1]}))
    assert sorted(p.column for p in problems) == sorted(REQUIRED_COLUMNS)
    assert all(p.row is None for p in problems)


def test_dataframe_with_the_same_column_twice():
    df = frame()
    df["Grade"] = "A"
    _, problems = check_visits(df)
    assert len(problems) == 1 and "appears 2 times" in problems[0].message
