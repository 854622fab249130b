"""The SLEDAI-2K disease activity index: 24 weighted descriptors, and its data columns.

The Systemic Lupus Erythematosus Disease Activity Index 2000 (SLEDAI-2K;
Gladman, Ibañez and Urowitz, J Rheumatol 2002;29:288-291) scores lupus
activity as one number: each of 24 descriptors present in the last 10 days
(30 days in a later validation, Touma et al., Lupus 2010;19:49) adds its fixed
weight, and nothing else counts. Eight neurological and vascular descriptors
weigh 8 points, six musculoskeletal and renal ones 4, seven mucocutaneous,
serosal and immunological ones 2, and fever and the two blood counts 1, so the
total runs from 0 to 105. SLEDAI-2K kept the weights of the original SLEDAI
(Bombardier et al. 1992) and changed only four definitions (rash, alopecia,
mucosal ulcers and proteinuria count while they persist, not only when new).

Where the weights come from
---------------------------
The weights are those of Gladman et al. 2002 as reproduced by a review table
and by public calculators: Table 4 of the HHE Rheumatology 2019 review lists
all 24 items with their weights (8 x 8, 6 x 4, 7 x 2, 3 x 1); the reference
documentation of the CRAN package *cliot* (``sledai_2k_score``, which uses the
same 24 argument names as this module, with the spelling ``hematuria``) and the
medicalcriteria.com SLEDAI-2K page agree with it on every weight they show.
No published worked example of a whole visit's total was found, so the tests
pin the all-descriptors maximum (105), the empty visit (0) and each weight
class.

Data columns
------------
A BILAG table (:mod:`lupus_teach.visits`) may carry, on every system's row of
a visit (the same value repeated, as marker columns are):

==========================  ================================================
column                      meaning
==========================  ================================================
``sledai``                  SLEDAI-2K total, a whole number 0-105
``pga``                     physician's global assessment, 0-3 (visual
                            analogue scale: 0 none, 1 mild, 2 moderate,
                            3 severe activity)
``treatment_failure``       ``yes`` or ``no`` (also ``true``/``false``,
                            ``1``/``0``): did the patient need treatment
                            that a trial counts as failure by this visit
``sledai_<descriptor>``     0 or 1 for each of the 24 descriptors; the
                            package scores them (all 24 columns needed)
==========================  ================================================

An empty cell means "not recorded at this visit" (the response definitions
then treat the visit as missing for that part: never as good). Every other
problem is reported with file, row, column and value by
:func:`activity_column_problems`, which :func:`lupus_teach.visits.check_visits`
calls.

Examples
--------
>>> score(["arthritis", "proteinuria", "low_complement", "increased_dna_binding"])
12
>>> score([])
0
>>> score([d.name for d in DESCRIPTORS])
105
>>> score(["artritis"])
Traceback (most recent call last):
...
lupus_teach.errors.UnknownNameError: 'artritis' is not a known SLEDAI-2K descriptor. ...

References
----------
Gladman DD, Ibañez D, Urowitz MB. Systemic lupus erythematosus disease
activity index 2000. J Rheumatol 2002;29:288-291.

Bombardier C, Gladman DD, Urowitz MB, Caron D, Chang CH. Derivation of the
SLEDAI. A disease activity index for lupus patients. Arthritis Rheum
1992;35:630-640.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from enum import StrEnum

import numpy as np
import pandas as pd

from lupus_teach.errors import Problem, UnknownNameError

__all__ = [
    "ACTIVITY_COLUMNS",
    "DESCRIPTORS",
    "DESCRIPTOR_PREFIX",
    "MAXIMUM",
    "Descriptor",
    "SledaiSystem",
    "activity_column_problems",
    "descriptor",
    "descriptors_frame",
    "has_activity",
    "score",
    "visit_activity",
]

#: Largest SLEDAI-2K total (every descriptor present).
MAXIMUM = 105
#: Prefix of the per-descriptor columns (``sledai_arthritis`` ...).
DESCRIPTOR_PREFIX = "sledai_"
#: The optional per-visit columns a BILAG table may carry.
ACTIVITY_COLUMNS: tuple[str, ...] = ("sledai", "pga", "treatment_failure")
#: Most problems listed per kind of problem; the rest are counted.
MAX_PROBLEMS_PER_KIND = 20
#: Values read as yes / no in ``treatment_failure``.
YES_WORDS = frozenset({"yes", "y", "true", "1"})
NO_WORDS = frozenset({"no", "n", "false", "0"})


class SledaiSystem(StrEnum):
    """The organ systems SLEDAI-2K groups its descriptors into."""

    CNS = "central nervous system"
    VASCULAR = "vascular"
    MUSCULOSKELETAL = "musculoskeletal"
    RENAL = "renal"
    MUCOCUTANEOUS = "mucocutaneous"
    SEROSAL = "serosal"
    IMMUNOLOGICAL = "immunological"
    CONSTITUTIONAL = "constitutional"
    HAEMATOLOGICAL = "haematological"


@dataclass(frozen=True)
class Descriptor:
    """One SLEDAI-2K descriptor.

    Attributes
    ----------
    name : str
        Machine name (``"arthritis"``), also the column suffix ``sledai_<name>``.
    label : str
        Name as printed on the form.
    system : SledaiSystem
        The organ system it belongs to.
    weight : int
        Points added when present (8, 4, 2 or 1).
    definition : str
        The published definition, in one sentence (paraphrased).
    """

    name: str
    label: str
    system: SledaiSystem
    weight: int
    definition: str


_S = SledaiSystem
DESCRIPTORS: tuple[Descriptor, ...] = (
    Descriptor("seizure", "Seizure", _S.CNS, 8,
               "A seizure of recent onset, not due to metabolic, infectious or drug causes."),
    Descriptor("psychosis", "Psychosis", _S.CNS, 8,
               "Severely disturbed perception of reality (hallucinations, incoherence, "
               "disorganised or catatonic behaviour) impairing normal function, not due to "
               "uraemia or drugs."),
    Descriptor("organic_brain_syndrome", "Organic brain syndrome", _S.CNS, 8,
               "Altered mental function of rapid onset and fluctuating course, with "
               "clouded consciousness and at least two further features, not due to "
               "metabolic, infectious or drug causes."),
    Descriptor("visual_disturbance", "Visual disturbance", _S.CNS, 8,
               "Retinal changes of lupus (cytoid bodies, retinal haemorrhages, serous "
               "exudate or choroidal haemorrhage) or optic neuritis, not due to "
               "hypertension, infection or drugs."),
    Descriptor("cranial_nerve_disorder", "Cranial nerve disorder", _S.CNS, 8,
               "New sensory or motor neuropathy of a cranial nerve."),
    Descriptor("lupus_headache", "Lupus headache", _S.CNS, 8,
               "Severe persistent headache, possibly migrainous, that does not respond to "
               "narcotic analgesia."),
    Descriptor("cva", "Cerebrovascular accident", _S.CNS, 8,
               "A new stroke, not due to arteriosclerosis."),
    Descriptor("vasculitis", "Vasculitis", _S.VASCULAR, 8,
               "Ulceration, gangrene, tender finger nodules, periungual infarction, splinter "
               "haemorrhages, or vasculitis proven by biopsy or angiogram."),
    Descriptor("arthritis", "Arthritis", _S.MUSCULOSKELETAL, 4,
               "More than two joints with pain and signs of inflammation (tenderness, "
               "swelling or effusion)."),
    Descriptor("myositis", "Myositis", _S.MUSCULOSKELETAL, 4,
               "Proximal muscle aching or weakness with raised creatine kinase or aldolase, "
               "electromyogram changes, or a biopsy showing myositis."),
    Descriptor("urinary_casts", "Urinary casts", _S.RENAL, 4,
               "Heme-granular or red blood cell casts in the urine."),
    Descriptor("haematuria", "Haematuria", _S.RENAL, 4,
               "More than 5 red blood cells per high-power field, not due to stone, "
               "infection or another cause."),
    Descriptor("proteinuria", "Proteinuria", _S.RENAL, 4,
               "More than 0.5 g of protein in 24 hours (new or persisting, in SLEDAI-2K)."),
    Descriptor("pyuria", "Pyuria", _S.RENAL, 4,
               "More than 5 white blood cells per high-power field, not due to infection."),
    Descriptor("rash", "Rash", _S.MUCOCUTANEOUS, 2,
               "Inflammatory lupus rash (new or persisting, in SLEDAI-2K)."),
    Descriptor("alopecia", "Alopecia", _S.MUCOCUTANEOUS, 2,
               "Abnormal, patchy or diffuse loss of hair (new or persisting, in SLEDAI-2K)."),
    Descriptor("mucosal_ulcers", "Mucosal ulcers", _S.MUCOCUTANEOUS, 2,
               "Oral or nasal ulcers (new or persisting, in SLEDAI-2K)."),
    Descriptor("pleurisy", "Pleurisy", _S.SEROSAL, 2,
               "Pleuritic chest pain with pleural rub, effusion or pleural thickening."),
    Descriptor("pericarditis", "Pericarditis", _S.SEROSAL, 2,
               "Pericardial pain with a rub, effusion, or electrocardiogram or echocardiogram "
               "confirmation."),
    Descriptor("low_complement", "Low complement", _S.IMMUNOLOGICAL, 2,
               "CH50, C3 or C4 below the lower limit of normal for the laboratory."),
    Descriptor("increased_dna_binding", "Increased DNA binding", _S.IMMUNOLOGICAL, 2,
               "Anti-double-stranded DNA antibody above the normal range for the laboratory."),
    Descriptor("fever", "Fever", _S.CONSTITUTIONAL, 1,
               "Temperature above 38 °C, with no infectious cause."),
    Descriptor("thrombocytopenia", "Thrombocytopenia", _S.HAEMATOLOGICAL, 1,
               "Platelets below 100 × 10⁹/L, not due to drugs."),
    Descriptor("leukopenia", "Leukopenia", _S.HAEMATOLOGICAL, 1,
               "White blood cells below 3 × 10⁹/L, not due to drugs."),
)
"""The 24 SLEDAI-2K descriptors in the form's order (Gladman et al. 2002)."""

_BY_NAME: dict[str, Descriptor] = {d.name: d for d in DESCRIPTORS}
#: Other spellings accepted for a descriptor name.
ALIASES: dict[str, str] = {
    "hematuria": "haematuria",
    "leucopenia": "leukopenia",
    "leucopaenia": "leukopenia",
    "thrombocytopaenia": "thrombocytopenia",
    "cerebrovascular_accident": "cva",
    "stroke": "cva",
    "casts": "urinary_casts",
    "obs": "organic_brain_syndrome",
}


def _key(name: object) -> str:
    text = str(name).strip().lower().replace(" ", "_").replace("-", "_")
    return ALIASES.get(text, text)


def _did_you_mean(name: object) -> str:
    close = difflib.get_close_matches(_key(name), list(_BY_NAME), n=1, cutoff=0.6)
    return f"Did you mean '{close[0]}'?" if close else ""


def descriptor(name: str) -> Descriptor:
    """Look up a descriptor by name, forgiving case, spaces and a few spellings.

    Raises
    ------
    UnknownNameError
        For a name that is not a descriptor (with the closest name as a hint).

    Examples
    --------
    >>> descriptor("Hematuria").weight
    4
    >>> descriptor("seisure")
    Traceback (most recent call last):
    ...
    lupus_teach.errors.UnknownNameError: 'seisure' is not a known SLEDAI-2K descriptor. ...
    """
    found = _BY_NAME.get(_key(name))
    if found is None:
        raise UnknownNameError("SLEDAI-2K descriptor", name, _BY_NAME, _did_you_mean(name))
    return found


def score(descriptors: Iterable[str] | Mapping[str, object]) -> int:
    """The SLEDAI-2K total of the descriptors present.

    Parameters
    ----------
    descriptors : iterable of str, or mapping of name to present (bool or 0/1)
        The descriptors present at the visit. A name given twice counts once
        (a descriptor is present or not).

    Returns
    -------
    int
        The sum of the weights, 0 to 105.

    Raises
    ------
    UnknownNameError
        For a name that is not one of the 24 descriptors (every unknown name
        is listed, with the closest known name).

    Examples
    --------
    >>> score(["seizure", "fever"])
    9
    >>> score({"arthritis": 1, "rash": 0, "pleurisy": True})
    6
    >>> score(["arthritis", "arthritis"])
    4
    """
    if isinstance(descriptors, Mapping):
        names = [n for n, present in descriptors.items() if bool(present)]
    elif isinstance(descriptors, str):
        names = [descriptors]
    else:
        names = list(descriptors)
    unknown = [n for n in names if _key(n) not in _BY_NAME]
    if unknown:
        hints = "; ".join(f"for {n!r}: {h}" for n in unknown if (h := _did_you_mean(n)))
        raise UnknownNameError(
            "SLEDAI-2K descriptor", unknown[0] if len(unknown) == 1 else unknown, _BY_NAME,
            hints)
    return sum(_BY_NAME[k].weight for k in {_key(n) for n in names})


