"""The study's data: published summaries, and a SIMULATED 40-patient cohort.

Two kinds of data ship with the package, described file by file (columns,
types, units, sources) in the data package manifest ``datapackage.json``:

* **published** (:func:`list_published`, :func:`load_published`): every
  number about the 40 patients that the paper (Wang et al., Arthritis Res
  Ther 2014;16:R79) and a news report of it give, each with its ``source``
  ("Table 1", "Table 2", "Abstract", "news report", ...). The stored copies of
  the paper expose only rows 1-13 of Table 1 (patient by patient) and not the
  table's footnote, so ``patients`` has 13 rows and the abbreviations are
  decoded by an *assumed* reading.
* **simulated** (:func:`load_cohort`): a cohort made by
  :mod:`lupus_teach.simulate`. It is SIMULATED, consistent with the published
  summaries, and is NOT the trial's patient records. Patients P01-P13 carry the
  published baseline characteristics of Table 1 rows 1-13; patients P14-P40
  have simulated baseline characteristics (Table 1 rows 14-40 could not be
  recovered); every later visit and every laboratory value is simulated.

:func:`headline_figures` recomputes the study's headline figures from a cohort
with the package's own code (the response classifier, the BILAG scoring), and
:func:`validate_package` checks every file against the manifest.

The files live in ``lupus_teach/_data`` (found with :mod:`importlib.resources`,
so they work from an installed wheel); the repository's top-level ``data/``
folder is the source of truth and ``python -m lupus_teach.data --sync`` copies
it into the package (a test fails when the two differ).

Examples
--------
>>> published = list_published()
>>> "patients" in set(published["name"])
True
>>> int(load_published("outcomes").query("outcome == 'MCR'")["count"].item())
13
>>> visits = load_cohort("visits")          # SIMULATED, not the trial's records
>>> visits.attrs["simulated"], visits["patient_id"].nunique()
(True, 40)
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import io
import json
import math
import re
import shutil
import sys
from collections.abc import Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import pandas as pd

from lupus_teach.errors import UnknownNameError

__all__ = [
    "COHORT_NOTE",
    "PUBLISHED_NAMES",
    "data_root",
    "describe",
    "headline_figures",
    "list_published",
    "load_cohort",
    "load_manifest",
    "load_published",
    "survival_times",
    "sync_package_data",
    "validate_file",
    "validate_package",
]

#: The note attached to every simulated table (``DataFrame.attrs['note']``).
COHORT_NOTE = (
    "SIMULATED cohort made by lupus_teach.simulate: consistent with the published "
    "summaries of Wang et al. 2014 (Arthritis Res Ther 16:R79), NOT the trial's patient "
    "records. P01-P13 carry the published Table 1 baseline (rows 1-13); P14-P40 have "
    "simulated baseline characteristics; all follow-up visits and laboratory values are "
    "simulated."
)

#: Names of the published tables, in the manifest's order.
PUBLISHED_NAMES: tuple[str, ...] = (
    "patients",
    "abbreviations",
    "baseline_characteristics",
    "study_design",
    "outcomes",
    "adverse_events",
    "markers_over_time",
    "significance_over_time",
    "treatment_tapering",
    "context",
)

COHORT_PARTS: tuple[str, ...] = ("visits", "patients", "markers", "events")

_TYPES = {"string", "integer", "number", "boolean"}
_INTEGER = re.compile(r"^[+-]?\d+$")
_BOOLEAN = {"true", "false"}


def data_root() -> Traversable:
    """The packaged data folder (``lupus_teach/_data``), readable from a wheel too.

    Examples
    --------
    >>> data_root().joinpath("datapackage.json").is_file()
    True
    """
    return resources.files("lupus_teach").joinpath("_data")


def _source_root() -> Path:
    """The repository's top-level ``data/`` folder (the source of truth)."""
    return Path(__file__).resolve().parents[1] / "data"


def load_manifest(root: Traversable | Path | None = None) -> dict[str, Any]:
    """The data package manifest (``datapackage.json``) as a dict.

    Examples
    --------
    >>> manifest = load_manifest()
    >>> manifest["name"]
    'lupus-teach-wang2014'
    """
    base = data_root() if root is None else root
    return json.loads(base.joinpath("datapackage.json").read_text(encoding="utf-8"))


