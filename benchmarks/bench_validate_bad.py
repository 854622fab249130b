"""Benchmark ``lupus-teach validate`` on a large file where every row is bad (issue 11).

Writes a ~200 MB long BILAG CSV in a temporary folder in which every month is
written ``M6`` (so every row has a problem), runs ``lupus-teach validate`` on it
as a child process, and prints, side by side with the figures measured before
issue 11 and the targets:

* the lines and bytes printed (before: 7.8 million lines, 1.2 GB; target: under 200 lines),
* the child's peak memory (``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``;
  before: 6.4 GB; target: under 2 GB),
* the wall-clock time, and the exit code (must be 1).

Run: ``.venv/bin/python benchmarks/bench_validate_bad.py [--megabytes 200]``
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lupus_teach.bilag import system_names

BEFORE = {"lines": 7_800_000, "bytes": 1.2e9, "peak": 6.4e9}
TARGET = {"lines": 200, "peak": 2e9}


def write_bad_file(path: Path, megabytes: float) -> int:
    """Write a file of about ``megabytes`` MB whose every month is ``M6``; return its rows."""
    systems = system_names("classic")
    target = megabytes * 1e6
    written = rows = patient = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("patient_id,month,system,grade\n")
        while written < target:
            block = "".join(f"patient-{patient + p:07d},M6,{system},A\n"
                            for p in range(10_000) for system in systems)
            handle.write(block)
            written += len(block)
            rows += 10_000 * len(systems)
            patient += 10_000
    return rows


def command() -> list[str]:
    script = Path(sys.executable).with_name("lupus-teach")
    if script.exists():
        return [str(script)]
    found = shutil.which("lupus-teach")
    return [found] if found else [sys.executable, "-m", "lupus_teach"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=200.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-bad-") as work:
        source = Path(work, "all_bad.csv")
        rows = write_bad_file(source, args.megabytes)
        size = source.stat().st_size
        start = time.perf_counter()
        done = subprocess.run([*command(), "validate", str(source)], capture_output=True,
                              check=False)
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # KiB on Linux
    output = done.stdout + done.stderr
    lines = output.count(b"\n")
    print(f"input: {size / 1e6:,.0f} MB, {rows:,} rows, every month 'M6'; exit code "
          f"{done.returncode} (expected 1); {seconds:.1f} s")
    print(f"{'':24}{'before issue 11':>18}{'now':>16}{'target':>14}")
    print(f"{'lines printed':24}{BEFORE['lines']:>18,}{lines:>16,}{'< 200':>14}  "
          f"{'ok' if lines < TARGET['lines'] else 'MISSED'}")
    print(f"{'bytes printed':24}{BEFORE['bytes'] / 1e9:>16.1f} G{len(output) / 1e3:>14,.1f} k"
          f"{'':>14}")
    print(f"{'peak memory':24}{BEFORE['peak'] / 1e9:>16.1f} G{peak / 1e9:>14.2f} G"
          f"{'< 2 GB':>14}  {'ok' if peak < TARGET['peak'] else 'MISSED'}")
    print("first and last lines printed:")
    text = output.decode("utf-8", errors="replace").splitlines()
    for line in [*text[:2], "  ...", *text[-2:]]:
        print(f"  {line[:150]}")


if __name__ == "__main__":
    main()
