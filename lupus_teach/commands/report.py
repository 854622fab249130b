"""``lupus-teach report``: one self-contained HTML report from a BILAG CSV file.

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser(prog="lupus-teach")
>>> register(parser.add_subparsers(dest="command"))
>>> args = parser.parse_args(["report", "visits.csv", "-o", "r.html", "--allow-identifiers"])
>>> args.output, args.definition, args.allow_identifiers, args.handler is _run
('r.html', 'wang2014', True, True)
"""

from __future__ import annotations

import argparse
import sys
import time

from lupus_teach.commands import (
    add_definition_option,
    add_index_option,
    add_window_event_options,
)

ORDER = 30


def _run(args: argparse.Namespace) -> int:
    from lupus_teach.errors import inert
    from lupus_teach.report import render
    from lupus_teach.response import console_notes
    from lupus_teach.windows import VisitWindows, assign_windows

    windows = VisitWindows.parse(args.window) if args.window else None
    lines: list[str] = []

    def console(visits: object) -> None:  # the table render() has validated, read once
        lines.append(assign_windows(visits, windows).summary())  # type: ignore[arg-type]
        lines.extend(console_notes(visits, args.definition))  # index version, E after A-D

    start = time.perf_counter()
    path = render(
        args.file,
        args.output,
        definition=args.definition,
        title=args.title,
        allow_identifiers=args.allow_identifiers,
        index=args.index,
        overwrite=args.force,
        windows=windows,
        events=args.events,
        console=console,
    )
    print(f"{inert(path)}: report written ({time.perf_counter() - start:.1f} s); it is one "
          "self-contained HTML file that opens offline.", file=sys.stderr)
    for line in lines:
        print(inert(line), file=sys.stderr)
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``report`` command."""
    parser = commands.add_parser(
        "report",
        help="write a self-contained HTML report (responses, intervals, heat-maps, flares)",
        description="Validate a long-format BILAG CSV (same checks and messages as "
        "'validate'; nothing is written when it is invalid), then execute the report "
        "notebook shipped with lupus-teach and export it as one HTML file with code hidden "
        "and every chart and style embedded: it opens offline and requests nothing from "
        "any other host. Files whose columns or values look like direct identifiers (name, "
        "date of birth, address, postcode, phone, e-mail, NHS or medical record number) are "
        "refused unless --allow-identifiers is given. The report is never written over the "
        "input, and over an existing file only with --force.",
    )
    parser.add_argument("file", help="CSV file (patient_id, month, system, grade, ...)")
    parser.add_argument("-o", "--output", required=True, help="HTML file to write")
    parser.add_argument("--force", action="store_true",
                        help="replace the output file if it exists (never the input)")
    add_definition_option(parser)
    parser.add_argument("--title", default=None, help="report title")
    parser.add_argument("--allow-identifiers", action="store_true",
                        help="build the report even if columns or values look like "
                        "identifiers")
    add_index_option(parser)
    add_window_event_options(parser)
    parser.set_defaults(handler=_run)
