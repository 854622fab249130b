"""The data package: manifest validation, packaged copy, loaders, headline figures."""

from __future__ import annotations

import inspect
import json
import shutil
from pathlib import Path

import pytest

import lupus_teach.data as data_module
import lupus_teach.simulate as simulate_module
from lupus_teach.data import (
    PUBLISHED_NAMES,
    headline_figures,
    list_published,
    load_cohort,
    load_manifest,
    load_published,
    package_copy_differences,
    published_figures,
    validate_file,
    validate_package,
)
from lupus_teach.errors import UnknownNameError

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def test_every_file_validates_against_the_manifest():
    assert validate_package(DATA) == []
    assert validate_package() == []


def test_package_copy_is_identical_to_data_folder():
    assert package_copy_differences() == [], (
        "lupus_teach/_data differs from data/: run `python -m lupus_teach.data --sync`")


def test_headline_figures_of_the_shipped_cohort_equal_the_published_ones():
    figures = headline_figures(load_cohort("visits"), load_cohort("patients"),
                               load_cohort("markers"))
    published = published_figures()
    assert set(figures) == set(published)
    for key, value in published.items():
        assert figures[key] == value, key


def test_published_figures_are_read_from_the_csvs():
    outcomes = load_published("outcomes").set_index(["outcome", "month"])
    assert published_figures()["mcr"] == outcomes.loc[("MCR", 12), "count"]
    protein = load_published("markers_over_time").set_index("month")["value"]
    assert published_figures()["proteinuria_6"] == protein[6]


def test_every_published_value_has_a_source():
    for name in PUBLISHED_NAMES:
        table = load_published(name)
        assert "source" in table.columns, name
        assert (table["source"].str.len() > 0).all(), name
    assert set(load_published("patients")["source"]) == {"Table 1"}
    assert set(load_published("adverse_events")["source"]) == {"Table 2"}


def test_patients_holds_only_the_13_recoverable_rows_of_table_1():
    patients = load_published("patients")
    assert patients["patient"].tolist() == list(range(1, 14))
    resource = next(r for r in load_manifest()["resources"] if r["name"] == "patients")
    assert "rows 1-13 ONLY" in resource["description"]


def test_abbreviations_are_marked_assumed():
    table = load_published("abbreviations").set_index("abbreviation")
    assert table.loc["LN", "bilag_system"] == "renal"
    assert table.loc["P", "bilag_system"] == "cardiorespiratory"
    assert table.loc["A", "status"] == "assumed (footnote not retrievable in stored copies)"


def test_table_2_numbering_conflict_is_flagged():
    events = load_published("adverse_events")
    note = events.loc[events["table2_patient"] == 9, "note"].item()
    assert "never join" in note


def test_tapering_denominator_is_an_assumption():
    taper = load_published("treatment_tapering").set_index("treatment")
    assert taper.loc["steroids_tapered", "denominator"] == 37
    assert "assume" in taper.loc["steroids_tapered", "assumption"]


def test_list_published_names_every_published_table():
    table = list_published()
    assert tuple(table["name"]) == PUBLISHED_NAMES
    assert table["source"].str.len().gt(0).all()


def test_unknown_names_raise():
    with pytest.raises(UnknownNameError):
        load_published("cohort")
    with pytest.raises(UnknownNameError):
        load_cohort("doctors")


def test_cohort_tables_say_they_are_simulated():
    for part in ("visits", "patients", "markers"):
        table = load_cohort(part)
        assert table.attrs["simulated"] is True
        assert table.attrs["note"].startswith("SIMULATED")
    for resource in load_manifest()["resources"]:
        if resource["path"].startswith("cohort/"):
            assert resource["simulated"] is True
            assert resource["generator"] == "lupus_teach.simulate"
            assert resource["seed"] == simulate_module.DEFAULT_SEED
        else:
            assert resource["simulated"] is False


def test_docstrings_showing_the_cohort_say_simulated():
    for obj in (data_module, data_module.load_cohort, data_module.headline_figures,
                simulate_module, simulate_module.simulate_cohort):
        assert "SIMULATED" in inspect.getdoc(obj), obj


def test_validate_file_reports_columns_types_and_required():
    resource = {"path": "x.csv", "schema": {"fields": [
        {"name": "n", "type": "integer", "constraints": {"required": True}},
        {"name": "flag", "type": "boolean"}]}}
    assert validate_file("n,flag\n1,true\n,\nx,yes\n", resource) == [
        "x.csv, row 3, column 'n': required value is empty",
        "x.csv, row 4, column 'n': 'x' is not a integer",
        "x.csv, row 4, column 'flag': 'yes' is not a boolean",
    ]
    assert "differ from the manifest" in validate_file("flag,n\n", resource)[0]


def test_validate_package_catches_undeclared_and_broken_files(tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    (copy / "published" / "extra.csv").write_text("a\n1\n", encoding="utf-8")
    outcomes = copy / "published" / "outcomes.csv"
    outcomes.write_text(outcomes.read_text(encoding="utf-8").replace(",13,40,", ",13.5,40,"),
                        encoding="utf-8")
    manifest = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    simulated = next(r for r in manifest["resources"] if r["simulated"])
    del simulated["generator"]
    (copy / "datapackage.json").write_text(json.dumps(manifest), encoding="utf-8")
    problems = validate_package(copy)
    assert any("extra.csv: not declared" in p for p in problems)
    assert any("'13.5' is not a integer" in p for p in problems)
    assert any("needs 'generator' and 'seed'" in p for p in problems)


def test_package_copy_differences_detects_a_change(tmp_path):
    left, right = tmp_path / "a", tmp_path / "b"
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")  # a source tree
    shutil.copytree(DATA, left)
    shutil.copytree(DATA, right)
    assert package_copy_differences(left, right) == []
    (right / "README.md").write_text("changed\n", encoding="utf-8")
    (left / "new.txt").write_text("x\n", encoding="utf-8")
    assert package_copy_differences(left, right) == [
        "only in a/: new.txt", "differs: README.md"]
    (tmp_path / "pyproject.toml").unlink()  # an installed wheel: nothing to compare
    assert package_copy_differences(left, right) == []
