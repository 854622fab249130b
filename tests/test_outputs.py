"""No output ever destroys data (issue 11): lupus_teach.outputs and every writing command.

Each test fails on the code before issue 11, where ``classify -o visits.csv`` replaced its
input, ``simulate -o`` replaced existing files silently, a symlink at the output was written
through, and CSV cells such as ``=HYPERLINK(...)`` were written as they are.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from lupus_teach import outputs, report
from lupus_teach.cli import main
from lupus_teach.errors import OutputRefusedError
from lupus_teach.response import classify_response
from lupus_teach.visits import read_visits

SMALL = Path(__file__).parent / "report_fixtures" / "small_valid.csv"
HOSTILE_IDS = ["=HYPERLINK(\"http://x\",\"click\")", "+cmd|' /C calc'!A0", "@SUM(1)",
               "-2+3", "|pipe", "\tTAB", "\rCR"]


@pytest.fixture
def visits_file(tmp_path: Path) -> Path:
    path = tmp_path / "visits.csv"
    shutil.copyfile(SMALL, path)
    return path


def _same(path: Path) -> bool:
    return path.read_bytes() == SMALL.read_bytes()


# --------------------------------------------------------------------------
# never over an input (refused even with --force)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["plain", "force"])
def test_classify_refuses_to_write_over_its_input(visits_file: Path, force: list[str],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", str(visits_file), "-o", str(visits_file), *force]) == 1
    err = capsys.readouterr().err
    assert "is the input" in err and "even with --force" in err
    assert len(err.strip().splitlines()) == 1
    assert _same(visits_file)


def test_classify_refuses_a_symlink_to_its_input(visits_file: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to(visits_file)
    assert main(["classify", str(visits_file), "-o", str(link), "--force"]) == 1
    assert _same(visits_file) and link.is_symlink()


def test_classify_refuses_a_hard_link_to_its_input(visits_file: Path, tmp_path: Path) -> None:
    other = tmp_path / "sub"
    other.mkdir()
    link = other / "another_name.csv"
    os.link(visits_file, link)
    assert main(["classify", str(visits_file), "-o", str(link), "--force"]) == 1
    assert _same(visits_file)


def test_classify_refuses_the_input_by_another_spelling(visits_file: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(visits_file.parent)
    spelled = os.path.join(".", "sub", "..", visits_file.name)
    (visits_file.parent / "sub").mkdir()
    assert main(["classify", visits_file.name, "-o", spelled, "--force"]) == 1
    assert _same(visits_file)


def test_report_refuses_to_write_over_its_input(visits_file: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(visits_file), "-o", str(visits_file), "--force"]) == 1
    assert "is the input" in capsys.readouterr().err
    assert _same(visits_file)
    with pytest.raises(OutputRefusedError) as raised:
        report.render(visits_file, visits_file, overwrite=True)
    assert raised.value.reason == "input"
    assert _same(visits_file)


# --------------------------------------------------------------------------
# never replace silently
# --------------------------------------------------------------------------


def test_classify_refuses_an_existing_output_without_force(
        visits_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "responses.csv"
    out.write_text("keep me\n")
    assert main(["classify", str(visits_file), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err
    assert out.read_text() == "keep me\n"
    assert main(["classify", str(visits_file), "-o", str(out), "--force"]) == 0
    assert out.read_text().startswith("patient_id,response")


def test_simulate_refuses_to_replace_existing_data(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "real_visits.csv"
    real.write_text("precious,data\n")
    assert main(["simulate", "-o", str(real)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert real.read_text() == "precious,data\n"
    # nothing was written beside it either
    assert sorted(p.name for p in tmp_path.iterdir()) == ["real_visits.csv"]


def test_simulate_checks_every_file_before_writing_any(tmp_path: Path) -> None:
    from lupus_teach.simulate import _write, cohort_paths

    paths = cohort_paths(tmp_path / "c.csv")
    paths["markers"].write_text("old markers\n")
    frame = pd.DataFrame({"a": [1]})
    cohort = type("C", (), {part: frame for part in paths})()
    with pytest.raises(OutputRefusedError):
        _write(cohort, paths)
    assert [p.name for p in tmp_path.iterdir()] == ["c_markers.csv"]
    _write(cohort, paths, overwrite=True)
    assert paths["markers"].read_text() == "a\n1\n"


def test_report_render_refuses_an_existing_file_before_any_work(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    out.write_text("old report")
    with pytest.raises(OutputRefusedError) as raised:
        report.render(SMALL, out)
    assert raised.value.reason == "exists" and "overwrite=True" in str(raised.value)
    assert out.read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_release_refuses_an_existing_set_folder_without_force(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "03_flares"
    existing.mkdir()
    (existing / "notes.txt").write_text("marked work")
    code = main(["exercises", "release", "--out", str(tmp_path), "--only", "03",
                 "--no-run-tests"])
    assert code == 1
    assert "already exists" in capsys.readouterr().err
    assert (existing / "notes.txt").read_text() == "marked work"


# --------------------------------------------------------------------------
# temporary file, then rename: never half a file, never through a link
# --------------------------------------------------------------------------


def test_a_symlink_at_the_output_is_replaced_not_followed(visits_file: Path,
                                                          tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("not yours to change\n")
    link = tmp_path / "link.csv"
    link.symlink_to(elsewhere)
    assert main(["classify", str(visits_file), "-o", str(link), "--force"]) == 0
    assert elsewhere.read_text() == "not yours to change\n"
    assert not link.is_symlink()
    assert link.read_text().startswith("patient_id,response")


def test_an_interrupted_write_leaves_the_old_file_and_no_debris(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.txt"
    out.write_text("old")

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        outputs.write_text(out, "new " * 1000, force=True)
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_written_files_get_ordinary_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        path = outputs.write_text(tmp_path / "a.txt", "x")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644


def test_a_folder_holding_an_input_is_never_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    master = folder / "master.ipynb"
    master.write_text("{}")
    with pytest.raises(OutputRefusedError) as raised:
        with outputs.replace_directory(folder, inputs=[master], force=True):
            pass
    assert raised.value.reason == "input"
    assert master.read_text() == "{}"


def test_replace_directory_keeps_the_old_folder_when_the_work_fails(tmp_path: Path) -> None:
    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "old.txt").write_text("old")
    with pytest.raises(RuntimeError), outputs.replace_directory(folder, force=True) as work:
        (work / "half.txt").write_text("half")
        raise RuntimeError("otter failed")
    assert [p.name for p in folder.iterdir()] == ["old.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["set"]
    with outputs.replace_directory(folder, force=True) as work:
        (work / "new.txt").write_text("new")
    assert [p.name for p in folder.iterdir()] == ["new.txt"]


# --------------------------------------------------------------------------
# spreadsheet-safe CSV (OWASP): leading apostrophe on formula-like text
# --------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_formula_like_text_gets_an_apostrophe(value: str, tmp_path: Path) -> None:
    frame = pd.DataFrame({"patient_id": [value], "change": [-1.5], "count": [-2]})
    path = outputs.write_csv(tmp_path / "t.csv", frame)
    with open(path, encoding="utf-8", newline="") as handle:
        row = next(csv.DictReader(handle))
    assert row["patient_id"] == "'" + value
    assert row["change"] == "-1.5" and row["count"] == "-2"  # numbers untouched


def test_ordinary_text_is_untouched() -> None:
    frame = pd.DataFrame({"id": ["p1", "a=b", "x-1", "", None]}, dtype=object)
    assert outputs.spreadsheet_safe(frame)["id"].tolist() == ["p1", "a=b", "x-1", "", None]


def _hostile_visits(tmp_path: Path) -> Path:
    table = pd.read_csv(SMALL, dtype=str, keep_default_na=False)
    ids = list(dict.fromkeys(table["patient_id"]))
    mapping = dict(zip(ids, HOSTILE_IDS[:3] + ids[3:], strict=False))
    table["patient_id"] = table["patient_id"].map(mapping)
    path = tmp_path / "hostile.csv"
    table.to_csv(path, index=False)
    return path


def test_classify_output_file_and_stdout_are_spreadsheet_safe(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _hostile_visits(tmp_path)
    out = tmp_path / "responses.csv"
    assert main(["classify", str(source), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["classify", str(source)]) == 0
    for text in (out.read_text(), capsys.readouterr().out):
        ids = [row["patient_id"] for row in csv.DictReader(io.StringIO(text))]
        assert set(ids[:3]) == {"'" + v for v in HOSTILE_IDS[:3]}, ids
    # Python users get the raw values
    raw = classify_response(read_visits(source), "wang2014")
    assert set(raw["patient_id"][:3]) == set(HOSTILE_IDS[:3])
