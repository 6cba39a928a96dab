"""A paged grid of thumbnails of a processed dataset, with each image's label.

Used by the batch dialog (:mod:`convgui.batch_dialog`) to show a
:class:`core.batch.BatchResult`; double-clicking a thumbnail asks to show that image.
"""

import numpy as np
from PyQt5.QtCore import QSize, Qt, pyqtSignal
from PyQt5.QtGui import QIcon, QImage, QPixmap
from PyQt5.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QListView, QListWidget,
                             QListWidgetItem, QPushButton, QVBoxLayout, QWidget)

from core import sheets

__all__ = ["ThumbnailGrid"]


def _pixmap(pixels):
    pixels = np.ascontiguousarray(pixels)
    h, w = pixels.shape[:2]
    if pixels.ndim == 2:
        image = QImage(pixels.data, w, h, w, QImage.Format_Grayscale8)
    else:
        image = QImage(pixels.data, w, h, 3 * w, QImage.Format_RGB888)
    return QPixmap.fromImage(image.copy())


class ThumbnailGrid(QWidget):
    """Pages of thumbnails of a :class:`core.batch.BatchResult`, each with index and label.

    One feature map is shown at a time (chosen in the combo box), scaled with the same levels for
    every image (:func:`core.sheets.feature_levels`), so brightness compares across thumbnails.

    Signals
    -------
    imageActivated(int)
        A thumbnail was double-clicked; the argument is the image's index in the source dataset.
    """

    imageActivated = pyqtSignal(int)

    def __init__(self, parent=None, *, page_size=100, icon_size=56):
        super().__init__(parent)
        self.page_size = page_size
        self.result = None
        self.levels = None
        self.lut = None
        self.page = 0
        self.list = QListWidget()
        self.list.setViewMode(QListView.IconMode)
        self.list.setResizeMode(QListView.Adjust)
        self.list.setMovement(QListView.Static)
        self.list.setUniformItemSizes(True)
        self.list.setIconSize(QSize(icon_size, icon_size))
        self.list.setGridSize(QSize(icon_size + 18, icon_size + 34))
        self.list.itemDoubleClicked.connect(
            lambda item: self.imageActivated.emit(int(item.data(Qt.UserRole))))
        self.feature = QComboBox()
        self.feature.setToolTip("Which feature map (kernel) the thumbnails show")
        self.feature.currentIndexChanged.connect(lambda _: self.show_page(self.page))
        self.previous = QPushButton("◀ Previous")
        self.next = QPushButton("Next ▶")
        self.previous.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next.clicked.connect(lambda: self.show_page(self.page + 1))
        self.where = QLabel("No result yet")
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Feature map:"))
        bar.addWidget(self.feature)
        bar.addStretch(1)
        bar.addWidget(self.where)
        bar.addWidget(self.previous)
        bar.addWidget(self.next)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.list, 1)
        self._update_buttons()

    @property
    def pages(self):
        """Number of pages (0 without a result)."""
        return 0 if self.result is None else -(-len(self.result) // self.page_size)

    def set_result(self, result, lut=None):
        """Show ``result`` from its first page; ``lut`` is a (256, 3) colour table or None."""
        self.result = result
        self.lut = lut
        self.levels = sheets.feature_levels(result.outputs)
        self.feature.blockSignals(True)
        self.feature.clear()
        self.feature.addItems([f"K{k + 1}" for k in range(result.feature_count)])
        self.feature.blockSignals(False)
        self.show_page(0)

    def page_range(self):
        """``(first, last)`` positions in the result shown on the current page."""
        first = self.page * self.page_size
        return first, min(len(self.result), first + self.page_size)

    def show_page(self, page):
        """Show page ``page`` (clamped to the pages there are)."""
        self.list.clear()
        if self.result is None:
            self._update_buttons()
            return
        self.page = max(0, min(int(page), self.pages - 1))
        first, last = self.page_range()
        k = max(0, self.feature.currentIndex())
        block = np.asarray(self.result.outputs[first:last, :, :, k])
        for offset, values in enumerate(block):
            position = first + offset
            index = self.result.start + position
            label = self.result.label_text(position)
            text = f"#{index}" + (f"\n{label}" if label else "")
            item = QListWidgetItem(QIcon(_pixmap(sheets.render_tile(
                values, self.levels[k], self.lut))), text)
            item.setData(Qt.UserRole, index)
            item.setToolTip(f"image {index}" + (f", label {label}" if label else ""))
            self.list.addItem(item)
        self._update_buttons()

    def _update_buttons(self):
        if self.result is None:
            self.where.setText("No result yet")
        else:
            first, last = self.page_range()
            self.where.setText(f"{first + 1}–{last} of {len(self.result)}")
        self.previous.setEnabled(self.result is not None and self.page > 0)
        self.next.setEnabled(self.result is not None and self.page < self.pages - 1)
