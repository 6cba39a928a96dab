"""Run a student's function on cases in a child process, with time and memory limits.

The child (:mod:`core.homework.harness`) runs in a temporary working directory with Python's
isolated mode (``-I``: no user site, no ``PYTHON*`` variables), one BLAS thread, an address
space limit (where the platform has :mod:`resource`) and, per case, a time limit. Arguments and
results cross as ``.npy`` files read without pickle. A crash, an infinite loop or a huge
allocation costs that case an ``error``/``timeout``: the child is restarted for the next case
and the caller is never at risk. This protects against mistakes, not against hostile code: the
student's file runs with the user's rights.
"""

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .harness import MODULE_ERROR

__all__ = ["Outcome", "Cancelled", "run_cases", "iter_calls", "DEFAULT_TIMEOUT", "DEFAULT_MEMORY_MB"]

HARNESS = Path(__file__).resolve().parent / "harness.py"
#: Seconds one call may take.
DEFAULT_TIMEOUT = 10.0
#: Address space the child may use, in MiB.
DEFAULT_MEMORY_MB = 2048
#: Extra seconds the parent waits beyond the child's own alarm before killing it.
_GRACE = 3.0
#: Seconds Python and NumPy may take to start in the child (a loaded machine is slow).
_STARTUP = 60.0
_POLL = 0.05


class Cancelled(Exception):
    """The caller asked to stop (see ``cancelled`` in :func:`run_cases`)."""


@dataclass
class Outcome:
    """What one call did: ``status`` is ``'ok'``, ``'error'`` or ``'timeout'``.

    ``output`` is the returned array (``'ok'`` only); ``error`` a one-line message;
    ``traceback`` the lines of the traceback inside the student's files.
    """

    status: str
    output: np.ndarray = None
    seconds: float = None
    error: str = None
    traceback: list = field(default_factory=list)
    returned_type: str = None


def _encode(value, workdir, name):
    if isinstance(value, np.ndarray):
        np.save(workdir / f"{name}.npy", value, allow_pickle=False)
        return {"npy": f"{name}.npy"}
    if isinstance(value, tuple):
        return {"tuple": [_encode(v, workdir, f"{name}_{i}") for i, v in enumerate(value)]}
    return value


def _write_calls(workdir, calls):
    listing = []
    for index, (path, function, case) in enumerate(calls):
        args, kwargs = case.arguments()
        listing.append({
            "index": index,
            "path": str(path),
            "function": function,
            "args": [_encode(a, workdir, f"in{index}_{j}") for j, a in enumerate(args)],
            "kwargs": {k: _encode(v, workdir, f"in{index}_{k}") for k, v in kwargs.items()},
        })
    (workdir / "cases.json").write_text(json.dumps(listing), encoding="utf-8")


def _child_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    return env


def _reader(stream, lines):
    for line in iter(stream.readline, ""):
        lines.put(line.strip())
    lines.put(None)


def _read_result(workdir, index):
    data = json.loads((workdir / f"result_{index}.json").read_text(encoding="utf-8"))
    outcome = Outcome(data["status"], seconds=data["seconds"], error=data["error"],
                      traceback=data["traceback"], returned_type=data["type"])
    out = workdir / f"out_{index}.npy"
    if outcome.status == "ok":
        try:
            outcome.output = np.load(out, allow_pickle=False)
        except (OSError, ValueError) as exc:
            outcome.status, outcome.error = "error", f"the result could not be read back: {exc}"
        out.unlink()
    return outcome


def _crash_text(proc, workdir):
    code = proc.returncode
    if code is not None and code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        reason = f"the process was killed by {name}"
        if name == "SIGKILL":
            reason += " (out of memory?)"
    else:
        reason = f"the process exited with code {code}"
    tail = []
    try:
        text = (workdir / "student_output.txt").read_text(encoding="utf-8", errors="replace")
        tail = text.strip().splitlines()[-8:]
    except OSError:
        pass
    return reason, tail


