"""Opening whatever the user chose (dataset file, image, folder) with errors shown, not raised.

:class:`DatasetLoader` reads off the GUI thread (a :class:`convgui.workers.LatestOnly`: the file
picked last wins) with a busy cursor, so a large archive never freezes the window;
``synchronous=True`` reads in place (scripts and tests).
"""

from PyQt5.QtCore import QObject, Qt, pyqtSignal
from PyQt5.QtWidgets import QApplication

from . import dialogs
from .image_io import ImageTooLarge, load_any
from .workers import LatestOnly

__all__ = ["DATA_FILTERS", "DatasetLoader"]

DATA_FILTERS = ("Datasets and images (*.npz *.npy *.gz *.idx *-ubyte *.png *.jpg *.jpeg *.bmp "
                "*.gif *.tif *.tiff data_batch_* test_batch);;"
                "NumPy (*.npz *.npy);;Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff);;"
                "All files (*)")


def _ask_downscale(parent, exc):
    question = f"{exc}.\n\nDownscale it to about {exc.max_pixels / 1e6:.0f} megapixels?"
    return dialogs.ask_yes_no(parent, "Large image", question)


def _show_failure(parent, message):
    dialogs.show_error(parent, "Could not open the file",
                       f"{message}\n\nThe current dataset is still open.")


class DatasetLoader(QObject):
    """Reads datasets off the GUI thread; the newest request wins.

    Signals
    -------
    loaded(object, str)
        ``(dataset, path)`` once a file was read.
    busyChanged(bool)
        Reading started / ended (however it ended).
    """

    loaded = pyqtSignal(object, str)
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

    def open(self, path, *, grayscale=False, downscale=False):
        """Start reading ``path``; ``loaded`` follows, or an error dialog."""
        path = str(path)

        def job():
            try:
                return load_any(path, grayscale=grayscale, downscale=downscale)
            except ImageTooLarge as exc:
                return exc

        # Recorded before submitting: a synchronous job finishes inside submit().
        self._requests = {self._runner.generation + 1: (path, grayscale)}
        self._runner.submit(job)

    def is_busy(self):
        return self._runner.is_busy()

    def wait_idle(self, timeout_ms=30_000):
        """Block until reading ended (scripts and tests); signals follow on the event loop."""
        return self._runner.wait_idle(timeout_ms)

    def _on_finished(self, generation, outcome):
        path, grayscale = self._requests.pop(generation, (None, False))
        if path is None:
            return
        if isinstance(outcome, ImageTooLarge):
            if _ask_downscale(self._parent, outcome):
                self.open(path, grayscale=grayscale, downscale=True)
            return
        self.loaded.emit(outcome, path)

    def _on_busy(self, busy):
        if busy:
            QApplication.setOverrideCursor(Qt.BusyCursor)
        else:
            QApplication.restoreOverrideCursor()
        self.busyChanged.emit(busy)