def descriptors_frame() -> pd.DataFrame:
    """The 24 descriptors as a table: name, label, system, weight, definition.

    Examples
    --------
    >>> table = descriptors_frame()
    >>> len(table), int(table["weight"].sum())
    (24, 105)
    >>> table.groupby("weight").size().to_dict()
    {1: 3, 2: 7, 4: 6, 8: 8}
    """
    return pd.DataFrame(
        [(d.name, d.label, d.system.value, d.weight, d.definition) for d in DESCRIPTORS],
        columns=["name", "label", "system", "weight", "definition"],
    )


# --------------------------------------------------------------------------
# The optional activity columns of a BILAG table
# --------------------------------------------------------------------------


def descriptor_columns(columns: Iterable[object]) -> list[str]:
    """The ``sledai_<descriptor>`` columns among ``columns`` (in their order).

    Examples
    --------
    >>> descriptor_columns(["patient_id", "sledai", "sledai_fever", "pga"])
    ['sledai_fever']
    """
    return [str(c) for c in columns if str(c).startswith(DESCRIPTOR_PREFIX)]


def has_activity(visits: pd.DataFrame) -> bool:
    """Whether a table carries a SLEDAI-2K total or descriptors, and a PGA.

    Examples
    --------
    >>> import pandas as pd
    >>> has_activity(pd.DataFrame(columns=["patient_id", "sledai", "pga"]))
    True
    >>> has_activity(pd.DataFrame(columns=["patient_id", "sledai"]))
    False
    """
    return "pga" in visits.columns and (
        "sledai" in visits.columns or bool(descriptor_columns(visits.columns)))


def _problem(source: str, row: object, column: str | None, value: object, message: str,
             kind: str) -> Problem:
    if "kind" in {f.name for f in fields(Problem)}:
        return Problem(source, row, column, value, message, kind=kind)  # type: ignore[call-arg]
    return Problem(source, row, column, value, message)


