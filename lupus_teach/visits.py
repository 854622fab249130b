"""Reading and validating longitudinal BILAG data (the package's data contract).

The contract is a *long* table with one row per patient, visit and organ
system:

==============  ==========================================================
column          meaning
==============  ==========================================================
``patient_id``  any non-empty text identifying the patient
``month``       months since the first infusion; 0 is baseline; a number >= 0
                (fractional months such as 6.08 are fine)
``system``      an organ system's machine name (see :mod:`lupus_teach.bilag`)
``grade``       the BILAG grade, ``A`` to ``E``
==============  ==========================================================

Other columns are kept as they are (reports use some of them). Lower-case
grades and surrounding spaces are forgiven, and so are the case of system
names and the spelling ``hematological``; nothing else is. Every problem is
reported at once, with file, row, column and value (at most
:data:`~lupus_teach.errors.MAX_PROBLEMS_PER_KIND` of each kind, the rest
counted), and no row is ever dropped: either the whole table is valid or
:class:`DataValidationError` is raised.

Two other layouts are read too:

* **Visit dates.** A ``visit_date`` column of ISO dates (``2024-03-31``) may
  replace ``month``: the month is then the number of days since the
  patient's baseline visit (the earliest ``visit_date`` of the patient, or
  the patient's ``baseline_date`` when that column is given) divided by
  30.4375 (the mean length of a month in days), a float. ``visit_date`` is
  kept in the table.
* **Wide tables.** One row per patient and visit with one column per organ
  system (``patient_id, month, general, mucocutaneous, ...``) is recognised
  from its column names (the same names as the long format's ``system``
  values) and turned into the long table; messages name the wide file's own
  row and column, and :func:`summarise` says the table was read as a wide
  table. :func:`from_wide` and :func:`to_wide` convert between the two.

A header that is not on the first line (a title above it) is found and
reported with the row it is on; the ``sep=,`` first line that Excel writes is
skipped, as Excel itself does (rows are numbered as Excel shows them).

Files are parsed by pandas' C parser (``engine="c"``, every cell read as
text) and checked column by column with NumPy on the distinct values
(:func:`pandas.factorize`), which keeps a 5-million-row file within a few
seconds; a file the C parser cannot read cleanly (ragged rows, bad quotes,
text that is not UTF-8) is read again with Python's :mod:`csv` module, which
can say exactly which row is wrong.

Examples
--------
>>> import io
>>> text = "patient_id,month,system,grade\\n" + "".join(
...     f"p1,0,{s},{g}\\n" for s, g in zip(system_names("classic"), "ABCDEEDC"))
>>> visits = read_visits(io.StringIO(text))
>>> visits.attrs["bilag_index"], len(visits)
('classic', 8)
>>> summarise(visits)
'1 patient, 1 visit, months seen: 0 (classic BILAG)'
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from lupus_teach.bilag import (
    _CLASSIC_NAMES,
    _NAMES_2004,
    GRADE_ORDER,
    SYSTEM_ALIASES,
    SYSTEM_SYNONYMS,
    IndexVersion,
    _as_index,
    suggest_system,
    system_names,
)
from lupus_teach.errors import (
    MAX_PROBLEMS_PER_KIND,
    DataValidationError,
    Problem,
    ProblemCount,
)

__all__ = [
    "DAYS_PER_MONTH",
    "REQUIRED_COLUMNS",
    "ProblemList",
    "check_visits",
    "from_wide",
    "read_visits",
    "summarise",
    "to_wide",
]

#: Columns every BILAG table must have.
REQUIRED_COLUMNS: tuple[str, ...] = ("patient_id", "month", "system", "grade")
#: Days in a month when months are computed from visit dates (365.25 / 12).
DAYS_PER_MONTH = 30.4375
#: The line :func:`summarise` adds for a table read from the wide layout.
WIDE_NOTE = "read as a wide table: one column per organ system"

VisitSource = str | os.PathLike[str] | IO[str] | pd.DataFrame

_ALL_SYSTEMS = _CLASSIC_NAMES | _NAMES_2004
_DATE_COLUMNS = ("visit_date", "baseline_date")
_KNOWN_COLUMNS = frozenset(REQUIRED_COLUMNS) | frozenset(_DATE_COLUMNS) | _ALL_SYSTEMS | frozenset(
    SYSTEM_ALIASES)
_SEP_LINE = re.compile(r"^\s*sep\s*=.?\s*$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HEAD_BYTES = 1 << 16


class ProblemList(list):  # type: ignore[type-arg]
    """The problems :func:`check_visits` found: a list of Problem, plus counts.

    ``omitted`` holds a :class:`~lupus_teach.errors.ProblemCount` for every
    kind of problem with more rows than were built one by one, and ``total``
    counts them all.

    Examples
    --------
    >>> problems = ProblemList([], omitted=[ProblemCount("k", "rows like this", 5)])
    >>> len(problems), problems.total
    (0, 5)
    """

    def __init__(self, items: Sequence[Problem] = (), omitted: Sequence[ProblemCount] = ()):
        super().__init__(items)
        self.omitted: tuple[ProblemCount, ...] = tuple(omitted)

    @property
    def total(self) -> int:
        """Every problem, built or counted."""
        return len(self) + sum(c.count for c in self.omitted)


class _Collector:
    """Builds at most MAX_PROBLEMS_PER_KIND problems of each kind and counts the rest."""

    def __init__(self, label: str, row_labels: np.ndarray, by_position: bool) -> None:
        self.label = label
        self.row_labels = row_labels
        self.by_position = by_position
        self.items: list[tuple[tuple[int, float], int, Problem]] = []
        self.counts: dict[str, list] = {}
        self.built: dict[str, int] = {}
        self.factors: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.parsed: set[str] = set()  # columns the C parser read as categories

    def factor(self, series: pd.Series, column: str) -> tuple[np.ndarray, np.ndarray,
                                                               np.ndarray]:
        """:func:`_factor` of a column, computed once per column."""
        if column not in self.factors:
            self.factors[column] = _factor(series, parsed=column in self.parsed)
        return self.factors[column]

    def row(self, pos: int) -> object:
        return _py(self.row_labels[pos])

    def _key(self, row: object, pos: int | None) -> tuple[int, float]:
        if row is None:
            return (0, 0.0)
        if pos is None:  # the header or a row that is not in the table
            return (1, float(row) if isinstance(row, (int, float)) else -1.0)
        if self.by_position:
            return (1, float(pos))
        return (1, float(row))  # type: ignore[arg-type]

    def add(self, kind: str, row: object, column: str | None, value: object, message: str,
            *, pos: int | None = None, description: str = "") -> None:
        """One problem; ``pos`` is the table position (None for table-level problems)."""
        if self.built.get(kind, 0) >= MAX_PROBLEMS_PER_KIND:
            self.count(kind, description or f"more problems like '{message[:40]}...'", 1)
            return
        self.built[kind] = self.built.get(kind, 0) + 1
        problem = Problem(self.label, row, column, value, message, kind)
        self.items.append((self._key(row, pos), len(self.items), problem))

    def count(self, kind: str, description: str, n: int) -> None:
        if n:
            entry = self.counts.setdefault(kind, [description, 0])
            entry[1] += n

    def many(self, kind: str, description: str, positions: np.ndarray,
             build: Callable[[int], tuple[str | None, object, str]]) -> None:
        """Problems at table positions (ascending); ``build(pos)`` -> (column, value, message)."""
        room = max(MAX_PROBLEMS_PER_KIND - self.built.get(kind, 0), 0)
        for pos in positions[:room]:
            column, value, message = build(int(pos))
            self.add(kind, self.row(int(pos)), column, value, message, pos=int(pos))
        self.count(kind, description, max(len(positions) - room, 0))

    def extend(self, problems: Sequence[Problem]) -> None:
        """Problems built elsewhere (already bounded), placed by their row."""
        for problem in problems:
            pos = None
            if self.by_position and problem.row is not None:
                hits = np.flatnonzero(self.row_labels == problem.row)
                pos = int(hits[0]) if len(hits) else None
            self.items.append((self._key(problem.row, pos), len(self.items), problem))

    def result(self) -> ProblemList:
        ordered = [p for _, _, p in sorted(self.items, key=lambda item: (item[0], item[1]))]
        omitted = [ProblemCount(kind, description, n)
                   for kind, (description, n) in self.counts.items()]
        return ProblemList(ordered, omitted)

    def __bool__(self) -> bool:
        return bool(self.items or self.counts)


def _shown(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


# --------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------


class _Parsed:
    """A parsed file: the text table, its spreadsheet row numbers, the header row."""

    def __init__(self, table: pd.DataFrame | None, row_numbers: np.ndarray | None,
                 header_row: int | None, header: list[str] | None = None) -> None:
        self.table = table
        self.row_numbers = row_numbers
        self.header_row = header_row
        self.header = header or []
        self.factors: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.categorical: set[str] = set()


def _header_location(records: Sequence[Sequence[str]]) -> tuple[int, int]:
    """(index of the first record that counts as a row, index of the header record).

    An Excel ``sep=,`` first line does not count as a row (Excel hides it).
    The header is the first record naming at least two of the contract's
    columns (or organ systems, for a wide table) among the first 30; when
    none does, the first record.
    """
    start = 1 if records and _SEP_LINE.match(",".join(records[0])) else 0

    def score(record: Sequence[str]) -> int:
        return len({f.strip().lower() for f in record} & _KNOWN_COLUMNS)

    if start >= len(records) or score(records[start]) >= 2:
        return start, start
    for index in range(start + 1, min(len(records), start + 30)):
        if score(records[index]) >= 2:
            return start, index
    return start, start


def _header_problems(collector: _Collector, records: Sequence[Sequence[str]], start: int,
                     index: int) -> None:
    if index == start:
        return
    above = index - start
    first = next((r for r in records[start:index] if any(f.strip() for f in r)), None)
    what = "rows above it are" if above > 1 else "row above it is"
    collector.add(
        "header_not_first", 1, None, _shown(",".join(first)) if first else None,
        f"the header ({_shown(','.join(records[index]))}) is on row {index - start + 1}, "
        f"not row 1: the {above} {what} not part of the table (a title?); delete "
        f"{'them' if above > 1 else 'it'} so that the header is the first row.", pos=None)


def _read_source(source: str | os.PathLike[str] | IO[str] | IO[bytes], name: str,
                 ) -> tuple[Path | bytes | str | None, list[Problem]]:
    """The path to read (checked to exist), or the text/bytes of a stream."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            with path.open("rb"):
                pass
        except FileNotFoundError:
            return None, [Problem(name, None, None, None, "no such file; check the path.",
                                  "file_missing")]
        except IsADirectoryError:
            return None, [Problem(name, None, None, None, "this is a folder, not a CSV file.",
                                  "file_missing")]
        except OSError as err:
            return None, [Problem(name, None, None, None,
                                  f"cannot read the file ({err.strerror}).", "file_missing")]
        return path, []
    try:
        return source.read(), []
    except UnicodeDecodeError as err:
        return None, [
            Problem(name, None, None, err.object[err.start:err.end],
                    "not UTF-8 text; save it as 'CSV UTF-8 (comma-delimited)' "
                    "and try again.", "not_utf8")
        ]


