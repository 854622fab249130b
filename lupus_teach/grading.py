"""Grade a class's exercise notebooks offline, without Docker: one row per submission.

:func:`grade_submissions` takes notebooks (``.ipynb``, or the ``.zip`` that a
student notebook's export cell makes) and runs each in a fresh kernel with
the autograder checks of its set, hidden ones included, exactly as Otter-Grader
does: Otter's own ``GradingPreprocessor`` puts Otter in grading mode, the
student's ``grader.check`` cells record their results, and every check not yet
run is run at the end. Only the execution is ours, with :mod:`nbclient`, so
that each notebook gets a time limit and several run at once (one process per
worker, :mod:`concurrent.futures`).

A submission that cannot be graded (not a notebook, bad JSON, another set, an
endless loop, a kernel that dies) gets a row whose ``note`` says why, with no
points; the others are graded as usual. A notebook whose cells raise errors is
graded all the same (its checks fail) and the note names the first error.

:func:`summary_html` turns the grades into a short page: mean points per
question and the distribution of totals as an Altair chart, drawn as inline
SVG by vl-convert so the page works offline.

Examples
--------
>>> rows = [GradeRow("a.ipynb", {"q1": 1.0, "q2": 0.0}, 1.0, 2.0),
...         GradeRow("b.ipynb", None, 0.0, 2.0, "not a notebook: bad JSON")]
>>> grades_table(rows, ["q1", "q2"]).columns.tolist()
['submission', 'q1', 'q2', 'total', 'possible', 'note']
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lupus_teach.errors import LupusTeachError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "Autograder",
    "GradeRow",
    "GradingError",
    "find_submissions",
    "grade_notebook",
    "grade_submissions",
    "grades_table",
    "load_autograder",
    "summary_html",
    "synthetic_submission",
]

#: Seconds a submission may run (kernel start-up included) before it is stopped.
DEFAULT_TIME_LIMIT = 120.0


#: First cell of every grading run. jsonschema (imported by nbformat, which Otter imports)
#: builds a parser for IRIs at import when the optional package rfc3987-syntax is installed:
#: seconds per kernel on this machine, for a format check that grading never uses. Marking the
#: package absent in the grading kernel makes jsonschema skip it (measured in
#: benchmarks/bench_grade.py); nothing else changes.
FAST_IMPORT_CELL = "import sys\n\nsys.modules.setdefault('rfc3987_syntax', None)"


class GradingError(LupusTeachError, ValueError):
    """The grading itself cannot start (no submissions, unknown set, bad autograder)."""


@dataclass(frozen=True)
class Autograder:
    """The checks of one exercise set, unpacked from its Otter autograder zip.

    Attributes
    ----------
    name : str
        The set (Otter's ``assignment_name``), e.g. ``"02_bilag_index"``.
    tests_dir : Path
        Folder of Otter's test files (``q1.py`` ...), hidden checks included.
    points : dict of str to float
        Points possible per question, in question order.
    """

    name: str
    tests_dir: Path
    points: dict[str, float]

    @property
    def questions(self) -> list[str]:
        """Question names in order (q1, q2, ..., q10)."""
        return list(self.points)

    @property
    def possible(self) -> float:
        """Points possible for the whole set."""
        return float(sum(self.points.values()))


@dataclass(frozen=True)
class GradeRow:
    """The grade of one submission; ``scores`` is ``None`` when it could not be graded."""

    submission: str
    scores: dict[str, float] | None
    total: float
    possible: float
    note: str = ""
    #: The executed student cells (only with ``grade_notebook(..., keep_outputs=True)``).
    cells: tuple[Any, ...] = field(default=(), compare=False, repr=False)


def _question_key(name: str) -> tuple[int, str]:
    digits = "".join(ch for ch in name if ch.isdigit())
    return (int(digits) if digits else 0, name)


def load_autograder(zip_path: str | os.PathLike[str], work_dir: str | os.PathLike[str]
                    ) -> Autograder:
    """Unpack an Otter autograder zip (from ``lupus-teach exercises release``) into ``work_dir``.

    Raises
    ------
    GradingError
        If the file is not an autograder zip with test files.
    """
    with warnings.catch_warnings():  # Otter's dependencies warn about things not ours to fix
        warnings.simplefilter("ignore", DeprecationWarning)
        from otter.nbmeta_config import NBMetadataConfig
        from otter.test_files import create_test_file

    archive = Path(zip_path)
    target = Path(work_dir) / "autograder"
    try:
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(target)
    except (OSError, zipfile.BadZipFile) as err:
        raise GradingError(f"{archive}: not an autograder zip ({err})") from None
    tests = sorted((target / "tests").glob("*.py"), key=lambda p: _question_key(p.stem))
    if not tests:
        raise GradingError(f"{archive}: no test files in the autograder zip")
    config_file = target / "otter_config.json"
    config = json.loads(config_file.read_text("utf-8")) if config_file.is_file() else {}
    name = str(config.get("assignment_name") or archive.stem.split("-autograder")[0])
    points = {}
    for test in tests:
        parsed = create_test_file(str(test), NBMetadataConfig())
        points[parsed.name] = float(parsed.possible)
    return Autograder(name, target / "tests", points)


def autograder_for_set(set_name: str, work_dir: str | os.PathLike[str]) -> Autograder:
    """Release one set's master into ``work_dir`` (no solution run) and load its autograder.

    ``set_name`` is a number (``"02"``) or a name (``"02_bilag_index"``).
    """
    from lupus_teach.errors import UnknownNameError
    from lupus_teach.exercises import masters, release

    available = {p.stem[:2]: p for p in masters()} | {p.stem: p for p in masters()}
    if set_name not in available:
        raise UnknownNameError("exercise set", set_name, [p.stem for p in masters()])
    folder = release(Path(work_dir) / "release", [available[set_name]], run_tests=False,
                     ship_package=False)[0]
    archive = next((folder / "autograder").glob("*-autograder_*.zip"))
    return load_autograder(archive, work_dir)


# --------------------------------------------------------------------------
# Submissions
# --------------------------------------------------------------------------


def find_submissions(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The notebooks and zip files named, or found (recursively) in the folders named.

    Checkpoint copies (``.ipynb_checkpoints``) and hidden files are skipped.

    Raises
    ------
    GradingError
        If a path does not exist, or nothing is found.
    """
    found: list[Path] = []
    missing = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for item in sorted(path.rglob("*")):
                parts = item.relative_to(path).parts
                if any(p.startswith(".") for p in parts) or not item.is_file():
                    continue
                if item.suffix in (".ipynb", ".zip"):
                    found.append(item)
        elif path.is_file():
            found.append(path)
        else:
            missing.append(str(path))
    if missing:
        raise GradingError(f"no such file or folder: {', '.join(missing)}")
    if not found:
        raise GradingError("no submissions found (looked for .ipynb and .zip files)")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return unique


def _labels(paths: Sequence[Path]) -> list[str]:
    """Short unique names for the rows: the file name, or more of the path if names repeat."""
    names = [p.name for p in paths]
    if len(set(names)) == len(names):
        return names
    common = Path(os.path.commonpath([str(p.parent) for p in paths]))
    return [str(p.relative_to(common)) for p in paths]


def _read_submission(path: Path, work: Path) -> tuple[Any | None, str]:
    """``(notebook, "")``, or ``(None, why it cannot be read)``."""
    import nbformat

    source = path
    if path.suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                inside = [n for n in zf.namelist() if n.endswith(".ipynb")
                          and not Path(n).name.startswith(".")]
                if len(inside) != 1:
                    return None, (f"the zip file holds {len(inside)} notebooks; expected one")
                source = work / "from_zip.ipynb"
                source.write_bytes(zf.read(inside[0]))
        except zipfile.BadZipFile:
            return None, "not a readable zip file"
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return None, f"the file cannot be read ({type(err).__name__})"
    try:
        return nbformat.reads(text, as_version=4), ""
    except Exception as err:  # nbformat raises several kinds for bad JSON / schema
        reason = str(err).splitlines()[0][:120] if str(err) else type(err).__name__
        return None, f"not a readable notebook (bad JSON or format: {reason})"


def _assignment_name(nb: Any) -> str:
    return str(nb.get("metadata", {}).get("otter", {}).get("assignment_name", ""))


def _first_error(cells: Sequence[Any]) -> str:
    """``"cell 3 raised NameError: ..."`` for the first cell with an error, or ``""``."""
    for number, cell in enumerate(cells, 1):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                value = " ".join(str(output.get("evalue", "")).split())[:100]
                return f"cell {number} raised {output.get('ename', 'an error')}: {value}"
    return ""


def grade_notebook(
    path: str | os.PathLike[str],
    autograder: Autograder,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    label: str | None = None,
    keep_outputs: bool = False,
) -> GradeRow:
    """Run one submission in a fresh kernel with the set's checks; never raises for bad input.

    Parameters
    ----------
    path : path
        A notebook or a zip file holding one notebook.
    autograder : Autograder
        The set's checks (:func:`load_autograder`).
    time_limit : float
        Seconds the whole run may take, kernel start-up included.
    label : str, optional
        The ``submission`` value of the row (default: the file name).
    keep_outputs : bool
        Keep the executed student cells in the row's ``cells`` (to read what
        the notebook displayed while it was graded).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from traitlets.config import Config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from otter.execute.preprocessor import GradingPreprocessor

    source = Path(path)
    label = label or source.name
    possible = autograder.possible

    def failed(why: str) -> GradeRow:
        return GradeRow(label, None, 0.0, possible, why)

    work = Path(tempfile.mkdtemp(prefix="lupus-grade-"))
    try:
        nb, why = _read_submission(source, work)
        if nb is None:
            return failed(why)
        name = _assignment_name(nb)
        if name and name != autograder.name:
            return failed(f"a notebook of set {name}, not {autograder.name}")
        run_dir = work / "run"
        run_dir.mkdir()
        nbformat.write(nb, run_dir / f"{autograder.name}.ipynb")
        results_path = work / "results.pkl"
        tests = [str(autograder.tests_dir / f"{q}.py") for q in autograder.questions]
        config = Config()
        host, port = _unused_port()
        pre = config.GradingPreprocessor
        pre.cwd, pre.test_dir, pre.tests_glob = str(run_dir), str(autograder.tests_dir), tests
        pre.results_path = str(results_path)
        pre.logging_server_host, pre.logging_server_port = host, port
        pre.force_python3_kernel = True
        pre.seed, pre.seed_variable, pre.otter_log, pre.variables = None, None, None, None
        grading = GradingPreprocessor(config=config)
        n_student = len(nb.cells)
        graded, _ = grading.preprocess(nb)
        graded.cells.insert(0, nbformat.v4.new_code_cell(FAST_IMPORT_CELL))
        first = len(graded.cells) - n_student - 1  # cells are added before and one after
        deadline = time.monotonic() + time_limit
        client = NotebookClient(
            graded, kernel_name="python3", allow_errors=True,
            timeout_func=lambda cell: max(1, int(deadline - time.monotonic())),
            startup_timeout=max(10, int(time_limit)),
            resources={"metadata": {"path": str(run_dir)}},
        )
        try:
            client.execute(stderr=subprocess.DEVNULL)  # the kernel's own warnings
        except CellTimeoutError:
            return failed(f"did not finish within {time_limit:g} s (an endless loop?)")
        except DeadKernelError:
            return failed("the kernel died while running the notebook")
        finally:
            grading.cleanup()
        student_cells = graded.cells[first:first + n_student]
        row = _row_from_results(label, results_path, student_cells, autograder)
        return replace(row, cells=tuple(student_cells)) if keep_outputs else row
    except Exception as err:  # a grading row must come back whatever the notebook does
        return failed(f"could not be graded: {type(err).__name__}: {str(err)[:120]}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _unused_port() -> tuple[str, int]:
    """A local port nobody listens on, for the debug logs of Otter's grading cell.

    Otter's grading cell sends its debug logs to a TCP server; Python's
    ``SocketHandler`` drops them silently when nothing listens. Grading does not
    need them, and Otter's own log server leaves its socket open.
    """
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return "127.0.0.1", probe.getsockname()[1]


def _row_from_results(label: str, results_path: Path, student_cells: list[Any],
                      autograder: Autograder) -> GradeRow:
    import pickle

    error = _first_error(student_cells)
    if not results_path.is_file() or results_path.stat().st_size == 0:
        return GradeRow(label, None, 0.0, autograder.possible,
                        error or "the checks did not run to the end")
    with results_path.open("rb") as handle:
        results = pickle.load(handle)
    scores = {}
    for question in autograder.questions:
        test = results.results.get(question)
        scores[question] = float(test.score) if test is not None else 0.0
    total = round(sum(scores.values()), 6)
    return GradeRow(label, scores, total, autograder.possible, error)


# --------------------------------------------------------------------------
# A class at once
# --------------------------------------------------------------------------


def _progress(total: int) -> Callable[[], None]:
    """A progress display on stderr: tqdm if installed, else a simple counter."""
    try:
        from tqdm import tqdm
    except ImportError:
        done = [0]

        def tick() -> None:
            done[0] += 1
            end = "\n" if done[0] == total else ""
            print(f"\rgraded {done[0]}/{total}", end=end, file=sys.stderr, flush=True)

        return tick
    bar = tqdm(total=total, unit="notebook", file=sys.stderr)

    def tick_tqdm() -> None:
        bar.update(1)
        if bar.n == total:
            bar.close()

    return tick_tqdm


@dataclass
class GradingRun:
    """The result of :func:`grade_submissions`: the set, the rows (in input order) and time."""

    autograder: Autograder
    rows: list[GradeRow] = field(default_factory=list)
    seconds: float = 0.0

    def table(self) -> pd.DataFrame:
        """The grades as a table (see :func:`grades_table`)."""
        return grades_table(self.rows, self.autograder.questions)


def infer_set(paths: Sequence[Path]) -> str:
    """The exercise set most submissions belong to (their Otter ``assignment_name``)."""
    names: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as work:
        for path in paths:
            nb, _ = _read_submission(path, Path(work))
            if nb is not None and _assignment_name(nb):
                names[_assignment_name(nb)] += 1
    if not names:
        raise GradingError("cannot tell which exercise set these submissions belong to; give "
                           "--set (e.g. --set 02) or --autograder ZIP")
    return names.most_common(1)[0][0]


def grade_submissions(
    paths: Iterable[str | os.PathLike[str]],
    *,
    set_name: str | None = None,
    autograder_zip: str | os.PathLike[str] | None = None,
    workers: int = 2,
    time_limit: float = DEFAULT_TIME_LIMIT,
    progress: bool = True,
) -> GradingRun:
    """Grade every submission found in ``paths``, ``workers`` at a time.

    Parameters
    ----------
    paths : paths
        Notebooks, zip files, or folders holding them.
    set_name : str, optional
        The exercise set (``"02"`` or ``"02_bilag_index"``); by default the
        set most submissions name in their metadata.
    autograder_zip : path, optional
        An autograder zip from ``lupus-teach exercises release``; by default
        the set's master is released afresh into a temporary folder.
    workers : int
        Notebooks graded at once (one process and one kernel each).
    time_limit : float
        Seconds each notebook may take.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    GradingRun
        The rows in the order of the submissions.
    """
    import importlib.util

    if importlib.util.find_spec("otter") is None:
        raise GradingError("grading needs Otter-Grader: pip install 'lupus-teach[exercises]'")
    submissions = find_submissions(paths)
    labels = _labels(submissions)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="lupus-autograder-") as work:
        if autograder_zip is not None:
            autograder = load_autograder(autograder_zip, work)
        else:
            autograder = autograder_for_set(set_name or infer_set(submissions), work)
        rows: list[GradeRow | None] = [None] * len(submissions)
        tick = _progress(len(submissions)) if progress else (lambda: None)
        if workers <= 1 or len(submissions) == 1:
            for i, (path, label) in enumerate(zip(submissions, labels, strict=True)):
                rows[i] = grade_notebook(path, autograder, time_limit=time_limit, label=label)
                tick()
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = {
                    pool.submit(grade_notebook, path, autograder, time_limit=time_limit,
                                label=label): i
                    for i, (path, label) in enumerate(zip(submissions, labels, strict=True))
                }
                for future in as_completed(futures):
                    i = futures[future]
                    try:
                        rows[i] = future.result()
                    except Exception as err:  # a worker process that died
                        rows[i] = GradeRow(labels[i], None, 0.0, autograder.possible,
                                           f"could not be graded: {type(err).__name__}")
                    tick()
    return GradingRun(autograder, [r for r in rows if r is not None], time.monotonic() - start)


def grades_table(rows: Sequence[GradeRow], questions: Sequence[str]) -> pd.DataFrame:
    """One row per submission: ``submission``, one column per question, ``total``, ``possible``,
    ``note``; a submission that could not be graded has empty question cells."""
    import pandas as pd

    records = []
    for row in rows:
        record: dict[str, Any] = {"submission": row.submission}
        for q in questions:
            record[q] = row.scores.get(q, 0.0) if row.scores is not None else None
        record.update(total=row.total, possible=row.possible, note=row.note)
        records.append(record)
    return pd.DataFrame(records, columns=["submission", *questions, "total", "possible", "note"])


# --------------------------------------------------------------------------
# Summary page
# --------------------------------------------------------------------------


def totals_chart(table: pd.DataFrame, possible: float) -> Any:
    """Altair bar chart of the distribution of total points (every submission counted).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"total": [0.0, 3.0, 3.0, 7.0]})
    >>> from lupus_teach.plots import chart_description
    >>> print(chart_description(totals_chart(t, 7)))
    Bar chart of the total points of 4 submissions (out of 7): 1 with 0, 2 with 3, 1 with 7.
    """
    import altair as alt
    import pandas as pd

    counts = table["total"].round(2).value_counts().sort_index()
    data = pd.DataFrame({"total": counts.index.astype(float), "submissions": counts.to_numpy()})
    parts = ", ".join(f"{n} with {t:g}" for t, n in zip(data["total"], data["submissions"],
                                                         strict=True))
    description = (f"Bar chart of the total points of {len(table)} submissions (out of "
                   f"{possible:g}): {parts}.")
    return alt.Chart(alt.InlineData(values=data.to_dict("records"))).mark_bar(
        color="#0072B2", size=18,
    ).encode(
        x=alt.X("total:Q", title="Total points (of " + f"{possible:g})",
                scale=alt.Scale(domain=[-0.5, possible + 0.5], nice=False),
                axis=alt.Axis(values=list(range(int(possible) + 1)), format="d")),
        y=alt.Y("submissions:Q", title="Submissions (number)",
                axis=alt.Axis(values=list(range(int(data["submissions"].max()) + 1)),
                              format="d")),
        tooltip=["total:Q", "submissions:Q"],
    ).properties(title="Distribution of total points", description=description,
                 width=420, height=220)


def summary_html(run: GradingRun) -> str:
    """A short, self-contained HTML page: mean points per question and the totals chart."""
    from html import escape

    import vl_convert

    from lupus_teach.plots import chart_description

    table = run.table()
    graded = table[table[run.autograder.questions].notna().all(axis=1)] if len(table) else table
    rows = []
    for q in run.autograder.questions:
        possible = run.autograder.points[q]
        mean = graded[q].mean() if len(graded) else float("nan")
        share = f"{100 * mean / possible:.0f}%" if possible and mean == mean else ""
        shown = f"{mean:.2f}" if mean == mean else ""
        rows.append(f"<tr><td>{escape(q)}</td><td>{shown}</td><td>{possible:g}</td>"
                    f"<td>{share}</td></tr>")
    chart = totals_chart(table, run.autograder.possible)
    svg = vl_convert.vegalite_to_svg(chart.to_json())
    notes = [f"<li>{escape(str(s))}: {escape(str(n))}</li>"
             for s, n in zip(table["submission"], table["note"], strict=True) if n]
    not_graded = int(table[run.autograder.questions].isna().any(axis=1).sum())
    name = escape(run.autograder.name)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Grades: {name}</title>
<style>body{{font-family:sans-serif;max-width:46em;margin:2em auto;line-height:1.4}}
table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:0.2em 0.6em;text-align:right}}
</style></head><body>
<h1>Grades: {name}</h1>
<p>{len(table)} submissions, {len(table) - not_graded} graded, {not_graded} could not be
graded; {run.autograder.possible:g} points possible.</p>
<h2>Mean points per question</h2>
<table><thead><tr><th>question</th><th>mean points</th><th>possible</th><th>mean (% of
possible)</th></tr></thead><tbody>{"".join(rows)}</tbody></table>
<p>Means are over the {len(graded)} submissions that could be graded.</p>
<h2>Distribution of totals</h2>
<figure role="img" aria-label="{escape(chart_description(chart))}">{svg}
<figcaption>{escape(chart_description(chart))}</figcaption></figure>
{"<h2>Notes</h2><ul>" + "".join(notes) + "</ul>" if notes else ""}
</body></html>
"""


