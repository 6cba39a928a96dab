"""The explorer window: data and operation controls on the left, the kernel on the right, the
input and its feature maps in the middle.

The window owns the :class:`ExplorerState` and assembles the parts around it; it holds no
settings of its own. Its actions and menus come from :mod:`convgui.window_actions`, File ▸
Export from :class:`~convgui.export_actions.ExportActions`, the status bar's read-out from
:class:`~convgui.status_readout.StatusReadout`. Errors from loading, computing and exporting
all end in :meth:`report_error`.
"""

import numpy as np
from PyQt5.QtCore import QEvent, QObject, QSignalBlocker, Qt, QTimer
from PyQt5.QtWidgets import (QAction, QApplication, QDockWidget, QLabel, QMainWindow,
                             QScrollArea, QTabWidget, QTextBrowser, QVBoxLayout, QWidget)

from core.codegen import ImageSource, python_snippet
from core.explain import explain_conv_pixel
from core.datasets import DEFAULT_SAMPLE, Dataset, load_samples
from core.frames import busiest_centre, crop_box

from . import dialogs
from .compare_tab import CompareTab
from .compute import Computation
from .conv1d_tab import Conv1DTab
from .data_panel import DataPanel
from .display_panel import DisplayPanel
from .export_actions import ExportActions
from .help_text import help_html, shortcut_rows
from .step_through import StepControls, StepThrough
from .history import History
from .inspector import Inspector, InspectorPanel
from .kernel_editor import KernelEditor
from .layers_tab import install_layers
from .loading import DATA_FILTERS, DatasetLoader
from .lesson import apply_first_lesson, caption_text
from .opening import DatasetOrigin
from .operation_panel import OperationPanel
from .pipeline_tab import PipelineTab
from .presentation import Presentation
from .session import restore_session, save_session
from .state import ExplorerState
from .status_readout import StatusReadout
from .window_actions import install_window_actions
from .window_layout import available_screen, fit_side_dock, inspector_height, side_dock
from .feature_canvas import FeatureCanvas

__all__ = ["MainWindow"]

APP_TITLE = "Convolution Explorer"



class _ArrowKeysStayInTables(QObject):
    """Lets a grid keep ←/→ for moving between cells instead of changing image."""

    def eventFilter(self, obj, event):
        if event.type() == QEvent.ShortcutOverride and event.key() in (Qt.Key_Left,
                                                                      Qt.Key_Right):
            event.accept()
            return True
        return False


