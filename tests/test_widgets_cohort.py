"""The cohort explorer and the trial-design what-if, driven by setting control values."""

from __future__ import annotations

import pandas as pd
import pytest

from lupus_teach import stats
from lupus_teach.bilag import system_names
from lupus_teach.response import classify_response
from lupus_teach.widgets import cohort_explorer, trial_design_whatif
from lupus_teach.widgets.cohort import filter_cohort

MONTHS = (0, 1, 3, 6, 9, 12)


def _patient(pid: str, renal: dict[int, str]) -> list[tuple[str, int, str, str]]:
    """One patient: every system C except renal, graded by month (C when not given)."""
    return [
        (pid, m, s, renal.get(m, "C") if s == "renal" else "C")
        for m in MONTHS
        for s in system_names("classic")
    ]


@pytest.fixture()
def cohort() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rows = (
        # renal A at baseline, C from month 1: MCR at month 6
        _patient("p1", {0: "A"})
        # MCR, then renal A again at month 9: relapse
        + _patient("p2", {0: "A", 9: "A"})
        # one B left at month 6 (renal A -> B), nothing new: PCR (route 2)
        + _patient("p3", {0: "A", 1: "B", 3: "B", 6: "B", 9: "B", 12: "B"})
        # renal A throughout: NR
        + _patient("p4", {m: "A" for m in MONTHS})
    )
    visits = pd.DataFrame(rows, columns=["patient_id", "month", "system", "grade"])
    patients = pd.DataFrame(
        {"patient_id": ["p1", "p2", "p3", "p4"], "lupus_nephritis": [True, False, True, True]}
    )
    markers = pd.DataFrame(
        [(p, m, "proteinuria", 3.0 - 0.1 * m) for p in ("p1", "p2", "p3", "p4") for m in MONTHS],
        columns=["patient_id", "month", "marker", "value"],
    )
    return visits, patients, markers


def test_the_fixture_classifies_as_its_comments_say(cohort):
    visits, _, _ = cohort
    result = classify_response(visits).set_index("patient_id")
    assert result["response"].tolist() == ["MCR", "MCR", "PCR", "NR"]
    assert result.loc["p2", "relapse_month"] == 9


def test_filtering_to_mcr_gives_only_mcr_rows(cohort):
    explorer = cohort_explorer(*cohort)
    explorer.controls["response"].value = "MCR"
    assert explorer.filtered["patient_id"].tolist() == ["p1", "p2"]
    assert set(explorer.filtered["response"]) == {"MCR"}
    assert "2 of 4 patients" in explorer.status.value
    # the chart and table follow the filter
    bar = explorer.charts["responses"].data.values
    assert [(row["category"], row["count"]) for row in bar] == [("MCR", 2), ("PCR", 0), ("NR", 0)]
    assert "p1" in explorer._table.value and "p4" not in explorer._table.value


def test_nephritis_and_relapse_filters_combine(cohort):
    explorer = cohort_explorer(*cohort)
    explorer.controls["nephritis"].value = "yes"
    assert explorer.filtered["patient_id"].tolist() == ["p1", "p3", "p4"]
    explorer.controls["nephritis"].value = "all"
    explorer.controls["relapse"].value = "yes"
    assert explorer.filtered["patient_id"].tolist() == ["p2"]
    explorer.controls["relapse"].value = "no"
    explorer.controls["response"].value = "MCR"
    assert explorer.filtered["patient_id"].tolist() == ["p1"]


def test_no_match_shows_a_message_and_no_chart(cohort):
    explorer = cohort_explorer(*cohort)
    explorer.controls["response"].value = "NR"
    explorer.controls["relapse"].value = "yes"
    assert explorer.filtered.empty
    assert explorer.charts == {}
    shown = explorer.status.value + explorer.marker_note.value + explorer._table.value
    assert shown.count("No patient matches") == 1  # said once, in the status line
    assert "lupus-info" in explorer.status.value  # styled as information, not an error
    assert explorer._charts_box.layout.display == "none"


def test_marker_not_measured_in_the_selection_is_one_plain_note(cohort):
    visits, patients, markers = cohort
    # only the nephritis patients have proteinuria measured
    markers = markers[markers["patient_id"] != "p2"]
    explorer = cohort_explorer(visits, patients, markers)
    explorer.controls["nephritis"].value = "no"  # p2 only
    assert explorer.filtered["patient_id"].tolist() == ["p2"]
    note = explorer.marker_note.value
    assert "was not measured in any of the patients shown" in note
    assert "not a known marker" not in note and "lupus-info" in note
    assert "marker" not in explorer.charts
    assert explorer._marker_out.layout.display == "none"
    assert "responses" in explorer.charts  # the rest of the explorer still works


def test_marker_chart_shows_only_the_filtered_patients(cohort):
    explorer = cohort_explorer(*cohort)
    explorer.controls["response"].value = "PCR"
    individual = explorer.charts["marker"].layer[0].data.values
    assert {row["patient_id"] for row in individual} == {"p3"}
    # the chart view shows this chart's spec: one view, updated in place
    view = explorer._marker_out

    def same_data(spec, chart):
        return list(spec["datasets"].values()) == list(chart.to_dict()["datasets"].values())

    assert same_data(view.spec, explorer.charts["marker"])
    explorer.controls["response"].value = "MCR"
    assert explorer._marker_out is view and same_data(view.spec, explorer.charts["marker"])


