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
import time

__all__ = ["UsageError", "Terminated", "run_command", "number_option", "Progress", "EXIT_CODES"]

#: The exit codes of :func:`run_command`, as every command's ``--help`` ends.
EXIT_CODES = ("exit codes: 0 done, 2 bad arguments or files, 1 writing failed, 130 interrupted\n"
              "(Ctrl+C), 143 / 129 stopped by SIGTERM / SIGHUP; a failed run leaves no partial "
              "output")


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


def number_option(name, kind=float, *, minimum=None, maximum=None, above=None, below=None):
    """An ``argparse`` ``type=``: the text as a finite ``kind`` within the bounds given.

    ``minimum`` / ``maximum`` are allowed values, ``above`` / ``below`` open bounds. A wrong
    value is refused with a message that names ``name`` and the range.

    Examples
    --------
    >>> fps = number_option("fps", above=0, maximum=50)
    >>> fps("2.5")
    2.5
    >>> fps("0")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: fps must be a number above 0 and at most 50, got '0'
    >>> number_option("task", int, minimum=0, maximum=6)("x")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: task must be a whole number from 0 to 6, got 'x'
    """
    limits = []
    if minimum is not None and maximum is not None:
        limits.append(f"from {minimum:g} to {maximum:g}")
    else:
        limits += [f"at least {minimum:g}"] if minimum is not None else []
        limits += [f"above {above:g}"] if above is not None else []
        limits += [f"at most {maximum:g}"] if maximum is not None else []
    limits += [f"below {below:g}"] if below is not None else []
    wanted = ("a whole number" if kind is int else "a number") + (
        " " + " and ".join(limits) if limits else "")

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if (value is None or not abs(value) < float("inf")
                or (minimum is not None and value < minimum)
                or (maximum is not None and value > maximum)
                or (above is not None and not value > above)
                or (below is not None and not value < below)):
            raise argparse.ArgumentTypeError(f"{name} must be {wanted}, got {text!r}")
        return value

    parse.__name__ = name.replace(" ", "_")  # argparse names the type in some messages
    return parse


class Progress:
    """Progress lines on stderr, at most a few per second: ``PROG: WHAT done/total (n%), about
    N s left``; call it with ``(done, total)``."""

    def __init__(self, what, quiet=False, stream=None, prog="main.py"):
        from core.batch import Throttle

        self.prog = prog
        self.what = what
        self.quiet = quiet
        self.stream = sys.stderr if stream is None else stream
        self.started = time.perf_counter()
        self.throttle = Throttle(0.5)

    def __call__(self, done, total):
        if self.quiet or not self.throttle.ready(force=done == total):
            return
        elapsed = time.perf_counter() - self.started
        eta = elapsed * (total - done) / done if done else 0.0
        tail = f"{elapsed:.1f} s" if done == total else f"about {eta:.0f} s left"
        print(f"{self.prog}: {self.what} {done}/{total} ({100 * done // total}%), {tail}",
              file=self.stream, flush=True)
