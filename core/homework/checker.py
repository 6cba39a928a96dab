"""Check a folder of student files: run every case, compare, and build the report.

:func:`check_folder` is what ``python main.py check FOLDER`` and the window's *Check my
solution…* call. The student's code runs in a child process (:mod:`core.homework.runner`);
the reference is the core's own implementation, timed in this process. One child process runs
the calls of every file in turn (each file imported once); a crash or a hung call costs only
that call, and a fresh child carries on.
"""

import time
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from .cases import build_cases
from .rules import read_rules
from .runner import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, iter_calls
from .tasks import TASKS
from .verdict import ATOL_FACTOR, VERDICTS, Comparison, compare, worst

__all__ = ["CaseReport", "TaskReport", "Report", "check_folder", "iter_check_folder"]


@dataclass(eq=False)
class CaseReport(Comparison):
    """The result of one case: its :class:`~core.homework.verdict.Comparison` (verdict,
    differences, convention or cause), shapes, timings, what went wrong, and both arrays.

    ``verdict`` is also ``'error'``, ``'timeout'`` … when the call did not return an array.
    """

    case: object = None
    expected: np.ndarray = None
    output: np.ndarray = None
    error: str = None
    traceback: list = field(default_factory=list)
    seconds: float = None
    reference_seconds: float = None

    # One case is one object (kept in sets and dicts by the window), not a value to compare.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    @property
    def expected_shape(self):
        return None if self.expected is None else tuple(self.expected.shape)

    @property
    def shape(self):
        return None if self.output is None else tuple(self.output.shape)

    @property
    def dtype(self):
        return None if self.output is None else str(self.output.dtype)

    @property
    def difference_text(self):
        """The largest difference, short (``'0.5'``), or ``'—'`` when there is none."""
        return "—" if self.max_abs_diff is None else f"{self.max_abs_diff:.3g}"

    @property
    def timing_text(self):
        """The student's time and the reference's, ``'12 / 3.4 ms'``, or ``'—'``."""
        if self.seconds is None or self.reference_seconds is None:
            return "—"
        return f"{_ms(self.seconds)} / {_ms(self.reference_seconds)} ms"

    @property
    def summary(self):
        """One line saying what happened (the convention, the cause or the error)."""
        if self.verdict == "pass":
            return "matches the reference"
        if self.verdict == "convention":
            return self.convention_label
        if self.verdict == "fail":
            return self.cause or "differs from the reference"
        return self.error or self.verdict

    def to_json(self):
        first = None
        if self.first_diff is not None:
            index, want, got = self.first_diff
            first = {"index": list(index), "expected": want, "got": got}
        return {
            "call": self.case.call,
            "label": self.case.label,
            "verdict": self.verdict,
            "expected_shape": _listed(self.expected_shape),
            "shape": _listed(self.shape),
            "dtype": self.dtype,
            "max_abs_diff": self.max_abs_diff,
            "first_diff": first,
            "convention": self.convention,
            "convention_label": self.convention_label,
            "assignment_says": self.convention_note,
            "also_matches": list(self.also),
            "cause": self.cause,
            "error": self.error,
            "traceback": list(self.traceback),
            "seconds": self.seconds,
            "reference_seconds": self.reference_seconds,
        }


def _ms(seconds):
    ms = seconds * 1000
    return f"{ms:.0f}" if ms >= 10 else f"{ms:.2g}"


def _listed(shape):
    return None if shape is None else list(shape)


@dataclass(eq=False)
class TaskReport:
    """One task: its file, the rules check, and its cases; ``verdict`` is the worst case's."""

    task: object
    path: Path
    cases: list
    rules: object = None

    @property
    def present(self):
        return self.rules is not None

    @property
    def verdict(self):
        return worst(c.verdict for c in self.cases) if self.present else "missing"

    def to_json(self):
        return {
            "task": self.task.number,
            "file": self.task.file,
            "function": self.task.function,
            "verdict": self.verdict,
            "loops": self.rules.loop_count if self.present else None,
            "max_loops": self.task.max_loops,
            "rules_ok": self.rules.ok if self.present else None,
            "rule_problems": self.rules.problems() if self.present else [],
            "imports": list(self.rules.imports) if self.present else [],
            "cases": [c.to_json() for c in self.cases],
        }


