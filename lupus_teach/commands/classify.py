"""``lupus-teach classify``: validate a BILAG file, then classify every patient."""

from __future__ import annotations

import argparse
import sys

from lupus_teach.commands import (
    add_definition_option,
    add_index_option,
    add_window_event_options,
    window_event_arguments,
)

ORDER = 20


def _run(args: argparse.Namespace) -> int:
    from lupus_teach.errors import inert
    from lupus_teach.outputs import check_output_path, spreadsheet_safe, write_csv
    from lupus_teach.response import classify_response, console_notes
    from lupus_teach.safety import check_identifiers, csv_header
    from lupus_teach.visits import read_visits

    if args.output:  # refuse before the (possibly long) work, and again when writing
        check_output_path(args.output, inputs=_inputs(args), force=args.force)
    check_identifiers(columns=csv_header(args.file), source=args.file,
                      allow=args.allow_identifiers)
    visits = read_visits(args.file, index=args.index)
    check_identifiers(visits, args.file, args.allow_identifiers)
    table = classify_response(visits, args.definition, validate=False,
                              **window_event_arguments(args, visits))  # type: ignore[arg-type]
    print(inert(table.attrs["windows_summary"]), file=sys.stderr)  # unused visits are never silent
    for line in console_notes(visits, args.definition):  # index version, E after A-D
        print(inert(line), file=sys.stderr)
    if args.output:
        write_csv(args.output, table, inputs=_inputs(args), force=args.force)
        counts = table["response"].value_counts()
        summary = ", ".join(f"{k} {v}" for k, v in counts.items())
        print(f"{inert(args.output)}: {len(table)} patients classified under {args.definition} "
              f"({summary})", file=sys.stderr)
    else:
        spreadsheet_safe(table).to_csv(sys.stdout, index=False)
    return 0


def _inputs(args: argparse.Namespace) -> list[str]:
    """The files read (an output never goes over one of them)."""
    return [args.file, *([args.events] if args.events else [])]


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``classify`` command."""
    parser = commands.add_parser(
        "classify",
        help="classify every patient's response (MCR, PCR, responder, NR) with a reason",
        description="Validate a long-format BILAG CSV, then classify each patient's "
        "response under a named definition. Writes CSV to stdout unless -o is given; text "
        "cells that a spreadsheet would run as a formula (starting with = + - @ |) get a "
        "leading apostrophe. Files whose columns or values look like direct identifiers "
        "are refused unless --allow-identifiers is given.",
    )
    parser.add_argument("file", help="CSV file (patient_id, month, system, grade)")
    add_definition_option(parser)
    parser.add_argument("-o", "--output", help="write the table to this CSV file (never "
                        "over the input; an existing file only with --force)")
    parser.add_argument("--force", action="store_true",
                        help="replace the output file if it exists")
    parser.add_argument("--allow-identifiers", action="store_true",
                        help="classify even if columns or values look like direct identifiers")
    add_index_option(parser)
    add_window_event_options(parser)
    parser.set_defaults(handler=_run)