def _resource(name: str, manifest: dict[str, Any]) -> dict[str, Any]:
    for resource in manifest["resources"]:
        if resource["name"] == name:
            return resource
    raise UnknownNameError("data resource", name, [r["name"] for r in manifest["resources"]])


def _codebook(resource: dict[str, Any]) -> str:
    lines = [f"{resource['title']} ({resource['path']}; source: {resource['source']})."]
    if resource.get("simulated"):
        lines.append(f"SIMULATED (generator {resource['generator']}, seed {resource['seed']}).")
    for field in resource["schema"]["fields"]:
        unit = f" [{field['unit']}]" if field.get("unit") else ""
        lines.append(f"  {field['name']} ({field['type']}){unit}: {field['description']}")
    return "\n".join(lines)


def list_published() -> pd.DataFrame:
    """The published tables: name, title, source and path.

    Returns
    -------
    DataFrame
        One row per published table (``name``, ``title``, ``source``, ``path``).

    Examples
    --------
    >>> table = list_published()
    >>> table.columns.tolist()
    ['name', 'title', 'source', 'path']
    >>> table.set_index("name").loc["adverse_events", "source"]
    'Table 2'
    """
    manifest = load_manifest()
    rows = [
        (r["name"], r["title"], r["source"], r["path"])
        for r in manifest["resources"]
        if not r.get("simulated")
    ]
    return pd.DataFrame(rows, columns=["name", "title", "source", "path"])


def _read_typed(text: str, resource: dict[str, Any]) -> pd.DataFrame:
    """Read CSV text with the manifest's types (nullable integers and booleans)."""
    fields = resource["schema"]["fields"]
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    for field in fields:
        column = frame[field["name"]]
        blank = column == ""
        if field["type"] == "integer":
            frame[field["name"]] = pd.array(
                [pd.NA if b else int(v) for v, b in zip(column, blank, strict=True)],
                dtype="Int64")
        elif field["type"] == "number":
            frame[field["name"]] = pd.to_numeric(column.where(~blank, None)).astype("float64")
        elif field["type"] == "boolean":
            frame[field["name"]] = pd.array(
                [pd.NA if b else v.lower() == "true" for v, b in zip(column, blank,
                                                                      strict=True)],
                dtype="boolean")
        else:
            frame[field["name"]] = column.astype(object)
    return frame


def load_published(name: str) -> pd.DataFrame:
    """Load one published table by name (see :func:`list_published`).

    The codebook of each table (every column, its type, unit and meaning) is in
    ``datapackage.json`` and printed by ``print(describe(name))``; in short:

    ``patients``
        Table 1, rows 1-13 ONLY (rows 14-40 are not in the stored copies):
        ``patient, age_years, disease_duration_months, baseline_sledai,
        baseline_bilag, cumulative_immunosuppressants, outcome_as_printed,
        outcome, relapse, manifestations, source``. Manifestation abbreviations
        are decoded in ``abbreviations`` by an ASSUMED reading (the footnote
        could not be retrieved): A arthritis (musculoskeletal), C cutaneous
        rash (mucocutaneous), V vasculitis, H haematological involvement, F
        fever (general), P pleuritis/pericarditis (cardiorespiratory), LN lupus
        nephritis (renal); alopecia and severe thrombocytopenia and seizures
        are plain words; ANA+, anti-dsDNA+, anti-SM+ are serology.
    ``abbreviations``
        ``abbreviation, meaning, bilag_system, status, source``.
    ``baseline_characteristics``
        ``characteristic, statistic, value, unit, n, source, quote`` (n = 40,
        38 women, ages 17-54, mean duration 7.5 years, 38 with active lupus
        nephritis).
    ``study_design``
        ``item, value, unit, source, quote`` (4 centres, 2009-2011, infusions on
        days 0 and 7, 1 million cells/kg, 12 months).
    ``outcomes``
        ``outcome, month, count, denominator, percent, percent_as_printed,
        source, note`` (MCR, PCR, survival, deaths, relapse at 9 and 12 months).
    ``adverse_events``
        Table 2: ``table2_patient, adverse_event, severity, time_days,
        related_to_msct, source, note``. Table 2's patient numbers conflict
        with Table 1's (its patient 9 died on day 7, Table 1's patient 9 is
        "MCR → R"): never join the two on patient number.
    ``markers_over_time``
        ``measure, month, statistic, value, unit, spread_type, spread, n,
        source, note`` (mean 24-h proteinuria 2.24, 1.65, 1.41 g/24 h at months
        0, 6, 12; news report).
    ``significance_over_time``
        ``measure, months_significant_vs_baseline, finding, source, quote``.
    ``treatment_tapering``
        ``treatment, count, denominator, percent, percent_as_printed, source,
        assumption`` (81% tapered steroids, 54% reduced immunosuppressants; the
        denominator 37 survivors is an assumption).

    Parameters
    ----------
    name : str
        One of :data:`PUBLISHED_NAMES`.

    Returns
    -------
    DataFrame
        Integer columns as nullable ``Int64``, booleans as ``boolean``.

    Raises
    ------
    UnknownNameError
        For a name that is not a published table.

    Examples
    --------
    >>> patients = load_published("patients")
    >>> len(patients), patients["source"].unique().tolist()
    (13, ['Table 1'])
    >>> patients.loc[patients["patient"] == 9, "outcome_as_printed"].item()
    'MCR → R'
    >>> load_published("cohort")
    Traceback (most recent call last):
    ...
    lupus_teach.errors.UnknownNameError: 'cohort' is not a known published table. ...
    """
    if name not in PUBLISHED_NAMES:
        raise UnknownNameError("published table", name, PUBLISHED_NAMES,
                               "The simulated cohort is loaded with load_cohort().")
    manifest = load_manifest()
    resource = _resource(name, manifest)
    text = data_root().joinpath(resource["path"]).read_text(encoding="utf-8")
    table = _read_typed(text, resource)
    table.attrs["source"] = resource["source"]
    table.attrs["simulated"] = False
    return table


def describe(name: str) -> str:
    """The codebook of one data file, from the manifest.

    ``name`` is a published table's name or ``cohort_visits``,
    ``cohort_patients`` or ``cohort_markers``.

    Examples
    --------
    >>> print(describe("treatment_tapering").splitlines()[0])
    Steroid and immunosuppressant tapering (published/treatment_tapering.csv; source: news report).
    >>> describe("cohort_markers").splitlines()[1]
    'SIMULATED (generator lupus_teach.simulate, seed 20140325).'
    """
    return _codebook(_resource(name, load_manifest()))


