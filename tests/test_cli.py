"""``python main.py apply`` run as a user would: in a subprocess, on a small generated dataset."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.kernels import find_preset
from core.pipeline import PipelineSpec, run_pipeline

ROOT = Path(__file__).resolve().parent.parent
SOBEL_X = find_preset("sobel_x").kernel


def run_main(*args, cwd):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(3)
    images = rng.random((40, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, 40)
    np.savez(folder / "digits.npz", X_train=images, Y_train=labels,
             X_test=rng.random((6, 28, 28)).astype(np.float32), Y_test=np.arange(6))
    return folder, images, labels


def expected(images, kernel, **kwargs):
    spec = PipelineSpec(np.asarray(kernel, float)[:, :, None, None], **kwargs)
    return run_pipeline(images, spec, dtype=np.float64).final


def test_npz_in_the_source_layout_equals_core(data, tmp_path):
    folder, images, labels = data
    out = tmp_path / "out.npz"
    run = run_main("apply", "--input", folder / "digits.npz", "--kernel", "sobel_x",
                   "--padding", "same", "--stride", "1", "--activation", "relu",
                   "--pool", "max:2x2:2", "--range", "5:25", "--output", out, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "processed 20/20 (100%)" in run.stderr and "wrote" in run.stderr
    with np.load(out) as archive:
        assert sorted(archive.files) == ["X_train", "Y_train"]
        assert archive["X_train"].dtype == np.float32
        want = expected(images[5:25], SOBEL_X, padding="same", activation="relu",
                        pool_mode="max")
        np.testing.assert_allclose(archive["X_train"], want, atol=1e-5)
        np.testing.assert_array_equal(archive["Y_train"], labels[5:25])
    assert sorted(os.listdir(tmp_path)) == ["out.npz"]


def test_kernel_file_key_npy_and_float64(data, tmp_path):
    folder, _, _ = data
    kernel = [[0.0, 1.0], [2.0, -1.0]]
    (tmp_path / "k.json").write_text(json.dumps({"kernel": kernel}))
    run = run_main("apply", "--input", folder / "digits.npz", "--key", "X_test", "--kernel",
                   "k.json", "--stride", "2,1", "--flip", "--float64", "--output", "o.npy",
                   "--quiet", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    result = np.load(tmp_path / "o.npy")
    with np.load(folder / "digits.npz") as archive:
        want = expected(archive["X_test"], kernel, stride=(2, 1), flip=True)
    assert result.dtype == np.float64
    np.testing.assert_allclose(result, want, rtol=1e-12, atol=1e-12)


def test_png_folder_and_contact_sheet(data, tmp_path):
    from PyQt5.QtGui import QImage

    folder, images, labels = data
    run = run_main("apply", "--input", folder / "digits.npz", "--kernel", "box_blur_3",
                   "--range", ":3", "--output", "maps/", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    names = sorted(os.listdir(tmp_path / "maps"))
    assert names == [f"{i}_label{labels[i]}.png" for i in range(3)]
    picture = QImage(str(tmp_path / "maps" / names[1]))
    assert (picture.width(), picture.height()) == (26, 26)
    maps = expected(images[:3], np.ones((3, 3)) / 9)
    low, high = maps.min(), maps.max()
    gray = np.rint((maps[1, :, :, 0] - low) * 255 / (high - low))
    assert abs(QImage(picture).pixelColor(4, 7).red() - gray[7, 4]) <= 1

    run = run_main("apply", "--input", folder / "digits.npz", "--kernel", "sobel_x",
                   "--sheet-grid", "2x5", "--output", "sheet.png", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    sheet = QImage(str(tmp_path / "sheet.png"))
    assert not sheet.isNull() and sheet.width() > sheet.height() > 2 * 26


def test_existing_output_needs_overwrite(data, tmp_path):
    folder, _, _ = data
    (tmp_path / "out.npz").write_bytes(b"keep me")
    args = ("apply", "--input", folder / "digits.npz", "--kernel", "sobel_x", "--output",
            "out.npz")
    run = run_main(*args, cwd=tmp_path)
    assert run.returncode == 2
    assert "main.py apply: error: argument --output" in run.stderr and "--overwrite" in run.stderr
    assert (tmp_path / "out.npz").read_bytes() == b"keep me"
    assert run_main(*args, "--overwrite", cwd=tmp_path).returncode == 0
    assert np.load(tmp_path / "out.npz")["X_train"].shape == (40, 26, 26, 1)


@pytest.mark.parametrize("args, message", [
    (["--kernel", "no_such_kernel"], "argument --kernel: no kernel preset called"),
    (["--stride", "0"], "argument --stride: stride values must be >= 1"),
    (["--pool", "max:2by2"], "argument --pool: pool must be off or MODE:KHxKW"),
    (["--pool", "median:2x2:2"], "argument --pool"),
    (["--padding", "sideways"], "argument --padding"),
    (["--range", "30:10"], "argument --range"),
    (["--range", "0:500"], "argument --range: stop must be in 1..40"),
    (["--input", "missing.npz"], "argument --input: missing.npz: no such file"),
    (["--key", "Y_nothing"], "argument --input: digits.npz has no array named 'Y_nothing'"),
    (["--output", "out.txt"], "argument --output: cannot tell the format"),
    (["--output", "no/such/folder/out.npz"], "argument --output: folder does not exist"),
    (["--kernel", "box_blur_5", "--padding", "valid", "--pool", "max:30x30:1"],
     "these settings do not fit"),
])
def test_bad_arguments_exit_2_with_a_clear_message(data, tmp_path, args, message):
    folder, _, _ = data
    base = {"--input": str(folder / "digits.npz"), "--kernel": "sobel_x",
            "--output": "out.npz"}
    given = dict(zip(args[::2], args[1::2]))
    merged = [item for key, value in {**base, **given}.items() for item in (key, value)]
    run = run_main("apply", *merged, cwd=tmp_path)
    assert run.returncode == 2
    assert message in run.stderr
    assert run.stderr.count("main.py apply: error:") == 1
    assert "Traceback" not in run.stderr
    assert os.listdir(tmp_path) == []


def test_missing_required_arguments(tmp_path):
    run = run_main("apply", "--kernel", "sobel_x", cwd=tmp_path)
    assert run.returncode == 2
    assert "main.py apply: error: the following arguments are required: --input" in run.stderr


def test_help_documents_apply(tmp_path):
    run = run_main("--help", cwd=tmp_path)
    assert run.returncode == 0 and "apply" in run.stdout
    run = run_main("apply", "--help", cwd=tmp_path)
    assert run.returncode == 0
    for option in ("--input", "--kernel", "--padding", "--stride", "--pool", "--format",
                   "--overwrite", "--range", "max:2x2:2"):
        assert option in run.stdout


def test_apply_does_not_import_qt(data, tmp_path):
    folder, _, _ = data
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from convgui.app import main\n"
        f"rc = main(['apply', '--input', {str(folder / 'digits.npz')!r}, '--kernel', 'sobel_x',"
        " '--output', 'sheet.png', '--quiet'])\n"
        "assert rc == 0\n"
        "bad = [m for m in sys.modules if m.startswith(('PyQt5', 'pyqtgraph'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True, timeout=60)
    assert os.listdir(tmp_path) == ["sheet.png"]


@pytest.mark.parametrize("output, fits", [("o.npy", True), ("o.npz", False), ("maps", True)])
def test_ctrl_c_exits_130_and_leaves_nothing(data, tmp_path, monkeypatch, capsys, output, fits):
    from convgui import cli
    from convgui.app import build_parser
    from core import batch

    folder, _, _ = data
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(batch, "fits_in_memory", lambda nbytes, **kw: fits)
    calls = []

    def interrupt(self, done, total):
        calls.append(done)
        if len(calls) == (2 if output == "maps" else 1):
            raise KeyboardInterrupt

    monkeypatch.setattr(cli.Progress, "__call__", interrupt)
    args = build_parser().parse_args(["apply", "--input", str(folder / "digits.npz"), "--kernel",
                                      "sobel_x", "--output", output])
    assert cli.run_apply(args) == 130
    assert "interrupted; nothing was written" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []
