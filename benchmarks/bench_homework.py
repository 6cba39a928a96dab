"""The homework checker's own run time on the bundled samples.

Usage::

    .venv/bin/python benchmarks/bench_homework.py             # all seven tasks, 3 repetitions
    .venv/bin/python benchmarks/bench_homework.py --quick     # task 6 only, once (smoke run)

The student folder holds correct two-loop solutions of the seven tasks (the ones the tests
use, ``tests/homework_files.py``), so every case runs to the end. Reported (median over the
repetitions): the whole ``check_folder`` run, the time spent inside the student's calls, inside
the reference (``core``) calls, and the rest (child processes, file exchange, comparisons,
conventions); next to it, in the same run, the cost of starting one ``python -I`` that imports
NumPy — the floor of the overhead.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from core.homework import build_cases, check_folder  # noqa: E402
from homework_files import write_folder  # noqa: E402


def python_start():
    start = time.perf_counter()
    subprocess.run([sys.executable, "-I", "-c", "import numpy"], check=True)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="task 6 only, one repetition")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    tasks = [6] if args.quick else None
    repeat = 1 if args.quick else args.repeat
    cases = build_cases()
    count = sum(len(cases[t]) for t in (tasks or cases))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_folder(Path(tmp) / "student")
        for _ in range(repeat):
            starts = python_start()
            report = check_folder(folder, cases=cases, tasks=tasks)
            every = [c for t in report.tasks for c in t.cases]
            assert all(c.verdict == "pass" for c in every), [c.summary for c in every]
            student = sum(c.seconds for c in every)
            reference = sum(c.reference_seconds for c in every)
            rows.append((report.seconds, student, reference, report.seconds - student - reference,
                         starts))
    med = [statistics.median(col) for col in zip(*rows)]
    print(f"check_folder on the bundled samples: {len(report.tasks)} task(s), {count} cases, "
          f"median of {repeat}")
    print(f"{'what':40}{'seconds':>10}")
    for name, value in zip(("whole check", "student's calls", "reference (core) calls",
                            "overhead (processes, files, verdicts)",
                            "one python -I + import numpy"), med):
        print(f"{name:40}{value:10.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
