"""Grading a class offline: ``lupus-teach exercises grade`` and :mod:`lupus_teach.grading`.

One set (02) is released once for the module; submissions are made from its
student version with :func:`lupus_teach.grading.synthetic_submission` (the
master's solutions, wrong answers of the same kind, or the ``...`` left in).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest

from lupus_teach.cli import main
from lupus_teach.exercises import Feedback, feedback, masters, release
from lupus_teach.grading import (
    find_submissions,
    grade_notebook,
    load_autograder,
    synthetic_submission,
)

pytestmark = [pytest.mark.notebooks, pytest.mark.xdist_group("grade")]

MASTER = masters()[0]
QUESTIONS = ["q1", "q2", "q3", "q4", "q5", "q6"]


@pytest.fixture(scope="module")
def student(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The released student notebook and autograder zip of set 02."""
    out = tmp_path_factory.mktemp("release")
    folder = release(out, [MASTER], run_tests=False, ship_package=False)[0]
    return (folder / "student" / MASTER.name,
            next((folder / "autograder").glob("*-autograder_*.zip")))


@pytest.mark.slow
def test_grade_a_folder_writes_one_row_per_submission_with_the_right_totals(
    student: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notebook, archive = student
    folder = tmp_path / "submissions"
    folder.mkdir()
    half = {q: ("right" if q in ("q1", "q3", "q5") else "wrong") for q in QUESTIONS}
    nbformat.write(synthetic_submission(MASTER, notebook, {}), folder / "blank.ipynb")
    nbformat.write(synthetic_submission(MASTER, notebook, half), folder / "half.ipynb")
    nbformat.write(synthetic_submission(MASTER, notebook, dict.fromkeys(QUESTIONS, "right")),
                   folder / "right.ipynb")
    (folder / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    out = tmp_path / "grades.csv"

    assert main(["exercises", "grade", str(folder), "-o", str(out), "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "graded 3 of 4 submissions" in err and "1 could not be graded" in err, err

    grades = pd.read_csv(out, keep_default_na=False).set_index("submission")
    assert list(grades.columns) == [*QUESTIONS, "total", "possible", "note"]
    points = load_autograder(archive, tmp_path).points
    possible = sum(points.values())
    assert sorted(grades.index) == ["blank.ipynb", "broken.ipynb", "half.ipynb", "right.ipynb"]
    assert (grades["possible"] == possible).all()
    assert grades.loc["blank.ipynb", "total"] == 0
    assert grades.loc["half.ipynb", "total"] == points["q1"] + points["q3"] + points["q5"]
    assert grades.loc["right.ipynb", "total"] == possible
    assert [float(grades.loc["half.ipynb", q]) for q in QUESTIONS] == [
        points[q] if half[q] == "right" else 0 for q in QUESTIONS]
    assert grades.loc["broken.ipynb", "total"] == 0
    assert "not a readable notebook" in grades.loc["broken.ipynb", "note"]
    assert all(grades.loc["broken.ipynb", q] == "" for q in QUESTIONS)
    assert (grades.drop(index="broken.ipynb")["note"] == "").all()

    summary = (tmp_path / "grades-summary.html").read_text("utf-8")
    assert "<svg" in summary and "Distribution of total points" in summary
    assert "Mean points per question" in summary and "not a readable notebook" in summary
    assert "<script" not in summary and "http" not in summary.split("<svg")[0]

    # nothing is overwritten without --force
    assert main(["exercises", "grade", str(folder), "-o", str(out), "--no-progress"]) == 1
    assert "--force" in capsys.readouterr().err


@pytest.mark.slow
def test_endless_loop_and_import_error_get_a_note(student: tuple[Path, Path],
                                                  tmp_path: Path) -> None:
    notebook, archive = student
    autograder = load_autograder(archive, tmp_path)
    right = dict.fromkeys(QUESTIONS, "right")

    looping = synthetic_submission(MASTER, notebook, right)
    first_code = next(c for c in looping.cells if c.cell_type == "code")
    first_code.source = "import time\nwhile True:\n    time.sleep(0.5)\n" + first_code.source
    nbformat.write(looping, tmp_path / "loop.ipynb")
    row = grade_notebook(tmp_path / "loop.ipynb", autograder, time_limit=15)
    assert row.scores is None and row.total == 0, row
    assert "did not finish within 15 s" in row.note

    failing = synthetic_submission(MASTER, notebook, right)
    setup = next(c for c in failing.cells if "VISIT = {" in c.source)
    setup.source = "import lupus_teach.no_such_module\n" + setup.source
    nbformat.write(failing, tmp_path / "import.ipynb")
    row = grade_notebook(tmp_path / "import.ipynb", autograder, time_limit=120)
    assert "raised ModuleNotFoundError" in row.note, row.note
    assert row.scores is not None and row.total < row.possible  # VISIT is never defined


def test_find_submissions_reads_folders_and_refuses_missing_paths(tmp_path: Path) -> None:
    from lupus_teach.grading import GradingError

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.ipynb").write_text("{}")
    (tmp_path / "a" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "a" / ".ipynb_checkpoints" / "x-checkpoint.ipynb").write_text("{}")
    (tmp_path / "a" / "notes.txt").write_text("")
    (tmp_path / "y.zip").write_bytes(b"")
    found = find_submissions([tmp_path / "a", tmp_path / "y.zip"])
    assert [p.name for p in found] == ["x.ipynb", "y.zip"]
    with pytest.raises(GradingError, match=r"no such file or folder: .*nope"):
        find_submissions([tmp_path / "nope"])


def test_feedback_from_an_ok_format_check_shows_only_the_message() -> None:
    """A set written in Otter's OK (doctest) format gets the same short feedback."""
    import warnings

    with warnings.catch_warnings():  # traitlets' deprecation warnings, raised inside Otter
        warnings.simplefilter("ignore", DeprecationWarning)
        from otter.test_files.ok_test import OKTestFile

    spec = {"name": "q9", "points": 1, "suites": [{"type": "doctest", "cases": [{
        "code": ">>> from lupus_teach.exercises import check_choice\n"
                ">>> check_choice(answer, 'C', {'A': 'A is about E.', 'B': 'B is grade B.'})\n",
        "hidden": False, "failure_message": "Read the grades table."}]}]}
    for answer, status in (("A", "wrong"), (..., "unanswered"), ("C", "right")):
        test = OKTestFile.from_spec(spec)
        env = {"answer": answer}
        test.run(env)
        shown = feedback(test, env)
        assert shown.status == status, (answer, shown)
        if status == "wrong":
            assert str(shown) == "q9: not right yet\n  A is not right: A is about E.\n" \
                                 "  Hint: Read the grades table."
    test = OKTestFile.from_spec(spec)
    test.run({})
    assert feedback(test, {}) == Feedback("q9", "unanswered",
                                          "run the cell that defines `answer` first")
