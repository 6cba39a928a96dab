"""``python main.py train`` run as a user would: in a subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.kernels import load_kernel
from core.nn import load_model

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "resources" / "samples" / "mnist_sample.npz"


def run_main(*args, cwd):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def bars(tmp_path_factory):
    """Horizontal (0) and vertical (1) bars, uint8, with no validation array."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 40, (120, 12, 12)).astype(np.uint8)
    labels = np.arange(120) % 2
    where = rng.integers(2, 10, 120)
    for k in range(120):
        if labels[k]:
            images[k, 2:10, where[k]] = 255
        else:
            images[k, where[k], 2:10] = 255
    path = tmp_path_factory.mktemp("train") / "bars.npz"
    np.savez(path, data=images, labels=labels)
    return path, images, labels


def test_trains_writes_the_model_and_kernels_and_reports_accuracy(bars, tmp_path):
    path, images, labels = bars
    run = run_main("train", "--input", path, "--layers", "conv:4x3x3,relu,maxpool:2",
                   "--epochs", "8", "--batch-size", "16", "--lr", "0.01", "--output", "m.npz",
                   "--kernels-out", "k.json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "108 training and 12 validation images" in run.stderr
    assert "epoch 8/8" in run.stderr and "confusion matrix" in run.stderr
    assert run.stdout.startswith("validation accuracy 100.00% (12/12)")
    net = load_model(tmp_path / "m.npz")
    assert net.input_scale == pytest.approx(1 / 255)
    assert np.mean(net.predict(images) == labels) > 0.95  # a real classifier was saved
    np.testing.assert_allclose(load_kernel(tmp_path / "k.json"), net.layers[0].params["W"])
    assert json.loads((tmp_path / "k.json").read_text())["name"].startswith("learned")


def test_mnist_layout_validates_on_x_valid(tmp_path):
    run = run_main("train", "--input", SAMPLE, "--limit", "100", "--epochs", "1",
                   "--optimizer", "sgd", "--output", "m.npz", "--quiet", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert "/200)" in run.stdout  # X_valid holds 200 digits
    assert load_model(tmp_path / "m.npz").describe().startswith("conv 8×5×5")


@pytest.mark.parametrize("extra,words", [
    (["--layers", "conv:8x5"], None),
    (["--layers", "conv:8x5x5,softmax"], "layers: cannot read 'softmax'"),
    (["--layers", "conv:4x30x30"], "layers: layer 1"),
    (["--epochs", "0"], "--epochs"),
    (["--optimizer", "rmsprop"], "--optimizer"),
    (["--key", "X_nothing"], "--input"),
    (["--valid-key", "Y_test"], "--valid-key"),
])
def test_bad_arguments_exit_2_with_a_message_and_write_nothing(tmp_path, extra, words):
    run = run_main("train", "--input", SAMPLE, "--limit", "50", "--epochs", "1",
                   "--output", "m.npz", *extra, cwd=tmp_path)
    if words is None:  # a valid short form: conv:8x5 is 8 kernels of 5x5
        assert run.returncode == 0, run.stderr
        return
    assert run.returncode == 2, run.stderr
    assert words in run.stderr and "error:" in run.stderr
    assert not (tmp_path / "m.npz").exists()


def test_unlabelled_data_and_existing_output_are_refused(tmp_path):
    np.save(tmp_path / "images.npy", np.zeros((10, 8, 8), np.float32))
    run = run_main("train", "--input", "images.npy", "--output", "m.npz", cwd=tmp_path)
    assert run.returncode == 2 and "has no labels" in run.stderr
    (tmp_path / "m.npz").write_bytes(b"keep me")
    run = run_main("train", "--input", SAMPLE, "--output", "m.npz", cwd=tmp_path)
    assert run.returncode == 2 and "--overwrite" in run.stderr
    assert (tmp_path / "m.npz").read_bytes() == b"keep me"
    run = run_main("train", "--input", SAMPLE, "--output", "m.pkl", cwd=tmp_path)
    assert run.returncode == 2 and "must end in .npz" in run.stderr
