"""A seeded generator of a SIMULATED 40-patient cohort consistent with Wang et al. 2014.

The study (Arthritis Res Ther 2014;16:R79) published summaries, not patient
records. This module simulates a cohort that, run through the package's own
code, reproduces every published headline figure. It is SIMULATED and is NOT
the trial's patient records.

How the cohort is built
-----------------------
Patient ``P01``..``P40`` stands for row *k* of the paper's Table 1 (column
``table1_patient``).

* **Rows 1-13** (the only rows the stored copies of the paper show): age,
  disease duration, baseline SLEDAI, outcome (MCR, PCR, NR), relapse flag and
  manifestations are copied from Table 1. The month-0 BILAG grades are chosen
  so that their classic 9/3/1 score equals the published baseline BILAG score
  and the involved systems are those the manifestations name (decoded by the
  assumed reading of the lost footnote, :func:`manifestation_systems`). All
  grade profiles that fit are enumerated and one is drawn with the seeded
  generator, preferring profiles with the fewest D grades (a listed
  manifestation is active), with active nephritis graded A or B, and active
  enough to enter a trial (an A, or two or more B). Where no
  profile of the listed systems reaches the score, the ``general`` system
  (constitutional symptoms, often unlisted) is allowed and ``baseline_note``
  says so. :func:`fit_baseline_scores` shows which schemes fit at all: only
  classic 9/3/1 fits all 13 rows (12/5/1 cannot reach row 3's 9; BILAG-2004's
  12/8/1 cannot reach row 10's 7 or row 13's 6).
* **Rows 14-40** could not be recovered: their baseline characteristics are
  SIMULATED so that the cohort totals match the published summaries: outcomes
  (13 MCR and 11 PCR in all), 7 relapses among responders (3 first at month
  9, 4 at month 12), ages 17-54 with both ends present, mean disease duration
  7.5 years, 38 women, 38 with nephritis, 3 deaths on days 7, 192 and 256.
  Row 14's age (21) and duration (39 months) are the two cells of Table 1's
  row 14 legible in the stored copy and are used.
* **Deaths**: Table 2 names its patients 9, 14 and 27 as the deaths (days 7,
  256, 192), but its numbering conflicts with Table 1's (Table 1's patient 9 is
  "MCR → R"). Patients 14 and 27 die on days 256 and 192; the day-7 death is
  a non-responder of rows 15-40 drawn by the generator. A patient who died has
  no visits after death (day 7: baseline only; days 192 and 256: months 0, 1,
  3 and 6). Their grades are not built to fail: each involved system drifts at
  random from visit to visit, and they are non-responders because of the
  events table (``events``: the three deaths, in months since baseline), by
  the stated rule of :mod:`lupus_teach.events` (a death before the month-12
  assessment is non-response).
* **Visits** at months 1, 3, 6, 9 and 12 are built per intended outcome so
  that :func:`lupus_teach.response.classify_response` (``"wang2014"``) gives
  it: MCR patients improve monotonically to C or better everywhere by month
  6; PCR patients keep exactly one B at month 6 (so PCR route 1 at month 3
  never fires); NR patients keep an A, or two B grades, at month 6. A relapse
  is a new A or B (against the previous visit) at the assigned month, in the
  kidney where the patient has nephritis.
* **SLEDAI-2K and PGA** (columns ``sledai`` and ``pga`` of the visits): month
  0 is the baseline SLEDAI (Table 1's for rows 1-13; the paper writes "SLEDAI"
  without naming the version, read here as SLEDAI-2K); later totals and the
  physician's global assessment are SIMULATED from the patient's BILAG
  activity (:func:`_with_activity`); the paper gives no per-visit values.
* **Markers**: per-patient trajectories, then one honest calibration step
  for proteinuria (see :func:`calibrate_means`). Steroid tapering and
  immunosuppressant reduction are drawn among the 37 survivors, responders
  more likely.

The generator checks its own output against every target and raises
:class:`SimulationError` if any is missed; it never edits its output to fit.

Examples
--------
>>> cohort = simulate_cohort()          # SIMULATED, not the trial's records
>>> cohort.visits["patient_id"].nunique(), len(cohort.patients)
(40, 40)
>>> from lupus_teach.response import classify_response
>>> classify_response(cohort.visits, events=cohort.events)["response"].value_counts().to_dict()
{'NR': 16, 'MCR': 13, 'PCR': 11}
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lupus_teach.bilag import ACTIVITY, SCHEMES, global_score, system_names
from lupus_teach.errors import LupusTeachError, inert

__all__ = [
    "DEFAULT_SEED",
    "MONTHS",
    "Cohort",
    "SimulationError",
    "calibrate_means",
    "fit_baseline_scores",
    "manifestation_systems",
    "simulate_cohort",
    "write_cohort",
]

#: The seed that writes ``data/cohort/``.
DEFAULT_SEED = 20140325
#: Visit months of the study.
MONTHS: tuple[int, ...] = (0, 1, 3, 6, 9, 12)
#: The 8 classic BILAG systems, in the index's order.
SYSTEMS: tuple[str, ...] = system_names("classic")
#: Scheme that turns the month-0 grades into the published baseline BILAG score.
SCHEME = "classic-9-3-1"
#: The tables of a cohort, as written by :func:`write_cohort` (``<part>.csv``).
COHORT_FILES: tuple[str, ...] = ("visits", "patients", "markers", "events")
#: Months a patient who died on a given day was seen (visits before death).
_DEATH_VISITS = {7: (0,), 192: (0, 1, 3, 6), 256: (0, 1, 3, 6)}

#: Points for A, B and C under each scheme tried, from :data:`lupus_teach.bilag.SCHEMES`.
_WEIGHTS = {
    label: tuple(SCHEMES[name].weights[g] for g in "ABC")
    for label, name in (("9/3/1", "classic-9-3-1"), ("12/5/1", "classic-12-5-1"),
                        ("12/8/1", "bilag2004"))
}


class SimulationError(LupusTeachError, RuntimeError):
    """The generator's output missed a target (a bug: the output is never patched)."""


