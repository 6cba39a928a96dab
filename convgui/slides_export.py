"""File ▸ Export ▸ Figure…: what the window shows, taken out for slides.

:func:`figure_action` makes the menu entry (the window places it in its Export menu); it opens
a :class:`~convgui.figure_dialog.FigureDialog` on the tab shown and the inspector, titled with
the kernel and the image, kept as ``window.figure_dialog``.
"""

import numpy as np
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import QAction

from core.kernels import load_presets

from .figure_dialog import FigureDialog

__all__ = ["figure_action", "open_figure_dialog", "kernel_name"]


def kernel_name(kernel):
    """The preset's name when ``kernel`` (2-D, or one channel of a bank) is a preset, else ""."""
    kernel = np.asarray(kernel, dtype=np.float64)
    for preset in load_presets():
        weights = np.asarray(preset.kernel, dtype=np.float64)
        if weights.shape == kernel.shape and np.allclose(weights, kernel):
            return preset.name
    return ""


def _subject(window):
    dataset = window.state.dataset
    name = getattr(dataset, "name", "") or "image"
    return f"{name} #{window.state.index}"


def _active_kernel(window, view):
    return min(window.state.active_kernel, view.spec.kernels.shape[3] - 1)


def open_figure_dialog(window):
    """Open the figure dialog for the tab shown (and the inspector); return it."""
    index = window.tabs.currentIndex()
    caption = window.tabs.tabText(index).replace("&", "")
    view = window.computation.latest
    name = ""
    if view is not None:
        name = kernel_name(view.spec.kernels[:, :, 0, _active_kernel(window, view)])
    title = f"{name or 'Convolution'} on {_subject(window)}"
    previous = window.figure_dialog
    if previous is not None:
        previous.close()
    window.figure_dialog = FigureDialog((caption, window.tabs.widget(index)),
                                        ("Inspector", window.inspector_panel), title,
                                        caption.lower().replace(" ", "_"), window)
    window.figure_dialog.show()
    return window.figure_dialog


def _action(window, text, shortcut, tip, slot):
    action = QAction(text, window)
    action.setShortcut(QKeySequence(shortcut))
    action.setStatusTip(tip)
    action.setToolTip(tip)
    action.triggered.connect(slot)
    return action


def figure_action(window):
    """The "Figure…" action (Ctrl+Shift+F) opening :func:`open_figure_dialog`; the window places
    it in its Export menu."""
    return _action(window, "&Figure (PNG 2×/4×, SVG, PDF)…", "Ctrl+Shift+F",
                   "The view shown, with a title, as a sharp PNG or a vector SVG/PDF for slides",
                   lambda: open_figure_dialog(window))
