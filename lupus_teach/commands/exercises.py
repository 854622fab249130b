"""``lupus-teach exercises release``: student and autograder versions of the exercise masters."""

from __future__ import annotations

import argparse
import sys

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
