"""The SIMULATED cohort: exact reproduction of the published figures, and Table 1 rows 1-13."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from lupus_teach.bilag import global_score
from lupus_teach.cli import main as cli_main
from lupus_teach.data import load_published, published_figures
from lupus_teach.errors import LupusTeachError
from lupus_teach.response import classify_response
from lupus_teach.simulate import (
    DEFAULT_SEED,
    MONTHS,
    SYSTEMS,
    SimulationError,
    calibrate_means,
    cohort_paths,
    fit_baseline_scores,
    manifestation_systems,
    simulate_cohort,
    write_cohort,
)
from lupus_teach.visits import read_visits

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data" / "cohort"


@pytest.fixture(scope="module")
def default_cohort():
    return simulate_cohort(DEFAULT_SEED)


def test_default_seed_rebuilds_the_shipped_cohort_byte_for_byte(default_cohort, tmp_path):
    paths = write_cohort(default_cohort, tmp_path)
    for part, path in paths.items():
        assert path.read_bytes() == (SHIPPED / f"{part}.csv").read_bytes(), part


def test_rows_1_to_13_match_table_1(default_cohort):
    table1 = load_published("patients").set_index("patient")
    patients = default_cohort.patients.set_index("table1_patient")
    baseline = default_cohort.visits[default_cohort.visits["month"] == 0]
    for k, row in table1.iterrows():
        mine = patients.loc[k]
        assert mine["patient_id"] == f"P{k:02d}"
        assert mine["baseline_source"] == "Table 1"
        for column in ("age_years", "disease_duration_months", "baseline_sledai",
                       "baseline_bilag", "outcome", "relapse", "manifestations"):
            assert mine[column] == row[column], (k, column)
        grades = dict(baseline.loc[baseline["patient_id"] == mine["patient_id"],
                                   ["system", "grade"]].itertuples(index=False))
        assert global_score(grades, "classic-9-3-1") == row["baseline_bilag"]
        involved = {s for s, g in grades.items() if g != "E"}
        listed = set(manifestation_systems(row["manifestations"]))
        if "general" in mine["baseline_note"]:
            assert involved == listed | {"general"}, k
        else:
            assert involved == listed, k


def test_only_classic_9_3_1_fits_every_row_of_table_1():
    """Hand check first, then the enumeration.

    Patient 13 (score 6) names three systems: haematological, renal,
    musculoskeletal. Under BILAG-2004 12/8/1 the possible points per system are
    12, 8, 1, 0, so three systems reach 6 only with six C grades: impossible.
    Under 9/3/1, B + B + D = 3 + 3 + 0 = 6. Patient 3 (score 9, three systems)
    cannot be reached under 12/5/1 (sums of three of 12, 5, 1, 0 never give 9,
    and adding general graded A-C does not help: 5+1+1+1 = 8, 5+5 = 10).
    """
    assert not any(a + b + c == 6 for a in (12, 8, 1, 0) for b in (12, 8, 1, 0)
                   for c in (12, 8, 1, 0))
    assert 3 + 3 + 0 == 6
    sums_12_5_1 = {a + b + c + g for a in (12, 5, 1, 0) for b in (12, 5, 1, 0)
                   for c in (12, 5, 1, 0) for g in (12, 5, 1, 0)}
    assert 9 not in sums_12_5_1
    fit = fit_baseline_scores()
    fits = fit.groupby("scheme")["fits"].all().to_dict()
    assert fits == {"9/3/1": True, "12/5/1": False, "12/8/1": False}
    failing = fit[~fit["fits"]].groupby("scheme")["patient"].apply(list).to_dict()
    assert failing == {"12/5/1": [3], "12/8/1": [10, 13]}
    general = fit.query("scheme == '9/3/1' and needs_general")["patient"].tolist()
    assert general == [5, 9, 11]


@pytest.mark.parametrize("seed", [0, 7, 12345])
def test_any_seed_gives_a_valid_cohort_meeting_every_target(seed):
    cohort = simulate_cohort(seed)
    visits = read_visits(cohort.visits)
    assert visits["patient_id"].nunique() == 40
    result = classify_response(visits, "wang2014", events=cohort.events)
    published = published_figures()
    counts = result["response"].value_counts()
    assert counts["MCR"] == published["mcr"] and counts["PCR"] == published["pcr"]
    merged = result.merge(cohort.patients, on="patient_id")
    assert (merged["response"] == merged["outcome"]).all()
    assert merged["relapse_month_x"].equals(merged["relapse_month_y"])
    relapses = result["relapse_month"].dropna().astype(int).value_counts().to_dict()
    assert relapses == {9: published["relapse_9"], 12: published["relapse_12"]}
    assert cohort.patients["age_years"].between(17, 54).all()


def test_no_visits_after_death(default_cohort):
    dead = default_cohort.patients[default_cohort.patients["died"]]
    assert sorted(dead["death_day"].tolist()) == [7, 192, 256]
    assert set(dead["table1_patient"]) >= {14, 27}
    for row in dead.itertuples():
        months = sorted(default_cohort.visits.loc[
            default_cohort.visits["patient_id"] == row.patient_id, "month"].unique())
        assert months == ([0] if row.death_day == 7 else [0, 1, 3, 6])
        assert row.outcome == "NR"
    alive = default_cohort.patients[~default_cohort.patients["died"]]
    per_patient = default_cohort.visits.groupby("patient_id")["month"].unique()
    for pid in alive["patient_id"]:
        assert tuple(sorted(per_patient[pid])) == MONTHS


def test_every_visit_has_eight_classic_systems(default_cohort):
    counts = default_cohort.visits.groupby(["patient_id", "month"])["system"].nunique()
    assert (counts == len(SYSTEMS)).all()


def test_markers_follow_the_published_directions(default_cohort):
    means = default_cohort.markers.groupby(["marker", "month"])["value"].mean().unstack()
    assert means.loc["albumin"].idxmax() == 6
    assert means.loc["c3"].idxmax() == 6
    assert means.loc["creatinine"].idxmin() == 6
    assert means.loc["anti_dsdna", 3] < means.loc["anti_dsdna", 0]
    protein = default_cohort.markers.query("marker == 'proteinuria'")
    nephritic = set(default_cohort.patients.loc[default_cohort.patients["nephritis"],
                                                "patient_id"])
    assert set(protein["patient_id"]) == nephritic
    assert (protein["value"] > 0).all()


def test_calibration_makes_the_mean_exact_to_two_decimals():
    values = pd.DataFrame({"month": [0] * 3 + [6] * 3, "value": [1.0, 2.0, 4.0, 1, 1, 2]})
    factors = calibrate_means(values, {0: 2.24, 6: 1.65})
    assert set(factors) == {0, 6}
    assert round(values.loc[values["month"] == 0, "value"].mean(), 2) == 2.24
    assert round(values.loc[values["month"] == 6, "value"].mean(), 2) == 1.65


def test_simulation_error_is_a_lupus_teach_error():
    assert issubclass(SimulationError, LupusTeachError)


def test_cohort_paths_put_patients_and_markers_beside_the_visits():
    paths = cohort_paths("out/c.csv")
    assert paths["patients"] == Path("out/c_patients.csv")
    assert paths["markers"] == Path("out/c_markers.csv")


def test_cli_simulate_then_validate(tmp_path):
    out = tmp_path / "x.csv"
    done = subprocess.run([sys.executable, "-m", "lupus_teach.simulate", "--seed", "7",
                           "-o", str(out)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "SIMULATED" in done.stderr
    lupus_teach = Path(sys.executable).with_name("lupus-teach")
    command = [str(lupus_teach)] if lupus_teach.exists() else [
        sys.executable, "-m", "lupus_teach"]
    checked = subprocess.run([*command, "validate", str(out)], capture_output=True,
                             text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "valid, 40 patients" in checked.stdout
    assert (tmp_path / "x_patients.csv").exists() and (tmp_path / "x_markers.csv").exists()


def test_lupus_teach_simulate_subcommand(tmp_path, capsys):
    out = tmp_path / "c.csv"
    assert cli_main(["simulate", "--seed", "3", "-o", str(out)]) == 0
    assert "SIMULATED" in capsys.readouterr().err
    assert read_visits(out)["patient_id"].nunique() == 40
