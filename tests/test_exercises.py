"""The exercise sets: balanced, fixed answers; hidden checks; short feedback; full marks.

* every master has 4-8 questions, no outputs, hidden checks, a check_all cell, and
  says that some checks run only at grading; across the sets no letter is the
  answer of more than 40% of the multiple-choice questions;
* every set released with Otter Assign has a student notebook with no solution
  text and no hidden check; executed unanswered, each check shows one quiet line;
  with a wrong answer to every question, one short block with a hint and no
  traceback, doctest transcript, file path or right answer; with the master's
  answers, graded with every check, full marks;
* the autograder zip installs lupus-teach; ``lupus-teach exercises release`` works;
* the check helpers give the documented messages on wrong answers.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from lupus_teach.bilag import system_names
from lupus_teach.cli import main
from lupus_teach.exercises import (
    WrongAnswer,
    check_choice,
    check_equal,
    check_flare,
    check_function,
    check_grade,
    check_interval,
    check_response,
    check_score,
    check_systems,
    masters,
    release,
    solution_code,
)

MASTERS = masters()
KERNEL_TIMEOUT = 120

pytestmark = pytest.mark.notebooks


def _solution_lines(master: Path) -> list[str]:
    """The solution code of a master: ``# SOLUTION`` lines and BEGIN/END SOLUTION blocks."""
    nb = nbformat.read(master, as_version=4)
    lines: list[str] = []
    inside_block = False
    for cell in nb.cells:
        if cell.cell_type == "raw":
            text = cell.source.strip()
            if text.startswith("# BEGIN SOLUTION"):
                inside_block = True
            elif text.startswith("# END SOLUTION"):
                inside_block = False
            continue
        if cell.cell_type != "code" or not inside_block:
            continue
        in_code_block = False
        for line in cell.source.splitlines():
            stripped = line.strip()
            if stripped.startswith("# BEGIN SOLUTION"):
                in_code_block = True
            elif stripped.startswith("# END SOLUTION"):
                in_code_block = False
            elif stripped.endswith("# SOLUTION"):
                lines.append(stripped.removesuffix("# SOLUTION").strip())
            elif in_code_block and stripped:
                lines.append(stripped)
    return lines


def _question_names(master: Path) -> list[str]:
    nb = nbformat.read(master, as_version=4)
    return [
        m.group(1)
        for c in nb.cells
        if c.cell_type == "raw" and (m := re.search(r"BEGIN QUESTION\s+name:\s*(\S+)", c.source))
    ]


def _hidden_tests(master: Path) -> list[str]:
    nb = nbformat.read(master, as_version=4)
    return [c.source for c in nb.cells
            if c.cell_type == "code" and c.source.lstrip().upper().startswith("# HIDDEN")]


def _choice_answers(master: Path) -> list[str]:
    """The right letter of every multiple-choice question of a master, from its checks."""
    nb = nbformat.read(master, as_version=4)
    return [m.group(1) for c in nb.cells if c.cell_type == "code"
            for m in re.finditer(r"check_choice\(\w+, ['\"]([A-Z])['\"]", c.source)]


def test_there_is_a_set_for_every_lesson_2_to_8() -> None:
    numbers = [p.name[:2] for p in MASTERS]
    assert {"02", "03", "04", "05", "06", "07", "08"} <= set(numbers), numbers


@pytest.mark.parametrize("master", MASTERS, ids=[p.stem for p in MASTERS])
def test_master_has_4_to_8_questions_with_tests_and_no_outputs(master: Path) -> None:
    nb = nbformat.read(master, as_version=4)
    names = _question_names(master)
    assert 4 <= len(names) <= 8, f"{master.name}: {len(names)} questions"
    assert len(set(names)) == len(names), f"{master.name}: duplicate question names {names}"
    with_outputs = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.outputs]
    assert not with_outputs, f"{master.name}: cells {with_outputs} have committed outputs"
    assert nb.cells[0].cell_type == "raw" and "# ASSIGNMENT CONFIG" in nb.cells[0].source


