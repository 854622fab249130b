"""Sub-commands of ``lupus-teach``, one module each.

Every module in this package defines ``ORDER`` (an int: where ``--help`` lists
the command) and ``register(subparsers)``, which adds its parser and sets
``handler`` to a function ``(args) -> exit code``. Handlers raise
:class:`lupus_teach.errors.LupusTeachError` for problems the user must fix; the
CLI prints the message and exits 1.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Callable

Registrar = Callable[[argparse._SubParsersAction], None]


def add_index_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--index classic|2004``, shared by every command that reads a BILAG file."""
    from lupus_teach.bilag import IndexVersion

    parser.add_argument(
        "--index",
        choices=[v.value for v in IndexVersion],
        default=None,
        help="BILAG version of the file (default: inferred from the system names)",
    )


def add_definition_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--definition NAME``, shared by every command that classifies responses."""
    from lupus_teach.response import COMPOSITE_DEFINITIONS, DEFINITIONS

    parser.add_argument("--definition", default="wang2014",
                        choices=sorted([*DEFINITIONS, *COMPOSITE_DEFINITIONS]),
                        help="response definition (default: wang2014; sri4-sri8 and "
                        "bicla_full need sledai and pga columns)")


def add_window_event_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--window SPEC`` (repeatable) and ``--events FILE`` (classify and report)."""
    parser.add_argument(
        "--window", action="append", default=None, metavar="SPEC",
        help="visit windows (repeatable): a half-width in months such as 1.5, "
        "MONTH=START-END such as 12=10.5-13.5, grid=0,1,3,6,9,12, or exact; default: each "
        "visit goes to the nearest grid month within halfway to its neighbours")
    parser.add_argument(
        "--events", default=None, metavar="FILE",
        help="CSV of deaths and withdrawals (patient_id, event, month or date); a patient "
        "who dies or withdraws before the last scheduled visit is a non-responder")


def window_event_arguments(args: argparse.Namespace, visits: object) -> dict[str, object]:
    """``windows=`` and ``events=`` for classify_response, from ``--window`` and ``--events``."""
    from lupus_teach.events import read_events
    from lupus_teach.windows import VisitWindows

    windows = VisitWindows.parse(args.window) if args.window else None
    events = read_events(args.events, visits=visits) if args.events else None
    return {"windows": windows, "events": events}


def registrars() -> list[Registrar]:
    """The ``register`` functions of every command module, in ``ORDER``."""
    modules = [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in pkgutil.iter_modules(__path__)
    ]
    modules.sort(key=lambda m: getattr(m, "ORDER", 100))
    return [m.register for m in modules]
