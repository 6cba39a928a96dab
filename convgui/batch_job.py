"""The background jobs of File ▸ Process dataset…: the batch itself and one-shot exports.

Both are generator jobs for :class:`convgui.workers.Worker`: they yield ``(done, total)`` and
return their result, so the window keeps working while they run.
"""

import numpy as np

from core import batch as core_batch

__all__ = ["batch_job", "single_step"]


def batch_job(dataset, spec, *, start=0, stop=None, dtype=np.float32, path=None,
              other_keys=()):
    """A :class:`~convgui.workers.Worker` job running :func:`core.batch.process_dataset`.

    The output is allocated in memory, or (``path`` given) written straight to a ``.npy`` file
    that appears only when the job completes; ``other_keys`` are the file's other image arrays
    processed too. The job returns a :class:`core.batch.BatchResult`.
    """
    def job():
        return (yield from core_batch.process_dataset(dataset, spec, start=start, stop=stop,
                                                      dtype=dtype, path=path,
                                                      other_keys=other_keys))
    return job


def single_step(write):
    """A job for a one-shot export: progress 0/1, the write, 1/1; returns ``write()``."""
    def job():
        yield 0, 1
        value = write()
        yield 1, 1
        return value
    return job