@pytest.mark.parametrize("master", MASTERS, ids=[p.stem for p in MASTERS])
def test_every_set_has_hidden_checks_and_says_so(master: Path) -> None:
    assert _hidden_tests(master), f"{master.stem}: no hidden check, the grade = the practice"
    intro = nbformat.read(master, as_version=4).cells[1].source
    assert "some checks run only when your work is graded" in intro, intro
    config = nbformat.read(master, as_version=4).cells[0].source
    assert "check_all_cell: true" in config, f"{master.stem}: no check_all cell"


def test_answer_key_is_balanced_and_fixed_by_the_masters() -> None:
    letters = [letter for master in MASTERS for letter in _choice_answers(master)]
    assert len(letters) >= 10, letters
    counts = Counter(letters)
    most, n = counts.most_common(1)[0]
    assert n <= 0.4 * len(letters), f"{most} answers {n} of {len(letters)}: {counts}"
    # the options are fixed by the master: nothing shuffles them when a notebook runs
    for master in MASTERS:
        text = master.read_text("utf-8")
        assert "shuffle" not in text and "random" not in text.lower().replace(
            "randomised", ""), master.name


def test_every_choice_has_an_explained_wrong_option_for_each_letter_shown() -> None:
    """Each option letter in a prompt is either the answer or has its own explanation."""
    for master in MASTERS:
        nb = nbformat.read(master, as_version=4)
        prompts = [c.source for c in nb.cells if c.cell_type == "markdown"]
        checks = [c.source for c in nb.cells if "check_choice(" in c.source]
        shown = [sorted(set(re.findall(r"^- \*\*([A-Z])\.\*\*", p, re.M))) for p in prompts]
        shown = [s for s in shown if s]
        assert len(shown) == len(checks), master.name
        for letters, check in zip(shown, checks, strict=True):
            right = re.search(r"check_choice\(\w+, ['\"]([A-Z])['\"]", check).group(1)
            explained = set(re.findall(r"^\s*['\"]([A-Z])['\"]: ", check, re.M))
            assert explained | {right} == set(letters), (master.name, letters, explained, right)


# --------------------------------------------------------------------------
# Released versions
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def released(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Path]:
    """Release a master with Otter Assign once per test process; return its set directory.

    Sets are released one by one, on first use, so that the slow student-notebook
    executions can spread over the xdist workers instead of queueing behind one
    release of every set. Otter does not re-run the checks here: the masters' own
    test does, and so does grading the master's answers below.
    """
    out = tmp_path_factory.mktemp("release")
    done: dict[Path, Path] = {}

    def get(master: Path) -> Path:
        if master not in done:
            done[master] = release(out, [master], run_tests=False, ship_package=False)[0]
        return done[master]

    return get


@pytest.mark.slow
@pytest.mark.parametrize("master", MASTERS, ids=[p.stem for p in MASTERS])
def test_release_writes_student_and_autograder_versions(
    released: Callable[[Path], Path], master: Path
) -> None:
    folder = released(master)
    assert folder.name == master.stem
    assert (folder / "student" / master.name).is_file(), f"no student notebook for {master.stem}"
    assert (folder / "autograder" / master.name).is_file()
    zips = list((folder / "autograder").glob("*-autograder_*.zip"))
    assert zips, f"no grading zip for {master.stem}"
    assert sorted(p.name for p in (folder / "student").iterdir()) == [master.name]
    student = nbformat.read(folder / "student" / master.name, as_version=4)
    code = [c.source for c in student.cells if c.cell_type == "code"]
    assert any("grader = Grader(" in c for c in code), "the student init cell is Otter's own"
    assert code[-2].strip() == "grader.check_all()", code[-2:]
    assert "grader.export(" in code[-1], code[-1]


@pytest.mark.slow
@pytest.mark.parametrize("master", MASTERS, ids=[p.stem for p in MASTERS])
def test_student_version_has_no_solution_text_and_no_hidden_check(
    released: Callable[[Path], Path], master: Path
) -> None:
    folder = released(master)
    text = (folder / "student" / master.name).read_text(encoding="utf-8")
    lines = _solution_lines(master)
    assert lines, f"{master.name}: found no solution lines to look for"
    leaked = [line for line in lines if json.dumps(line)[1:-1] in text or line in text]
    assert not leaked, f"{master.stem}: solution text in the student version: {leaked}"
    hidden = [re.search(r"def (test_\w+)\(", h).group(1) for h in _hidden_tests(master)]
    assert hidden
    for name in hidden:
        assert f"def {name}(" not in text, f"hidden check {name} was handed out"
    autograder = (folder / "autograder" / master.name).read_text("utf-8")
    assert all(json.dumps(line)[1:-1] in autograder for line in lines if "=" in line)