# --------------------------------------------------------------------------
# Synthetic submissions (for trying the grader, tests and benchmarks)
# --------------------------------------------------------------------------

#: Code of the helper that turns a right answer into a wrong one in a synthetic submission.
_WRONG_HELPER = '''
def _lupus_teach_wrong(value):
    """A wrong answer of the same kind as a right one (synthetic submissions only)."""
    swaps = {"MCR": "NR", "PCR": "NR", "NR": "MCR", "responder": "NR", "none": "severe",
             "mild": "none", "moderate": "none", "severe": "none"}
    if value is None:
        return 3
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 0.1 * (abs(value) or 1) + 0.05
    if isinstance(value, str):
        if value in swaps:
            return swaps[value]
        if len(value) == 1:  # an option letter or a BILAG grade
            return "A" if value.upper() != "A" else "B"
        return value + "x"
    if isinstance(value, tuple) and len(value) == 2:
        return (value[0] - 0.05, value[1] + 0.05)
    if isinstance(value, list):
        return [*value, "general"] if "general" not in value else [v for v in value
                                                                   if v != "general"]
    if isinstance(value, dict):
        first = next(iter(value))
        return {**value, first: _lupus_teach_wrong(value[first])}
    if callable(value):
        return lambda *args: _lupus_teach_wrong(value(*args))
    return value
'''


