"""The one place where unexpected errors end: a log line with the traceback and one dialog.

:func:`install` (called once at start-up, after pyqtgraph is imported) replaces
``sys.excepthook`` and ``threading.excepthook`` — including the hook pyqtgraph installs — so an
exception escaping a slot, a timer or a worker thread is reported instead of killing the app or
vanishing. Worker threads (see :mod:`convgui.workers`) call :func:`report` for every exception
that is not an ordinary user-facing failure. The dialog goes through :mod:`convgui.dialogs`, so
tests patch it like every other dialog; reports from other threads are shown on the GUI thread.

Examples
--------
>>> import io
>>> log = io.StringIO()
>>> try:
...     1 / 0
... except ZeroDivisionError as exc:
...     report(exc, log=log)
>>> "ZeroDivisionError: division by zero" in log.getvalue()
True
"""

import sys
import threading
import traceback

__all__ = ["install", "uninstall", "report", "ErrorSink"]

_sink = None
_previous_hooks = None


def _message(exc):
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def report(exc, *, context="", log=None):
    """Report ``exc``: write its traceback to ``log`` (stderr) and, once :func:`install` ran,
    show one error dialog on the GUI thread. Safe to call from any thread."""
    stream = sys.stderr if log is None else log
    if stream is not None:
        stream.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    if _sink is not None:
        _sink.post(context or "Something went wrong", _message(exc))


def _make_sink(parent_getter):
    from PyQt5.QtCore import QObject, pyqtSignal

    from . import dialogs

    class _Sink(QObject):
        reported = pyqtSignal(str, str)

        def __init__(self):
            super().__init__()
            self._parent_getter = parent_getter
            self.reported.connect(self._show)   # queued when emitted from a worker thread

        def post(self, title, message):
            self.reported.emit(title, message)

        def _show(self, title, message):
            parent = self._parent_getter() if self._parent_getter else None
            dialogs.show_error(parent, title,
                               f"{message}\n\nThis is a bug in Convolution Explorer; the details "
                               "were written to the terminal. Your data and settings are intact.")

    return _Sink()


ErrorSink = _make_sink  # the factory: ``ErrorSink(parent_getter)`` builds the sink object


def install(parent_getter=None):
    """Install the hooks and the dialog sink (call on the GUI thread, after the QApplication).

    ``parent_getter`` returns the widget dialogs are centred on (e.g. the main window).
    """
    global _sink, _previous_hooks
    if _previous_hooks is None:
        _previous_hooks = (sys.excepthook, threading.excepthook)
    _sink = _make_sink(parent_getter)

    def excepthook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        if exc.__traceback__ is None:
            exc = exc.with_traceback(tb)
        report(exc, context="Unexpected error")

    def thread_hook(args):
        if args.exc_value is not None:
            name = args.thread.name if args.thread is not None else "a thread"
            report(args.exc_value, context=f"Unexpected error in {name}")

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
    return _sink


def uninstall():
    """Put back the hooks that were there before :func:`install` (for tests)."""
    global _sink, _previous_hooks
    if _previous_hooks is not None:
        sys.excepthook, threading.excepthook = _previous_hooks
    _sink, _previous_hooks = None, None
