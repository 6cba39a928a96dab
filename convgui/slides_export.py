"""File ▸ Export ▸ Animation… and Figure…: what the window shows, taken out for slides.

:func:`open_animation_dialog` and :func:`open_figure_dialog` open their dialog
(:class:`~convgui.animation_dialog.AnimationDialog`, :class:`~convgui.figure_dialog.FigureDialog`)
on a snapshot of the current image, settings, kernel and colours; the window's
:class:`~convgui.export_actions.ExportActions` keeps the last one of each.
"""

import numpy as np

from core.kernels import load_presets

from .figure_dialog import FigureDialog

__all__ = ["open_animation_dialog", "open_figure_dialog", "kernel_name"]


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


def open_animation_dialog(window, previous=None):
    """Open the animation dialog on what ``window`` shows; return it (None without an image).

    A ``previous`` dialog still writing is raised and returned instead; an idle one is closed.
    """
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
    if previous is not None and previous.worker is not None and previous.worker.is_running():
        previous.raise_()
        previous.activateWindow()
        return previous
    if previous is not None:
        previous.close()
    dialog = AnimationDialog(source, window)
    dialog.show()
    return dialog


def open_figure_dialog(window, previous=None):
    """Open the figure dialog for the tab shown (and the inspector); return it. A ``previous``
    one is closed."""
    index = window.tabs.currentIndex()
    caption = window.tabs.tabText(index).replace("&", "")
    view = window.computation.latest
    name = ""
    if view is not None:
        name = kernel_name(view.spec.kernels[:, :, 0, _active_kernel(window, view)])
    title = f"{name or 'Convolution'} on {_subject(window)}"
    if previous is not None:
        previous.close()
    dialog = FigureDialog((caption, window.tabs.widget(index)),
                          ("Inspector", window.inspector_panel), title,
                          caption.lower().replace(" ", "_"), window)
    dialog.show()
    return dialog
