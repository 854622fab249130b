"""``lupus-teach simulate``: write a SIMULATED cohort consistent with the published summaries."""

from __future__ import annotations

import argparse

ORDER = 40


def _run(args: argparse.Namespace) -> int:
    from lupus_teach.simulate import run

    return run(args)


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` command."""
    from lupus_teach.simulate import add_arguments

    parser = commands.add_parser(
        "simulate",
        help="write a SIMULATED 40-patient cohort (visits, patients, markers)",
        description="Write a SIMULATED 40-patient cohort consistent with the published "
        "summaries of Wang et al. 2014; it is not the trial's patient records. The visits "
        "CSV goes to -o; <name>_patients.csv, <name>_markers.csv and <name>_events.csv (the "
        "deaths) go beside it.",
    )
    add_arguments(parser)
    parser.set_defaults(handler=_run)
