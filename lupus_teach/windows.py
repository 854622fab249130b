"""Visit windows: match observed visits to the scheduled visits of the study grid.

Clinic and trial visits rarely fall exactly on months 0, 1, 3, 6, 9 and 12: a
"month-6" visit happens at month 5.9 or 6.2, and months computed from visit
dates are never whole numbers. Before a response definition reads a patient's
visits, each observed visit is matched to one scheduled visit of the **visit
grid** through a window around it.

Windows are set on the visit grid, never on a definition's own months: BICLA
reads only months 0 and 12, but a month-7.7 visit still belongs to the month-9
window, so it can never be taken for month 12.

The default windows
-------------------
The grid is :data:`DEFAULT_GRID`, months 0, 1, 3, 6, 9 and 12. Each grid month's
window reaches halfway to the neighbouring grid months; the first and last
months reach as far outwards as inwards:

========  ====================
month     window (months)
========  ====================
0         -0.5 to 0.5 (a month is never below 0)
1         0.5 to 2
3         2 to 4.5
6         4.5 to 7.5
9         7.5 to 10.5
12        10.5 to 13.5
========  ====================

The matching rules (:data:`WINDOW_CHOICE`):

* a visit belongs to the grid month nearest to it among those whose window
  holds it (window ends included);
* a visit exactly as near to two grid months (a **tie**, such as month 2,
  halfway between months 1 and 3, or 0.5, 4.5, 7.5, 10.5) is not used: which
  visit it stands for cannot be told;
* when several visits fall in one window, the one nearest the scheduled month
  is used (between two equally near, the earlier), and the others are not;
* a visit outside every window (such as month 15) is not used.

A visit that is not used is never silent: :meth:`WindowedVisits.summary` says
how many there are, and :func:`lupus_teach.response.classify_response` lists
them in each patient's ``note``. Visits exactly at grid months are matched to
themselves, so exact-month data give exactly the results they would give
without windows.

Changing the windows
--------------------
In Python, ``VisitWindows(grid=(0, 3, 6, 12))`` sets another grid,
``VisitWindows(half_width=1.5)`` gives every grid month a window of 1.5 months
on each side, and ``VisitWindows(limits={12: (10.5, 14)})`` sets one month's
window. On the command line, ``--window`` (repeatable) takes the same in words:
``--window grid=0,3,6,12``, ``--window 1.5``, ``--window 12=10.5-14`` or
``--window exact`` (only visits exactly on a grid month); see
:meth:`VisitWindows.parse`.

The matching is vectorised with NumPy and pandas (one integer key per visit
found with ``numpy.unique``, then one row of distances per visit over the few
grid months), so that a 100,000-patient table of 4.8 million rows is matched in
a few seconds; exact-month tables skip the matching altogether.

Examples
--------
>>> import pandas as pd
>>> from lupus_teach.bilag import system_names
>>> rows = [("p1", m, s, "C") for m in (0, 1.1, 2.9, 5.9, 6.3, 9.2, 11.8)
...         for s in system_names("classic")]
>>> visits = pd.DataFrame(rows, columns=["patient_id", "month", "system", "grade"])
>>> matched = assign_windows(visits)
>>> matched.visits.drop_duplicates("month")[["month", "observed_month"]].values.tolist()
[[0.0, 0.0], [1.0, 1.1], [3.0, 2.9], [6.0, 5.9], [9.0, 9.2], [12.0, 11.8]]
>>> matched.unused[["patient_id", "observed_month", "why"]].values.tolist()
[['p1', 6.3, 'in the month-6 window with a nearer visit at month 5.9']]
>>> print(matched.summary())
6 visits matched to windows (5 off their scheduled month); 1 visit was not used (a nearer ...
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lupus_teach.errors import LupusTeachError
from lupus_teach.response import Choice

__all__ = [
    "DEFAULT_GRID",
    "WINDOW_CHOICE",
    "VisitWindows",
    "WindowSpecError",
    "WindowedVisits",
    "as_windows",
    "assign_windows",
]

#: The study's visit months, the default visit grid.
DEFAULT_GRID: tuple[int, ...] = (0, 1, 3, 6, 9, 12)


#: The stated rule, shown in the book's definitions page.
WINDOW_CHOICE = Choice(
    "Visits rarely fall exactly on months 0, 1, 3, 6, 9 and 12: which observed visit "
    "stands for which scheduled one?",
    "Each observed visit is matched to the nearest month of the visit grid (0, 1, 3, 6, "
    "9, 12) whose window holds it; a window reaches halfway to the neighbouring grid "
    "months (month 0: -0.5 to 0.5; 1: 0.5 to 2; 3: 2 to 4.5; 6: 4.5 to 7.5; 9: 7.5 to "
    "10.5; 12: 10.5 to 13.5). A visit exactly halfway between two grid months is not "
    "used; of several visits in one window the nearest is used (the earlier of two "
    "equally near); every unused visit is listed in the note column. The windows are "
    "set on the grid, not on a definition's own months, so a month-7 visit is never "
    "taken for month 12.",
    "test_default_windows_match_nearest_and_leave_ties_unused",
)


class WindowSpecError(LupusTeachError, ValueError):
    """Visit windows that cannot be used (a grid without month 0, a window missing its month)."""


def _fmt(month: float) -> str:
    value = float(month)
    if value.is_integer():
        return str(int(value))
    return f"{round(value, 2):g}"


@dataclass(frozen=True)
class VisitWindows:
    """The visit grid and the window of each grid month.

    Parameters
    ----------
    grid : sequence of numbers
        The scheduled visit months, including 0 (baseline). Default
        :data:`DEFAULT_GRID`.
    half_width : float, optional
        Give every grid month a window of this many months on each side
        (instead of halfway to its neighbours). ``0`` accepts only visits
        exactly on a grid month.
    limits : mapping of month to (start, end), optional
        The window of particular grid months (each must contain its month);
        the others keep the default or ``half_width``.

    Examples
    --------
    >>> VisitWindows().table()["window"].tolist()
    ['-0.5 to 0.5', '0.5 to 2', '2 to 4.5', '4.5 to 7.5', '7.5 to 10.5', '10.5 to 13.5']
    >>> VisitWindows(limits={12: (10, 14)}).window(12)
    (10.0, 14.0)
    >>> VisitWindows(grid=(0, 6, 12)).window(6)
    (3.0, 9.0)
    >>> VisitWindows(grid=(1, 3))
    Traceback (most recent call last):
    ...
    lupus_teach.windows.WindowSpecError: the visit grid must include month 0 (the baseline ...
    """

    grid: tuple[float, ...] = DEFAULT_GRID
    half_width: float | None = None
    limits: tuple[tuple[float, float, float], ...] = field(default=())

    def __post_init__(self) -> None:
        try:
            grid = tuple(sorted({_number(m) for m in self.grid}))
        except (TypeError, ValueError):
            raise WindowSpecError(
                f"the visit grid must be numbers of months; got {self.grid!r}.") from None
        grid = tuple(int(m) if float(m).is_integer() else m for m in grid)
        if not grid or grid[0] != 0:
            listed = ", ".join(_fmt(m) for m in grid) or "nothing"
            raise WindowSpecError("the visit grid must include month 0 (the baseline visit); "
                                  f"got {listed}.")
        object.__setattr__(self, "grid", grid)
        if self.half_width is not None:
            width = _number(self.half_width)
            if not width >= 0:
                raise WindowSpecError(f"a window half-width must be 0 or more months; got "
                                      f"{self.half_width!r}.")
            object.__setattr__(self, "half_width", float(width))
        raw = self.limits.items() if isinstance(self.limits, Mapping) else self.limits
        limits = []
        for item in raw:
            if isinstance(item, tuple) and len(item) == 2:  # (month, (start, end))
                month, (start, end) = item
            else:
                month, start, end = item
            month, start, end = _number(month), _number(start), _number(end)
            if month not in grid:
                raise WindowSpecError(
                    f"a window was given for month {_fmt(month)}, which is not on the visit "
                    f"grid ({', '.join(_fmt(m) for m in grid)}).")
            if not start <= month <= end:
                raise WindowSpecError(
                    f"the window {_fmt(start)} to {_fmt(end)} does not contain its month "
                    f"{_fmt(month)}.")
            limits.append((month, float(start), float(end)))
        object.__setattr__(self, "limits", tuple(sorted(limits)))

    # -- the windows ---------------------------------------------------------

    def window(self, month: float) -> tuple[float, float]:
        """The (start, end) of one grid month's window, both ends included."""
        for m, start, end in self.limits:
            if m == month:
                return start, end
        grid = self.grid
        i = grid.index(month)
        if self.half_width is not None:
            return float(month - self.half_width), float(month + self.half_width)
        before = (grid[i] - grid[i - 1]) / 2 if i > 0 else None
        after = (grid[i + 1] - grid[i]) / 2 if i + 1 < len(grid) else None
        if before is None and after is None:  # a grid of month 0 alone
            before = after = 0.5
        before = after if before is None else before
        after = before if after is None else after
        return float(month - before), float(month + after)

    def bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Arrays of grid months, window starts and window ends."""
        months = np.asarray(self.grid, dtype=float)
        spans = [self.window(m) for m in self.grid]
        return months, np.array([s for s, _ in spans]), np.array([e for _, e in spans])

    def table(self) -> pd.DataFrame:
        """The windows as a table (``month``, ``start``, ``end``, ``window``)."""
        _, starts, ends = self.bounds()
        return pd.DataFrame({
            "month": list(self.grid), "start": starts, "end": ends,
            "window": [f"{_fmt(s)} to {_fmt(e)}" for s, e in zip(starts, ends, strict=True)],
        })

    def describe(self) -> str:
        """The windows in one line, e.g. ``month 0: -0.5 to 0.5, month 1: 0.5 to 2, ...``."""
        return ", ".join(f"month {_fmt(m)}: {w}"
                         for m, w in zip(self.grid, self.table()["window"], strict=True))

    @property
    def is_default(self) -> bool:
        """True for the default grid and windows."""
        return self == VisitWindows()

    # -- parsing -------------------------------------------------------------

    @classmethod
    def parse(cls, specs: str | Iterable[str]) -> VisitWindows:
        """Windows from the command line's ``--window`` values.

        Each value is one of:

        * ``grid=0,3,6,12``: the visit grid;
        * ``1.5``: every grid month's window reaches 1.5 months each side;
        * ``exact``: only visits exactly on a grid month (half-width 0);
        * ``12=10.5-14``: the window of one grid month (start-end, months).

        Examples
        --------
        >>> VisitWindows.parse(["grid=0,6,12", "12=10-15"]).describe()
        'month 0: -3 to 3, month 6: 3 to 9, month 12: 10 to 15'
        >>> VisitWindows.parse("exact").window(6)
        (6.0, 6.0)
        >>> VisitWindows.parse(["6=about 6"])
        Traceback (most recent call last):
        ...
        lupus_teach.windows.WindowSpecError: --window '6=about 6' is not understood. ...
        """
        values = [specs] if isinstance(specs, str) else list(specs)
        grid: tuple[float, ...] = DEFAULT_GRID
        half: float | None = None
        limits: list[tuple[float, float, float]] = []
        for raw in values:
            text = str(raw).strip().lower().replace(" ", "")
            try:
                if text == "exact":
                    half = 0.0
                elif text.startswith("grid="):
                    grid = tuple(_number(v) for v in text[5:].split(",") if v != "")
                elif "=" in text:
                    month, span = text.split("=", 1)
                    match = re.fullmatch(r"(-?[0-9.]+)(?:-|to|:|\.\.)([0-9.]+)", span)
                    if not match:
                        raise ValueError(span)
                    limits.append((_number(month), _number(match[1]), _number(match[2])))
                else:
                    half = _number(text)
            except ValueError:
                raise WindowSpecError(
                    f"--window {raw!r} is not understood. Use grid=0,1,3,6,9,12 (the visit "
                    "grid), a half-width such as 1.5 (months each side of every grid month), "
                    "exact (only visits on a grid month) or MONTH=START-END such as "
                    "12=10.5-13.5 (one month's window).") from None
        return cls(grid=grid, half_width=half, limits=tuple(limits))


def _number(value: object) -> float:
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise ValueError(value)
    return int(number) if number.is_integer() else number


def as_windows(windows: VisitWindows | str | float | Sequence[str] | None) -> VisitWindows:
    """Coerce ``windows=`` (None, a VisitWindows, a half-width or ``--window`` text).

    Examples
    --------
    >>> as_windows(None) == VisitWindows()
    True
    >>> as_windows(2).window(3)
    (1.0, 5.0)
    >>> as_windows(["12=10-14"]).window(12)
    (10.0, 14.0)
    """
    if windows is None:
        return VisitWindows()
    if isinstance(windows, VisitWindows):
        return windows
    if isinstance(windows, (int, float)) and not isinstance(windows, bool):
        return VisitWindows(half_width=float(windows))
    if isinstance(windows, str) or isinstance(windows, Sequence):
        return VisitWindows.parse(windows)  # type: ignore[arg-type]
    raise WindowSpecError(f"windows must be a VisitWindows, a half-width in months or "
                          f"--window text; got {windows!r}.")


@dataclass(frozen=True)
class WindowedVisits:
    """The result of :func:`assign_windows`.

    Attributes
    ----------
    visits : DataFrame
        The rows of the visits used, in their original order: ``month`` is now
        the scheduled grid month and ``observed_month`` (float) the month
        observed. Every other column is kept; ``attrs`` are copied.
    unused : DataFrame
        One row per visit not used: ``patient_id``, ``observed_month``,
        ``kind`` (``outside``, ``tie`` or ``nearer``), ``why`` (in words) and
        ``rows`` (how many table rows, one per organ system, it had).
    windows : VisitWindows
        The windows applied.
    matched : int
        Visits used.
    moved : int
        Visits used whose observed month is not their scheduled month.
    table : DataFrame
        Every row of the input in its order, ``month`` the scheduled month
        (NaN for a visit not used) and ``observed_month``: what the response
        rules read, so that a patient whose visits are all unused is still
        classified (as having no baseline) and listed.
    """

    visits: pd.DataFrame
    unused: pd.DataFrame
    windows: VisitWindows
    matched: int
    moved: int
    table: pd.DataFrame

    def summary(self) -> str:
        """One line for the console, e.g. "112 visits matched to windows; 3 visits ...".

        Examples
        --------
        >>> import pandas as pd
        >>> table = pd.DataFrame({"patient_id": ["a", "a"], "month": [0, 15],
        ...                       "system": ["renal"] * 2, "grade": ["A", "C"]})
        >>> print(assign_windows(table).summary())
        1 visit matched to windows; 1 visit outside every window was not used: see the note column
        """
        noun = "visit" if self.matched == 1 else "visits"
        text = f"{self.matched:,} {noun} matched to windows"
        if self.moved:
            text += f" ({self.moved:,} off their scheduled month)"
        if self.unused.empty:
            return text + "; every visit was used"
        kinds = self.unused["kind"].value_counts()
        n = len(self.unused)
        noun = "visit" if n == 1 else "visits"
        if len(kinds) == 1 and kinds.index[0] == "outside":
            return (f"{text}; {n:,} {noun} outside every window {'was' if n == 1 else 'were'} "
                    "not used: see the note column")
        words = {"outside": "outside every window", "tie": "halfway between two grid months",
                 "nearer": "a nearer visit fills its window"}
        detail = ", ".join(f"{kinds[k]:,} {words[k]}" if len(kinds) > 1 else words[k]
                           for k in ("outside", "tie", "nearer") if k in kinds)
        return (f"{text}; {n:,} {noun} {'was' if n == 1 else 'were'} not used ({detail}): "
                "see the note column")


def _visit_count(visits: pd.DataFrame) -> int:
    """Distinct (patient, month) visits; fast for a validated table of complete visits."""
    if len(visits) == 0:
        return 0
    system = visits["system"]
    if isinstance(system.dtype, pd.CategoricalDtype):
        counts = np.bincount(system.cat.codes.to_numpy() + 1,
                             minlength=len(system.cat.categories) + 1)
        # every system once per visit (what validation guarantees): rows of one system
        if counts[0] == 0 and (counts[1:] == counts[1]).all():
            return int(counts[1])
    return len(visits[["patient_id", "month"]].drop_duplicates())


_UNUSED_COLUMNS = ["patient_id", "observed_month", "kind", "why", "rows"]


def assign_windows(visits: pd.DataFrame,
                   windows: VisitWindows | str | float | Sequence[str] | None = None
                   ) -> WindowedVisits:
    """Match every observed visit to a scheduled month of the visit grid.

    Parameters
    ----------
    visits : DataFrame
        A validated long BILAG table (:func:`lupus_teach.visits.read_visits`),
        ``month`` being the observed month. A visit is one patient and month.
    windows : VisitWindows, optional
        Default: :class:`VisitWindows` ``()`` (see the module docstring for
        the exact windows and the tie rule).

    Returns
    -------
    WindowedVisits

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"patient_id": ["a"] * 4, "month": [0, 2, 5.5, 6.5],
    ...                       "system": ["renal"] * 4, "grade": list("ABCC")})
    >>> matched = assign_windows(table)
    >>> matched.visits[["month", "observed_month"]].values.tolist()
    [[0.0, 0.0], [6.0, 5.5]]
    >>> matched.unused["why"].tolist()
    ['halfway between months 1 and 3', 'in the month-6 window with an earlier visit as near ...']
    """
    chosen = as_windows(windows)
    grid, starts, ends = chosen.bounds()
    month = pd.to_numeric(visits["month"]).to_numpy(dtype=float)
    int_grid = all(float(m).is_integer() for m in chosen.grid)
    on_grid = np.isin(month, grid)
    if on_grid.all():
        # exact months: each visit is its own scheduled visit (the fast path)
        out = visits.assign(observed_month=month)
        empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
            _UNUSED_COLUMNS, [object, float, object, object, "int64"], strict=True)})
        matched = _visit_count(visits)
        return WindowedVisits(out, empty, chosen, matched, 0, out)
    pid_codes, patients = pd.factorize(visits["patient_id"], sort=False)
    month_codes, month_values = pd.factorize(month, sort=False)
    # one integer per (patient, month): the visits, each row's visit and its row count
    key = pid_codes.astype(np.int64) * max(len(month_values), 1) + month_codes
    _, first, where, rows_per_visit = np.unique(key, return_index=True, return_inverse=True,
                                                return_counts=True)
    visit_pid = pid_codes[first]
    visit_month = month[first]
    # distance to every grid month whose window holds the visit (inf elsewhere)
    inside = (visit_month[:, None] >= starts[None, :]) & (visit_month[:, None] <= ends[None, :])
    distance = np.where(inside, np.abs(visit_month[:, None] - grid[None, :]), np.inf)
    nearest = distance.argmin(axis=1)
    best = distance[np.arange(len(visit_month)), nearest]
    outside = ~np.isfinite(best)
    ties = ~outside & ((distance == best[:, None]).sum(axis=1) > 1)
    candidate = ~outside & ~ties
    # of several visits in one window, the nearest is used (the earlier of two as near)
    order = np.lexsort((visit_month, best, nearest, visit_pid))
    cand_sorted = candidate[order]
    slot = visit_pid[order].astype(np.int64) * (len(grid) + 1) + nearest[order]
    slot = np.where(cand_sorted, slot, -1 - np.arange(len(order)))
    first_in_slot = np.ones(len(order), dtype=bool)
    first_in_slot[1:] = slot[1:] != slot[:-1]
    used_sorted = cand_sorted & first_in_slot
    used = np.zeros(len(order), dtype=bool)
    used[order] = used_sorted
    nearer = candidate & ~used
    # which visit fills the window of a visit pushed out by a nearer one
    winner_month = np.full(len(order), np.nan)
    slot_winner = pd.Series(visit_month[order][used_sorted],
                            index=slot[used_sorted])
    if nearer.any():
        loser_slot = visit_pid[nearer].astype(np.int64) * (len(grid) + 1) + nearest[nearer]
        winner_month[nearer] = slot_winner.reindex(loser_slot).to_numpy()
    # back to the table's rows
    row_used = used[where]
    if row_used.all():  # one table serves both (no copy of millions of rows)
        sched = grid[nearest[where]]
        out = visits.assign(month=sched.astype("int64") if int_grid else sched,
                            observed_month=month)
        table = out
    else:
        scheduled = np.where(row_used, grid[nearest[where]], np.nan)
        table = visits.assign(month=scheduled, observed_month=month)
        out = table.loc[row_used].copy()
        if int_grid:
            out["month"] = out["month"].astype("int64")
    table.attrs.update(visits.attrs)
    out.attrs.update(visits.attrs)
    # the unused visits, in words
    why = np.full(len(order), "", dtype=object)
    kind = np.full(len(order), "", dtype=object)
    kind[outside], kind[ties], kind[nearer] = "outside", "tie", "nearer"
    for i in np.flatnonzero(outside):
        why[i] = "outside every visit window"
    for i in np.flatnonzero(ties):
        pair = [_fmt(m) for m in grid[distance[i] == best[i]]]
        why[i] = f"halfway between months {pair[0]} and {pair[-1]}"
    for i in np.flatnonzero(nearer):
        as_near = abs(winner_month[i] - grid[nearest[i]]) == best[i]
        word = "an earlier visit as near" if as_near else "a nearer visit"
        why[i] = (f"in the month-{_fmt(grid[nearest[i]])} window with {word} at month "
                  f"{_fmt(winner_month[i])}")
    lost = np.flatnonzero(~used)
    lost = lost[np.lexsort((visit_month[lost], visit_pid[lost]))]  # patient order, then month
    unused = pd.DataFrame({
        "patient_id": np.asarray(patients, dtype=object)[visit_pid[lost]],
        "observed_month": visit_month[lost],
        "kind": kind[lost],
        "why": why[lost],
        "rows": rows_per_visit[lost].astype("int64"),
    })
    moved = int((used & ~np.isin(visit_month, grid)).sum())
    return WindowedVisits(out, unused, chosen, int(used.sum()), moved, table)
