"""Checks with instant feedback for the exercise sets, and their release.

The exercise masters in ``exercises/`` are Otter Assign notebooks (see
``exercises/README.md``). Their test cells stay thin: one call to a ``check_*``
function here. A check returns ``None`` when the answer is right and raises
:class:`WrongAnswer` (an :class:`AssertionError`) with a message that says what
to reconsider when it is wrong. Every check looks at the answer's *type* first
("expected a whole number, got str '12'"), then at its value, and computes the
expected value with the library itself rather than a number typed into the
notebook.

:func:`release` runs Otter Assign on every master and writes, per set, a
``student/`` notebook (solutions removed, public checks kept) and an
``autograder/`` notebook with its grading zip (see :func:`finish_release`).

In the student notebook ``grader = Grader(...)`` is Otter's ``otter.Notebook``
with short feedback: ``grader.check("q2")`` runs Otter's check and shows a
:class:`Feedback` (one line when right or unanswered, one short block with
the message and the check's hint when wrong), never Otter's transcript.

Examples
--------
>>> check_equal(15, 15)
>>> check_equal("12", 12)
Traceback (most recent call last):
...
lupus_teach.exercises.WrongAnswer: expected a whole number, got str '12'. Remove the quotes: ...
>>> check_choice("B", "B", {"A": "E means never involved.", "C": "C is mild, stable disease."})
>>> check_choice("A", "B", {"A": "E means never involved.", "C": "C is mild, stable disease."})
Traceback (most recent call last):
...
lupus_teach.exercises.WrongAnswer: A is not right: E means never involved.
"""

from __future__ import annotations

import functools
import math
import numbers
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from lupus_teach.errors import LupusTeachError

__all__ = [
    "Feedback",
    "FeedbackSummary",
    "NotAnswered",
    "WrongAnswer",
    "check_choice",
    "check_equal",
    "check_flare",
    "check_function",
    "check_grade",
    "check_interval",
    "check_response",
    "check_score",
    "check_systems",
    "masters",
    "release",
]

P = ParamSpec("P")
R = TypeVar("R")

#: Where the masters live in a clone of the repository.
EXERCISES_DIR = Path(__file__).resolve().parent.parent / "exercises"

#: Default output directory of :func:`release` (relative to the working directory).
DEFAULT_RELEASE_DIR = Path("_release") / "exercises"


class WrongAnswer(AssertionError):
    """A wrong answer; the message says what to reconsider."""


class NotAnswered(WrongAnswer):
    """The answer is still the placeholder ``...`` (or a function body still ``...``).

    The feedback shows one quiet line ("q2: not answered yet") instead of a
    failure; the grade counts it as not passed.
    """


def _feedback(func: Callable[P, R]) -> Callable[P, R]:
    """Re-raise a check's :class:`WrongAnswer` from one short frame.

    The student sees the message, not the helper's internals.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except WrongAnswer as err:
            kind, message = type(err), str(err)
        raise kind(message) from None

    return wrapper


# --------------------------------------------------------------------------
# Types
# --------------------------------------------------------------------------


def _shown(value: object) -> str:
    """``str '12'``: the type and a short repr of a value."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _require_answered(value: object, name: str) -> None:
    if value is Ellipsis:
        raise NotAnswered(f"{name} is still `...`")
    if value is None:
        raise WrongAnswer(f"{name} is None: did the cell end with print() or a function that "
                          "returns nothing? Assign the value itself.")


def _as_whole(value: object, name: str) -> int:
    _require_answered(value, name)
    if isinstance(value, bool):
        raise WrongAnswer(f"expected a whole number, got {_shown(value)}.")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return int(value)
    if isinstance(value, str):
        raise WrongAnswer(f"expected a whole number, got {_shown(value)}. Remove the quotes: "
                          "write 12, not '12'.")
    raise WrongAnswer(f"expected a whole number, got {_shown(value)}.")


def _as_number(value: object, name: str) -> float:
    _require_answered(value, name)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        extra = " Remove the quotes." if isinstance(value, str) else ""
        raise WrongAnswer(f"expected a number, got {_shown(value)}.{extra}")
    number = float(value)
    if math.isnan(number):
        raise WrongAnswer(f"{name} is NaN (not a number): a missing value crept into the "
                          "calculation.")
    return number


def _as_text(value: object, name: str) -> str:
    _require_answered(value, name)
    if not isinstance(value, str):
        raise WrongAnswer(f"expected text (a str), got {_shown(value)}. Put it in quotes.")
    return value.strip()


# --------------------------------------------------------------------------
# General checks
# --------------------------------------------------------------------------


@_feedback
def check_equal(
    value: object,
    expected: object,
    hint: str = "",
    *,
    name: str = "your answer",
    tol: float = 0.005,
) -> None:
    """Check an answer against the expected value, type first.

    Parameters
    ----------
    value : object
        The student's answer.
    expected : bool, int, float or str
        The right answer. A ``bool`` asks for True or False, an ``int`` for a
        whole number, a ``float`` for a number within ``tol``, a ``str`` for
        text (compared ignoring case and surrounding spaces).
    hint : str
        What to reconsider, shown after "not right" when the value is wrong.
    name : str
        How to call the answer in messages.
    tol : float
        Absolute tolerance for floats.

    Raises
    ------
    WrongAnswer
        With a message naming the type or the value problem.

    Examples
    --------
    >>> check_equal(0.325, 0.325)
    >>> check_equal(32.5, 0.325)
    Traceback (most recent call last):
    ...
    lupus_teach.exercises.WrongAnswer: 32.5 is not right: it looks like a percentage; give a
    proportion between 0 and 1 (0.25, not 25).
    >>> check_equal(14, 15, "D and E score 0.")
    Traceback (most recent call last):
    ...
    lupus_teach.exercises.WrongAnswer: 14 is not right. D and E score 0.
    """
    if not isinstance(expected, int | float | str):
        raise TypeError(f"check_equal: unsupported expected value {_shown(expected)}")
    hint = f" {hint}" if hint else ""
    if isinstance(expected, bool):
        _require_answered(value, name)
        if type(value).__name__ not in ("bool", "bool_"):
            raise WrongAnswer(f"expected True or False, got {_shown(value)}.")
        if bool(value) is not expected:
            raise WrongAnswer(f"{bool(value)} is not right.{hint}")
        return
    if isinstance(expected, str):
        text = _as_text(value, name)
        if text.casefold() != expected.strip().casefold():
            raise WrongAnswer(f"{text!r} is not right.{hint}")
        return
    if isinstance(expected, int):
        whole = _as_whole(value, name)
        if whole != expected:
            raise WrongAnswer(f"{whole} is not right.{hint}")
        return
    number = _as_number(value, name)
    if abs(number - expected) <= tol:
        return
    if 0 < abs(expected) <= 1 and abs(number - 100 * expected) <= 100 * tol:
        raise WrongAnswer(f"{number:g} is not right: it looks like a percentage; give a "
                          f"proportion between 0 and 1 (0.25, not 25).{hint}")
    raise WrongAnswer(f"{number:g} is not right.{hint}")