class _Collector:
    """Problems, at most :data:`MAX_PROBLEMS_PER_KIND` of each kind; the rest counted."""

    def __init__(self, source: str, row_numbers: np.ndarray) -> None:
        self.source = source
        self.rows = row_numbers
        self.problems: list[Problem] = []
        self.extra: dict[str, tuple[int, str]] = {}

    def row(self, pos: int) -> object:
        value = self.rows[pos]
        return value.item() if isinstance(value, np.generic) else value

    def add(self, positions: Sequence[int] | np.ndarray, column: str, values: Sequence[object],
            message: str, kind: str, plural: str) -> None:
        positions = list(positions)
        for pos, value in zip(positions[:MAX_PROBLEMS_PER_KIND],
                              list(values)[:MAX_PROBLEMS_PER_KIND], strict=True):
            self.problems.append(_problem(self.source, self.row(pos), column, value, message,
                                          kind))
        if len(positions) > MAX_PROBLEMS_PER_KIND:
            self.extra[kind] = (len(positions) - MAX_PROBLEMS_PER_KIND, plural)

    def finish(self) -> list[Problem]:
        for kind, (count, plural) in self.extra.items():
            self.problems.append(_problem(self.source, None, None, None,
                                          f"... and {count:,} more {plural}", f"{kind}_more"))
        return self.problems


def _text(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.notna(), "").astype(str).str.strip()


#: Stands for a value already reported as invalid (left out of the within-visit check).
_INVALID = -1.0


def _check_number(out: _Collector, table: pd.DataFrame, column: str, low: float,
                  high: float, whole: bool, what: str) -> pd.Series:
    """Check a numeric activity column; return the numbers (NaN where blank or bad)."""
    text = _text(table[column])
    number = pd.to_numeric(text.where(text != "", None), errors="coerce").astype(float)
    bad = number.isna() & (text != "")
    finite = np.isfinite(number.to_numpy())
    bad |= ~finite & number.notna()
    out_of_range = ~bad & number.notna() & ((number < low) | (number > high))
    fraction = ~bad & ~out_of_range & number.notna() & (number != number.round()) if whole \
        else pd.Series(False, index=number.index)
    span = f"{low:g} to {high:g}"
    pos = np.flatnonzero(bad.to_numpy())
    out.add(pos, column, text.iloc[pos].tolist(),
            f"not a number; {what} is a number from {span} (leave the cell empty if it was "
            "not recorded).", f"{column}_not_number", f"rows with a {column} that is not a number")
    pos = np.flatnonzero(out_of_range.to_numpy())
    out.add(pos, column, text.iloc[pos].tolist(),
            f"outside the scale; {what} runs from {span}.", f"{column}_out_of_range",
            f"rows with a {column} outside {span}")
    pos = np.flatnonzero(fraction.to_numpy())
    out.add(pos, column, text.iloc[pos].tolist(),
            f"not a whole number; {what} is a sum of whole-number weights.",
            f"{column}_not_whole", f"rows with a {column} that is not a whole number")
    return number.where(~(bad | out_of_range | fraction), other=_INVALID)


def _check_same_within_visit(out: _Collector, table: pd.DataFrame, column: str,
                             values: pd.Series) -> None:
    """Every row of one visit (patient and month) must carry the same value (or all blank)."""
    if "patient_id" not in table or "month" not in table:
        return
    keyed = pd.DataFrame({
        "pid": _text(table["patient_id"]), "month": table["month"].astype(str),
        "value": values.astype(object).where(values.notna(), "<blank>").astype(str),
        "pos": np.arange(len(table)),
    })
    keyed = keyed[(keyed["pid"] != "") & (values != _INVALID).to_numpy()]
    counts = keyed.groupby(["pid", "month"], sort=False)["value"].nunique()
    clash = counts[counts > 1]
    if clash.empty:
        return
    first = keyed.drop_duplicates(["pid", "month"])
    bad = keyed.merge(first, on=["pid", "month"], suffixes=("", "_first"), how="left")
    bad = bad[bad["value"] != bad["value_first"]].drop_duplicates(["pid", "month"])
    for item in bad.head(MAX_PROBLEMS_PER_KIND).itertuples(index=False):
        out.problems.append(_problem(
            out.source, out.row(int(item.pos)), column, table[column].iloc[int(item.pos)],
            f"patient {item.pid} at month {item.month} has different {column} values on its "
            f"rows (row {out.row(int(item.pos_first))} says {item.value_first}); {column} "
            "belongs to the visit, so give the same value on every system's row.",
            f"{column}_differs_in_visit"))
    if len(bad) > MAX_PROBLEMS_PER_KIND:
        out.extra[f"{column}_differs_in_visit"] = (
            len(bad) - MAX_PROBLEMS_PER_KIND,
            f"visits with different {column} values on their rows")


