"""File ▸ Export: the window's export entries and the one way every export runs.

:class:`ExportActions` builds the Export menu's actions (feature maps as PNG, enlarged ×8, the
side-by-side view, the arrays, the kernel, the animation and the figure) and owns their flow:
ask for a path (one question names every file that would be replaced), write — on the worker
with progress and Cancel when it is more than a frame of work — and end with a message in the
status bar or, through ``window.report_error``, a dialog.
"""

from functools import partial
from pathlib import Path

from PyQt5.QtCore import QObject
from PyQt5.QtWidgets import QProgressDialog

from core import kernels as kernel_library
from core.atomic import PartialWriteError

from . import dialogs, export
from .slides_export import open_animation_dialog, open_figure_dialog
from .widgets import window_action
from .workers import Worker

__all__ = ["ExportActions"]


class ExportActions(QObject):
    """The Export menu of an explorer ``window`` (its state, computation, canvas, status bar).

    Attributes
    ----------
    maps_action, big_action, view_action, arrays_action, kernel_action, animation_action, figure_action : QAction
        The menu's entries, in menu order (:meth:`fill_menu`).
    worker : Worker or None
        The last background export (``finished`` carries the written paths).
    animation_dialog, figure_dialog : QDialog or None
        The last animation / figure dialog opened.
    """

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.worker = None
        self.animation_dialog = self.figure_dialog = None
        a = partial(window_action, window)
        self.maps_action = a("Feature maps as &PNG…", lambda: self.export_maps(1), "Ctrl+E",
                             "Save each output map as a PNG at its own size")
        self.big_action = a("Feature maps as PNG, &enlarged ×8…", lambda: self.export_maps(8),
                            "Ctrl+Shift+E",
                            "Save each output map as a PNG with 8×8 blocks per pixel")
        self.view_action = a("Side-by-side &view as PNG…", self.export_view_png, None,
                             "Save the picture of the input and outputs as one PNG")
        self.arrays_action = a("&Arrays (.npz / .npy)…", self.export_arrays, None,
                               "Save input, outputs, kernels and settings as NumPy files")
        self.kernel_action = a("&Kernel as JSON…", self.export_kernel, None,
                               "Save the kernel (bank) as a JSON file")
        self.animation_action = a("&Animation (GIF, APNG, frames)…", self.open_animation,
                                  "Ctrl+Shift+A",
                                  "The step-through of the current settings as an animated "
                                  "GIF, animated PNG or numbered frames")
        self.figure_action = a("&Figure (PNG 2×/4×, SVG, PDF)…", self.open_figure,
                               "Ctrl+Shift+F",
                               "The view shown, with a title, as a sharp PNG or a vector "
                               "SVG/PDF for slides")

    def fill_menu(self, menu):
        """Put the entries into ``menu``: the pictures and arrays, a line, the slides."""
        for action in (self.maps_action, self.big_action, self.view_action, self.arrays_action,
                       self.kernel_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.animation_action)
        menu.addAction(self.figure_action)

    # -- slides ----------------------------------------------------------------------------

    def open_animation(self):
        """Open the animation dialog on what the window shows (the running one stays)."""
        dialog = open_animation_dialog(self.window, self.animation_dialog)
        if dialog is not None:
            self.animation_dialog = dialog
        return dialog

    def open_figure(self):
        """Open the figure dialog for the tab shown."""
        self.figure_dialog = open_figure_dialog(self.window, self.figure_dialog)
        return self.figure_dialog

    # -- pictures and arrays ---------------------------------------------------------------

    def current_view(self):
        """The result for the current settings, or None (with a message) if there is none yet."""
        computation = self.window.computation
        if not computation.is_current():
            computation.compute_now()
        if not computation.is_current():
            self._say("Still computing — export again in a moment", 5000)
            return None
        return computation.latest

    def stages(self):
        """``[(stage, maps, levels)]`` of the image shown: conv, activated, pooled; the last
        stage drawn with the view's own levels."""
        view = self.current_view()
        if view is None:
            return None
        stages = export.pipeline_stages(view.result, self.window.state.activation)
        canvas = self.window.canvas
        plots = canvas.pooled if view.result.pooled is not None else canvas.conv
        levels = [tuple(p.image_item.getLevels()) for p in plots]
        return [(name, maps, levels if i == len(stages) - 1 else None)
                for i, (name, maps) in enumerate(stages)]

    def export_maps(self, scale=1):
        """Every stage of the feature maps (conv, activated, pooled) as PNGs, all or nothing;
        one question names every file that would be replaced."""
        stages = self.stages()
        if stages is None:
            return None
        count = int(stages[0][1].shape[-1])
        names = [name for name, _, _ in stages]
        path, _ = dialogs.ask_save_targets(
            self.window, "Export feature maps as PNG", "PNG image (*.png)", "feature_map.png",
            ".png", lambda chosen: export.stage_paths(chosen, names, count))
        if not path:
            return None
        state = self.window.state
        settings = (state.mapping, state.colormap, state.value_range, scale)
        if export.export_cost(stages, scale) > export.SYNC_EXPORT_PIXELS:  # > a frame: worker
            return self.run_in_background(export.iter_export_stages(path, stages, *settings),
                                          path)
        return self.run_now(lambda: export.export_stages(path, stages, *settings))

    def export_view_png(self):
        """The input and its maps as one PNG, as drawn."""
        path = dialogs.ask_save_target(self.window, "Export the view as PNG",
                                       "PNG image (*.png)", "convolution_view.png", ".png")
        if path:
            return self.run_now(lambda: export.export_view(path, self.window.canvas))
        return None

    def export_arrays(self):
        """Input, outputs, kernels and settings as ``.npz`` (or the output as ``.npy``), on
        the worker."""
        view = self.current_view()
        if view is None:
            return None
        path = dialogs.ask_save_target(self.window, "Export arrays", "NumPy archive (*.npz);;"
                                       "NumPy array of the output (*.npy)", "feature_maps.npz",
                                       (".npz", ".npy"))
        if not path:
            return None
        state = self.window.state
        job = export.iter_export_arrays(path, view.image, state.spec(),
                                        dataset=getattr(state.dataset, "name", ""),
                                        index=int(state.index))
        return self.run_in_background(job, path)

    def export_kernel(self):
        """The kernel (bank) as JSON."""
        path = dialogs.ask_save_target(self.window, "Export the kernel", "Kernel JSON (*.json)",
                                       "kernel.json", ".json")
        if path:
            kernels = self.window.state.kernels
            return self.run_now(lambda: kernel_library.save_kernel(path, kernels)
                                or [Path(path)])
        return None

    # -- the flow --------------------------------------------------------------------------

    def run_now(self, write):
        """Call ``write()`` (returns the written paths) on the GUI thread; say how it ended."""
        try:
            paths = write()
        except PartialWriteError as exc:
            self.window.report_error("Export failed", str(exc))
            return None
        except (OSError, ValueError) as exc:
            self.window.report_error("Export failed", f"{exc}\n\nNothing was written.")
            return None
        self._saved(paths)
        return paths

    def run_in_background(self, job, path):
        """Run an export generator on the worker with a progress dialog and Cancel.

        Returns the worker (``finished`` carries the written paths)."""
        progress = QProgressDialog(f"Exporting {Path(path).name}…", "Cancel", 0, 0, self.window)
        progress.setWindowTitle("Export")
        progress.setMinimumDuration(400)
        worker = Worker(lambda: job, parent=self)
        progress.canceled.connect(worker.cancel)
        worker.progress.connect(lambda done, total: (progress.setMaximum(total),
                                                     progress.setValue(done)))

        def ended(report):
            def slot(*args):
                worker.wait()
                progress.reset()
                progress.deleteLater()
                report(*args)
            return slot

        worker.finished.connect(ended(self._saved))
        worker.failed.connect(ended(lambda message: self.window.report_error(
            "Export failed", f"{message}\n\nNothing was written.")))
        worker.cancelled.connect(ended(lambda: self._say(
            "Export cancelled; nothing was written.", 8000)))
        self.worker = worker
        if getattr(self.window.loader, "synchronous", False):
            worker.run_here()
        else:
            worker.start()
        return worker

    def _saved(self, paths):
        names = ", ".join(str(p) for p in paths[:3]) + (" …" if len(paths) > 3 else "")
        self._say(f"Saved {names}", 8000)

    def _say(self, text, milliseconds):
        self.window.statusBar().showMessage(text, milliseconds)
