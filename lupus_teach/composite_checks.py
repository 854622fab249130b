"""Checks with feedback for exercise set 10 (composite endpoints: SLEDAI-2K, SRI-4, BICLA).

Built like :mod:`lupus_teach.exercises`: a check returns ``None`` for a right
answer and raises :class:`lupus_teach.exercises.WrongAnswer` with a message
that says what to reconsider; the expected values come from the library
(:func:`lupus_teach.sledai.score`,
:func:`lupus_teach.response.classify_response`), never from numbers typed
into the notebook. A wrong classification names the *part* of the definition
to look at again (SLEDAI-2K, BILAG, PGA or treatment failure) without giving
the answer away.

Examples
--------
>>> check_sledai_total(6, ["arthritis", "rash"])
>>> check_sledai_total(2, ["arthritis", "rash"])
Traceback (most recent call last):
...
lupus_teach.exercises.WrongAnswer: 2 is not right: that is the number of descriptors present. Each descriptor adds its weight (8, 4, 2 or 1 points); look the weights up in sledai.descriptors_frame().
"""  # noqa: E501

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from lupus_teach.exercises import (
    WrongAnswer,
    _answer_mapping,
    _as_whole,
    _feedback,
)

__all__ = ["check_composite_response", "check_sledai_total", "composite_table"]


def composite_table(patients: Mapping[str, Mapping[int, Mapping[str, Any]]]) -> pd.DataFrame:
    """A long table with ``sledai`` and ``pga`` columns from patients written as dicts.

    Parameters
    ----------
    patients : mapping
        ``{patient_id: {month: {"grades": {system: grade}, "sledai": int,
        "pga": float}}}``; systems not given are E. A visit may also carry
        ``"treatment_failure": "yes"`` or ``"no"``.

    Returns
    -------
    pandas.DataFrame
        ``patient_id, month, system, grade, sledai, pga`` (and
        ``treatment_failure`` when any visit gives it), ready for
        :func:`lupus_teach.response.classify_response`.

    Examples
    --------
    >>> t = composite_table({"p1": {0: {"grades": {"renal": "A"}, "sledai": 12, "pga": 2.0}}})
    >>> t.loc[t["system"] == "renal", ["grade", "sledai", "pga"]].values.tolist()
    [['A', 12, 2.0]]
    """
    from lupus_teach.bilag import system_names

    failure = any("treatment_failure" in v for h in patients.values() for v in h.values())
    rows = []
    for pid, history in patients.items():
        for month, visit in history.items():
            grades = dict.fromkeys(system_names("classic"), "E")
            grades.update(visit.get("grades", {}))
            for system, grade in grades.items():
                row = {"patient_id": pid, "month": month, "system": system, "grade": grade,
                       "sledai": visit["sledai"], "pga": visit["pga"]}
                if failure:
                    row["treatment_failure"] = visit.get("treatment_failure", "")
                rows.append(row)
    return pd.DataFrame(rows)


@_feedback
def check_sledai_total(answer: object, descriptors: Sequence[str]) -> None:
    """Check a SLEDAI-2K total against :func:`lupus_teach.sledai.score`.

    Raises
    ------
    WrongAnswer
        Saying whether the answer counts descriptors instead of weights, or
        which weight class to look at again.
    """
    from lupus_teach import sledai

    total = _as_whole(answer, "the total")
    expected = sledai.score(descriptors)
    if total == expected:
        return
    if total == len(set(descriptors)):
        raise WrongAnswer(f"{total} is not right: that is the number of descriptors present. "
                          "Each descriptor adds its weight (8, 4, 2 or 1 points); look the "
                          "weights up in sledai.descriptors_frame().")
    gap = abs(total - expected)
    weights = sorted({sledai.descriptor(d).weight for d in descriptors}, reverse=True)
    hint = next((f" You are {gap} points off: recheck the {w}-point descriptors."
                 for w in weights if gap % w == 0), "")
    if total > sledai.MAXIMUM or total < 0:
        hint = f" A SLEDAI-2K total runs from 0 to {sledai.MAXIMUM}."
    direction = "high" if total > expected else "low"
    raise WrongAnswer(f"{total} is not right: too {direction}.{hint}")


def _part(reason: str) -> str:
    """Which part of a composite definition a reason is about."""
    if "treatment failure" in reason and reason.startswith("NR"):
        return "treatment failure"
    if "global assessment" in reason and reason.startswith("NR"):
        return "the physician's global assessment (PGA)"
    if "SLEDAI-2K" in reason and reason.startswith("NR"):
        return "the SLEDAI-2K part"
    return "the BILAG part (new A or B scores, and for BICLA every baseline A and B improving)"


@_feedback
def check_composite_response(answer: object, patients: Any, definition: str = "sri4") -> None:
    """Check a classification under SRI-4 (``sri4`` ... ``sri8``) or BICLA (``bicla``).

    Parameters
    ----------
    answer : dict
        ``{patient_id: "responder" or "NR"}``.
    patients : mapping or DataFrame
        As for :func:`composite_table`, or such a table.
    definition : str
        ``"sri4"`` ... ``"sri8"``, ``"bicla"`` or ``"bicla_full"``.

    Raises
    ------
    WrongAnswer
        Naming the first misclassified patient and the part of the definition
        to look at again.

    Examples
    --------
    >>> p = {"p1": {0: {"grades": {"renal": "A"}, "sledai": 12, "pga": 2.0},
    ...             12: {"grades": {"renal": "C"}, "sledai": 9, "pga": 1.5}}}
    >>> check_composite_response({"p1": "NR"}, p, "sri4")
    >>> check_composite_response({"p1": "responder"}, p, "sri4")
    Traceback (most recent call last):
    ...
    lupus_teach.exercises.WrongAnswer: p1: 'responder' is not right under sri4: look again at the SLEDAI-2K part.
    """  # noqa: E501
    from lupus_teach.response import classify_response

    table = patients if isinstance(patients, pd.DataFrame) else composite_table(patients)
    result = classify_response(table, definition).set_index("patient_id")
    given = _answer_mapping(answer)
    missing = [p for p in result.index if p not in given]
    if missing:
        raise WrongAnswer(f"your answer has no category for {', '.join(missing)}; classify "
                          "every patient.")
    unknown = [p for p in given if p not in result.index]
    if unknown:
        raise WrongAnswer(f"{', '.join(unknown)} is not a patient of this question; the "
                          f"patients are {', '.join(result.index)}.")
    for pid, category in given.items():
        if category.strip().lower() not in ("responder", "nr"):
            raise WrongAnswer(f"{pid}: {category!r} is not a category here; use 'responder' "
                              "or 'NR'.")
        expected = result.loc[pid, "response"]
        if category.strip().lower() == expected.lower():
            continue
        if expected == "responder":
            why = ("every part is met: recheck the part you thought fails, remembering that "
                   "'at least 4' includes 4 and a worsening of less than 0.3 is allowed")
        else:
            why = f"look again at {_part(result.loc[pid, 'reason'])}"
        raise WrongAnswer(f"{pid}: {category!r} is not right under {definition}: {why}.")
