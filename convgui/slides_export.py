"""File ▸ Export ▸ Animation… and Figure…: what the window shows, taken out for slides.

:func:`animation_action` and :func:`figure_action` make the two entries (the window places
them in its Export menu); each opens its dialog (:class:`~convgui.animation_dialog.AnimationDialog`,
:class:`~convgui.figure_dialog.FigureDialog`) on a snapshot of the current image, settings,
kernel and colours, kept as ``window.animation_dialog`` / ``window.figure_dialog``.
"""

import numpy as np
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import QAction

from core.kernels import load_presets

from .figure_dialog import FigureDialog

__all__ = ["animation_action", "figure_action", "open_animation_dialog", "open_figure_dialog",
           "kernel_name"]


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


def open_animation_dialog(window):
    """Open the animation dialog on what ``window`` shows; return it (None without an image)."""
    from .animation_dialog import AnimationDialog, AnimationSource

    view = window.computation.latest
    if view is None:
        window.report_error("Nothing to animate", "Open an image first.")
        return None
    k = _active_kernel(window, view)
    kernel = view.spec.kernels[:, :, 0, k]
    name = kernel_name(kernel)
    h, w = np.shape(view.image)[:2]
    source = AnimationSource(image=view.image, spec=view.spec, kernel_index=k,
                             colormap=window.state.colormap, mapping=window.state.mapping,
                             value_range=tuple(window.state.value_range), kernel_name=name,
                             centre=window.lesson_centre(h, w),
                             name=(name or "kernel").replace(" ", "_").lower() + "_steps")
    previous = window.animation_dialog
    if previous is not None and previous.worker is not None and previous.worker.is_running():
        previous.raise_()
        previous.activateWindow()
        return previous
    if previous is not None:
        previous.close()
    window.animation_dialog = AnimationDialog(source, window)
    window.animation_dialog.show()
    return window.animation_dialog


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


def animation_action(window):
    """The "Animation…" action (Ctrl+Shift+A) opening :func:`open_animation_dialog`; the window
    places it in its Export menu."""
    return _action(window, "&Animation (GIF, APNG, frames)…", "Ctrl+Shift+A",
                   "The step-through of the current settings as an animated GIF, animated PNG "
                   "or numbered frames", lambda: open_animation_dialog(window))


def figure_action(window):
    """The "Figure…" action (Ctrl+Shift+F) opening :func:`open_figure_dialog`; the window places
    it in its Export menu."""
    return _action(window, "&Figure (PNG 2×/4×, SVG, PDF)…", "Ctrl+Shift+F",
                   "The view shown, with a title, as a sharp PNG or a vector SVG/PDF for slides",
                   lambda: open_figure_dialog(window))
