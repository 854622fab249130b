"""Reading real-world BILAG files: the fast parser, bounded problem lists, friendlier messages.

The fast path (pandas' C parser) and the careful path (the csv module) must
give the same problems; big bad files give a short message that still counts
every problem.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import lupus_teach.visits as visits_module
from lupus_teach.cli import main
from lupus_teach.errors import DataValidationError
from lupus_teach.visits import check_visits, read_visits, summarise

BROKEN = Path(__file__).parent / "broken_csv"
NAMES = sorted(n for n in json.loads((BROKEN / "expected.json").read_text("utf-8"))
               if not n.startswith("_"))
CLASSIC = ["general", "mucocutaneous", "neurological", "musculoskeletal",
           "cardiorespiratory", "vasculitis", "renal", "haematological"]
NAMES_2004 = ["constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
              "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal", "haematological"]
HEADER = "patient_id,month,system,grade\n"


def rows(patient: str, month: object, grades: str = "CBEAEDCC", systems=CLASSIC) -> str:
    return "".join(f"{patient},{month},{s},{g}\n" for s, g in zip(systems, grades, strict=True))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def problem_lines(source, **kwargs) -> list[str]:
    table, problems = check_visits(source, **kwargs)
    assert table is None
    return [str(p) for p in problems]


# --------------------------------------------------------------------------
# fast and careful parsers
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_fast_and_careful_parsers_give_the_same_problems(name):
    fast = problem_lines(BROKEN / name, parser="fast")
    careful = problem_lines(BROKEN / name, parser="careful")
    assert fast == careful and fast


def test_fast_parser_reads_a_clean_file_without_the_csv_module(tmp_path, monkeypatch):
    # blank lines, a byte-order mark, CRLF line ends, a quoted note with a comma and a
    # doubled quote: all within the C parser's reach, so the careful path is never used.
    def refuse(*args, **kwargs):
        raise AssertionError("the careful path was used")

    monkeypatch.setattr(visits_module, "_parse_careful", refuse)
    text = HEADER.strip() + ",note\n" + "".join(
        line[:-1] + f',"note {i}, ""quoted"""\n' for i, line in
        enumerate((rows("p1", 0) + rows("p1", 6)).splitlines(keepends=True)))
    text = text.replace("p1,6,general", "\np1,6,general")  # a blank line in the middle
    path = tmp_path / "clean.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    table = read_visits(path)
    assert len(table) == 16
    assert table["note"].iloc[0] == 'note 0, "quoted"'
    with pytest.raises(DataValidationError) as info:
        read_visits(io.StringIO(text.replace("p1,6,renal,C", "p1,6,renal,Z")), name="t.csv")
    # the blank line is row 11; the bad grade of the second visit is on data row 16 + 1
    assert "t.csv, row 17, column 'grade', value 'Z'" in str(info.value)


def test_a_short_row_is_reported_with_its_row_number(tmp_path):
    text = HEADER + rows("p1", 0) + "p1,6,general\n" + rows("p1", 6)[len("p1,6,general,C\n"):]
    path = write(tmp_path, "short.csv", text)
    fast = problem_lines(path)
    assert fast == problem_lines(path, parser="careful")
    assert any("row 10" in line and "3 values but the header has 4" in line for line in fast)


def test_an_unknown_parser_is_refused(tmp_path):
    with pytest.raises(ValueError, match="parser"):
        check_visits(write(tmp_path, "x.csv", HEADER + rows("p1", 0)), parser="quick")


# --------------------------------------------------------------------------
# bounded problem lists
# --------------------------------------------------------------------------


def test_a_large_bad_file_gives_a_short_message_that_counts_everything(tmp_path):
    n_rows = 50_000  # every month written "M6"
    body = "".join(f"P{i // 48:05d},M6,{CLASSIC[i % 8]},C\n" for i in range(n_rows))
    path = write(tmp_path, "m6.csv", HEADER + body)
    with pytest.raises(DataValidationError) as info:
        read_visits(path)
    error = info.value
    lines = str(error).splitlines()
    assert len(lines) < 200
    assert error.total == n_rows
    assert lines[0] == f"{path}: found {n_rows:,} problems; nothing was changed or dropped."
    assert len(error.problems) == 20
    assert [p.row for p in error.problems] == list(range(2, 22))
    assert f"{n_rows - 20:,} more rows with a month that is not a number" in lines[-1]
    _, problems = check_visits(path)
    assert problems.total == n_rows and len(problems) == 20


def test_many_kinds_of_problem_are_each_bounded(tmp_path):
    body = "".join(rows(f"P{i}", 0, "FFFFFFFF") for i in range(30))  # 240 bad grades
    body += "".join(f"Q{i},0,kidney,C\n" for i in range(25))
    _, problems = check_visits(write(tmp_path, "k.csv", HEADER + body))
    kinds = [p.kind for p in problems]
    assert kinds.count("grade_invalid") == 20 and kinds.count("system_unknown") == 20
    counted = {c.kind: c.count for c in problems.omitted}
    assert counted["grade_invalid"] == 220 and counted["system_unknown"] == 5
    # a row with an unknown system belongs to no visit: no incomplete visits on top
    assert problems.total == 240 + 25


