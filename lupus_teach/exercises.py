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
``autograder/`` notebook with its grading zip.

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
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from lupus_teach.errors import LupusTeachError

__all__ = [
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


def _feedback(func: Callable[P, R]) -> Callable[P, R]:
    """Re-raise a check's :class:`WrongAnswer` from one short frame.

    The student sees the message, not the helper's internals.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except WrongAnswer as err:
            message = str(err)
        raise WrongAnswer(message) from None

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
        raise WrongAnswer(f"{name} is still `...`: replace the `...` with your answer and run "
                          "the cell again.")
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
            raise WrongAnswer(f"{pid} is still `...`: replace it with 'MCR', 'PCR' or 'NR'.")
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
    reasons = dict(zip(result["patient_id"].astype(str), result["reason"], strict=True))
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
            why = f"the rule that decides this patient is '{reasons[pid]}'"
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
) -> list[Path]:
    """Generate the student and autograder versions of exercise masters with Otter Assign.

    Parameters
    ----------
    out_dir : path
        Output directory; each set goes to ``out_dir/<set>/student/`` (the
        notebook to hand out: solutions removed, public checks kept) and
        ``out_dir/<set>/autograder/`` (solutions, all checks, grading zip).
        An existing set directory is replaced.
    masters : paths, optional
        The masters to release (default: every ``exercises/NN_*.ipynb``).
    run_tests : bool
        Let Otter run every check, hidden ones included, against the
        solutions and fail if one does not pass (default). Runs offline,
        without Docker.

    Returns
    -------
    list of Path
        The set directories written.

    Raises
    ------
    ReleaseError
        If Otter Assign fails on a master (the message names it).
    """
    import logging
    import shutil
    import warnings

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
    written = []
    for master in chosen:
        if not master.is_file():
            raise ReleaseError(f"{master}: no such exercise master")
        target = out / master.stem
        if target.exists():
            shutil.rmtree(target)
        previous = logging.getLogger("otter").level
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                otter_assign(str(master), str(target), no_run_tests=not run_tests, no_pdfs=True)
        except Exception as err:
            raise ReleaseError(f"{master.name}: Otter Assign failed: {err}") from err
        finally:
            logging.getLogger("otter").setLevel(previous)
        written.append(target)
    return written


def _masters_default() -> list[Path]:
    return masters()


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