def activity_column_problems(
    frame: pd.DataFrame, source: str, row_numbers: Sequence[object] | np.ndarray
) -> list[Problem]:
    """Check the optional ``sledai``, ``pga``, ``treatment_failure`` and descriptor columns.

    Parameters
    ----------
    frame : DataFrame
        The table being validated (positional rows; ``patient_id`` and
        ``month`` used to find the rows of one visit when present).
    source : str
        The file name (or ``"<DataFrame>"``) used in messages.
    row_numbers : sequence
        For each row of ``frame`` (by position), the row number or label to
        report.

    Returns
    -------
    list of Problem
        Empty when the columns are absent or valid. At most
        :data:`MAX_PROBLEMS_PER_KIND` problems of each kind, then one line
        counting the rest.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"patient_id": ["p1", "p1"], "month": [0, 0],
    ...                   "sledai": ["12", "14"], "pga": ["1.5", "4"]})
    >>> for p in activity_column_problems(t, "mine.csv", [2, 3]):
    ...     print(p)
    mine.csv, row 3, column 'pga', value '4': outside the scale; the physician's global ...
    mine.csv, row 3, column 'sledai', value '14': patient p1 at month 0 has different ...
    """
    out = _Collector(source, np.asarray(row_numbers, dtype=object))
    columns = [str(c) for c in frame.columns]
    wanted = (*ACTIVITY_COLUMNS, *(DESCRIPTOR_PREFIX + d.name for d in DESCRIPTORS))
    for column in columns:
        lowered = column.strip().lower()
        if lowered != column and lowered in wanted:
            out.problems.append(_problem(
                source, None, column, None,
                f"rename this column '{lowered}' (lower case, no spaces) so that it is read "
                "as the activity column it looks like.", "activity_column_name"))
    numbers: dict[str, pd.Series] = {}
    if "sledai" in columns:
        numbers["sledai"] = _check_number(out, frame, "sledai", 0, MAXIMUM, True,
                                          "the SLEDAI-2K total")
    if "pga" in columns:
        numbers["pga"] = _check_number(out, frame, "pga", 0, 3, False,
                                       "the physician's global assessment")
    if "treatment_failure" in columns:
        text = _text(frame["treatment_failure"]).str.lower()
        bad = ~(text.isin(YES_WORDS | NO_WORDS) | (text == ""))
        pos = np.flatnonzero(bad.to_numpy())
        out.add(pos, "treatment_failure",
                _text(frame["treatment_failure"]).iloc[pos].tolist(),
                "write yes or no (or leave it empty if it was not assessed).",
                "treatment_failure_not_yes_no", "rows with a treatment_failure that is not yes/no")
        numbers["treatment_failure"] = text.map(
            lambda v: 1.0 if v in YES_WORDS else (0.0 if v in NO_WORDS else _INVALID if v
                                                  else np.nan))
    given = descriptor_columns(columns)
    known = {DESCRIPTOR_PREFIX + d.name for d in DESCRIPTORS}
    for column in given:
        if column not in known:
            hint = _did_you_mean(column[len(DESCRIPTOR_PREFIX):])
            hint = hint.replace("'", f"'{DESCRIPTOR_PREFIX}", 1) if hint else ""
            out.problems.append(_problem(
                source, None, column, None,
                f"not a SLEDAI-2K descriptor column. {hint} Descriptor columns are "
                f"{DESCRIPTOR_PREFIX}<name> for the 24 names of lupus_teach.sledai.DESCRIPTORS."
                .replace(".  ", ". "), "descriptor_column_unknown"))
    present = [c for c in given if c in known]
    if present:
        lacking = [DESCRIPTOR_PREFIX + d.name for d in DESCRIPTORS
                   if DESCRIPTOR_PREFIX + d.name not in present]
        if lacking:
            out.problems.append(_problem(
                source, None, None, None,
                f"descriptor columns are incomplete: {len(lacking)} of 24 are missing "
                f"({', '.join(lacking)}); give all 24 (0 for absent) so that the total can "
                "be scored.", "descriptor_columns_incomplete"))
        total = pd.Series(0.0, index=frame.index)
        for column in present:
            text = _text(frame[column]).str.lower()
            ok = text.isin({"0", "1", ""})
            pos = np.flatnonzero((~ok).to_numpy())
            out.add(pos, column, _text(frame[column]).iloc[pos].tolist(),
                    "a descriptor column holds 1 (present) or 0 (absent).",
                    "descriptor_not_0_1", "rows with a descriptor value that is not 0 or 1")
            weight = _BY_NAME[column[len(DESCRIPTOR_PREFIX):]].weight
            value = text.map({"1": 1.0, "0": 0.0})
            numbers[column] = value.where(ok, _INVALID)
            total = total + value * weight
        if not lacking and "sledai" in numbers:
            given_total = numbers["sledai"]
            clash = (given_total.notna() & total.notna() & (given_total != total)
                     & (given_total != _INVALID))
            pos = np.flatnonzero(clash.to_numpy())
            out.add(pos, "sledai", _text(frame["sledai"]).iloc[pos].tolist(),
                    "the sledai total differs from the score of the descriptor columns on "
                    "this row; correct one of them (or drop the sledai column and let the "
                    "package score the descriptors).", "sledai_differs_from_descriptors",
                    "rows whose sledai differs from their descriptors")
    for column, values in numbers.items():
        _check_same_within_visit(out, frame, column, values)
    return out.finish()