def _kill(proc):
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def run_cases(path, function, cases, *, timeout=DEFAULT_TIMEOUT, memory_mb=DEFAULT_MEMORY_MB,
              on_case=None, cancelled=None):
    """Call ``function`` of the student's file ``path`` on each case, in a child process.

    Parameters
    ----------
    path : str or Path
        The student's ``.py`` file.
    function : str
        The function to call.
    cases : list of core.homework.cases.Case
    timeout : float
        Seconds each call (and the file's import) may take.
    memory_mb : int
        Address space limit of the child, in MiB.
    on_case : callable(index, Outcome), optional
        Called as each case finishes.
    cancelled : callable() -> bool, optional
        Polled while waiting; when it returns True the child is killed and :class:`Cancelled`
        is raised.

    Returns
    -------
    list of Outcome
        One per case, in order.
    """
    results = [None] * len(cases)
    calls = [(path, function, case) for case in cases]
    for index, outcome in iter_calls(calls, timeout=timeout, memory_mb=memory_mb,
                                     cancelled=cancelled):
        results[index] = outcome
        if on_case is not None:
            on_case(index, outcome)
    return results


def iter_calls(calls, *, timeout=DEFAULT_TIMEOUT, memory_mb=DEFAULT_MEMORY_MB, cancelled=None):
    """Run ``calls`` — ``(path, function, case)`` triples — in child processes, in order.

    One child runs them one after the other (each file is imported once); after a crash or a
    hung call a new child carries on with the next call. Yields ``(index, Outcome)`` as calls
    end; see :func:`run_cases` for the parameters.
    """
    if timeout <= 0:
        raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
    calls = [(Path(path).resolve(), function, case) for path, function, case in calls]
    with tempfile.TemporaryDirectory(prefix="homework-") as tmp:
        workdir = Path(tmp)
        _write_calls(workdir, calls)
        pending = list(range(len(calls)))
        while pending:
            for index, outcome in _run_child(workdir, calls, pending, timeout, memory_mb,
                                             cancelled):
                if index in pending:
                    pending.remove(index)
                yield index, outcome


def _run_child(workdir, calls, pending, timeout, memory_mb, cancelled):
    """Start one child at the first pending call and follow it until it ends or is killed.

    Yields ``(index, Outcome)`` as calls end.
    """
    command = [sys.executable, "-I", str(HARNESS), str(workdir), str(pending[0]),
               str(int(memory_mb)), repr(float(timeout))]
    proc = subprocess.Popen(command, cwd=workdir, env=_child_env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
    current, deadline = None, time.monotonic() + _STARTUP + timeout
    try:
        while True:
            if cancelled is not None and cancelled():
                raise Cancelled()
            try:
                line = lines.get(timeout=_POLL)
            except queue.Empty:
                if time.monotonic() < deadline:
                    continue
                _kill(proc)
                if current is None:
                    for index in list(pending):
                        yield index, Outcome("timeout", error="Python did not start in time")
                else:
                    yield current, Outcome("timeout", seconds=timeout,
                                           error=f"still running after {timeout:g} s")
                return
            if line is None:
                proc.wait()
                reason, tail = _crash_text(proc, workdir)
                if current is not None:
                    yield current, Outcome("error", error=f"the function crashed: {reason}",
                                           traceback=tail)
                elif pending:
                    for index in list(pending):
                        yield index, Outcome("error", error=f"the checker's process could "
                                             f"not run: {reason}", traceback=tail)
                return
            word, _, number = line.partition(" ")
            if word == "import_error":
                first = int(number)
                data = json.loads((workdir / MODULE_ERROR.format(first)).read_text(
                    encoding="utf-8"))
                path = calls[first][0]
                for index in [i for i in pending if calls[i][0] == path]:
                    yield index, Outcome(data["status"], error=data["error"],
                                         traceback=data["traceback"])
                current, deadline = None, time.monotonic() + _STARTUP
            elif word == "start":
                current, deadline = int(number), time.monotonic() + timeout + _GRACE
            elif word == "done":
                yield int(number), _read_result(workdir, int(number))
                current, deadline = None, time.monotonic() + _STARTUP
    finally:
        _kill(proc)
        proc.stdout.close()