# -- executing the student version with no, wrong and right answers ---------

#: What must never be shown to a student: Python's and doctest's transcripts, file paths.
NEVER_SHOWN = ("Traceback", "Error at line", "Trying:", "Expecting", "Failed example",
               'File "', ".py", "❌", "results:", "Test case")


def _check_outputs(cells: Sequence[Any], stderr: bool = True) -> dict[str, tuple[str, str]]:
    """``{question: (text/plain, text/html)}`` shown by each ``grader.check`` cell.

    ``stderr=False`` leaves out what went to the standard error stream: at grading, Otter's
    own debug log (never seen by the student).
    """
    shown = {}
    for cell in cells:
        found = re.fullmatch(r'grader\.check\("(\w+)"\)', cell.source.strip())
        if found:
            outputs = [o for o in cell.outputs if stderr or o.get("name") != "stderr"]
            plain = "".join(o.get("data", {}).get("text/plain", "") + o.get("text", "")
                            + "".join(o.get("traceback", [])) for o in outputs)
            html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
            shown[found.group(1)] = (plain, html)
    return shown


def _right_values(master: Path) -> dict[str, object]:
    """The value of each question's answer, from running the master's solutions."""
    from lupus_teach.grading import _master_answers

    solutions, names = _master_answers(master)
    env: dict[str, Any] = {}
    nb = nbformat.read(master, as_version=4)
    setup = [c.source for c in nb.cells[1:4] if c.cell_type == "code"]
    for code in setup:
        exec(code, env)
    values = {}
    for question, code in solutions.items():
        exec(solution_code(code), env)
        values[question] = env[names[question]]
    return values


def _forbidden_answer_texts(value: object) -> list[str]:
    """How a right answer would look if a message gave it away."""
    if isinstance(value, bool) or value is None or callable(value):
        return []
    if isinstance(value, int):
        return [rf"\b{value}\b"]
    if isinstance(value, float):
        return [rf"\b{value:.3f}", rf"\b{value:.2f}\b"]
    if isinstance(value, str):
        return [re.escape(f"'{value}'"), re.escape(f'"{value}"'), rf"answer is {value}\b"]
    if isinstance(value, tuple):
        return [rf"\b{v:.3f}" for v in value]
    return []


def _run_student(folder: Path, nb: nbformat.NotebookNode, tmp: Path) -> nbformat.NotebookNode:
    work = tmp / "work"
    work.mkdir(exist_ok=True)
    nbformat.write(nb, work / f"{folder.name}.ipynb")
    client = NotebookClient(nb, timeout=KERNEL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(work)}})
    client.execute()  # no cell may crash (CellExecutionError otherwise)
    return nb


@pytest.mark.slow
@pytest.mark.parametrize("master", MASTERS, ids=[p.stem for p in MASTERS])
def test_unanswered_student_version_shows_one_quiet_line_per_question(
    released: Callable[[Path], Path], master: Path, tmp_path: Path
) -> None:
    folder = released(master)
    nb = nbformat.read(folder / "student" / master.name, as_version=4)
    nb = _run_student(folder, nb, tmp_path)
    shown = _check_outputs(nb.cells)
    assert sorted(shown) == sorted(_question_names(master)), "a question has no check cell"
    for question, (plain, html) in shown.items():
        assert plain.strip().startswith(f"{question}: not answered yet"), plain
        assert len(plain.strip().splitlines()) == 1, plain
        assert "color:red" not in html.replace(" ", "") and "#E69F00" not in html, html
        assert "border" not in html, html
        for bad in NEVER_SHOWN:
            assert bad not in plain + html, f"{question} shows {bad!r}:\n{plain}"
    summary = next(c for c in nb.cells if c.source.strip() == "grader.check_all()")
    text = summary.outputs[0]["data"]["text/plain"]
    assert f"0 of {len(shown)} questions pass" in text, text


