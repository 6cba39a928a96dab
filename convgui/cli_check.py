"""``python main.py check FOLDER``: run a student's seven files against the reference.

Example::

    python main.py check ~/holbertonschool-machine_learning/math/0x04-convolutions_and_pooling
    python main.py check FOLDER --json > report.json

Prints a table per task (verdict, loops, each case's shapes, largest difference, timings and
what went wrong), or with ``--json`` the machine-readable report. Exit codes: 0 every present
task passes (and keeps the loop and import rules), 1 a case or rule does not, 2 bad arguments.
No Qt is imported.
"""

import json
import sys
import textwrap

from .cli_common import number_option, run_command

__all__ = ["configure_parser", "run", "format_report"]

PROG = "main.py check"


def configure_parser(parser):
    """Add the ``check`` arguments to ``parser``."""
    from core.homework import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT

    parser.add_argument("folder", metavar="FOLDER",
                        help="folder holding 0-convolve_grayscale_valid.py … 6-pool.py")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--timeout", type=number_option("timeout", above=0), default=DEFAULT_TIMEOUT, metavar="S",
                        help=f"seconds each call may take (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--memory", type=int, default=DEFAULT_MEMORY_MB, metavar="MB",
                        help=f"memory limit of the student's process (default "
                             f"{DEFAULT_MEMORY_MB} MiB)")
    parser.add_argument("--task", type=number_option("task", int, minimum=0, maximum=6), action="append", metavar="N",
                        help="check only task N (repeat for several)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")


def _shape(shape):
    return "—" if shape is None else "×".join(map(str, shape))


def format_report(report):
    """The report as a readable text table."""
    lines = [f"Checking {report.folder}  (tolerance: {report.tolerance})", ""]
    for task in report.tasks:
        loops = "" if not task.present else f"   loops {task.rules.loop_count}/{task.task.max_loops}"
        lines.append(f"Task {task.task.number}  {task.task.file:32} {task.verdict.upper()}{loops}")
        if task.present:
            lines += [f"    ! {problem}" for problem in task.rules.problems()]
        else:
            lines.append(f"    {task.task.file} not found in the folder")
            lines.append("")
            continue
        lines.append(f"    {'verdict':11}{'case':48}{'expected':>15}{'got':>15}"
                     f"{'max diff':>10}{'you / ref':>16}")
        explained = set()
        for case in task.cases:
            lines.append(f"    {case.verdict:11}{case.case.label[:47]:48}"
                         f"{_shape(case.expected_shape):>15}{_shape(case.shape):>15}"
                         f"{case.difference_text:>10}{case.timing_text:>16}")
            if case.verdict != "pass":
                lines.append(f"        {case.case.call}")
                lines.append(f"        → {case.summary}")
                if case.verdict == "convention":
                    if case.also:
                        lines.append(f"          (equally: {', '.join(case.also)})")
                    if case.convention not in explained:
                        explained.add(case.convention)
                        lines += textwrap.wrap(f"the assignment: {case.convention_note}",
                                               width=104, initial_indent=" " * 10,
                                               subsequent_indent=" " * 12)
                lines += [f"          {line}" for line in case.traceback]
        lines.append("")
    counts = report.counts()
    summary = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
    lines.append(f"{summary} — checked in {report.seconds:.1f} s")
    return "\n".join(lines)


def run(args):
    """Run ``check``; return the exit code (0 pass, 1 something does not, 2 bad arguments)."""
    from core.homework import check_folder

    def progress(case):
        if not args.quiet:
            print(f"task {case.case.task}: {case.case.label}: {case.verdict}", file=sys.stderr)

    def work():
        report = check_folder(args.folder, timeout=args.timeout, memory_mb=args.memory,
                              tasks=args.task, on_case=progress)
        if args.json:
            print(json.dumps(report.to_json(), indent=1))
        else:
            print(format_report(report))
        return report.exit_code

    return run_command(PROG, work, writes=False)