def _option(text: object) -> str:
    return str(text).strip().upper()


@_feedback
def check_choice(answer: object, correct: str, explanations: Mapping[str, str]) -> None:
    """Check a multiple-choice letter; every wrong option has its own explanation.

    Parameters
    ----------
    answer : str
        The student's letter (case and spaces are forgiven).
    correct : str
        The right letter.
    explanations : mapping of letter to str
        Why each *wrong* option is wrong. Every option except ``correct`` must
        have one (an explanation for ``correct`` itself is allowed and ignored).

    Raises
    ------
    WrongAnswer
        For a wrong letter (with its explanation), an unknown letter (listing
        the valid ones) or an answer that is not a letter.
    ValueError
        If ``explanations`` misses a wrong option: a bug in the master.

    Examples
    --------
    >>> reasons = {"A": "E means never involved.", "C": "C is mild, stable disease."}
    >>> check_choice(" b", "B", reasons)
    >>> check_choice("E", "B", reasons)
    Traceback (most recent call last):
    ...
    lupus_teach.exercises.WrongAnswer: 'E' is not one of the options; answer with one letter:
    A, B or C.
    """
    options = sorted({_option(k) for k in explanations} | {_option(correct)})
    listed = ", ".join(options[:-1]) + f" or {options[-1]}"
    right = _option(correct)
    unexplained = [o for o in options if o != right and not any(
        _option(k) == o and str(v).strip() for k, v in explanations.items())]
    if unexplained:
        raise ValueError("check_choice: give an explanation for every wrong option (missing: "
                         f"{', '.join(unexplained)})")
    text = _as_text(answer, "your answer")
    letter = text.upper().strip("()").strip()
    if letter not in options:
        raise WrongAnswer(f"{text!r} is not one of the options; answer with one letter: "
                          f"{listed}.")
    if letter != right:
        reason = next(v for k, v in explanations.items() if _option(k) == letter)
        raise WrongAnswer(f"{letter} is not right: {reason}")


def _as_name_set(value: object, name: str) -> set[str]:
    _require_answered(value, name)
    if isinstance(value, str):
        raise WrongAnswer(f"expected a list of system names, got {_shown(value)}. Put the "
                          "names in a list: ['renal', 'haematological'] (or [] for none).")
    if not isinstance(value, Iterable):
        raise WrongAnswer(f"expected a list of system names, got {_shown(value)}.")
    names = list(value)
    bad = [n for n in names if not isinstance(n, str)]
    if bad:
        raise WrongAnswer(f"expected system names as text, got {_shown(bad[0])} in the list.")
    return {n.strip().lower() for n in names}


@_feedback
def check_systems(answer: object, expected: Iterable[str], what: str = "systems") -> None:
    """Check a list of organ-system names (order does not matter).

    Examples
    --------
    >>> check_systems(["Renal"], ["renal"])
    >>> check_systems(["renal", "general"], ["renal"], "systems that worsened")
    Traceback (most recent call last):
    ...
    lupus_teach.exercises.WrongAnswer: not right: general should not be among the systems that
    worsened.
    """
    given = _as_name_set(answer, "your answer")
    wanted = {str(s).lower() for s in expected}
    extra, missing = sorted(given - wanted), sorted(wanted - given)
    parts = []
    if extra:
        parts.append(f"{' and '.join(extra)} should not be among the {what}")
    if missing:
        parts.append(f"{len(missing)} of the {what} {'is' if len(missing) == 1 else 'are'} "
                     "missing from your list")
    if parts:
        raise WrongAnswer("not right: " + "; ".join(parts) + ".")


@_feedback
def check_function(
    func: object,
    cases: Sequence[tuple[tuple[Any, ...], object, str]],
    name: str = "your function",
) -> None:
    """Call a student's function on each case and check what it returns.

    Parameters
    ----------
    func : callable
        The student's function.
    cases : sequence of (args, expected, hint)
        Arguments to call it with, the right result (checked with
        :func:`check_equal`, so type first) and what to reconsider if wrong.
    name : str
        The function's name in messages.

    Examples
    --------
    >>> def double(x):
    ...     return x + x
    >>> check_function(double, [((2,), 4, ""), ((0,), 0, "")], "double")
    >>> check_function(lambda x: x * 3, [((2,), 4, "Add it to itself.")], "double")
    Traceback (most recent call last):
    ...
    lupus_teach.exercises.WrongAnswer: double(2) returned 6: 6 is not right. Add it to itself.
    """
    _require_answered(func, name)
    if not callable(func):
        raise WrongAnswer(f"{name} should be a function (def {name}(...): ...), got "
                          f"{_shown(func)}.")
    if _is_stub(func):
        raise NotAnswered(f"{name} still has `...` as its body")
    for args, expected, hint in cases:
        shown = ", ".join(r if len(r := repr(a)) <= 40 else r[:37] + "..." for a in args)
        try:
            value = func(*args)
        except Exception as err:
            raise WrongAnswer(f"{name}({shown}) raised {type(err).__name__}: {err}") from None
        try:
            check_equal(value, expected, hint)  # type: ignore[arg-type]
        except WrongAnswer as err:
            raise WrongAnswer(f"{name}({shown}) returned {value!r}: {err}") from None


