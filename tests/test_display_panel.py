"""The levels histogram's lines outlive their view box without raising inside Qt."""


def test_level_lines_survive_their_view_box_going_mid_computation(qtbot):
    """The histogram's level lines look their view box up twice; when it goes in between (as
    while a window is destroyed) they report empty bounds instead of raising inside Qt."""
    import pyqtgraph as pg
    from PyQt5.QtCore import QRectF

    from convgui.display_panel import DisplayPanel
    from convgui.state import ExplorerState

    panel = DisplayPanel(ExplorerState())
    qtbot.addWidget(panel)
    lines = [i for i in panel.histogram.scene().items() if isinstance(i, pg.InfiniteLine)]
    assert lines
    for line in lines:
        rect = line.viewRect()                  # found while the box was there …
        line.viewRect = lambda rect=rect: rect
        line.getViewBox = lambda: None          # … and gone when the size is asked
        assert line._computeBoundingRect() == QRectF()
