"""The question bank (lupus_teach.quiz) and the lessons' self-check cells."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import pytest

from lupus_teach.errors import LupusTeachError, UnknownNameError
from lupus_teach.quiz import (
    QUESTIONS,
    Option,
    Question,
    export_bank,
    export_json,
    export_question,
    get_question,
    questions_for,
    self_check,
)

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LESSONS = sorted(p for p in NOTEBOOKS.glob("*.ipynb") if re.match(r"\d\d_", p.name))
CALL = re.compile(r'^self_check\("(\d\d\.q\d+)"\)$')


def _lesson(path: Path) -> str:
    return path.name[:2]


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_asks_its_bank_questions_with_one_short_call_each(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    calls = [c.source.strip() for c in nb.cells
             if c.cell_type == "code" and "self_check(" in c.source
             and "import" not in c.source]
    keys = []
    for source in calls:
        match = CALL.match(source)
        assert match, f"{path.name}: a self-check cell is more than one call: {source[:80]!r}"
        keys.append(match.group(1))
    bank = [q.key for q in questions_for(_lesson(path))]
    if not bank:
        pytest.skip(f"{path.name}: no questions in the bank for this lesson yet")
    assert keys == bank, f"{path.name}: asks {keys}, the bank has {bank}"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_no_question_answer_or_explanation_is_written_in_the_notebook(path: Path) -> None:
    text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    for q in questions_for(_lesson(path)):
        assert q.text not in text, f"{path.name}: question {q.key} is repeated in the notebook"
        for option in q.options:
            if len(option.explanation) > 25:
                assert option.explanation not in text, (
                    f"{path.name}: the feedback of {q.key} is visible in the notebook"
                )


def test_every_question_has_one_right_option_and_feedback_for_each() -> None:
    assert len(QUESTIONS) >= 25
    for key, q in QUESTIONS.items():
        assert key == q.key and re.match(r"^\d\d\.q\d+$", key)
        assert sum(o.correct for o in q.options) == 1
        assert all(o.explanation for o in q.options), key
        assert q.check(q.right.text)[1].startswith("Correct.")


def test_widget_reveals_nothing_before_an_answer() -> None:
    q = get_question("04.q1")
    check = self_check("04.q1")
    assert check.key == "04.q1" and check.question is q
    assert check.feedback.value == "<p role='status'>Choose an answer.</p>"
    # the state the browser receives holds the question and options, no feedback
    state = json.dumps([w.get_state() for w in (check, *check.children)], default=str)
    assert state.count(json.dumps(html.escape(q.text))[1:-1]) == 1
    for option in q.options:
        assert option.explanation not in state
        assert html.escape(option.explanation) not in state
    wrong = next(o for o in q.options if not o.correct)
    check.choice.value = wrong.text
    assert not check.correct and html.escape(wrong.explanation) in check.feedback.value
    check.choice.value = q.right.text
    assert check.correct and check.feedback.value.count("Correct.") == 1


def test_export_is_json_and_matches_the_widget_feedback() -> None:
    data = json.loads(export_json())
    assert data == export_bank() and set(data) == set(QUESTIONS)
    one = export_question("02.q3")
    widget = self_check("02.q3")
    for option in one["options"]:
        widget.choice.value = option["text"]
        assert html.escape(option["feedback"]) in widget.feedback.value
        assert option["correct"] == widget.correct


def test_bad_questions_and_keys_are_refused_with_clear_messages() -> None:
    with pytest.raises(LupusTeachError, match="exactly one"):
        Question("01.q9", "?", (Option("a", "x", True), Option("b", "y", True)))
    with pytest.raises(LupusTeachError, match=r"form 'NN\.qK'"):
        Question("lesson1", "?", (Option("a", "x", True), Option("b", "y")))
    with pytest.raises(LupusTeachError, match="repeats"):
        Question("01.q9", "?", (Option("a", "x", True), Option("a", "y")))
    with pytest.raises(UnknownNameError, match=r"04\.q1"):
        get_question("04.q99")
    with pytest.raises(UnknownNameError):
        get_question("02.q1").check("F")