def visit_activity(visits: pd.DataFrame) -> pd.DataFrame:
    """One row per visit: ``patient_id, month, sledai, pga, treatment_failure``.

    ``sledai`` is the ``sledai`` column, or the score of the descriptor
    columns when only those are given; each column is missing (NaN) where the
    table has no such column or the cell was empty. ``treatment_failure`` is
    1.0 (yes), 0.0 (no) or NaN. The table should already be validated
    (:func:`activity_column_problems`).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"patient_id": ["p1"] * 2, "month": [0, 0],
    ...                   "system": ["renal", "general"], "sledai": [12, 12], "pga": [2, 2]})
    >>> print(visit_activity(t).to_string(index=False))
    patient_id  month  sledai  pga  treatment_failure
            p1      0    12.0  2.0                NaN
    """
    keys = visits[["patient_id", "month"]]
    first = ~keys.duplicated()
    rows = visits[first.to_numpy()]
    out = pd.DataFrame({"patient_id": rows["patient_id"].to_numpy(),
                        "month": rows["month"].to_numpy()})

    def numeric(column: str) -> np.ndarray:
        if column not in rows:
            return np.full(len(rows), np.nan)
        if pd.api.types.is_numeric_dtype(rows[column]) and not pd.api.types.is_bool_dtype(
                rows[column]):
            return rows[column].to_numpy(dtype=float, na_value=np.nan)
        return pd.to_numeric(_text(rows[column]).replace("", None), errors="coerce").to_numpy(
            dtype=float)

    if "sledai" in rows:
        sledai = numeric("sledai")
    elif descriptor_columns(rows.columns):
        sledai = np.zeros(len(rows))
        for d in DESCRIPTORS:
            sledai = sledai + numeric(DESCRIPTOR_PREFIX + d.name) * d.weight
    else:
        sledai = np.full(len(rows), np.nan)
    out["sledai"] = sledai
    out["pga"] = numeric("pga")
    if "treatment_failure" in rows:
        text = _text(rows["treatment_failure"]).str.lower()
        out["treatment_failure"] = text.map(
            lambda v: 1.0 if v in YES_WORDS else (0.0 if v in NO_WORDS else np.nan)).to_numpy(
            dtype=float)
    else:
        out["treatment_failure"] = np.nan
    return out