def synthetic_submission(
    master: str | os.PathLike[str],
    student: str | os.PathLike[str],
    answers: dict[str, str],
) -> Any:
    """A student notebook with chosen answers: ``"right"``, ``"wrong"`` or ``"blank"`` per question.

    "right" puts the master's solution in the answer cell; "wrong" runs the
    solution and then replaces the answer with a wrong one of the same kind
    (another letter, the number plus one, another category...); "blank"
    (or a question not named) keeps the ``...`` of the student version.

    Returns
    -------
    nbformat.NotebookNode
    """
    import nbformat

    from lupus_teach.exercises import solution_code

    solutions, answer_names = _master_answers(master)
    nb = nbformat.read(os.fspath(student), as_version=4)
    helper_added = False
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        check = cell.source.strip()
        if not (check.startswith('grader.check("') and check.endswith('")')):
            continue
        question = check[len('grader.check("'):-2]
        choice = answers.get(question, "blank")
        if choice == "blank":
            continue
        answer_cell = next(nb.cells[j] for j in range(index - 1, -1, -1)
                           if nb.cells[j].cell_type == "code")
        code = solution_code(solutions[question])
        if choice == "wrong":
            name = answer_names[question]
            code += f"\n{name} = _lupus_teach_wrong({name})"
            if not helper_added:
                code = _WRONG_HELPER.strip() + "\n\n\n" + code
                helper_added = True
        elif choice != "right":
            raise ValueError(f"answer for {question} must be right, wrong or blank, not {choice!r}")
        answer_cell.source = code
    return nb