@dataclass(frozen=True)
class Cohort:
    """A SIMULATED cohort: three tables and the seed that made them.

    Attributes
    ----------
    visits : DataFrame
        ``patient_id, month, system, grade`` (the package's data contract).
    patients : DataFrame
        One row per patient (see :func:`lupus_teach.data.load_cohort`).
    markers : DataFrame
        ``patient_id, month, marker, value, unit``.
    seed : int
    calibration : mapping
        The proteinuria scale factors applied at each month.
    events : DataFrame
        The deaths: ``patient_id, event, month, day, source`` (the events
        table of :func:`lupus_teach.events.read_events`).
    """

    visits: pd.DataFrame
    patients: pd.DataFrame
    markers: pd.DataFrame
    seed: int
    calibration: Mapping[int, float] = field(default_factory=dict)
    events: pd.DataFrame = field(default_factory=pd.DataFrame)


# --------------------------------------------------------------------------
# Manifestations and baseline grades
# --------------------------------------------------------------------------


def _system_map() -> dict[str, str]:
    from lupus_teach.data import load_published

    table = load_published("abbreviations")
    table = table[table["bilag_system"].notna() & (table["bilag_system"] != "")]
    return dict(zip(table["abbreviation"], table["bilag_system"], strict=True))


def manifestation_systems(text: str, mapping: Mapping[str, str] | None = None) -> list[str]:
    """The BILAG systems a Table 1 manifestation list names, in index order.

    Uses the ASSUMED decoding of ``abbreviations.csv`` (the footnote was not
    retrievable). Serology (ANA+, anti-dsDNA+, anti-SM+) names no system.

    Examples
    --------
    >>> manifestation_systems("Severe thrombocytopenia; LN; A; ANA+; anti-dsDNA+")
    ['musculoskeletal', 'renal', 'haematological']
    """
    table = _system_map() if mapping is None else mapping
    found = set()
    for token in (t.strip() for t in text.split(";")):
        key = token if token in table else token.lower()
        if key in table:
            found.add(table[key])
    return [s for s in SYSTEMS if s in found]


def _profiles(systems: Sequence[str], score: int, weights: tuple[int, int, int],
              renal_active: bool, extra: Sequence[str] = ()) -> list[tuple[str, ...]]:
    """Every grade profile of ``systems`` (+ ``extra``, graded A-C) with that score."""
    points = dict(zip("ABCD", (*weights, 0), strict=True))
    options = [("A", "B") if (s == "renal" and renal_active) else "ABCD" for s in systems]
    options += ["ABC" for _ in extra]
    return [combo for combo in itertools.product(*options)
            if sum(points[g] for g in combo) == score]


