"""Benchmark response classification (issue 3).

Prints, for a simulated cohort of 100,000 patients x 6 visits x 8 classic
systems, the time of the vectorised classifier, the reference (per-patient)
classifier extrapolated from a 2,000-patient sample, and their ratio.

Run: ``.venv/bin/python benchmarks/bench_response.py [--patients N] [--sample N]``
Targets: vectorised < 2 s on a 2-core machine, at least 50x faster than the reference.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from lupus_teach.bilag import system_names
from lupus_teach.response import classify_response
from lupus_teach.visits import read_visits

MONTHS = (0, 1, 3, 6, 9, 12)


def random_cohort(n_patients: int, seed: int = 2014) -> pd.DataFrame:
    """A random long table: active baselines that tend to improve (benchmark data only)."""
    rng = np.random.default_rng(seed)
    systems = system_names("classic")
    n_rows = n_patients * len(MONTHS) * len(systems)
    baseline_p = [0.25, 0.3, 0.2, 0.15, 0.1]
    later_p = [0.05, 0.12, 0.35, 0.28, 0.2]
    month = np.tile(np.repeat(MONTHS, len(systems)), n_patients)
    probs = np.where((month == 0)[:, None], baseline_p, later_p)
    cumulative = probs.cumsum(axis=1)
    draws = rng.random(n_rows)[:, None]
    grade_idx = (draws > cumulative).sum(axis=1)
    return pd.DataFrame({
        "patient_id": np.repeat([f"P{i:06d}" for i in range(n_patients)],
                                len(MONTHS) * len(systems)),
        "month": month,
        "system": np.tile(systems, n_patients * len(MONTHS)),
        "grade": np.array(list("ABCDE"))[grade_idx],
    })


def best_of(repeats: int, func) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument("--definition", default="wang2014")
    args = parser.parse_args()

    cohort = random_cohort(args.patients)
    start = time.perf_counter()
    validated = read_visits(cohort, name="benchmark cohort")
    validate_s = time.perf_counter() - start
    vectorised_s = best_of(3, lambda: classify_response(validated, args.definition,
                                                        validate=False))
    sample = validated[validated["patient_id"].isin(
        validated["patient_id"].unique()[: args.sample])]
    sample.attrs.update(validated.attrs)
    reference_sample_s = best_of(1, lambda: classify_response(
        sample, args.definition, method="reference", validate=False))
    reference_s = reference_sample_s * args.patients / args.sample

    fast = classify_response(sample, args.definition, validate=False)
    slow = classify_response(sample, args.definition, method="reference", validate=False)
    pd.testing.assert_frame_equal(fast, slow)

    rows = len(validated)
    print(f"cohort: {args.patients:,} patients x {len(MONTHS)} visits x 8 systems "
          f"= {rows:,} rows; definition {args.definition}")
    print(f"validation (read_visits, not part of classification): {validate_s:.2f} s")
    print(f"vectorised classification: {vectorised_s:.2f} s (best of 3)  target < 2 s")
    print(f"reference classification: {reference_s:.1f} s (extrapolated from "
          f"{args.sample:,} patients measured at {reference_sample_s:.2f} s)")
    print(f"speed-up: {reference_s / vectorised_s:.0f}x  target >= 50x")
    print(f"both implementations agree on the {args.sample:,}-patient sample")


if __name__ == "__main__":
    main()