@pytest.mark.slow
@pytest.mark.parametrize("master", MASTERS, ids=[p.stem for p in MASTERS])
def test_wrong_answers_get_a_short_block_without_traceback_or_the_right_answer(
    released: Callable[[Path], Path], master: Path, tmp_path: Path
) -> None:
    from lupus_teach.grading import synthetic_submission

    folder = released(master)
    questions = _question_names(master)
    nb = synthetic_submission(master, folder / "student" / master.name,
                              dict.fromkeys(questions, "wrong"))
    nb = _run_student(folder, nb, tmp_path)
    shown = _check_outputs(nb.cells)
    right = _right_values(master)
    assert sorted(shown) == sorted(questions)
    for question, (plain, html) in shown.items():
        lines = plain.strip().splitlines()
        assert lines[0] == f"{question}: not right yet", plain
        assert 2 <= len(lines) <= 4, plain
        assert any(line.strip().startswith("Hint: ") for line in lines), plain
        assert "not right" in html and "Hint:" in html, html
        for bad in NEVER_SHOWN:
            assert bad not in plain + html, f"{question} shows {bad!r}:\n{plain}"
        for pattern in _forbidden_answer_texts(right[question]):
            assert not re.search(pattern, plain), f"{question} gives away the answer:\n{plain}"
        for line in _solution_lines(master):
            assert line not in plain, f"{question} shows the solution {line!r}"


@pytest.mark.slow
@pytest.mark.parametrize("master", MASTERS, ids=[p.stem for p in MASTERS])
def test_master_answers_in_the_student_version_get_full_marks(
    released: Callable[[Path], Path], master: Path, tmp_path: Path
) -> None:
    """Graded as a submission (hidden checks too): every point, and a one-line right message.

    This is also the proof that each master's solutions pass all its checks, hidden ones
    included (what Otter Assign checks at release), run from the student version.
    """
    from lupus_teach.grading import grade_notebook, load_autograder, synthetic_submission

    folder = released(master)
    questions = _question_names(master)
    nb = synthetic_submission(master, folder / "student" / master.name,
                              dict.fromkeys(questions, "right"))
    path = tmp_path / "right.ipynb"
    nbformat.write(nb, path)
    autograder = load_autograder(next((folder / "autograder").glob("*.zip")), tmp_path)
    assert autograder.questions == questions
    row = grade_notebook(path, autograder, time_limit=KERNEL_TIMEOUT, keep_outputs=True)
    assert row.note == "", row.note
    assert row.scores == autograder.points, row.scores
    assert row.total == row.possible == autograder.possible > 0
    shown = _check_outputs(row.cells, stderr=False)
    for question, (plain, _html) in shown.items():
        assert plain.strip() == f"{question}: ✓ passes the checks", plain


@pytest.mark.slow
def test_autograder_zip_installs_lupus_teach(tmp_path: Path) -> None:
    """Otter's container grading builds its environment from the zip: it must get the package."""
    import base64
    import io
    import zipfile

    import yaml

    folder = release(tmp_path, [MASTERS[0]], run_tests=False)[0]
    archive = next((folder / "autograder").glob("*.zip"))
    with zipfile.ZipFile(archive) as zf:
        env = yaml.safe_load(zf.read("environment.yml"))
        setup = zf.read("setup.sh").decode()
        assert zf.getinfo("run_autograder").external_attr == zipfile.ZipFile(archive).getinfo(
            "run_autograder").external_attr
    assert "python=3.11" in env["dependencies"], env
    found = re.search(r"base64 -d > /tmp/(\S+\.whl) <<'WHEEL'\n(.*?)WHEEL\n", setup, re.S)
    assert found, setup[-500:]
    assert f"pip install /tmp/{found.group(1)}" in setup
    wheel = zipfile.ZipFile(io.BytesIO(base64.b64decode(found.group(2))))
    assert "lupus_teach/exercises.py" in wheel.namelist()
    assert any(n.endswith("_data/published/outcomes.csv") for n in wheel.namelist())


@pytest.mark.slow
def test_cli_release_one_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["exercises", "release", "--out", str(tmp_path), "--only", "03",
                 "--no-run-tests"])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "03_flares" / "student" / "03_flares.ipynb").is_file()
    assert "03_flares" in capsys.readouterr().err


def test_cli_release_unknown_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exercises", "release", "--out", str(tmp_path), "--only", "99"]) == 1
    err = capsys.readouterr().err
    assert "'99' is not a known exercise set" in err and "02_bilag_index" in err


