"""Tests of lupus_teach.plots: valid Vega-Lite, titles, units, descriptions, offline rendering."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import altair as alt
import pandas as pd
import pytest
import vl_convert as vlc

from lupus_teach import plots, stats
from lupus_teach.bilag import GRADE_ORDER, system_names
from lupus_teach.errors import DataValidationError, UnknownNameError

SYSTEMS = list(system_names("classic"))

# Patient p01, a lupus nephritis flare that settles: renal A at baseline, C at
# month 6 and D at month 12; mucocutaneous B improving to C and then D.
P01 = {0: "CBEEEEAC", 6: "DCEEEECD", 12: "DDEEEEDD"}
# Patient p02 worsens: haematological C at baseline becomes B at month 6.
P02 = {0: "CCEEEECC", 6: "CCEEEECB", 12: "CCEEEECB"}


def make_visits(patients: dict[str, dict[int, str]]) -> pd.DataFrame:
    rows = [
        {"patient_id": pid, "month": month, "system": system, "grade": grade}
        for pid, visits in patients.items()
        for month, grades in visits.items()
        for system, grade in zip(SYSTEMS, grades, strict=True)
    ]
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def one_patient() -> pd.DataFrame:
    return make_visits({"p01": P01})


@pytest.fixture(scope="module")
def two_patients() -> pd.DataFrame:
    return make_visits({"p01": P01, "p02": P02})


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    # Wang et al. 2014 at 12 months: 13 MCR, 11 PCR, 16 without a response, of 40.
    return pd.DataFrame({"response": ["MCR"] * 13 + ["PCR"] * 11 + ["none"] * 16})


@pytest.fixture(scope="module")
def markers() -> pd.DataFrame:
    values = {  # proteinuria (g/24 h) at months 0, 6, 12; p3 misses month 6
        "p1": [3.2, 1.5, 0.8],
        "p2": [2.1, 1.9, 1.0],
        "p3": [4.0, None, 2.2],
    }
    rows = [
        {"patient_id": pid, "month": month, "marker": "proteinuria", "value": v}
        for pid, series in values.items()
        for month, v in zip([0, 6, 12], series, strict=True)
    ]
    rows += [{"patient_id": "p1", "month": 0, "marker": "c3", "value": 0.5}]
    return pd.DataFrame(rows)


def build_all(one_patient, two_patients, cohort, markers):
    sim = stats.regression_to_mean_simulation(150, seed=2, keep_all=True)
    return {
        "grade_heatmap": plots.grade_heatmap(one_patient),
        "grade_heatmap_facets": plots.grade_heatmap(two_patients),
        "transition_heatmap": plots.transition_heatmap(two_patients, 0, 6),
        "response_bar": plots.response_bar(cohort, categories=["MCR", "PCR", "none"]),
        "marker_trajectory": plots.marker_trajectory(markers, "proteinuria"),
        "survival_curve": plots.survival_curve(
            stats.kaplan_meier([2, 3, 3, 5, 8, 12], [1, 1, 0, 1, 0, 0]), event="relapse"
        ),
        "rtm_scatter": plots.rtm_scatter(sim),
    }


@pytest.fixture(scope="module")
def charts(one_patient, two_patients, cohort, markers):
    return build_all(one_patient, two_patients, cohort, markers)


# --------------------------------------------------------------------------
# helpers that walk a Vega-Lite spec
# --------------------------------------------------------------------------


def walk(node):
    """Every dict inside a spec."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def position_channels(spec):
    """(channel, definition) for every x/y encoding in the spec."""
    for node in walk(spec):
        encoding = node.get("encoding")
        if isinstance(encoding, dict):
            for channel in ("x", "y"):
                if channel in encoding:
                    yield channel, encoding[channel]


def inline_rows(spec):
    """All inline data rows of a spec (consolidated into top-level datasets)."""
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


# --------------------------------------------------------------------------
# every builder
# --------------------------------------------------------------------------

