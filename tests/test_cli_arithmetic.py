"""``main.py apply`` with padding modes, bias and transposed convolution.

Expected arrays come from numpy.pad plus brute-force loops (``test_core_arithmetic``), never from
the pipeline the command runs.
"""

import numpy as np
import pytest

from convgui.app import build_parser
from convgui import cli
from core.kernels import find_preset
from test_cli import run_main
from test_core_arithmetic import brute_conv, brute_transpose

SOBEL_X = find_preset("sobel_x").kernel


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli_arithmetic")
    images = np.random.default_rng(5).random((6, 9, 8)).astype(np.float32)
    np.savez(folder / "digits.npz", X_train=images, Y_train=np.arange(6))
    return folder / "digits.npz", images


def test_transposed_with_bias_and_output_padding(digits, tmp_path):
    source, images = digits
    out = tmp_path / "up.npy"
    run = run_main("apply", "--input", source, "--kernel", "sobel_x", "--transposed",
                   "--stride", "2", "--padding", "1", "--output-padding", "1", "--bias", "0.5",
                   "--activation", "relu", "--float64", "--output", out, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    got = np.load(out)
    want = np.maximum(brute_transpose(images, SOBEL_X, 2, 1, 1, 1) + 0.5, 0)
    assert got.shape == (6, 18, 16, 1)
    np.testing.assert_allclose(got[..., 0], want, atol=1e-12)


def test_padding_mode_in_process(digits, tmp_path):
    source, images = digits
    out = tmp_path / "reflect.npy"
    args = build_parser().parse_args(["apply", "--input", str(source), "--kernel", "sobel_x",
                                      "--padding", "same", "--padding-mode", "reflect",
                                      "--bias", "-1", "--float64", "--quiet",
                                      "--output", str(out)])
    assert cli.run_apply(args) == 0
    want = brute_conv(images, SOBEL_X, "same", 1, 1, "reflect") - 1
    np.testing.assert_allclose(np.load(out)[..., 0], want, atol=1e-12)


@pytest.mark.parametrize("extra, message", [
    (["--transposed", "--padding", "same"], "argument --padding: 'same' has no meaning"),
    (["--transposed", "--padding-mode", "reflect"], "argument --padding-mode: a transposed"),
    (["--output-padding", "1"], "argument --output-padding: only with --transposed"),
    (["--bias", "1,2"], "argument --bias: bias must be a single number (one kernel)"),
    (["--transposed", "--stride", "2", "--output-padding", "2"],
     "output_padding (2) must be smaller than the stride (2)"),
    (["--padding", "9", "--padding-mode", "reflect"], "too wide for padding_mode='reflect'"),
])
def test_bad_combinations_are_usage_errors(digits, tmp_path, capsys, extra, message):
    source, _ = digits
    out = tmp_path / "x.npy"
    args = build_parser().parse_args(["apply", "--input", str(source), "--kernel", "sobel_x",
                                      "--quiet", "--output", str(out), *extra])
    assert cli.run_apply(args) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_bias_must_be_numbers():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["apply", "--input", "x.npz", "--kernel", "sobel_x",
                                   "--output", "y.npy", "--bias", "a lot"])
