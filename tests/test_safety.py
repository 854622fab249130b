"""No input crashes a command or reaches a terminal raw; identifiers are refused (issue 11).

Each test fails on the code before issue 11: control characters passed ``validate`` and then
aborted the report's SVG converter; messages printed patient ids raw; a closed pipe printed a
traceback; every problem was listed; only a few exact identifier column names were refused,
and only by ``report``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from lupus_teach import safety
from lupus_teach.bilag import system_names
from lupus_teach.cli import main
from lupus_teach.errors import (
    MAX_PROBLEMS_PER_KIND,
    DataValidationError,
    Problem,
    ProblemCount,
    inert,
)

FIXTURES = Path(__file__).parent / "report_fixtures"
SMALL = FIXTURES / "small_valid.csv"
COHORT = Path(__file__).parents[1] / "data" / "cohort" / "visits.csv"
HOSTILE = json.loads((FIXTURES / "hostile_strings.json").read_text(encoding="utf-8"))
CONTROL = HOSTILE["control_characters"]
#: Characters that must never be printed raw (newline is the only one allowed out).
RAW = re.compile(safety.CONTROL_CHARACTERS.replace("\x00-\x1f", "\x00-\x09\x0b-\x1f"))


def _escapes(text: str) -> list[str]:
    """How each bad character of ``text`` must be shown: ``\\x00`` or ``U+202E``."""
    return [f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"U+{ord(c):04X}"
            for c in re.findall(safety.CONTROL_CHARACTERS, text)]


def _small_with(tmp_path: Path, name: str = "visits.csv", **columns: object) -> Path:
    table = pd.read_csv(SMALL, dtype=str, keep_default_na=False)
    for column, value in columns.items():
        table[column] = value
    path = tmp_path / name
    table.to_csv(path, index=False)
    return path


def _with_patient_id(tmp_path: Path, new_id: str) -> Path:
    table = pd.read_csv(SMALL, dtype=str, keep_default_na=False)
    first = table["patient_id"].iloc[0]
    table.loc[table["patient_id"] == first, "patient_id"] = new_id
    path = tmp_path / "visits.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        table.to_csv(handle, index=False, lineterminator="\r\n")
    return path


# --------------------------------------------------------------------------
# control and invisible characters are bad input; output is inert
# --------------------------------------------------------------------------


@pytest.mark.parametrize("value", CONTROL, ids=[inert(v) for v in CONTROL])
def test_validate_rejects_control_characters_showing_them_escaped(
        value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _with_patient_id(tmp_path, value)
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "column 'patient_id'" in out and "row 2" in out, out
    for escape in _escapes(value):
        assert escape in out, (escape, out)
    assert not RAW.search(out), repr(out)


@pytest.mark.parametrize("value", CONTROL[:4], ids=[inert(v) for v in CONTROL[:4]])
def test_classify_and_report_reject_control_characters(
        value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _with_patient_id(tmp_path, value)
    assert main(["classify", str(path)]) == 1
    assert main(["report", str(path), "-o", str(tmp_path / "r.html")]) == 1
    captured = capsys.readouterr()
    assert not RAW.search(captured.out + captured.err)
    assert not (tmp_path / "r.html").exists()


def test_control_characters_in_a_column_name_are_reported(tmp_path: Path) -> None:
    frame = pd.DataFrame({"patient_id": ["p1"], "no\x1bte": ["x"]})
    problems = safety.control_character_problems(frame, "f.csv", [2])
    assert [(p.row, p.column, p.kind) for p in problems] == [(1, None, "control_character")]
    assert "\\x1b" in str(problems[0]) and "\x1b" not in str(problems[0])


def test_control_character_problems_are_bounded_and_counted() -> None:
    frame = pd.DataFrame({"patient_id": ["p\x00"] * 500, "notes": ["\u202e"] * 500})
    problems, counts = safety.control_character_check(frame, "f.csv", range(2, 502))
    assert len(problems) == MAX_PROBLEMS_PER_KIND
    assert [(c.kind, c.count) for c in counts] == [("control_character", 1000 - 20)]
    # in table order: row by row, column by column
    assert [(p.row, p.column) for p in problems[:3]] == [
        (2, "patient_id"), (2, "notes"), (3, "patient_id")]


def test_a_file_name_with_terminal_escapes_is_printed_inert(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = str(tmp_path / "x\x1b]0;retitled\x07\x1b[2J.csv")
    assert main(["validate", name]) == 1
    out = capsys.readouterr().out
    assert "\\x1b]0;retitled\\x07\\x1b[2J.csv" in out
    assert not RAW.search(out)


def test_messages_that_embed_data_are_inert() -> None:
    problem = Problem("f\x1b.csv", 3, "sys\x9btem", None,
                      "duplicate: patient p\x1b[2J already has a renal grade")
    text = str(DataValidationError([problem]))
    assert not RAW.search(text)
    assert "p\\x1b[2J" in text and "sys\\x9btem" in text and "f\\x1b.csv" in text


def test_clean_for_chart_leaves_only_printable_strings() -> None:
    spec = {"title": CONTROL, "data": {"values": [{k: k} for k in CONTROL]}}
    cleaned = safety.clean_for_chart(spec)
    strings = [*cleaned["title"], *(s for row in cleaned["data"]["values"]
                                    for kv in row.items() for s in kv)]
    assert len(strings) == 3 * len(CONTROL)
    assert all(s.isprintable() for s in strings)


def test_the_report_chart_path_survives_every_hostile_string() -> None:
    """Strings that reach the charts unvalidated are cleaned (vl-convert aborts otherwise).

    Runs in a child process: before the fix the converter killed the interpreter.
    """
    script = textwrap.dedent(f"""
        import json, sys
        from lupus_teach import report
        from lupus_teach.response import classify_response
        from lupus_teach.visits import read_visits
        hostile = json.loads(open({str(FIXTURES / "hostile_strings.json")!r},
                                  encoding="utf-8").read())
        # the last two are plain text, which Vega would read back as escapes
        strings = hostile["control_characters"] + hostile["patient_ids"] + [
            "p\\\\x00", "p\\\\u001b"]
        visits = read_visits({str(SMALL)!r})
        ids = list(dict.fromkeys(visits["patient_id"]))
        mapping = dict(zip(ids, strings))
        visits["patient_id"] = visits["patient_id"].map(lambda p: mapping.get(p, p))
        data = report.ReportData(
            visits=visits, responses=classify_response(visits, "wang2014", validate=False),
            definition="wang2014", title="".join(strings), input_name="\\x1bname",
            sha256="0" * 64, rendered_at="now", simulated=False,
            recognised={{"proteinuria": "proteinuria", "c3": "c3", "died": "died"}})
        import altair as alt
        from lupus_teach.errors import DataValidationError
        parts = []
        for section in (data.header_html, data.responses_html, data.proportions_html,
                        data.heatmaps_html, data.flares_html, data.markers_html,
                        data.footer_html):
            try:
                parts.append(section())
            except DataValidationError:  # a clean refusal is fine; a crash is not
                parts.append("")
        rows = [{{"id": s, "n": i}} for i, s in enumerate(strings)]
        chart = alt.Chart(alt.InlineData(values=rows)).mark_bar().encode(
            x=alt.X("id:N", title="".join(strings)), y=alt.Y("n:Q", title=strings[0]),
            color=alt.Color("id:N", legend=alt.Legend(title=strings[1])),
            tooltip=["id:N"],
        ).properties(title=strings[2], description="".join(strings))
        parts.append(report._svg(chart))
        html = "".join(parts)
        assert "U+202E" in parts[-1] and "U+0000" in parts[-1]
        assert "p\u29f5x00" in parts[-1]
        bad = [c for c in html if (ord(c) < 32 and c not in "\\n\\t\\r") or c in
               "\\x7f\\u202e\\u2066\\u2028"]
        print("OK", len(html), len(bad))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split()[0] == "OK" and done.stdout.split()[2] == "0", done.stdout


