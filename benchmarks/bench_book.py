"""Benchmark the book build: clean build versus cached rebuild.

Run from the repository root::

    .venv/bin/python benchmarks/bench_book.py

It deletes ``book/_build``, builds the book (executing every notebook and
rendering every page), then touches one Markdown page and builds again (no
notebook is re-executed: jupyter-cache has them all). It prints both times
and their ratio.

Targets (issue 7): clean build under 3 minutes on 2 cores; cached rebuild
under 15% of the clean build. A target that is missed is reported, and the
exit code is 1.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from lupus_teach.book import build, find_book_dir

CLEAN_TARGET_S = 180.0
RATIO_TARGET = 0.15


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", default="glossary.md",
                        help="Markdown page of book/ to touch before the rebuild")
    args = parser.parse_args(argv)
    book = find_book_dir()
    page = book / args.page
    if not page.is_file():
        parser.error(f"{page} does not exist")

    clean = build(clean=True, echo=False)
    lessons = len(clean.sync.chapters.get("lessons", []))
    exercises = len(clean.sync.chapters.get("exercises", []))

    os.utime(page)  # "edit" one page: new modification time, same content
    time.sleep(0.01)
    cached = build(clean=False, echo=False)
    ratio = cached.seconds / clean.seconds

    print(f"book: {lessons} lesson notebooks, {exercises} exercise notebooks, "
          f"{os.cpu_count()} CPUs")
    print(f"clean build:    {clean.seconds:7.1f} s   (target < {CLEAN_TARGET_S:.0f} s)")
    print(f"cached rebuild: {cached.seconds:7.1f} s   (after touching {Path(args.page)})")
    print(f"ratio:          {ratio:7.1%}   (target < {RATIO_TARGET:.0%})")
    missed = []
    if clean.seconds >= CLEAN_TARGET_S:
        missed.append("clean build time")
    if ratio >= RATIO_TARGET:
        missed.append("cached/clean ratio")
    if missed:
        print("MISSED: " + ", ".join(missed))
        return 1
    print("both targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
