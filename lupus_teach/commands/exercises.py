"""``lupus-teach exercises release`` and ``grade``: hand out exercise sets, grade a class."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ORDER = 50


def _release(args: argparse.Namespace) -> int:
    from lupus_teach.exercises import masters, release

    chosen = None
    if args.only:
        available = {p.stem[:2]: p for p in masters()} | {p.stem: p for p in masters()}
        unknown = [name for name in args.only if name not in available]
        if unknown:
            from lupus_teach.errors import UnknownNameError

            raise UnknownNameError("exercise set", unknown[0], [p.stem for p in masters()])
        chosen = [available[name] for name in args.only]
    written = release(args.out, chosen, run_tests=not args.no_run_tests, force=args.force)
    for path in written:
        print(f"{path.name}: {path / 'student'} (hand out), {path / 'autograder'} (keep)",
              file=sys.stderr)
    return 0


def _summary_path(output: str) -> Path:
    out = Path(output)
    return out.with_name(f"{out.stem}-summary.html")


def _grade(args: argparse.Namespace) -> int:
    from lupus_teach.grading import find_submissions, grade_submissions, summary_html
    from lupus_teach.outputs import check_output_path, write_csv, write_text

    submissions = find_submissions(args.submissions)
    inputs = [*submissions, *args.submissions]
    summary = Path(args.summary) if args.summary else _summary_path(args.output)
    for target in (args.output, summary):  # refuse before minutes of grading
        check_output_path(target, inputs=inputs, force=args.force)
    run = grade_submissions(submissions, set_name=args.set, autograder_zip=args.autograder,
                            workers=args.workers, time_limit=args.time_limit,
                            progress=not args.no_progress)
    table = run.table()
    write_csv(args.output, table, inputs=inputs, force=args.force)
    write_text(summary, summary_html(run), inputs=inputs, force=args.force)
    not_graded = int(table[run.autograder.questions].isna().any(axis=1).sum())
    mean = table["total"].mean()
    print(f"{run.autograder.name}: graded {len(table) - not_graded} of {len(table)} "
          f"submissions in {run.seconds:.0f} s (mean total {mean:.2f} of "
          f"{run.autograder.possible:g})"
          + (f"; {not_graded} could not be graded (see the note column)" if not_graded else "")
          + f". Wrote {args.output} and {summary}.", file=sys.stderr)
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``exercises`` command."""
    from lupus_teach.exercises import DEFAULT_RELEASE_DIR

    parser = commands.add_parser(
        "exercises",
        help="release the exercise sets (student and autograder versions)",
        description="Work with the exercise masters in exercises/.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    release = actions.add_parser(
        "release",
        help="generate student and autograder versions of every exercise master",
        description="Run Otter Assign on every exercise master (offline, no Docker). Each set "
        "gets OUT/<set>/student/ (solutions removed, checks kept: hand this out) and "
        "OUT/<set>/autograder/ (solutions, hidden checks and the grading zip).",
    )
    release.add_argument("--out", default=str(DEFAULT_RELEASE_DIR),
                         help=f"output directory (default: {DEFAULT_RELEASE_DIR})")
    release.add_argument("--only", nargs="+", metavar="SET",
                         help="release only these sets, by number or name (e.g. 02 03)")
    release.add_argument("--force", action="store_true",
                         help="replace set folders that exist in OUT (default: refuse)")
    release.add_argument("--no-run-tests", action="store_true",
                         help="skip running every check against the solutions (faster)")
    release.set_defaults(handler=_release)

    from lupus_teach.grading import DEFAULT_TIME_LIMIT

    grade = actions.add_parser(
        "grade",
        help="grade submitted notebooks offline (no Docker) into a CSV and a summary page",
        description="Run each submitted notebook (.ipynb, or the .zip of its export cell; "
        "folders are searched) in a fresh kernel with every check of its set, hidden ones "
        "included, and write one row per submission: submission, one column per question, "
        "total, possible and a note saying why a submission could not be graded. Also writes "
        "a summary page (mean per question, distribution of totals).",
    )
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                       help="notebooks, zip files or folders holding them")
    grade.add_argument("-o", "--output", required=True, metavar="CSV",
                       help="the grades table to write (e.g. grades.csv)")
    grade.add_argument("--summary", metavar="HTML",
                       help="the summary page (default: CSV name with -summary.html)")
    grade.add_argument("--set", metavar="SET",
                       help="the exercise set, by number or name (default: read from the "
                       "notebooks)")
    grade.add_argument("--autograder", metavar="ZIP",
                       help="an autograder zip from 'exercises release' (default: release the "
                       "set's master afresh)")
    grade.add_argument("--workers", type=int, default=2,
                       help="notebooks graded at once (default: 2)")
    grade.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT, metavar="SECONDS",
                       help=f"time each notebook may run (default: {DEFAULT_TIME_LIMIT:g})")
    grade.add_argument("--force", action="store_true",
                       help="replace output files that exist (default: refuse)")
    grade.add_argument("--no-progress", action="store_true", help="no progress bar")
    grade.set_defaults(handler=_grade)
