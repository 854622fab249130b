"""Tests of the ``lupus-teach`` command line.

A few tests run the installed entry point in a subprocess (the real thing a
user types, about a second each); the rest call ``lupus_teach.cli.main``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lupus_teach.cli import main

BROKEN = Path(__file__).parent / "broken_csv"
EXPECTED = {
    name: entry
    for name, entry in json.loads((BROKEN / "expected.json").read_text("utf-8")).items()
    if not name.startswith("_")
}
ENTRY_POINT = Path(sys.executable).parent / "lupus-teach"
CLASSIC = ["general", "mucocutaneous", "neurological", "musculoskeletal",
           "cardiorespiratory", "vasculitis", "renal", "haematological"]


def good_csv(tmp_path: Path) -> Path:
    """Two patients; p1 seen at months 0, 3 and 6, p2 at months 0 and 6: 5 visits."""
    visits = [("p1", 0), ("p1", 3), ("p1", 6), ("p2", 0), ("p2", 6)]
    lines = ["patient_id,month,system,grade"] + [
        f"{patient},{month},{system},C" for patient, month in visits for system in CLASSIC
    ]
    path = tmp_path / "good.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    assert ENTRY_POINT.exists(), f"the entry point is not installed at {ENTRY_POINT}"
    return subprocess.run(
        [str(ENTRY_POINT), *args], capture_output=True, text=True, timeout=120, check=False
    )


# --------------------------------------------------------------------------
# The installed entry point (subprocess)
# --------------------------------------------------------------------------


def test_entry_point_good_file(tmp_path):
    path = good_csv(tmp_path)
    result = run("validate", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"{path}: valid, 2 patients, 5 visits, months seen: 0, 3, 6 (classic BILAG)\n"
    )
    assert result.stderr == ""


def test_entry_point_broken_file():
    path = BROKEN / "many_problems.csv"
    result = run("validate", str(path))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert f"found {len(EXPECTED['many_problems.csv']['problems'])} problems" in result.stdout
    for fragments in EXPECTED["many_problems.csv"]["problems"]:
        assert any(all(f in line for f in fragments) for line in result.stdout.splitlines())


def test_entry_point_help_and_bad_command_line():
    result = run("--help")
    assert result.returncode == 0
    assert "validate" in result.stdout and "check a BILAG CSV file" in result.stdout
    bad = run("no-such-command")
    assert bad.returncode == 2
    assert "Traceback" not in bad.stdout + bad.stderr
    assert "invalid choice" in bad.stderr


# --------------------------------------------------------------------------
# main() in process
# --------------------------------------------------------------------------


def test_validate_good_file_one_line(tmp_path, capsys):
    path = good_csv(tmp_path)
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert "2 patients" in out and "5 visits" in out and "months seen: 0, 3, 6" in out


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_validate_each_broken_file(name, capsys):
    path = BROKEN / name
    assert main(["validate", str(path)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    problems = EXPECTED[name]["problems"]
    lines = [line for line in captured.out.splitlines() if line.startswith("  - ")]
    assert len(lines) == len(problems), captured.out
    for fragments in problems:
        assert any(all(f in line for f in fragments) for line in lines), (fragments, lines)


def test_validate_missing_file(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "absent.csv")]) == 1
    assert "no such file" in capsys.readouterr().out


def test_index_option_forces_the_version(tmp_path, capsys):
    path = good_csv(tmp_path)
    assert main(["validate", str(path), "--index", "2004"]) == 1
    out = capsys.readouterr().out
    # every classic-only system is now unknown, and each visit lacks the 2004 ones
    assert "value 'vasculitis': unknown BILAG-2004 organ system" in out
    assert "missing: constitutional, neuropsychiatric, gastrointestinal, ophthalmic" in out
    assert main(["validate", str(path), "--index", "classic"]) == 0


def test_index_option_resolves_a_mixed_file(capsys):
    path = BROKEN / "mixed_versions.csv"
    assert main(["validate", str(path), "--index", "classic"]) == 1
    out = capsys.readouterr().out
    assert "mixes" not in out
    assert "value 'ophthalmic'" in out


@pytest.mark.parametrize(
    "argv",
    [[], ["validate"], ["validate", "a.csv", "--index", "2010"], ["frobnicate"], ["--nope"]],
)
def test_bad_command_line_exits_2(argv, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "usage:" in captured.err
    assert "Traceback" not in captured.out + captured.err


def test_help_lists_commands_one_line_each(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "validate  check a BILAG CSV file against the data contract" in out
    assert main(["validate", "--help"]) == 0
    assert "--index" in capsys.readouterr().out


def test_unexpected_error_is_not_a_traceback(tmp_path, capsys, monkeypatch):
    import lupus_teach.visits

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(lupus_teach.visits, "read_visits", broken)
    assert main(["validate", str(good_csv(tmp_path))]) == 3
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert "RuntimeError: boom" in captured.err and "--debug" in captured.err


def test_a_broken_command_module_does_not_break_validate(tmp_path, capsys, monkeypatch):
    import lupus_teach.commands

    def registrars():
        raise ImportError("cannot import name 'x'")

    monkeypatch.setattr(lupus_teach.commands, "registrars", registrars)
    assert main(["validate", str(good_csv(tmp_path))]) == 0
    captured = capsys.readouterr()
    assert "valid, 2 patients" in captured.out
    assert "could not be loaded" in captured.err and "Traceback" not in captured.err
