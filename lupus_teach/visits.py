"""Reading and validating longitudinal BILAG data (the package's data contract).

The contract is a *long* table with one row per patient, visit and organ
system:

==============  ==========================================================
column          meaning
==============  ==========================================================
``patient_id``  any non-empty text identifying the patient
``month``       months since the first infusion; 0 is baseline; a number >= 0
``system``      an organ system's machine name (see :mod:`lupus_teach.bilag`)
``grade``       the BILAG grade, ``A`` to ``E``
==============  ==========================================================

Other columns are kept as they are (reports use some of them). Lower-case
grades and surrounding spaces are forgiven, and so are the case of system
names and the spelling ``hematological``; nothing else is. Every problem is
reported at once, with file, row, column and value, and no row is ever
dropped: either the whole table is valid or :class:`DataValidationError` is
raised.

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
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from lupus_teach.bilag import (
    _CLASSIC_NAMES,
    _NAMES_2004,
    GRADE_ORDER,
    SYSTEM_ALIASES,
    IndexVersion,
    _as_index,
    system_names,
)
from lupus_teach.errors import DataValidationError, Problem

__all__ = [
    "REQUIRED_COLUMNS",
    "check_visits",
    "read_visits",
    "summarise",
    "to_wide",
]

#: Columns every BILAG table must have.
REQUIRED_COLUMNS: tuple[str, ...] = ("patient_id", "month", "system", "grade")

VisitSource = str | os.PathLike[str] | IO[str] | pd.DataFrame


def _shown(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


def _parse_csv(source: str | os.PathLike[str] | IO[str] | IO[bytes], name: str) -> tuple[
    pd.DataFrame | None, list[Problem], np.ndarray | None
]:
    """Parse CSV text into strings, reporting structural problems.

    Returns the table (or None), the problems, and the spreadsheet row number
    of every table row.
    """
    problems: list[Problem] = []
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            raw: bytes | str = path.read_bytes()
        except FileNotFoundError:
            return None, [Problem(name, None, None, None, "no such file; check the path.")], None
        except IsADirectoryError:
            problem = Problem(name, None, None, None, "this is a folder, not a CSV file.")
            return None, [problem], None
        except OSError as err:
            problem = Problem(name, None, None, None, f"cannot read the file ({err.strerror}).")
            return None, [problem], None
    else:
        try:
            raw = source.read()
        except UnicodeDecodeError as err:
            return None, [
                Problem(name, None, None, err.object[err.start:err.end],
                        "not UTF-8 text; save it as 'CSV UTF-8 (comma-delimited)' "
                        "and try again.")
            ], None
    if isinstance(raw, bytes):
        decoded = _decode(raw, name)
        if isinstance(decoded, list):
            return None, decoded, None
        text = decoded
    else:
        text = raw[1:] if raw.startswith("\ufeff") else raw
    if not text.strip():
        return None, [
            Problem(name, None, None, None,
                    "the file is empty; it needs a header line "
                    f"'{','.join(REQUIRED_COLUMNS)}' and one row per patient, visit and system.")
        ], None
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
    except csv.Error as err:
        # for example a field longer than the csv module's limit (an unclosed quote)
        return None, [
            Problem(name, len(records) + 1, None, None,
                    f"this row cannot be read as CSV ({err}); look for an unclosed "
                    "double quote (\") on this row or above it.")
        ], None
    header = [h.strip() for h in records[0]]
    if len(header) == 1:
        for sep, sep_name in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
            if sep in records[0][0]:
                return None, [
                    Problem(name, 1, None, _shown(records[0][0]),
                            f"the header is separated by {sep_name}, not commas; "
                            "save the file as comma-separated CSV.")
                ], None
    rows: list[list[str]] = []
    row_numbers: list[int] = []
    for number, record in enumerate(records[1:], start=2):
        if not record or all(not field.strip() for field in record):
            continue  # a blank line (or a row of empty cells) holds no data
        if len(record) != len(header):
            problems.append(
                Problem(name, number, None, _shown(",".join(record)),
                        f"this row has {len(record)} values but the header has "
                        f"{len(header)} columns; check for stray commas or missing values.")
            )
            continue
        rows.append(record)
        row_numbers.append(number)
    if not rows and not problems:
        problems.append(Problem(name, None, None, None,
                                "the file has a header but no data rows."))
    table = pd.DataFrame(rows, columns=header, dtype=object)
    return table, problems, np.asarray(row_numbers, dtype=np.int64)


def _decode(raw: bytes, name: str) -> str | list[Problem]:
    """Decode UTF-8 (with or without a byte-order mark), or list the lines that are not."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if raw[:2] == b"PK":
        return [Problem(name, None, None, None,
                        "not UTF-8 text: it looks like a spreadsheet workbook; save it as "
                        "'CSV UTF-8 (comma-delimited)' first.")]
    problems = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as err:
            problems.append(Problem(
                name, number, None, line[err.start:err.end],
                f"not UTF-8 text (byte {err.start + 1} of this line); save the file as "
                "'CSV UTF-8 (comma-delimited)' and try again."))
    return problems


