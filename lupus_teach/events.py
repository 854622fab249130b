"""Deaths and withdrawals: the events table, and how responses treat them.

A patient who dies or leaves the study cannot be assessed at its end. Trials
count such a patient as a non-responder (*non-responder imputation*), and so
does :func:`lupus_teach.response.classify_response` when it is given the events:
the rule is :data:`EVENT_CHOICE`.

The events table
----------------
One row per event, as a CSV file (``--events FILE`` on the command line) or a
DataFrame (``events=`` in Python):

==============  ==============================================================
column          meaning
==============  ==============================================================
``patient_id``  the patient, as in the visits file
``event``       ``death`` or ``withdrawal`` (``died``, ``dead``, ``withdrawn``
                and ``withdrew`` are read the same way; case is ignored)
``month``       months since the baseline visit, a number >= 0; **or**
``date``        the date of the event (ISO, ``2023-04-17``); it becomes months
                since the patient's baseline date in the visits (the
                ``baseline_date`` column, or the first ``visit_date``), in
                days divided by 30.4375, as visit dates are
==============  ==============================================================

Other columns are kept. Every problem is reported at once with file, row,
column and value; nothing is dropped. A patient may have at most one death.
A visit after a recorded death is bad input (:func:`visits_after_death`).

Examples
--------
>>> import io
>>> events = read_events(io.StringIO("patient_id,event,month\\nP07,Died,8\\n"))
>>> events[["patient_id", "event", "month"]].values.tolist()
[['P07', 'death', 8.0]]
>>> read_events(io.StringIO("patient_id,event,month\\nP07,moved away,8\\n"), name="ev.csv")
Traceback (most recent call last):
...
lupus_teach.errors.DataValidationError: ev.csv: found 1 problem; nothing was changed or dropped.
  - ev.csv, row 2, column 'event', value 'moved away': not an event this package knows; ...
"""

from __future__ import annotations

import csv
import io
import os
from enum import StrEnum
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from lupus_teach.errors import DataValidationError, Problem
from lupus_teach.response import Choice

__all__ = [
    "DAYS_PER_MONTH",
    "EVENT_CHOICE",
    "EVENT_COLUMNS",
    "EventKind",
    "first_events",
    "read_events",
    "visits_after_death",
]

#: Days in an average month (365.25 / 12), the unit dates are turned into months with.
DAYS_PER_MONTH = 30.4375
#: Columns of the table :func:`read_events` returns (other columns are kept after them).
EVENT_COLUMNS: tuple[str, ...] = ("patient_id", "event", "month")

EventSource = str | os.PathLike[str] | IO[str] | pd.DataFrame


class EventKind(StrEnum):
    """The events that end a patient's follow-up early."""

    DEATH = "death"
    WITHDRAWAL = "withdrawal"

    @property
    def verb(self) -> str:
        """The past tense used in reasons ("died", "withdrew")."""
        return {"death": "died", "withdrawal": "withdrew"}[self.value]


_SYNONYMS = {
    "death": EventKind.DEATH, "died": EventKind.DEATH, "dead": EventKind.DEATH,
    "withdrawal": EventKind.WITHDRAWAL, "withdrawn": EventKind.WITHDRAWAL,
    "withdrew": EventKind.WITHDRAWAL, "withdraw": EventKind.WITHDRAWAL,
}




#: The stated rule, shown in the book's definitions page.
EVENT_CHOICE = Choice(
    "A patient dies or withdraws before the end of follow-up: what is the response?",
    "Non-response (non-responder imputation, as trials analyse it): a patient who dies or "
    "withdraws before the definition's last scheduled visit (month 12 for every "
    "definition here), and was not assessed at that visit before the event, is NR, "
    "whatever the earlier visits showed; the reason says so and what the visits alone "
    "gave. An event after that visit changes nothing. A relapse is still reported only "
    "for patients who keep a response, so a death is never counted as a relapse.",
    "test_death_before_last_visit_is_nr_with_reason",
)