def load_cohort(part: str = "visits") -> pd.DataFrame:
    """Load one table of the SIMULATED cohort (default seed).

    The cohort is SIMULATED by :func:`lupus_teach.simulate.simulate_cohort`; it
    is consistent with the published summaries but is NOT the trial's patient
    records. ``attrs['simulated']`` is True and ``attrs['note']`` says so.

    Codebook (full version in ``datapackage.json``):

    ``visits``
        The package's data contract: ``patient_id`` (P01-P40), ``month`` (0, 1,
        3, 6, 9, 12), ``system`` (8 classic BILAG systems), ``grade`` (A-E);
        validated by :func:`lupus_teach.visits.read_visits`. A patient who died
        has no visits after death.
    ``patients``
        One row per patient: ``patient_id``, ``table1_patient`` (the Table 1
        row the patient stands for), ``baseline_source`` ("Table 1" for rows
        1-13, "simulated" for 14-40), ``sex`` (simulated for everyone: Table 1
        has no sex column), ``age_years``, ``disease_duration_months``,
        ``baseline_sledai``, ``baseline_bilag`` (classic 9/3/1 score of the
        month-0 grades), ``manifestations``, ``nephritis``, ``outcome``,
        ``relapse``, ``relapse_month``, ``died``, ``death_day``,
        ``steroid_tapered``, ``immunosuppressant_reduced``, ``baseline_note``.
    ``markers``
        Long table ``patient_id, month, marker, value, unit`` with markers
        ``proteinuria`` (g/24 h; nephritis patients only), ``albumin`` (g/L),
        ``c3`` (g/L), ``anti_dsdna`` (IU/mL), ``creatinine`` (µmol/L) and
        ``steroid_dose`` (mg/day prednisone).
    ``events``
        The three deaths of Table 2 (days 7, 192 and 256) as an events table
        (:func:`lupus_teach.events.read_events`): ``patient_id, event, month,
        day, source``; ``month`` is the day divided by 30.4375. Pass it as
        ``classify_response(visits, events=load_cohort("events"))``: a death
        before the month-12 assessment is non-response.

    Parameters
    ----------
    part : {"visits", "patients", "markers", "events"}

    Examples
    --------
    >>> patients = load_cohort("patients")     # SIMULATED, not the trial's records
    >>> int((patients["sex"] == "F").sum()), int(patients["nephritis"].sum())
    (38, 38)
    >>> patients.attrs["note"].startswith("SIMULATED")
    True
    """
    if part not in COHORT_PARTS:
        raise UnknownNameError("cohort part", part, COHORT_PARTS)
    manifest = load_manifest()
    resource = _resource(f"cohort_{part}", manifest)
    path = data_root().joinpath(resource["path"])
    text = path.read_text(encoding="utf-8")
    if part == "visits":
        from lupus_teach.visits import read_visits

        table = read_visits(io.StringIO(text), name=resource["path"])
    elif part == "events":
        from lupus_teach.events import read_events

        table = read_events(io.StringIO(text), name=resource["path"])
        for spec in resource["schema"]["fields"]:  # typed as the manifest says
            if spec["type"] == "integer" and spec["name"] in table:
                table[spec["name"]] = table[spec["name"]].astype("int64")
    else:
        table = _read_typed(text, resource)
    table.attrs["simulated"] = True
    table.attrs["note"] = COHORT_NOTE
    table.attrs["seed"] = resource["seed"]
    return table


# --------------------------------------------------------------------------
# Validation against the manifest
# --------------------------------------------------------------------------


def _type_ok(value: str, kind: str) -> bool:
    if kind == "integer":
        return bool(_INTEGER.match(value))
    if kind == "number":
        try:
            return math.isfinite(float(value))
        except ValueError:
            return False
    if kind == "boolean":
        return value in _BOOLEAN
    return True


def validate_file(text: str, resource: dict[str, Any]) -> list[str]:
    """Check CSV text against one manifest resource; return the problems found.

    Columns must be exactly the declared ones, in order; each value must parse
    as its field's type (``integer``, ``number``, ``boolean`` as ``true`` or
    ``false``, ``string``); required fields must not be empty.

    Examples
    --------
    >>> resource = {"path": "x.csv", "schema": {"fields": [
    ...     {"name": "n", "type": "integer", "constraints": {"required": True}}]}}
    >>> validate_file("n\\n3\\n", resource)
    []
    >>> validate_file("n\\nthree\\n\\n", resource)
    ["x.csv, row 2, column 'n': 'three' is not a integer"]
    """
    path = resource["path"]
    fields = resource["schema"]["fields"]
    problems: list[str] = []
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        return [f"{path}: the file is empty"]
    header, names = rows[0], [f["name"] for f in fields]
    if header != names:
        return [f"{path}: columns {header} differ from the manifest's {names}"]
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(names):
            problems.append(f"{path}, row {number}: {len(row)} values for {len(names)} columns")
            continue
        for field, value in zip(fields, row, strict=True):
            required = field.get("constraints", {}).get("required", False)
            if value == "":
                if required:
                    problems.append(f"{path}, row {number}, column '{field['name']}': "
                                    "required value is empty")
                continue
            if not _type_ok(value, field["type"]):
                problems.append(f"{path}, row {number}, column '{field['name']}': "
                                f"{value!r} is not a {field['type']}")
    return problems


