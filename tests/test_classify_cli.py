"""Tests of ``lupus-teach classify`` (lupus_teach.cli.main and the real entry point)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from lupus_teach.bilag import system_names
from lupus_teach.cli import main

HEADER = "patient_id,response,deciding_month,observed_month,reason,relapse_month,note"
W_MCR = "MCR: BILAG C or better in every system at month 6, and no new A score at months 1 to 6"


def write_cohort(path: Path, patients: dict[str, dict[int, dict[str, str]]],
                 index: str = "classic") -> Path:
    """Write a long CSV; each visit lists only the systems that are not D."""
    systems = system_names(index)
    lines = ["patient_id,month,system,grade"]
    for pid, visits in patients.items():
        for month, changes in visits.items():
            grades = dict.fromkeys(systems, "D") | changes
            lines += [f"{pid},{month},{s},{grades[s]}" for s in systems]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# p1: nephritis A settles to C at month 1 and stays quiet, flares (A) at
#     month 9: MCR at 6 with relapse at 9.
# p2: nephritis still A at month 6: NR.
# p3: month-6 visit missed, kidney still B at month 3: NR, note lists month 6.
COHORT = {
    "p1": {0: {"renal": "A"}, 1: {"renal": "C"}, 3: {"renal": "C"}, 6: {"renal": "C"},
           9: {"renal": "A"}, 12: {"renal": "C"}},
    "p2": {0: {"renal": "A"}, 1: {"renal": "A"}, 3: {"renal": "A"}, 6: {"renal": "A"},
           9: {"renal": "A"}, 12: {"renal": "B"}},
    "p3": {0: {"renal": "A"}, 1: {"renal": "A"}, 3: {"renal": "B"}, 9: {}, 12: {}},
}
EXPECTED_WANG = [
    {"patient_id": "p1", "response": "MCR", "deciding_month": "6", "observed_month": "6.0",
     "reason": W_MCR,
     "relapse_month": "9", "note": ""},
    {"patient_id": "p2", "response": "NR", "deciding_month": "6", "observed_month": "6.0",
     "reason": "NR: BILAG A in renal at month 6; no A is allowed at month 6",
     "relapse_month": "", "note": ""},
    {"patient_id": "p3", "response": "NR", "deciding_month": "6", "observed_month": "",
     "reason": "NR: no visit at month 6, and a missing visit never counts as a response",
     "relapse_month": "", "note": "missing visits: 6"},
]


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def cohort_file(tmp_path: Path) -> Path:
    return write_cohort(tmp_path / "cohort.csv", COHORT)


def test_classify_writes_csv_to_stdout(cohort_file: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    assert main(["classify", str(cohort_file)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == HEADER
    assert parse(out) == EXPECTED_WANG


def test_classify_with_named_definition(cohort_file: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", str(cohort_file), "--definition", "explorer"]) == 0
    rows = parse(capsys.readouterr().out)
    # p1 under EXPLORER: renal is A again at month 9, so the month-6 response
    # is not maintained
    assert rows[0]["response"] == "NR"
    assert rows[0]["deciding_month"] == "9"
    assert rows[0]["reason"] == (
        "NR: BILAG A in renal at month 9, so the response was not maintained")
    assert [r["patient_id"] for r in rows] == ["p1", "p2", "p3"]

    assert main(["classify", str(cohort_file), "--definition", "bicla"]) == 0
    rows = parse(capsys.readouterr().out)
    # p1: renal A at baseline, C at 12: responder; p2: A to B, responder;
    # p3: no month-12 grade other than D: responder
    assert [r["response"] for r in rows] == ["responder", "responder", "responder"]
    assert all(r["deciding_month"] == "12" for r in rows)
    assert all(r["relapse_month"] == "" for r in rows)


def test_classify_output_file(cohort_file: Path, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.csv"
    assert main(["classify", str(cohort_file), "-o", str(target)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    text = target.read_text(encoding="utf-8")
    assert text.splitlines()[0] == HEADER
    assert parse(text) == EXPECTED_WANG
    assert "3 patients" in captured.err


def test_classify_bilag2004_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # eye disease A settles to C: MCR
    path = write_cohort(tmp_path / "b2004.csv", {
        "q1": {m: {"ophthalmic": "A" if m == 0 else "C"} for m in (0, 1, 3, 6, 9, 12)}},
        index="2004")
    assert main(["classify", str(path)]) == 0
    rows = parse(capsys.readouterr().out)
    assert [(r["patient_id"], r["response"], r["reason"]) for r in rows] == [
        ("q1", "MCR", W_MCR)]


def _problem_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_invalid_data_exits_1_with_validate_messages(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    path = write_cohort(tmp_path / "bad.csv", COHORT)
    text = path.read_text(encoding="utf-8").replace("p2,6,renal,A", "p2,6,renal,F")
    text = text.replace("p1,3,general,D", "p1,3,kidney,D")
    path.write_text(text, encoding="utf-8")
    target = tmp_path / "out.csv"

    assert main(["validate", str(path)]) == 1
    validate_out = capsys.readouterr().out
    assert main(["classify", str(path), "-o", str(target)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert not target.exists()
    messages = _problem_lines(captured.err)
    assert messages == _problem_lines(validate_out)
    joined = "\n".join(messages)
    assert "value 'F'" in joined and "not a BILAG grade" in joined
    assert "value 'kidney'" in joined

    assert main(["classify", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert _problem_lines(captured.err) == messages


def test_missing_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "nope.csv")
    assert main(["classify", missing]) == 1
    err = capsys.readouterr().err
    assert "no such file" in err


def test_bad_definition_exits_2(cohort_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", str(cohort_file), "--definition", "sri9"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "sri9" in captured.err
    for name in ("bicla", "explorer", "wang2014", "sri4", "bicla_full"):
        assert name in captured.err


def test_classify_without_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify"]) == 2
    assert capsys.readouterr().out == ""


def test_real_entry_point(cohort_file: Path, tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("lupus-teach")
    assert exe.exists(), f"entry point not installed next to {sys.executable}"
    done = subprocess.run([str(exe), "classify", str(cohort_file), "--definition", "wang2014"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == HEADER
    assert parse(done.stdout) == EXPECTED_WANG
    bad = subprocess.run([str(exe), "classify", str(cohort_file), "--definition", "nope"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode == 2


def test_unwritable_output_exits_1_saying_what_to_fix(cohort_file: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    # The CLI's documented exit codes: 1 for "invalid data or a failed step (the
    # message says what to fix)"; an output path in a folder that does not
    # exist is the user's to fix, not "a bug in lupus-teach" (exit 3).
    target = tmp_path / "no-such-folder" / "out.csv"
    code = main(["classify", str(cohort_file), "-o", str(target)])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "no-such-folder" in err
    assert "bug in lupus-teach" not in err


def test_index_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # renal, mucocutaneous, musculoskeletal, cardiorespiratory and
    # haematological exist in both versions; --index says which is meant.
    path = write_cohort(tmp_path / "b2004.csv", {
        "q1": {m: {"renal": "A" if m == 0 else "C"} for m in (0, 1, 3, 6, 9, 12)}},
        index="2004")
    assert main(["classify", str(path), "--index", "2004"]) == 0
    rows = parse(capsys.readouterr().out)
    assert [(r["response"], r["reason"]) for r in rows] == [("MCR", W_MCR)]
    assert main(["classify", str(path), "--index", "classic"]) == 1
    assert "other BILAG version" in capsys.readouterr().err


SHIPPED = Path(__file__).resolve().parents[1] / "lupus_teach" / "_data" / "cohort" / "visits.csv"


@pytest.mark.parametrize("definition", ["wang2014", "explorer", "bicla"])
def test_classify_shipped_cohort(definition: str, capsys: pytest.CaptureFixture[str]) -> None:
    # The simulated cohort shipped with the package: every patient gets one
    # row, in file order, with a category the definition can give.
    assert main(["classify", str(SHIPPED), "--definition", definition]) == 0
    rows = parse(capsys.readouterr().out)
    with SHIPPED.open(encoding="utf-8") as handle:
        ids = list(dict.fromkeys(r["patient_id"] for r in csv.DictReader(handle)))
    assert [r["patient_id"] for r in rows] == ids
    allowed = {"bicla": {"responder", "NR"}}.get(definition, {"MCR", "PCR", "NR"})
    assert {r["response"] for r in rows} <= allowed
    assert all(r["reason"].startswith(r["response"]) for r in rows)