# --------------------------------------------------------------------------
# Feedback messages (d)
# --------------------------------------------------------------------------

QUIET = dict.fromkeys(system_names("classic"), "C")


def _message(func: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(WrongAnswer) as info:
        func(*args, **kwargs)
    return str(info.value)


@pytest.mark.parametrize(
    ("value", "expected", "message"),
    [
        ("12", 12, "expected a whole number, got str '12'"),
        (True, 1, "expected a whole number, got bool True"),
        (..., 12, "your answer is still `...`"),
        (None, 12, "is None"),
        (11, 12, "11 is not right. hint"),
        ("0.3", 0.3, "expected a number, got str '0.3'. Remove the quotes."),
        (30.0, 0.3, "looks like a percentage"),
        (0.31, 0.3, "0.31 is not right. hint"),
        (1, "MCR", "expected text (a str), got int 1"),
        ("PCR", "MCR", "'PCR' is not right. hint"),
        ("yes", True, "expected True or False, got str 'yes'"),
    ],
)
def test_check_equal_messages(value: object, expected: object, message: str) -> None:
    assert message in _message(check_equal, value, expected, "hint")


def test_check_equal_accepts_numpy_and_whole_floats() -> None:
    import numpy as np

    check_equal(np.int64(12), 12)
    check_equal(12.0, 12)
    check_equal(" mcr ", "MCR")
    check_equal(0.3254, 0.325)


def test_check_choice_explains_every_wrong_option() -> None:
    reasons = {"A": "E is never involved.", "C": "C is mild activity."}
    check_choice("b", "B", reasons)
    assert _message(check_choice, "A", "B", reasons) == "A is not right: E is never involved."
    assert _message(check_choice, "(c)", "B", reasons) == "C is not right: C is mild activity."
    assert "answer with one letter: A, B or C" in _message(check_choice, "Z", "B", reasons)
    assert "expected text (a str), got int 2" in _message(check_choice, 2, "B", reasons)


def test_check_choice_needs_all_explanations() -> None:
    # the master forgot to explain option C: a bug in the master, not the student's
    with pytest.raises(ValueError, match="explanation for every wrong option"):
        check_choice("A", "B", {"A": "x", "D": "y", "C": ""})


def test_check_grade_messages() -> None:
    check_grade(" a", "A")
    assert "'F' is not a BILAG grade" in _message(check_grade, "F", "A")
    assert "B is not right: it is too mild. Find A" in _message(check_grade, "B", "A", "Find A")
    assert "expected a grade letter" in _message(check_grade, 3, "A")


def test_check_score_names_the_scheme_used_by_mistake() -> None:
    visit = dict(QUIET, renal="A", mucocutaneous="B")
    check_score(18, visit, "classic-9-3-1")  # 9 + 3 + 6 x C
    assert "that is the score under classic-12-5-1" in _message(
        check_score, 23, visit, "classic-9-3-1")
    assert "add the points of every system's grade under classic-9-3-1 (A=9, B=3, C=1, D=0, " \
           "E=0)" in _message(check_score, 17, visit, "classic-9-3-1")
    assert "lies between 0 and 72" in _message(check_score, 100, visit, "classic-9-3-1")
    assert "got str '18'" in _message(check_score, "18", visit, "classic-9-3-1")


def test_check_flare_messages() -> None:
    quiet = dict.fromkeys(system_names("classic"), "D")
    check_flare("mild", quiet, dict(quiet, renal="C"))
    assert "A to B is an improvement, not a new B" in _message(
        check_flare, "moderate", dict(quiet, renal="A"), dict(quiet, renal="B"))
    assert "too mild" in _message(check_flare, "none", quiet, dict(quiet, renal="A"))
    assert "no system became A" in _message(check_flare, "severe", quiet, dict(quiet, renal="B"))
    assert "not a flare category" in _message(check_flare, "big", quiet, quiet)


def _patients() -> dict[str, dict[int, dict[str, str]]]:
    def history(**at: dict[str, str]) -> dict[int, dict[str, str]]:
        out = {m: QUIET for m in (0, 1, 3, 6, 9, 12)}
        out.update({int(k[1:]): v for k, v in at.items()})
        return out

    return {
        "p1": history(m0=dict(QUIET, renal="A")),
        "p2": history(m0=dict(QUIET, renal="A"), m6=dict(QUIET, renal="B")),
        "p3": history(m0=dict(QUIET, renal="B", haematological="B"),
                      m3=dict(QUIET, neurological="A")),
    }


def test_check_response_says_what_mcr_needs() -> None:
    patients = _patients()
    check_response({"p1": "MCR", "p2": "PCR", "p3": "PCR"}, patients)
    message = _message(check_response, {"p1": "MCR", "p2": "MCR", "p3": "PCR"}, patients)
    assert message == ("p2: 'MCR' is not right: MCR needs C or better in every system: renal is "
                       "still B at month 6.")
    message = _message(check_response, {"p1": "MCR", "p2": "PCR", "p3": "MCR"}, patients)
    assert "MCR needs no new A from month 1 to month 6: neurological is newly A at month 3" \
        in message
    message = _message(check_response, {"p1": "NR", "p2": "PCR", "p3": "PCR"}, patients)
    assert message.startswith("p1: 'NR' is not right: go through p1's visits again"), message
    assert "MCR" not in message, "the message gives away the right category"


def test_check_response_checks_shape_first() -> None:
    patients = _patients()
    assert "no category for p3" in _message(check_response, {"p1": "MCR", "p2": "PCR"}, patients)
    assert "'great' is not a wang2014 category; use one of MCR, PCR, NR" in _message(
        check_response, {"p1": "great", "p2": "PCR", "p3": "PCR"}, patients)
    assert "expected a dict" in _message(check_response, ["MCR"], patients)
    table = pd.DataFrame({"patient_id": ["p1", "p2", "p3"], "response": ["MCR", "PCR", "PCR"]})
    check_response(table, patients)


def test_check_systems_and_function_messages() -> None:
    check_systems(["Renal", "general"], ["renal", "general"])
    assert "Put the names in a list" in _message(check_systems, "renal", ["renal"])
    assert "1 of the systems is missing" in _message(check_systems, [], ["renal"])
    assert "double(2) returned None" in _message(check_function, lambda x: None,
                                                 [((2,), 4, "")], "double")
    assert "double(2) raised ZeroDivisionError" in _message(check_function, lambda x: x / 0,
                                                            [((2,), 4, "")], "double")


def test_check_interval_messages() -> None:
    check_interval((0.201, 0.480), 13, 40)
    assert "that is the exact interval" in _message(check_interval, (0.186, 0.491), 13, 40)
    assert "not percentages" in _message(check_interval, (20.1, 48.0), 13, 40)
    assert "lower limit is above" in _message(check_interval, (0.48, 0.2), 13, 40)
    assert "does not even contain" in _message(check_interval, (0.4, 0.6), 13, 40)
    assert "expected two numbers" in _message(check_interval, 0.3, 13, 40)


def test_book_versions_fold_solutions_and_drop_checks(tmp_path):
    """The book's reading version: every solution folded, no check or Otter marker left."""
    import nbformat

    from lupus_teach.exercises import masters, solution_code, write_book_versions

    written = write_book_versions(tmp_path)
    assert [p.name for p in written] == [m.name for m in masters()]
    for master, path in zip(masters(), written, strict=True):
        book = nbformat.read(path, as_version=4)
        text = "\n".join(c.source for c in book.cells)
        for marker in ("# BEGIN", "# END", "ASSIGNMENT CONFIG", "# SOLUTION", "# HIDDEN",
                       "grader.check"):
            assert marker not in text, (path.name, marker)
        assert not any(c.cell_type == "raw" for c in book.cells)
        source = nbformat.read(master, as_version=4)
        solutions = [c for i, c in enumerate(source.cells) if c.cell_type == "code" and i
                     and source.cells[i - 1].source.strip().startswith("# BEGIN SOLUTION")]
        folds = [c for c in book.cells if c.source.startswith("````{admonition} Show solution")]
        assert len(folds) == len(solutions) > 0, path.name
        for fold, solution in zip(folds, solutions, strict=True):
            assert solution_code(solution.source) in fold.source
    # writing again changes nothing on disk (the book's cache stays valid)
    before = {p: p.stat().st_mtime_ns for p in written}
    write_book_versions(tmp_path)
    assert {p: p.stat().st_mtime_ns for p in written} == before
