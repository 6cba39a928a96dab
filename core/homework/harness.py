"""Child-process side of the checker: import the student's files and call their functions.

Run as a script by :mod:`core.homework.runner` (``python -I harness.py WORKDIR FIRST MEMORY_MB
TIMEOUT``), never imported by the app: it needs only the standard library and NumPy.
``WORKDIR/cases.json`` lists the calls (file, function, arguments); array arguments are ``.npy``
files beside it, read without pickle. For each call ``i`` (from ``FIRST`` on) it writes
``out_i.npy`` (the returned array) and ``result_i.json`` (status, seconds, error and the
student's traceback lines), and reports ``start i`` / ``done i`` on its standard output, which
nothing else may write to: the student's own prints go to ``WORKDIR/student_output.txt``. A file
that cannot be imported is reported once, as ``import_error i`` with ``import_error_i.json``,
and its other calls are skipped.
"""

import json
import os
import signal
import sys
import time
import traceback

MODULE_ERROR = "import_error_{}.json"


class CaseTimeout(BaseException):
    """Raised by the alarm when a case runs past its time limit (not an ``Exception``, so a
    student's ``except Exception`` cannot swallow it)."""


def _on_alarm(signum, frame):
    raise CaseTimeout()


def _decode(value, workdir, np):
    if isinstance(value, dict):
        if "npy" in value:
            return np.load(os.path.join(workdir, value["npy"]), allow_pickle=False)
        if "tuple" in value:
            return tuple(_decode(v, workdir, np) for v in value["tuple"])
    return value


def _write_json(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    os.replace(tmp, path)


def _student_lines(exc, folder):
    """The traceback lines that point into the student's folder, then the exception itself."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.abspath(f.filename).startswith(folder + os.sep)]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(exc), exc)
    return "".join(lines).rstrip("\n").split("\n")


def _describe(exc):
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text.splitlines()[-1] if text else type(exc).__name__


def _limit_memory(megabytes):
    try:
        import resource
    except ImportError:  # not on this platform: the parent's time limit still applies
        return
    limit = int(megabytes) * 1024 * 1024
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        pass


def _import_student(path, function):
    import importlib.util

    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    func = getattr(module, function, None)
    if not callable(func):
        raise AttributeError(f"{os.path.basename(path)} defines no function {function}()")
    return func


def _run_case(func, case, workdir, timeout, np):
    args = [_decode(a, workdir, np) for a in case["args"]]
    kwargs = {k: _decode(v, workdir, np) for k, v in case["kwargs"].items()}
    result = {"status": "ok", "seconds": None, "error": None, "traceback": [], "type": None}
    use_alarm = hasattr(signal, "setitimer")
    start = time.perf_counter()
    try:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            value = func(*args, **kwargs)
        finally:
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
        result["seconds"] = time.perf_counter() - start
    except CaseTimeout:
        result.update(status="timeout", seconds=time.perf_counter() - start,
                      error=f"still running after {timeout:g} s")
        return result
    except BaseException as exc:  # the student's code may raise anything, even SystemExit
        result.update(status="error", seconds=time.perf_counter() - start,
                      error=_describe(exc), traceback=_student_lines(exc, case["folder"]))
        return result
    result["type"] = type(value).__name__
    if value is None:
        result.update(status="error", error="the function returned None (missing return?)")
        return result
    try:
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"the function returned {result['type']} of dtype {array.dtype}, "
                            "not numbers")
        np.save(os.path.join(workdir, f"out_{case['index']}.npy"), array, allow_pickle=False)
    except BaseException as exc:
        result.update(status="error", error=_describe(exc))
    return result


def _import_with_alarm(path, function, timeout):
    """The student's function, or the error dict to report (import failed or took too long)."""
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    use_alarm = hasattr(signal, "setitimer")
    try:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            return _import_student(path, function)
        finally:
            if use_alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except CaseTimeout:
        return {"status": "timeout", "error": f"importing the file took over {timeout:g} s",
                "traceback": []}
    except BaseException as exc:  # the student's module may raise anything at import
        return {"status": "error", "error": _describe(exc),
                "traceback": _student_lines(exc, folder)}


def main(argv):
    workdir, first, memory_mb, timeout = argv[1:5]
    first, timeout = int(first), float(timeout)
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    sink = os.open(os.path.join(workdir, "student_output.txt"),
                   os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(sink, 1)
    os.dup2(sink, 2)
    import numpy as np

    _limit_memory(memory_mb)
    if hasattr(signal, "SIGALRM"):
        signal.signal(signal.SIGALRM, _on_alarm)
    with open(os.path.join(workdir, "cases.json"), encoding="utf-8") as fh:
        cases = json.load(fh)
    functions = {}
    protocol.write("ready\n")
    for case in cases:
        if case["index"] < first:
            continue
        key = (case["path"], case["function"])
        if isinstance(functions.get(key), dict):
            continue  # the file did not import: reported once, with its first call
        protocol.write(f"start {case['index']}\n")
        if key not in functions:
            functions[key] = _import_with_alarm(case["path"], case["function"], timeout)
            if isinstance(functions[key], dict):
                _write_json(os.path.join(workdir, MODULE_ERROR.format(case["index"])),
                            functions[key])
                protocol.write(f"import_error {case['index']}\n")
                continue
        func = functions[key]
        case["folder"] = os.path.dirname(os.path.abspath(case["path"]))
        result = _run_case(func, case, workdir, timeout, np)
        _write_json(os.path.join(workdir, f"result_{case['index']}.json"), result)
        protocol.write(f"done {case['index']}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
