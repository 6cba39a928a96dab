"""Presentation mode (F11): full screen for a projector, read from the back of the room.

The kernel stays on screen (its digits ≥ 32 px), the inspector's numbers are ≥ 32 px, map
titles grow, the data and operation panel steps aside (View ▸ Data & operation, Ctrl+1, brings
it back from the keyboard). Leaving restores the window exactly: the dock layout, full screen
or not, and every widget's font — fonts are enlarged through the widget tree's inheritance and
put back the same way, never through a style sheet that could leave some widgets enlarged.
"""

from PyQt5.QtCore import Qt, QTimer
from PyQt5.QtGui import QFont
from PyQt5.QtWidgets import QWidget

from .window_layout import available_screen

__all__ = ["Presentation", "CONTROL_PT", "INSPECTOR_PX", "TITLE_SIZE", "inspector_pixels"]

#: Point size of the controls in presentation mode.
CONTROL_PT = 15
#: Pixel size of the inspector's text and numbers in presentation mode.
INSPECTOR_PX = 34
#: Map titles in presentation mode.
TITLE_SIZE = "20pt"


def inspector_pixels(screen_width):
    """The inspector's number size on a screen ``screen_width`` px wide: :data:`INSPECTOR_PX`
    from 1366 px on, smaller on a narrower projector (its grids would not fit side by side).

    Examples
    --------
    >>> inspector_pixels(1920), inspector_pixels(1366), inspector_pixels(1024)
    (34, 34, 19)
    """
    # The three grids' columns narrow with the width, and the type with it twice over: the
    # digits get narrower and the side panels take a larger share of a smaller screen.
    return int(min(INSPECTOR_PX, max(18, INSPECTOR_PX * (screen_width / 1366) ** 2)))


def _sized(font, *, point=None, pixel=None):
    font = QFont(font)
    if pixel is not None:
        font.setPixelSize(pixel)
    else:
        font.setPointSizeF(point)
    return font


class Presentation:
    """Enters and leaves presentation mode for a :class:`~convgui.main_window.MainWindow`."""

    def __init__(self, window):
        self.window = window
        self._saved = None

    @property
    def active(self):
        return self._saved is not None

    def _own_fonts(self, widgets):
        """The fonts set on ``widgets`` themselves (None: inherited)."""
        return {w: (QFont(w.font()) if w.testAttribute(Qt.WA_SetFont) else None)
                for w in widgets}

    def enter(self):
        if self.active:
            return
        w = self.window
        from .map_plot import MapPlot

        panel = w.inspector_panel
        enlarged = [w, panel, panel.heading, panel.formula, *panel.grid_titles, w.caption]
        docks = (w.left_dock, w.right_dock)
        self._saved = dict(layout=w.saveState(), full=w.isFullScreen(),
                           fonts=self._own_fonts(enlarged), title=MapPlot.title_size,
                           minimum_widths={dock: dock.minimumWidth() for dock in docks})
        w.setFont(_sized(w.font(), point=CONTROL_PT))
        numbers = inspector_pixels(available_screen(w).width())
        panel.setFont(_sized(w.font(), pixel=numbers))
        for label in (panel.heading, panel.formula, *panel.grid_titles):
            label.setFont(_sized(w.font(), pixel=max(20, numbers - 8)))
        w.caption.setFont(_sized(w.font(), point=CONTROL_PT))
        w.kernel_editor.grid.set_large(True)
        MapPlot.title_size = TITLE_SIZE
        w.left_dock.hide()
        w.right_dock.show()
        w.inspector_dock.show()
        w.showFullScreen()
        QTimer.singleShot(0, w.refit_panels)

    def leave(self):
        if not self.active:
            return
        w = self.window
        from .map_plot import MapPlot

        saved, self._saved = self._saved, None
        for widget, font in saved["fonts"].items():
            # A default QFont() clears the widget's own font: it inherits again.
            widget.setFont(font if font is not None else QFont())
        w.kernel_editor.grid.set_large(False)
        MapPlot.title_size = saved["title"]
        # The panels' widths from before, not refitted: their controls' size hints still
        # carry the large fonts until Qt lays them out again, and a panel never shrinks below
        # its minimum width, so a refit here left both side panels wider than before.
        for dock, width in saved["minimum_widths"].items():
            dock.setMinimumWidth(width)
        if not saved["full"]:
            w.showNormal()
        w.restoreState(saved["layout"])
        QTimer.singleShot(0, w.refold_inspector)

    @staticmethod
    def fonts_of(window):
        """Every widget's font, for checking that leaving restored them."""
        return {widget: widget.font().toString() for widget in window.findChildren(QWidget)}