def validate_package(root: Traversable | Path | None = None) -> list[str]:
    """Validate every file of a data package against its manifest.

    Checks the manifest's own shape (each resource has a path, title,
    description, source, ``simulated`` flag, generator and seed when simulated,
    and typed fields with descriptions), that every CSV in the folder is
    declared, and every declared file with :func:`validate_file`.

    Parameters
    ----------
    root : path, optional
        The package folder (default: the packaged copy, ``lupus_teach/_data``).

    Returns
    -------
    list of str
        The problems found; empty when everything is valid.

    Examples
    --------
    >>> validate_package()
    []
    """
    base = data_root() if root is None else root
    manifest = load_manifest(base)
    problems: list[str] = []
    for key in ("name", "title", "licenses", "sources", "resources"):
        if key not in manifest:
            problems.append(f"datapackage.json: missing '{key}'")
    declared = set()
    for resource in manifest.get("resources", []):
        where = f"datapackage.json, resource {resource.get('name', '?')!r}"
        for key in ("name", "path", "title", "description", "source", "simulated", "schema"):
            if key not in resource:
                problems.append(f"{where}: missing '{key}'")
        if resource.get("simulated") and not {"generator", "seed"} <= set(resource):
            problems.append(f"{where}: a simulated resource needs 'generator' and 'seed'")
        for field in resource.get("schema", {}).get("fields", []):
            if field.get("type") not in _TYPES:
                problems.append(f"{where}, field {field.get('name')!r}: type must be one of "
                                f"{sorted(_TYPES)}")
            if not field.get("description"):
                problems.append(f"{where}, field {field.get('name')!r}: no description")
        if "path" not in resource or "schema" not in resource:
            continue
        declared.add(resource["path"])
        file = base.joinpath(resource["path"])
        if not file.is_file():
            problems.append(f"{resource['path']}: declared in the manifest but missing")
            continue
        problems += validate_file(file.read_text(encoding="utf-8"), resource)
    for folder in ("published", "cohort"):
        directory = base.joinpath(folder)
        if not directory.is_dir():
            continue
        for entry in directory.iterdir():
            if entry.name.endswith(".csv") and f"{folder}/{entry.name}" not in declared:
                problems.append(f"{folder}/{entry.name}: not declared in datapackage.json")
    return problems


# --------------------------------------------------------------------------
# The packaged copy
# --------------------------------------------------------------------------


def _tree(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts)


def package_copy_differences(source: Path | None = None, copy: Path | None = None) -> list[str]:
    """Files that differ between ``data/`` and ``lupus_teach/_data`` (empty when identical).

    Examples
    --------
    >>> isinstance(package_copy_differences(), list)
    True
    """
    src = _source_root() if source is None else source
    dst = Path(str(data_root())) if copy is None else copy
    if not (src / "datapackage.json").is_file() or not (src.parent / "pyproject.toml").is_file():
        return []  # an installed wheel has no source tree to compare with
    left, right = _tree(src), _tree(dst) if dst.is_dir() else []
    out = [f"only in {src.name}/: {p}" for p in left if p not in right]
    out += [f"only in the package copy: {p}" for p in right if p not in left]
    out += [f"differs: {p}" for p in left
            if p in right and not filecmp.cmp(src / p, dst / p, shallow=False)]
    return out


def sync_package_data(source: Path | None = None, copy: Path | None = None) -> list[str]:
    """Make ``lupus_teach/_data`` an exact copy of the repository's ``data/``.

    Returns the differences that were fixed.
    """
    src = _source_root() if source is None else source
    dst = Path(str(data_root())) if copy is None else copy
    changes = package_copy_differences(src, dst)
    if changes:
        if dst.exists():
            shutil.rmtree(dst)
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
    return changes


# --------------------------------------------------------------------------
# Headline figures, computed by the package's own code
# --------------------------------------------------------------------------


#: Days in an average month, used to turn days after the first infusion into months.
DAYS_PER_MONTH = 365.25 / 12


