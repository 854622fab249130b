"""Benchmark ``lupus-teach report`` (issue 8).

Prints the time to render the report of the 40-patient cohort
(``data/cohort/visits.csv``, or a random 40-patient cohort when it is absent)
and of random cohorts of 10,000 and 100,000 patients (6 visits x 8 classic
systems), each timed end to end (``lupus-teach report`` in this process:
reading and checks, kernel start, execution and HTML export), with the page
size, beside the figures issue 12 measured before large-cohort mode.

Run: ``.venv/bin/python benchmarks/bench_report.py [--patients N ...]``
Targets on 2 cores: 40 patients < 20 s, 10,000 patients < 90 s, 100,000
patients < 60 s with a page < 5 MB (issue 12's baseline: 170 s, 18.5 MB).
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


#: (seconds, MB) measured in issue 12 before large-cohort mode, by number of patients.
BASELINE = {100_000: (170.0, 18.5)}
TARGET_S = {10_000: 90.0, 100_000: 60.0}
TARGET_MB = {100_000: 5.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    lines = []
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        if COHORT.exists():
            small, label = COHORT, "shipped 40-patient cohort"
        else:
            small, label = folder / "random40.csv", "random 40-patient cohort (no data/cohort)"
            random_cohort(40).to_csv(small, index=False)
        small_s = timed(small, folder / "small.html")
        size_small = (folder / "small.html").stat().st_size
        lines.append(f"{label}: {small_s:.1f} s, {size_small / 1e6:.1f} MB  target < 20 s")
        for n in args.patients:
            big = folder / f"random{n}.csv"
            random_cohort(n).to_csv(big, index=False)
            out = folder / f"random{n}.html"
            big_s = timed(big, out)
            size = out.stat().st_size / 1e6
            out.unlink()
            big.unlink()
            line = f"random {n:,}-patient cohort: {big_s:.1f} s, {size:.1f} MB"
            if n in TARGET_S:
                line += f"  target < {TARGET_S[n]:.0f} s"
            if n in TARGET_MB:
                line += f" and < {TARGET_MB[n]:.0f} MB"
            if n in BASELINE:
                base_s, base_mb = BASELINE[n]
                line += (f"  (before: {base_s:.0f} s, {base_mb:.1f} MB: "
                         f"{base_s / big_s:.1f}x faster, {base_mb / size:.1f}x smaller)")
            lines.append(line)
            print(line, flush=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