def _head_records(target: Path | bytes | str) -> tuple[list[list[str]], list[int], bool]:
    """The first records of the file (csv module), the physical line after each, and
    whether they are the whole file."""
    if isinstance(target, Path):
        with target.open("rb") as handle:
            head: bytes | str = handle.read(_HEAD_BYTES + 1)
    else:
        head = target[: _HEAD_BYTES + 1]
    whole = len(head) <= _HEAD_BYTES
    text = head.decode("utf-8-sig", errors="replace") if isinstance(head, bytes) else (
        head[1:] if head.startswith("\ufeff") else head)
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[list[str]] = []
    lines: list[int] = []
    try:
        for record in reader:
            records.append(record)
            lines.append(reader.line_num)
            if len(records) >= 40:
                whole = False
                break
    except csv.Error:
        pass
    return records, lines, whole


def _parse_fast(target: Path | bytes | str, label: str) -> _Parsed | None:
    """Parse with pandas' C parser; None when the file needs the careful path."""
    records, lines, whole = _head_records(target)
    if not records or not any(any(f.strip() for f in r) for r in records):
        return None
    start, index = _header_location(records)
    if index >= len(records) or (index == len(records) - 1 and not whole):
        return None
    header = [h.strip() for h in records[index]]
    if len(header) < 2 or _duplicated_names(header):
        return None
    if index and any('"' in f for r in records[:index] for f in r):
        return None  # a quoted title: line counting could differ, read carefully
    buffer: object
    if isinstance(target, Path):
        buffer = target
    elif isinstance(target, bytes):
        buffer = io.BytesIO(target)
    else:
        buffer = io.StringIO(target[1:] if target.startswith("\ufeff") else target)
    names = [f"c{i}" for i in range(len(header))]
    # The contract's columns have few distinct values: reading them as categories
    # gives each cell's code directly, in less memory; other columns stay text.
    core = (*REQUIRED_COLUMNS, *_DATE_COLUMNS)
    dtypes = {n: ("category" if _normal_name(h) in core else object)
              for n, h in zip(names, header, strict=True)}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            table = pd.read_csv(
                buffer, engine="c", dtype=dtypes, header=0, names=names, index_col=False,
                skiprows=lines[index - 1] if index else 0, keep_default_na=False,
                na_filter=False, skip_blank_lines=False, encoding="utf-8", quotechar='"',
                low_memory=False)
    except (pd.errors.ParserError, pd.errors.ParserWarning, UnicodeDecodeError, ValueError,
            csv.Error):
        return None
    if len(table) == 0 or len(table.columns) != len(header):
        return None
    table.columns = header
    n = len(table)
    keep = np.ones(n, dtype=bool)
    first = _factor(table.iloc[:, 0], parsed=True)
    blank = _blank_rows(table, first)
    if blank is not None:
        keep &= ~blank
    # The C parser pads a short row with empty cells: only a row whose last cell is
    # empty can be short, so the file's bytes are looked at only when there is one.
    last_codes, _, last_text = first if table.shape[1] == 1 else _factor(table.iloc[:, -1],
                                                                          parsed=True)
    candidates = keep & (last_text == "")[last_codes]
    if candidates.any():
        counts = _field_counts(target, lines[index], n)
        if counts is None or (counts[keep] > len(header)).any():
            return None
        if (counts[keep] < len(header)).any():
            return None  # short rows: the careful path explains them
    header_row = index - start + 1
    numbers = np.arange(header_row + 1, header_row + 1 + n, dtype=np.int32)
    parsed = _Parsed(table, numbers, header_row, header)
    parsed.categorical = {_normal_name(h) for h in header if _normal_name(h) in core}
    if not keep.all():
        parsed.table = table[keep].reset_index(drop=True)
        parsed.row_numbers = numbers[keep]
        if len(parsed.table) == 0:
            return None
    else:  # the first column's distinct values are needed again by the checks
        parsed.factors[_normal_name(header[0])] = first
    return parsed


