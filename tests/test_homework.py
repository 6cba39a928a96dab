"""The homework checker on hand-written student files: correct ones pass, each mutant is named.

The student files (``tests/homework_files.py``) are written from the assignment's text,
independently of ``core``. Each folder is checked once (module-scoped fixtures) on small cases:
six digits and four 32×32 photos from the bundled samples.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from core.datasets import load_sample
from core.homework import (TASKS, Cancelled, Case, build_cases, check_folder, read_rules,
                           run_cases)
from homework_files import write_folder

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 2.0


@pytest.fixture(scope="module")
def cases():
    gray = load_sample("MNIST digits").images[:6]
    color = load_sample("Tiny photos 32x32").images[:4]
    return build_cases(gray, color)


def _check(tmp_path_factory, cases, name, mutants=(), missing=()):
    folder = write_folder(tmp_path_factory.mktemp(name), mutants, missing)
    return check_folder(folder, cases=cases, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def correct(tmp_path_factory, cases):
    return _check(tmp_path_factory, cases, "correct")


@pytest.fixture(scope="module")
def folder_a(tmp_path_factory, cases):
    return _check(tmp_path_factory, cases, "a", ["flipped", "same_top_left", "infinite_loop",
                                                 "keep_size", "channels_not_summed",
                                                 "partial_window"], missing=[5])


@pytest.fixture(scope="module")
def folder_b(tmp_path_factory, cases):
    return _check(tmp_path_factory, cases, "b", ["uint8_overflow", "symmetric_half",
                                                 "plus_one_formula", "crash"])


@pytest.fixture(scope="module")
def folder_c(tmp_path_factory, cases):
    return _check(tmp_path_factory, cases, "c", ["three_loops", "swapped_stride", "wrong_size",
                                                 "syntax_error"])


def by_task(report):
    return {t.task.number: t for t in report.tasks}


def verdicts(task_report):
    return {c.case.label: c.verdict for c in task_report.cases}


def assert_only(report, expected_tasks):
    """Every task not in ``expected_tasks`` passes every case and keeps the rules."""
    for number, task in by_task(report).items():
        if number in expected_tasks:
            assert task.verdict == expected_tasks[number], (number, verdicts(task))
        else:
            assert task.verdict == "pass", (number, [(c.case.label, c.summary)
                                                     for c in task.cases])
            assert task.rules.ok, task.rules.problems()


# -- correct solutions -------------------------------------------------------------------------


def test_correct_two_loop_solutions_pass_every_case(correct, cases):
    assert [t.task.number for t in correct.tasks] == list(range(7))
    for task in correct.tasks:
        assert task.verdict == "pass", [(c.case.call, c.summary) for c in task.cases]
        assert task.rules.loop_count == 2 and task.rules.ok
        assert len(task.cases) == len(cases[task.task.number]) >= 5
        for case in task.cases:
            assert case.shape == case.expected_shape
            assert case.max_abs_diff <= 1e-5 * max(1, np.abs(case.expected).max())
            assert case.seconds is not None and case.reference_seconds is not None
    assert correct.exit_code == 0


def test_cases_cover_the_assignment_main_files_and_edge_cases(cases):
    main = {n: cs[0] for n, cs in cases.items()}
    assert main[0].call == "convolve_grayscale_valid(X_train, kernel 3×3)"
    assert main[2].options == {"padding": (2, 4)}
    assert main[3].options == {"padding": "valid", "stride": (2, 2)}
    assert main[5].kernel.shape == (3, 3, 3, 3)
    assert main[6].options == {"kernel_shape": (2, 2), "stride": (2, 2), "mode": "avg"}
    everything = [c for cs in cases.values() for c in cs]
    kernels = [c.kernel.shape[:2] for c in everything if c.kernel is not None]
    assert (2, 2) in kernels and (4, 4) in kernels and (2, 3) in kernels
    strides = {c.options.get("stride") for c in everything if c.padding == "same"}
    assert {(2, 2), (3, 3)} <= strides
    assert any(c.images.shape[0] == 1 for c in everything)
    assert {np.uint8, np.float32} <= {c.images.dtype.type for c in everything}
    assert any(c.task == 5 and c.kernel.shape[3] != c.images.shape[3] for c in everything)
    modes = {(c.options["mode"], c.options["kernel_shape"][0] != c.options["kernel_shape"][1])
             for c in cases[6]}
    assert {("max", True), ("avg", True), ("avg", False), ("max", False)} <= modes


# -- conventions -------------------------------------------------------------------------------


def test_flipped_kernel_and_top_left_same_are_named(folder_a):
    tasks = by_task(folder_a)
    assert {c.convention for c in tasks[0].cases} == {"flipped"}
    same = tasks[1].cases
    assert {c.case.label: c.verdict for c in same} == {
        "main file": "pass", "even 2×2 kernel": "convention", "even 4×4 kernel": "convention",
        "rectangular 2×3 kernel, rectangular images": "convention",
        "one image, 5×5 kernel": "pass", "uint8 input": "pass"}
    assert {c.convention for c in same if c.verdict == "convention"} == {"same_top_left"}
    assert "TensorFlow" in same[1].convention_note


def test_keep_size_and_partial_window_are_named(folder_a):
    tasks = by_task(folder_a)
    strided = {c.case.label: c for c in tasks[3].cases}
    assert strided["same, stride 2"].convention == "keep_size"
    assert strided["same, stride 2"].shape == (6, 28, 28)
    assert strided["same, stride 3"].convention == "keep_size"
    assert strided["same, stride 1"].verdict == "pass"
    assert strided["main file"].verdict == "pass"
    pools = {c.case.label: c for c in tasks[6].cases}
    assert pools["max 3×3, stride 2: windows that do not fit"].convention == "partial_window"
    assert pools["avg float32, 3×3 stride 3"].convention == "partial_window"
    assert pools["max"].verdict == pools["main file"].verdict == "pass"


def test_symmetric_half_and_plus_one_formula_are_named(folder_b):
    tasks = by_task(folder_b)
    same = {c.case.label: c for c in tasks[1].cases}
    assert same["even 2×2 kernel"].convention == "symmetric_half"
    assert same["even 2×2 kernel"].shape == (6, 29, 29)
    assert same["main file"].verdict == "pass"
    strided = {c.case.label: c for c in tasks[3].cases}
    assert strided["same, stride 1"].convention == "plus_one_formula"
    assert strided["same, stride 1"].shape == (6, 30, 30)
    assert strided["same, stride 3"].convention == "plus_one_formula"
    assert strided["main file"].verdict == "pass"


# -- bugs --------------------------------------------------------------------------------------


def test_infinite_loop_times_out_one_case_only(folder_a):
    padding = by_task(folder_a)[2]
    assert verdicts(padding) == {"main file": "pass", "even 2×2 kernel": "pass",
                                 "rectangular kernel and images": "pass",
                                 "no padding, one image": "timeout", "uint8 input": "pass"}
    assert padding.verdict == "timeout"


def test_channel_axis_not_summed_and_missing_file(folder_a):
    tasks = by_task(folder_a)
    assert tasks[4].verdict == "fail"
    assert all("channel axis not summed" in c.cause for c in tasks[4].cases)
    assert tasks[5].verdict == "missing" and not tasks[5].present
    assert_only(folder_a, {0: "convention", 1: "convention", 2: "timeout", 3: "convention",
                           4: "fail", 5: "missing", 6: "convention"})
    assert folder_a.exit_code == 1


def test_uint8_overflow_and_crash_are_explained(folder_b):
    tasks = by_task(folder_b)
    valid = {c.case.label: c for c in tasks[0].cases}
    assert valid["uint8 input"].verdict == "fail"
    assert "overflow" in valid["uint8 input"].cause
    assert {c.verdict for label, c in valid.items() if label != "uint8 input"} == {"pass"}
    channels = {c.case.label: c for c in tasks[4].cases}
    crashed = channels["(1, 2) padding, stride (2, 1)"]
    assert crashed.verdict == "error"
    assert "AttributeError" in crashed.error and "ph" in crashed.error
    assert any("4-convolve_channels.py" in line for line in crashed.traceback)
    assert all("homework" not in line for line in crashed.traceback)  # only the student's lines
    assert {c.verdict for c in tasks[4].cases} == {"pass", "error"}
    assert_only(folder_b, {0: "fail", 1: "convention", 3: "convention", 4: "error"})


def test_three_loops_swapped_stride_and_wrong_size(folder_c):
    tasks = by_task(folder_c)
    assert tasks[0].verdict == "pass"
    assert not tasks[0].rules.ok and tasks[0].rules.loop_count == 3
    assert "3 loops, the assignment allows 2" in tasks[0].rules.problems()[0]
    strided = {c.case.label: c for c in tasks[3].cases}
    for label in ("stride (3, 2) not dividing the size", "(2, 4) padding, stride (2, 3)",
                  "uint8 input, one image"):
        assert strided[label].verdict == "fail"
        assert strided[label].cause.startswith("stride axes swapped"), strided[label].cause
    assert strided["main file"].verdict == "pass"
    sized = {c.case.label: c for c in tasks[5].cases}
    wrong = sized["4 kernels, same, stride 2"]
    assert wrong.verdict == "fail" and wrong.shape == (4, 15, 15, 4)
    assert "+ 1 belongs outside the division" in wrong.cause
    assert sized["main file"].verdict == "pass"
    for number in (1, 2, 4):
        assert tasks[number].verdict == "pass" and tasks[number].rules.ok
    assert {c.verdict for c in tasks[6].cases} == {"error"}
    assert all("SyntaxError" in c.error for c in tasks[6].cases)
    assert any("6-pool.py" in line for line in tasks[6].cases[0].traceback)
    assert tasks[6].rules.syntax_error == "line 6: expected ':'"
    assert folder_c.exit_code == 1


# -- rules -------------------------------------------------------------------------------------


def test_rules_count_every_kind_of_loop_and_report_imports():
    text = textwrap.dedent("""
        import numpy as np
        import numpy.linalg
        from numpy import pad
        import scipy.signal
        from math import ceil
        def f(x):
            while x:
                x -= 1
            y = [[a for a in b] for b in x]
            z = {k: v for k, v in x if v}
            return sum(i for i in y)
        """)
    rules = read_rules(text, 2)
    kinds = [kind for _, kind in rules.loops]
    assert kinds == ["while", "comprehension", "comprehension", "comprehension", "comprehension"]
    assert rules.imports == ["math", "scipy.signal"]
    assert not rules.ok and len(rules.problems()) == 2
    assert read_rules("def f(:\n", 2).syntax_error.startswith("line 1")


# -- the child process -------------------------------------------------------------------------


def tiny_case():
    return Case(0, "tiny", np.arange(25.0).reshape(1, 5, 5), "x", np.ones((3, 3)))


def student(tmp_path, body):
    path = tmp_path / "0-convolve_grayscale_valid.py"
    path.write_text("import numpy as np\n" + textwrap.dedent(body), encoding="utf-8")
    return path


@pytest.mark.parametrize("body, status, message", [
    ("import os\ndef convolve_grayscale_valid(images, kernel):\n"
     "    os.kill(os.getpid(), 9)\n", "error", "SIGKILL"),
    ("def convolve_grayscale_valid(images, kernel):\n"
     "    return np.ones((1 << 20, 1 << 20))\n", "error", "MemoryError"),
    ("def convolve_grayscale_valid(images, kernel):\n    print('debug', images.shape)\n",
     "error", "returned None"),
    ("def convolve_grayscale_valid(images, kernel):\n    return ['a', 'b']\n",
     "error", "not numbers"),
    ("def convolve_grayscale_valid(images, kernel):\n    raise SystemExit(3)\n",
     "error", "SystemExit"),
    ("raise ImportError('no module named cv2')\n", "error", "cv2"),
    ("def other(images, kernel):\n    return images\n", "error", "defines no function"),
])
def test_crashes_and_bad_returns_never_reach_the_caller(tmp_path, body, status, message):
    path = student(tmp_path, body)
    [outcome] = run_cases(path, "convolve_grayscale_valid", [tiny_case()], timeout=TIMEOUT,
                          memory_mb=512)
    assert outcome.status == status
    assert message in outcome.error


def test_prints_and_the_next_case_survive_a_crash(tmp_path):
    path = student(tmp_path, """
        import os
        def convolve_grayscale_valid(images, kernel):
            print("row", 1)
            if images.shape[1] == 6:
                os._exit(1)
            return images[:, 1:-1, 1:-1] * 0 + 7
        """)
    bad = Case(0, "bad", np.zeros((1, 6, 6)), "x", np.ones((3, 3)))
    results = run_cases(path, "convolve_grayscale_valid", [tiny_case(), bad, tiny_case()],
                        timeout=TIMEOUT)
    assert [r.status for r in results] == ["ok", "error", "ok"]
    assert "exited with code 1" in results[1].error
    assert np.array_equal(results[2].output, np.full((1, 3, 3), 7.0))


def test_cancel_kills_the_child(tmp_path):
    path = student(tmp_path, """
        def convolve_grayscale_valid(images, kernel):
            while True:
                pass
        """)
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 5

    with pytest.raises(Cancelled):
        run_cases(path, "convolve_grayscale_valid", [tiny_case()], timeout=30,
                  cancelled=cancelled)


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="folder"):
        check_folder(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="timeout"):
        run_cases(tmp_path / "x.py", "f", [tiny_case()], timeout=0)


# -- command line ------------------------------------------------------------------------------


def run_main(*args):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "check", *map(str, args)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def cli_folders(tmp_path_factory):
    good = write_folder(tmp_path_factory.mktemp("cli_good"))
    bad = write_folder(tmp_path_factory.mktemp("cli_bad"), ["same_top_left"], missing=[0])
    return good, bad


def test_cli_json_report_and_exit_codes(cli_folders):
    good, bad = cli_folders
    done = run_main(good, "--json", "--task", "6", "--quiet")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    [task] = report["tasks"]
    assert (task["task"], task["file"], task["function"], task["verdict"], task["loops"]) == \
        (6, "6-pool.py", "pool", "pass", 2)
    main = task["cases"][0]
    assert main["call"] == "pool(data, (2, 2), (2, 2), mode='avg')"
    assert main["expected_shape"] == main["shape"] == [64, 16, 16, 3]
    assert main["verdict"] == "pass" and main["max_abs_diff"] == pytest.approx(0, abs=1e-9)

    done = run_main(bad, "--task", "0", "--task", "1", "--quiet", "--timeout", "20")
    assert done.returncode == 1, done.stderr
    assert "MISSING" in done.stdout and "top/left" in done.stdout
    assert "Task 1  1-convolve_grayscale_same.py" in done.stdout


def test_cli_bad_arguments_exit_2(tmp_path, capsys):
    from convgui.app import main

    assert main(["check", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    for bad in (["--timeout", "0"], ["--task", "9"], ["--memory", "lots"]):
        with pytest.raises(SystemExit) as stop:
            main(["check", str(tmp_path), *bad])
        assert stop.value.code == 2
        assert bad[0] in capsys.readouterr().err


def test_check_command_imports_no_qt(tmp_path):
    code = ("import sys\nfrom convgui.app import build_parser\nimport convgui.cli_check\n"
            "build_parser()\n"
            "bad = [m for m in sys.modules if m.startswith(('PyQt5', 'pyqtgraph'))]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


def test_task_table_matches_the_assignment():
    assert [t.file for t in TASKS] == [
        "0-convolve_grayscale_valid.py", "1-convolve_grayscale_same.py",
        "2-convolve_grayscale_padding.py", "3-convolve_grayscale.py", "4-convolve_channels.py",
        "5-convolve.py", "6-pool.py"]
    assert [t.max_loops for t in TASKS] == [2, 2, 2, 2, 2, 3, 2]
