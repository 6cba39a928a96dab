"""A label whose text changes on every mouse move without laying out the window again."""

from PyQt5.QtCore import QEvent
from PyQt5.QtWidgets import QLabel, QSizePolicy, QWidget

__all__ = ["SteadyLabel"]


class SteadyLabel(QWidget):
    """A (word-wrapped, rich) text label for texts that change all the time, such as the
    inspector's heading and sum while the mouse moves over a map.

    ``QLabel.setText`` asks every layout above it, up to the main window's, to lay out again,
    since its height for its width may have changed: for the inspector that relayout cost about
    as much as the rest of a hover. Here the label shown keeps a fixed size inside this widget
    (a fixed-size widget does not ask its parents), a second label that is never shown measures
    the texts, and this widget asks its layout for room only when a new text needs another
    height (or, unwrapped, more width: it does not shrink and jitter with every shorter text).

    Examples
    --------
    >>> from PyQt5.QtWidgets import QApplication
    >>> app = QApplication.instance() or QApplication([])
    >>> label = SteadyLabel("<b>sum</b> = 3")
    >>> label.setText("<b>sum</b> = 4")
    >>> label.text(), label.wordWrap()
    ('<b>sum</b> = 4', True)
    """

    def __init__(self, text="", parent=None):
        super().__init__(parent)
        self._label = QLabel(text, self)
        self._measure = QLabel(text)  # never shown: the size hints of the text
        for label in (self._label, self._measure):
            label.setWordWrap(True)
        policy = QSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self._needed = None  # (width, height the text needs at that width)
        self._fit_label()

    def text(self):
        return self._label.text()

    def setText(self, text):
        if text == self._label.text():
            return
        before = self._height_needed()
        self._measure.setText(text)
        self._needed = None
        self._label.setText(text)  # repaints the label; a fixed size goes no further up
        wider = not self.wordWrap() and self._measure.sizeHint().width() > self.width()
        if wider or self._height_needed() != before:
            self.updateGeometry()

    def wordWrap(self):
        return self._label.wordWrap()

    def setWordWrap(self, on):
        for label in (self._label, self._measure):
            label.setWordWrap(on)
        self._needed = None
        self.updateGeometry()

    def setTextInteractionFlags(self, flags):
        self._label.setTextInteractionFlags(flags)

    def setContentsMargins(self, *margins):
        """Margins around the text (they count in the size it asks for)."""
        for label in (self._label, self._measure):
            label.setContentsMargins(*margins)
        self._needed = None
        self.updateGeometry()

    def _height_needed(self):
        """The height the text needs at the current width (measured once per text and width:
        laying out rich text is most of what a new text costs)."""
        width = max(self.width(), 1)
        if self._needed is None or self._needed[0] != width:
            height = self._measure.heightForWidth(width) if self._measure.wordWrap() else \
                self._measure.sizeHint().height()
            self._needed = (width, height)
        return self._needed[1]

    def sizeHint(self):
        return self._measure.sizeHint()

    def minimumSizeHint(self):
        return self._measure.minimumSizeHint()

    def hasHeightForWidth(self):
        return self._measure.wordWrap()

    def heightForWidth(self, width):
        return self._measure.heightForWidth(width)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_label()

    def changeEvent(self, event):
        super().changeEvent(event)
        if event.type() == QEvent.FontChange:  # the label shown inherits it; the other not
            self._measure.setFont(self.font())
            self._needed = None
            self.updateGeometry()

    def _fit_label(self):
        self._label.setFixedSize(self.size())
