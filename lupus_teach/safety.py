"""Guards between untrusted input and everything it could harm.

Three guards live here:

* **Control and invisible characters** (:func:`control_character_problems`):
  C0 and C1 control characters, DEL, bidirectional overrides and isolates
  (U+202A-U+202E, U+2066-U+2069) and a few other invisible characters are bad
  input. ``validate`` reports each cell that holds one, with the character
  written as an escape (``\\x00``, ``U+202E``), because such text can rewrite
  a terminal, reorder what a reader sees, or crash the SVG converter that
  draws the report's charts.
* **Inert text** (:func:`terminal_safe`, :func:`clean_for_chart`): every
  message that quotes user data is escaped before it reaches a terminal, and
  every string is cleaned before it reaches the chart converter, so no string
  can crash a later stage.
* **Direct identifiers** (:func:`find_identifiers`, :func:`check_identifiers`):
  a file whose column names or values look like names, dates of birth,
  e-mail addresses, phone, NHS or hospital numbers is refused by ``report``
  and ``classify`` unless ``--allow-identifiers`` is given. Reports are made
  to be shared, and pseudonymised data are all the package needs.

Only the standard library (:mod:`re`, :mod:`unicodedata`-level string
methods) and pandas' vectorised string methods are used; no identifier
detection library is small, offline and tuned to clinical spreadsheets.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"patient_id": ["p1", "p\\x1b[2J"], "month": ["0", "0"]})
>>> for problem in control_character_problems(frame, "f.csv", [2, 3]):
...     print(problem)
f.csv, row 3, column 'patient_id', value 'p\\x1b[2J': holds the control character \\x1b ...
>>> [f.column for f in find_identifiers(pd.DataFrame({"patient_id": ["p1"], "D.O.B": ["x"]}))]
['D.O.B']
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lupus_teach.errors import (
    MAX_PROBLEMS_PER_KIND,
    LupusTeachError,
    Problem,
    ProblemCount,
    inert,
)

__all__ = [
    "CHART_BACKSLASH",
    "CONTROL_CHARACTERS",
    "IdentifierColumnsError",
    "IdentifierFinding",
    "check_identifiers",
    "clean_for_chart",
    "control_character_check",
    "control_character_problems",
    "find_identifiers",
    "identifier_column_reason",
    "identifier_columns",
    "nhs_number_is_valid",
    "terminal_safe",
]

#: A regular-expression class of the characters that are bad input in any cell:
#: C0 controls (tab, newline and carriage return included), DEL, C1 controls,
#: bidirectional marks, embeddings, overrides and isolates, zero-width space,
#: word joiner, line and paragraph separators, a byte-order mark inside the text,
#: and lone surrogates.
CONTROL_CHARACTERS = (
    "[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060\u2066-\u2069"
    "\ufeff\ud800-\udfff]"
)
_CONTROL_RE = re.compile(CONTROL_CHARACTERS)

#: How a Problem about control characters is keyed (:attr:`Problem.kind`).
CONTROL_KIND = "control_character"


def terminal_safe(text: object, *, keep_newlines: bool = False) -> str:
    """Text that is safe to print: non-printable characters become visible escapes.

    The same as :func:`lupus_teach.errors.inert`, which the error messages use.

    Examples
    --------
    >>> print(terminal_safe("\\x1b]0;new title\\x07p1"))
    \\x1b]0;new title\\x07p1
    """
    return inert(text, keep_newlines=keep_newlines)


#: What a backslash becomes in chart text: U+29F5 REVERSE SOLIDUS OPERATOR, which looks the
#: same but cannot start an escape sequence.
CHART_BACKSLASH = "\u29f5"


def _chart_text(text: str) -> str:
    if text.isprintable() and "\\" not in text:
        return text
    out = []
    for char in text:
        if char == "\\":
            out.append(CHART_BACKSLASH)
        elif char.isprintable():
            out.append(char)
        else:
            out.append(f"U+{ord(char):04X}")
    return "".join(out)


def clean_for_chart(value: Any) -> Any:
    """A chart specification (or any JSON-like value) whose strings are all inert.

    Strings anywhere in ``value`` (dictionary keys included) have each control
    or invisible character written as ``U+XXXX`` and each backslash replaced by
    the look-alike U+29F5, so the SVG converter (vl-convert, which aborts the
    whole process on a NUL or an ESC in a label) only ever sees printable
    text. Backslashes go because Vega-Lite copies titles into Vega expressions,
    where the *text* ``\\x00`` would be read back as a NUL character. Other
    values are returned as they are; ordinary strings are unchanged.

    Examples
    --------
    >>> clean_for_chart({"title": "a\\x00b", "data": {"values": [{"id": "\\u202ep", "y": 1}]}})
    {'title': 'aU+0000b', 'data': {'values': [{'id': 'U+202Ep', 'y': 1}]}}
    >>> clean_for_chart(["C:\\\\temp", "plain", 3.5])
    ['C:⧵temp', 'plain', 3.5]
    """
    if isinstance(value, str):
        return _chart_text(value)
    if isinstance(value, dict):
        return {clean_for_chart(k): clean_for_chart(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_for_chart(v) for v in value]
    return value


def _describe(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"U+{code:04X}"


def _string_cells(series: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        return pd.Series([], dtype=object)
    values = series.astype(object)
    return values[values.map(lambda v: isinstance(v, str))]


def control_character_check(
    frame: pd.DataFrame, source: str, row_numbers: Sequence[object] | np.ndarray | None = None,
) -> tuple[list[Problem], list[ProblemCount]]:
    """Find cells (and column names) holding control or invisible characters.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as read (text cells).
    source : str
        The file name used in messages.
    row_numbers : sequence, optional
        The spreadsheet row number (or index label) of each row of ``frame``,
        in order; by default the index labels.

    Returns
    -------
    problems : list of Problem
        At most :data:`~lupus_teach.errors.MAX_PROBLEMS_PER_KIND` problems, in
        table order (row, then column), with kind ``"control_character"``.
    counts : list of ProblemCount
        The cells found beyond those (empty when there are none).

    Examples
    --------
    >>> frame = pd.DataFrame({"patient_id": ["p\\x00"] * 30})
    >>> problems, counts = control_character_check(frame, "f.csv", range(2, 32))
    >>> len(problems), counts[0].count
    (20, 10)
    """
    labels = np.asarray(frame.index if row_numbers is None else list(row_numbers),
                        dtype=object)
    problems: list[Problem] = []
    header_row = None if row_numbers is None else 1
    for column in frame.columns:
        if isinstance(column, str) and _CONTROL_RE.search(column):
            problems.append(_control_problem(source, header_row, None, column,
                                             "the column name "))
    found: list[tuple[int, int]] = []  # (row position, column position)
    total = len(problems)
    for position in range(frame.shape[1]):
        cells = _string_cells(frame.iloc[:, position])
        if cells.empty:
            continue
        hit = cells.str.contains(CONTROL_CHARACTERS, regex=True)
        hits = np.flatnonzero(hit.to_numpy(dtype=bool))
        total += len(hits)
        rows = frame.index.get_indexer(cells.index[hits])
        found += [(int(r), position) for r in rows[:MAX_PROBLEMS_PER_KIND]]
    found.sort()
    for row, position in found[: max(0, MAX_PROBLEMS_PER_KIND - len(problems))]:
        label = labels[row]
        label = label.item() if isinstance(label, np.generic) else label
        value = frame.iat[row, position]
        problems.append(_control_problem(source, label, str(frame.columns[position]), value, ""))
    counts = []
    if total > len(problems):
        counts.append(ProblemCount(CONTROL_KIND, "cells with a control or invisible character",
                                   total - len(problems)))
    return problems, counts


def _control_problem(source: str, row: Any, column: str | None, value: str,
                     where: str) -> Problem:
    chars = list(dict.fromkeys(_CONTROL_RE.findall(value)))
    shown = ", ".join(_describe(c) for c in chars[:5])
    noun = "character" if len(chars) == 1 else "characters"
    return Problem(
        source, row, column, value[:80] + ("..." if len(value) > 80 else ""),
        f"{where}holds the control {noun} {shown} (invisible, or able to change how text "
        "is shown); delete it, or retype the value, and save the file again.",
        CONTROL_KIND,
    )


def control_character_problems(
    frame: pd.DataFrame, source: str, row_numbers: Sequence[object] | np.ndarray | None = None,
) -> list[Problem]:
    """The problems of :func:`control_character_check` as one list.

    When more cells than :data:`~lupus_teach.errors.MAX_PROBLEMS_PER_KIND`
    are affected, a last problem (kind ``"control_character_more"``) counts
    the rest, so the list stays short and honest.

    Examples
    --------
    >>> frame = pd.DataFrame({"patient_id": ["p1", "p\\u202e2"], "grade": ["A", "B\\x0c"]})
    >>> for p in control_character_problems(frame, "f.csv", [2, 3]):
    ...     print(p)
    f.csv, row 3, column 'patient_id', value 'pU+202E2': holds the control character U+202E ...
    f.csv, row 3, column 'grade', value 'B\\x0c': holds the control character \\x0c ...
    """
    problems, counts = control_character_check(frame, source, row_numbers)
    for count in counts:
        problems.append(Problem(
            source, None, None, None,
            f"{count.count:,} more {count.description}; remove them all and save the file "
            "again.", CONTROL_KIND + "_more"))
    return problems


# --------------------------------------------------------------------------
# identifiers
# --------------------------------------------------------------------------

#: Words that, beside "name", make a column something other than a person's name.
_NOT_PERSON = frozenset({
    "system", "drug", "file", "site", "centre", "center", "study", "test", "marker",
    "definition", "medication", "medicine", "ward", "hospital", "trial", "lab", "unit",
    "organ", "index", "scheme", "column", "variable", "event", "product", "brand", "arm",
    "group", "treatment", "country", "region", "clinic", "visit", "code", "score", "item",
})
#: What may stand before "name" in a squashed column name (``PatientName``, ``surname``).
_PERSON_PREFIXES = frozenset({
    "", "patient", "pt", "pat", "full", "first", "last", "given", "family", "maiden",
    "middle", "sur", "fore", "christian", "preferred", "nick", "mother", "mothers", "father",
    "fathers", "kin", "nextofkin", "patients", "person", "persons", "f", "l",
})

_NAME_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (reason, re.compile(pattern)) for reason, pattern in (
        ("a date of birth", r"birth|^(pt|patient)?dob$|^bday$"),
        ("a hospital or medical record number",
         r"^(pt|patient)?mrn(number|no|num)?$|medicalrecord|caserecord|"
         r"^hosp(ital)?(number|no|num|nr|id)|recordnumber|^urn$|^crn$|hospno"),
        ("an NHS number", r"^nhs"),
        ("a CHI number", r"^chi(number|no|num)?$"),
        ("a social security or national insurance number",
         r"^(pt|patient)?ssn(number|no|num)?$|socialsecurity|nationalinsurance|^nino$|"
         r"^ni(number|no)$"),
        ("a passport number", r"passport"),
        ("a national identity number",
         r"nationalid|identitycard|^idcard|^nric|^ic(number|no|num)?$|^nationalic"),
        ("an e-mail address", r"email|^mail(address|addr)?$"),
        ("a phone number", r"phone|mobile|^tel(no|number|ephone)?$|^cell$|^fax"),
        ("an address", r"address|street|^addr"),
        ("a postcode", r"postcode|postalcode|^zip|zip(code)?$"),
        ("initials", r"^initials$|^ptinitials$|^patientinitials$"),
    )
)


def _tokens(name: object) -> list[str]:
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return [t for t in re.split(r"[^0-9a-z]+", text.lower()) if t]


def identifier_column_reason(name: object) -> str | None:
    """Why a column name looks like a direct identifier, or ``None``.

    Case, punctuation and spacing are ignored (``"D.O.B"``, ``"Hosp No"``,
    ``"Patient's name"``). The contract's pseudonymous ``patient_id`` is not
    an identifier.

    Examples
    --------
    >>> identifier_column_reason("Patient's name"), identifier_column_reason("Hosp No")
    ('a name', 'a hospital or medical record number')
    >>> identifier_column_reason("system_name") is None, identifier_column_reason("c3") is None
    (True, True)
    """
    tokens = _tokens(name)
    squashed = "".join(tokens)
    if not squashed or squashed in {"patientid", "month", "system", "grade"}:
        return None
    if any(t in ("name", "names") for t in tokens) and not (set(tokens) & _NOT_PERSON):
        return "a name"
    for ending in ("names", "name"):
        if squashed.endswith(ending) and squashed[: -len(ending)] in _PERSON_PREFIXES:
            return "a name"
    if squashed in ("forename", "forenames", "surname", "surnames", "fname", "lname"):
        return "a name"
    for reason, pattern in _NAME_RULES:
        if pattern.search(squashed) or any(pattern.fullmatch(t) for t in tokens):
            return reason
    return None


def identifier_columns(columns: Iterable[object]) -> list[str]:
    """The column names that look like direct identifiers, in table order.

    Examples
    --------
    >>> identifier_columns(["patient_id", "Contact email", "pt_name", "Home address", "c3"])
    ['Contact email', 'pt_name', 'Home address']
    """
    return [str(c) for c in columns if identifier_column_reason(c)]


@dataclass(frozen=True)
class IdentifierFinding:
    """A column that looks like it holds direct identifiers.

    Attributes
    ----------
    column : str
        The column's name.
    reason : str
        What it seems to hold (``"an e-mail address"``).
    by_name : bool
        Found from the column's name (else from its values).
    row : int or str or None
        The first row whose value looks like an identifier (value checks only).
    count : int
        How many values look like one (value checks only).
    """

    column: str
    reason: str
    by_name: bool
    row: int | str | None = None
    count: int = 0

    def __str__(self) -> str:
        column = f"'{inert(self.column)}'"
        if self.by_name:
            return f"column {column}: its name suggests it holds {self.reason}"
        where = f" (first at row {self.row})" if self.row is not None else ""
        noun = "value looks" if self.count == 1 else "values look"
        return f"column {column}: {self.count:,} {noun} like {self.reason}{where}"


_EMAIL = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
_NHS_SHAPE = r"\d{3}[ \-]?\d{3}[ \-]?\d{4}"
_PHONE_SHAPE = r"\+?[\d ()\-.]{9,20}"
_DATE_SHAPES = (
    r"(?P<y>\d{4})[\-/.](?P<m>\d{1,2})[\-/.](?P<d>\d{1,2})",
    r"(?P<d>\d{1,2})[\-/.](?P<m>\d{1,2})[\-/.](?P<y>\d{4})",
)
#: A cheap first filter: only values of one of these shapes (or holding an @) can match.
_SHAPES = "|".join([_PHONE_SHAPE, *(re.sub(r"\(\?P<\w>", "(?:", d) for d in _DATE_SHAPES)])
_DATE_WORDS = frozenset({"date", "dates", "visit", "time", "day", "days", "when", "dt",
                         "timestamp", "onset", "infusion", "admission", "discharge"})


def nhs_number_is_valid(digits: str) -> bool:
    """True when ten digits pass the NHS number's modulus-11 check.

    Each of the first nine digits is weighted 10 down to 2; 11 minus the
    remainder of the sum divided by 11 is the check digit (11 counts as 0,
    10 makes the number invalid).

    Examples
    --------
    >>> nhs_number_is_valid("9434765919"), nhs_number_is_valid("9434765918")
    (True, False)
    """
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _looks_like_birth_date(text: str, this_year: int) -> bool:
    for shape in _DATE_SHAPES:
        match = re.fullmatch(shape, text)
        if match:
            year, month, day = (int(match[k]) for k in ("y", "m", "d"))
            try:
                _dt.date(year, month, day)
            except ValueError:
                try:  # month/day the other way round (US order)
                    _dt.date(year, day, month)
                except ValueError:
                    continue
            return 1900 <= year <= this_year - 1
    return False


def _value_reason(text: str, date_column: bool, this_year: int) -> str | None:
    if re.search(_EMAIL, text):
        return "an e-mail address"
    if re.fullmatch(_NHS_SHAPE, text) and nhs_number_is_valid(re.sub(r"\D", "", text)):
        return "an NHS number (the check digit is valid)"
    if re.fullmatch(_PHONE_SHAPE, text):
        digits = re.sub(r"\D", "", text)
        separated = bool(re.search(r"[ ()\-.]", text.strip()))
        if 10 <= len(digits) <= 15 and (text.startswith(("+", "0")) or separated) and not (
                re.fullmatch(r"\d+\.\d+", text)):
            return "a phone number"
    if not date_column and _looks_like_birth_date(text, this_year):
        return "a date of birth"
    return None


#: A value of one of :data:`_SHAPES` is made of these characters only (between spaces).
_SHAPE_LINE = re.compile(r"^\s*[\d ()\-.+/]+\s*$", re.MULTILINE)


def _may_be_shaped(distinct: pd.Series) -> bool:
    """False when no value (text) can hold an @ or match :data:`_SHAPES` once stripped.

    One pass of one regular expression over the values joined by line breaks
    (a value holding a line break can only add false alarms, which the exact
    per-value checks then clear), instead of three string methods per value:
    100,000 study codes such as ``P000123`` are cleared in a few milliseconds.
    """
    joined = "\n".join(distinct.tolist())
    return "@" in joined or _SHAPE_LINE.search(joined) is not None


def _value_findings(frame: pd.DataFrame, row_numbers: Sequence[object] | None,
                    skip: Iterable[str]) -> list[IdentifierFinding]:
    from lupus_teach._codes import unique
    from lupus_teach.visits import REQUIRED_COLUMNS

    this_year = _dt.date.today().year
    labels = None if row_numbers is None else list(row_numbers)
    skipped = set(skip) | (set(REQUIRED_COLUMNS) - {"patient_id"})
    findings = []
    for position, column in enumerate(frame.columns):
        name = str(column)
        if name.strip().lower() in skipped or name in skipped:
            continue
        series = frame.iloc[:, position]
        if pd.api.types.is_integer_dtype(series.dtype):  # an NHS or phone number as a number
            series = series.astype(str)
        elif pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(
                series.dtype):
            continue
        # work on the distinct values (few, even in a large file), prefiltered in C
        # (missing values are dropped with the other non-text ones: no copy of the column)
        distinct = pd.Series(unique(series), dtype=object)
        distinct = distinct[distinct.map(lambda v: isinstance(v, str))].astype(str)
        if distinct.empty or not _may_be_shaped(distinct):
            continue
        stripped = distinct.str.strip()
        shaped = stripped.str.contains("@", regex=False) | stripped.str.fullmatch(_SHAPES)
        if not shaped.any():
            continue
        date_column = bool(set(_tokens(name)) & _DATE_WORDS)
        reasons = {raw: reason for raw, text in zip(distinct[shaped], stripped[shaped],
                                                     strict=True)
                   if (reason := _value_reason(text, date_column, this_year))}
        if not reasons:
            continue
        hit = series.isin(list(reasons)).to_numpy()
        hits = series[hit].map(reasons)
        reason = hits.value_counts().index[0]
        label = None
        if labels is not None:
            label = labels[int(np.argmax(hit))]
            label = label.item() if isinstance(label, np.generic) else label
        findings.append(IdentifierFinding(name, str(reason), False, label, len(hits)))
    return findings


def find_identifiers(
    frame: pd.DataFrame | None = None,
    *,
    columns: Iterable[object] | None = None,
    row_numbers: Sequence[object] | None = None,
    skip: Iterable[str] = (),
) -> list[IdentifierFinding]:
    """Columns that look like direct identifiers, by name and by value.

    Parameters
    ----------
    frame : pandas.DataFrame, optional
        The table; its column names are checked, and the values of
        ``patient_id`` and of every column beyond the contract (e-mail
        addresses, NHS numbers with a valid check digit, phone numbers, and
        dates that look like dates of birth in columns not named as dates).
    columns : iterable, optional
        Column names only (when there is no table yet).
    row_numbers : sequence, optional
        Spreadsheet row numbers of the table's rows; when given, messages name
        the first row concerned.
    skip : iterable of str
        Columns whose values are known not to be identifiers (numeric markers).

    Examples
    --------
    >>> frame = pd.DataFrame({"patient_id": ["p1", "p2"], "month": ["0", "0"],
    ...                       "notes": ["ok", "call 07700 900123"],
    ...                       "contact": ["a@b.org", ""]})
    >>> for finding in find_identifiers(frame, row_numbers=[2, 3]):
    ...     print(finding)
    column 'contact': 1 value looks like an e-mail address (first at row 2)
    >>> [str(f) for f in find_identifiers(columns=["Telephone number"])]
    ["column 'Telephone number': its name suggests it holds a phone number"]
    """
    names = list(frame.columns if frame is not None else (columns if columns is not None else []))
    findings = [IdentifierFinding(str(c), reason, True)
                for c in names if (reason := identifier_column_reason(c))]
    if frame is not None:
        named = {f.column for f in findings}
        findings += _value_findings(frame, row_numbers, set(skip) | named)
    return findings


class IdentifierColumnsError(LupusTeachError, ValueError):
    """A table with columns (or values) that look like direct patient identifiers.

    Attributes
    ----------
    columns : tuple of str
        The columns concerned.
    findings : tuple of IdentifierFinding
    """

    def __init__(self, source: str, findings: Sequence[IdentifierFinding | str]) -> None:
        self.findings = tuple(
            f if isinstance(f, IdentifierFinding)
            else IdentifierFinding(str(f), identifier_column_reason(f) or "an identifier", True)
            for f in findings
        )
        self.columns = tuple(dict.fromkeys(f.column for f in self.findings))
        listed = ", ".join(f"'{inert(c)}'" for c in self.columns)
        reasons = "".join(f"\n  - {f}" for f in self.findings[:20])
        super().__init__(
            f"{inert(source)}: stopped: the column(s) {listed} look like direct identifiers:"
            f"{reasons}\n"
            "Reports and response tables are made to be shared, so they must not be built "
            "from identifiable data. Pseudonymise first: delete these columns (nothing here "
            "needs them) and replace each real identifier in patient_id with a study code "
            "(P001, P002, ...), keeping the key that links codes to people in a separate file "
            "that never leaves your organisation. If these values are not personal data, run "
            "again with --allow-identifiers (Python: allow_identifiers=True)."
        )


def csv_header(path: str | os.PathLike[str]) -> list[str]:
    """The column names on a CSV file's first line (empty if it cannot be read as text).

    Used to refuse a file with identifier columns before reading all of it;
    the full reading (:func:`lupus_teach.visits.read_visits`) reports any
    problem with the file itself.

    Examples
    --------
    >>> csv_header("no-such-file.csv")
    []
    """
    import csv
    import io

    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            first = handle.readline(1 << 20)
    except (OSError, UnicodeDecodeError, ValueError):
        return []  # read_visits reports the problem
    return next(csv.reader(io.StringIO(first)), [])


def check_identifiers(
    frame: pd.DataFrame | None = None,
    source: str = "<table>",
    allow: bool = False,
    *,
    columns: Iterable[object] | None = None,
    row_numbers: Sequence[object] | None = None,
    skip: Iterable[str] = (),
) -> list[IdentifierFinding]:
    """Raise :class:`IdentifierColumnsError` for identifier-like data unless ``allow``.

    Returns the findings (empty when there are none, or when allowed).

    Examples
    --------
    >>> check_identifiers(columns=["patient_id", "phone"], source="f.csv")
    Traceback (most recent call last):
    ...
    lupus_teach.safety.IdentifierColumnsError: f.csv: stopped: the column(s) 'phone' look ...
    >>> check_identifiers(columns=["patient_id", "phone"], source="f.csv", allow=True)
    []
    """
    if allow:
        return []
    findings = find_identifiers(frame, columns=columns, row_numbers=row_numbers, skip=skip)
    if findings:
        raise IdentifierColumnsError(source, findings)
    return findings