class MainWindow(QMainWindow):
    """The Convolution Explorer window.

    Parameters
    ----------
    restore : bool
        Reopen the last dataset, kernel and settings (``QSettings``) when True.
    load_in_background : bool
        Read files off the GUI thread (the app); False reads them in place (scripts, tests).
    first_lesson : bool
        Without a remembered session, open on the first lesson (a digit, the vertical-edge
        kernel, 'same' padding, ReLU, 2×2 max pooling, diverging colours); False keeps the
        plain defaults of :class:`ExplorerState` (a 1×1 identity kernel, no padding).
    """

    def __init__(self, *, restore=True, load_in_background=False, first_lesson=True,
                 parent=None):
        super().__init__(parent)
        self.setWindowTitle(APP_TITLE)
        self.setAcceptDrops(True)
        self.state = ExplorerState(self)
        self.presentation = Presentation(self)
        self._before_crop = None
        self.origin = None  # a DatasetOrigin: where the dataset came from, for the next start
        self.restore_warnings = []  # remembered values ignored at start, and why
        self.geometry_restored = False  # the last run's size and place came back
        self.computation = Computation(self.state, self)
        self.loader = DatasetLoader(self, synchronous=not load_in_background)
        self.loader.loaded.connect(self._on_loaded)
        self.loader.busyChanged.connect(self._on_loading)
        self.history = History(self.state, parent=self)
        self._build_views()
        self.exports = ExportActions(self)
        install_window_actions(self)
        self._connect()
        install_layers(self)
        if not (restore and restore_session(self)):
            self.open_sample(DEFAULT_SAMPLE)
            if first_lesson:
                apply_first_lesson(self.state)
        self.history.clear()
        self.computation.compute_now()

    # -- construction ----------------------------------------------------------------------

    def _build_views(self):
        self.canvas = FeatureCanvas()
        self.canvas.setObjectName("featureCanvas")
        self.pipeline_tab = PipelineTab(self.state, self.computation)
        self.compare_tab = CompareTab(self.state, self.computation)
        self.conv1d_tab = Conv1DTab()
        self.conv1d_tab.setMinimumSize(300, 200)  # let the inspector dock grow beneath the tabs
        self.tabs = QTabWidget()
        self.tabs.addTab(self.canvas, "Feature maps")
        self.tabs.addTab(self.pipeline_tab, "Pipeline")
        self.tabs.addTab(self.compare_tab, "Compare")
        conv1d_scroll = QScrollArea()
        conv1d_scroll.setWidgetResizable(True)
        conv1d_scroll.setFrameShape(QScrollArea.NoFrame)
        conv1d_scroll.setWidget(self.conv1d_tab)
        self.tabs.addTab(conv1d_scroll, "1-D convolution")
        self.tabs.setTabToolTip(1, "Input → convolution → activation → pooling; channels; "
                                   "correlation vs. convolution")
        self.tabs.setTabToolTip(2, "Two settings side by side with their difference")
        self.tabs.setTabToolTip(3, "The lesson's 1-D convolution, step by step")
        self.caption = QLabel("")
        self.caption.setObjectName("caption")
        self.caption.setWordWrap(True)
        self.caption.setToolTip("What the maps below show: image, kernel, settings and sizes")
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 2, 0, 0)
        central_layout.setSpacing(2)
        central_layout.addWidget(self.caption)
        central_layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        samples = [sample.name for sample in load_samples()]
        self.data_panel = DataPanel(self.state, samples)
        self.operation_panel = OperationPanel(self.state)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.data_panel)
        left_layout.addWidget(self.operation_panel, 1)
        self.kernel_editor = KernelEditor(self.state)
        self.display_panel = DisplayPanel(self.state)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.kernel_editor)
        right_layout.addWidget(self.display_panel, 1)
        self.left_dock = side_dock("Data & operation", left, "leftDock")
        self.right_dock = side_dock("Kernel & display", right, "rightDock")
        # The side panels run the full height; the inspector sits under the maps only.
        self.setCorner(Qt.BottomLeftCorner, Qt.LeftDockWidgetArea)
        self.setCorner(Qt.BottomRightCorner, Qt.RightDockWidgetArea)
        self.addDockWidget(Qt.LeftDockWidgetArea, self.left_dock)
        self.addDockWidget(Qt.RightDockWidgetArea, self.right_dock)
        self.inspector_panel = InspectorPanel()
        self.inspector_panel.setObjectName("inspector")
        self.inspector = Inspector(self.state, self.computation, self.canvas,
                                   self.inspector_panel, self)
        self.stepper = StepThrough(self.state, self.computation, self.canvas, self.inspector,
                                   self)
        self.step_controls = StepControls(self.stepper)
        bottom = self.inspector_body = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(4, 0, 4, 0)
        bottom_layout.addWidget(self.step_controls)
        bottom_layout.addWidget(self.inspector_panel, 1)
        self.inspector_dock = QDockWidget("Inspector — how one pixel is computed")
        self.inspector_dock.setObjectName("inspectorDock")
        self.inspector_dock.setWidget(bottom)
        self.inspector_dock.setFeatures(QDockWidget.DockWidgetMovable
                                        | QDockWidget.DockWidgetFloatable)
        self.inspector_dock.toggleViewAction().setText("&Inspector")
        self.addDockWidget(Qt.BottomDockWidgetArea, self.inspector_dock)
        self.inspector.openChanged.connect(self._fold_inspector)
        self._fold_inspector(False)
        self.status_readout = StatusReadout(self.statusBar(), self.canvas, self.computation,
                                            self, state=self.state)
        self._arrow_filter = _ArrowKeysStayInTables(self)
        self.kernel_editor.grid.installEventFilter(self._arrow_filter)

    def _connect(self):
        s = self.state
        self.computation.resultReady.connect(lambda _: self._redraw())
        self.computation.failed.connect(self._on_compute_failed)
        s.colormapChanged.connect(lambda _: self._redraw())
        # The pipeline/compare tabs and step-through show the kernel (and channel) under edit.
        s.activeKernelChanged.connect(lambda _: self._redraw())
        s.activeChannelChanged.connect(lambda _: self._update_side_tabs())
        s.mappingChanged.connect(lambda _: self._redraw())
        s.valueRangeChanged.connect(lambda _: self._redraw())
        s.selectedMapChanged.connect(lambda _: self._redraw())
        s.displayLevelsChanged.connect(lambda _: self._redraw())
        s.datasetChanged.connect(self._on_dataset_changed)
        self.stepper.activeChanged.connect(lambda on: None if on else self._redraw())
        self.step_controls.crop_check.toggled.connect(self.crop_for_lesson)
        self.kernel_editor.warningIssued.connect(
            lambda text: self.statusBar().showMessage(text, 10000))
        self.tabs.currentChanged.connect(lambda _: self._update_side_tabs())
        self.canvas.mapClicked.connect(self._on_map_clicked)
        self.data_panel.sampleRequested.connect(self.open_sample)
        self.data_panel.arrayRequested.connect(self.open_array)
        self.data_panel.openRequested.connect(self.open_file_dialog)
        # One drag over the kernel grid (many cells) is one undo step.
        self.kernel_editor.editStarted.connect(self.history.begin_group)
        self.kernel_editor.editFinished.connect(self.history.end_group)

    # -- data ------------------------------------------------------------------------------

    def set_dataset(self, dataset, origin=None):
        """Show ``dataset``; ``origin`` (a :class:`DatasetOrigin`) is remembered for the next
        start."""
        self.origin = origin
        self._before_crop = None  # a new dataset ends any lesson crop
        with QSignalBlocker(self.step_controls.crop_check):
            self.step_controls.crop_check.setChecked(False)
        self.state.show_dataset(dataset)
        self.setWindowTitle(f"{dataset.name} — {APP_TITLE}")

    def open_sample(self, name):
        """Open the bundled sample ``name`` (small: read at once); True when it opened."""
        return self._open_now(DatasetOrigin.sample(name), "Could not open the sample")

    def _open_now(self, origin, title):
        try:
            dataset = origin.load()
        except (ValueError, OSError) as exc:
            self.report_error(title, str(exc))
            return False
        self.set_dataset(dataset, origin)
        return True

    def open_path(self, path):
        """Open a dataset file, an image file or a folder of images; report errors, keep state.

        Reads off the GUI thread when the window was built with ``load_in_background``.
        """
        self.loader.open(path, grayscale=self.grayscale_action.isChecked())

    def _on_loaded(self, dataset, origin):
        self.set_dataset(dataset, origin)

    def _on_loading(self, busy):
        if busy:
            self.statusBar().showMessage("Opening…")
        else:
            self.statusBar().clearMessage()

    def open_array(self, key):
        """Show array ``key`` of the current file (read off the GUI thread, like a file)."""
        if self.origin is None:
            return
        self.loader.open_origin(self.origin.with_key(key))
        self.data_panel.refresh()  # the picker shows what is open until the array arrives

    def open_file_dialog(self):
        path = dialogs.ask_open_path(self, "Open a dataset or image", DATA_FILTERS)
        if path:
            self.open_path(path)

    def open_folder_dialog(self):
        path = dialogs.ask_folder(self, "Open a folder of images")
        if path:
            self.open_path(path)

    def step(self, delta):
        """←/→: step the kernel in step-through, otherwise browse images."""
        if self.stepper.active:
            self.stepper.step(delta)
        else:
            self.data_panel.step(delta)

    def _on_dataset_changed(self, dataset):
        """Nothing shown may still speak of the previous dataset."""
        self.stepper.set_active(False)
        self.inspector.clear()
        self.status_readout.forget()

    # -- drag and drop ---------------------------------------------------------------------

    def dragEnterEvent(self, event):
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event):
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.open_path(urls[0]))

    # -- results ---------------------------------------------------------------------------

    def _redraw(self):
        """Draw every view from the state and the latest result (or the reason there is none)."""
        if self.computation.failure is not None:
            self._show_failure(self.computation.failure)
            return
        view = self.computation.latest
        if view is None:
            return
        self.canvas.show_notice(None)
        s = self.state
        picture = view.input_picture(s.active_channel)
        spec = view.spec
        self.canvas.show_input(picture.values, picture.pads, view.input_range or self.state.value_range,
                               padded=picture.padded,
                               stretch=spec.stride if spec.transposed else (1, 1),
                               padding_mode=spec.padding_mode)
        self.canvas.show_outputs(view.result, s.mapping, s.colormap, self.state.value_range)
        self._attach_histogram()
        self.inspector.refresh()
        if self.stepper.active:  # the walk over the new result: its counter too
            self.stepper.seek(self.stepper.position)
        self._update_side_tabs()
        self._update_caption()
        self.status_readout.update()

    def _show_failure(self, message):
        """Nothing computed for these settings: clear the maps and say why, in the view."""
        self.stepper.set_active(False)
        self.inspector.clear()
        self.canvas.show_failure(message, self.state.image, self.state.value_range)
        self.caption.setText(f"Cannot compute: {message}")
        self._update_side_tabs()
        self.status_readout.update()

    def reset_zoom(self):
        """Every board back to its fitted view."""
        self.canvas.reset_zoom()
        for tab in (self.pipeline_tab, self.compare_tab):
            tab.board.board_scale.reset()

    def _fold_inspector(self, is_open):
        """The inspector shows its details while it has something to say, else one line."""
        panel = self.inspector_panel
        panel.details.setVisible(is_open)
        panel.heading.setWordWrap(is_open)
        body = self.inspector_body
        if is_open:
            body.setMaximumHeight(16777215)
            self.resizeDocks([self.inspector_dock], [inspector_height(self)], Qt.Vertical)
        else:
            line = max(panel.heading.sizeHint().height(), panel.channel_combo.sizeHint().height())
            margins = body.layout().contentsMargins()
            body.setMaximumHeight(self.step_controls.sizeHint().height() + line
                                  + 2 * body.layout().spacing() + margins.top()
                                  + margins.bottom() + 8)

    def _update_caption(self):
        view = self.computation.latest
        self.caption.setText(caption_text(self.state, view, self.kernel_editor.kernel_name()))

    def _update_side_tabs(self):
        """Recompute the pipeline or compare tab, only while it is the one shown."""
        current = self.tabs.currentWidget()
        if current in (self.pipeline_tab, self.compare_tab):
            current.update_view()

    def _attach_histogram(self):
        kind, k = self.state.selected_map
        plots = self.canvas.pooled if kind == "pooled" else self.canvas.conv
        if not plots:
            plots, kind = self.canvas.conv, "conv"
        if not plots:
            return
        k = min(k, len(plots) - 1)
        if self.state.display_levels is not None:
            plots[k].image_item.setLevels(self.state.display_levels)
        self.display_panel.attach(plots[k], plots[k].plot.titleLabel.text)

    def _on_map_clicked(self, kind, k):
        self.state.selected_map = (kind, k)

    def _on_compute_failed(self, message):
        self.statusBar().showMessage(f"Cannot compute with these settings: {message}", 8000)
        self._show_failure(message)

    # -- teaching --------------------------------------------------------------------------

    def crop_for_lesson(self, on, size=8):
        """Swap the image for a ``size``×``size`` crop around the inspected pixel (or the centre),
        as a one-image dataset; ``on=False`` brings the full dataset and image back."""
        stepping = self.stepper.active  # a crop keeps step-through going, from its start
        if on and self._before_crop is None and self.state.image is not None:
            image = self.state.image
            h, w = image.shape[:2]
            centre = busiest_centre(image, size) if stepping else self.lesson_centre(h, w)
            top, left, ch, cw = crop_box((h, w), size, centre)
            crop = np.array(image[top:top + ch, left:left + cw])
            dataset = self.state.dataset
            before = (dataset, self.origin, int(self.state.index))
            name = f"{crop.shape[0]}×{crop.shape[1]} crop of {dataset.name} #{self.state.index} " \
                   f"at [{top}, {left}]"
            label = None if dataset.labels is None else dataset.labels[self.state.index:
                                                                        self.state.index + 1]
            self.set_dataset(Dataset(crop[None], labels=label, class_names=dataset.class_names,
                                     name=name), self.origin)
            self._before_crop = before
        elif not on and self._before_crop is not None:
            dataset, origin, index = self._before_crop
            self.set_dataset(dataset, origin)
            self.state.index = index
        with QSignalBlocker(self.step_controls.crop_check):
            self.step_controls.crop_check.setChecked(self._before_crop is not None)
        if stepping and not self.stepper.active:
            self.computation.compute_now()
            self.stepper.set_active(True)

    def lesson_centre(self, h, w):
        """Where a lesson crop (or an exported animation) centres: the inspected pixel's window,
        the hovered input pixel, or the part of the image with the most to see."""
        target = self.inspector.target
        view = self.computation.latest
        if target is not None and view is not None and target.kind == "conv":
            window = explain_conv_pixel(view.image, view.spec, target.kernel, target.row,
                                        target.col).window
            return (window.top + window.bottom) // 2, (window.left + window.right) // 2
        if target is not None and target.kind == "input":
            return target.row, target.col
        if self.state.image is not None and self.state.image.shape[:2] == (h, w):
            return busiest_centre(self.state.image, 8)
        return h // 2, w // 2

    def copy_as_code(self):
        """Put a runnable snippet reproducing the current output on the clipboard."""
        image = self.state.image
        if image is None:
            return None
        origin = self.origin
        if origin is not None and origin.kind == "sample" and not origin.key:
            source = ImageSource.sample(origin.name)
        else:
            source = self.state.dataset
        code = python_snippet(self.state.stack(), image_source=source, index=int(self.state.index),
                              image_shape=tuple(image.shape))
        QApplication.clipboard().setText(code)
        self.statusBar().showMessage("Python code for this output copied to the clipboard", 6000)
        return code

    def toggle_presentation(self, on=None):
        """Full screen with large fonts for a projector (the kernel stays, the data panel
        steps aside); again to restore the previous layout and fonts exactly."""
        if on is None:
            on = not self.presentation.active
        if on:
            self.presentation.enter()
        else:
            self.presentation.leave()
        self.presentation_action.setChecked(self.presentation.active)
        self.canvas.refresh_titles()
        self._redraw()

    def refit_panels(self):
        """Fit the side panels to their controls again (after fonts or sizes changed)."""
        for dock in (self.left_dock, self.right_dock):
            fit_side_dock(dock)
        self.refold_inspector()

    def refold_inspector(self):
        """Give the inspector the height it takes now (open or folded; after a font change),
        and let the side panels drop a scroll bar they needed only for the larger fonts."""
        self._fold_inspector(self.inspector.is_open)
        for dock in (self.left_dock, self.right_dock):
            # A panel laid out with its scroll bar is narrower, so its text wraps taller and
            # keeps needing the bar: lay it out without one, then let the bar come back only
            # if the content, laid out at the full width, still needs it.
            dock.widget().setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        QTimer.singleShot(0, self._side_scroll_bars_as_needed)

    def _side_scroll_bars_as_needed(self):
        for dock in (self.left_dock, self.right_dock):
            dock.widget().setVerticalScrollBarPolicy(Qt.ScrollBarAsNeeded)

    # -- misc ------------------------------------------------------------------------------

    def report_error(self, title, message):
        """The one place errors reach the user: a dialog, and the status bar."""
        self.statusBar().showMessage(f"{title}: {message.splitlines()[0]}", 8000)
        dialogs.show_error(self, title, message)

    def show_help(self):
        """The F1 guide: concepts, then every shortcut read from the actions; it fits on the
        screen it opens on."""
        if not hasattr(self, "_help"):
            self._help = QTextBrowser()
            self._help.setWindowTitle(f"{APP_TITLE} — concepts and keys")
        grid_actions = list(self.kernel_editor.actions.values())
        window_actions = [a for a in self.findChildren(QAction) if a not in grid_actions]
        self._help.setHtml(help_html(shortcut_rows(window_actions),
                                     shortcut_rows(grid_actions)))
        area = available_screen(self).adjusted(10, 10, -10, -10)  # room for the frame
        width, height = min(680, area.width() - 20), min(760, area.height() - 40)
        self._help.resize(width, height)
        centre = self.frameGeometry().center()
        left = min(max(centre.x() - width // 2, area.left()), area.right() - width)
        top = min(max(centre.y() - height // 2, area.top()), area.bottom() - height)
        self._help.move(left, top)
        self._help.show()
        self._help.raise_()
        return self._help

    def closeEvent(self, event):
        save_session(self)
        super().closeEvent(event)
