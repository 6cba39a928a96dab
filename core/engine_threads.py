"""Superseded work that stops, and the engine's work split over two cores.

:func:`interruptible` lets a caller (the window, when a newer edit arrives) stop the engine
between two blocks of its work; :func:`checkpoint` is where the engine asks. :func:`split_rows`
and :func:`run_jobs` cut large work into independent parts and run them on a small thread pool:
NumPy releases the GIL in its ufuncs, copies, matrix products and FFTs, so two threads each
computing half of the images (or, for one photo, half of the output rows) use two cores. BLAS
itself stays on one thread (``core._blas``): on a busy 2-core machine its own threads spin-wait,
while these halves are measured 1.3-1.6x faster than one thread even there (1024x1024 photo with
a 5x5x3x8 bank: 0.31 -> 0.20 s; 2000 CIFAR images with 3x3x3x8: 0.24 -> 0.16 s).
"""

import concurrent.futures
import contextlib
import os
import threading

__all__ = ["Interrupted", "interruptible", "checkpoint", "split_rows", "run_jobs"]

_local = threading.local()
_pool = None


class Interrupted(Exception):
    """Raised by the engine inside :func:`interruptible` once the caller's ``should_stop``
    returns True: the work is no longer wanted (a newer request superseded it)."""


@contextlib.contextmanager
def interruptible(should_stop):
    """Let ``should_stop()`` end the engine's work on this thread between two blocks or bands.

    The check costs one call per block of about a megabyte, so superseded work stops within a
    few milliseconds instead of running to the end.

    Examples
    --------
    >>> with interruptible(lambda: True):
    ...     checkpoint()
    Traceback (most recent call last):
    ...
    core.engine_threads.Interrupted: the computation was superseded
    """
    previous = getattr(_local, "should_stop", None)
    _local.should_stop = should_stop
    try:
        yield
    finally:
        _local.should_stop = previous


def checkpoint():
    """Raise :class:`Interrupted` if this thread's work is no longer wanted.

    Examples
    --------
    >>> checkpoint()  # outside interruptible(): nothing to stop
    """
    should_stop = getattr(_local, "should_stop", None)
    if should_stop is not None and should_stop():
        raise Interrupted("the computation was superseded")


def _cores():
    return min(os.cpu_count() or 1, 4)


def _workers():
    """The thread pool (created on first use), one worker per core up to 4."""
    global _pool
    if _pool is None:
        _pool = concurrent.futures.ThreadPoolExecutor(max_workers=_cores(),
                                                      thread_name_prefix="conv2d")
    return _pool


def split_rows(m, h, oh, pads_tb, rows, padding_mode, work, threshold):
    """``[((a, z), (r0, r1), (top, bottom), (i0, i1))]``: images ``a:z``, output rows ``r0:r1``,
    their zero padding and the image rows ``i0:i1`` they read, one per thread.

    ``rows`` is ``(stride, dilation, kernel height)`` along the rows. Work (multiply-adds)
    below ``threshold`` stays in one part. Batches are split by images; a single image by
    output rows, each part padded on its own (zero padding only: other modes fill the border
    from rows another part holds).

    Examples
    --------
    >>> split_rows(1, 8, 8, (1, 1), (1, 1, 3), "zeros", 100, threshold=1000)
    [((0, 1), (0, 8), (1, 1), (0, 8))]
    """
    t, b = pads_tb
    sh, dh, kh = rows
    count = _cores()
    whole = [((0, m), (0, oh), (t, b), (0, h))]
    if count < 2 or work < threshold:
        return whole
    if m >= count:
        cuts = [m * i // count for i in range(count + 1)]
        return [((cuts[i], cuts[i + 1]), (0, oh), (t, b), (0, h)) for i in range(count)]
    eh = (kh - 1) * dh + 1
    if m > 1 or padding_mode != "zeros" or oh < 4 * count:
        return whole
    cuts = [oh * i // count for i in range(count + 1)]
    parts = []
    for r0, r1 in zip(cuts[:-1], cuts[1:]):
        first, last = r0 * sh - t, (r1 - 1) * sh + eh - t  # image rows read, padding < 0 or >= h
        i0, i1 = max(first, 0), min(last, h)
        if i1 <= i0:  # a part of padding only: not worth the special case
            return whole
        parts.append(((0, 1), (r0, r1), (i0 - first, last - i1), (i0, i1)))
    return parts


def run_jobs(run, jobs):
    """Call ``run(job)`` for each job: on this thread for one, in the pool for several (each
    stopping, like this thread, when the caller's :func:`interruptible` says so).

    Examples
    --------
    >>> done = []
    >>> run_jobs(done.append, [1, 2])
    >>> sorted(done)
    [1, 2]
    """
    if len(jobs) == 1:
        run(jobs[0])
        return
    should_stop = getattr(_local, "should_stop", None)

    def run_interruptible(job):
        with interruptible(should_stop):
            run(job)

    futures = [_workers().submit(run_interruptible, job) for job in jobs]
    for future in futures:
        future.result()