def _duplicated_names(header: Sequence[str]) -> bool:
    names = [h.lower() if h.lower() in REQUIRED_COLUMNS else h for h in header if h]
    return len(set(names)) != len(names)


def _blank_rows(table: pd.DataFrame, first: tuple[np.ndarray, np.ndarray, np.ndarray],
                ) -> np.ndarray | None:
    """Rows whose every cell is empty or spaces (None when there is none)."""
    first_codes, _, first_text = first
    empty = first_text == ""
    if not empty.any():
        return None
    mask = empty[first_codes]
    for column in range(1, table.shape[1]):
        rows = np.flatnonzero(mask)
        if not len(rows):
            break
        values = table.iloc[rows, column].to_numpy(dtype=object)
        mask[rows] = [not str(v).strip() for v in values]
    return mask if mask.any() else None


def _field_counts(target: Path | bytes | str, skip_lines: int, n: int) -> np.ndarray | None:
    """Fields on each record after the first ``skip_lines`` lines, counted on the bytes.

    Commas and line ends inside double quotes do not count. None when the
    count of records does not match the parser's (the careful path decides).
    """
    raw = target.read_bytes() if isinstance(target, Path) else (
        target.encode("utf-8") if isinstance(target, str) else target)
    buf = np.frombuffer(raw, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    commas = np.flatnonzero(buf == 44)
    quotes = np.flatnonzero(buf == 34)
    if len(quotes):
        newlines = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
        commas = commas[np.searchsorted(quotes, commas) % 2 == 0]
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(buf)]))
    if starts[-1] >= len(buf):
        starts, ends = starts[:-1], ends[:-1]
    starts, ends = starts[skip_lines:], ends[skip_lines:]
    if len(starts) != n:
        return None
    return np.searchsorted(commas, ends) - np.searchsorted(commas, starts) + 1


def _parse_careful(target: Path | bytes | str, label: str,
                   collector: _Collector) -> _Parsed | None:
    """Parse with the csv module, reporting structural problems row by row."""
    raw: bytes | str = target.read_bytes() if isinstance(target, Path) else target
    if isinstance(raw, bytes):
        decoded = _decode(raw, collector)
        if decoded is None:
            return None
        text = decoded
    else:
        text = raw[1:] if raw.startswith("\ufeff") else raw
    if not text.strip():
        collector.add("file_empty", None, None, None,
                      "the file is empty; it needs a header line "
                      f"'{','.join(REQUIRED_COLUMNS)}' and one row per patient, visit and "
                      "system.")
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
    except csv.Error as err:
        # for example a field longer than the csv module's limit (an unclosed quote)
        collector.add("csv_unreadable", len(records) + 1, None, None,
                      f"this row cannot be read as CSV ({err}); look for an unclosed "
                      "double quote (\") on this row or above it.")
        return None
    start, index = _header_location(records)
    _header_problems(collector, records, start, index)
    header = [h.strip() for h in records[index]]
    header_row = index - start + 1
    if len(header) == 1:
        for sep, sep_name in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
            if sep in records[index][0]:
                collector.add("separator", header_row, None, _shown(records[index][0]),
                              f"the header is separated by {sep_name}, not commas; "
                              "save the file as comma-separated CSV.")
                return None
    rows: list[list[str]] = []
    row_numbers: list[int] = []
    for number, record in enumerate(records[index + 1:], start=header_row + 1):
        if not record or all(not field.strip() for field in record):
            continue  # a blank line (or a row of empty cells) holds no data
        if len(record) != len(header):
            collector.add("row_fields", number, None, _shown(",".join(record)),
                          f"this row has {len(record)} values but the header has "
                          f"{len(header)} columns; check for stray commas or missing values.",
                          description="rows with the wrong number of values")
            continue
        rows.append(record)
        row_numbers.append(number)
    if not rows and not collector:
        collector.add("no_rows", None, None, None, "the file has a header but no data rows.")
    table = pd.DataFrame(rows, columns=header, dtype=object)
    return _Parsed(table, np.asarray(row_numbers, dtype=np.int64), header_row, header)


def _decode(raw: bytes, collector: _Collector) -> str | None:
    """Decode UTF-8 (with or without a byte-order mark), or report the lines that are not."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if raw[:2] == b"PK":
        collector.add("not_utf8", None, None, None,
                      "not UTF-8 text: it looks like a spreadsheet workbook; save it as "
                      "'CSV UTF-8 (comma-delimited)' first.")
        return None
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as err:
            collector.add("not_utf8", number, None, line[err.start:err.end],
                          f"not UTF-8 text (byte {err.start + 1} of this line); save the file "
                          "as 'CSV UTF-8 (comma-delimited)' and try again.",
                          description="lines that are not UTF-8 text")
    return None


# --------------------------------------------------------------------------
# Checking the values
# --------------------------------------------------------------------------


def _normal_name(column: object) -> str:
    """The contract's columns are matched forgiving case and spaces; others kept as written."""
    text = str(column).strip().lower()
    return text if text in (*REQUIRED_COLUMNS, *_DATE_COLUMNS) else str(column)


def _normalise_headers(table: pd.DataFrame) -> pd.DataFrame:
    renamed = {c: _normal_name(c) for c in table.columns if _normal_name(c) != c}
    return table.rename(columns=renamed) if renamed else table


