"""Hovering pixel after pixel updates the inspector's texts without laying out the window again
(that relayout cost as much as the rest of a hover), yet a text that needs more lines gets them."""

from PyQt5.QtCore import QEvent, QObject

from conftest import hover, settle
from convgui.steady_label import SteadyLabel


class LayoutRequests(QObject):
    """Counts the layout requests that reach one widget."""

    def __init__(self, widget):
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched, event):
        if event.type() == QEvent.LayoutRequest:
            self.count += 1
        return False


def test_hovering_from_pixel_to_pixel_does_not_lay_out_the_window(window, qtbot):
    settle(qtbot, window)
    plot = window.canvas.conv[0]
    hover(qtbot, window, plot, 5, 5)  # the first hover opens the inspector: a new layout
    qtbot.wait(100)
    requests = LayoutRequests(window)
    panel = window.inspector_panel
    for row, col in ((6, 7), (12, 3), (20, 20)):
        hover(qtbot, window, plot, row, col)
        assert f"[{row}, {col}]" in panel.heading.text()
        assert "Sum" in panel.formula.text()
        assert f"[{row}, {col}] = " in window.status_readout.label.text()  # the status bar's read-out
    qtbot.wait(50)
    assert requests.count == 0


def test_a_text_that_needs_more_lines_gets_the_height(qtbot):
    from PyQt5.QtWidgets import QVBoxLayout, QWidget

    box = QWidget()
    qtbot.addWidget(box)
    label = SteadyLabel("one line")
    layout = QVBoxLayout(box)
    layout.addWidget(label)
    layout.addStretch(1)
    box.resize(200, 400)
    box.show()
    qtbot.waitExposed(box)
    one_line = label.height()
    label.setText(" ".join(["many words that wrap"] * 12))
    qtbot.waitUntil(lambda: label.height() > 3 * one_line)
    assert label.text().startswith("many words")
    label.setText("short again")
    qtbot.waitUntil(lambda: label.height() == one_line)