def _normalise_headers(table: pd.DataFrame) -> pd.DataFrame:
    renamed = {c: str(c).strip().lower() for c in table.columns if str(c).strip().lower()
               in REQUIRED_COLUMNS}
    return table.rename(columns=renamed)


def _cell_text(series: pd.Series) -> pd.Series:
    """Values as stripped text, with missing values as empty strings."""
    text = series.astype(object).where(series.notna(), "").astype(str)
    return text.str.strip().astype(object)


def check_visits(
    source: VisitSource,
    *,
    index: IndexVersion | str | None = None,
    name: str | None = None,
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Check a table against the contract; return the clean table and all problems.

    This is :func:`read_visits` without the exception: useful for showing
    problems in a widget or a report. The table is ``None`` when there are
    problems.

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
    is_frame = isinstance(source, pd.DataFrame)
    if isinstance(source, pd.DataFrame):
        label = name or "<DataFrame>"
        table = source.copy()
        table.columns = [str(c) for c in table.columns]
        problems: list[Problem] = []
        if len(table) == 0:
            problems.append(Problem(label, None, None, None, "the table has no rows."))
        row_labels: np.ndarray = np.asarray(table.index)
        table = table.reset_index(drop=True)
    else:
        label = name or (
            os.fspath(source) if isinstance(source, (str, os.PathLike))
            else getattr(source, "name", "<text>")
        )
        parsed, problems, numbers = _parse_csv(source, label)
        if parsed is None:
            return None, problems
        table = parsed
        row_labels = numbers  # type: ignore[assignment]
    table = _normalise_headers(table)
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    header_row = None if isinstance(source, pd.DataFrame) else 1
    for column in missing:
        close = difflib.get_close_matches(column, [str(c) for c in table.columns], n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        found = ", ".join(str(c) for c in table.columns) or "none"
        problems.append(Problem(label, header_row, column, None,
                                f"required column is missing (columns found: {found}).{hint}"))
    counts = pd.Series([str(c) for c in table.columns]).value_counts(sort=False)
    for column in counts[(counts > 1) & (counts.index != "")].index:
        problems.append(Problem(label, header_row, column, None,
                                f"the column name appears {counts[column]} times; rename or "
                                "delete all but one."))
    if len(table) == 0 or any(counts[c] > 1 for c in counts.index if c != ""):
        return None, sorted(problems, key=_problem_order(row_labels, by_label=is_frame))

    def row_of(positions: Iterable[int]) -> list[object]:
        return [_py(row_labels[p]) for p in positions]

    # patient_id -------------------------------------------------------
    if "patient_id" in table:
        pid = _cell_text(table["patient_id"])
        for pos in np.flatnonzero((pid == "").to_numpy()):
            problems.append(Problem(label, _py(row_labels[pos]), "patient_id", "",
                                    "the patient id is empty; every row needs one."))
        table["patient_id"] = pid
    # month -------------------------------------------------------------
    month_ok = pd.Series(True, index=table.index)
    if "month" in table:
        raw_month = table["month"]
        month_text = _cell_text(raw_month)
        month = pd.to_numeric(month_text.where(month_text != "", None), errors="coerce")
        bad_number = month.isna() & (month_text != "")
        blank = month_text == ""
        infinite = pd.Series(np.isinf(month.to_numpy(dtype=float, na_value=np.nan)),
                             index=month.index)
        negative = (month < 0) & ~infinite
        # a float holds whole numbers exactly only up to 2**53: beyond, the value would change
        too_large = (month >= 2**53) & ~infinite
        for pos in np.flatnonzero(blank.to_numpy()):
            problems.append(Problem(label, row_of([pos])[0], "month", "",
                                    "the month is empty; give months since the first "
                                    "infusion (0 = baseline)."))
        for pos in np.flatnonzero((bad_number | infinite).to_numpy()):
            problems.append(Problem(label, row_of([pos])[0], "month", month_text.iloc[pos],
                                    "the month is not a number; write months since the first "
                                    "infusion as a number such as 0, 3 or 6."))
        for pos in np.flatnonzero(negative.to_numpy()):
            problems.append(Problem(label, row_of([pos])[0], "month", month_text.iloc[pos],
                                    "a month cannot be negative; month 0 is the baseline visit."))
        for pos in np.flatnonzero(too_large.to_numpy()):
            problems.append(Problem(label, row_of([pos])[0], "month", month_text.iloc[pos],
                                    "the month is too large to be a number of months since "
                                    "the first infusion; check for a typing error."))
        month_ok = ~(blank | bad_number | negative | infinite | too_large)
        clean = month.where(month_ok)
        if month_ok.all() and (clean == clean.round()).all():
            table["month"] = clean.astype("int64")
        else:
            table["month"] = clean
    # system ------------------------------------------------------------
    version: IndexVersion | None = _as_index(index) if index is not None else None
    system_ok = pd.Series(False, index=table.index)
    if "system" in table:
        system_text = _cell_text(table["system"])
        lowered = system_text.str.lower().replace(SYSTEM_ALIASES)
        if version is None:
            seen = set(lowered.unique())
            classic_only = sorted(seen & (_CLASSIC_NAMES - _NAMES_2004))
            only_2004 = sorted(seen & (_NAMES_2004 - _CLASSIC_NAMES))
            if classic_only and only_2004:
                problems.append(Problem(
                    label, None, "system", None,
                    "the file mixes classic BILAG systems (" + ", ".join(classic_only)
                    + ") with BILAG-2004 systems (" + ", ".join(only_2004)
                    + "); use one version throughout, or pass --index classic|2004 "
                    "to say which one is meant."))
                version = IndexVersion.BILAG2004 if len(only_2004) > len(classic_only) else (
                    IndexVersion.CLASSIC)
            else:
                version = IndexVersion.BILAG2004 if only_2004 else IndexVersion.CLASSIC
        valid = system_names(version)
        system_ok = lowered.isin(valid)
        for pos in np.flatnonzero((~system_ok).to_numpy()):
            value = system_text.iloc[pos]
            other = lowered.iloc[pos] in (_CLASSIC_NAMES | _NAMES_2004)
            hint = (
                f" It is a system of the other BILAG version; this file uses {version.label}."
                if other else ""
            )
            problems.append(Problem(label, row_of([pos])[0], "system", value,
                                    f"unknown {version.label} organ system. Use one of: "
                                    f"{', '.join(valid)}.{hint}"))
        table["system"] = lowered
    # grade -------------------------------------------------------------
    grade_ok = pd.Series(False, index=table.index)
    if "grade" in table:
        grade_text = _cell_text(table["grade"])
        upper = grade_text.str.upper()
        grade_ok = upper.isin(GRADE_ORDER)
        for pos in np.flatnonzero((~grade_ok).to_numpy()):
            problems.append(Problem(label, row_of([pos])[0], "grade", grade_text.iloc[pos],
                                    "not a BILAG grade; use one of A, B, C, D, E "
                                    "(A severe, B moderate, C mild, D inactive now, "
                                    "E never involved)."))
        table["grade"] = upper
    # duplicates and incomplete visits ------------------------------------
    if not missing and version is not None:
        keyed = table.assign(_pos=np.arange(len(table)))
        usable = keyed[month_ok.to_numpy() & system_ok.to_numpy()
                       & (keyed["patient_id"] != "").to_numpy()]
        dup = usable.duplicated(["patient_id", "month", "system"], keep="first")
        if dup.any():
            first = usable.drop_duplicates(["patient_id", "month", "system"]).set_index(
                ["patient_id", "month", "system"])["_pos"]
            for _, row in usable[dup].iterrows():
                original = first.loc[(row["patient_id"], row["month"], row["system"])]
                problems.append(Problem(
                    label, row_of([row["_pos"]])[0], "system", row["system"],
                    f"duplicate: patient {row['patient_id']} already has a {row['system']} "
                    f"grade at month {_fmt_month(row['month'])} (row "
                    f"{row_of([original])[0]}); keep one row per patient, visit and system."))
        expected = system_names(version)
        per_visit = usable.groupby(["patient_id", "month"], sort=False)
        counts = per_visit["system"].nunique()
        for (patient, month), count in counts[counts < len(expected)].items():
            group = per_visit.get_group((patient, month))
            have = set(group["system"])
            lacking = [s for s in expected if s not in have]
            # a row with an unknown system or a bad month is reported on its own row too
            problems.append(Problem(
                label, row_of([group["_pos"].iloc[0]])[0], "system", None,
                f"patient {patient} at month {_fmt_month(month)} has {count} of "
                f"{len(expected)} systems; missing: {', '.join(lacking)}. Every visit needs a "
                f"grade for every {version.label} system (use E for never involved)."))
    from lupus_teach.sledai import activity_column_problems  # optional SLEDAI-2K/PGA columns
    problems += activity_column_problems(table, label, row_labels)
    if problems:
        return None, sorted(problems, key=_problem_order(row_labels, by_label=is_frame))
    assert version is not None
    # Fixed categories make later steps fast and sort systems in the index's order.
    table["system"] = pd.Categorical(table["system"], categories=list(system_names(version)))
    table["grade"] = pd.Categorical(table["grade"], categories=list(GRADE_ORDER))
    table.attrs["bilag_index"] = version.value
    table.attrs["source"] = label
    return table, problems


def _problem_order(
    row_labels: np.ndarray, by_label: bool
) -> Callable[[Problem], tuple[int, float]]:
    """Sort key: table-level problems first, then in table order, keeping the checks' order.

    File rows are line numbers and sort as numbers. DataFrame rows are index
    labels and sort by their position in the table, so a DataFrame whose labels
    are text (or unsorted numbers) keeps its own order.
    """
    position: dict[object, int] = {}
    for pos, row in enumerate(row_labels):
        try:
            position.setdefault(_py(row), pos)
        except TypeError:  # an unhashable label
            pass

    def key(problem: Problem) -> tuple[int, float]:
        if problem.row is None:
            return (0, 0.0)
        if not by_label and isinstance(problem.row, (int, float)):
            return (1, float(problem.row))
        try:
            where = position.get(problem.row)
        except TypeError:
            where = None
        # the header (row 1 of a file) is not a table row: it comes first
        return (1, -1.0 if where is None else float(where))

    return key


def _py(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _fmt_month(month: float) -> str:
    return str(int(month)) if float(month).is_integer() else str(month)


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
        or a DataFrame with the contract's columns.
    index : {"classic", "2004"}, optional
        The BILAG version. Inferred from the system names when not given.
    name : str, optional
        The name used in messages (defaults to the file name).

    Returns
    -------
    pandas.DataFrame
        The same rows in the same order, with ``grade`` upper-case,
        ``system`` as machine names and ``month`` numeric. ``attrs`` holds
        ``bilag_index`` and ``source``.

    Raises
    ------
    DataValidationError
        Listing every problem (file, row, column, value) at once.

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
        raise DataValidationError(problems)
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

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.DataFrame({"patient_id": ["p1"] * 8, "month": [0] * 8,
    ...     "system": list(system_names("classic")), "grade": list("ABCDEEDC")})
    >>> to_wide(long).loc[("p1", 0), "renal"]
    'D'
    """
    systems = system_names(bilag_index_of(visits))
    wide = visits.pivot(index=["patient_id", "month"], columns="system", values="grade")
    wide = wide.reindex(columns=[s for s in systems if s in wide.columns])
    wide.columns.name = None
    return wide.sort_index()


def summarise(visits: pd.DataFrame) -> str:
    """A one-line summary: patients, visits, months seen and index version.

    Examples
    --------
    >>> import pandas as pd
    >>> long = pd.DataFrame({"patient_id": ["p1", "p2"], "month": [0, 6],
    ...                      "system": ["renal", "renal"], "grade": ["A", "C"]})
    >>> summarise(long)
    '2 patients, 2 visits, months seen: 0, 6 (classic BILAG)'
    """
    patients = visits["patient_id"].nunique()
    n_visits = len(visits[["patient_id", "month"]].drop_duplicates())
    months = ", ".join(_fmt_month(m) for m in sorted(visits["month"].unique()))
    version = bilag_index_of(visits)
    p_noun = "patient" if patients == 1 else "patients"
    v_noun = "visit" if n_visits == 1 else "visits"
    return f"{patients} {p_noun}, {n_visits} {v_noun}, months seen: {months} ({version.label})"