def _master_answers(master: str | os.PathLike[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Per question of a master: its solution cell, and the name of the checked answer.

    The answer is the first argument of the question's first check (the
    thin check cells call ``check_*(answer, ...)``).
    """
    import ast
    import re

    import nbformat

    nb = nbformat.read(os.fspath(master), as_version=4)
    solutions: dict[str, str] = {}
    names: dict[str, str] = {}
    question, state = "", ""
    for cell in nb.cells:
        if cell.cell_type == "raw":
            found = re.search(r"BEGIN QUESTION\s+name:\s*(\S+)", cell.source)
            if found:
                question = found.group(1)
            text = cell.source.strip()
            state = {"# BEGIN SOLUTION": "solution", "# BEGIN TESTS": "tests"}.get(
                text.split("\n")[0].strip(), "" if text.startswith("# END") else state)
            continue
        if state == "solution" and cell.cell_type == "code" and question not in solutions:
            solutions[question] = cell.source
        elif state == "tests" and cell.cell_type == "code" and question not in names:
            tree = ast.parse(cell.source)
            func = next((n for n in tree.body if isinstance(n, ast.FunctionDef)), None)
            if func is not None and func.args.args:
                names[question] = func.args.args[0].arg
            else:  # an OK-format check cell: check_x(answer, ...)
                call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call)
                            and getattr(n.func, "id", "").startswith("check_"))
                names[question] = ast.unparse(call.args[0])
    return solutions, names
