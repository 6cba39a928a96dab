"""Opening whatever the user chose (dataset file, image, folder) with errors shown, not raised.

:class:`DatasetLoader` reads off the GUI thread (a :class:`convgui.workers.LatestOnly`: the file
picked last wins) with a busy cursor, so a large archive never freezes the window;
``synchronous=True`` reads in place (scripts and tests).
"""

from PyQt5.QtCore import QObject, Qt, pyqtSignal
from PyQt5.QtWidgets import QApplication

from . import dialogs
from .image_io import MAX_PIXELS, ImageTooLarge, MixedSizes
from .opening import DatasetOrigin
from .workers import LatestOnly

__all__ = ["DATA_FILTERS", "DatasetLoader", "interactive_problem"]

DATA_FILTERS = ("Datasets and images (*.npz *.npy *.gz *.idx *-ubyte *.png *.jpg *.jpeg *.bmp "
                "*.gif *.tif *.tiff data_batch_* test_batch);;"
                "NumPy (*.npz *.npy);;Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff);;"
                "All files (*)")


def _ask_downscale(parent, exc):
    question = f"{exc}.\n\nDownscale it to about {exc.max_pixels / 1e6:.0f} megapixels?"
    return dialogs.ask_yes_no(parent, "Large image", question)


def interactive_problem(dataset):
    """Why the window cannot work on ``dataset`` live (its images are too large), or None.

    Examples
    --------
    >>> import numpy as np
    >>> from core.datasets import Dataset
    >>> interactive_problem(Dataset(np.zeros((1, 28, 28)))) is None
    True
    """
    h, w = dataset.images.shape[1:3]
    if h * w <= MAX_PIXELS:
        return None
    return (f"its images are {w} x {h} pixels ({h * w / 1e6:.1f} megapixels), more than the "
            f"{MAX_PIXELS / 1e6:.0f} megapixels the window recomputes live; process it with "
            "'python main.py apply', or open a smaller copy")


def _ask_resize(parent, exc):
    width, height = exc.common_size
    question = f"{exc}.\n\nResize them all to {width} x {height} pixels?"
    return dialogs.ask_yes_no(parent, "Images of different sizes", question)


def _show_skipped(parent, dataset):
    names = [f"{name}: {reason}" for name, reason in dataset.skipped[:10]]
    more = len(dataset.skipped) - len(names)
    dialogs.show_info(parent, "Some files were skipped",
                      f"{len(dataset.skipped)} file(s) could not be read and were skipped:\n\n"
                      + "\n".join(names) + (f"\n… and {more} more" if more > 0 else ""))


def _show_failure(parent, message):
    dialogs.show_error(parent, "Could not open the file",
                       f"{message}\n\nThe current dataset is still open.")


class DatasetLoader(QObject):
    """Reads datasets off the GUI thread; the newest request wins.

    Signals
    -------
    loaded(object, object)
        ``(dataset, origin)`` once a file was read; ``origin`` is the
        :class:`convgui.opening.DatasetOrigin` to remember (with the array shown as its key).
    busyChanged(bool)
        Reading started / ended (however it ended).
    """

    loaded = pyqtSignal(object, object)
    busyChanged = pyqtSignal(bool)

    def __init__(self, parent=None, *, synchronous=False):
        super().__init__(parent)
        self._parent = parent
        self._runner = LatestOnly(self, synchronous=synchronous)
        self._runner.finished.connect(self._on_finished)
        self._runner.failed.connect(lambda _gen, message: _show_failure(self._parent, message))
        self._runner.busyChanged.connect(self._on_busy)
        self._requests = {}

    @property
    def synchronous(self):
        return self._runner.synchronous

    @synchronous.setter
    def synchronous(self, value):
        self._runner.synchronous = bool(value)

    def open(self, path, *, grayscale=False, downscale=False, resize_to=None):
        """Start reading the file or folder at ``path``; ``loaded`` follows, or an error dialog.

        A photo above the size guard asks whether to downscale it, a folder of mixed sizes
        whether to resize them to the most common size; files of a folder that could not be
        read are listed after it opened.
        """
        self.open_origin(DatasetOrigin.file(path), grayscale=grayscale, downscale=downscale,
                         resize_to=resize_to)

    def open_origin(self, origin, *, grayscale=False, downscale=False, resize_to=None):
        """Start reading ``origin`` (a :class:`~convgui.opening.DatasetOrigin`), as :meth:`open`."""

        def job():
            try:
                return origin.load(grayscale=grayscale, downscale=downscale,
                                   resize_to=resize_to)
            except (ImageTooLarge, MixedSizes) as exc:
                return exc

        # Recorded before submitting: a synchronous job finishes inside submit().
        self._requests = {self._runner.generation + 1: (origin, grayscale, downscale)}
        self._runner.submit(job)

    def is_busy(self):
        return self._runner.is_busy()

    def wait_idle(self, timeout_ms=30_000):
        """Block until reading ended (scripts and tests); signals follow on the event loop."""
        return self._runner.wait_idle(timeout_ms)

    def _on_finished(self, generation, outcome):
        origin, grayscale, downscale = self._requests.pop(generation, (None, False, False))
        if origin is None:
            return
        if isinstance(outcome, ImageTooLarge):
            if _ask_downscale(self._parent, outcome):
                self.open_origin(origin, grayscale=grayscale, downscale=True)
            return
        if isinstance(outcome, MixedSizes):
            if _ask_resize(self._parent, outcome):
                self.open_origin(origin, grayscale=grayscale, downscale=downscale,
                                 resize_to=outcome.common_size)
            return
        problem = interactive_problem(outcome)
        if problem:
            _show_failure(self._parent, f"{outcome.name}: {problem}")
            return
        if origin.kind == "file" and origin.key is None:
            origin = origin.with_key(outcome.key)
        self.loaded.emit(outcome, origin)
        if outcome.skipped:
            _show_skipped(self._parent, outcome)

    def _on_busy(self, busy):
        if busy:
            QApplication.setOverrideCursor(Qt.BusyCursor)
        else:
            QApplication.restoreOverrideCursor()
        self.busyChanged.emit(busy)