@dataclass(eq=False)
class Report:
    """Every task's report for one folder, and how long checking took."""

    folder: Path
    tasks: list
    seconds: float = 0.0
    tolerance: str = f"|got − expected| ≤ {ATOL_FACTOR:g} · max(1, max |expected|)"

    @property
    def exit_code(self):
        """0 when every present task passes and keeps the rules, 1 otherwise."""
        present = [t for t in self.tasks if t.present]
        ok = all(t.verdict == "pass" and t.rules.ok for t in present)
        return 0 if ok else 1

    def counts(self):
        """How many cases got each verdict: ``{verdict: count}``."""
        found = {v: 0 for v in VERDICTS}
        for t in self.tasks:
            for c in t.cases:
                found[c.verdict] += 1
        return found

    def to_json(self):
        return {"folder": str(self.folder), "tolerance": self.tolerance,
                "seconds": self.seconds, "tasks": [t.to_json() for t in self.tasks]}


def _timed_reference(case):
    start = time.perf_counter()
    expected = case.reference()
    return expected, time.perf_counter() - start


def _case_report(case, outcome, expected, ref_seconds):
    timing = dict(case=case, expected=expected, seconds=outcome.seconds,
                  reference_seconds=ref_seconds, error=outcome.error,
                  traceback=list(outcome.traceback))
    if outcome.status != "ok":
        return CaseReport(outcome.status, **timing)
    comparison = compare(case, expected, outcome.output)
    found = {f.name: getattr(comparison, f.name) for f in fields(Comparison)}
    return CaseReport(**found, output=outcome.output, **timing)


def _drain(steps, on_case):
    while True:
        try:
            report = next(steps)
        except StopIteration as stop:
            return stop.value
        if on_case is not None:
            on_case(report)


def check_folder(folder, *, timeout=DEFAULT_TIMEOUT, memory_mb=DEFAULT_MEMORY_MB, cases=None,
                 tasks=None, on_case=None, cancelled=None):
    """Check the student's files in ``folder`` against the reference; a :class:`Report`.

    Parameters
    ----------
    folder : str or Path
        Holds ``0-convolve_grayscale_valid.py`` … ``6-pool.py`` (missing ones are reported).
    timeout : float
        Seconds each call may take.
    memory_mb : int
        Memory limit of the student's process, MiB.
    cases : dict {task number: list of Case}, optional
        Defaults to :func:`core.homework.cases.build_cases` on the bundled samples.
    tasks : iterable of int, optional
        Only these task numbers.
    on_case : callable(CaseReport), optional
        Progress: called after each case.
    cancelled : callable() -> bool, optional
        Polled; True stops the run with :class:`core.homework.runner.Cancelled`.

    Raises
    ------
    ValueError
        If ``folder`` is not a folder.
    """
    steps = iter_check_folder(folder, timeout=timeout, memory_mb=memory_mb, cases=cases,
                              tasks=tasks, cancelled=cancelled)
    return _drain(steps, on_case)


def iter_check_folder(folder, *, timeout=DEFAULT_TIMEOUT, memory_mb=DEFAULT_MEMORY_MB,
                      cases=None, tasks=None, cancelled=None):
    """Generator form of :func:`check_folder`: yields each :class:`CaseReport` as it is judged
    (``report.case`` says which) and returns the :class:`Report`.

    The folder is checked before the first case runs (``ValueError`` if it is not one).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder {str(folder)!r} is not a folder")
    return _iter_folder(folder, timeout, memory_mb, cases, tasks, cancelled)


def _iter_folder(folder, timeout, memory_mb, cases, tasks, cancelled):
    start = time.perf_counter()
    cases = build_cases() if cases is None else cases
    wanted = None if tasks is None else set(tasks)
    chosen = [t for t in TASKS if wanted is None or t.number in wanted]
    reports, calls, owners = {}, [], []
    for task in chosen:
        path = folder / task.file
        task_cases = cases.get(task.number, [])
        if not path.is_file():
            missing = [CaseReport("missing", case=case, expected=case.reference(),
                                  error=f"{task.file} not found") for case in task_cases]
            reports[task.number] = TaskReport(task, path, missing)
            yield from missing
            continue
        rules = read_rules(path.read_text(encoding="utf-8", errors="replace"), task.max_loops)
        reports[task.number] = TaskReport(task, path, [None] * len(task_cases), rules)
        for position, case in enumerate(task_cases):
            calls.append((path, task.function, case))
            owners.append((task.number, position, _timed_reference(case)))
    for index, outcome in iter_calls(calls, timeout=timeout, memory_mb=memory_mb,
                                     cancelled=cancelled):
        number, position, (expected, seconds) = owners[index]
        report = _case_report(calls[index][2], outcome, expected, seconds)
        reports[number].cases[position] = report
        yield report
    return Report(folder, [reports[t.number] for t in chosen], time.perf_counter() - start)
