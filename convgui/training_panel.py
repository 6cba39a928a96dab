"""Train ▸ Train on this dataset…: a small CNN learns its kernels from the open dataset.

The panel trains the user's layer stack (from the window's kernel bank, padding, stride and
dilation, editable as text) plus a dense softmax layer on the worker thread, and shows while it
runs: the loss and accuracy curves, the first layer's kernels as they change, the validation
accuracy after each epoch; and at the end the confusion matrix. Layer 1 can start from random
kernels, from the hand-made ones, or keep the hand-made ones frozen. Learned kernels go back to
the kernel editor (and so to every view) or to a kernel file; the whole model to an ``.npz``
(:mod:`convgui.training_results`). The pictures and charts are :mod:`convgui.training_views`,
the job :mod:`convgui.training_job`.
"""

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QEvent
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import (QComboBox, QDialog, QDoubleSpinBox, QFormLayout,
                             QGridLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                             QProgressBar, QPushButton, QTableWidget, QVBoxLayout)

from core.choices import OPTIMIZER_CHOICES
from core.nn import DEFAULT_LAYERS, OPTIMIZERS

from . import dialogs
from .training_job import (START_CHOICES, TrainingRun, TrainingSettings, default_layers,
                           stack_layers, stack_summary)
from .training_results import TrainingResults
from .training_views import fill_confusion, kernel_mosaic, plot_widget, running_mean
from .widgets import spin_box, window_action
from .workers import Worker

__all__ = ["TrainingPanel", "install_train_menu", "kernel_mosaic"]