def _stub() -> None: ...


def _is_stub(func: object) -> bool:
    """Whether ``func``'s body is only ``...`` (or ``pass``), as in a student version."""
    code = getattr(func, "__code__", None)
    return (code is not None and code.co_name != "<lambda>"
            and code.co_code == _stub.__code__.co_code)


# --------------------------------------------------------------------------
# BILAG checks
# --------------------------------------------------------------------------


@_feedback
def check_grade(answer: object, expected: str, why: str = "") -> None:
    """Check a BILAG grade letter.

    Examples
    --------
    >>> check_grade("a", "A")
    >>> check_grade("F", "A")
    Traceback (most recent call last):
    ...
    lupus_teach.exercises.WrongAnswer: 'F' is not a BILAG grade: use one of A, B, C, D, E.
    """
    from lupus_teach.bilag import Grade, parse_grade
    from lupus_teach.errors import InvalidGradeError

    _require_answered(answer, "your answer")
    if not isinstance(answer, str | Grade):
        raise WrongAnswer(f"expected a grade letter (a str such as 'B'), got {_shown(answer)}.")
    try:
        grade = parse_grade(answer)
    except InvalidGradeError:
        raise WrongAnswer(f"{answer!r} is not a BILAG grade: use one of A, B, C, D, E.") from None
    right = parse_grade(expected)
    if grade is not right:
        direction = "too mild" if grade < right else "too severe"
        why = f" {why}" if why else ""
        raise WrongAnswer(f"{grade.value} is not right: it is {direction}.{why}")


@_feedback
def check_score(answer: object, visit: Mapping[str, str], scheme: str) -> None:
    """Check a global BILAG score, computed with :func:`lupus_teach.bilag.global_score`.

    A wrong score that another scheme would give is named as such.

    Examples
    --------
    >>> visit = {"renal": "A", "haematological": "B", "mucocutaneous": "C"}
    >>> check_score(13, visit, "classic-9-3-1")
    >>> check_score(18, visit, "classic-9-3-1")
    Traceback (most recent call last):
    ...
    lupus_teach.exercises.WrongAnswer: 18 is not right: that is the score under classic-12-5-1;
    this question uses classic-9-3-1 (A=9, B=3, C=1, D=0, E=0).
    """
    from lupus_teach.bilag import SCHEMES, global_score

    chosen = SCHEMES[scheme]
    weights = ", ".join(f"{g}={p}" for g, p in chosen.weights.items())
    score = _as_whole(answer, "your score")
    expected = global_score(visit, scheme, fill="E")
    if score == expected:
        return
    for other in SCHEMES.values():
        if other.name == scheme or other.index != chosen.index:
            continue
        if global_score(visit, other.name, fill="E") == score:
            raise WrongAnswer(f"{score} is not right: that is the score under {other.name}; "
                              f"this question uses {scheme} ({weights}).")
    if score < 0 or score > chosen.maximum():
        raise WrongAnswer(f"{score} is not right: a {scheme} score lies between 0 and "
                          f"{chosen.maximum()}.")
    raise WrongAnswer(f"{score} is not right: add the points of every system's grade under "
                      f"{scheme} ({weights}).")


def _flare_text(value: object) -> str:
    from lupus_teach.bilag import FlareCategory

    _require_answered(value, "your answer")
    if isinstance(value, FlareCategory):
        return value.value
    if not isinstance(value, str):
        raise WrongAnswer(f"expected a flare category as text, got {_shown(value)}; answer "
                          "'none', 'mild', 'moderate' or 'severe'.")
    text = value.strip().lower()
    if text not in ("none", "mild", "moderate", "severe"):
        raise WrongAnswer(f"{value!r} is not a flare category; answer 'none', 'mild', "
                          "'moderate' or 'severe'.")
    return text


@_feedback
def check_flare(answer: object, before: Mapping[str, str], after: Mapping[str, str]) -> None:
    """Check a flare category, computed with :func:`lupus_teach.bilag.compare_visits`.

    Examples
    --------
    >>> from lupus_teach.bilag import system_names
    >>> before = dict.fromkeys(system_names("classic"), "D")
    >>> check_flare("mild", before, dict(before, renal="C"))
    >>> check_flare("moderate", dict(before, renal="A"), dict(before, renal="B"))
    Traceback (most recent call last):
    ...
    lupus_teach.exercises.WrongAnswer: 'moderate' is not right: no system moved to B from a
    milder grade (A to B is an improvement, not a new B).
    """
    from lupus_teach.bilag import FlareCategory, compare_visits

    text = _flare_text(answer)
    result = compare_visits(before, after)
    if text == result.flare.value:
        return
    given = FlareCategory(text)
    if given > result.flare:
        reached = {
            "severe": "no system became A (from B, C, D or E)",
            "moderate": "no system moved to B from a milder grade (A to B is an improvement, "
                        "not a new B)",
            "mild": "no system moved to C from D or E",
        }[text]
        raise WrongAnswer(f"{text!r} is not right: {reached}.")
    worsened = ", ".join(result.worsened) or "none"
    raise WrongAnswer(f"{text!r} is not right: it is too mild. Look again at the systems whose "
                      f"activity increased ({worsened}): what grade did each reach, and from "
                      "what?")