BUILDERS = [
    "grade_heatmap", "grade_heatmap_facets", "transition_heatmap", "response_bar",
    "marker_trajectory", "survival_curve", "rtm_scatter",
]


@pytest.mark.parametrize("name", BUILDERS)
def test_chart_is_valid_titled_and_described(charts, name):
    chart = charts[name]
    spec = chart.to_dict()  # altair validates against the Vega-Lite schema here
    assert isinstance(spec["title"], str) and spec["title"]
    assert isinstance(spec["description"], str) and len(spec["description"]) > 40
    assert plots.chart_description(chart) == spec["description"]


@pytest.mark.parametrize("name", BUILDERS)
def test_axes_are_titled_and_quantities_have_units(charts, name):
    spec = charts[name].to_dict()
    channels = list(position_channels(spec))
    assert channels
    for _channel, definition in channels:
        title = definition.get("title")
        assert isinstance(title, str) and title, definition
        if definition.get("type") == "quantitative" and title != plots.MONTH_TITLE:
            assert "(" in title and title.endswith(")"), f"no unit in axis title {title!r}"


@pytest.mark.parametrize("name", BUILDERS)
def test_data_are_inline_never_urls(charts, name):
    spec = charts[name].to_dict()
    assert not any("url" in node for node in walk(spec))
    assert inline_rows(spec)


def test_specific_axis_titles(charts):
    titles = {
        name: {d["title"] for _c, d in position_channels(charts[name].to_dict())}
        for name in BUILDERS
    }
    assert titles["grade_heatmap"] == {"Month since first infusion", "Organ system (BILAG)"}
    assert "Patients (%)" in titles["response_bar"]
    assert titles["marker_trajectory"] == {
        "Month since first infusion", "24-h proteinuria (g/24 h)"
    }
    assert titles["survival_curve"] == {
        "Time since first infusion (months)", "Survival probability (%)"
    }
    assert titles["rtm_scatter"] == {"Screening score (points)", "Follow-up score (points)"}
    assert titles["transition_heatmap"] == {"Grade at month 0", "Grade at month 6"}


def test_building_charts_changes_no_global_altair_setting(one_patient, two_patients, cohort,
                                                           markers):
    before = (alt.theme.active, alt.data_transformers.active,
              dict(alt.data_transformers.options), alt.renderers.active)
    build_all(one_patient, two_patients, cohort, markers)
    after = (alt.theme.active, alt.data_transformers.active,
             dict(alt.data_transformers.options), alt.renderers.active)
    assert before == after


