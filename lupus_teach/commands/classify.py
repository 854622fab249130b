"""``lupus-teach classify``: validate a BILAG file, then classify every patient."""

from __future__ import annotations

import argparse
import sys

from lupus_teach.commands import add_definition_option, add_index_option

ORDER = 20


def _run(args: argparse.Namespace) -> int:
    from lupus_teach.response import classify_response
    from lupus_teach.visits import read_visits

    visits = read_visits(args.file, index=args.index)
    table = classify_response(visits, args.definition, validate=False)
    if args.output:
        table.to_csv(args.output, index=False)
        counts = table["response"].value_counts()
        summary = ", ".join(f"{k} {v}" for k, v in counts.items())
        print(f"{args.output}: {len(table)} patients classified under {args.definition} "
              f"({summary})", file=sys.stderr)
    else:
        table.to_csv(sys.stdout, index=False)
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``classify`` command."""
    parser = commands.add_parser(
        "classify",
        help="classify every patient's response (MCR, PCR, NR) with a reason",
        description="Validate a long-format BILAG CSV, then classify each patient's "
        "response under a named definition. Writes CSV to stdout unless -o is given.",
    )
    parser.add_argument("file", help="CSV file (patient_id, month, system, grade)")
    add_definition_option(parser)
    parser.add_argument("-o", "--output", help="write the table to this CSV file")
    add_index_option(parser)
    parser.set_defaults(handler=_run)