class TrainingPanel(TrainingResults, QDialog):
    """The Train window of one explorer window (see the module docstring)."""

    def __init__(self, window, parent=None):
        super().__init__(parent or window)
        self.window = window
        self.state = window.state
        self.setWindowTitle("Train a small CNN on this dataset")
        self.setModal(False)
        self.run = None
        self.result = None
        self.worker = None
        self._kernel_version = -1
        self._build()
        self.refresh_settings()
        self.state.datasetChanged.connect(lambda _: self._on_dataset_changed())
        window.installEventFilter(self)  # closing the window ends a running job first

    # -- layout ------------------------------------------------------------------------------

    def _build(self):
        self.layers = QLineEdit()
        self.layers.setToolTip("The layer stack, e.g. conv:8x5x5,relu,maxpool:2 — conv:NxKHxKW "
                               "with :padding=same, :stride=2, :dilation=2; relu; maxpool:K or "
                               "avgpool:K; dense:N. A dense layer with one output per class "
                               "is added at the end.")
        self.start_from = QComboBox()
        for key, label in START_CHOICES.items():
            self.start_from.addItem(label, key)
        self.start_from.currentIndexChanged.connect(lambda _: self._on_start_choice())
        self.start_from.setToolTip("How layer 1's kernels start. Frozen: the hand-made kernels "
                                   "stay as they are and only the layers after them learn.")
        self.epochs = spin_box(1, 200, "Passes over the training images", value=3)
        self.batch = spin_box(1, 4096, "Images per optimiser step", value=64)
        self.optimizer = QComboBox()
        for key, text in OPTIMIZER_CHOICES:
            self.optimizer.addItem(text, key)
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(4)
        self.lr.setRange(0.0001, 1.0)
        self.lr.setSingleStep(0.0005)
        self.lr.setValue(OPTIMIZERS[self.optimizer.currentData()])
        self.lr.setToolTip("Learning rate (step size)")
        self.optimizer.currentIndexChanged.connect(
            lambda _: self.lr.setValue(OPTIMIZERS[self.optimizer.currentData()]))
        self.limit = spin_box(0, 10_000_000, "Train on the first N training images only "
                              "(all: 0)", special="all")
        form = QFormLayout()
        self.stack_label = QLabel()
        self.stack_label.setToolTip("Each layer's output size, and how many input pixels one "
                                    "pixel of each layer sees: r = r_prev + (k − 1)·j_prev, "
                                    "j = j_prev·stride")
        layers_box = QVBoxLayout()
        layers_box.setSpacing(2)
        layers_box.addWidget(self.layers)
        layers_box.addWidget(self.stack_label)
        layers_caption = QLabel("&Layers")
        layers_caption.setBuddy(self.layers)
        form.addRow(layers_caption, layers_box)
        self.layers.textChanged.connect(lambda _: self._check_stack())
        form.addRow("Layer 1 &starts from", self.start_from)
        row = QHBoxLayout()
        for label, widget in (("&Epochs", self.epochs), ("&Batch", self.batch),
                              ("&Optimiser", self.optimizer), ("&Rate", self.lr),
                              ("&Images", self.limit)):
            caption = QLabel(label)
            caption.setBuddy(widget)
            row.addWidget(caption)
            row.addWidget(widget)
        row.addStretch(1)
        form.addRow(row)
        self.data_label = QLabel()
        self.data_label.setWordWrap(True)
        form.addRow("Data", self.data_label)
        settings = QGroupBox("Network and training")
        settings.setLayout(form)

        self.start_button = QPushButton("Start")
        self.start_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.start_button.setToolTip("Start training (Ctrl+Enter)")
        self.start_button.clicked.connect(self.start)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setShortcut(QKeySequence("Ctrl+P"))
        self.pause_button.setToolTip("Pause or resume training (Ctrl+P)")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setShortcut(QKeySequence("Ctrl+."))
        self.stop_button.setToolTip("End training now and score the network as it is (Ctrl+.)")
        self.stop_button.clicked.connect(self.stop)
        self.progress = QProgressBar()
        self.progress.setFormat("%p%")
        self.status = QLabel("Press Start to train.")
        controls = QHBoxLayout()
        for widget in (self.start_button, self.pause_button, self.stop_button):
            controls.addWidget(widget)
        controls.addWidget(self.progress, 1)

        self.loss_plot = plot_widget("Loss (cross-entropy)", "loss", (-8, 8))
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen((150, 170, 220), width=1),
                                              name="each batch")
        self.loss_mean = self.loss_plot.plot(pen=pg.mkPen((30, 70, 180), width=2),
                                             name="mean of 20")
        self.acc_plot = plot_widget("Accuracy", "accuracy", (-8, -8))
        self.acc_plot.setYRange(0, 1)
        self.acc_curve = self.acc_plot.plot(pen=pg.mkPen((30, 130, 60), width=2),
                                            name="training (mean of 20 batches)")
        self.valid_curve = self.acc_plot.plot(pen=pg.mkPen((200, 80, 20), width=2),
                                              symbol="o", symbolBrush=(200, 80, 20),
                                              symbolSize=8, name="validation (each epoch)")

        self.kernel_view = pg.GraphicsLayoutWidget()
        self.kernel_view.setBackground("w")
        self.kernel_view.setMinimumHeight(90)
        self.kernel_view.setMaximumHeight(220)
        box = self.kernel_view.addViewBox(lockAspect=True, enableMouse=False)
        box.invertY(True)
        self.kernel_image = pg.ImageItem(axisOrder="row-major")
        box.addItem(self.kernel_image)
        self.kernel_caption = QLabel("Layer 1 kernels")
        self.epoch_label = QLabel("")
        self.epoch_label.setWordWrap(True)

        self.confusion = QTableWidget()
        self.confusion.setEditTriggers(QTableWidget.NoEditTriggers)
        self.confusion.setToolTip("Rows: the true class; columns: the predicted class. The "
                                  "diagonal holds the correct answers.")
        self.confusion.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.confusion.verticalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.confusion_caption = QLabel("Confusion matrix (validation): after training")

        self.open_button = QPushButton("Open kernels in the &editor")
        self.open_button.setToolTip("Replace the window's kernel bank with the learned kernels "
                                    "(undo with Ctrl+Z)")
        self.open_button.clicked.connect(self.open_in_editor)
        self.save_kernels_button = QPushButton("Save &kernels…")
        self.save_kernels_button.setToolTip("Save the learned layer-1 kernels as a kernel file")
        self.save_kernels_button.clicked.connect(self.save_kernels)
        self.save_model_button = QPushButton("Save &model…")
        self.save_model_button.setToolTip("Save the layers and all weights as an .npz model")
        self.save_model_button.clicked.connect(self.save_model)
        self.open_layer = QComboBox()
        self.open_layer.setToolTip("Which conv layer's learned kernels to open in the editor")
        self.open_layer.addItem("Layer 1", 0)
        results = QHBoxLayout()
        for widget in (self.open_layer, self.open_button, self.save_kernels_button,
                       self.save_model_button):
            results.addWidget(widget)
        results.addStretch(1)

        curves = QHBoxLayout()
        curves.addWidget(self.loss_plot, 1)
        curves.addWidget(self.acc_plot, 1)
        lower = QGridLayout()
        lower.addWidget(self.kernel_caption, 0, 0)
        lower.addWidget(self.kernel_view, 1, 0)
        lower.addWidget(self.epoch_label, 2, 0)
        lower.addWidget(self.confusion_caption, 0, 1)
        lower.addWidget(self.confusion, 1, 1, 2, 1)
        lower.setColumnStretch(0, 3)
        lower.setColumnStretch(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(settings)
        layout.addLayout(controls)
        layout.addWidget(self.status)
        layout.addLayout(curves, 4)
        layout.addLayout(lower, 5)
        layout.addLayout(results)
        self.resize(1040, 900)
        self._set_running(False)

    # -- settings ----------------------------------------------------------------------------

    def _hand_made_banks(self):
        """Each layer's bank of the window's stack as cross-correlation weights (rotated when
        the layer is a true convolution)."""
        return [np.asarray(spec.kernels[::-1, ::-1] if spec.flip else spec.kernels,
                           dtype=np.float64) for spec in self.state.stack()]

    def _hand_made_bank(self):
        """Layer 1's bank as cross-correlation weights."""
        return self._hand_made_banks()[0]

    def _window_layers(self):
        """The window's layer stack as layer text: several layers as they are, a single one
        as its convolution followed by ReLU and max pooling."""
        stack = self.state.stack()
        if len(stack) > 1:
            return stack_layers(stack)
        s = stack[0]
        return default_layers(s.kernels, s.padding, s.stride, s.dilation)

    def refresh_settings(self):
        """Fill the layer text and describe the data.

        The stack starts with the window's kernel bank (its size, padding, stride, dilation);
        a lone 1×1 kernel (nothing chosen yet) gives the classic 8 kernels of 5×5 instead.
        """
        bank_shape = np.shape(self._hand_made_bank())
        hand_made = self.start_from.currentData() != "random" or bank_shape[:2] != (1, 1)
        self.layers.setText(self._window_layers() if hand_made else DEFAULT_LAYERS)
        self._describe_data()
        self._check_stack()

    def _on_start_choice(self):
        """Starting from the hand-made kernels needs a layer 1 of their shape: say so."""
        if self.start_from.currentData() != "random":
            rest = self.layers.text().split(",", 1)
            first = self._window_layers().split(",", 1)[0]
            self.layers.setText(first + ("," + rest[1] if len(rest) > 1 else ""))

    def _describe_data(self):
        data = self.state.dataset
        if data is None:
            self.data_label.setText("No dataset is open.")
        elif data.labels is None:
            self.data_label.setText(f"{data.name}: {len(data)} images without labels — open a "
                                    "labelled dataset (e.g. MNIST.npz) to train.")
        else:
            valid = ("validation on " + next(k for k in ("X_valid", "X_test")
                                             if k in data.alternatives)
                     if data.key == "X_train" and {"X_valid", "X_test"} & set(data.alternatives)
                     else "10% held out for validation")
            self.data_label.setText(f"{data.name}: {len(data)} labelled images "
                                    f"{'×'.join(map(str, data.image_shape))}, {valid}")

    def _on_dataset_changed(self):
        if not self.is_running():
            self._describe_data()
            self._check_stack()

    def _check_stack(self):
        """Say at once what the layer text builds (sizes, receptive fields) or why it cannot."""
        data = self.state.dataset
        if data is None:
            self.stack_label.setText("")
            return
        labels = data.labels
        classes = max(2, int(labels.max()) + 1) if labels is not None and len(labels) else 2
        try:
            text = stack_summary(self.layers.text(), data.image_shape, classes)
        except (ValueError, TypeError) as exc:
            self.stack_label.setStyleSheet("color: #b00020;")
            self.stack_label.setText(str(exc))
            return
        self.stack_label.setStyleSheet("color: #444;")
        self.stack_label.setText(text)

    def settings(self):
        """The :class:`TrainingSettings` the controls describe."""
        return TrainingSettings(
            layers=self.layers.text(), epochs=self.epochs.value(), batch_size=self.batch.value(),
            optimizer=self.optimizer.currentData(), lr=self.lr.value(),
            start=self.start_from.currentData(), kernels=self._hand_made_bank(),
            later_kernels=tuple(self._hand_made_banks()[1:]),
            limit=self.limit.value() or None)

    # -- running -----------------------------------------------------------------------------

    def is_running(self):
        return self.worker is not None and self.worker.is_running()

    def start(self):
        """Start training with the current settings (errors go to a dialog)."""
        if self.is_running():
            return
        data = self.state.dataset
        if data is None or data.labels is None:
            dialogs.show_error(self, "Cannot train", "Training needs a labelled dataset, such "
                               "as the MNIST digits (File ▸ Samples) or MNIST.npz.")
            return
        try:
            run = TrainingRun(data, self.settings())
        except ValueError as exc:
            dialogs.show_error(self, "Cannot train", str(exc))
            return
        self.run, self.result = run, None
        self._kernel_version = -1
        self._clear_views()
        self.worker = Worker(run.job, interval=0.1, parent=self)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self.status.setText("Preparing the data and the network…")
        self._set_running(True)
        self.worker.start()

    def toggle_pause(self):
        if not self.is_running() or self.run is None:
            return
        if self.run.paused:
            self.run.resume()
            self.pause_button.setText("Pause")
            self.status.setText("Training…")
        else:
            self.run.pause()
            self.pause_button.setText("Resume")
            self.status.setText("Paused — the curves and kernels show where training stands.")

    def stop(self):
        """End training early; the network trained so far is scored and kept."""
        if self.is_running() and self.run is not None:
            self.run.request_stop()
            self.status.setText("Stopping after this step…")

    def cancel_and_wait(self):
        """Abandon a running job (closing the panel or the window)."""
        if self.is_running():
            self.worker.cancel()
            self.run.resume()
            self.worker.wait()

    def _set_running(self, running):
        self.start_button.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.pause_button.setText("Pause")
        for widget in (self.layers, self.start_from, self.epochs, self.batch, self.optimizer,
                       self.lr, self.limit):
            widget.setEnabled(not running)
        has_kernels = self.run is not None and self.run.kernels is not None
        for widget in (self.open_button, self.save_kernels_button, self.open_layer):
            widget.setEnabled(has_kernels and not running)
        self.list_conv_layers()
        self.save_model_button.setEnabled(self.result is not None and not running)

    def _clear_views(self):
        for curve in (self.loss_curve, self.loss_mean, self.acc_curve, self.valid_curve):
            curve.setData([], [])
        self.kernel_image.clear()
        self.epoch_label.setText("")
        self.confusion.clear()
        self.confusion.setRowCount(0)
        self.confusion.setColumnCount(0)
        self.confusion_caption.setText("Confusion matrix (validation): after training")
        self.progress.setValue(0)

    def _on_progress(self, done, total):
        run = self.run
        if run is None:
            return
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self._draw_curves()
        self._draw_kernels()
        if not run.paused and run.steps:
            epoch, loss, _ = run.steps[-1]
            sizes = f" on {run.sizes[0]} images" if run.sizes else ""
            self.status.setText(f"Training{sizes}: epoch {min(int(epoch) + 1, run.settings.epochs)}"
                                f"/{run.settings.epochs}, step {done}/{total}, loss {loss:.3f}")

    def _draw_curves(self):
        run = self.run
        steps = list(run.steps)
        if steps:
            x, loss, acc = (np.array(v) for v in zip(*steps))
            self.loss_curve.setData(x, loss)
            self.loss_mean.setData(x, running_mean(loss))
            self.acc_curve.setData(x, running_mean(acc))
        epochs = [e for e in list(run.epochs) if e[3] is not None]
        if epochs:
            self.valid_curve.setData([e[0] for e in epochs], [e[3] for e in epochs])
            self.epoch_label.setText("Validation accuracy: " + ", ".join(
                f"epoch {e[0]}: {100 * e[3]:.1f}%" for e in epochs))

    def _draw_kernels(self):
        run = self.run
        if run.kernels is None or run.kernel_version == self._kernel_version:
            return
        self._kernel_version = run.kernel_version
        bank = run.kernels
        self.kernel_image.setImage(kernel_mosaic(bank), autoLevels=False, levels=(0, 255))
        kh, kw, c, nc = bank.shape
        frozen = " (frozen)" if run.settings.start == "frozen" else ""
        self.kernel_caption.setText(f"Layer 1 kernels{frozen}: {nc} × {kh}×{kw}, red positive, "
                                    f"blue negative, largest |weight| "
                                    f"{np.max(np.abs(bank)):.3g}")

    def _on_finished(self, result):
        self.result = result
        self._draw_curves()
        self._draw_kernels()
        self.progress.setValue(self.progress.maximum())
        fill_confusion(self.confusion, self.confusion_caption, result)
        how = "Stopped early" if result.stopped_early else "Done"
        self.status.setText(f"{how}: validation accuracy {100 * result.valid_accuracy:.1f}% "
                            f"({result.seconds:.1f} s).")
        self._set_running(False)

    def _on_failed(self, message):
        self._set_running(False)
        self.status.setText("Training failed.")
        dialogs.show_error(self, "Training failed", f"{message}\n\nThe window's kernels are "
                           "unchanged.")

    def _on_cancelled(self):
        self._set_running(False)
        self.status.setText("Cancelled.")

    def eventFilter(self, watched, event):  # noqa: N802 - Qt's name
        if watched is self.window and event.type() == QEvent.Close:
            self.cancel_and_wait()
        return False

    def closeEvent(self, event):  # noqa: N802 - Qt's name
        self.cancel_and_wait()
        super().closeEvent(event)


def install_train_menu(window):
    """Add the Train menu to an explorer window's menu bar (call it where the menu belongs);
    return the menu's action, also kept as ``window.train_action``."""
    action = window_action(window, "&Train on this dataset…", lambda: open_training_panel(window),
                           "Ctrl+T", "Train a small CNN — your kernels as layer 1 — on the open "
                           "labelled dataset and watch its kernels learn")
    window.menuBar().addMenu("T&rain").addAction(action)
    window.train_action = action
    return action


def open_training_panel(window):
    """Show the window's training panel (one per window), filled from its current settings."""
    panel = getattr(window, "training_panel", None)
    if panel is None:
        panel = window.training_panel = TrainingPanel(window)
    elif not panel.is_running():
        panel.refresh_settings()
    panel.show()
    panel.raise_()
    panel.activateWindow()
    return panel
