"""The background job of File ▸ Check my solution…: which cases, and the check run step by step.

:func:`check_job` is a generator job for :class:`convgui.workers.Worker`: it yields the progress
after each case and returns the :class:`core.homework.Report`; Cancel ends the student's process
at once. :func:`dataset_cases` builds the cases on the dataset open in the window.
"""

import numpy as np

from core.datasets import to_grayscale
from core.homework import Cancelled, build_cases, iter_check_folder

__all__ = ["DATASET_LIMIT", "dataset_cases", "check_job"]


#: The open dataset is checked on at most this many images of at most this size.
DATASET_LIMIT = (1000, 128)


def dataset_cases(dataset):
    """The standard cases on the open dataset (its first 1000 images, cropped to 128×128).

    Grayscale datasets replace the digits (colour cases stay on the bundled photos); colour
    datasets replace the photos, and their grayscale version the digits.
    """
    count, size = DATASET_LIMIT
    images = np.asarray(dataset.images[:count, :size, :size])
    name = dataset.key or "images"
    if images.shape[:3] != dataset.images.shape[:3]:
        name += f"[:{images.shape[0]}, :{images.shape[1]}, :{images.shape[2]}]"
    if images.ndim == 3:
        return build_cases(gray=images, gray_name=name)
    return build_cases(gray=to_grayscale(images), color=images, gray_name=f"gray({name})",
                       color_name=name)


def check_job(folder, cases=None, timeout=None):
    """A :class:`~convgui.workers.Worker` job checking ``folder``; returns the Report.

    ``cases`` is a dict of cases, a callable making them (run in the job, off the GUI thread)
    or None for the bundled samples. It yields ``(cases done, cases in all)`` after each case.
    The returned job has a ``cancel_check`` attribute: the worker's ``is_cancelled``, polled
    while the student's code runs, so Cancel does not wait for a slow case to end.
    """
    options = {} if timeout is None else {"timeout": timeout}

    def job():
        chosen = build_cases() if cases is None else cases() if callable(cases) else cases
        total = sum(len(v) for v in chosen.values())
        steps = iter_check_folder(folder, cases=chosen, cancelled=job.cancel_check, **options)
        done = 0
        try:
            yield done, total
            while True:
                try:
                    next(steps)
                except StopIteration as stop:
                    return stop.value
                except Cancelled:
                    yield done, total  # the worker sees its cancel flag here and stops
                    return None
                done += 1
                yield done, total
        finally:
            steps.close()  # ends the student's process at once when stopped between cases

    job.cancel_check = lambda: False
    return job