def test_report_survives_a_hostile_title_and_file_name(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "visits \x1b[31m\u202eevil.csv"
    source.write_bytes(SMALL.read_bytes())
    out = tmp_path / "report.html"
    title = "Report " + "".join(CONTROL)
    assert main(["report", str(source), "-o", str(out), "--title", title]) == 0, (
        capsys.readouterr().err)
    page = out.read_text(encoding="utf-8")
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]",
                         page)
    assert "\\x1b" in page and "U+202E" in page  # shown, not hidden
    assert not RAW.search(capsys.readouterr().err)


# --------------------------------------------------------------------------
# bounded output
# --------------------------------------------------------------------------


def _bad_months(path: Path, rows: int) -> Path:
    systems = system_names("classic")
    lines = ["patient_id,month,system,grade"]
    lines += [f"p{i // 8},M6,{systems[i % 8]},A" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_validate_lists_at_most_20_problems_of_a_kind_then_counts_the_rest(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _bad_months(tmp_path / "bad.csv", 4000)
    assert main(["validate", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("found 4,000 problems; nothing was changed or dropped.")
    listed = [line for line in lines if line.startswith("  - ")]
    assert len(listed) == 20
    assert "... and 3,980 more" in lines[-1]
    assert len(lines) == 22


def test_many_kinds_of_problem_stay_under_200_lines() -> None:
    problems = [Problem("f.csv", r, f"c{r % 150}", "x", f"problem kind {r % 150}.", f"k{r % 150}")
                for r in range(20_000)]
    text = str(DataValidationError(problems, omitted=[ProblemCount("k1", "more k1 rows", 10**6)]))
    lines = text.splitlines()
    assert len(lines) < 200
    assert lines[0] == "f.csv: found 1,020,000 problems; nothing was changed or dropped."
    counted = sum(int(m.replace(",", "")) for m in re.findall(r"\.\.\. and ([\d,]+) more",
                                                                    text))
    assert counted + sum(line.startswith("  - ") for line in lines) == 1_020_000


def test_problem_counts_without_listed_problems() -> None:
    counts = [ProblemCount("month_not_number", "rows with a month that is not a number",
                           7_775_981)]
    text = str(DataValidationError([], "big.csv", omitted=counts))
    assert text.splitlines() == [
        "big.csv: found 7,775,981 problems; nothing was changed or dropped.",
        "  ... and 7,775,981 more rows with a month that is not a number"]


def _lupus_teach() -> list[str]:
    script = Path(sys.executable).with_name("lupus-teach")
    return [str(script)] if script.exists() else [sys.executable, "-m", "lupus_teach"]


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """``lupus-teach classify big.csv | head -1``: exit 0 or 141, never a traceback."""
    systems = system_names("classic")
    lines = ["patient_id,month,system,grade"]
    lines += [f"patient-{p:05d},{m},{s},{'A' if m == 0 and s == 'renal' else 'C'}"
              for p in range(2500) for m in (0, 6) for s in systems]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with subprocess.Popen([*_lupus_teach(), "classify", str(path)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        assert child.stdout is not None and child.stderr is not None
        first = child.stdout.readline()
        child.stdout.close()  # the reader goes away, as `head -1` does
        err = child.stderr.read().decode()
        code = child.wait(timeout=300)
    assert first.startswith(b"patient_id,response")
    assert code in (0, 141), (code, err)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


# --------------------------------------------------------------------------
# identifiers, by column name and by value, in report and classify
# --------------------------------------------------------------------------

ISSUE_NAMES = ["Patient's name", "Contact email", "pt_name", "D.O.B", "Hosp No",
               "Telephone number", "Home address"]
MORE_NAMES = ["Surname", "forename", "DateOfBirth", "MRN", "hospital_number", "NHS No.",
              "CHI number", "SSN", "social-security number", "Passport", "National ID",
              "IC number", "E-Mail", "phone", "Mobile", "Post code", "ZIP"]


@pytest.mark.parametrize("column", ISSUE_NAMES + MORE_NAMES)
def test_identifier_column_names_are_found(column: str) -> None:
    assert safety.identifier_column_reason(column) is not None


@pytest.mark.parametrize("column", [
    "patient_id", "month", "system", "grade", "system_name", "drug_name", "proteinuria",
    "anti_dsdna", "steroid_dose", "died", "relapse", "ward", "site", "visit_date", "notes",
    "mobility_score", "dobutamine", "named_entity_count", "sledai", "pga"])
def test_ordinary_column_names_are_not_identifiers(column: str) -> None:
    assert safety.identifier_column_reason(column) is None


@pytest.mark.parametrize("command", ["classify", "report"])
@pytest.mark.parametrize("column", ISSUE_NAMES)
def test_classify_and_report_refuse_identifier_columns(
        command: str, column: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _small_with(tmp_path, **{column: "x"})
    out = tmp_path / "out"
    assert main([command, str(path), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"column '{column}': its name suggests it holds" in err
    assert "study code" in err and "--allow-identifiers" in err
    assert not out.exists()


VALUE_CASES = {
    "e-mail": ("contact", "jo.bloggs@example.org", "an e-mail address"),
    "NHS number": ("patient_id", "943 476 5919", "an NHS number"),
    "NHS number without spaces": ("ref", "9434765919", "an NHS number"),
    "phone": ("notes", "+44 7700 900123", "a phone number"),
    "UK phone": ("notes", "07700 900123", "a phone number"),
    "date of birth": ("notes", "14/03/1962", "a date of birth"),
    "ISO date of birth": ("extra", "1962-03-14", "a date of birth"),
}


@pytest.mark.parametrize("case", list(VALUE_CASES), ids=list(VALUE_CASES))
def test_identifier_values_are_refused(case: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    column, value, reason = VALUE_CASES[case]
    path = (_with_patient_id(tmp_path, value) if column == "patient_id"
            else _small_with(tmp_path, **{column: value}))
    assert main(["classify", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"column '{column}'" in err and reason in err, err
    assert value not in err  # the identifier itself is not printed back
    assert main(["classify", str(path), "--allow-identifiers"]) == 0


@pytest.mark.parametrize("value", ["9434765918", "P-0001", "12.5", "visit 3", "0.000123456789",
                                   "2 of 8", "1e10", "ward 7"])
def test_ordinary_values_are_not_identifiers(value: str) -> None:
    frame = pd.DataFrame({"patient_id": ["p1"], "ref": [value]})
    assert safety.find_identifiers(frame) == []


def test_dates_in_a_date_column_are_not_dates_of_birth() -> None:
    frame = pd.DataFrame({"patient_id": ["p1"], "visit_date": ["1999-05-01"],
                          "Date seen": ["01/05/1999"]})
    assert safety.find_identifiers(frame) == []
    assert [f.column for f in safety.find_identifiers(frame.rename(
        columns={"visit_date": "comment"}))] == ["comment"]


def test_nhs_check_digit() -> None:
    assert safety.nhs_number_is_valid("9434765919")
    assert not safety.nhs_number_is_valid("9434765918")
    assert not safety.nhs_number_is_valid("0000000001")


def test_the_shipped_cohort_is_not_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", str(COHORT)]) == 0
    assert safety.find_identifiers(pd.read_csv(COHORT, dtype=str)) == []


def test_report_allows_identifiers_when_asked(tmp_path: Path) -> None:
    from lupus_teach import report

    frame = pd.read_csv(SMALL, dtype=str, keep_default_na=False).assign(email="a@b.org")
    with pytest.raises(safety.IdentifierColumnsError) as raised:
        report.render(frame, tmp_path / "r.html")
    assert raised.value.columns == ("email",)
    assert not (tmp_path / "r.html").exists()
