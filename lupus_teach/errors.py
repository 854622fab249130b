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
    """

    source: str
    row: int | str | None
    column: str | None
    value: object
    message: str

    def __str__(self) -> str:
        where = [self.source]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        text = ", ".join(where)
        if self.value is not None:
            text += f", value {self.value!r}"
        return f"{text}: {self.message}"


class DataValidationError(LupusTeachError, ValueError):
    """A table broke the BILAG data contract; ``problems`` lists every problem.

    The message lists all problems at once, one per line, so they can all be
    fixed in one pass.
    """

    def __init__(self, problems: Sequence[Problem], source: str = "") -> None:
        self.problems = tuple(problems)
        self.source = source or (self.problems[0].source if self.problems else "")
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{self.source}: found {count} {noun}; nothing was changed or dropped."]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class DefinitionError(LupusTeachError, ValueError):
    """Data that a response definition cannot be applied to (e.g. no baseline)."""


class StatsInputError(LupusTeachError, ValueError):
    """Numbers that a statistical function cannot use (a count above its total, ...)."""


class NotEnoughDataError(StatsInputError):
    """Too few usable observations for the calculation asked for."""


class ChartOptionError(LupusTeachError, ValueError):
    """A chart option with an unusable value (for example ``max_patients=0``)."""
