"""How the window fits the screen: side panels that never scroll sideways, the inspector that
folds to one line, and a size that suits the screen it opens on.

The side panels run the full height of the window (the inspector sits under the maps only), so
at 1366×768 the kernel grid gets room for 40 px cells. A side panel is never narrower than what
its controls need, so it scrolls at most vertically.
"""

from PyQt5.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PyQt5.QtWidgets import QApplication, QComboBox, QDockWidget, QScrollArea, QStyle

__all__ = ["side_dock", "compact_combos", "fit_side_dock", "fit_to_screen", "DEFAULT_SIZE", "inspector_height"]

#: The size a first start opens at when the screen has room for it.
DEFAULT_SIZE = (1500, 900)


def compact_combos(widget, letters=8):
    """Let every combo box under ``widget`` shrink to ``letters`` characters (long entries are
    elided; the open list still shows them whole)."""
    for combo in widget.findChildren(QComboBox):
        combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(min(letters, combo.minimumContentsLength() or letters))


def side_dock(title, widget, name):
    """A dock holding ``widget`` in a scroll area that scrolls vertically only."""
    compact_combos(widget)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(widget)
    scroll.setFrameShape(QScrollArea.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)
    dock = QDockWidget(title)
    dock.setObjectName(name)
    dock.setWidget(scroll)
    dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable)
    # The View menu's entry: a literal '&' (not a mnemonic that shows as an underscore).
    dock.toggleViewAction().setText(title.replace("&", "&&"))
    fit_side_dock(dock)
    _RefitOnLayoutChange(dock)
    return dock


class _RefitOnLayoutChange(QObject):
    """Fits a side dock again whenever its controls' layout changes (rows shown or hidden, as
    when the operation becomes transposed or a layer is added), so it never scrolls sideways."""

    def __init__(self, dock):
        super().__init__(dock)
        self.dock = dock
        self.timer = QTimer(self, singleShot=True, interval=0)
        self.timer.timeout.connect(self._refit)
        dock.widget().widget().installEventFilter(self)

    def eventFilter(self, watched, event):
        if event.type() == QEvent.LayoutRequest:
            self.timer.start()  # once the layout has settled; many requests make one refit
        return False

    def _refit(self):
        # Only wider: a panel that shrank back when a cell went from "-1" to "0.5" re-laid out
        # the whole window on every edit.
        fit_side_dock(self.dock, grow_only=True)


def fit_side_dock(dock, grow_only=False):
    """Make ``dock`` at least as wide as its controls need (plus a vertical scroll bar), so it
    never needs a horizontal scroll bar; call again after its controls or fonts changed.
    ``grow_only`` keeps a wider minimum the panel already has."""
    scroll = dock.widget()
    content = scroll.widget()
    bar = scroll.style().pixelMetric(QStyle.PM_ScrollBarExtent)
    width = content.minimumSizeHint().width() + bar + 4
    if not grow_only or width > dock.minimumWidth():
        dock.setMinimumWidth(width)


def available_screen(window):
    """The available geometry of the screen ``window`` is on (or the primary screen)."""
    handle = window.windowHandle()
    screen = handle.screen() if handle is not None else None
    screen = screen or QApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, *DEFAULT_SIZE)


def fit_to_screen(window, restored=False):
    """Size ``window`` for its screen: a first start gets :data:`DEFAULT_SIZE` or the whole
    available area, whichever is smaller; a restored geometry that no longer fits (the screen
    got smaller) is shrunk and moved onto the screen. Returns the new geometry."""
    area = available_screen(window)
    if restored:
        frame = window.frameGeometry()
        width = min(frame.width(), area.width())
        height = min(frame.height(), area.height())
    else:
        width = min(DEFAULT_SIZE[0], area.width())
        height = min(DEFAULT_SIZE[1], area.height())
    extra_w = window.frameGeometry().width() - window.width()
    extra_h = window.frameGeometry().height() - window.height()
    window.resize(max(width - extra_w, 100), max(height - extra_h, 100))
    geometry = window.frameGeometry()
    left = min(max(geometry.left(), area.left()), area.right() - geometry.width() + 1)
    top = min(max(geometry.top(), area.top()), area.bottom() - geometry.height() + 1)
    if not restored:
        left = area.left() + (area.width() - geometry.width()) // 2
        top = area.top() + (area.height() - geometry.height()) // 2
    window.move(left, top)
    return window.frameGeometry()


def inspector_height(window):
    """The height the open inspector takes: a third of the window (nearly half in presentation
    mode, for its large numbers), at least 200 px."""
    presenting = getattr(window, "presentation", None) is not None and window.presentation.active
    return max(200, int(window.height() * (0.45 if presenting else 1 / 3)))
