"""Benchmark ``lupus-teach report`` (issue 8).

Prints the time to render the report of the 40-patient cohort
(``data/cohort/visits.csv``, or a random 40-patient cohort when it is absent)
and of a random 10,000-patient cohort (6 visits x 8 classic systems), each
timed end to end: checks, kernel start, execution and HTML export.

Run: ``.venv/bin/python benchmarks/bench_report.py [--patients N]``
Targets on 2 cores: 40 patients < 20 s, 10,000 patients < 90 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_response import random_cohort

from lupus_teach.report import render

COHORT = Path(__file__).parents[1] / "data" / "cohort" / "visits.csv"


def timed(source: Path, out: Path) -> float:
    start = time.perf_counter()
    render(source, out)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        if COHORT.exists():
            small, label = COHORT, "shipped 40-patient cohort"
        else:
            small, label = folder / "random40.csv", "random 40-patient cohort (no data/cohort)"
            random_cohort(40).to_csv(small, index=False)
        small_s = timed(small, folder / "small.html")
        size_small = (folder / "small.html").stat().st_size
        big = folder / "big.csv"
        random_cohort(args.patients).to_csv(big, index=False)
        big_s = timed(big, folder / "big.html")
        size_big = (folder / "big.html").stat().st_size
    print(f"{label}: {small_s:.1f} s, {size_small / 1e6:.1f} MB  target < 20 s")
    print(f"random {args.patients:,}-patient cohort: {big_s:.1f} s, {size_big / 1e6:.1f} MB  "
          "target < 90 s")


if __name__ == "__main__":
    main()
