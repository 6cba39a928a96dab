"""What the Check-my-solution dialog writes: verdict colours, table cells and the HTML details.

Pure functions of a :class:`core.homework.TaskReport` or :class:`core.homework.CaseReport`, so
the dialog (:mod:`convgui.homework_panel`) only places them.
"""

import numpy as np

from .map_board import shape_text

__all__ = ["VERDICT_COLOURS", "COLUMNS", "html", "task_heading", "case_cells", "task_html",
           "case_html"]

#: Background colour of each verdict in the table.
VERDICT_COLOURS = {
    "pass": "#c8e6c9",
    "convention": "#fff3b0",
    "fail": "#ffcdd2",
    "timeout": "#ffe0b2",
    "error": "#f8bbd0",
    "missing": "#e0e0e0",
}

#: The results table's columns.
COLUMNS = ("Task", "Case", "Verdict", "Expected", "Got", "Max |diff|", "You / reference", "What")


def html(text):
    """``text`` escaped for Qt's rich text.

    Examples
    --------
    >>> html("a < b & c")
    'a &lt; b &amp; c'
    """
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def task_heading(task):
    """The one-line heading of a task's row: number, file, verdict, loops, rule problems."""
    loops = (f"loops {task.rules.loop_count}/{task.task.max_loops}" if task.present
             else "file not found")
    problems = "; ".join(task.rules.problems()) if task.present else ""
    text = f"Task {task.task.number} — {task.task.file} — {task.verdict.upper()} — {loops}"
    return text + (f" — ⚠ {problems}" if problems else "")


def case_cells(task, case):
    """The texts of a case's row, one per :data:`COLUMNS` entry."""
    return (str(task.task.number), case.case.label, case.verdict,
            shape_text(np.empty(case.expected_shape)) if case.expected_shape else "—",
            shape_text(np.empty(case.shape)) if case.shape else "—",
            case.difference_text, case.timing_text, case.summary)


def task_html(task):
    """The details of a task: title, file and function, loops and rule problems."""
    lines = [f"<h3>Task {task.task.number}: {task.task.title}</h3>",
             f"<p><code>{task.task.file}</code> — <code>{task.task.function}()</code></p>"]
    if not task.present:
        lines.append("<p>The file is missing from the folder.</p>")
    else:
        lines.append(f"<p>Loops: {task.rules.loop_count} (the assignment allows "
                     f"{task.task.max_loops}).</p>")
        for problem in task.rules.problems():
            lines.append(f"<p>⚠ {html(problem)}</p>")
    return "".join(lines)


def case_html(case):
    """The details of a case: the call, shapes, verdict and why, the first wrong pixel."""
    c = case.case
    lines = [f"<h3>{html(c.label)} — <span style='background:"
             f"{VERDICT_COLOURS[case.verdict]}'>&nbsp;{case.verdict}&nbsp;</span></h3>",
             f"<p><code>{html(c.call)}</code></p>",
             f"<p>Expected {case.expected_shape}, got {case.shape}"
             f"{'' if case.dtype is None else ' ' + case.dtype}; largest difference "
             f"{case.difference_text}.</p>"]
    if case.verdict == "convention":
        lines.append(f"<p><b>Convention:</b> {html(case.convention_label)}"
                     + (f" (equally: {html(', '.join(case.also))})" if case.also else "")
                     + f"</p><p><b>The assignment:</b> {html(case.convention_note)}</p>")
    elif case.verdict == "fail":
        lines.append(f"<p><b>Likely cause:</b> {html(case.summary)}</p>")
    elif case.verdict != "pass":
        lines.append(f"<p><b>{case.verdict}:</b> {html(case.error)}</p>")
    if case.first_diff is not None:
        index, want, got = case.first_diff
        lines.append(f"<p>First differing pixel {index}: expected {want:.6g}, "
                     f"got {got:.6g}.</p>")
    if case.traceback:
        lines.append("<pre>" + html("\n".join(case.traceback)) + "</pre>")
    return "".join(lines)