# --------------------------------------------------------------------------
# Response checks
# --------------------------------------------------------------------------


def _answer_mapping(answer: object) -> dict[str, str]:
    """A student's classification as ``{patient_id: category}``."""
    import pandas as pd

    _require_answered(answer, "your answer")
    if isinstance(answer, pd.DataFrame):
        if not {"patient_id", "response"} <= set(answer.columns):
            raise WrongAnswer("expected a table with columns patient_id and response, got "
                              f"columns {list(answer.columns)}.")
        answer = dict(zip(answer["patient_id"], answer["response"], strict=True))
    elif isinstance(answer, pd.Series):
        answer = answer.to_dict()
    if not isinstance(answer, Mapping):
        raise WrongAnswer(f"expected a dict such as {{'p1': 'MCR', 'p2': 'NR'}}, got "
                          f"{_shown(answer)}.")
    out = {}
    for pid, value in answer.items():
        if value is Ellipsis:
            raise NotAnswered(f"{pid} is still `...`")
        if not isinstance(value, str):
            raise WrongAnswer(f"{pid}: expected a category as text such as 'MCR', got "
                              f"{_shown(value)}.")
        out[str(pid)] = value.strip()
    return out


def _month_text(month: float) -> str:
    return str(int(month)) if float(month).is_integer() else str(month)


def _why_not_mcr(history: Mapping[int, Mapping[str, str]]) -> str | None:
    """Why a patient is not an MCR under wang2014, in the words of the rule."""
    from lupus_teach.bilag import parse_grade

    if 6 not in history:
        return "MCR needs a visit at month 6, and there is none (a missing visit is never a " \
               "response)"
    worse = [s for s, g in history[6].items() if parse_grade(g).activity > 1]
    if worse:
        s = worse[0]
        return (f"MCR needs C or better in every system: {s} is still "
                f"{parse_grade(history[6][s]).value} at month 6")
    base = history.get(0, {})
    for month in sorted(m for m in history if 0 < m <= 6):
        for s, g in history[month].items():
            if parse_grade(g).value == "A" and parse_grade(base.get(s, "E")).value != "A":
                return (f"MCR needs no new A from month 1 to month 6: {s} is newly A at "
                        f"month {_month_text(month)}")
    return None


@_feedback
def check_response(
    answer: object,
    visits: Any,
    definition: str = "wang2014",
) -> None:
    """Check a classification of patients against :func:`classify_response`.

    Parameters
    ----------
    answer : dict, Series or DataFrame
        ``{patient_id: category}``, or a table with ``patient_id`` and
        ``response`` columns.
    visits : DataFrame or mapping
        The long visits table, or ``{patient_id: {month: {system: grade}}}``.
    definition : str
        A name from :data:`lupus_teach.response.DEFINITIONS`.

    Raises
    ------
    WrongAnswer
        Naming the first misclassified patient and the rule that decides them.

    Examples
    --------
    >>> from lupus_teach.bilag import system_names
    >>> quiet = dict.fromkeys(system_names("classic"), "C")
    >>> patients = {"p1": {0: dict(quiet, renal="A"), 1: quiet, 3: quiet, 6: quiet,
    ...                    9: quiet, 12: quiet},
    ...             "p2": {0: dict(quiet, renal="A"), 1: quiet, 3: quiet,
    ...                    6: dict(quiet, renal="B"), 9: quiet, 12: quiet}}
    >>> check_response({"p1": "MCR", "p2": "PCR"}, patients)
    >>> check_response({"p1": "MCR", "p2": "MCR"}, patients)
    Traceback (most recent call last):
    ...
    lupus_teach.exercises.WrongAnswer: p2: 'MCR' is not right: MCR needs C or better in every
    system: renal is still B at month 6.
    """
    from lupus_teach.response import classify_response, get_definition

    chosen = get_definition(definition)
    table = visits_table(visits)
    given = _answer_mapping(answer)
    result = classify_response(table, chosen)
    valid = [c.value for c in chosen.categories]
    expected = dict(zip(result["patient_id"].astype(str), result["response"], strict=True))
    deciding = dict(zip(result["patient_id"].astype(str), result["deciding_month"],
                        strict=True)) if "deciding_month" in result else {}
    missing = [p for p in expected if p not in given]
    if missing:
        raise WrongAnswer(f"your answer has no category for {', '.join(missing)}; classify "
                          "every patient.")
    unknown = [p for p in given if p not in expected]
    if unknown:
        raise WrongAnswer(f"{', '.join(unknown)} is not a patient of this question; the "
                          f"patients are {', '.join(expected)}.")
    for pid, category in given.items():
        match = next((v for v in valid if v.lower() == category.lower()), None)
        if match is None:
            raise WrongAnswer(f"{pid}: {category!r} is not a {chosen.name} category; use one "
                              f"of {', '.join(valid)}.")
        if match == expected[pid]:
            continue
        why = None
        if match == "MCR" and chosen.name == "wang2014":
            why = _why_not_mcr(_history(table, pid))
        if why is None:
            # the library's reason names the right category: say where to look instead
            month = deciding.get(pid)
            when = f" (the visit that decides it is at month {_month_text(month)})" \
                if month is not None and month == month else ""
            why = (f"go through {pid}'s visits again against the {chosen.name} rules, the "
                   f"strictest first{when}")
        raise WrongAnswer(f"{pid}: {category!r} is not right: {why}.")


def _history(table: Any, pid: str) -> dict[int, dict[str, str]]:
    rows = table[table["patient_id"].astype(str) == pid]
    return {
        int(m): dict(zip(v["system"], v["grade"], strict=True)) for m, v in rows.groupby("month")
    }