def fit_baseline_scores(
    patients: pd.DataFrame | None = None, mapping: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Which numeric BILAG schemes can give Table 1's baseline scores.

    For each row and scheme (classic 9/3/1, classic 12/5/1, BILAG-2004 12/8/1
    applied to the classic systems) counts the grade profiles (A-D on the
    systems the manifestations name, renal A or B for nephritis) that reach the
    published score, and with ``general`` (graded A-C) allowed when none does.

    Examples
    --------
    >>> fit = fit_baseline_scores()
    >>> fit.groupby("scheme")["fits"].sum().to_dict()
    {'12/5/1': 12, '12/8/1': 11, '9/3/1': 13}
    >>> fit.query("scheme == '9/3/1' and needs_general")["patient"].tolist()
    [5, 9, 11]
    """
    from lupus_teach.data import load_published

    table = load_published("patients") if patients is None else patients
    table_map = _system_map() if mapping is None else mapping
    rows = []
    for row in table.itertuples(index=False):
        systems = manifestation_systems(row.manifestations, table_map)
        nephritis = "renal" in systems
        for name, weights in _WEIGHTS.items():
            listed = _profiles(systems, int(row.baseline_bilag), weights, nephritis)
            general = [] if listed or "general" in systems else _profiles(
                systems, int(row.baseline_bilag), weights, nephritis, ("general",))
            rows.append((int(row.patient), int(row.baseline_bilag), name, len(listed),
                         len(general), bool(listed or general), bool(general)))
    return pd.DataFrame(rows, columns=["patient", "score", "scheme", "profiles_listed",
                                       "profiles_with_general", "fits", "needs_general"])


def _baseline_from_score(systems: Sequence[str], score: int, nephritis: bool,
                         rng: np.random.Generator) -> tuple[dict[str, str], str]:
    """Month-0 grades whose 9/3/1 score is ``score`` (see the module docstring)."""
    weights = _WEIGHTS["9/3/1"]
    extra: tuple[str, ...] = ()
    candidates = _profiles(systems, score, weights, nephritis)
    note = ""
    if not candidates and "general" not in systems:
        extra = ("general",)
        candidates = _profiles(systems, score, weights, nephritis, extra)
        note = ("general (constitutional) system graded too: no profile of the listed "
                f"systems reaches the published score {score} under 9/3/1")
    if not candidates:
        raise SimulationError(f"no 9/3/1 grade profile of {list(systems)} reaches {score}")
    fewest_d = min(c.count("D") for c in candidates)
    candidates = [c for c in candidates if c.count("D") == fewest_d]
    # active enough to enter a trial: an A, or two or more B (the entry rule)
    active = [c for c in candidates if "A" in c or c.count("B") >= 2]
    candidates = active or [c for c in candidates if "B" in c] or candidates
    chosen = candidates[int(rng.integers(len(candidates)))]
    grades = dict.fromkeys(SYSTEMS, "E")
    grades.update(zip([*systems, *extra], chosen, strict=True))
    return grades, note


# frequencies of each system in Table 1 rows 1-13 (other than renal), for rows 14-40
_OTHER_SYSTEMS = ("musculoskeletal", "vasculitis", "mucocutaneous", "haematological",
                  "cardiorespiratory", "general", "neurological")
_ABBREVIATION = {"renal": "LN", "musculoskeletal": "A", "vasculitis": "V",
                 "mucocutaneous": "C", "haematological": "H", "cardiorespiratory": "P",
                 "general": "F", "neurological": "seizures"}


def _simulated_baseline(nephritis: bool, frequencies: Mapping[str, float],
                        score_range: tuple[int, int],
                        rng: np.random.Generator) -> tuple[dict[str, str], str]:
    """A plausible month-0 profile and its manifestation text, for rows 14-40."""
    while True:
        involved = [s for s in _OTHER_SYSTEMS if rng.random() < frequencies[s]]
        if nephritis:
            involved.append("renal")
        if len(involved) < 2:
            continue
        grades = dict.fromkeys(SYSTEMS, "E")
        for system in involved:
            if system == "renal":
                grades[system] = "A" if rng.random() < 0.45 else "B"
            else:
                grades[system] = str(rng.choice(["A", "B", "C"], p=[0.15, 0.45, 0.40]))
        values = [grades[s] for s in involved]
        if "A" not in values and values.count("B") < 2:
            continue  # not active enough to enter a trial (an A, or two or more B)
        score = global_score(grades, SCHEME)
        if score_range[0] <= score <= score_range[1]:
            break
    words = []
    for system in [s for s in SYSTEMS if s in involved]:
        word = _ABBREVIATION[system]
        if system == "haematological" and rng.random() < 0.3:
            word = "severe thrombocytopenia"
        words.append(word)
        if system == "mucocutaneous" and rng.random() < 0.2:
            words.append("alopecia")
    order = rng.permutation(len(words))
    words = [words[i] for i in order]
    for marker, p in (("ANA+", 0.85), ("anti-dsDNA+", 0.6), ("anti-SM+", 0.2)):
        if rng.random() < p:
            words.append(marker)
    return grades, "; ".join(words)


# --------------------------------------------------------------------------
# Baseline characteristics of the 40 patients
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Targets:
    mcr: int
    pcr: int
    relapse_9: int
    relapse_12: int
    women: int
    age_min: int
    age_max: int
    mean_duration_years: float
    nephritis: int
    death_days: tuple[int, ...]
    protein: Mapping[int, float]
    tapered: int
    reduced: int


def _targets() -> _Targets:
    from lupus_teach.data import published_figures

    fig = published_figures()
    from lupus_teach.data import load_published

    deaths = load_published("adverse_events").query("adverse_event == 'Death'")
    return _Targets(
        mcr=int(fig["mcr"]), pcr=int(fig["pcr"]), relapse_9=int(fig["relapse_9"]),
        relapse_12=int(fig["relapse_12"]), women=int(fig["women"]),
        age_min=int(fig["age_min"]), age_max=int(fig["age_max"]),
        mean_duration_years=float(fig["mean_duration_years"]),
        nephritis=int(fig["nephritis"]),
        death_days=tuple(sorted(int(d) for d in deaths["time_days"])),
        protein={0: float(fig["proteinuria_0"]), 6: float(fig["proteinuria_6"]),
                 12: float(fig["proteinuria_12"])},
        tapered=int(fig["steroids_tapered"]), reduced=int(fig["immunosuppressants_reduced"]),
    )


def _durations(fixed_total: int, count: int, ages: np.ndarray, target_total: int,
               rng: np.random.Generator) -> np.ndarray:
    """``count`` durations (months) summing to ``target_total - fixed_total``.

    Drawn from a gamma distribution, then rescaled (within 6 months and onset
    after age 10) and rounded so that the sum is exact.
    """
    need = target_total - fixed_total
    low = np.full(count, 6.0)
    high = (ages - 10.0) * 12.0
    raw = rng.gamma(2.5, need / count / 2.5, size=count)
    for _ in range(100):
        raw = np.clip(raw * need / raw.sum(), low, high)
        if abs(raw.sum() - need) < 1e-9:
            break
    months = np.floor(raw).astype(int)
    remainder = raw - months
    for i in np.argsort(-remainder, kind="stable"):
        if months.sum() >= need:
            break
        if months[i] + 1 <= high[i]:
            months[i] += 1
    if months.sum() != need:
        raise SimulationError("disease durations cannot reach the published mean")
    return months


def _plan(rng: np.random.Generator, targets: _Targets) -> pd.DataFrame:
    """Baseline characteristics, outcome, relapse and death of the 40 patients."""
    from lupus_teach.data import load_published

    table1 = load_published("patients").sort_values("patient").reset_index(drop=True)
    mapping = _system_map()
    n_total, n_known = 40, len(table1)
    sim = np.arange(n_known + 1, n_total + 1)  # Table 1 rows simulated here
    # outcomes of rows 14-40: Table 2's deaths (rows 14 and 27) are non-responders
    known = table1["outcome"].value_counts()
    n_mcr = targets.mcr - int(known.get("MCR", 0))
    n_pcr = targets.pcr - int(known.get("PCR", 0))
    n_nr = len(sim) - n_mcr - n_pcr
    death_rows = {14: 256, 27: 192}
    free = [k for k in sim if k not in death_rows]
    pool = ["MCR"] * n_mcr + ["PCR"] * n_pcr + ["NR"] * (n_nr - len(death_rows))
    outcome = dict(zip(free, rng.permutation(pool).tolist(), strict=True))
    outcome.update(dict.fromkeys(death_rows, "NR"))
    day7 = int(rng.choice([k for k in free if outcome[k] == "NR"]))
    death_rows[day7] = 7
    if tuple(sorted(death_rows.values())) != targets.death_days:
        raise SimulationError("death days differ from Table 2")
    # relapses: Table 1's relapsing rows, and the rest among simulated responders
    n_relapse = targets.relapse_9 + targets.relapse_12
    relapsing = [int(k) for k in table1.loc[table1["relapse"].astype(bool), "patient"]]
    responders = [k for k in sim if outcome[k] != "NR"]
    relapsing += sorted(int(k) for k in rng.choice(responders, n_relapse - len(relapsing),
                                                   replace=False))
    months = rng.permutation([9] * targets.relapse_9 + [12] * targets.relapse_12)
    relapse_month = dict(zip(relapsing, months.tolist(), strict=True))
    # ages: Table 1 row 14 reads "14/21"; one simulated row is the oldest (54)
    ages = {int(r.patient): int(r.age_years) for r in table1.itertuples()}
    ages[14] = 21
    others = [k for k in sim if k != 14]
    for k in others:
        ages[k] = targets.age_min + round(float(rng.beta(2.0, 3.0))
                                          * (targets.age_max - targets.age_min))
    if targets.age_min not in ages.values():
        ages[int(rng.choice(others))] = targets.age_min
    oldest = int(rng.choice([k for k in others if ages[k] != targets.age_min]))
    ages[oldest] = targets.age_max
    # durations: Table 1 row 14 reads 39 months; the rest make the mean 7.5 years
    durations = {int(r.patient): int(r.disease_duration_months) for r in table1.itertuples()}
    durations[14] = 39
    target_total = round(targets.mean_duration_years * 12 * n_total)
    drawn = _durations(sum(durations.values()), len(others),
                       np.array([ages[k] for k in others], dtype=float), target_total, rng)
    durations.update(dict(zip(others, drawn.tolist(), strict=True)))
    # sex: Table 1 gives none, so the men are drawn among all 40
    men = set(rng.choice(np.arange(1, n_total + 1), n_total - targets.women,
                         replace=False).tolist())
    # nephritis: rows 1-13 from the manifestations; the rest so that the total is 38
    systems_known = {int(r.patient): manifestation_systems(r.manifestations, mapping)
                     for r in table1.itertuples()}
    lacking_known = sum("renal" not in s for s in systems_known.values())
    n_lacking = n_total - targets.nephritis - lacking_known
    without = set(rng.choice(sim, n_lacking, replace=False).tolist())
    frequencies = {s: sum(s in v for v in systems_known.values()) / n_known
                   for s in _OTHER_SYSTEMS}
    scores = table1["baseline_bilag"].astype(int)
    score_range = (int(scores.min()), int(scores.max()))
    sledai = table1["baseline_sledai"].astype(int)
    rows = []
    for k in range(1, n_total + 1):
        if k <= n_known:
            row = table1.iloc[k - 1]
            systems = systems_known[k]
            nephritis = "renal" in systems
            grades, note = _baseline_from_score(systems, int(row.baseline_bilag),
                                                nephritis, rng)
            manifestations, sledai_k = row.manifestations, int(row.baseline_sledai)
            source, result = "Table 1", row.outcome
        else:
            nephritis = k not in without
            grades, manifestations = _simulated_baseline(nephritis, frequencies,
                                                         score_range, rng)
            sledai_k = int(rng.integers(int(sledai.min()), int(np.median(sledai)) + 8))
            note = "simulated baseline characteristics (Table 1 row not recoverable)"
            if k == 14:
                note = ("age 21 and duration 39 months from the legible start of Table 1 "
                        "row 14; the rest simulated")
            source, result = "simulated", outcome[k]
        rows.append({
            "patient_id": f"P{k:02d}", "table1_patient": k, "baseline_source": source,
            "sex": "M" if k in men else "F", "age_years": ages[k],
            "disease_duration_months": durations[k], "baseline_sledai": sledai_k,
            "baseline_bilag": global_score(grades, SCHEME), "manifestations": manifestations,
            "nephritis": nephritis, "outcome": result, "relapse": k in relapse_month,
            "relapse_month": relapse_month.get(k), "died": k in death_rows,
            "death_day": death_rows.get(k), "baseline_note": note, "_grades": grades,
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------
# Follow-up grades
# --------------------------------------------------------------------------


def _letter(activity: int, involved: bool) -> str:
    return "ABC"[3 - activity] if activity > 0 else ("D" if involved else "E")


def _path_down(start: int, end: int, rng: np.random.Generator) -> tuple[int, int]:
    """Activity at months 1 and 3 between ``start`` (month 0) and ``end`` (month 6)."""
    a1 = int(rng.integers(end, start + 1))
    a3 = int(rng.integers(end, a1 + 1))
    return a1, a3


def _follow_up(plan: Mapping[str, object], rng: np.random.Generator) -> dict[int, dict[str, str]]:
    """Grades at every visit of one patient, built for its intended outcome."""
    base: dict[str, str] = plan["_grades"]  # type: ignore[assignment]
    involved = {s for s in SYSTEMS if base[s] != "E"}
    a0 = {s: ACTIVITY[base[s]] for s in SYSTEMS}
    outcome = plan["outcome"]
    death_day = plan["death_day"]
    seen = _DEATH_VISITS[int(death_day)] if death_day is not None and not pd.isna(
        death_day) else MONTHS
    act: dict[int, dict[str, int]] = {0: dict(a0)}
    if seen != MONTHS:
        # a patient who died: no outcome is built in; the events rule decides
        for month, previous in zip(seen[1:], seen[:-1], strict=True):
            act[month] = {s: int(np.clip(act[previous][s] + int(
                rng.choice([-1, 0, 1], p=[0.35, 0.45, 0.2])), 0, 3)) if s in involved else 0
                for s in SYSTEMS}
        return {m: {s: _letter(act[m][s], s in involved) for s in SYSTEMS} for m in seen}
    # month-6 target activity
    a6 = {}
    for s in SYSTEMS:
        if a0[s] == 0:
            a6[s] = 0
        else:
            a6[s] = int(rng.integers(0, 2)) if outcome in ("MCR", "PCR") else int(
                rng.integers(max(a0[s] - 1, 0), a0[s] + 1))
    strong = [s for s in SYSTEMS if a0[s] >= 2]
    rises: set[str] = set()
    if outcome == "PCR":
        keep = "renal" if "renal" in strong and rng.random() < 0.5 else str(rng.choice(strong))
        a6[keep] = 2
    elif outcome == "NR":
        a6 = {s: min(v, 2) for s, v in a6.items()}
        with_a = [s for s in SYSTEMS if a0[s] == 3]
        if with_a and rng.random() < 0.6:
            a6[str(rng.choice(with_a))] = 3
        else:
            chosen = list(rng.permutation(strong))[:2] if strong else []
            spare = [s for s in rng.permutation(sorted(involved)) if s not in chosen]
            chosen += spare[: 2 - len(chosen)]
            for s in chosen:
                a6[s] = 2
                if a0[s] < 2:
                    rises.add(s)
    a1, a3 = {}, {}
    for s in SYSTEMS:
        if s in rises:  # a worsening system in a non-responder
            a1[s], a3[s] = a0[s], int(rng.integers(a0[s], 3))
        else:
            a1[s], a3[s] = _path_down(a0[s], a6[s], rng)
    act[1], act[3], act[6] = a1, a3, a6
    # months 9 and 12
    relapse = plan["relapse_month"]
    relapse_month = None if relapse is None or pd.isna(relapse) else int(relapse)
    for month, previous in ((9, 6), (12, 9)):
        now = {}
        for s in SYSTEMS:
            before = act[previous][s]
            if outcome == "NR" and s in involved:
                step = int(rng.choice([-1, 0, 1], p=[0.3, 0.55, 0.15]))
                now[s] = int(np.clip(before + step, 0, 3))
            else:
                now[s] = max(before - int(rng.random() < 0.3), 0)
        if month == relapse_month:
            quiet = [s for s in SYSTEMS if s in involved and act[previous][s] <= 1]
            if outcome == "PCR":
                # prefer a system that was A or B at baseline (no new score since
                # baseline); otherwise use the one new A or B that PCR route 2 allows
                quiet = [s for s in quiet if a0[s] >= 2] or quiet
            system = "renal" if "renal" in quiet else str(rng.choice(quiet))
            ceiling = max(a0[system], 2) if outcome == "PCR" else 3
            now[system] = 3 if (ceiling == 3 and rng.random() < 0.3) else 2
        act[month] = now
    return {m: {s: _letter(act[m][s], s in involved) for s in SYSTEMS} for m in seen}


# --------------------------------------------------------------------------
# SLEDAI-2K and physician's global assessment (SIMULATED)
# --------------------------------------------------------------------------


def _with_activity(visits: pd.DataFrame, plan: pd.DataFrame,
                   grades: Mapping[str, Mapping[int, Mapping[str, str]]],
                   seed: int) -> pd.DataFrame:
    """Add SIMULATED ``sledai`` (SLEDAI-2K total) and ``pga`` (0-3) columns to the visits.

    Month 0 carries the patient's ``baseline_sledai`` (Table 1's value for
    rows 1-13). Later totals follow the patient's BILAG activity: with *r* the
    ratio of the visit's classic 9/3/1 BILAG score to the baseline score, the
    total is ``baseline * (0.25 + 0.75 r)`` plus noise (sd 1 point), rounded
    and kept within 0-105, so totals fall as the abstract describes ("SLEDAI
    scores significantly decreased at 3, 6, 9 and 12 months") and rise again
    in a relapse. The PGA starts between 1.8 and 2.8 and follows
    ``0.2 + 0.8 r`` (noise sd 0.1), to one decimal, within 0-3. Drawn from a
    generator of its own (seeded ``[seed, 14]``) so the grades and markers are
    unchanged by it.
    """
    rng = np.random.default_rng([seed, 14])
    totals: dict[tuple[str, int], tuple[int, float]] = {}
    for p in plan.itertuples(index=False):
        visits_of = grades[p.patient_id]
        base_score = global_score(visits_of[0], SCHEME)
        sledai0 = int(p.baseline_sledai)
        pga0 = round(float(rng.uniform(1.8, 2.8)), 1)
        for month in sorted(visits_of):
            ratio = global_score(visits_of[month], SCHEME) / base_score
            if month == 0:
                totals[(p.patient_id, month)] = (sledai0, pga0)
                continue
            total = round(sledai0 * (0.25 + 0.75 * ratio) + float(rng.normal(0, 1.0)))
            pga = round(pga0 * (0.2 + 0.8 * ratio) + float(rng.normal(0, 0.1)), 1)
            totals[(p.patient_id, month)] = (int(np.clip(total, 0, 105)),
                                             float(np.clip(pga, 0.0, 3.0)))
    keys = list(zip(visits["patient_id"], visits["month"], strict=True))
    out = visits.copy()
    out["sledai"] = np.array([totals[k][0] for k in keys], dtype="int64")
    out["pga"] = np.array([totals[k][1] for k in keys], dtype=float)
    return out


# --------------------------------------------------------------------------
# Markers
# --------------------------------------------------------------------------

_PROTEIN_LEVEL = {3: 3.0, 2: 2.0, 1: 1.1, 0: 0.6}  # g/24 h by renal activity
_PEAK = {0: 0.0, 1: 0.35, 3: 0.75, 6: 1.0, 9: 0.9, 12: 0.85}  # albumin, C3 gain profile
_DSDNA = {0: 1.0, 1: 0.75, 3: 0.5, 6: 0.45, 9: 0.47, 12: 0.5}
_CREAT = {0: 1.0, 1: 0.96, 3: 0.9, 6: 0.83, 9: 0.88, 12: 0.9}  # lowest at 6 (abstract)
_TAPER = {0: 1.0, 1: 0.9, 3: 0.7, 6: 0.55, 9: 0.45, 12: 0.4}
_STRENGTH = {"MCR": 1.0, "PCR": 0.7, "NR": 0.25}


def calibrate_means(values: pd.DataFrame, targets: Mapping[int, float]) -> dict[int, float]:
    """Scale proteinuria so each target month's mean equals the published mean exactly.

    The calibration step (documented, not hidden): at each target month
    (0, 6, 12) every patient's value is multiplied by one factor so that the
    mean over the patients measured equals the published mean; values are
    rounded to 0.01 g/24 h and the rounding residue (a few hundredths in total)
    goes to the largest values one hundredth each, so the mean is exact to two
    decimals. Months between target months get factors interpolated linearly
    in time (1 and 3 between 0 and 6; 9 between 6 and 12). ``values`` is
    changed in place (column ``value``); the factors are returned.

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.DataFrame({"month": [0, 0, 6, 6], "value": [1.0, 2.0, 1.0, 1.0]})
    >>> calibrate_means(v, {0: 3.0, 6: 1.5})
    {0: 2.0, 6: 1.5}
    >>> v["value"].tolist()
    [2.0, 4.0, 1.5, 1.5]
    """
    factors = {m: t / values.loc[values["month"] == m, "value"].mean()
               for m, t in targets.items()}
    known = sorted(factors)
    for month in sorted(values["month"].unique()):
        if month in factors:
            continue
        factors[int(month)] = float(np.interp(month, known, [factors[m] for m in known]))
    values["value"] = (values["value"] * values["month"].map(factors)).round(2)
    for month, target in targets.items():
        rows = values.index[values["month"] == month]
        need = round(target * 100 * len(rows)) - round(
            float(values.loc[rows, "value"].sum()) * 100)
        order = values.loc[rows, "value"].sort_values(ascending=False, kind="stable").index
        for i in range(abs(need)):
            values.loc[order[i % len(order)], "value"] += 0.01 * np.sign(need)
        values.loc[rows, "value"] = values.loc[rows, "value"].round(2)
    return {int(m): round(float(f), 4) for m, f in sorted(factors.items())}


def _markers(plan: pd.DataFrame, grades: Mapping[str, Mapping[int, Mapping[str, str]]],
             targets: _Targets, rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    rows: list[tuple[str, int, str, float, str]] = []
    protein_rows = []
    for p in plan.itertuples(index=False):
        visits = grades[p.patient_id]
        seen = sorted(visits)
        strength = _STRENGTH[p.outcome]
        relapse = None if pd.isna(p.relapse_month) else int(p.relapse_month)

        def hit(month: int, relapse: int | None = relapse) -> bool:
            return relapse is not None and month >= relapse

        scale = float(rng.lognormal(0, 0.25))
        albumin0 = float(np.clip(rng.normal(27 if p.nephritis else 34, 4), 16, 42))
        gain_alb = strength * float(rng.normal(9, 2))
        c3_0 = float(np.clip(rng.normal(0.55, 0.15), 0.15, 0.95))
        gain_c3 = strength * float(rng.normal(0.3, 0.07))
        dsdna_pos = "anti-dsDNA+" in p.manifestations
        dsdna0 = float(np.clip(rng.lognormal(np.log(180 if dsdna_pos else 12), 0.5),
                               30 if dsdna_pos else 2, 800 if dsdna_pos else 25))
        creat0 = float(np.clip(rng.lognormal(np.log(88 if p.nephritis else 65), 0.3), 45, 300))
        dose0 = float(rng.choice([20.0, 25.0, 30.0, 40.0, 50.0, 60.0],
                                 p=[0.15, 0.15, 0.25, 0.25, 0.1, 0.1]))
        for m in seen:
            renal = ACTIVITY[visits[m]["renal"]]
            if p.nephritis:
                level = _PROTEIN_LEVEL[renal] * scale * float(rng.lognormal(0, 0.1))
                protein_rows.append((p.patient_id, m, level))
            alb = albumin0 + gain_alb * _PEAK[m] - (4.0 if hit(m) else 0.0)
            c3 = c3_0 + gain_c3 * _PEAK[m] - (0.12 if hit(m) else 0.0)
            dsdna = dsdna0 * _DSDNA[m] ** strength * (1.6 if hit(m) else 1.0)
            creat = creat0 * _CREAT[m] ** strength * (1.2 if hit(m) else 1.0)
            rows += [
                (p.patient_id, m, "albumin", round(float(np.clip(
                    alb + rng.normal(0, 1.0), 14, 48)), 1), "g/L"),
                (p.patient_id, m, "c3", round(float(np.clip(
                    c3 + rng.normal(0, 0.03), 0.1, 1.6)), 2), "g/L"),
                (p.patient_id, m, "anti_dsdna", round(dsdna * float(
                    rng.lognormal(0, 0.08)), 1), "IU/mL"),
                (p.patient_id, m, "creatinine", float(round(creat * float(
                    rng.lognormal(0, 0.05)))), "µmol/L"),
            ]
        rows += _steroid_rows(p.patient_id, seen, dose0, bool(p.steroid_tapered), relapse, rng)
    protein = pd.DataFrame(protein_rows, columns=["patient_id", "month", "value"])
    factors = calibrate_means(protein, targets.protein)
    rows += [(r.patient_id, int(r.month), "proteinuria", float(r.value), "g/24 h")
             for r in protein.itertuples(index=False)]
    table = pd.DataFrame(rows, columns=["patient_id", "month", "marker", "value", "unit"])
    order = {m: i for i, m in enumerate(["proteinuria", "albumin", "c3", "anti_dsdna",
                                         "creatinine", "steroid_dose"])}
    table = table.sort_values(["patient_id", "month", "marker"],
                              key=lambda c: c.map(order) if c.name == "marker" else c,
                              kind="stable").reset_index(drop=True)
    return table, factors


def _steroid_rows(pid: str, seen: Sequence[int], dose0: float, tapered: bool,
                  relapse: int | None, rng: np.random.Generator) -> list:
    rows = []
    for m in seen:
        if tapered:
            dose = dose0 * _TAPER[m] * float(rng.lognormal(0, 0.08))
            if relapse is not None and m >= relapse:
                dose *= 1.5
            dose = min(dose, dose0 - 2.5) if m == 12 else dose
        else:
            dose = dose0 * (1.0 + 0.15 * (m >= 6) * float(rng.random()))
        dose = max(5.0, 2.5 * round(dose / 2.5))
        rows.append((pid, m, "steroid_dose", float(dose), "mg/day"))
    return rows


# --------------------------------------------------------------------------
# The cohort
# --------------------------------------------------------------------------


def _choose(rng: np.random.Generator, ids: Sequence[str], weights: Sequence[float],
            count: int) -> set[str]:
    w = np.asarray(weights, dtype=float)
    return set(rng.choice(np.asarray(ids), count, replace=False, p=w / w.sum()).tolist())


def simulate_cohort(seed: int = DEFAULT_SEED) -> Cohort:
    """Simulate the 40-patient cohort (SIMULATED, not the trial's records).

    Parameters
    ----------
    seed : int
        Seed of :func:`numpy.random.default_rng`. Every seed gives a cohort
        that meets every published target; :data:`DEFAULT_SEED` gives the one
        in ``data/cohort/``.

    Returns
    -------
    Cohort

    Raises
    ------
    SimulationError
        If the output misses a target (a bug in the generator).

    Examples
    --------
    >>> cohort = simulate_cohort(7)
    >>> cohort.patients.loc[cohort.patients["table1_patient"] == 9, "outcome"].item()
    'MCR'
    >>> int(cohort.patients["died"].sum())
    3
    """
    rng = np.random.default_rng(seed)
    targets = _targets()
    plan = _plan(rng, targets)
    grades = {p["patient_id"]: _follow_up(p, rng) for p in plan.to_dict("records")}
    rows = [(pid, m, s, g) for pid, by_month in grades.items()
            for m in sorted(by_month) for s, g in by_month[m].items()]
    visits = pd.DataFrame(rows, columns=["patient_id", "month", "system", "grade"])
    visits = _with_activity(visits, plan, grades, seed)  # SIMULATED SLEDAI-2K and PGA
    # treatment: among survivors, responders more likely to taper and reduce
    alive = plan[~plan["died"]]
    taper_w = alive["outcome"].map({"MCR": 4.0, "PCR": 4.0, "NR": 1.0})
    reduce_w = alive["outcome"].map({"MCR": 3.0, "PCR": 2.0, "NR": 1.0})
    tapered = _choose(rng, alive["patient_id"].tolist(), taper_w.tolist(), targets.tapered)
    reduced = _choose(rng, alive["patient_id"].tolist(), reduce_w.tolist(), targets.reduced)
    plan["steroid_tapered"] = plan["patient_id"].isin(tapered)
    plan["immunosuppressant_reduced"] = plan["patient_id"].isin(reduced)
    markers, factors = _markers(plan, grades, targets, rng)
    patients = plan.drop(columns="_grades")[PATIENT_COLUMNS].copy()
    patients["relapse_month"] = patients["relapse_month"].astype("Int64")
    patients["death_day"] = patients["death_day"].astype("Int64")
    cohort = Cohort(visits, patients, markers, seed, factors, death_events(patients))
    check_cohort(cohort, targets)
    return cohort


def death_events(patients: pd.DataFrame) -> pd.DataFrame:
    """The events table of a cohort's deaths: ``patient_id, event, month, day, source``.

    ``month`` is the day of death divided by 30.4375 (days per month), rounded
    to 2 decimals; the days are Table 2's.

    Examples
    --------
    >>> import pandas as pd
    >>> table = death_events(pd.DataFrame({"patient_id": ["P14", "P02"],
    ...                                    "death_day": [256, None]}))
    >>> table[["patient_id", "event", "month", "day"]].values.tolist()
    [['P14', 'death', 8.41, 256]]
    """
    from lupus_teach.events import DAYS_PER_MONTH

    dead = patients[patients["death_day"].notna()]
    days = dead["death_day"].astype(int).to_numpy()
    return pd.DataFrame({
        "patient_id": dead["patient_id"].to_numpy(),
        "event": "death",
        "month": [round(d / DAYS_PER_MONTH, 2) for d in days],
        "day": days,
        "source": [f"Table 2 (death on day {d}); SIMULATED patient" for d in days],
    })


PATIENT_COLUMNS = [
    "patient_id", "table1_patient", "baseline_source", "sex", "age_years",
    "disease_duration_months", "baseline_sledai", "baseline_bilag", "manifestations",
    "nephritis", "outcome", "relapse", "relapse_month", "died", "death_day",
    "steroid_tapered", "immunosuppressant_reduced", "baseline_note",
]


def check_cohort(cohort: Cohort, targets: _Targets | None = None) -> None:
    """Check a cohort against every target; raise :class:`SimulationError` listing misses.

    Examples
    --------
    >>> check_cohort(simulate_cohort(3))   # silent when every target is met
    """
    from lupus_teach.data import headline_figures, load_published, published_figures
    from lupus_teach.response import classify_response
    from lupus_teach.visits import read_visits

    targets = _targets() if targets is None else targets
    problems: list[str] = []
    visits = read_visits(cohort.visits, name="simulated visits")
    patients = cohort.patients.set_index("patient_id")
    events = cohort.events if len(cohort.events) else death_events(cohort.patients)
    result = classify_response(visits, "wang2014", events=events).set_index("patient_id")
    if len(patients) != 40 or set(result.index) != set(patients.index):
        problems.append("the cohort must have the same 40 patients in every table")
    for pid, row in patients.iterrows():
        got = result.loc[pid]
        if got["response"] != row["outcome"]:
            problems.append(f"{pid}: classified {got['response']}, intended {row['outcome']}")
        want = row["relapse_month"]
        have = got["relapse_month"]
        if (pd.isna(want) != pd.isna(have)) or (not pd.isna(want) and int(want) != int(have)):
            problems.append(f"{pid}: relapse month {have}, intended {want}")
        months = sorted(visits.loc[visits["patient_id"] == pid, "month"].unique())
        expected = _DEATH_VISITS[int(row["death_day"])] if row["died"] else MONTHS
        if tuple(months) != tuple(expected):
            problems.append(f"{pid}: visits at {months}, expected {list(expected)}")
    figures = headline_figures(visits, cohort.patients, cohort.markers, events)
    for key, value in published_figures().items():
        if figures[key] != value:
            problems.append(f"{key}: cohort gives {figures[key]}, published {value}")
    # Table 1 rows 1-13: copied characteristics and a fitting baseline profile
    table1 = load_published("patients").set_index("patient")
    wide = visits[visits["month"] == 0].pivot(index="patient_id", columns="system",
                                              values="grade")
    for k, row in table1.iterrows():
        pid = f"P{int(k):02d}"
        mine = patients.loc[pid]
        for col in ("age_years", "disease_duration_months", "baseline_bilag", "outcome",
                    "relapse", "manifestations"):
            if mine[col] != row[col]:
                problems.append(f"{pid}: {col} {mine[col]!r} differs from Table 1's {row[col]!r}")
        grades = {s: str(wide.loc[pid, s]) for s in SYSTEMS}
        if global_score(grades, SCHEME) != int(row["baseline_bilag"]):
            problems.append(f"{pid}: baseline 9/3/1 score differs from Table 1")
        involved = {s for s, g in grades.items() if g != "E"}
        listed = set(manifestation_systems(row["manifestations"]))
        allowed = listed | ({"general"} if "general" in mine["baseline_note"] else set())
        if not listed <= involved <= allowed:
            problems.append(f"{pid}: involved systems {sorted(involved)} differ from the "
                            f"manifestations {sorted(listed)}")
    if not targets.age_min <= patients["age_years"].min() <= patients["age_years"].max() <= (
            targets.age_max):
        problems.append("ages outside the published range")
    if problems:
        raise SimulationError("the simulated cohort misses its targets:\n  - "
                              + "\n  - ".join(problems))


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


def _to_csv(table: pd.DataFrame, path: Path, overwrite: bool = False) -> None:
    from lupus_teach.outputs import write_csv

    out = table.copy()
    for column in out.columns:
        if out[column].dtype == bool or str(out[column].dtype) == "boolean":
            out[column] = out[column].map({True: "true", False: "false"})
    write_csv(path, out, force=overwrite, make_parents=True, lineterminator="\n")


def write_cohort(
    cohort: Cohort, directory: str | Path, *, overwrite: bool = False
) -> dict[str, Path]:
    """Write ``visits.csv``, ``patients.csv`` and ``markers.csv`` into a folder.

    Returns the paths written, by part. Files are written through
    :func:`lupus_teach.outputs.write_csv` (spreadsheet-safe, temporary file
    then rename); an existing file is replaced only with ``overwrite=True``,
    and if one exists nothing at all is written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = write_cohort(simulate_cohort(), folder)
    ...     sorted(p.name for p in paths.values())
    ['events.csv', 'markers.csv', 'patients.csv', 'visits.csv']
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    return _write(cohort, {part: folder / f"{part}.csv"
                           for part in COHORT_FILES}, overwrite=overwrite)


def _write(cohort: Cohort, paths: Mapping[str, Path], overwrite: bool = False) -> dict[str, Path]:
    from lupus_teach.outputs import check_output_path

    for path in paths.values():  # refuse before writing any of the three
        check_output_path(path, force=overwrite)
    for part, path in paths.items():
        _to_csv(getattr(cohort, part), path, overwrite=overwrite)
    return dict(paths)


def cohort_paths(output: str | Path) -> dict[str, Path]:
    """Where ``-o visits.csv`` puts the four tables (patients, markers and events beside it).

    Examples
    --------
    >>> [p.name for p in cohort_paths("/tmp/c.csv").values()]
    ['c.csv', 'c_patients.csv', 'c_markers.csv', 'c_events.csv']
    """
    path = Path(output)
    stem = path.with_suffix("")
    return {"visits": path, "patients": Path(f"{stem}_patients.csv"),
            "markers": Path(f"{stem}_markers.csv"), "events": Path(f"{stem}_events.csv")}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options shared by ``python -m lupus_teach.simulate`` and ``lupus-teach simulate``."""
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default: {DEFAULT_SEED}, the shipped cohort)")
    parser.add_argument("-o", "--output", default="simulated_visits.csv",
                        help="visits CSV to write; PATIENTS, MARKERS and EVENTS (the deaths) "
                        "go beside it as <name>_patients.csv, <name>_markers.csv and "
                        "<name>_events.csv")
    parser.add_argument("--force", action="store_true",
                        help="replace these files if they exist (default: refuse)")


def run(args: argparse.Namespace) -> int:
    """Simulate and write a cohort from parsed arguments; print where it went."""
    from lupus_teach.outputs import check_output_path

    paths = cohort_paths(args.output)
    force = getattr(args, "force", False)
    for path in paths.values():  # refuse before the work
        check_output_path(path, force=force)
    cohort = simulate_cohort(args.seed)
    _write(cohort, paths, overwrite=force)
    shown = ", ".join(inert(p) for p in paths.values())
    print(f"SIMULATED cohort (seed {args.seed}; consistent with the published summaries, "
          f"not the trial's patient records): {shown}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m lupus_teach.simulate [--seed N] [-o visits.csv]``."""
    parser = argparse.ArgumentParser(
        prog="python -m lupus_teach.simulate",
        description="Write a SIMULATED 40-patient cohort consistent with the published "
        "summaries of Wang et al. 2014 (not the trial's patient records).")
    add_arguments(parser)
    try:
        return run(parser.parse_args(argv))
    except LupusTeachError as err:
        print(inert(err, keep_newlines=True), file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
