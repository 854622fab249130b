"""Composite endpoints that combine BILAG with SLEDAI-2K and a physician's global assessment.

The rules of the SLE Responder Index (SRI-4 and its stricter versions SRI-5
to SRI-8) and of the full BICLA, written twice: :func:`reference_rule` in
plain Python for one patient (to be read), and :func:`vectorised_rule` with
NumPy for a whole cohort. :mod:`lupus_teach.response` registers the
definitions (``sri4`` ... ``sri8``, ``bicla_full``), applies the shared rules
(missing visits, windows, events) and assembles the result table; this module
holds only the clinical rules and their reasons in words.

Rules (month 12 against baseline)
---------------------------------
SRI-*k* (Furie RA et al., Arthritis Rheum 2009;61:1143-1151; *k* = 4 in the
original, 5-8 in later trials):

1. SLEDAI-2K reduced by at least *k* points;
2. no new BILAG A (a system graded A that was not A at baseline) and at most
   one new BILAG B (a system graded B that was C, D or E at baseline);
3. physician's global assessment (PGA, 0-3) not worse by 0.3 or more.

BICLA (Wallace DJ et al., Ann Rheum Dis 2014;73:183-190):

1. every system graded A at baseline is B or better, every B is C or better;
2. no new A and at most one new B;
3. no worsening of SLEDAI-2K (month 12 not above baseline);
4. PGA worse by less than 10% of the 3-point scale, that is by less than 0.3;
5. no treatment failure (``treatment_failure`` column; when absent, the
   reason says it was not assessed).

PGA changes are rounded to 6 decimals before the comparison, so that 2.3 to
2.6 counts as exactly 0.3 (binary floating point would make it 0.2999...).

Examples
--------
>>> from lupus_teach.bilag import system_names
>>> quiet = dict.fromkeys(system_names("classic"), "D")
>>> grades = {0: dict(quiet, renal="A"), 12: dict(quiet, renal="A")}
>>> activity = {0: (16.0, 2.0, float("nan")), 12: (4.0, 1.0, float("nan"))}
>>> code, month, details = reference_rule("sri4", grades, system_names("classic"), activity)
>>> print(reason_text("sri4", code, details)[:62])
responder (SRI-4): SLEDAI-2K fell by 12 points (from 16 to 4),
>>> code, month, details = reference_rule("bicla_full", grades, system_names("classic"),
...                                       activity)
>>> print(reason_text("bicla_full", code, details))
NR (BICLA): renal was A at baseline and is still A at month 12
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from lupus_teach.bilag import ACTIVITY

__all__ = [
    "COMPOSITE_NAMES",
    "PGA_WORSENING",
    "label_of",
    "reason_text",
    "reference_rule",
    "sri_threshold",
    "vectorised_rule",
]

#: Names of the composite definitions: SRI-4 to SRI-8 and the full BICLA.
COMPOSITE_NAMES: tuple[str, ...] = ("sri4", "sri5", "sri6", "sri7", "sri8", "bicla_full")
#: PGA worsening (points on the 0-3 scale) that rules a patient out, in SRI and BICLA.
PGA_WORSENING = 0.3
#: The month judged, and the baseline.
END, BASE = 12, 0

#: Decision codes: category and reason template.
_TEMPLATES: dict[str, tuple[str, str]] = {
    "c_no_baseline": ("NR", "NR ({label}): no baseline visit (month 0), so change cannot be "
                            "judged"),
    "c_no_active": ("NR", "NR ({label}): no active disease at entry (no A and fewer than two "
                          "B at baseline), so the entry rule is not met"),
    "c_missing_12": ("NR", "NR ({label}): no visit at month 12, and a missing visit never "
                           "counts as a response"),
    "c_no_sledai": ("NR", "NR ({label}): no SLEDAI-2K score at month {month}, and a missing "
                          "score never counts as a response"),
    "c_no_pga": ("NR", "NR ({label}): no physician's global assessment at month {month}, and "
                       "a missing assessment never counts as a response"),
    "c_new_a": ("NR", "NR ({label}): new BILAG A in {system} at month 12 compared with "
                      "baseline"),
    "c_new_b": ("NR", "NR ({label}): new BILAG B in {systems} at month 12 compared with "
                      "baseline; at most one new B is allowed"),
    "c_pga_worse": ("NR", "NR ({label}): the physician's global assessment worsened by "
                          "{pga_change}, from {p0} to {p12}; {pga_rule}"),
    "s_sledai_small": ("NR", "NR ({label}): SLEDAI-2K fell by {drop_text}, from {s0} to {s12}; "
                             "at least {k} is required"),
    "s_sledai_same": ("NR", "NR ({label}): SLEDAI-2K did not fall (it was {s0} at baseline "
                            "and at month 12); a fall of at least {k} points is required"),
    "s_sledai_rose": ("NR", "NR ({label}): SLEDAI-2K rose by {rise_text}, from {s0} to {s12}; "
                            "a fall of at least {k} points is required"),
    "s_responder": ("responder",
                    "responder ({label}): SLEDAI-2K fell by {drop_text} (from {s0} to {s12}), "
                    "no new BILAG A and at most one new B at month 12, and the physician's "
                    "global assessment did not worsen by 0.3 or more ({p0} to {p12})"),
    "f_persistent_a": ("NR", "NR ({label}): {system} was A at baseline and is still A at "
                             "month 12"),
    "f_persistent_b": ("NR", "NR ({label}): {system} was B at baseline and is {grade} at "
                             "month 12, not C or better"),
    "f_sledai_worse": ("NR", "NR ({label}): SLEDAI-2K worsened from {s0} at baseline to {s12} "
                             "at month 12; BICLA allows no worsening"),
    "f_treatment_failure": ("NR", "NR ({label}): treatment failure recorded at month "
                                  "{failure_month}"),
    "f_responder": ("responder",
                    "responder ({label}): at month 12 every baseline A and B improved, no new "
                    "A and at most one new B, SLEDAI-2K did not worsen ({s0} to {s12}), the "
                    "physician's global assessment worsened by less than 10% of the scale "
                    "({p0} to {p12}), and {failure_text}"),
}

_FAILURE_TEXT = {
    "none": "no treatment failure was recorded",
    "not_recorded": "treatment failure was not assessed (not recorded at month 12)",
    "no_column": "treatment failure was not assessed (the data have no treatment_failure "
                 "column)",
    "yes": "treatment failure was recorded",
}


def sri_threshold(name: str) -> int:
    """The SLEDAI-2K fall an SRI definition requires (``"sri4"`` -> 4).

    Examples
    --------
    >>> sri_threshold("sri6")
    6
    """
    return int(name[3:])


def label_of(name: str) -> str:
    """How reasons name a composite definition (``"SRI-4"``, ``"BICLA"``).

    Examples
    --------
    >>> label_of("sri5"), label_of("bicla_full")
    ('SRI-5', 'BICLA')
    """
    return "BICLA" if name == "bicla_full" else f"SRI-{sri_threshold(name)}"


def category_of(code: str) -> str:
    """The response category (``"responder"`` or ``"NR"``) of a decision code."""
    return _TEMPLATES[code][0]


def _points(value: float) -> str:
    count = round(value)
    return f"{count} point" if count == 1 else f"{count} points"


def _pga(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "missing"
    one = round(float(value), 1)
    return f"{one:.1f}" if abs(one - round(float(value), 2)) < 1e-9 else f"{float(value):.2f}"


def _sledai(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "missing"
    return str(round(float(value)))


def reason_text(name: str, code: str, details: Mapping[str, object]) -> str:
    """The reason in words for a decision code and its details.

    Examples
    --------
    >>> print(reason_text("sri4", "s_sledai_small", {"s0": 12.0, "s12": 9.0}))
    NR (SRI-4): SLEDAI-2K fell by 3 points, from 12 to 9; at least 4 is required
    """
    s0, s12 = details.get("s0", float("nan")), details.get("s12", float("nan"))
    p0, p12 = details.get("p0", float("nan")), details.get("p12", float("nan"))
    change = float(s0) - float(s12) if not (pd.isna(s0) or pd.isna(s12)) else float("nan")
    pga_change = round(float(p12) - float(p0), 6) if not (pd.isna(p0) or pd.isna(p12)) else (
        float("nan"))
    pga_rule = ("it must worsen by less than 10% of the 0-3 scale (0.3)" if name == "bicla_full"
                else "it must worsen by less than 0.3 (on the 0-3 scale)")
    failure_month = details.get("failure_month", float("nan"))
    return _TEMPLATES[code][1].format(
        label=label_of(name),
        k=sri_threshold(name) if name != "bicla_full" else "",
        month=details.get("month", END),
        system=details.get("system", "") or "none",
        systems=details.get("systems", "") or "none",
        grade=details.get("grade", ""),
        s0=_sledai(s0), s12=_sledai(s12), p0=_pga(p0), p12=_pga(p12),
        drop_text=_points(change) if not math.isnan(change) else "",
        rise_text=_points(-change) if not math.isnan(change) else "",
        pga_change=_pga(pga_change) if not math.isnan(pga_change) else "",
        pga_rule=pga_rule,
        failure_month=_sledai(failure_month) if not pd.isna(failure_month) else "",
        failure_text=_FAILURE_TEXT.get(str(details.get("failure_state", "no_column")), ""),
    )


# --------------------------------------------------------------------------
# The reference implementation: one patient, plain Python
# --------------------------------------------------------------------------

#: One visit's activity: (SLEDAI-2K total, PGA, treatment failure 1/0); NaN where missing.
VisitActivity = tuple[float, float, float]


def _missing(value: float) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def reference_rule(
    name: str,
    grades: Mapping[int, Mapping[str, str]],
    systems: Sequence[str],
    activity: Mapping[float, VisitActivity],
    *,
    failure_column: bool = False,
) -> tuple[str, int, dict[str, object]]:
    """Classify one patient under a composite definition (plain Python).

    Parameters
    ----------
    name : str
        ``"sri4"`` ... ``"sri8"`` or ``"bicla_full"``.
    grades : mapping of month to {system: grade letter}
        The patient's BILAG grades at the scheduled visits present (0, 12).
    systems : sequence of str
        The index's systems, in order.
    activity : mapping of month to (sledai, pga, treatment_failure)
        Every visit's activity values (NaN where missing), all months.
    failure_column : bool
        Whether the data have a ``treatment_failure`` column at all.

    Returns
    -------
    (code, deciding_month, details)
        The decision code, the month that decided it and the values the
        reason quotes.
    """
    nan = float("nan")
    none: VisitActivity = (nan, nan, nan)
    if BASE not in grades:
        return "c_no_baseline", BASE, {}
    s0, p0, _ = activity.get(BASE, none)
    s12, p12, f12 = activity.get(END, none)
    details: dict[str, object] = {"s0": s0, "s12": s12, "p0": p0, "p12": p12}
    if END not in grades:
        return "c_missing_12", END, details
    base, end = grades[BASE], grades[END]

    def pga_part() -> str | None:
        for month, value in ((BASE, p0), (END, p12)):
            if _missing(value):
                details["month"] = month
                return "c_no_pga"
        if round(p12 - p0, 6) >= PGA_WORSENING:
            return "c_pga_worse"
        return None

    def sledai_missing() -> str | None:
        for month, value in ((BASE, s0), (END, s12)):
            if _missing(value):
                details["month"] = month
                return "c_no_sledai"
        return None

    def new_scores_part(below_a: int) -> str | None:
        """No new A (from a baseline activity below ``below_a``), at most one new B."""
        for system in systems:
            if ACTIVITY[base[system]] < below_a and end[system] == "A":
                details["system"] = system
                return "c_new_a"
        new_b = [s for s in systems if ACTIVITY[base[s]] <= 1 and end[s] == "B"]
        if len(new_b) > 1:
            details["systems"] = " and ".join(new_b)
            return "c_new_b"
        return None

    if name != "bicla_full":
        k = sri_threshold(name)
        code = sledai_missing()
        if code:
            return code, END, details
        drop = s0 - s12
        if drop < k:
            code = "s_sledai_small" if drop > 0 else (
                "s_sledai_same" if drop == 0 else "s_sledai_rose")
            return code, END, details
        code = new_scores_part(below_a=3)  # B -> A is a new A for SRI
        if code:
            return code, END, details
        code = pga_part()
        return (code or "s_responder"), END, details
    # the full BICLA: the BILAG part first, in the order of the published definition
    for system in systems:
        if base[system] == "A" and end[system] == "A":
            details["system"] = system
            return "f_persistent_a", END, details
    for system in systems:
        if base[system] == "B" and ACTIVITY[end[system]] >= 2:
            details["system"], details["grade"] = system, end[system]
            return "f_persistent_b", END, details
    code = new_scores_part(below_a=2)  # B -> A was caught as a persistent B above
    if code:
        return code, END, details
    code = sledai_missing()
    if code:
        return code, END, details
    if s12 > s0:
        return "f_sledai_worse", END, details
    code = pga_part()
    if code:
        return code, END, details
    failed = sorted(m for m, (_, _, f) in activity.items() if BASE < m <= END and f == 1.0)
    if failed:
        details["failure_month"] = failed[0]
        details["failure_state"] = "yes"
        return "f_treatment_failure", END, details
    details["failure_state"] = ("no_column" if not failure_column
                                else "none" if f12 == 0.0 else "not_recorded")
    return "f_responder", END, details


# --------------------------------------------------------------------------
# The vectorised implementation
# --------------------------------------------------------------------------


def _first(mask: np.ndarray) -> np.ndarray:
    return mask.argmax(axis=1)


def _joined(mask: np.ndarray, systems: Sequence[str]) -> np.ndarray:
    """For each row, the names of the systems set in ``mask``, joined by 'and'."""
    bits = (mask.astype(np.int64) << np.arange(mask.shape[1], dtype=np.int64)).sum(1)
    out = np.full(len(bits), "", dtype=object)
    for value in np.unique(bits[bits > 0]):
        out[bits == value] = " and ".join(s for i, s in enumerate(systems) if value >> i & 1)
    return out


def vectorised_rule(
    name: str,
    at0: np.ndarray,
    at12: np.ndarray,
    present0: np.ndarray,
    present12: np.ndarray,
    sledai0: np.ndarray,
    sledai12: np.ndarray,
    pga0: np.ndarray,
    pga12: np.ndarray,
    failure_month: np.ndarray,
    failure12: np.ndarray,
    systems: Sequence[str],
    *,
    failure_column: bool = False,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Classify every patient under a composite definition (NumPy).

    ``at0``/``at12`` are BILAG activity arrays [patients, systems] (3 = A,
    2 = B, 1 = C, 0 = D/E, -1 where the visit is missing); the other arrays
    hold one value per patient (NaN where missing); ``failure_month`` is the
    first month after baseline up to 12 with treatment failure (NaN if none)
    and ``failure12`` the month-12 value (1, 0 or NaN).

    Returns
    -------
    (codes, deciding_month, details)
        Arrays of decision codes and deciding months, and a DataFrame of the
        values the reasons quote (one row per patient).
    """
    n = len(present0)
    s_missing0, s_missing12 = np.isnan(sledai0), np.isnan(sledai12)
    p_missing0, p_missing12 = np.isnan(pga0), np.isnan(pga12)
    drop = sledai0 - sledai12
    with np.errstate(invalid="ignore"):
        pga_worse = np.round(pga12 - pga0, 6) >= PGA_WORSENING
    new_b = (at0 <= 1) & (at0 >= 0) & (at12 == 2)
    two_b = new_b.sum(1) > 1
    if name != "bicla_full":
        k = sri_threshold(name)
        new_a = (at0 < 3) & (at0 >= 0) & (at12 == 3)
        conditions = [~present0, ~present12, s_missing0 | s_missing12,
                      (drop < k) & (drop > 0), (drop == 0), drop < 0,
                      new_a.any(1), two_b, p_missing0 | p_missing12, pga_worse]
        names = ["c_no_baseline", "c_missing_12", "c_no_sledai", "s_sledai_small",
                 "s_sledai_same", "s_sledai_rose", "c_new_a", "c_new_b", "c_no_pga",
                 "c_pga_worse"]
        code = np.select(conditions, names, default="s_responder")
        failure_state = np.full(n, "", dtype=object)
        persistent_b = np.zeros_like(new_b)
        system_mask = np.where((code == "c_new_a")[:, None], new_a, False)
    else:
        persistent_a = (at0 == 3) & (at12 == 3)
        persistent_b = (at0 == 2) & (at12 >= 2)
        new_a = (at0 <= 1) & (at0 >= 0) & (at12 == 3)
        with np.errstate(invalid="ignore"):
            worse = sledai12 > sledai0
        failed = ~np.isnan(failure_month)
        conditions = [~present0, ~present12, persistent_a.any(1), persistent_b.any(1),
                      new_a.any(1), two_b, s_missing0 | s_missing12, worse,
                      p_missing0 | p_missing12, pga_worse, failed]
        names = ["c_no_baseline", "c_missing_12", "f_persistent_a", "f_persistent_b",
                 "c_new_a", "c_new_b", "c_no_sledai", "f_sledai_worse", "c_no_pga",
                 "c_pga_worse", "f_treatment_failure"]
        code = np.select(conditions, names, default="f_responder")
        system_mask = np.select(
            [(code == "f_persistent_a")[:, None], (code == "f_persistent_b")[:, None],
             (code == "c_new_a")[:, None]],
            [persistent_a, persistent_b, new_a], default=False)
        state = np.where(failure12 == 0.0, "none", "not_recorded")
        failure_state = np.where(code == "f_treatment_failure", "yes",
                                 state if failure_column else "no_column").astype(object)
    rows = np.arange(n)
    has_system = system_mask.any(1)
    first = _first(system_mask)
    system = np.where(has_system, np.asarray(systems, dtype=object)[first], "")
    end_grade = np.where(at12[rows, first] == 3, "A", "B")
    grade = np.where(code == "f_persistent_b", end_grade, "")
    systems_text = np.where(code == "c_new_b", _joined(new_b, systems), "")
    missing_month = np.where(
        code == "c_no_sledai", np.where(s_missing0, BASE, END),
        np.where(code == "c_no_pga", np.where(p_missing0, BASE, END), END))
    deciding = np.where(code == "c_no_baseline", BASE, END)
    details = pd.DataFrame({
        "month": missing_month, "system": system, "systems": systems_text, "grade": grade,
        "s0": sledai0, "s12": sledai12, "p0": pga0, "p12": pga12,
        "failure_month": np.where(code == "f_treatment_failure", failure_month, np.nan),
        "failure_state": failure_state,
    })
    # the reasons quote no values when the visit is missing
    blank = (code == "c_no_baseline")
    details.loc[blank, ["s0", "s12", "p0", "p12"]] = np.nan
    return code, deciding, details


def reason_texts(name: str, codes: np.ndarray, details: pd.DataFrame) -> list[str]:
    """The reason of every patient, formatting each distinct case once."""
    table = details.assign(code=codes).astype(object)
    table = table.where(table.notna(), None)
    keys = [tuple(row) for row in table.itertuples(index=False, name=None)]
    cache: dict[tuple, str] = {}
    columns = list(table.columns)
    out = []
    for key in keys:
        text = cache.get(key)
        if text is None:
            values = {c: (float("nan") if v is None else v) for c, v in zip(columns, key,
                                                                           strict=True)}
            code = str(values.pop("code"))
            text = cache[key] = reason_text(name, code, values)
        out.append(text)
    return out
