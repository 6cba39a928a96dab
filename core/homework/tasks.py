"""The seven tasks of the "Convolutions and Pooling" assignment: file, function, loop budget."""

from dataclasses import dataclass

__all__ = ["Task", "TASKS", "task"]


@dataclass(frozen=True)
class Task:
    """One task: its number, the student's file name, the function it defines, its rules.

    Examples
    --------
    >>> task(3).file
    '3-convolve_grayscale.py'
    """

    number: int
    function: str
    max_loops: int
    title: str

    @property
    def file(self):
        """The file the assignment asks for, e.g. ``'0-convolve_grayscale_valid.py'``."""
        return f"{self.number}-{self.function}.py"


#: The assignment's tasks 0-6. Every task allows two ``for`` loops, task 5 three.
TASKS = (
    Task(0, "convolve_grayscale_valid", 2, "Valid Convolution"),
    Task(1, "convolve_grayscale_same", 2, "Same Convolution"),
    Task(2, "convolve_grayscale_padding", 2, "Convolution with Padding"),
    Task(3, "convolve_grayscale", 2, "Strided Convolution"),
    Task(4, "convolve_channels", 2, "Convolution with Channels"),
    Task(5, "convolve", 3, "Multiple Kernels"),
    Task(6, "pool", 2, "Pooling"),
)


def task(number):
    """The :class:`Task` numbered ``number`` (0-6); ``ValueError`` for any other number."""
    for item in TASKS:
        if item.number == number:
            return item
    raise ValueError(f"number must be one of 0-{len(TASKS) - 1}, got {number!r}")
