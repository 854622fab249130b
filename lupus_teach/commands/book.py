"""``lupus-teach book build [--edition student|instructor] [--root DIR] [--clean]``.

Build the course website; ``lupus-teach book pdf`` prints the student edition
to one PDF.

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser(prog="lupus-teach")
>>> register(parser.add_subparsers(dest="command"))
>>> args = parser.parse_args(["book", "build", "--clean"])
>>> args.clean, args.handler is _cmd_build, args.edition
(True, True, 'student')
"""

from __future__ import annotations

import argparse
from pathlib import Path

ORDER = 60


def _cmd_build(args: argparse.Namespace) -> int:
    from lupus_teach.book import build, build_summary

    result = build(clean=args.clean, echo=not args.quiet, root=args.root,
                   edition=args.edition)
    print(build_summary(result))
    return 0


def _cmd_pdf(args: argparse.Namespace) -> int:
    from lupus_teach.book import build, print_pdf

    if not args.no_build:
        build(echo=not args.quiet, root=args.root)
    result = print_pdf(args.output, root=args.root, force=args.force)
    print(f"Printed {result.documents} pages of the book to {result.path} "
          f"({result.pages} PDF pages, {result.seconds:.0f} s).")
    return 0


def _cmd_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``book`` and its sub-command ``build``."""
    book = subparsers.add_parser(
        "book",
        help="build the course website (Jupyter Book) from book/ and notebooks/",
        description="Build the course website from a clone of the repository.",
    )
    actions = book.add_subparsers(dest="book_command", metavar="ACTION")
    build = actions.add_parser(
        "build",
        help="execute the notebooks and render the book into book/_build/html",
        description="Copy the notebooks into book/, write book/_toc.yml, execute the "
        "notebooks (only those that changed since the last build) and render the site "
        "with warnings as errors. Prints where to open the book.",
    )
    build.add_argument(
        "--clean",
        action="store_true",
        help="delete book/_build first, re-executing every notebook",
    )
    build.add_argument(
        "--quiet", action="store_true", help="do not echo the build's output"
    )
    build.add_argument(
        "--edition",
        choices=["student", "instructor"],
        default="student",
        help="student (default): no exercise solutions anywhere, into book/_build/html; "
        "instructor: solutions folded under each question, into "
        "book/_instructor/_build/html",
    )
    build.add_argument(
        "--root",
        type=Path,
        default=None,
        metavar="DIR",
        help="the lupus-teach checkout to build (default: the one this package runs from)",
    )
    build.set_defaults(handler=_cmd_build)
    pdf = actions.add_parser(
        "pdf",
        help="print the student edition to one PDF with the local Chromium",
        description="Build the student edition if needed, then print every page of it, "
        "in the order of the table of contents, to one PDF (charts and formulas "
        "included) with Debian's Chromium.",
    )
    pdf.add_argument("-o", "--output", type=Path, default=Path("lupus-teach-book.pdf"),
                     help="the PDF to write (default: lupus-teach-book.pdf)")
    pdf.add_argument("--force", action="store_true", help="replace an existing PDF")
    pdf.add_argument("--no-build", action="store_true",
                     help="print the pages already built, without building first")
    pdf.add_argument("--root", type=Path, default=None, metavar="DIR",
                     help="the lupus-teach checkout (default: this one)")
    pdf.add_argument("--quiet", action="store_true", help="do not echo the build's output")
    pdf.set_defaults(handler=_cmd_pdf)
    book.set_defaults(handler=lambda args: _cmd_help(book))
