"""Dataset browsing: which array of the file, which image, and its label.

Bound both ways to the state's ``dataset`` and ``index``. Opening files and picking samples are
actions of the main window; this panel only asks for them through signals.
"""

import html

import numpy as np
from PyQt5.QtCore import QSignalBlocker, Qt, pyqtSignal
from PyQt5.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QSlider,
                             QSpinBox, QVBoxLayout, QWidget)

from .widgets import tool_button

__all__ = ["DataPanel"]


class DataPanel(QWidget):
    """Sample picker, array picker, image index with slider, previous/next/random, label.

    Signals
    -------
    sampleRequested(str)
        The user picked a bundled sample by name.
    arrayRequested(str)
        The user picked another array of the current file (e.g. ``'X_test'``).
    openRequested()
        The user pressed "Open…".
    """

    sampleRequested = pyqtSignal(str)
    arrayRequested = pyqtSignal(str)
    openRequested = pyqtSignal()

    def __init__(self, state, sample_names=(), parent=None):
        super().__init__(parent)
        self.state = state
        self._rng = np.random.default_rng()
        self._build(sample_names)
        state.datasetChanged.connect(self._on_dataset_changed)
        state.indexChanged.connect(self._on_index_changed)
        self._on_dataset_changed(state.dataset)

    def _build(self, sample_names):
        self.sample_combo = QComboBox()
        self.sample_combo.addItem("Bundled samples…", None)
        for name in sample_names:
            self.sample_combo.addItem(name, name)
        self.sample_combo.setToolTip("Open one of the datasets that come with the app")
        self.sample_combo.activated.connect(self._on_q_sample_activated)
        self.open_button = QPushButton("Open…")
        self.open_button.setToolTip("Open a dataset or image file (Ctrl+O); you can also drop "
                                    "files or folders onto the window")
        self.open_button.clicked.connect(self.openRequested)
        top = QHBoxLayout()
        top.addWidget(self.sample_combo, 1)
        top.addWidget(self.open_button)

        self.name_label = QLabel("No dataset")
        self.name_label.setWordWrap(True)
        self.name_label.setObjectName("datasetName")
        self.array_combo = QComboBox()
        self.array_combo.setToolTip("Other image arrays in this file (e.g. the validation split)")
        self.array_combo.activated.connect(self._on_q_array_activated)

        self.index_spin = QSpinBox()
        self.index_spin.setToolTip("Image number (← and → step through the images)")
        self.index_spin.valueChanged.connect(self._on_q_index_changed)
        self.index_slider = QSlider(Qt.Horizontal)
        self.index_slider.setToolTip("Scroll through the images")
        self.index_slider.valueChanged.connect(self._on_q_index_changed)
        self.prev_button = tool_button("◀", "Previous image (←)", lambda: self.step(-1))
        self.next_button = tool_button("▶", "Next image (→)", lambda: self.step(1))
        self.random_button = tool_button("⚄", "Random image (Ctrl+R)", self.random_image)
        nav = QHBoxLayout()
        nav.addWidget(self.prev_button)
        nav.addWidget(self.index_spin, 1)
        nav.addWidget(self.next_button)
        nav.addWidget(self.random_button)
        self.label_value = QLabel("")
        self.label_value.setObjectName("labelValue")
        self.file_value = QLabel("")
        self.file_value.setObjectName("fileName")
        self.file_value.setTextFormat(Qt.PlainText)
        self.file_value.setWordWrap(True)
        self.file_value.setToolTip("The image file shown, in the folder that was opened")

        form = QFormLayout()
        form.addRow("Array", self.array_combo)
        form.addRow("Image", nav)
        form.addRow("", self.index_slider)
        form.addRow("Label", self.label_value)
        form.addRow("File", self.file_value)
        self._form = form
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.name_label)
        layout.addLayout(form)

    # -- UI → state ------------------------------------------------------------------------

    def _on_q_sample_activated(self, row):
        name = self.sample_combo.itemData(row)
        with QSignalBlocker(self.sample_combo):
            self.sample_combo.setCurrentIndex(0)
        if name:
            self.sampleRequested.emit(name)

    def _on_q_array_activated(self, row):
        key = self.array_combo.itemData(row)
        if key and key != getattr(self.state.dataset, "key", None):
            self.arrayRequested.emit(key)

    def _on_q_index_changed(self, value):
        self.state.index = value

    def step(self, delta):
        """Move ``delta`` images forward (negative: back), wrapping around the ends."""
        count = self.count()
        if count:
            self.state.index = (self.state.index + delta) % count

    def random_image(self):
        """Jump to a random image other than the current one (when there are several)."""
        count = self.count()
        if count > 1:
            choice = int(self._rng.integers(count - 1))
            self.state.index = choice if choice < self.state.index else choice + 1

    def count(self):
        dataset = self.state.dataset
        return 0 if dataset is None else len(dataset.images)

    # -- state → UI ------------------------------------------------------------------------

    def refresh(self):
        """Show the state's dataset and index again (e.g. after a failed array switch)."""
        self._on_dataset_changed(self.state.dataset)

    def _on_dataset_changed(self, dataset):
        blockers = [QSignalBlocker(w) for w in (self.array_combo, self.index_spin,
                                                 self.index_slider)]
        count = self.count()
        self.index_spin.setRange(0, max(count - 1, 0))
        self.index_slider.setRange(0, max(count - 1, 0))
        self.index_slider.setPageStep(max(1, count // 20))
        self.array_combo.clear()
        if dataset is None:
            self.name_label.setText("No dataset")
            self.array_combo.setEnabled(False)
        else:
            shape = "×".join(str(s) for s in dataset.images.shape)
            self.name_label.setText(f"<b>{html.escape(dataset.name)}</b> — {shape} "
                                    f"{dataset.images.dtype}")
            key = getattr(dataset, "key", None)
            keys = [key] if key else []
            keys += [k for k in getattr(dataset, "alternatives", None) or [] if k != key]
            for k in keys:
                self.array_combo.addItem(k, k)
            self.array_combo.setEnabled(len(keys) > 1)
        del blockers
        self._on_index_changed(self.state.index)

    def _on_index_changed(self, index):
        with QSignalBlocker(self.index_spin), QSignalBlocker(self.index_slider):
            self.index_spin.setValue(index)
            self.index_slider.setValue(index)
        dataset = self.state.dataset
        text = dataset.label_text(index) if dataset is not None else ""
        self.label_value.setText(f"<b>{html.escape(text)}</b>" if text else "—")
        names = getattr(dataset, "file_names", None) or []
        shown = 0 <= index < len(names) and len(names) == self.count()
        self.file_value.setText(names[index] if shown else "")
        self.file_value.setVisible(shown)
        self._form.labelForField(self.file_value).setVisible(shown)