def visits_table(visits: Any) -> Any:
    """A long visits table from ``{patient_id: {month: {system: grade}}}`` (or a table).

    Examples
    --------
    >>> visits_table({"p1": {0: {"renal": "A"}, 6: {"renal": "C"}}}).shape
    (2, 4)
    """
    import pandas as pd

    if isinstance(visits, pd.DataFrame):
        return visits
    rows = [
        (pid, month, system, grade)
        for pid, history in visits.items()
        for month, grades in history.items()
        for system, grade in grades.items()
    ]
    return pd.DataFrame(rows, columns=["patient_id", "month", "system", "grade"])


# --------------------------------------------------------------------------
# Statistics checks
# --------------------------------------------------------------------------


@_feedback
def check_interval(
    answer: object,
    successes: int,
    n: int,
    method: str = "wilson",
    level: float = 0.95,
    tol: float = 0.005,
) -> None:
    """Check a confidence interval ``(lower, upper)`` for a proportion.

    The expected interval comes from :func:`lupus_teach.stats.proportion_ci`.

    Examples
    --------
    >>> check_interval((0.201, 0.480), 13, 40)
    >>> check_interval((0.186, 0.491), 13, 40)
    Traceback (most recent call last):
    ...
    lupus_teach.exercises.WrongAnswer: (0.186, 0.491) is not right: that is the exact
    interval; this question asks for the wilson interval.
    """
    from lupus_teach.stats import CI_METHODS, proportion_ci

    _require_answered(answer, "your interval")
    if isinstance(answer, str) or not isinstance(answer, Sequence) or len(answer) != 2:
        raise WrongAnswer(f"expected two numbers (lower, upper), got {_shown(answer)}.")
    lower = _as_number(answer[0], "the lower limit")
    upper = _as_number(answer[1], "the upper limit")
    shown = f"({lower:g}, {upper:g})"
    if lower > upper:
        raise WrongAnswer(f"{shown}: the lower limit is above the upper one; give (lower, upper).")
    if upper > 1.0 + tol:
        raise WrongAnswer(f"{shown}: give proportions between 0 and 1, not percentages.")

    def close(ci: Any) -> bool:
        return abs(ci.lower - lower) <= tol and abs(ci.upper - upper) <= tol

    if close(proportion_ci(successes, n, method=method, level=level)):
        return
    for other in CI_METHODS:
        if other != method and close(proportion_ci(successes, n, method=other, level=level)):
            raise WrongAnswer(f"{shown} is not right: that is the {other} interval; this "
                              f"question asks for the {method} interval.")
    p = successes / n
    if not lower <= p <= upper:
        raise WrongAnswer(f"{shown} is not right: it does not even contain the observed "
                          f"proportion {successes}/{n} = {p:.3f}.")
    raise WrongAnswer(f"{shown} is not right: use proportion_ci({successes}, {n}, "
                      f"method={method!r}) and round to 3 decimals.")


# --------------------------------------------------------------------------
# Feedback in the student notebook
# --------------------------------------------------------------------------

#: Colours of the feedback blocks (Okabe-Ito orange and bluish green; grey for "not yet").
_WRONG_COLOUR, _RIGHT_COLOUR, _QUIET_COLOUR = "#E69F00", "#009E73", "#666666"


