"""Every notebook in ``notebooks/`` runs in a fresh kernel and is committed clean.

The notebooks are collected when the tests are collected, so a notebook added
later is tested without editing this file. Lesson notebooks (``01_...`` and
up) must also have the lesson structure: a title, learning objectives, a
summary and self-check questions (each section a Markdown heading or a
bold lead-in at the start of a line). ``00_...`` notebooks are development
samples, not lessons, and only have to run and be clean.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
LESSONS = [p for p in NOTEBOOKS if re.match(r"\d\d_", p.name) and not p.name.startswith("00_")]
REQUIRED_SECTIONS = ("Learning objectives", "Summary", "Check your understanding")

pytestmark = pytest.mark.notebooks


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_in_a_fresh_kernel(path: Path) -> None:
    notebook = _read(path)
    client = NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    for number, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"{path.name}, cell {number}"
            if output["output_type"] == "stream" and output["name"] == "stderr":
                assert "Warning" not in output["text"], (
                    f"{path.name}, cell {number} printed a warning:\n{output['text']}"
                )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    notebook = _read(path)
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [], f"{path.name}, cell {number} has outputs: clear them"
        assert cell.execution_count is None, (
            f"{path.name}, cell {number} has an execution count: clear outputs before committing"
        )


@pytest.mark.parametrize("path", LESSONS, ids=_ids(LESSONS))
def test_lesson_has_title_objectives_summary_and_questions(path: Path) -> None:
    notebook = _read(path)
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and re.match(r"# \S", first.source), (
        f"{path.name}: the first cell must be a Markdown title ('# ...')"
    )
    lines = [
        line.strip()
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
    ]
    for section in REQUIRED_SECTIONS:
        # a heading ("## Summary") or a bold lead-in ("**Learning objectives.** ...")
        pattern = re.compile(rf"^(#{{1,6}}\s+|\*\*){re.escape(section)}\b", re.IGNORECASE)
        assert any(pattern.match(line) for line in lines), (
            f"{path.name}: no '{section}' section (a heading '## {section}' or a bold "
            f"'**{section}.**' at the start of a line)"
        )