def test_nephritis_filter_is_disabled_without_a_patient_table(cohort):
    visits, _, _ = cohort
    explorer = cohort_explorer(visits)
    assert explorer.controls["nephritis"].disabled
    assert "marker" not in explorer.controls
    assert len(explorer.filtered) == 4


def test_every_control_has_a_description(cohort):
    explorer = cohort_explorer(*cohort)
    whatif = trial_design_whatif()
    for control in [*explorer.controls.values(), *whatif.controls.values()]:
        assert control.description


def test_filter_cohort_accepts_several_categories():
    table = pd.DataFrame({"patient_id": ["a", "b", "c"], "response": ["MCR", "PCR", "NR"],
                          "relapse_month": [None, None, None]})
    assert filter_cohort(table, response=["MCR", "PCR"])["patient_id"].tolist() == ["a", "b"]


def test_raising_the_entry_threshold_increases_the_apparent_improvement():
    whatif = trial_design_whatif()
    whatif.controls["entry_threshold"].value = 8.0
    low = whatif.apparent_change
    whatif.controls["entry_threshold"].value = 16.0
    high = whatif.apparent_change
    assert low < 0 and high < 0  # an apparent improvement without treatment
    assert -high > -low


def test_no_measurement_noise_means_no_regression_to_the_mean():
    whatif = trial_design_whatif()
    whatif.controls["within_sd"].value = 0.0
    assert whatif.apparent_change == pytest.approx(0.0, abs=1e-12)


def test_apparent_change_matches_the_simulation_for_the_slider_values():
    whatif = trial_design_whatif()
    whatif.controls["entry_threshold"].value = 14.0
    whatif.controls["between_sd"].value = 2.0
    sim = stats.regression_to_mean_simulation(
        n_patients=500, between_sd=2.0, within_sd=3.0, entry_threshold=14.0, seed=0
    )
    expected = stats.summarise_regression(sim).apparent_change
    assert whatif.apparent_change == pytest.approx(expected)
    assert "rtm" in whatif.charts


def test_a_threshold_nobody_reaches_says_so():
    whatif = trial_design_whatif()
    whatif.controls["between_sd"].value = 0.5
    whatif.controls["within_sd"].value = 0.0
    whatif.controls["entry_threshold"].value = 20.0
    assert whatif.apparent_change is None
    assert "no patient met the entry threshold" in whatif.rtm_status.value


@pytest.mark.parametrize(
    ("p_control", "p_treatment", "power", "alpha"),
    [(0.3, 0.6, 0.8, 0.05), (0.2, 0.35, 0.9, 0.05), (0.5, 0.7, 0.8, 0.1)],
)
def test_n_per_group_equals_the_sample_size_function(p_control, p_treatment, power, alpha):
    whatif = trial_design_whatif()
    whatif.controls["p_control"].value = p_control
    whatif.controls["p_treatment"].value = p_treatment
    whatif.controls["power"].value = power
    whatif.controls["alpha"].value = alpha
    expected = stats.sample_size_two_proportions(p_control, p_treatment, alpha=alpha, power=power)
    assert whatif.n_per_group == expected
    assert f"{expected} patients per group" in whatif.size_status.value


def test_equal_proportions_give_no_sample_size_and_a_message():
    whatif = trial_design_whatif()
    whatif.controls["p_treatment"].value = whatif.controls["p_control"].value
    assert whatif.n_per_group is None
    assert "equal" in whatif.size_status.value


def test_explorer_on_the_shipped_simulated_cohort_reproduces_the_published_counts():
    # the SIMULATED cohort is built to match the abstract: 13 MCR of 40 patients
    # (Wang et al. 2014, Arthritis Res Ther 16:R79), 38 with nephritis (news report)
    from lupus_teach import data

    visits, patients = data.load_cohort("visits"), data.load_cohort("patients")
    mcr = data.load_published("outcomes").query("outcome == 'MCR'")["count"].item()
    nephritis = data.load_published("baseline_characteristics").query(
        "characteristic == 'active_lupus_nephritis'")["value"].item()
    explorer = cohort_explorer(visits, patients)
    assert not explorer.controls["nephritis"].disabled
    explorer.controls["response"].value = "MCR"
    assert len(explorer.filtered) == mcr
    explorer.controls["response"].value = "all"
    explorer.controls["nephritis"].value = "yes"
    assert len(explorer.filtered) == nephritis


OWN_NOTEBOOKS = [
    "01_study_at_a_glance.ipynb",
    "05_study_results.ipynb",
    "06_kidneys_and_blood_tests.ipynb",
    "07_relapse_and_retreatment.ipynb",
    "08_reading_critically.ipynb",
]


@pytest.mark.parametrize("name", OWN_NOTEBOOKS)
def test_lesson_notebooks_are_stored_without_outputs(name):
    from pathlib import Path

    import nbformat

    path = Path(__file__).resolve().parents[1] / "notebooks" / name
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    text = "\n".join(c.source for c in notebook.cells)
    # the questions come from the bank (lupus_teach.quiz), one short call each
    assert "Check your understanding" in text and f'self_check("{name[:2]}.q1")' in text
    if "load_cohort" in text:  # wherever the simulated cohort is shown, it says so
        assert "SIMULATED" in text and "COHORT_NOTE" in text
