"""Check a student's own solutions of the assignment against the core, case by case.

``check_folder(folder)`` runs each of the seven files (``0-convolve_grayscale_valid.py`` …
``6-pool.py``) in a child process on the assignment's main-file calls and on edge cases, and
says per case whether the output is right (``pass``), right under another named convention
(``convention``), wrong and probably why (``fail``), or raised, hung or is missing. The
assignment's rules (loop budget, numpy only) are read from the source with :mod:`ast`.

>>> from core.homework import TASKS, VERDICTS
>>> [t.file for t in TASKS][:2], VERDICTS[:3]
(['0-convolve_grayscale_valid.py', '1-convolve_grayscale_same.py'], ('pass', 'convention', 'fail'))
"""

from .cases import Case, build_cases
from .checker import CaseReport, Report, TaskReport, check_folder, iter_check_folder
from .conventions import CONVENTIONS, Convention, alternatives
from .rules import Rules, read_rules
from .runner import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, Cancelled, Outcome, iter_calls, run_cases
from .tasks import TASKS, Task, task
from .verdict import ATOL_FACTOR, VERDICTS, Comparison, compare, worst

__all__ = [
    "Case", "build_cases", "CaseReport", "Report", "TaskReport", "check_folder",
    "iter_check_folder",
    "CONVENTIONS", "Convention", "alternatives", "Rules", "read_rules", "DEFAULT_MEMORY_MB",
    "DEFAULT_TIMEOUT", "Cancelled", "Outcome", "iter_calls", "run_cases", "TASKS", "Task", "task",
    "ATOL_FACTOR", "VERDICTS", "Comparison", "compare", "worst",
]
