"""Benchmark: grade 40 submissions of one exercise set on this machine (target: under 3 minutes).

The submissions are made from set 02's master with varied answers (each
question right, wrong or left blank, chosen with a fixed seed), then graded
with ``lupus-teach exercises grade`` as an instructor would (2 workers, every
notebook in a fresh kernel with all checks). Prints the wall time against the
3-minute target of issue 16, and checks that every submission was graded.

Run: ``.venv/bin/python benchmarks/bench_grade.py [--n 40] [--workers 2]``
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path

import nbformat

from lupus_teach.exercises import masters, release
from lupus_teach.grading import grade_submissions, synthetic_submission

TARGET_SECONDS = 180.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40, help="submissions (default 40)")
    parser.add_argument("--workers", type=int, default=2, help="workers (default 2)")
    args = parser.parse_args()

    master = masters()[0]
    rng = random.Random(16)
    with tempfile.TemporaryDirectory() as work:
        folder = release(Path(work) / "release", [master], run_tests=False,
                         ship_package=False)[0]
        student = folder / "student" / master.name
        archive = next((folder / "autograder").glob("*-autograder_*.zip"))
        nb = nbformat.read(student, as_version=4)
        questions = [c.source.strip()[len('grader.check("'):-2] for c in nb.cells
                     if c.cell_type == "code" and c.source.strip().startswith("grader.check(\"")]
        submissions = Path(work) / "submissions"
        submissions.mkdir()
        for i in range(args.n):
            answers = {q: rng.choice(["right", "right", "wrong", "blank"]) for q in questions}
            nbformat.write(synthetic_submission(master, student, answers),
                           submissions / f"student_{i:02d}.ipynb")
        start = time.perf_counter()
        run = grade_submissions([submissions], autograder_zip=archive, workers=args.workers,
                                progress=True)
        seconds = time.perf_counter() - start
    table = run.table()
    graded = int(table[run.autograder.questions].notna().all(axis=1).sum())
    print(f"machine: {os.cpu_count()} cores; set {run.autograder.name}, {args.n} submissions, "
          f"{args.workers} workers")
    print(f"graded {graded}/{len(table)}; mean total {table['total'].mean():.2f} of "
          f"{run.autograder.possible:g}")
    print(f"{'':28}{'seconds':>10}{'target':>10}")
    print(f"{'grade 40 submissions':28}{seconds:>10.1f}{TARGET_SECONDS:>10.0f}"
          f"   {'OK' if seconds <= TARGET_SECONDS else 'SLOWER THAN TARGET'}")
    print(f"{'per submission (wall)':28}{seconds / max(1, len(table)):>10.2f}")


if __name__ == "__main__":
    main()