def _factor(series: pd.Series, parsed: bool = False,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(codes, distinct raw values, their stripped text); missing values read as ''.

    A column the C parser read as categories (``parsed``) already has its codes.
    """
    if parsed and isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        raw = series.cat.categories.to_numpy(dtype=object)
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        raw = np.asarray(uniques, dtype=object)
    if (codes < 0).any():
        raw = np.append(raw, np.array([""], dtype=object))
        codes = np.where(codes < 0, len(raw) - 1, codes.astype(np.intp))
    text = np.array([str(v).strip() for v in raw], dtype=object)
    # Codes stay in their small integer type: on millions of rows, every full-length
    # array allocated costs more than the arithmetic done on it.
    return codes, raw, text


def _first_positions(codes: np.ndarray, n_codes: int) -> np.ndarray:
    """Position of the first row of every code."""
    first = np.full(n_codes, -1, dtype=np.int64)
    positions = np.arange(len(codes), dtype=np.int64)
    first[codes[::-1]] = positions[::-1]
    return first


def _wide_system_columns(columns: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """Columns naming an organ system ({column: system}) and columns naming a synonym."""
    systems: dict[str, str] = {}
    synonyms: list[str] = []
    for column in columns:
        text = str(column).strip().lower()
        text = SYSTEM_ALIASES.get(text, text)
        if text in _ALL_SYSTEMS:
            systems[column] = text
        elif " ".join(text.replace("_", " ").split()) in SYSTEM_SYNONYMS:
            synonyms.append(column)
    return systems, synonyms


def _is_wide(table: pd.DataFrame) -> bool:
    if "system" in table.columns or "grade" in table.columns:
        return False
    systems, synonyms = _wide_system_columns([str(c) for c in table.columns])
    return len(systems) + len(synonyms) >= 2


def from_wide(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn a wide table (one column per organ system) into the long table.

    Every column whose name is an organ system (case, spaces and
    ``hematological`` forgiven, either BILAG version) becomes rows of
    ``system`` and ``grade``; every other column (``patient_id``, ``month``,
    ``visit_date``, notes ...) is repeated on each of the visit's rows. A
    DataFrame indexed by ``patient_id`` and ``month`` (as :func:`to_wide`
    returns it) is accepted too. Nothing is validated here:
    :func:`read_visits` does that (and reads wide tables by itself).

    Examples
    --------
    >>> import pandas as pd
    >>> wide = pd.DataFrame({"patient_id": ["p1"], "month": [0], "Renal": ["a"],
    ...                      "general": ["E"]})
    >>> from_wide(wide)
      patient_id  month    system grade
    0         p1      0     renal     a
    1         p1      0   general     E
    """
    table = frame
    if any(name in ("patient_id", "month") for name in (frame.index.names or [])):
        table = frame.reset_index()
    table.columns = [str(c) for c in table.columns]
    long, _, _ = _wide_to_long(table)
    return long


def _wide_to_long(table: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The long table, the wide position of every long row and its wide column name."""
    systems, _ = _wide_system_columns(list(table.columns))
    columns = list(systems)
    others = [c for c in table.columns if c not in systems]
    n_rows, n_sys = len(table), len(columns)
    wide_pos = np.repeat(np.arange(n_rows, dtype=np.int64), n_sys)
    data: dict[str, object] = {}
    for column in others:
        data[column] = np.repeat(table[column].to_numpy(), n_sys)
    data["system"] = np.tile(np.array([systems[c] for c in columns], dtype=object), n_rows)
    data["grade"] = table[columns].to_numpy(dtype=object).reshape(-1) if n_sys else []
    long = pd.DataFrame(data)
    ordered = [c for c in ("patient_id", "month") if c in long] + ["system", "grade"]
    long = long[ordered + [c for c in long.columns if c not in ordered]]
    column_of = np.tile(np.array(columns, dtype=object), n_rows)
    return long, wide_pos, column_of


def check_visits(
    source: VisitSource,
    *,
    index: IndexVersion | str | None = None,
    name: str | None = None,
    parser: str = "fast",
) -> tuple[pd.DataFrame | None, ProblemList]:
    """Check a table against the contract; return the clean table and all problems.

    This is :func:`read_visits` without the exception: useful for showing
    problems in a widget or a report. The table is ``None`` when there are
    problems. The problems are a :class:`ProblemList`: at most
    :data:`~lupus_teach.errors.MAX_PROBLEMS_PER_KIND` of each kind, with the
    rest counted in ``problems.omitted``.

    Parameters
    ----------
    parser : {"fast", "careful"}
        ``"fast"`` (default) reads a file with pandas' C parser and uses the
        csv module only when that fails; ``"careful"`` always uses the csv
        module (the same problems, more slowly).

    Examples
    --------
    >>> import pandas as pd
    >>> bad = pd.DataFrame({"patient_id": ["p1"], "month": [-1],
    ...                     "system": ["kidney"], "grade": ["F"]})
    >>> table, problems = check_visits(bad)
    >>> table is None, len(problems)
    (True, 3)
    >>> print(problems[0])
    <DataFrame>, row 0, column 'month', value '-1': a month cannot be negative; ...
    """
    if parser not in ("fast", "careful"):
        from lupus_teach.errors import UnknownNameError

        raise UnknownNameError("parser", parser, ["fast", "careful"])
    header_row: int | None = None
    if isinstance(source, pd.DataFrame):
        label = name or "<DataFrame>"
        table = source.copy()
        row_labels: np.ndarray = np.asarray(table.index)
        if any(n in ("patient_id", "month", "visit_date") for n in table.index.names):
            table = table.reset_index()  # as to_wide() returns it: the ids are the index
        table.columns = [str(c) for c in table.columns]
        out = _Collector(label, row_labels, by_position=True)
        if len(table) == 0:
            out.add("no_rows", None, None, None, "the table has no rows.")
        table = table.reset_index(drop=True)
    else:
        label = name or (
            os.fspath(source) if isinstance(source, (str, os.PathLike))
            else getattr(source, "name", "<text>")
        )
        target, early = _read_source(source, label)
        out = _Collector(label, np.empty(0, dtype=np.int64), by_position=False)
        if target is None:
            out.extend(early)
            return None, out.result()
        parsed = _parse_fast(target, label) if parser == "fast" else None
        if parsed is None:
            parsed = _parse_careful(target, label, out)
        else:
            records, _, _ = _head_records(target)
            start, where = _header_location(records)
            _header_problems(out, records, start, where)
        if parsed is None or parsed.table is None:
            return None, out.result()
        table = parsed.table
        row_labels = parsed.row_numbers  # type: ignore[assignment]
        out.row_labels = row_labels
        out.factors.update(parsed.factors)
        out.parsed = parsed.categorical
        header_row = parsed.header_row
    result = _check_table(table, out, row_labels, header_row, index)
    return (None, out.result()) if result is None else (result, out.result())


def _check_table(table: pd.DataFrame, out: _Collector, row_labels: np.ndarray,
                 header_row: int | None, index: IndexVersion | str | None,
                 ) -> pd.DataFrame | None:
    """Check a parsed table (text cells); the clean long table, or None with problems."""
    table = _normalise_headers(table)
    wide = _is_wide(table)
    systems_of: dict[str, str] = {}
    if wide:
        systems_of, synonyms = _wide_system_columns(list(table.columns))
        wide_version = _wide_version(list(systems_of.values()), index)
        for column in synonyms:
            hint = suggest_system(column, wide_version)
            out.add("wide_column_synonym", header_row, column, None,
                    f"this wide table's column is not a {wide_version.label} organ system"
                    + (f"; did you mean '{hint}'? Rename the column." if hint else ".")
                    + f" Use the system names: {', '.join(system_names(wide_version))}.")
    has_dates = "month" not in table.columns and "visit_date" in table.columns
    needed = ("patient_id", "month") if wide else REQUIRED_COLUMNS
    missing = [c for c in needed if c not in table.columns and not (c == "month" and has_dates)]
    found = ", ".join(str(c) for c in table.columns) or "none"
    for column in missing:
        close = difflib.get_close_matches(column, [str(c) for c in table.columns], n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        if column == "month":
            hint += " (A visit_date column of ISO dates may replace month.)"
        if wide:
            hint += (f" The file was read as a wide table (one column per organ system: "
                     f"{', '.join(systems_of) or 'none'}), which also needs patient_id and "
                     "month (or visit_date).")
        out.add("column_missing", header_row, column, None,
                f"required column is missing (columns found: {found}).{hint}")
    names = pd.Series([str(c) for c in table.columns])
    counts = names.value_counts(sort=False)
    duplicated = [c for c in counts[(counts > 1) & (counts.index != "")].index]
    for column in duplicated:
        out.add("column_duplicate", header_row, column, None,
                f"the column name appears {counts[column]} times; rename or "
                "delete all but one.")
    if len(table) == 0 or duplicated:
        return None
    if has_dates:
        _months_from_dates(table, out)
    # optional columns checked by their own modules (control characters, SLEDAI-2K / PGA)
    _optional_checks(table, out, row_labels)
    wide_column: np.ndarray | None = None
    if wide and not missing:
        wide_rows = row_labels
        table, wide_pos, wide_column = _wide_to_long(table)
        out.factors.clear()
        out.parsed = set()
        row_labels = wide_rows[wide_pos]
        out.row_labels = row_labels
    elif wide:
        return None
    return _check_long(table, out, row_labels, header_row, index, missing, wide_column,
                       systems_of, has_dates)


def _wide_version(names: Sequence[str], index: IndexVersion | str | None) -> IndexVersion:
    if index is not None:
        return _as_index(index)
    return IndexVersion.BILAG2004 if set(names) & (_NAMES_2004 - _CLASSIC_NAMES) else (
        IndexVersion.CLASSIC)


def _all_printable_text(values: np.ndarray) -> bool:
    """True when every value is text and printable: one C call on the joined values."""
    try:
        return "".join(values).isprintable()
    except TypeError:  # a value that is not text: look at each one
        return False


def _optional_checks(table: pd.DataFrame, out: _Collector, row_labels: np.ndarray) -> None:
    try:
        from lupus_teach.safety import control_character_problems
    except ImportError:  # pragma: no cover - the module ships with the package
        control_character_problems = None  # type: ignore[assignment]
    if control_character_problems is not None:
        # Every control or invisible character is also one that str.isprintable()
        # refuses: only rows holding such a cell are looked at closely.
        flagged = np.zeros(len(table), dtype=bool)
        for position, column in enumerate(table.columns):
            series = table.iloc[:, position]  # two columns may share a name (two blanks)
            if pd.api.types.is_numeric_dtype(series.dtype):
                continue
            codes, raw, _ = out.factor(series, column)
            if _all_printable_text(raw):
                continue
            odd = np.array([isinstance(v, str) and not v.isprintable() for v in raw],
                           dtype=bool)
            if odd.any():
                flagged |= odd[codes]
        rows = np.flatnonzero(flagged)
        out.extend(control_character_problems(table.iloc[rows], out.label, row_labels[rows]))
    if all(str(c) in (*REQUIRED_COLUMNS, *_DATE_COLUMNS) for c in table.columns):
        return  # the optional activity columns are extra columns: there is none
    try:
        from lupus_teach.sledai import activity_column_problems  # optional SLEDAI-2K/PGA
    except ImportError:  # pragma: no cover
        return
    out.extend(activity_column_problems(table, out.label, row_labels))


def _months_from_dates(table: pd.DataFrame, out: _Collector) -> None:
    """Add a float ``month`` (days since baseline / 30.4375) computed from ``visit_date``."""
    parsed: dict[str, np.ndarray] = {}
    ok = np.ones(len(table), dtype=bool)
    for column in ("visit_date", "baseline_date"):
        if column not in table.columns:
            continue
        codes, _, text = out.factor(table[column], column)
        iso = np.array([bool(_ISO_DATE.match(t)) for t in text], dtype=bool)
        dates = pd.to_datetime(pd.Series(np.where(iso, text, None), dtype=object),
                               format="%Y-%m-%d", errors="coerce").to_numpy()
        blank = text == ""
        bad = np.isnat(dates) & ~blank
        what = "visit date" if column == "visit_date" else "baseline date"
        out.many(f"{column}_empty", f"rows with an empty {what}",
                 np.flatnonzero(blank[codes]),
                 lambda pos, c=column, w=what: (c, "", f"the {w} is empty; every row needs "
                                                "one (an ISO date such as 2024-03-31)."))
        out.many(f"{column}_not_date", f"rows with a {what} that is not an ISO date",
                 np.flatnonzero(bad[codes]),
                 lambda pos, c=column, w=what, t=text, k=codes: (
                     c, t[k[pos]], f"not a date in ISO form (year-month-day, such as "
                     f"2024-03-31); write every {w} the same way."))
        ok &= ~(blank | bad)[codes]
        parsed[column] = dates[codes]
    visit = parsed["visit_date"]
    pid_codes, _, pid_text = out.factor(table["patient_id"], "patient_id") if (
        "patient_id" in table) else (
        np.zeros(len(table), dtype=np.intp), None, np.array([""], dtype=object))
    pid_keys, _ = pd.factorize(pid_text[pid_codes])
    frame = pd.DataFrame({"p": pid_keys, "v": visit})
    if "baseline_date" in parsed:
        base = pd.Series(parsed["baseline_date"])
        frame["b"] = base
        per_patient = frame[ok].groupby("p")["b"]
        differs = per_patient.nunique() > 1
        first_base = per_patient.first()
        # no usable date at all: map() cannot cast to an empty date series (found by fuzzing)
        mapped = (frame["p"].map(first_base) if len(first_base) else
                  pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]"))
        clash = np.flatnonzero(ok & frame["p"].isin(differs[differs].index).to_numpy()
                               & (frame["b"] != mapped).to_numpy())
        out.many("baseline_date_differs", "rows whose baseline_date differs from the "
                 "patient's first row", clash,
                 lambda pos: ("baseline_date", str(table["baseline_date"].iloc[pos]).strip(),
                              "this patient's baseline_date differs from the one on the "
                              "patient's first row; give one baseline date per patient."))
        baseline = mapped.to_numpy()
    else:
        first = frame[ok].groupby("p")["v"].min()
        # no usable date at all: map() cannot cast to an empty date series (found by fuzzing)
        baseline = (frame["p"].map(first) if len(first) else
                    pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")).to_numpy()
    days = (pd.Series(visit) - pd.Series(baseline)).dt.days.to_numpy(dtype=float,
                                                                       na_value=np.nan)
    before = ok & (days < 0)
    out.many("visit_before_baseline", "rows with a visit before the baseline date",
             np.flatnonzero(before),
             lambda pos: ("visit_date", str(table["visit_date"].iloc[pos]).strip(),
                          "this visit is before the patient's baseline_date; check both "
                          "dates."))
    month = np.where(ok & ~before, days / DAYS_PER_MONTH, np.nan)
    # a bad date is already reported; its month stays empty (NaN) and unused
    position = list(table.columns).index("visit_date")
    table.insert(position, "month", month.astype("float64"))


def _check_long(table: pd.DataFrame, out: _Collector, row_labels: np.ndarray,
                header_row: int | None, index: IndexVersion | str | None,
                missing: list[str], wide_column: np.ndarray | None,
                systems_of: dict[str, str], from_dates: bool) -> pd.DataFrame | None:
    n = len(table)
    pid_values: np.ndarray | None = None
    # patient_id -------------------------------------------------------
    pid_ok = np.ones(n, dtype=bool)
    sid = np.zeros(n, dtype=np.int32)
    pid_text = np.array([""], dtype=object)
    if "patient_id" in table:
        codes, raw, text = out.factor(table["patient_id"], "patient_id")
        empty = text == ""
        if empty.any():
            out.many("patient_id_empty", "rows with an empty patient id",
                     np.flatnonzero(empty[codes]),
                     lambda pos: ("patient_id", "", "the patient id is empty; every row needs "
                                  "one."))
            pid_ok = ~empty[codes]
        _id_spelling_problems(out, codes, raw, text)
        stripped_codes, pid_text = pd.factorize(text)
        sid = stripped_codes.astype(np.int32)[codes]
        pid_values = np.asarray(pid_text, dtype=object)[sid]
        pid_text = np.asarray(pid_text, dtype=object)
    # month -------------------------------------------------------------
    month_ok = np.zeros(n, dtype=bool)
    mid = np.zeros(n, dtype=np.int32)
    month_values: np.ndarray | None = None
    n_months = 1
    if "month" in table and from_dates:
        values = table["month"].to_numpy(dtype=float, na_value=np.nan)
        month_ok = ~np.isnan(values)
        month_codes, month_uniques = pd.factorize(values)
        mid = np.where(month_codes < 0, 0, month_codes).astype(np.int32)
        n_months = max(len(month_uniques), 1)
        month_values = values
    elif "month" in table:
        codes, _, text = out.factor(table["month"], "month")
        number = pd.to_numeric(pd.Series(np.where(text == "", None, text), dtype=object),
                               errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        blank = text == ""
        infinite = np.isinf(number)
        bad_number = (np.isnan(number) & ~blank) | infinite
        with np.errstate(invalid="ignore"):
            negative = (number < 0) & ~infinite
            # a float holds whole numbers exactly only up to 2**53: beyond, it would change
            too_large = (number >= 2**53) & ~infinite
        checks = (
            ("month_empty", "rows with an empty month", blank,
             "the month is empty; give months since the first infusion (0 = baseline)."),
            ("month_not_number", "rows with a month that is not a number", bad_number,
             "the month is not a number; write months since the first infusion as a number "
             "such as 0, 3 or 6."),
            ("month_negative", "rows with a negative month", negative,
             "a month cannot be negative; month 0 is the baseline visit."),
            ("month_too_large", "rows with a month too large to be true", too_large,
             "the month is too large to be a number of months since the first infusion; "
             "check for a typing error."),
        )
        for kind, description, flag, message in checks:
            if flag.any():
                out.many(kind, description, np.flatnonzero(flag[codes]),
                         lambda pos, m=message, k=codes, t=text: ("month", t[k[pos]], m))
        good = ~(blank | bad_number | negative | too_large)
        month_ok = good[codes]
        clean = np.where(good, number, np.nan)
        numeric_codes, numeric_uniques = pd.factorize(clean)
        mid = np.where(numeric_codes < 0, 0, numeric_codes).astype(np.int32)[codes]
        n_months = max(len(numeric_uniques), 1)
        used = np.bincount(codes, minlength=len(text)) > 0
        whole = good[used].all() and bool(np.all(clean[used] == np.round(clean[used])))
        month_values = (np.where(np.isnan(clean), 0, clean).astype("int64")[codes] if whole
                        else clean[codes])
    # system ------------------------------------------------------------
    version: IndexVersion | None = _as_index(index) if index is not None else None
    system_ok = np.zeros(n, dtype=bool)
    sys_id = np.zeros(n, dtype=np.int8)
    if "system" in table:
        codes, _, text = out.factor(table["system"], "system")
        lowered = np.array([SYSTEM_ALIASES.get(t.lower(), t.lower()) for t in text],
                           dtype=object)
        if version is None:
            seen = set(lowered[np.bincount(codes, minlength=len(text)) > 0])
            classic_only = sorted(seen & (_CLASSIC_NAMES - _NAMES_2004))
            only_2004 = sorted(seen & (_NAMES_2004 - _CLASSIC_NAMES))
            if classic_only and only_2004:
                out.add("versions_mixed", None, "system", None,
                        "the file mixes classic BILAG systems (" + ", ".join(classic_only)
                        + ") with BILAG-2004 systems (" + ", ".join(only_2004)
                        + "); use one version throughout, or pass --index classic|2004 "
                        "to say which one is meant.")
                version = IndexVersion.BILAG2004 if len(only_2004) > len(classic_only) else (
                    IndexVersion.CLASSIC)
            else:
                version = IndexVersion.BILAG2004 if only_2004 else IndexVersion.CLASSIC
        valid = system_names(version)
        position = {s: i for i, s in enumerate(valid)}
        known = np.array([v in position for v in lowered], dtype=bool)
        uniq_id = np.array([position.get(v, 0) for v in lowered], dtype=np.int8)
        messages = []
        for value, low, good in zip(text, lowered, known, strict=True):
            if good:
                messages.append("")
                continue
            hint = (f" It is a system of the other BILAG version; this file uses "
                    f"{version.label}." if low in _ALL_SYSTEMS else "")
            suggestion = suggest_system(value, version)
            if suggestion:
                hint += f" Did you mean '{suggestion}'?"
            messages.append(f"unknown {version.label} organ system. Use one of: "
                            f"{', '.join(valid)}.{hint}")
        if wide_column is None and not known.all():
            out.many("system_unknown", "rows with an unknown organ system",
                     np.flatnonzero(~known[codes]),
                     lambda pos, k=codes, t=text, m=messages: ("system", t[k[pos]], m[k[pos]]))
        else:  # a wide table's system is its column: one problem per column
            for column, system in systems_of.items():
                if system not in position:
                    out.add("wide_column_other_version", header_row, column, None,
                            "a system of the other BILAG version, but this wide table uses "
                            f"{version.label} (columns {', '.join(valid)}); use one version "
                            "throughout, or pass --index classic|2004 to say which one is meant.")
        system_ok = known[codes] if not known.all() else np.ones(n, dtype=bool)
        sys_id = uniq_id[codes]
    # grade -------------------------------------------------------------
    grade_id = np.zeros(n, dtype=np.int8)
    if "grade" in table:
        codes, _, text = out.factor(table["grade"], "grade")
        upper = [t.upper() for t in text]
        good = np.array([u in GRADE_ORDER for u in upper], dtype=bool)
        uniq_id = np.array([GRADE_ORDER.index(u) if u in GRADE_ORDER else 0 for u in upper],
                           dtype=np.int8)
        column_of = (lambda pos: "grade") if wide_column is None else (
            lambda pos: str(wide_column[pos]))
        out.many("grade_invalid", "rows with a value that is not a BILAG grade",
                 np.flatnonzero(~good[codes]) if not good.all() else np.empty(0, np.intp),
                 lambda pos, k=codes, t=text: (
                     column_of(pos), t[k[pos]],
                     "not a BILAG grade; use one of A, B, C, D, E (A severe, B moderate, "
                     "C mild, D inactive now, E never involved)."))
        grade_id = uniq_id[codes]
    # duplicates and incomplete visits ------------------------------------
    if not missing and version is not None:
        _visit_problems(out, version, pid_ok & month_ok & system_ok, sid, mid, n_months,
                        sys_id, pid_text, month_values, wide_column is not None, systems_of)
    if out:
        return None
    assert version is not None and month_values is not None
    # Fixed categories make later steps fast and sort systems in the index's order.
    clean = table
    clean["patient_id"] = pd.Series(pid_values, index=clean.index, dtype=object, copy=False)
    clean["month"] = month_values
    clean["system"] = pd.Categorical.from_codes(sys_id, categories=list(system_names(version)))
    clean["grade"] = pd.Categorical.from_codes(grade_id, categories=list(GRADE_ORDER))
    for column in out.parsed - set(REQUIRED_COLUMNS):  # dates read as categories: text again
        if column in clean and isinstance(clean[column].dtype, pd.CategoricalDtype):
            codes = clean[column].cat.codes.to_numpy()
            clean[column] = pd.Series(clean[column].cat.categories.to_numpy(dtype=object)[codes],
                                      index=clean.index, dtype=object)
    clean.attrs["bilag_index"] = version.value
    clean.attrs["source"] = out.label
    if wide_column is not None:
        clean.attrs["layout"] = "wide"
    return clean


def _id_spelling_problems(out: _Collector, codes: np.ndarray, raw: np.ndarray,
                          text: np.ndarray) -> None:
    """Ids that differ only by case or surrounding spaces are reported, never merged."""
    folded = np.array([t.casefold() for t in text], dtype=object)
    key_codes, keys = pd.factorize(folded)
    if len(keys) == len(raw):
        return
    forms = np.bincount(key_codes, minlength=len(keys))
    conflicting = np.flatnonzero((forms > 1) & (np.asarray(keys, dtype=object) != ""))
    if not len(conflicting):
        return
    first_of_key: dict[int, int] = {}
    later: list[int] = []  # codes (in order of first appearance) spelt differently
    first_row = _first_positions(codes, len(raw))
    involved = np.flatnonzero(np.isin(key_codes, conflicting) & (first_row >= 0))
    for code in involved[np.argsort(first_row[involved], kind="stable")]:
        key = int(key_codes[code])
        if forms[key] > 1 and keys[key] != "":
            if key in first_of_key:
                later.append(code)
            else:
                first_of_key[key] = code
    rows: list[tuple[int, int]] = []
    for code in later[:MAX_PROBLEMS_PER_KIND]:
        reference = first_of_key[int(key_codes[code])]
        rows.append((int(first_row[code]), int(first_row[reference])))
    for pos, ref_pos in rows:
        code, reference = codes[pos], codes[ref_pos]
        out.add("patient_id_spelling", out.row(pos), "patient_id", str(raw[code]),
                f"this patient id differs from {str(raw[reference])!r} (row "
                f"{out.row(ref_pos)}) only by upper/lower case or spaces; the package does "
                "not guess whether they are the same patient: write the id the same way on "
                "every row.", pos=pos)
    out.count("patient_id_spelling", "patient ids that differ from another only by case "
              "or spaces", max(len(later) - MAX_PROBLEMS_PER_KIND, 0))


def _visit_problems(out: _Collector, version: IndexVersion, usable: np.ndarray,
                    sid: np.ndarray, mid: np.ndarray, n_months: int, sys_id: np.ndarray,
                    pid_text: np.ndarray, month_values: np.ndarray | None, wide: bool,
                    systems_of: dict[str, str]) -> None:
    expected = system_names(version)
    n_sys = len(expected)
    n_keys = (int(sid.max()) + 1 if len(sid) else 1) * n_months * n_sys
    # one key per (patient, month, system), computed in place in one array
    key_type = np.int32 if n_keys < 2**31 else np.int64
    whole = bool(usable.all())
    positions = np.empty(0, np.intp) if whole else np.flatnonzero(usable)
    key = (sid if whole else sid[positions]).astype(key_type)
    key *= n_months
    key += mid if whole else mid[positions]
    key *= n_sys
    key += sys_id if whole else sys_id[positions]
    dense = n_keys <= max(8 * len(key), 1 << 20)
    # With few patients x months, an occupancy array; otherwise a hash table.
    occupied: np.ndarray | None = None
    if dense:
        occupied = np.zeros(n_keys, dtype=bool)
        occupied[key] = True
    if occupied is not None and int(occupied.sum()) == len(key):
        dup = np.zeros(len(key), dtype=bool)
    else:
        dup = pd.Series(key).duplicated(keep="first").to_numpy()

    def patient_month(pos: int) -> tuple[str, str]:
        month = month_values[pos] if month_values is not None else 0
        return str(pid_text[sid[pos]]), _fmt_month(month)

    if whole and (dup.any() or occupied is None or not occupied.reshape(-1, n_sys).all(
            axis=1).all()):
        positions = np.arange(len(key))  # needed only to name rows in problems
    if dup.any():
        dup_positions = positions[dup]
        if wide:  # a duplicated wide row is one problem, not one per system column
            rows = out.row_labels[dup_positions]
            dup_positions = dup_positions[np.r_[True, rows[1:] != rows[:-1]]]

        def duplicate(pos: int) -> tuple[str | None, object, str]:
            k = (int(sid[pos]) * n_months + int(mid[pos])) * n_sys + int(sys_id[pos])
            original = int(positions[np.argmax(key == k)])
            patient, month = patient_month(pos)
            if wide:
                return ("patient_id", patient,
                        f"duplicate: patient {patient} already has a visit at month {month} "
                        f"(row {out.row(original)}); keep one row per patient and visit.")
            system = expected[sys_id[pos]]
            return ("system", system,
                    f"duplicate: patient {patient} already has a {system} grade at month "
                    f"{month} (row {out.row(original)}); keep one row per patient, visit "
                    "and system.")

        out.many("duplicate", "duplicated rows", dup_positions, duplicate)
    if wide:
        lacking = [s for s in expected if s not in set(systems_of.values())]
        if lacking:
            out.add("wide_system_missing", None, None, None,
                    f"this wide table has no column for {', '.join(lacking)}; it needs one "
                    f"column per {version.label} system (grade E for never involved).")
        return
    if occupied is not None:
        systems_seen = occupied.reshape(-1, n_sys).sum(axis=1)
        if not ((systems_seen > 0) & (systems_seen < n_sys)).any():
            return
    visit = key // n_sys
    visit_codes, visit_uniques = pd.factorize(visit)
    n_visits = len(visit_uniques)
    have = np.bincount(visit_codes[~dup], minlength=n_visits)
    incomplete = np.flatnonzero(have < n_sys)
    if not len(incomplete):
        return
    first = positions[_first_positions(visit_codes, n_visits)[incomplete]]
    order = np.argsort(first, kind="stable")

    def lacking_systems(pos: int) -> tuple[str | None, object, str]:
        code = visit_codes[np.searchsorted(positions, pos)]
        present = set(sys_id[positions[visit_codes == code]].tolist())
        lacking = [s for i, s in enumerate(expected) if i not in present]
        patient, month = patient_month(pos)
        # a row with an unknown system or a bad month is reported on its own row too
        return ("system", None,
                f"patient {patient} at month {month} has {n_sys - len(lacking)} of "
                f"{n_sys} systems; missing: {', '.join(lacking)}. Every visit needs a "
                f"grade for every {version.label} system (use E for never involved).")

    out.many("visit_incomplete", "visits without a grade for every system", first[order],
             lacking_systems)


def _py(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _fmt_month(month: float) -> str:
    """A month for messages: whole months as integers, others to two decimals."""
    month = float(month)
    if month.is_integer():
        return str(int(month))
    text = f"{month:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def read_visits(
    source: VisitSource,
    *,
    index: IndexVersion | str | None = None,
    name: str | None = None,
) -> pd.DataFrame:
    """Read a BILAG table from a CSV file or a DataFrame and validate it.

    Parameters
    ----------
    source : path, file object or DataFrame
        A CSV file (comma-separated, UTF-8, with or without a byte-order mark)
        or a DataFrame: long (the contract's columns), with ``visit_date``
        instead of ``month``, or wide (one column per organ system).
    index : {"classic", "2004"}, optional
        The BILAG version. Inferred from the system names when not given.
    name : str, optional
        The name used in messages (defaults to the file name).

    Returns
    -------
    pandas.DataFrame
        The long table: the same rows in the same order (a wide table's
        rows in order, each turned into one row per system), with ``grade``
        upper-case, ``system`` as machine names and ``month`` numeric.
        ``attrs`` holds ``bilag_index`` and ``source`` (and ``layout`` =
        ``"wide"`` for a wide table).

    Raises
    ------
    DataValidationError
        Listing the problems (file, row, column, value) at once.

    Examples
    --------
    >>> import pandas as pd
    >>> bad = pd.DataFrame({"patient_id": ["p1", "p1"], "month": [0, 0],
    ...                     "system": ["renal", "renal"], "grade": ["a", "Z"]})
    >>> read_visits(bad, name="mine")
    Traceback (most recent call last):
    ...
    lupus_teach.errors.DataValidationError: mine: found 3 problems; nothing was changed or dropped.
      - mine, row 0, column 'system': patient p1 at month 0 has 1 of 8 systems; missing: ...
      - mine, row 1, column 'grade', value 'Z': not a BILAG grade; ...
      - mine, row 1, column 'system', value 'renal': duplicate: ...
    """
    table, problems = check_visits(source, index=index, name=name)
    if problems or table is None:
        raise DataValidationError(problems, omitted=getattr(problems, "omitted", ()))
    return table


def bilag_index_of(visits: pd.DataFrame) -> IndexVersion:
    """The index version of a validated table (from ``attrs`` or its system names).

    Examples
    --------
    >>> import pandas as pd
    >>> bilag_index_of(pd.DataFrame({"system": ["renal", "ophthalmic"]})).value
    '2004'
    """
    if "bilag_index" in visits.attrs:
        return IndexVersion(visits.attrs["bilag_index"])
    from lupus_teach.bilag import infer_index

    return infer_index(visits["system"].unique())


def to_wide(visits: pd.DataFrame) -> pd.DataFrame:
    """One row per patient and visit, one column per system (index order).

    The index is (``patient_id``, ``month``); ``from_wide`` turns it back
    into the long table.

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.DataFrame({"patient_id": ["p1"] * 8, "month": [0] * 8,
    ...     "system": list(system_names("classic")), "grade": list("ABCDEEDC")})
    >>> to_wide(long).loc[("p1", 0), "renal"]
    'D'
    """
    systems = system_names(bilag_index_of(visits))
    frame = visits[["patient_id", "month", "system", "grade"]].astype(
        {"system": object, "grade": object})
    wide = frame.pivot(index=["patient_id", "month"], columns="system", values="grade")
    wide = wide.reindex(columns=[s for s in systems if s in wide.columns])
    wide.columns.name = None
    return wide.sort_index()


def summarise(visits: pd.DataFrame) -> str:
    """A one-line summary: patients, visits, months seen and index version.

    A table read from the wide layout says so.

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.DataFrame({"patient_id": ["p1", "p2"], "month": [0, 6],
    ...                      "system": ["renal", "renal"], "grade": ["A", "C"]})
    >>> summarise(long)
    '2 patients, 2 visits, months seen: 0, 6 (classic BILAG)'
    """
    pid_codes, pid_uniques = pd.factorize(visits["patient_id"])
    month_codes, month_uniques = pd.factorize(visits["month"])
    patients = len(pid_uniques)
    key = pid_codes.astype(np.int64) * max(len(month_uniques), 1) + month_codes
    slots = patients * max(len(month_uniques), 1)
    if 0 < slots <= 8 * len(key):  # count (patient, month) pairs without a hash table
        seen = np.zeros(slots, dtype=bool)
        seen[key[key >= 0]] = True
        n_visits = int(seen.sum())
    else:
        n_visits = len(pd.unique(key))
    distinct = sorted(month_uniques)
    if len(distinct) > 12:
        months = (f"{len(distinct)} different months from {_fmt_month(distinct[0])} to "
                  f"{_fmt_month(distinct[-1])}")
    else:
        months = ", ".join(_fmt_month(m) for m in distinct)
    version = bilag_index_of(visits)
    p_noun = "patient" if patients == 1 else "patients"
    v_noun = "visit" if n_visits == 1 else "visits"
    text = f"{patients} {p_noun}, {n_visits} {v_noun}, months seen: {months} ({version.label})"
    if visits.attrs.get("layout") == "wide":
        text += f"; {WIDE_NOTE}"
    return text
