"""``python main.py animate`` run as a user would: in a subprocess, without a display."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def run_main(*args, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "animate", *map(str, args)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("animate")
    rng = np.random.default_rng(8)
    np.savez(folder / "digits.npz", X_train=rng.random((3, 10, 10)).astype(np.float32),
             Y_train=np.arange(3))
    return folder


COMMON = ("--input", "digits.npz", "--kernel", "sobel_x", "--crop", "4", "--size", "320x180",
          "--quiet")


@pytest.mark.parametrize("output, frames", [("a.gif", 4), ("a.png", 4), ("frames/", 4)])
def test_each_format_without_a_display(data, output, frames):
    result = run_main(*COMMON, "--fps", "10", "--output", output, cwd=data)
    assert result.returncode == 0, result.stderr
    target = data / output
    if output.endswith("/"):
        names = sorted(os.listdir(target))
        assert names == [f"frame_{i:04d}.png" for i in range(1, frames + 1)]
        with Image.open(target / names[0]) as im:
            assert im.size == (320, 180)
    else:
        with Image.open(target) as im:
            assert im.n_frames == frames and im.size == (320, 180)
            assert im.info["duration"] == 100


def test_pooling_steps_every_and_progress(data):
    result = run_main("--input", "digits.npz", "--kernel", "sobel_x", "--crop", "none",
                      "--padding", "same", "--pool", "max:2x2:2", "--every", "7", "--index", "2",
                      "--size", "320x180", "--output", "pooled.gif", cwd=data)
    assert result.returncode == 0, result.stderr
    # 100 convolution steps, every 7th and the last: 16 frames; then 25 pooling steps: 5.
    with Image.open(data / "pooled.gif") as im:
        assert im.n_frames == 16 + 5
    assert "21 frames at 320×180, about" in result.stderr
    assert "wrote pooled.gif" in result.stderr


@pytest.mark.parametrize("args, message", [
    (("--fps", "0"), "argument --fps"),
    (("--fps", "fast"), "argument --fps"),
    (("--size", "10x10"), "argument --size"),
    (("--size", "1280"), "argument --size"),
    (("--every", "0"), "argument --every"),
    (("--crop", "1"), "argument --crop"),
    (("--loop", "-1"), "argument --loop"),
    (("--index", "3"), "argument --index: the dataset has 3 images"),
    (("--map", "2"), "argument --map"),
    (("--centre", "20,2"), "argument --centre"),
    (("--padding", "wide"), "argument --padding"),
    (("--kernel", "no_such_kernel"), "argument --kernel"),
])
def test_bad_option_values_exit_2_with_a_clear_message(data, args, message):
    result = run_main(*COMMON, "--output", "bad.gif", *args, cwd=data)
    assert result.returncode == 2
    assert f"main.py animate: error: {message}" in result.stderr
    assert not (data / "bad.gif").exists()


def test_bad_outputs_and_overwrite(data):
    result = run_main(*COMMON, "--output", "slides.txt", cwd=data)
    assert result.returncode == 2 and "argument --output" in result.stderr
    (data / "taken.gif").write_bytes(b"mine")
    result = run_main(*COMMON, "--output", "taken.gif", cwd=data)
    assert result.returncode == 2 and "add --overwrite" in result.stderr
    assert (data / "taken.gif").read_bytes() == b"mine"
    result = run_main(*COMMON, "--output", "taken.gif", "--overwrite", cwd=data)
    assert result.returncode == 0, result.stderr
    with Image.open(data / "taken.gif") as im:
        assert im.n_frames == 4
    result = run_main(*COMMON, "--kernel", "box_blur_3", "--crop", "2", "--output", "small.gif",
                      cwd=data)
    assert result.returncode == 2 and "do not fit" in result.stderr


def test_command_module_imports_no_qt():
    code = ("import sys, convgui.animate_command\n"
            "bad = [m for m in sys.modules if m.startswith(('PyQt5', 'pyqtgraph'))]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_transposed_convolution_frames(data):
    result = run_main(*COMMON, "--transposed", "--stride", "2", "--padding", "1",
                      "--output-padding", "1", "--output", "up.gif", cwd=data)
    assert result.returncode == 0, result.stderr
    # (4 − 1)·2 − 1 − 1 + (3 − 1) + 1 + 1 = 8 rows and columns: 64 steps.
    with Image.open(data / "up.gif") as im:
        assert im.n_frames == 64
    result = run_main(*COMMON, "--transposed", "--padding", "same", "--output", "no.gif",
                      cwd=data)
    assert result.returncode == 2 and "argument --padding" in result.stderr
    result = run_main(*COMMON, "--transposed", "--padding-mode", "reflect", "--output", "no.gif",
                      cwd=data)
    assert result.returncode == 2 and "argument --padding-mode" in result.stderr
    assert not (data / "no.gif").exists()