def survival_times(patients: pd.DataFrame, follow_up_months: float = 12) -> pd.DataFrame:
    """Time to death or censoring, in months, from a patient table with ``death_day``.

    A patient with no ``death_day`` is censored (alive) at ``follow_up_months``;
    a death is at ``death_day / DAYS_PER_MONTH`` months.

    Returns
    -------
    DataFrame
        ``patient_id``, ``time`` (months) and ``died`` (bool), ready for
        :func:`lupus_teach.stats.kaplan_meier`.

    Examples
    --------
    >>> table = survival_times(pd.DataFrame({"patient_id": ["a", "b"],
    ...                                      "death_day": [192, None]}))
    >>> table["time"].round(2).tolist(), table["died"].tolist()
    ([6.31, 12.0], [True, False])
    """
    died = patients["death_day"].notna()
    time = (patients["death_day"].astype(float) / DAYS_PER_MONTH).where(died, follow_up_months)
    return pd.DataFrame({"patient_id": patients["patient_id"].to_numpy(),
                         "time": time.to_numpy(dtype=float), "died": died.to_numpy()})


def headline_figures(
    visits: pd.DataFrame, patients: pd.DataFrame, markers: pd.DataFrame,
    events: pd.DataFrame | None = None,
) -> dict[str, float | int]:
    """The study's headline figures, recomputed from a cohort by the package's code.

    Responses and relapses come from
    :func:`lupus_teach.response.classify_response` (``"wang2014"``, with the
    deaths as events: a death before month 12 is non-response), nephritis
    from the month-0 renal grade (A, B or C), deaths and survival from
    ``death_day``, tapering from the ``steroid_dose`` marker (month 12 below
    month 0) and the ``immunosuppressant_reduced`` flag among survivors.

    Parameters
    ----------
    visits, patients, markers : DataFrame
        The tables of a cohort (:func:`load_cohort` or
        :class:`lupus_teach.simulate.Cohort`).
    events : DataFrame, optional
        Its deaths and withdrawals; by default the deaths of ``patients``
        (``death_day`` / 30.4375 months, as :func:`load_cohort` ``("events")``).

    Returns
    -------
    dict
        ``patients, women, age_min, age_max, mean_duration_years (1 decimal),
        nephritis, mcr, mcr_percent, pcr, pcr_percent, deaths, survivors,
        survival_percent, relapse_9, relapse_9_percent, relapse_12,
        relapse_12_percent, proteinuria_0, proteinuria_6, proteinuria_12
        (2 decimals), steroids_tapered, steroids_tapered_percent,
        immunosuppressants_reduced, immunosuppressants_reduced_percent``.
        Percentages are rounded to one decimal.

    Examples
    --------
    >>> figures = headline_figures(load_cohort("visits"), load_cohort("patients"),
    ...                            load_cohort("markers"))   # SIMULATED cohort
    >>> figures["mcr"], figures["pcr"], figures["survival_percent"]
    (13, 11, 92.5)
    >>> figures["proteinuria_0"], figures["proteinuria_6"], figures["proteinuria_12"]
    (2.24, 1.65, 1.41)
    """
    from lupus_teach.response import classify_response

    def pct(count: int, total: int) -> float:
        return round(100 * count / total, 1)

    if events is None:
        from lupus_teach.simulate import death_events

        events = death_events(patients)
    result = classify_response(visits, "wang2014", events=events)
    n = int(patients["patient_id"].nunique())
    baseline = visits[(visits["month"] == 0) & (visits["system"] == "renal")]
    nephritic = set(baseline.loc[baseline["grade"].astype(str).isin(["A", "B", "C"]),
                                 "patient_id"])
    died = patients["death_day"].notna()
    survivors = set(patients.loc[~died, "patient_id"])
    responders = result["response"].isin(["MCR", "PCR"])
    relapses = result.loc[responders, "relapse_month"].dropna().astype(int)
    n_resp = int(responders.sum())
    protein = markers[(markers["marker"] == "proteinuria")
                      & markers["patient_id"].isin(nephritic)]
    mean_protein = protein.groupby("month")["value"].mean()
    dose = markers[markers["marker"] == "steroid_dose"].pivot(
        index="patient_id", columns="month", values="value")
    dose = dose.loc[dose.index.isin(survivors)]
    tapered = int((dose[12] < dose[0]).sum())
    reduced = int(patients.loc[~died, "immunosuppressant_reduced"].astype(bool).sum())
    mcr = int((result["response"] == "MCR").sum())
    pcr = int((result["response"] == "PCR").sum())
    return {
        "patients": n,
        "women": int((patients["sex"] == "F").sum()),
        "age_min": int(patients["age_years"].min()),
        "age_max": int(patients["age_years"].max()),
        "mean_duration_years": round(float(patients["disease_duration_months"].mean()) / 12, 1),
        "nephritis": len(nephritic),
        "mcr": mcr,
        "mcr_percent": pct(mcr, n),
        "pcr": pcr,
        "pcr_percent": pct(pcr, n),
        "deaths": int(died.sum()),
        "survivors": len(survivors),
        "survival_percent": pct(len(survivors), n),
        "relapse_9": int((relapses == 9).sum()),
        "relapse_9_percent": pct(int((relapses == 9).sum()), n_resp),
        "relapse_12": int((relapses == 12).sum()),
        "relapse_12_percent": pct(int((relapses == 12).sum()), n_resp),
        "proteinuria_0": round(float(mean_protein.get(0, math.nan)), 2),
        "proteinuria_6": round(float(mean_protein.get(6, math.nan)), 2),
        "proteinuria_12": round(float(mean_protein.get(12, math.nan)), 2),
        "steroids_tapered": tapered,
        "steroids_tapered_percent": pct(tapered, len(survivors)),
        "immunosuppressants_reduced": reduced,
        "immunosuppressants_reduced_percent": pct(reduced, len(survivors)),
    }