@dataclass(frozen=True)
class Feedback:
    """What a student sees after ``grader.check("q2")``: one line, or one short block.

    ``status`` is ``"right"``, ``"wrong"`` or ``"unanswered"``. The text never
    contains a traceback, the check's code or the expected value: only the
    question, what is wrong (the message of :class:`WrongAnswer`, written for
    each option and check) and the hint of the check (its Otter
    ``failure_message``).

    Examples
    --------
    >>> print(Feedback("q2", "unanswered", "score_931 is still `...`"))
    q2: not answered yet (replace the `...`, then run this cell again)
    >>> print(Feedback("q1", "wrong", "A is not right: E means never involved.", "See lesson 2."))
    q1: not right yet
      A is not right: E means never involved.
      Hint: See lesson 2.
    >>> print(Feedback("q1", "right"))
    q1: ✓ passes the checks
    """

    question: str
    status: str
    message: str = ""
    hint: str = ""

    @property
    def passed(self) -> bool:
        """Whether every check of the question passed."""
        return self.status == "right"

    def __str__(self) -> str:
        if self.status == "right":
            return f"{self.question}: ✓ passes the checks"
        if self.status == "unanswered":
            return f"{self.question}: not answered yet{self._why()}"
        lines = [f"{self.question}: not right yet"]
        if self.message:
            lines.append(f"  {self.message}")
        if self.hint:
            lines.append(f"  Hint: {self.hint}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _why(self) -> str:
        if not self.message:
            return ""
        if "`...`" in self.message:
            return " (replace the `...`, then run this cell again)"
        return f" ({self.message})"

    def _repr_html_(self) -> str:
        from html import escape

        if self.status == "right":
            return (f'<p style="margin:0.2em 0"><span style="color:{_RIGHT_COLOUR}">✓</span> '
                    f"<strong>{escape(self.question)}</strong>: passes the checks</p>")
        if self.status == "unanswered":
            return (f'<p style="margin:0.2em 0;color:{_QUIET_COLOUR}">'
                    f"{escape(self.question)}: not answered yet{escape(self._why())}</p>")
        parts = [f"<strong>{escape(self.question)}: not right yet</strong>"]
        if self.message:
            parts.append(escape(self.message))
        if self.hint:
            parts.append(f"<em>Hint:</em> {escape(self.hint)}")
        return (f'<div role="status" style="border-left:4px solid {_WRONG_COLOUR};'
                f'padding:0.3em 0.8em;margin:0.3em 0">' + "<br>".join(parts) + "</div>")


@dataclass(frozen=True)
class FeedbackSummary:
    """The feedback of ``grader.check_all()``: one line per question, then a count.

    Examples
    --------
    >>> print(FeedbackSummary((Feedback("q1", "right"), Feedback("q2", "unanswered"))))
    q1: ✓ passes the checks
    q2: not answered yet
    1 of 2 questions pass the checks in this notebook; more checks run when your work is graded.
    """

    items: tuple[Feedback, ...]

    def _count(self) -> str:
        passed = sum(f.passed for f in self.items)
        return (f"{passed} of {len(self.items)} questions pass the checks in this notebook; "
                "more checks run when your work is graded.")

    def __str__(self) -> str:
        return "\n".join([*(str(f) for f in self.items), self._count()])

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        from html import escape

        return "".join(f._repr_html_() for f in self.items) + f"<p>{escape(self._count())}</p>"


def _exception_text(message: str) -> tuple[str, str]:
    r"""``(exception name, message)`` of a failed Otter test case's result text.

    Works for exception-based test files ("Error at line 3 in test q1: ...
    WrongAnswer: ...") and for OK-format doctest transcripts ("Traceback (most
    recent call last): ... lupus_teach.exercises.WrongAnswer: ..."); returns
    ``("", "")`` when no exception is found (a check that printed something).

    Examples
    --------
    >>> _exception_text("❌ Test case failed\nError at line 3 in test q1:\n  check(x)\n"
    ...                 "WrongAnswer: A is not right: no.")
    ('WrongAnswer', 'A is not right: no.')
    >>> _exception_text("Exception raised:\n    Traceback (most recent call last):\n"
    ...                 "      File 'x', line 1\n"
    ...                 "    lupus_teach.exercises.NotAnswered: still ...\n")
    ('NotAnswered', 'still ...')
    """
    lines = message.splitlines()
    start = next((i for i, line in enumerate(lines)
                  if line.strip() == "Traceback (most recent call last):"), None)
    if start is not None:  # doctest transcript
        base = len(lines[start]) - len(lines[start].lstrip())
        body = []
        for line in lines[start + 1:]:
            depth = len(line) - len(line.lstrip())
            if line.strip().startswith("*****") or (body and depth < base):
                break
            if not body and (depth > base or not line.strip()):
                continue  # a frame of the traceback
            body.append(line[base:])
        text = "\n".join(body).strip()
    else:
        header = next((i for i, line in enumerate(lines) if line.startswith("Error at line ")),
                      None)
        if header is None:
            return "", ""
        rest = lines[header + 1:]
        while rest and rest[0].startswith("  "):
            rest = rest[1:]
        text = "\n".join(rest).strip()
    kind, _, said = text.partition(": ")
    if not kind or " " in kind:
        return "", ""
    return kind.rsplit(".", 1)[-1], said.strip()


def feedback(result: Any, env: Mapping[str, Any] | None = None) -> Feedback:
    """Turn Otter's result for one question (a ``TestFile``) into :class:`Feedback`.

    The first failed check decides: :class:`NotAnswered`, or a name the check
    needs that is not defined yet, is "not answered"; :class:`WrongAnswer`
    shows its message and the check's ``failure_message`` as a hint; any
    other error names the error type only.
    """
    name = str(result.name)
    failed = [r for r in result.test_case_results if not r.passed]
    if not failed:
        return Feedback(name, "right")
    first = failed[0]
    missing = _missing_names(first.test_case.body, env)
    if missing:
        return Feedback(name, "unanswered", f"run the cell that defines `{missing[0]}` first")
    kind, said = _exception_text(first.message or "")
    hint = first.test_case.failure_message or ""
    if kind == "NotAnswered":
        return Feedback(name, "unanswered", said)
    if kind == "NameError":
        match = re.search(r"name '(\w+)' is not defined", said)
        what = f"`{match.group(1)}`" if match else "your answer"
        return Feedback(name, "unanswered", f"run the cell that defines {what} first")
    if kind in ("WrongAnswer", "AssertionError") and said:
        return Feedback(name, "wrong", said, hint)
    if kind:
        return Feedback(name, "wrong", f"your answer made the check fail with a {kind}: {said}",
                        hint)
    return Feedback(name, "wrong", "the check printed something unexpected; run the cells "
                    "from the top and try again.", hint)


def _missing_names(body: object, env: Mapping[str, Any] | None) -> list[str]:
    """Arguments of an exception-based check that are not defined in ``env``."""
    if env is None or not hasattr(body, "_get_func_params"):
        return []
    return [n for n in body._get_func_params() if n != "env" and n not in env]


def _grader_class() -> type:
    """:class:`Grader`, built on first use (importing Otter takes a few seconds)."""
    global _GRADER
    if _GRADER is not None:
        return _GRADER
    import inspect
    import warnings

    with warnings.catch_warnings():  # Otter's dependencies warn about things not ours to fix
        warnings.simplefilter("ignore", DeprecationWarning)
        import otter
        from otter.check.utils import list_available_tests

    class Grader(otter.Notebook):
        """Otter's notebook grader, with short feedback instead of Otter's test transcript.

        ``check`` runs Otter's check (logged, tracked and graded exactly as
        Otter does) and returns :class:`Feedback`; ``check_all`` returns a
        :class:`FeedbackSummary`. Release puts ``grader = Grader(...)`` in the
        student notebook in place of ``otter.Notebook(...)``.
        """

        def check(self, question: str, global_env: dict[str, Any] | None = None) -> Any:
            if global_env is None:
                frame = inspect.currentframe()
                global_env = frame.f_back.f_globals if frame and frame.f_back else {}
            result = super().check(question, global_env)
            return feedback(result, global_env)

        def check_all(self) -> Any:
            if type(self)._grading_mode:
                return None
            frame = inspect.currentframe()
            env = frame.f_back.f_globals if frame and frame.f_back else {}
            tests = list_available_tests(self._tests_dir, self._nbmeta_config)
            return FeedbackSummary(tuple(self.check(t, env) for t in tests))

    Grader.__module__ = __name__
    _GRADER = Grader
    return Grader


_GRADER: type | None = None


def __getattr__(name: str) -> Any:
    if name == "Grader":
        return _grader_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------
# Release
# --------------------------------------------------------------------------


class ReleaseError(LupusTeachError, RuntimeError):
    """Otter Assign failed on a master."""


def masters(directory: str | os.PathLike[str] | None = None) -> list[Path]:
    """The master notebooks, in order (``exercises/NN_*.ipynb``).

    Examples
    --------
    >>> [p.name for p in masters()][:1]
    ['02_bilag_index.ipynb']
    """
    folder = Path(directory) if directory is not None else EXERCISES_DIR
    return sorted(p for p in folder.glob("*.ipynb") if re.match(r"\d\d_", p.name))


def release(
    out_dir: str | os.PathLike[str] = DEFAULT_RELEASE_DIR,
    masters: Iterable[str | os.PathLike[str]] | None = None,
    *,
    run_tests: bool = True,
    ship_package: bool = True,
    force: bool = False,
) -> list[Path]:
    """Generate the student and autograder versions of exercise masters with Otter Assign.

    Parameters
    ----------
    out_dir : path
        Output directory; each set goes to ``out_dir/<set>/student/`` (the
        notebook to hand out: solutions removed, public checks kept) and
        ``out_dir/<set>/autograder/`` (solutions, all checks, grading zip).
        An existing set directory is replaced only with ``force=True``; a
        folder holding a master is never replaced.
    masters : paths, optional
        The masters to release (default: every ``exercises/NN_*.ipynb``).
    run_tests : bool
        Let Otter run every check, hidden ones included, against the
        solutions and fail if one does not pass (default). Runs offline,
        without Docker.
    ship_package : bool
        Put a wheel of lupus-teach in each autograder zip (see
        :func:`finish_release`).
    force : bool
        Replace set directories that exist (``--force``).

    Returns
    -------
    list of Path
        The set directories written.

    Raises
    ------
    ReleaseError
        If Otter Assign fails on a master (the message names it).
    OutputRefusedError
        If a set directory exists and ``force`` is false (nothing is released).
    """
    import logging
    import warnings

    from lupus_teach.outputs import check_output_path, replace_directory

    chosen = [Path(m).resolve() for m in masters] if masters is not None else _masters_default()
    if not chosen:
        raise ReleaseError(f"no exercise masters found in {EXERCISES_DIR}")
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # otter and its dependencies warn about things that are not ours to fix
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        from otter.assign import main as otter_assign
    for master in chosen:  # refuse before releasing anything
        check_output_path(out / master.stem, inputs=[*chosen, EXERCISES_DIR], force=force,
                          directory=True)
    written = []
    for master in chosen:
        if not master.is_file():
            raise ReleaseError(f"{master}: no such exercise master")
        target = out / master.stem
        previous = logging.getLogger("otter").level
        # built in a temporary folder, moved into place when complete (lupus_teach.outputs)
        with replace_directory(target, inputs=[*chosen, EXERCISES_DIR], force=force) as work:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)
                    otter_assign(str(master), str(work), no_run_tests=not run_tests,
                                 no_pdfs=True)
            except Exception as err:
                raise ReleaseError(f"{master.name}: Otter Assign failed: {err}") from err
            finally:
                logging.getLogger("otter").setLevel(previous)
            finish_release(work, master.stem, ship_package=ship_package)
        written.append(target)
    return written


