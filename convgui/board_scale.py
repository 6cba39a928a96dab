"""One scale for a board of maps: every map drawn with the same screen size per data pixel.

So a 14×14 pooled map is half the width of the 28×28 map it came from, and what stride, padding
and pooling do to the size is seen, not read. Zoom and pan are linked: wheel or drag in any map
and the others follow with the same scale and the same shift from their fitted view; a reset
(double-click, or View ▸ Reset zoom) returns to the fitted view, where the tightest map just
fills its box and every map is centred across its box, at its top (so a board that gets
shorter, as when the inspector opens below it, leaves the maps where they were).

Each member is a ``(view_box, content)`` pair: ``content()`` gives the map's rectangle in data
coordinates (``QRectF``, None when empty). Members added with ``linked=False`` (a kernel drawn
beside the maps) are fitted on their own.
"""

import math

from PyQt5.QtCore import QObject, pyqtSignal

__all__ = ["BoardScale"]

#: Screen pixels kept free around the tightest map in the fitted view.
MARGIN = 6


def _same_range(current, wanted):
    """True when view ranges ``((x0, x1), (y0, y1))`` agree to a millionth of their size."""
    return all(abs(a - b) <= 1e-6 * max(abs(hi - lo), 1e-12)
               for (lo, hi), pair in zip(wanted, current) for a, b in zip((lo, hi), pair))


class BoardScale(QObject):
    """Keeps the view boxes of a board at one scale (screen px per data pixel).

    Signals
    -------
    scaleChanged(float)
        The scale after every fit, zoom or resize.
    """

    scaleChanged = pyqtSignal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._members = []
        self._zoom = None            # (scale, dx, dy) chosen with the mouse; None: fitted
        self._busy = False
        self.scale = 1.0

    def set_members(self, members):
        """Replace the members: ``[(view_box, content, linked)]``."""
        old = [box for box, _, _ in self._members]
        self._members = list(members)
        new = [box for box, _, _ in self._members]
        for box in old:
            if not any(box is kept for kept in new):
                self._unwatch(box)
        for box in new:
            if not any(box is known for known in old):
                # Bound methods, not lambdas: Qt drops the connection with either object.
                box.sigRangeChangedManually.connect(self._on_manual)
                box.sigResized.connect(self._on_resized)
                box.disableAutoRange()

    def _unwatch(self, box):
        try:
            box.sigRangeChangedManually.disconnect(self._on_manual)
            box.sigResized.disconnect(self._on_resized)
        except (TypeError, RuntimeError):  # never connected, or its view already deleted
            pass

    def _on_resized(self, *_):
        self.apply()

    def reset(self):
        """Back to the fitted view."""
        self._zoom = None
        self.apply()

    @property
    def zoomed(self):
        """True while the user's zoom or pan is shown (not the fitted view)."""
        return self._zoom is not None

    def fitted_scale(self):
        """The largest scale at which every linked map fits its box."""
        scale = math.inf
        for box, content, linked in self._members:
            rect = content()
            if not linked or rect is None or rect.isEmpty():
                continue
            width, height = box.width() - 2 * MARGIN, box.height() - 2 * MARGIN
            if width <= 0 or height <= 0:
                continue
            scale = min(scale, width / rect.width(), height / rect.height())
        return scale if math.isfinite(scale) else 1.0

    def _unlinked_scale(self):
        """One scale for the members fitted on their own (the kernels beside the maps): the
        largest at which each fits its box, so two kernels are drawn the same size."""
        scale = math.inf
        for box, content, linked in self._members:
            rect = content()
            if linked or rect is None or rect.isEmpty():
                continue
            scale = min(scale, (box.width() - 2 * MARGIN) / rect.width(),
                        (box.height() - 2 * MARGIN) / rect.height())
        return max(scale, 1e-6) if math.isfinite(scale) else 1.0

    def apply(self):
        """Set every member's range for the current scale and shift."""
        if self._busy:
            return
        self._busy = True
        try:
            scale, dx, dy = self._zoom or (self.fitted_scale(), 0.0, 0.0)
            own_scale = self._unlinked_scale()
            for box, content, linked in self._members:
                rect = content()
                if rect is None or rect.isEmpty() or box.width() <= 0 or box.height() <= 0:
                    continue
                own = scale
                if not linked:
                    own = own_scale
                    shift = (0.0, 0.0)
                else:
                    shift = (dx, dy)
                # Centred across, at the top down: when the board gets shorter (the inspector
                # opening below it) a map keeps its place under the mouse.
                cx = rect.center().x() + shift[0]
                top = rect.top() - MARGIN / own + shift[1]
                half_w = box.width() / own / 2
                x_range, y_range = (cx - half_w, cx + half_w), (top, top + box.height() / own)
                if _same_range(box.viewRange(), (x_range, y_range)):
                    continue  # a resize burst re-applies the scale for every box: skip no-ops
                box.setRange(xRange=x_range, yRange=y_range, padding=0)
            self.scale = scale
        finally:
            self._busy = False
        self.scaleChanged.emit(self.scale)

    def _on_manual(self, *_):
        """The user zoomed or panned the sending view box: the others follow."""
        box = self.sender()
        if self._busy or box is None:
            return
        member = next((m for m in self._members if m[0] is box), None)
        if member is None or not member[2]:
            return
        rect = member[1]()
        (x0, x1), (y0, y1) = box.viewRange()
        if rect is None or x1 <= x0 or box.width() <= 0:
            return
        scale = box.width() / (x1 - x0)
        self._zoom = (scale, (x0 + x1) / 2 - rect.center().x(), y0 - (rect.top() - MARGIN / scale))
        self.apply()
