"""Benchmark the book build: clean build, rebuild with nothing changed, one page changed.

Run from the repository root::

    .venv/bin/python benchmarks/bench_book.py [--edition student|instructor]

It deletes the edition's ``_build``, builds the book (executing every notebook
and rendering every page), builds again with nothing changed, then changes
the text of one Markdown page (appending a comment; restored afterwards) and
builds again. It prints the three times side by side with their targets.

Targets: clean build under 3 minutes on 2 cores (issue 7); a rebuild with
nothing changed under 5% of the clean build (issue 17); one page changed
under 15% of the clean build (issue 7's cached-rebuild target). A missed
target is reported, and the exit code is 1. The figures depend on the load of
the machine: on a shared machine, say so when quoting them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from lupus_teach.book import build, find_book_dir

CLEAN_TARGET_S = 180.0
NO_CHANGE_RATIO = 0.05
ONE_PAGE_RATIO = 0.15


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", default="glossary.md",
                        help="Markdown page of book/ to change before the last rebuild")
    parser.add_argument("--edition", default="student", choices=["student", "instructor"])
    args = parser.parse_args(argv)
    book = find_book_dir()
    page = book / args.page
    if not page.is_file():
        parser.error(f"{page} does not exist")

    clean = build(clean=True, echo=False, edition=args.edition)
    lessons = len(clean.sync.chapters.get("lessons", []))
    exercises = len(clean.sync.chapters.get("exercises", []))
    same = build(clean=False, echo=False, edition=args.edition)

    original = page.read_bytes()
    try:
        page.write_bytes(original + b"\n<!-- benchmark edit -->\n")
        one = build(clean=False, echo=False, edition=args.edition)
    finally:
        page.write_bytes(original)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"book ({args.edition} edition): {lessons} lesson notebooks, {exercises} exercise "
          f"notebooks, {os.cpu_count()} CPUs, load average {load:.1f} at the end")
    print(f"clean build:        {clean.seconds:7.1f} s   (target < {CLEAN_TARGET_S:.0f} s)")
    print(f"nothing changed:    {same.seconds:7.1f} s   {same.seconds / clean.seconds:6.1%} "
          f"of clean (target < {NO_CHANGE_RATIO:.0%})")
    print(f"one page changed:   {one.seconds:7.1f} s   {one.seconds / clean.seconds:6.1%} "
          f"of clean (target < {ONE_PAGE_RATIO:.0%}; changed {Path(args.page)})")
    missed = []
    if clean.seconds >= CLEAN_TARGET_S:
        missed.append("clean build time")
    if same.seconds / clean.seconds >= NO_CHANGE_RATIO:
        missed.append("nothing-changed ratio")
    if one.seconds / clean.seconds >= ONE_PAGE_RATIO:
        missed.append("one-page ratio")
    if missed:
        print("MISSED: " + ", ".join(missed))
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