def published_figures() -> dict[str, float | int]:
    """The same headline figures as :func:`headline_figures`, read from the published CSVs.

    Examples
    --------
    >>> published_figures()["relapse_12_percent"]
    16.7
    """
    base = load_published("baseline_characteristics").set_index(["characteristic",
                                                                 "statistic"])["value"]
    out = load_published("outcomes").set_index(["outcome", "month"])
    protein = load_published("markers_over_time").query("measure == 'proteinuria_24h'")
    protein = protein.set_index("month")["value"]
    taper = load_published("treatment_tapering").set_index("treatment")

    def count(key: tuple[str, int]) -> int:
        return int(out.loc[key, "count"])

    def percent(key: tuple[str, int]) -> float:
        return float(out.loc[key, "percent"])

    return {
        "patients": int(base[("patients", "count")]),
        "women": int(base[("women", "count")]),
        "age_min": int(base[("age", "minimum")]),
        "age_max": int(base[("age", "maximum")]),
        "mean_duration_years": float(base[("disease_duration", "mean")]),
        "nephritis": int(base[("active_lupus_nephritis", "count")]),
        "mcr": count(("MCR", 12)),
        "mcr_percent": percent(("MCR", 12)),
        "pcr": count(("PCR", 12)),
        "pcr_percent": percent(("PCR", 12)),
        "deaths": count(("deaths", 12)),
        "survivors": count(("survival", 12)),
        "survival_percent": percent(("survival", 12)),
        "relapse_9": count(("relapse", 9)),
        "relapse_9_percent": percent(("relapse", 9)),
        "relapse_12": count(("relapse", 12)),
        "relapse_12_percent": percent(("relapse", 12)),
        "proteinuria_0": float(protein[0]),
        "proteinuria_6": float(protein[6]),
        "proteinuria_12": float(protein[12]),
        "steroids_tapered": int(taper.loc["steroids_tapered", "count"]),
        "steroids_tapered_percent": float(taper.loc["steroids_tapered", "percent"]),
        "immunosuppressants_reduced": int(taper.loc["immunosuppressants_reduced", "count"]),
        "immunosuppressants_reduced_percent": float(
            taper.loc["immunosuppressants_reduced", "percent"]),
    }


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lupus_teach.data",
        description="Check or refresh the packaged copy of data/ (lupus_teach/_data).")
    parser.add_argument("--sync", action="store_true",
                        help="copy data/ into lupus_teach/_data")
    parser.add_argument("--check", action="store_true",
                        help="validate the data package and compare the copy (default)")
    args = parser.parse_args(argv)
    if args.sync:
        changes = sync_package_data()
        print("lupus_teach/_data: " + (f"{len(changes)} differences fixed" if changes
                                       else "already identical to data/"))
    problems = validate_package() + package_copy_differences()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print("data package valid; lupus_teach/_data identical to data/")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_main())