def test_importing_plots_changes_no_global_altair_setting():
    code = textwrap.dedent(
        """
        import altair as alt
        state = lambda: (alt.theme.active, alt.data_transformers.active,
                         dict(alt.data_transformers.options), alt.renderers.active)
        before = state()
        import lupus_teach.plots
        assert state() == before, (before, state())
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------
# grade heat-map
# --------------------------------------------------------------------------


def test_heatmap_colour_domain_is_grades_in_order(charts):
    spec = charts["grade_heatmap"].to_dict()
    colour = spec["layer"][0]["encoding"]["color"]
    assert colour["scale"]["domain"] == ["A", "B", "C", "D", "E"]
    assert colour["scale"]["range"] == [plots.GRADE_COLOURS[g] for g in GRADE_ORDER]
    assert colour["legend"]["values"] == ["A", "B", "C", "D", "E"]
    assert list(plots.GRADE_COLOURS) == list(GRADE_ORDER)


def test_grade_palette_gets_lighter_from_a_to_e():
    def luminance(hex_colour: str) -> float:
        r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    values = [luminance(plots.GRADE_COLOURS[g]) for g in GRADE_ORDER]
    assert values == sorted(values) and len(set(values)) == 5


def test_heatmap_rows_are_systems_in_index_order_with_letters(charts):
    spec = charts["grade_heatmap"].to_dict()
    rect, text = spec["layer"]
    assert rect["encoding"]["y"]["sort"] == [
        "General", "Mucocutaneous", "Neurological", "Musculoskeletal",
        "Cardiovascular and respiratory", "Vasculitis", "Renal", "Haematological",
    ]
    assert text["mark"]["type"] == "text" and text["encoding"]["text"]["field"] == "grade"
    assert {t["field"] for t in rect["encoding"]["tooltip"]} >= {"grade", "meaning", "month"}
    rows = inline_rows(spec)
    renal = {r["month"]: r["grade"] for r in rows if r["system"] == "renal"}
    assert renal == {0: "A", 6: "C", 12: "D"}
    assert "month 0 A (Renal)" in spec["description"]


def test_heatmap_one_patient_from_several(two_patients):
    chart = plots.grade_heatmap(two_patients, patient_id="p02")
    rows = inline_rows(chart.to_dict())
    assert {r["patient_id"] for r in rows} == {"p02"}
    assert "patient p02" in chart.to_dict()["title"]


def test_heatmap_small_multiples_limited_to_max_patients():
    many = make_visits({f"p{i:02d}": P01 for i in range(1, 6)})
    chart = plots.grade_heatmap(many, max_patients=3)
    spec = chart.to_dict()
    assert "facet" in spec and spec["facet"]["field"] == "patient_id"
    assert {r["patient_id"] for r in inline_rows(spec)} == {"p01", "p02", "p03"}
    assert "first 3 of 5" in spec["title"]
    assert "first 3 of 5" in spec["description"]


def test_heatmap_unknown_patient_lists_patients(two_patients):
    with pytest.raises(UnknownNameError, match="Choose one of: p01, p02"):
        plots.grade_heatmap(two_patients, patient_id="p99")


def test_heatmap_validates_the_contract():
    bad = make_visits({"p01": {0: "CBEEEEAC"}})
    bad.loc[3, "grade"] = "F"
    with pytest.raises(DataValidationError, match="not a BILAG grade"):
        plots.grade_heatmap(bad)


# --------------------------------------------------------------------------
# transitions
# --------------------------------------------------------------------------


def test_transition_counts_pooled_over_systems_and_patients(two_patients):
    chart = plots.transition_heatmap(two_patients, 0, 6)
    rows = inline_rows(chart.to_dict())
    assert len(rows) == 25  # every pair of grades, zeros included
    counts = {(r["grade_from"], r["grade_to"]): r["count"] for r in rows}
    # p01: general C->D, mucocutaneous B->C, renal A->C, haematological C->D, 4 x E->E
    # p02: general, mucocutaneous and renal C->C, haematological C->B, 4 x E->E
    assert counts[("A", "C")] == 1
    assert counts[("B", "C")] == 1
    assert counts[("C", "D")] == 2
    assert counts[("C", "B")] == 1
    assert counts[("C", "C")] == 3
    assert counts[("E", "E")] == 8
    assert sum(counts.values()) == 16
    change = {(r["grade_from"], r["grade_to"]): r["change"] for r in rows}
    assert change[("C", "B")] == "worsened" and change[("E", "D")] == "same"
    assert "4 improved, 11 were unchanged and 1 worsened" in chart.to_dict()["description"]


def test_transition_unknown_month_lists_months(two_patients):
    with pytest.raises(UnknownNameError, match="Choose one of: 0, 6, 12"):
        plots.transition_heatmap(two_patients, 0, 3)


# --------------------------------------------------------------------------
# response bar
# --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["wilson", "exact"])
def test_response_bar_numbers_equal_response_proportions(cohort, method):
    chart = plots.response_bar(cohort, categories=["MCR", "PCR", "none"], method=method)
    rows = inline_rows(chart.to_dict())
    expected = stats.response_proportions(
        cohort, categories=["MCR", "PCR", "none"], method=method
    )
    assert [r["category"] for r in rows] == expected["category"].tolist()
    for row, exp in zip(rows, expected.itertuples(), strict=True):
        assert row["count"] == exp.count and row["n"] == exp.n
        assert row["lower"] == pytest.approx(exp.lower, rel=1e-12)
        assert row["upper"] == pytest.approx(exp.upper, rel=1e-12)
        assert row["lower_pct"] == pytest.approx(100 * exp.lower, rel=1e-12)
        assert row["upper_pct"] == pytest.approx(100 * exp.upper, rel=1e-12)
        assert row["percent"] == pytest.approx(100 * exp.proportion, rel=1e-12)


def test_response_bar_labels_and_error_bars(cohort):
    spec = plots.response_bar(cohort, categories=["MCR", "PCR", "none"]).to_dict()
    assert [r["label"] for r in inline_rows(spec)] == ["13 (32.5%)", "11 (27.5%)", "16 (40%)"]
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["bar", "errorbar", "text"]
    errorbar = spec["layer"][1]["encoding"]
    assert (errorbar["y"]["field"], errorbar["y2"]["field"]) == ("lower_pct", "upper_pct")
    assert "MCR 13 (32.5%, 95% CI 20.1% to 48%)" in spec["description"]


# --------------------------------------------------------------------------
# markers, survival, regression to the mean
# --------------------------------------------------------------------------


def test_marker_trajectory_mean_and_band(markers):
    spec = plots.marker_trajectory(markers, "proteinuria").to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["line", "area", "line"]  # individuals, band, mean
    summary = [r for r in inline_rows(spec) if "mean" in r]
    by_month = {r["month"]: r for r in summary}
    assert by_month[0]["mean"] == pytest.approx((3.2 + 2.1 + 4.0) / 3)
    assert by_month[6]["n"] == 2  # p3's missing value is left out
    sd0 = pd.Series([3.2, 2.1, 4.0]).std()
    assert by_month[0]["upper"] - by_month[0]["mean"] == pytest.approx(sd0)


def test_marker_trajectory_without_individuals_and_with_ci(markers):
    spec = plots.marker_trajectory(
        markers, "proteinuria", show_individuals=False, spread="ci"
    ).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["area", "line"]
    assert "95% CI of the mean" in spec["description"]


def test_marker_units_cover_the_studys_markers():
    assert plots.MARKER_UNITS["proteinuria"] == "g/24 h"
    assert plots.MARKER_UNITS["albumin"] == "g/L"
    assert plots.MARKER_UNITS["c3"] == "g/L"
    assert plots.MARKER_UNITS["anti_dsdna"] == "IU/mL"
    assert plots.MARKER_UNITS["creatinine"] == "µmol/L"
    assert plots.MARKER_UNITS["steroid_dose"] == "mg/day prednisone"
    assert set(plots.MARKER_LABELS) == set(plots.MARKER_UNITS)


def test_marker_trajectory_errors(markers):
    with pytest.raises(UnknownNameError, match="Choose one of: c3, proteinuria"):
        plots.marker_trajectory(markers, "esr")
    odd = markers.assign(marker="esr")
    with pytest.raises(UnknownNameError, match="Pass its unit"):
        plots.marker_trajectory(odd, "esr")
    spec = plots.marker_trajectory(odd, "esr", unit="mm/h").to_dict()
    assert any(d["title"] == "Esr (mm/h)" for _c, d in position_channels(spec))
    with pytest.raises(DataValidationError, match="column 'value'"):
        plots.marker_trajectory(markers.drop(columns="value"), "proteinuria")


def test_survival_curve_is_a_step_chart_of_the_estimate():
    km = stats.kaplan_meier([2, 3, 3, 5, 8, 12], [1, 1, 0, 1, 0, 0])
    spec = plots.survival_curve(km, title="Time to relapse", event="relapse").to_dict()
    assert spec["title"] == "Time to relapse"
    band, line, censor = spec["layer"]
    assert band["mark"]["interpolate"] == line["mark"]["interpolate"] == "step-after"
    assert censor["mark"]["shape"] == "cross"
    rows = inline_rows(spec)
    assert [r["survival_pct"] for r in rows] == pytest.approx(100 * km["survival"].to_numpy())
    assert rows[0]["time"] == 0 and rows[0]["survival_pct"] == 100
    assert "6 patients with 3 relapses" in spec["description"]


def test_rtm_scatter_has_identity_line_and_threshold():
    sim = stats.regression_to_mean_simulation(150, seed=2, keep_all=True)
    spec = plots.rtm_scatter(sim).to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["circle", "line", "rule"]
    summary = stats.summarise_regression(sim)
    assert f"The {summary.n_selected} patients who entered the trial" in spec["description"]
    assert "at least 12 points" in spec["description"]


def test_rtm_scatter_when_nobody_enters():
    sim = stats.regression_to_mean_simulation(20, seed=0, entry_threshold=100, keep_all=True)
    spec = plots.rtm_scatter(sim).to_dict()
    assert "None entered the trial" in spec["description"]


def test_heatmap_bilag_2004_uses_its_own_labels():
    systems_2004 = list(system_names("2004"))
    visits = pd.DataFrame({"patient_id": "q1", "month": 0, "system": systems_2004,
                           "grade": list("CBEEAEECD")})
    spec = plots.grade_heatmap(visits).to_dict()
    sort = spec["layer"][0]["encoding"]["y"]["sort"]
    assert len(sort) == 9 and sort[4] == "Cardiorespiratory" and sort[0] == "Constitutional"


def test_chart_description_fallback():
    assert plots.chart_description(alt.Chart()) == "Chart (no description given)."


# --------------------------------------------------------------------------
# offline rendering
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["grade_heatmap", "grade_heatmap_facets", "response_bar",
                                  "transition_heatmap", "survival_curve"])
def test_renders_to_svg_offline(charts, name):
    svg = vlc.vegalite_to_svg(charts[name].to_json())
    assert svg.lstrip().startswith("<svg") and "</svg>" in svg
    title = charts[name].to_dict()["title"]
    assert title.split(" ")[0] in svg


def _shipped_charts() -> dict[str, alt.TopLevelMixin]:
    from lupus_teach import data
    from lupus_teach.response import classify_response

    visits = data.load_cohort("visits")
    patients = data.load_cohort("patients")
    markers = data.load_cohort("markers")
    times = data.survival_times(patients)
    charts = {
        "heatmap_one": plots.grade_heatmap(visits, patient_id="P01"),
        "heatmap_many": plots.grade_heatmap(visits),
        "response_bar": plots.response_bar(classify_response(visits, "wang2014")),
        "transitions": plots.transition_heatmap(visits, 0, 6),
        "survival": plots.survival_curve(stats.kaplan_meier(times["time"], times["died"])),
    }
    for marker in ("proteinuria", "albumin", "c3", "anti_dsdna"):
        charts[f"marker_{marker}"] = plots.marker_trajectory(markers, marker)
    return charts


def test_every_builder_gives_a_valid_spec_for_the_shipped_data():
    """Issue 5: every chart builder returns a valid Vega-Lite spec for the shipped data."""
    for name, chart in _shipped_charts().items():
        spec = chart.to_dict()  # validates against the Vega-Lite schema
        assert spec.get("description"), name
        title = spec.get("title")
        assert title and (title if isinstance(title, str) else title.get("text")), name


def test_heatmap_small_multiples_draw_a_month_axis_per_patient_only():
    """Three patients in two columns: each panel has its own month axis, so the empty
    fourth slot gets no axis of its own (a shared footer axis drew an empty panel)."""
    import pandas as pd

    from lupus_teach.bilag import system_names

    rows = [(p, m, s, "C") for p in ("p1", "p2", "p3") for m in (0, 6)
            for s in system_names("classic")]
    chart = plots.grade_heatmap(pd.DataFrame(rows, columns=["patient_id", "month", "system",
                                                            "grade"]), columns=2)
    import vl_convert

    svg = vl_convert.vegalite_to_svg(chart.to_json())
    assert svg.count(">Month since first infusion<") == 3  # one per patient, not per column
