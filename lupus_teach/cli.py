"""The ``lupus-teach`` command line.

Exit codes: 0 success, 1 invalid data or a failed step (the message says what
to fix), 2 a bad command line, 141 when the reader of the output went away
(``lupus-teach validate bad.csv | head -1``: the command stops quietly). A
Python traceback is never shown unless ``--debug`` is given, and every message
that quotes the user's data has its control characters escaped
(:func:`lupus_teach.errors.inert`), so it cannot change the terminal.

Examples
--------
>>> main(["validate", "no-such-file.csv"])
no-such-file.csv: found 1 problem; nothing was changed or dropped.
  - no-such-file.csv: no such file; check the path.
1
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence

from lupus_teach import __version__
from lupus_teach.commands import add_index_option
from lupus_teach.errors import LupusTeachError, inert

Handler = Callable[[argparse.Namespace], int]


def _cmd_validate(args: argparse.Namespace) -> int:
    from lupus_teach.visits import read_visits, summarise

    visits = read_visits(args.file, index=args.index)
    print(f"{inert(args.file)}: valid, {summarise(visits)}")
    return 0


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lupus-teach",
        description="Validate, classify and report BILAG lupus data; build the course.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    validate = commands.add_parser(
        "validate",
        help="check a BILAG CSV file against the data contract",
        description="Check a long-format BILAG CSV (patient_id, month, system, grade) and "
        "list every problem at once.",
    )
    validate.add_argument("file", help="CSV file to check")
    add_index_option(validate)
    validate.set_defaults(handler=_cmd_validate)

    for register in _EXTRA_COMMANDS:
        register(commands)
    return parser


#: Functions that add further sub-commands (filled by the modules below).
_EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []


def _register_optional_commands(debug: bool = False) -> None:
    """Load the sub-commands of :mod:`lupus_teach.commands`.

    A command module that fails to import must not take ``validate`` down with
    it: the failure is reported in one line (a traceback only with ``--debug``)
    and the built-in commands still work.
    """
    try:
        from lupus_teach import commands

        _EXTRA_COMMANDS[:] = commands.registrars()
    except Exception as err:
        _EXTRA_COMMANDS[:] = []
        if debug:
            traceback.print_exc()
        print(
            f"lupus-teach: some commands could not be loaded ({type(err).__name__}: {err}); "
            "this is a bug in lupus-teach, please report it.",
            file=sys.stderr,
        )


#: Exit code when the output pipe closes early (128 + SIGPIPE, as shells report it).
EXIT_BROKEN_PIPE = 141


def _quiet_stdout() -> None:
    """Point stdout at the null device, so that Python's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (captured)
        pass


#: glibc ``mallopt`` parameters (malloc.h): M_TRIM_THRESHOLD and M_MMAP_THRESHOLD.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def _reuse_freed_memory(limit: int = 1 << 30) -> None:
    """Let the C allocator reuse freed memory for large arrays (glibc only; else nothing).

    By default glibc gives every block over 32 MB its own ``mmap`` and returns
    it to the system when freed, so each temporary array over a 5-million-row
    file costs page faults again; on a 100,000-patient file ``classify`` spent
    2 s of system time on that (as much as pandas needs to read the file).
    Raising the mmap and trim thresholds (``mallopt``, as the
    ``MALLOC_MMAP_THRESHOLD_`` and ``MALLOC_TRIM_THRESHOLD_`` environment
    variables would) keeps freed memory for the next array: system time
    2.0 s -> 0.6 s, for a higher peak (about 500 -> 700 MB there). Only the
    ``lupus-teach`` program does this, not a Python session importing the package.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return
    mallopt(_M_MMAP_THRESHOLD, limit)
    mallopt(_M_TRIM_THRESHOLD, limit)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``, and the
        program tunes the allocator for large files: :func:`_reuse_freed_memory`).
    """
    if argv is None:
        _reuse_freed_memory()
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, not in Python's exit handler
        return code
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE


def _main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    _register_optional_commands(debug="--debug" in arguments)
    try:
        parser = _build_parser()
    except Exception as err:  # a broken command module: keep the built-in commands
        print(f"lupus-teach: some commands could not be set up ({type(err).__name__}: "
              f"{err}); this is a bug in lupus-teach, please report it.", file=sys.stderr)
        _EXTRA_COMMANDS[:] = []
        parser = _build_parser()
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exc:  # argparse: --help (0) or a bad command line (2)
        return int(exc.code or 0)
    try:
        return int(args.handler(args))
    except LupusTeachError as err:
        print(inert(err, keep_newlines=True),
              file=sys.stdout if args.command == "validate" else sys.stderr)
        return 1
    except BrokenPipeError:
        raise
    except OSError as err:  # a file that cannot be read or written: the user can fix it
        where = f" {inert(err.filename)}" if err.filename else ""
        print(
            f"lupus-teach {args.command}: cannot use{where}: {inert(err.strerror or err)}. "
            "Check that the folder exists and that you may write there.",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # never show a traceback as the user interface
        if args.debug:
            traceback.print_exc()
        print(
            f"lupus-teach {args.command}: unexpected error: {type(err).__name__}: "
            f"{inert(err)}\n"
            "This is a bug in lupus-teach; run again with --debug and report the output.",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
