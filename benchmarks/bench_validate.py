"""Benchmark reading and validating a large BILAG file (issue 12).

Generates ONE long CSV of 100,000 patients x 6 visits x 8 classic systems
(4.8 million rows) in a temporary folder, then measures, each step in its own
subprocess so that the peak memory (``ru_maxrss`` of the child) is the step's
own:

1. ``pandas.read_csv(path, dtype=str)`` (the baseline),
2. ``lupus-teach validate FILE`` end to end,
3. ``lupus-teach classify FILE -o OUT`` end to end,

and prints them side by side with their ratios to the baseline.

Run: ``.venv/bin/python benchmarks/bench_validate.py [--patients N] [--repeats R]``
Targets: validate <= 2x the time and <= 3x the peak memory of read_csv;
classify <= 2.5x the time of read_csv. Each step is run ``--repeats`` times
(default 3, interleaved) and the fastest run is kept, as the machine may be
shared.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SYSTEMS = ("general", "mucocutaneous", "neurological", "musculoskeletal",
           "cardiorespiratory", "vasculitis", "renal", "haematological")
MONTHS = ("0", "1", "3", "6", "9", "12")
BIN = Path(sys.executable).parent


def generate(path: Path, n_patients: int, seed: int = 2014) -> int:
    """Write the benchmark file (random grades, active baselines); return its size."""
    rng = np.random.default_rng(seed)
    systems = np.array(SYSTEMS)
    months = np.array(MONTHS)
    grades = np.array(list("ABCDE"))
    per_patient = len(MONTHS) * len(SYSTEMS)
    baseline_p = np.array([0.25, 0.3, 0.2, 0.15, 0.1]).cumsum()
    later_p = np.array([0.05, 0.12, 0.35, 0.28, 0.2]).cumsum()
    with path.open("w", newline="", encoding="utf-8") as handle:
        handle.write("patient_id,month,system,grade\n")
        for start in range(0, n_patients, 10_000):
            n = min(10_000, n_patients - start)
            ids = np.char.add("P", np.char.zfill(np.arange(start, start + n).astype(str), 6))
            month = np.tile(np.repeat(months, len(SYSTEMS)), n)
            cumulative = np.where((month == "0")[:, None], baseline_p, later_p)
            grade = grades[(rng.random(n * per_patient)[:, None] > cumulative).sum(axis=1)]
            columns = (np.repeat(ids, per_patient), month, np.tile(systems, n * len(MONTHS)),
                       grade)
            lines = columns[0]
            for column in columns[1:]:
                lines = np.char.add(np.char.add(lines, ","), column)
            handle.write("\n".join(lines.tolist()))
            handle.write("\n")
    return path.stat().st_size


def measure(command: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak resident memory in MB) of one command."""
    start = time.perf_counter()
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: run each step through
    # a fresh intermediate process so that its own peak is what is reported.
    wrapper = [sys.executable, "-c",
               "import resource, subprocess, sys\n"
               "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
               "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
               "print(u.ru_maxrss, u.ru_utime + u.ru_stime)\n"
               "sys.exit(code)", *command]
    done = subprocess.run(wrapper, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    peak_kb, cpu = done.stdout.split()
    return seconds, float(cpu), int(peak_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_validate_") as folder:
        path = Path(folder) / "cohort.csv"
        start = time.perf_counter()
        size = generate(path, args.patients)
        print(f"generated {path.name}: {args.patients:,} patients x {len(MONTHS)} visits x "
              f"{len(SYSTEMS)} systems = {args.patients * 48:,} rows, {size / 1e6:.0f} MB "
              f"in {time.perf_counter() - start:.1f} s")
        cli = str(BIN / "lupus-teach")
        steps = {
            "pandas.read_csv(dtype=str)": [
                sys.executable, "-c",
                f"import pandas as pd; pd.read_csv({os.fspath(path)!r}, dtype=str)"],
            "lupus-teach validate": [cli, "validate", str(path)],
            "lupus-teach classify -o": [cli, "classify", str(path), "-o",
                                        str(Path(folder) / "classified.csv")],
        }
        best: dict[str, tuple[float, float, float]] = {}
        for _ in range(args.repeats):
            for name, command in steps.items():
                out = Path(folder) / "classified.csv"
                if out.exists():
                    out.unlink()
                now = measure(command)
                old = best.get(name, now)
                best[name] = (min(now[0], old[0]), min(now[1], old[1]), min(now[2], old[2]))
    base_s, base_cpu, base_mb = best["pandas.read_csv(dtype=str)"]
    targets = {"lupus-teach validate": (2.0, 3.0), "lupus-teach classify -o": (2.5, None)}
    print(f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} cores; best of {args.repeats} runs each. On a busy machine "
          "the wall times stretch; the CPU times (user + system) much less.")
    print(f"{'step':<28}{'wall s':>8}{'CPU s':>8}{'peak MB':>9}{'wall x':>8}{'CPU x':>7}"
          f"{'memory x':>10}  target (on wall time and memory)")
    for name, (seconds, cpu, memory) in best.items():
        ratios = (seconds / base_s, cpu / base_cpu, memory / base_mb)
        line = (f"{name:<28}{seconds:>8.2f}{cpu:>8.2f}{memory:>9.0f}{ratios[0]:>8.2f}"
                f"{ratios[1]:>7.2f}{ratios[2]:>10.2f}")
        if name in targets:
            t_max, m_max = targets[name]
            ok = ratios[0] <= t_max and (m_max is None or ratios[2] <= m_max)
            target = f"<= {t_max}x time" + (f", <= {m_max}x memory" if m_max else "")
            print(f"{line}  {target}: {'met' if ok else 'MISSED'}")
        else:
            print(f"{line}  (baseline)")


if __name__ == "__main__":
    main()