def _masters_default() -> list[Path]:
    return masters()


#: The init cell of a released student notebook: Otter's grader with short feedback.
STUDENT_INIT_CELL = (
    "# Initialize the checks (Otter-Grader, with short feedback from lupus-teach)\n"
    "from lupus_teach.exercises import Grader\n\n"
    'grader = Grader("{notebook}")'
)


def finish_release(set_dir: str | os.PathLike[str], name: str, *, ship_package: bool = True
                   ) -> None:
    """Adapt what Otter Assign wrote for one set: student init cell, autograder environment.

    * In ``student/<name>.ipynb`` the init cell ``grader = otter.Notebook(...)``
      becomes ``grader = Grader(...)`` (:class:`Grader`, a subclass of
      ``otter.Notebook``): every check is Otter's, only the display is short.
    * In the autograder zip, the environment asks for Python 3.11, and
      ``setup.sh`` installs lupus-teach into Otter's grading environment from a
      wheel carried inside the zip (``ship_package``), so that Otter's own
      container grading (``otter grade``, Gradescope) can import the checks.
      Without a source tree to build the wheel from (lupus-teach installed from
      a wheel itself), the environment names ``lupus-teach==<version>``.
    """
    import nbformat

    folder = Path(set_dir)
    student = folder / "student" / f"{name}.ipynb"
    nb = nbformat.read(student, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "otter.Notebook(" in cell.source:
            cell.source = STUDENT_INIT_CELL.format(notebook=f"{name}.ipynb")
            break
    nbformat.write(nb, student)
    for archive in (folder / "autograder").glob("*-autograder_*.zip"):
        _adapt_autograder_zip(archive, package_wheel() if ship_package else None)


#: Python version of Otter's grading environment (that of the project).
GRADING_PYTHON = "3.11"


def _adapt_autograder_zip(archive: Path, wheel: Path | None) -> None:
    """Pin Python and install lupus-teach in an Otter autograder zip (rewritten in place)."""
    import base64
    import zipfile

    import yaml

    from lupus_teach import __version__

    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        members = {info.filename: zf.read(info) for info in infos}
    env = yaml.safe_load(members["environment.yml"].decode("utf-8"))
    deps = env["dependencies"]
    deps[:] = [f"python={GRADING_PYTHON}" if isinstance(d, str) and d.startswith("python=")
               else d for d in deps]
    if wheel is None:
        for dep in deps:
            if isinstance(dep, dict) and "pip" in dep:
                dep["pip"].append(f"lupus-teach=={__version__}")
    members["environment.yml"] = yaml.safe_dump(env, sort_keys=False).encode("utf-8")
    if wheel is not None:
        encoded = base64.encodebytes(wheel.read_bytes()).decode("ascii")
        setup = members["setup.sh"].decode("utf-8").rstrip("\n")
        members["setup.sh"] = (
            f"{setup}\n\n"
            "# lupus-teach (the checks import it), carried in this zip as a wheel\n"
            f"base64 -d > /tmp/{wheel.name} <<'WHEEL'\n{encoded}WHEEL\n"
            f"mamba run -n otter-env pip install /tmp/{wheel.name}\n"
        ).encode()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for info in infos:
            zf.writestr(info, members[info.filename])


_WHEELS: dict[Path, Path] = {}


def package_wheel() -> Path | None:
    """A wheel of this lupus-teach, built once per process; ``None`` without a source tree.

    Built with pip (``pip wheel --no-deps``) from a copy of the source, so
    nothing is written into the repository; offline when the build backend is
    already installed (``--no-build-isolation``).
    """
    import shutil
    import subprocess
    import sys
    import tempfile

    root = Path(__file__).resolve().parent.parent
    if not (root / "pyproject.toml").is_file():
        return None
    if root in _WHEELS and _WHEELS[root].is_file():
        return _WHEELS[root]
    work = Path(tempfile.mkdtemp(prefix="lupus-teach-wheel-"))
    source = work / "source"
    shutil.copytree(root / "lupus_teach", source / "lupus_teach",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (root / name).is_file():
            shutil.copy(root / name, source / name)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"),
               str(source)]
    for extra in (["--no-build-isolation"], []):
        done = subprocess.run(command + extra, cwd=work, capture_output=True, text=True)
        wheels = sorted((work / "dist").glob("lupus_teach-*.whl"))
        if done.returncode == 0 and wheels:
            _WHEELS[root] = wheels[0]
            return wheels[0]
    raise ReleaseError(f"could not build a wheel of lupus-teach to put in the autograder zip: "
                       f"{done.stderr.strip()[-500:]}")


# --------------------------------------------------------------------------
# Reading versions for the book
# --------------------------------------------------------------------------

_MARKER_LINE = re.compile(r"^\s*#\s*(BEGIN|END) SOLUTION\b.*$|^\s*#\s*SOLUTION NO PROMPT\s*$")
_TRAILING_MARKER = re.compile(r"\s*#\s*SOLUTION\s*$")

BOOK_NOTE = (
    "```{note}\n"
    "This is the reading version of the exercise set for the course website: each "
    "solution is folded under **Show solution**. To work on the exercises with instant "
    "feedback, open the student version in JupyterLab (see `exercises/README.md`).\n"
    "```"
)


def _raw_marker(cell: Any) -> str:
    """The Otter Assign marker a raw cell holds (``"BEGIN SOLUTION"`` ...), or ``""``."""
    if cell.cell_type != "raw":
        return ""
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    match = re.match(r"#\s*(ASSIGNMENT CONFIG|(?:BEGIN|END) (?:QUESTION|SOLUTION|TESTS|PROMPT))",
                     first)
    return match.group(1) if match else ""


def solution_code(source: str) -> str:
    """A solution cell's code without Otter's markers.

    Examples
    --------
    >>> print(solution_code("x = 1  # SOLUTION\\n# BEGIN SOLUTION\\ny = 2\\n# END SOLUTION"))
    x = 1
    y = 2
    """
    lines = [_TRAILING_MARKER.sub("", line) for line in source.splitlines()
             if not _MARKER_LINE.match(line)]
    return "\n".join(lines).strip("\n")


def book_version(master: str | os.PathLike[str]) -> Any:
    """The reading version of a master for the book: solutions folded, checks removed.

    Otter's configuration and markers are dropped; each solution cell stays
    (so later cells still run) but is hidden, and a folded **Show solution**
    block shows its code; test cells are dropped.

    Returns
    -------
    nbformat.NotebookNode

    Examples
    --------
    >>> nb = book_version(masters()[0])
    >>> any("Show solution" in c.source for c in nb.cells)
    True
    >>> any("BEGIN TESTS" in c.source for c in nb.cells)
    False
    """
    import nbformat

    source = nbformat.read(os.fspath(master), as_version=4)
    cells = []
    state = ""
    for cell in source.cells:
        marker = _raw_marker(cell)
        if marker:
            state = {"BEGIN SOLUTION": "solution", "BEGIN TESTS": "tests",
                     "BEGIN PROMPT": "prompt"}.get(marker, "")
            continue
        if state in ("tests", "prompt"):
            continue
        if state == "solution" and cell.cell_type == "code":
            code = solution_code(cell.source)
            fold = ("````{admonition} Show solution\n:class: dropdown\n\n```python\n"
                    f"{code}\n```\n````")
            cells.append(nbformat.v4.new_markdown_cell(fold))
            hidden = nbformat.v4.new_code_cell(code)
            hidden.metadata["tags"] = ["remove-cell"]
            cells.append(hidden)
            continue
        copy = nbformat.from_dict(dict(cell))
        if copy.cell_type == "code":
            copy.outputs, copy.execution_count = [], None
        cells.append(copy)
        if len(cells) == 1 and copy.cell_type == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(BOOK_NOTE))
    for index, cell in enumerate(cells):
        cell["id"] = f"cell-{index}"
    return nbformat.v4.new_notebook(cells=cells, metadata=source.metadata)


def write_book_versions(out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write the reading version of every master into ``out_dir`` (only when changed).

    Returns the notebooks written or already up to date, in order.
    """
    import nbformat

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for master in masters():
        target = out / master.name
        text = nbformat.writes(book_version(master)) + "\n"
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
        paths.append(target)
    for stale in out.glob("*.ipynb"):
        if stale not in paths:
            stale.unlink()
    return paths
