"""What every sub-command of ``main.py`` shares: its errors, its exit codes, its number options.

A command's ``run(args)`` hands its work to :func:`run_command`, which turns what went wrong into
one line on stderr (``main.py COMMAND: error: ...``) and the exit code the README promises:

====  ==========================================================================
0     done (or the code the work returned, e.g. ``check``'s 1 for a failing task)
2     bad arguments or files (:class:`UsageError`, ``ValueError``)
1     writing failed (``OSError``, ``MemoryError``, a partial write rolled back)
130   interrupted (Ctrl+C)
143   stopped by SIGTERM (129 by SIGHUP): the work unwinds, temporary files are removed
====  ==========================================================================

Nothing here imports Qt.

Examples
--------
>>> import sys, contextlib, io
>>> def work():
...     raise UsageError("argument --input: no such file: x.npz")
>>> with contextlib.redirect_stderr(io.StringIO()) as err:
...     code = run_command("main.py demo", work)
>>> code, err.getvalue().strip()
(2, 'main.py demo: error: argument --input: no such file: x.npz')
"""

import argparse
import sys
import threading

__all__ = ["UsageError", "Terminated", "run_command", "positive_number", "positive_int",
           "positive_float"]


class UsageError(Exception):
    """A bad argument or file: reported as ``PROG: error: ...``, exit code 2."""


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwind (deleting temporary files) and exit 128 + signal."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum, frame):
    raise Terminated(signum)


def _install_stop_handlers():
    """SIGTERM/SIGHUP unwind like Ctrl+C, so temporary files are removed; returns the old ones."""
    import signal

    old = {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            number = getattr(signal, name, None)
            if number is not None:
                old[number] = signal.signal(number, _raise_terminated)
    return old


def run_command(prog, work, *, writes=True):
    """Run ``work()`` and return the process exit code (see the module's table).

    Parameters
    ----------
    prog : str
        The command as the user typed it (``'main.py apply'``), the start of every message.
    work : callable
        Does the command's job; returns an exit code, or None for 0.
    writes : bool
        The command writes files: messages after a failure then say that nothing was written.

    Examples
    --------
    >>> run_command("main.py demo", lambda: None), run_command("main.py demo", lambda: 1)
    (0, 1)
    """
    import signal

    from core.atomic import PartialWriteError, remove_live_temp_files

    nothing = "; nothing was written" if writes else ""
    old_handlers = _install_stop_handlers()
    try:
        code = work()
    except (UsageError, ValueError) as exc:
        suffix = nothing if isinstance(exc, ValueError) else ""
        print(f"{prog}: error: {exc}{suffix}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted{nothing}", file=sys.stderr)
        return 130
    except Terminated as exc:
        print(f"{prog}: stopped by {signal.Signals(exc.signum).name}{nothing}", file=sys.stderr)
        return 128 + exc.signum
    except PartialWriteError as exc:  # its message says what was and was not written
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 1
    except (OSError, MemoryError) as exc:
        print(f"{prog}: error: {exc}{nothing}", file=sys.stderr)
        return 1
    finally:
        remove_live_temp_files()
        for number, handler in old_handlers.items():
            signal.signal(number, handler)
    return 0 if code is None else code


def positive_number(text, kind=float, what="a number"):
    """``text`` as a ``kind`` greater than 0 (and finite), for ``argparse``'s ``type=``.

    Examples
    --------
    >>> positive_number("2.5"), positive_number("3", int, "a whole number")
    (2.5, 3)
    >>> positive_number("0")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: must be a number greater than 0, got '0'
    """
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be {what} greater than 0, got {text!r}")
    return value


def positive_int(text):
    """A whole number >= 1 (``argparse`` type)."""
    return positive_number(text, int, "a whole number")


def positive_float(text):
    """A finite number > 0 (``argparse`` type)."""
    return positive_number(text)
