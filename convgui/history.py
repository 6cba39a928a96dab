"""Undo and redo of kernel and parameter changes.

The history records snapshots of :meth:`ExplorerState.parameters` (the settings that define the
computation). Each change is one step, except inside a group (e.g. one mouse drag that paints
several kernel cells), which becomes a single step.
"""

from PyQt5.QtCore import QObject, pyqtSignal

from .state import PARAMETER_FIELDS, STACK_FIELDS, same_value

__all__ = ["History"]


class History(QObject):
    """Undo/redo stacks of parameter snapshots for one state."""

    availabilityChanged = pyqtSignal(bool, bool)

    def __init__(self, state, limit=200, parent=None):
        super().__init__(parent)
        self.state = state
        self.limit = limit
        self._undo = []
        self._redo = []
        self._current = state.parameters()
        self._restoring = False
        self._group_depth = 0
        self._group_start = None
        state.changed.connect(self._on_changed)
        state.stepStarted.connect(self.begin_group)
        state.stepFinished.connect(self.end_group)

    def _on_changed(self, name):
        if name not in PARAMETER_FIELDS + STACK_FIELDS or self._restoring:
            return
        previous, self._current = self._current, self.state.parameters()
        if self._group_depth:
            return
        self._push(previous)

    def _push(self, snapshot):
        self._undo.append(snapshot)
        del self._undo[:-self.limit]
        self._redo.clear()
        self._announce()

    def begin_group(self):
        """Start merging changes into one step (calls nest)."""
        if self._group_depth == 0:
            self._group_start = self._current
        self._group_depth += 1

    def end_group(self):
        """Finish a group; it becomes one undo step if anything changed."""
        self._group_depth = max(0, self._group_depth - 1)
        if self._group_depth == 0 and self._group_start is not None:
            start, self._group_start = self._group_start, None
            if not all(same_value(start[k], self._current[k]) for k in start):
                self._push(start)

    def can_undo(self):
        return bool(self._undo)

    def can_redo(self):
        return bool(self._redo)

    def undo(self):
        """Restore the settings before the last change."""
        if self._undo:
            self._redo.append(self._current)
            self._restore(self._undo.pop())

    def redo(self):
        """Re-apply the last undone change."""
        if self._redo:
            self._undo.append(self._current)
            self._restore(self._redo.pop())

    def clear(self):
        self._undo.clear()
        self._redo.clear()
        self._current = self.state.parameters()
        self._announce()

    def _restore(self, snapshot):
        self._restoring = True
        try:
            self.state.apply_parameters(snapshot)
        finally:
            self._restoring = False
        self._current = self.state.parameters()
        self._announce()

    def _announce(self):
        self.availabilityChanged.emit(self.can_undo(), self.can_redo())

