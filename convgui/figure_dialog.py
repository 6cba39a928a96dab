"""File ▸ Export ▸ Figure…: pick a title, the format (PNG 2×/4×, SVG, PDF) and what to include."""

from PyQt5.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                             QLineEdit, QVBoxLayout)

from . import dialogs
from .figure_export import FIGURE_FORMATS, write_figure

__all__ = ["FIGURE_CHOICES", "FigureDialog"]

#: ``(label, suffix, scale)`` of each choice in the format list.
FIGURE_CHOICES = (("PNG, 2× (slides)", "png", 2), ("PNG, 4× (print)", "png", 4),
                  ("SVG (vector)", "svg", 1), ("PDF (vector)", "pdf", 1))


class FigureDialog(QDialog):
    """Options for one figure; :meth:`save` asks for the file and writes it.

    ``board`` is ``(caption, widget)`` of the view shown; ``inspector`` the same for the
    inspector panel, or None.
    """

    def __init__(self, board, inspector=None, title="", name="figure", parent=None):
        super().__init__(parent)
        self.setWindowTitle("Export figure")
        self.setMinimumWidth(460)
        self.board, self.inspector, self.name = board, inspector, name
        self.written = None
        self.title_edit = QLineEdit(title)
        self.title_edit.setToolTip("Printed above the figure (and the document title of SVG/PDF)")
        self.format_combo = QComboBox()
        for label, suffix, scale in FIGURE_CHOICES:
            self.format_combo.addItem(label, (suffix, scale))
        self.format_combo.setToolTip("PNG is drawn at 2× or 4× the screen size; SVG and PDF keep "
                                     "text as text and pixels as sharp blocks")
        self.inspector_check = QCheckBox("Include the inspector below")
        self.inspector_check.setEnabled(inspector is not None)
        form = QFormLayout()
        form.addRow("&Title:", self.title_edit)
        form.addRow("&Format:", self.format_combo)
        form.addRow("", self.inspector_check)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self._on_save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def parts(self):
        parts = [self.board]
        if self.inspector is not None and self.inspector_check.isChecked():
            parts.append(self.inspector)
        return parts

    def save(self):
        """Ask where, then write the figure; the path written, or None (cancelled or failed)."""
        suffix, scale = self.format_combo.currentData()
        path = dialogs.ask_save_target(self, "Save the figure", FIGURE_FORMATS[suffix],
                                       f"{self.name}.{suffix}", f".{suffix}")
        if path is None:
            return None
        try:
            self.written = write_figure(path, self.parts(), title=self.title_edit.text().strip(),
                                        scale=scale if suffix == "png" else 2)
        except (OSError, ValueError) as exc:
            dialogs.show_error(self, "Export failed", f"{exc}\n\nNothing was written.")
            return None
        return self.written

    def _on_save(self):
        if self.save() is not None:
            self.accept()