def _shown(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


def _records(source: EventSource, label: str) -> tuple[list[str], list[list[str]],
                                                         list[int], list[Problem]]:
    """Header, rows (as text), their spreadsheet row numbers and structural problems."""
    if isinstance(source, pd.DataFrame):
        header = [str(c) for c in source.columns]
        text = source.astype(object).where(source.notna(), "").astype(str)
        labels = [int(i) if isinstance(i, (int, np.integer)) else i for i in source.index]
        return header, text.values.tolist(), labels, []
    if isinstance(source, (str, os.PathLike)):
        try:
            raw = Path(source).read_bytes()
        except FileNotFoundError:
            return [], [], [], [Problem(label, None, None, None, "no such file; check the path.")]
        except OSError as err:
            return [], [], [], [Problem(label, None, None, None,
                                        f"cannot read the file ({err.strerror}).")]
        try:
            content = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return [], [], [], [Problem(label, None, None, None,
                                        "not UTF-8 text; save it as 'CSV UTF-8 "
                                        "(comma-delimited)' and try again.")]
    else:
        content = source.read()
        content = content.decode("utf-8-sig") if isinstance(content, bytes) else content
        content = content.removeprefix("\ufeff")
    records = list(csv.reader(io.StringIO(content, newline="")))
    if not records:
        return [], [], [], [Problem(label, None, None, None,
                                    "the file is empty; it needs a header line "
                                    "'patient_id,event,month' (or date) and one row per event.")]
    header = [h.strip() for h in records[0]]
    rows, numbers, problems = [], [], []
    for number, record in enumerate(records[1:], start=2):
        if not record or all(not f.strip() for f in record):
            continue
        if len(record) != len(header):
            problems.append(Problem(label, number, None, _shown(",".join(record)),
                                    f"this row has {len(record)} values but the header has "
                                    f"{len(header)} columns; check for stray commas."))
            continue
        rows.append([f.strip() for f in record])
        numbers.append(number)
    return header, rows, numbers, problems


def _baseline_dates(visits: pd.DataFrame) -> pd.Series | None:
    """Each patient's baseline date, from ``baseline_date`` or the first ``visit_date``."""
    for column in ("baseline_date", "visit_date"):
        if column in visits.columns:
            dates = pd.to_datetime(visits[column], errors="coerce", format="ISO8601")
            return dates.groupby(visits["patient_id"].to_numpy()).min()
    return None


def read_events(
    source: EventSource,
    *,
    visits: pd.DataFrame | None = None,
    name: str | None = None,
) -> pd.DataFrame:
    """Read and check an events table (deaths and withdrawals).

    Parameters
    ----------
    source : path, file object or DataFrame
        Columns ``patient_id``, ``event`` and ``month`` or ``date``.
    visits : DataFrame, optional
        The patients' visits; needed to turn ``date`` into months (the
        baseline date is the ``baseline_date`` column or the first
        ``visit_date``) and to check that every patient is known.
    name : str, optional
        The name used in messages (defaults to the file name).

    Returns
    -------
    DataFrame
        ``patient_id``, ``event`` (an :class:`EventKind` value), ``month``
        (float), ``source_row`` (the row in the file, or the DataFrame's index
        label), then any other columns; ``attrs['source']`` is the name.

    Raises
    ------
    DataValidationError
        Listing every problem (file, row, column, value) at once.

    Examples
    --------
    >>> import pandas as pd
    >>> visits = pd.DataFrame({"patient_id": ["a", "a"], "visit_date": ["2023-01-10",
    ...                        "2023-04-11"]})
    >>> events = pd.DataFrame({"patient_id": ["a"], "event": ["withdrawal"],
    ...                        "date": ["2023-05-11"]})
    >>> read_events(events, visits=visits)["month"].round(2).tolist()  # 121 days
    [3.98]
    """
    label = name or (os.fspath(source) if isinstance(source, (str, os.PathLike))
                     else "<DataFrame>" if isinstance(source, pd.DataFrame)
                     else getattr(source, "name", "<events>"))
    header, rows, numbers, problems = _records(source, label)
    if not header and problems:
        raise DataValidationError(problems)
    lowered = [h.strip().lower() for h in header]
    header_row = None if isinstance(source, pd.DataFrame) else 1
    found = ", ".join(header) or "none"
    for column in ("patient_id", "event"):
        if column not in lowered:
            problems.append(Problem(label, header_row, column, None,
                                    f"required column is missing (columns found: {found})."))
    has_month, has_date = "month" in lowered, "date" in lowered
    if not has_month and not has_date:
        problems.append(Problem(label, header_row, "month", None,
                                "give the time of each event in a 'month' column (months "
                                "since baseline) or a 'date' column (ISO dates such as "
                                f"2023-04-17); columns found: {found}."))
    if has_month and has_date:
        problems.append(Problem(label, header_row, "date", None,
                                "give the time of each event as 'month' or as 'date', not "
                                "both, so that they cannot disagree."))
    if problems:
        raise DataValidationError(problems)
    table = pd.DataFrame(rows, columns=lowered, dtype=object)  # no rows: no events
    problems = []
    kinds: list[str] = []
    for number, pid, event in zip(numbers, table["patient_id"], table["event"], strict=True):
        if pid == "":
            problems.append(Problem(label, number, "patient_id", "",
                                    "the patient id is empty; every event needs one."))
        kind = _SYNONYMS.get(event.lower())
        if kind is None:
            problems.append(Problem(label, number, "event", event,
                                    "not an event this package knows; use death or withdrawal."))
        kinds.append(kind.value if kind else "")
    months = np.full(len(table), np.nan)
    if has_month:
        for i, (number, text) in enumerate(zip(numbers, table["month"], strict=True)):
            try:
                value = float(text)
            except ValueError:
                value = np.nan
            if text == "" or not np.isfinite(value):
                problems.append(Problem(label, number, "month", text,
                                        "the month is not a number; give months since the "
                                        "baseline visit, such as 8 or 6.3."))
            elif value < 0:
                problems.append(Problem(label, number, "month", text,
                                        "a month cannot be negative; month 0 is the baseline."))
            else:
                months[i] = value
    else:
        dates = pd.to_datetime(table["date"], errors="coerce", format="ISO8601")
        baseline = _baseline_dates(visits) if visits is not None else None
        for i, (number, text) in enumerate(zip(numbers, table["date"], strict=True)):
            pid = table["patient_id"].iloc[i]
            if pd.isna(dates.iloc[i]):
                problems.append(Problem(label, number, "date", text,
                                        "not a date; write dates as YYYY-MM-DD (ISO), such as "
                                        "2023-04-17."))
            elif baseline is None:
                problems.append(Problem(label, number, "date", text,
                                        "an event date needs the visits' dates (a visit_date "
                                        "or baseline_date column) to know the baseline; give "
                                        "the event's month instead, or visits with dates."))
                break
            elif pid in baseline.index and not pd.isna(baseline[pid]):
                days = (dates.iloc[i] - baseline[pid]).days
                if days < 0:
                    problems.append(Problem(label, number, "date", text,
                                            f"the event is before patient {pid}'s baseline "
                                            f"visit ({baseline[pid].date()})."))
                else:
                    months[i] = days / DAYS_PER_MONTH
    if visits is not None:
        known = set(pd.unique(visits["patient_id"]))
        for number, pid in zip(numbers, table["patient_id"], strict=True):
            if pid != "" and pid not in known:
                problems.append(Problem(label, number, "patient_id", pid,
                                        "no visits for this patient; check the id (case and "
                                        "spaces count) or add the patient's visits."))
    deaths = pd.Series(kinds) == EventKind.DEATH.value
    repeated = table["patient_id"][deaths.to_numpy()].duplicated()
    for position in np.flatnonzero(deaths.to_numpy())[repeated.to_numpy()]:
        problems.append(Problem(label, numbers[position], "patient_id",
                                table["patient_id"].iloc[position],
                                "this patient has more than one death; keep one."))
    if problems:
        raise DataValidationError(problems)
    others = [c for c in table.columns if c not in ("patient_id", "event", "month", "date")]
    out = pd.DataFrame({"patient_id": table["patient_id"].astype(object), "event": kinds,
                        "month": months, "source_row": numbers})
    for column in [*(["date"] if has_date else []), *others]:
        out[column] = table[column].to_numpy()
    out.attrs["source"] = label
    return out


def first_events(events: pd.DataFrame) -> pd.DataFrame:
    """Each patient's earliest event (a death before a withdrawal in the same month).

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"patient_id": ["a", "a"], "event": ["withdrawal", "death"],
    ...                    "month": [5.0, 9.0]})
    >>> first_events(ev)[["patient_id", "event", "month"]].values.tolist()
    [['a', 'withdrawal', 5.0]]
    """
    rank = events["event"].map({"death": 0, "withdrawal": 1})
    ordered = events.assign(_rank=rank).sort_values(["month", "_rank"], kind="stable")
    return ordered.drop_duplicates("patient_id").drop(columns="_rank").reset_index(drop=True)


def visits_after_death(events: pd.DataFrame, visits: pd.DataFrame,
                       visits_name: str = "the visits") -> list[Problem]:
    """Problems for every patient with a visit after the recorded death.

    ``visits`` holds observed months in ``observed_month`` (after
    :func:`lupus_teach.windows.assign_windows`) or ``month``.

    Examples
    --------
    >>> import pandas as pd
    >>> ev = pd.DataFrame({"patient_id": ["a"], "event": ["death"], "month": [8.0],
    ...                    "source_row": [2]})
    >>> ev.attrs["source"] = "ev.csv"
    >>> v = pd.DataFrame({"patient_id": ["a", "a"], "month": [6, 9]})
    >>> print(visits_after_death(ev, v)[0])
    ev.csv, row 2, column 'month', value 8.0: patient a died at month 8 but has a visit at ...
    """
    deaths = events[events["event"] == EventKind.DEATH.value]
    if deaths.empty:
        return []
    column = "observed_month" if "observed_month" in visits.columns else "month"
    last = visits.groupby("patient_id", sort=False)[column].max()
    problems = []
    label = events.attrs.get("source", "<events>")
    time_column = "date" if "date" in events.columns else "month"
    for row in deaths.itertuples(index=False):
        seen = last.get(row.patient_id)
        if seen is not None and float(seen) > float(row.month) + 1e-9:
            value = getattr(row, time_column)
            problems.append(Problem(
                label, getattr(row, "source_row", None), time_column, value,
                f"patient {row.patient_id} died at month {_fmt(row.month)} but has a visit at "
                f"month {_fmt(seen)} in {visits_name}; a visit after death cannot be: check "
                "the month of death and the visit."))
    return problems


def _fmt(month: float) -> str:
    value = float(month)
    return str(int(value)) if value.is_integer() else f"{round(value, 2):g}"
