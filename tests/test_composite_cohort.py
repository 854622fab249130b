"""The SIMULATED cohort's SLEDAI-2K and PGA columns, and SRI-4/BICLA on it."""

from __future__ import annotations

from lupus_teach.data import load_cohort, load_manifest, load_published
from lupus_teach.response import classify_response
from lupus_teach.sledai import visit_activity
from lupus_teach.visits import read_visits


def _activity():
    return visit_activity(read_visits(load_cohort("visits")))


def test_rows_1_to_13_start_at_their_table_1_sledai():
    activity = _activity().set_index(["patient_id", "month"])
    for row in load_published("patients").itertuples():
        assert activity.loc[(f"P{row.patient:02d}", 0), "sledai"] == row.baseline_sledai


def test_sledai_falls_after_transplantation_as_the_abstract_says():
    """'SLEDAI scores significantly decreased at 3, 6, 9 and 12 months': every later mean is
    below the baseline mean (the simulation is built to show it)."""
    means = _activity().groupby("month")["sledai"].mean()
    assert all(means[m] < means[0] - 2 for m in (3, 6, 9, 12))
    patients = load_cohort("patients").set_index("patient_id")["baseline_sledai"]
    baseline = _activity().query("month == 0").set_index("patient_id")["sledai"]
    assert (baseline == patients.loc[baseline.index]).all()


def test_pga_is_on_its_scale_and_every_visit_has_both():
    activity = _activity()
    assert activity["pga"].between(0, 3).all() and activity["sledai"].between(0, 105).all()
    assert activity[["sledai", "pga"]].notna().all().all()


def test_manifest_says_the_activity_columns_are_simulated():
    fields = {f["name"]: f for r in load_manifest()["resources"] if r["name"] == "cohort_visits"
              for f in r["schema"]["fields"]}
    assert "SIMULATED" in fields["sledai"]["description"]
    assert "SIMULATED" in fields["pga"]["description"]


def test_sri4_and_full_bicla_run_on_the_cohort_and_both_implementations_agree():
    visits = read_visits(load_cohort("visits"))
    for name in ("sri4", "bicla"):
        fast = classify_response(visits, name, validate=False)
        slow = classify_response(visits, name, validate=False, method="reference")
        assert fast.equals(slow), name
        assert set(fast["response"]) <= {"responder", "NR"}
    assert classify_response(visits, "bicla", validate=False)["reason"].str.contains(
        r"\(BICLA\)").all()


def test_report_section_shows_sri4_and_bicla_rates_and_the_sledai_chart(tmp_path):
    from lupus_teach.report import ReportData

    visits = load_cohort("visits")
    path = tmp_path / "cohort.csv"
    visits.to_csv(path, index=False)
    data = ReportData.load(str(path), rendered_at="2024-01-01")
    html = data.composite_html()
    sri4 = classify_response(visits, "sri4")
    count = int((sri4["response"] == "responder").sum())
    assert "SRI-4 (Furie et al. 2009)</td>" in html and f"<td>{count}</td>" in html
    assert "BICLA, full definition (Wallace et al. 2014)" in html
    assert "95% CI (Wilson)" in html and "<svg" in html
    assert "treatment-failure part was not assessed" in html
    assert "sledai" not in data.ignored
    grades_only = tmp_path / "grades.csv"
    visits.drop(columns=["sledai", "pga"]).to_csv(grades_only, index=False)
    assert ReportData.load(str(grades_only), rendered_at="2024-01-01").composite_html() == ""


def test_sledai_trajectory_chart_has_titles_units_palette_and_description():
    from lupus_teach.plots import OKABE_ITO, chart_description, sledai_trajectory

    visits = load_cohort("visits")
    groups = classify_response(visits, "sri4").set_index("patient_id")["response"]
    chart = sledai_trajectory(visits, groups=groups)
    spec = chart.to_dict()
    assert spec["title"] == "SLEDAI-2K over time (mean, 95% CI)"
    line = spec["layer"][-1]["encoding"]
    assert line["x"]["title"] == "Month since first infusion"
    assert line["y"]["title"] == "SLEDAI-2K (points, 0-105)"
    assert line["color"]["scale"]["range"] == list(OKABE_ITO[:2])
    text = chart_description(chart)
    means = _activity().assign(group=lambda t: t["patient_id"].map(groups))
    mean0 = means.query("month == 0 and group == 'NR'")["sledai"].mean()
    assert f"NR: mean {round(mean0, 1):g} at month 0" in text
    assert "40 patients" in text