# --------------------------------------------------------------------------
# friendlier messages
# --------------------------------------------------------------------------


def test_a_header_on_line_3_is_found_and_reported(tmp_path):
    text = "BILAG export, clinic 4\n\n" + HEADER + rows("p1", 0) + rows("p1", "x")
    problems = problem_lines(write(tmp_path, "t.csv", text))
    assert "row 1" in problems[0] and "header" in problems[0] and "is on row 3" in problems[0]
    assert "value 'BILAG export, clinic 4'" in problems[0]
    # the other problems are still found, on the file's own rows
    assert any("row 12, column 'month', value 'x'" in p for p in problems[1:])
    assert not any("required column is missing" in p for p in problems)
    assert problems == problem_lines(write(tmp_path, "t.csv", text), parser="careful")


def test_excel_sep_line_is_skipped_silently(tmp_path):
    path = tmp_path / "sep.csv"
    path.write_bytes(b"\xef\xbb\xbfsep=,\r\n" + (HEADER + rows("p1", 0)).encode())
    table = read_visits(path)
    assert len(table) == 8 and list(table.columns) == list(visits_module.REQUIRED_COLUMNS)
    # rows are numbered as Excel shows them: the sep line is hidden, the header is row 1
    bad = write(tmp_path, "sep2.csv", "sep=,\n" + HEADER + rows("p1", 0, "ZBEAEDCC"))
    assert problem_lines(bad)[0].startswith(f"{bad}, row 2, column 'grade', value 'Z'")


def test_ids_that_differ_only_by_case_or_spaces_are_reported(tmp_path):
    text = HEADER + rows("P01", 0) + rows("p01", 6) + rows(" P01", 12) + rows("P02", 0)
    for parser in ("fast", "careful"):
        problems = problem_lines(write(tmp_path, "ids.csv", text), parser=parser)
        assert len(problems) == 2, problems
        assert "row 10, column 'patient_id', value 'p01'" in problems[0]
        assert "differs from 'P01' (row 2)" in problems[0]
        assert "row 18, column 'patient_id', value ' P01'" in problems[1]


def test_spaces_written_the_same_way_everywhere_are_forgiven(tmp_path):
    table = read_visits(write(tmp_path, "s.csv", HEADER + rows(" p1 ", 0) + rows(" p1 ", 6)))
    assert set(table["patient_id"]) == {"p1"}


@pytest.mark.parametrize(
    ("written", "systems", "suggestion"),
    [("CNS", CLASSIC, "neurological"), ("neuro", CLASSIC, "neurological"),
     ("CNS", NAMES_2004, "neuropsychiatric"), ("neurological", NAMES_2004, "neuropsychiatric"),
     ("skin", CLASSIC, "mucocutaneous"), ("kidney", NAMES_2004, "renal"),
     ("haematology", CLASSIC, "haematological"), ("Hematology", CLASSIC, "haematological"),
     ("blood", NAMES_2004, "haematological"),
     ("cardiovascular/respiratory", CLASSIC, "cardiorespiratory"),
     ("cardiovascular", CLASSIC, "cardiorespiratory"),
     ("respiratory", NAMES_2004, "cardiorespiratory"),
     ("constitutional", CLASSIC, "general")],
)
def test_system_synonyms_get_did_you_mean(tmp_path, written, systems, suggestion):
    replaced = systems[systems.index(suggestion)]
    text = HEADER + rows("p1", 0, "C" * len(systems), systems).replace(
        f",{replaced},", f",{written},")
    index = "classic" if systems is CLASSIC else "2004"
    _, problems = check_visits(write(tmp_path, "syn.csv", text), index=index)
    unknown = [p for p in problems if p.value == written]
    assert len(unknown) == 1, [str(p) for p in problems]
    assert f"Did you mean '{suggestion}'?" in unknown[0].message
    assert any(p.kind == "visit_incomplete" for p in problems)  # never silently accepted


def test_the_accepted_alias_is_still_accepted(tmp_path):
    text = HEADER + rows("p1", 0).replace("haematological", "Hematological")
    assert read_visits(write(tmp_path, "h.csv", text))["system"].iloc[-1] == "haematological"


def test_validate_prints_one_short_message_for_a_bad_file(tmp_path, capsys):
    body = "".join(rows(f"P{i}", "M6") for i in range(100))
    assert main(["validate", str(write(tmp_path, "bad.csv", HEADER + body))]) == 1
    out = capsys.readouterr().out
    assert len(out.splitlines()) < 30 and "800 problems" in out


def test_many_distinct_months_are_summarised_briefly(tmp_path):
    jitter = [0, 1.03, 2.95, 6.08, 5.91, 9.2, 11.7, 12.1, 0.5, 3.3, 6.6, 8.8, 10.4]
    text = HEADER + "".join(rows(f"p{i}", m) for i, m in enumerate(jitter))
    table = read_visits(write(tmp_path, "j.csv", text))
    assert sorted(table["month"].unique()) == sorted(jitter)
    assert summarise(table) == ("13 patients, 13 visits, months seen: 13 different months "
                                "from 0 to 12.1 (classic BILAG)")
