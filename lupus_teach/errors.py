"""Exceptions raised by :mod:`lupus_teach`.

Every exception the package raises on purpose derives from
:class:`LupusTeachError`, and also from the built-in class a Python user would
expect (``ValueError`` for bad values, ``KeyError``-like lookups become
``ValueError`` too so that one ``except ValueError`` catches all bad input).
Messages are written for a student: they say what was wrong, where, and how to
fix it, and list the valid choices.

Examples
--------
>>> from lupus_teach.errors import InvalidGradeError
>>> try:
...     raise InvalidGradeError("F")
... except ValueError as err:
...     print(err)
'F' is not a BILAG grade. Use one of A, B, C, D, E (A = severe ... E = never involved).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class LupusTeachError(Exception):
    """Base class of every error raised on purpose by ``lupus_teach``."""


class InvalidGradeError(LupusTeachError, ValueError):
    """A value that is not one of the BILAG grades A-E."""

    def __init__(self, value: object) -> None:
        self.value = value
        super().__init__(
            f"{value!r} is not a BILAG grade. Use one of A, B, C, D, E "
            "(A = severe ... E = never involved)."
        )


class UnknownNameError(LupusTeachError, ValueError):
    """A name (organ system, scheme, definition, index...) that is not known.

    Parameters
    ----------
    kind : str
        What was looked up, for example ``"organ system"``.
    value : object
        The value that was given.
    choices : iterable of str
        The valid names, listed in the message.
    hint : str, optional
        One more sentence of advice.
    """

    def __init__(
        self, kind: str, value: object, choices: Iterable[str], hint: str = ""
    ) -> None:
        self.kind = kind
        self.value = value
        self.choices = tuple(choices)
        message = f"{value!r} is not a known {kind}. Choose one of: {', '.join(self.choices)}."
        if hint:
            message += f" {hint}"
        super().__init__(message)


#: At most this many problems of one kind are listed in a :class:`DataValidationError`.
MAX_PROBLEMS_PER_KIND = 20
#: A :class:`DataValidationError` message never has more lines than this.
MAX_MESSAGE_LINES = 195


def inert(text: object, *, keep_newlines: bool = False) -> str:
    """Text with every non-printable character written as a visible escape.

    Terminal control sequences (ESC, the C0 and C1 controls, DEL), bidirectional
    overrides and other invisible characters are shown as ``\\x1b`` or
    ``U+202E`` instead of being sent to the terminal, so quoting a user's data
    can never retitle, clear or reorder the screen. Ordinary letters of any
    alphabet are kept. Newlines are kept only when ``keep_newlines``.

    Examples
    --------
    >>> print(inert("p1\\x1b]0;owned\\x07 \\u202eevil"))
    p1\\x1b]0;owned\\x07 U+202Eevil
    >>> print(inert("Zoë, 3 µmol/L"))
    Zoë, 3 µmol/L
    """
    value = str(text)
    if value.isprintable():
        return value
    out = []
    for char in value:
        if char.isprintable() or (keep_newlines and char in "\n\t"):
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"U+{code:04X}")
    return "".join(out)


def _quoted(value: object) -> str:
    if isinstance(value, str):
        quote = "\"" if "'" in value and '"' not in value else "'"
        return f"{quote}{inert(value)}{quote}"
    return inert(repr(value))


@dataclass(frozen=True)
class Problem:
    """One problem found while validating a table.

    Attributes
    ----------
    source : str
        The file name, or ``"<DataFrame>"`` for an in-memory table.
    row : int or None
        For a file, the line number as a spreadsheet shows it (the header is
        row 1, the first data row is row 2). For a DataFrame, the index label.
        ``None`` when the problem concerns the whole table.
    column : str or None
        The column concerned, if any.
    value : object
        The offending value (``None`` when there is none).
    message : str
        What is wrong and how to fix it.
    kind : str
        A short stable key for the kind of problem (``"month_not_number"``);
        :class:`DataValidationError` lists at most :data:`MAX_PROBLEMS_PER_KIND`
        of each kind. Empty when not given.

    Examples
    --------
    >>> print(Problem("f.csv", 2, "patient_id", "p\\x1b[2J", "bad id", "control_character"))
    f.csv, row 2, column 'patient_id', value 'p\\x1b[2J': bad id
    """

    source: str
    row: int | str | None
    column: str | None
    value: object
    message: str
    kind: str = ""

    def __str__(self) -> str:
        where = [inert(self.source)]
        if self.row is not None:
            where.append(f"row {inert(self.row)}")
        if self.column is not None:
            where.append(f"column '{inert(self.column)}'")
        text = ", ".join(where)
        if self.value is not None:
            text += f", value {_quoted(self.value)}"
        return f"{text}: {inert(self.message)}"


@dataclass(frozen=True)
class ProblemCount:
    """Problems of one kind that were counted but not built one by one.

    A validator facing millions of bad rows builds the first
    :data:`MAX_PROBLEMS_PER_KIND` :class:`Problem` objects of a kind and counts
    the rest, so memory stays bounded.

    Attributes
    ----------
    kind : str
        The :attr:`Problem.kind` these problems share.
    description : str
        A plural phrase: ``"rows with a month that is not a number"``.
    count : int
        How many were left out.
    """

    kind: str
    description: str
    count: int


def _group_key(problem: Problem) -> object:
    return problem.kind or (problem.column, problem.message)


class DataValidationError(LupusTeachError, ValueError):
    """A table broke the BILAG data contract; ``problems`` lists the problems found.

    The message lists the problems at once, one per line, so they can be fixed
    in one pass; but at most :data:`MAX_PROBLEMS_PER_KIND` of each kind, then a
    line counting the rest, and never more than about 200 lines in all.
    Problems without a ``kind`` are grouped by column and message.

    Parameters
    ----------
    problems : sequence of Problem
        The problems built (in the order to show them).
    source : str, optional
        The file name (default: that of the first problem).
    omitted : sequence of ProblemCount
        Problems counted but not built.

    Attributes
    ----------
    problems, omitted : tuple
    total : int
        Every problem, listed or counted.

    Examples
    --------
    >>> rows = [Problem("f.csv", r, "month", "M6", "not a number.", "month_not_number")
    ...         for r in range(2, 24)]
    >>> more = ProblemCount("month_not_number", "rows with a month that is not a number", 999)
    >>> err = DataValidationError(rows, omitted=[more])
    >>> lines = str(err).splitlines()
    >>> print(lines[0]); print(lines[-1]); len(lines)
    f.csv: found 1,021 problems; nothing was changed or dropped.
      ... and 1,001 more rows with a month that is not a number
    22
    """

    def __init__(
        self,
        problems: Sequence[Problem],
        source: str = "",
        *,
        omitted: Sequence[ProblemCount] = (),
    ) -> None:
        self.problems = tuple(problems)
        self.omitted = tuple(omitted)
        self.source = source or (self.problems[0].source if self.problems else "")
        self.total = len(self.problems) + sum(c.count for c in self.omitted)
        super().__init__(self._format())

    def _format(self) -> str:
        noun = "problem" if self.total == 1 else "problems"
        lines = [f"{inert(self.source)}: found {self.total:,} {noun}; "
                 "nothing was changed or dropped."]
        shown: dict[object, int] = {}
        extra: dict[object, int] = {}
        description: dict[object, str] = {}
        body: list[str] = []
        for problem in self.problems:
            key = _group_key(problem)
            if shown.get(key, 0) < MAX_PROBLEMS_PER_KIND:
                shown[key] = shown.get(key, 0) + 1
                body.append(f"  - {problem}")
            else:
                extra[key] = extra.get(key, 0) + 1
                if key not in description:
                    column = f" in column '{inert(problem.column)}'" if problem.column else ""
                    description[key] = f"problems like the ones above{column}: " + (
                        inert(problem.message).split(";")[0].rstrip("."))
        for count in self.omitted:
            key = count.kind or count.description
            extra[key] = extra.get(key, 0) + count.count
            description[key] = inert(count.description)
        more = [(n, description[key]) for key, n in extra.items() if n]
        if len(more) > MAX_MESSAGE_LINES // 4:  # many kinds overflow: sum up the tail
            keep = MAX_MESSAGE_LINES // 4 - 1
            rest = sum(n for n, _ in more[keep:])
            more = [*more[:keep], (rest, "problems of other kinds")]
        budget = MAX_MESSAGE_LINES - 1 - len(more)
        if len(body) > budget:
            left = len(body) - budget + 1
            body = [*body[: budget - 1], f"  ... and {left:,} more problems listed after "
                    "these (fix those above and run again to see them)"]
        lines += body
        lines += [f"  ... and {n:,} more {text}" for n, text in more]
        return "\n".join(lines)


class OutputRefusedError(LupusTeachError, ValueError):
    """A file was not written because it would destroy data.

    Raised by :mod:`lupus_teach.outputs` when the output is one of the
    command's inputs (always refused, even with ``--force``), or when it
    already exists and replacing was not asked for.

    Attributes
    ----------
    path : str
        The output that was refused.
    reason : {"input", "exists", "folder"}
        Why.
    """

    def __init__(self, path: object, reason: str, message: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(message)


class DefinitionError(LupusTeachError, ValueError):
    """Data that a response definition cannot be applied to (e.g. no baseline)."""


class StatsInputError(LupusTeachError, ValueError):
    """Numbers that a statistical function cannot use (a count above its total, ...)."""


class NotEnoughDataError(StatsInputError):
    """Too few usable observations for the calculation asked for."""


class ChartOptionError(LupusTeachError, ValueError):
    """A chart option with an unusable value (for example ``max_patients=0``)."""
