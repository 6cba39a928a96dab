"""``main.py apply`` keeps every split, never destroys its input, and fails cleanly on any file."""

import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core.kernels import find_preset
from core.pipeline import PipelineSpec, run_pipeline

ROOT = Path(__file__).resolve().parent.parent
SOBEL_X = find_preset("sobel_x").kernel


def run_here(*args, capsys, monkeypatch, cwd):
    """``main.py`` in this process (faster than a subprocess): ``(exit code, stderr)``."""
    from convgui.app import main

    monkeypatch.chdir(cwd)
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err


def run_main(*args, cwd):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def mnist(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mnist")
    rng = np.random.default_rng(5)
    arrays = {}
    for split, count in (("train", 12), ("valid", 5), ("test", 7)):
        arrays[f"X_{split}"] = rng.random((count, 10, 10)).astype(np.float32)
        arrays[f"Y_{split}"] = rng.integers(0, 10, count)
    np.savez(folder / "MNIST.npz", **arrays)
    return folder / "MNIST.npz", arrays


def test_every_split_is_kept_in_the_source_layout(mnist, tmp_path, relu_max_pool_loops):
    path, arrays = mnist
    run = run_main("apply", "--input", path, "--kernel", "sobel_x", "--activation", "relu",
                   "--pool", "max:2x2:2", "--output", "out.npz", "--quiet", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    with np.load(tmp_path / "out.npz") as out:
        assert sorted(out.files) == sorted(arrays)
        for split in ("train", "valid", "test"):
            np.testing.assert_allclose(out[f"X_{split}"],
                                       relu_max_pool_loops(arrays[f"X_{split}"], SOBEL_X),
                                       atol=1e-5)
            np.testing.assert_array_equal(out[f"Y_{split}"], arrays[f"Y_{split}"])


def test_chosen_keys_only(mnist, tmp_path):
    path, arrays = mnist
    run = run_main("apply", "--input", path, "--kernel", "sobel_x", "--key", "X_test",
                   "--key", "X_valid", "--output", "out.npz", "--quiet", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    with np.load(tmp_path / "out.npz") as out:
        assert sorted(out.files) == ["X_test", "X_valid", "Y_test", "Y_valid"]
        assert out["X_valid"].shape == (5, 8, 8, 1)


def test_range_picks_one_array_and_says_what_was_not_processed(mnist, tmp_path):
    path, _ = mnist
    run = run_main("apply", "--input", path, "--kernel", "sobel_x", "--range", "0:3",
                   "--output", "out.npz", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "not processed: X_valid, X_test" in run.stderr
    with np.load(tmp_path / "out.npz") as out:
        assert sorted(out.files) == ["X_train", "Y_train"]


def test_several_keys_into_one_array_format_is_refused(mnist, tmp_path):
    path, _ = mnist
    run = run_main("apply", "--input", path, "--kernel", "sobel_x", "--key", "X_test",
                   "--key", "X_valid", "--output", "out.npy", cwd=tmp_path)
    assert run.returncode == 2
    assert "argument --key: format npy holds one array, but 2 were given" in run.stderr
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("output", ["same", "./same", "alias"])
def test_output_equal_to_the_input_is_refused_even_with_overwrite(mnist, tmp_path, output):
    source, _ = mnist
    path = tmp_path / "MNIST.npz"
    path.write_bytes(source.read_bytes())
    os.symlink(path, tmp_path / "alias.npz")
    before = path.read_bytes()
    target = {"same": "MNIST.npz", "./same": "./MNIST.npz", "alias": "alias.npz"}[output]
    run = run_main("apply", "--input", "MNIST.npz", "--kernel", "sobel_x", "--output", target,
                   "--overwrite", cwd=tmp_path)
    assert run.returncode == 2
    assert "is the input file" in run.stderr and "even with --overwrite" in run.stderr
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["MNIST.npz", "alias.npz"]


def hostile_inputs(folder):
    """Files that once hung, crashed or gave unclear messages, each with what must be said."""
    files = {}
    evil = pickle.dumps({b"data": _NdarrayCall((4_000_000, 3072))}, protocol=2)
    (folder / "data_batch_1").write_bytes(evil)
    files["data_batch_1"] = "was refused"
    good = pickle.dumps({b"data": np.zeros((10, 3072), np.uint8), b"labels": [0] * 10},
                        protocol=2)
    (folder / "data_batch_2").write_bytes(good[:len(good) // 2])
    files["data_batch_2"] = "truncated"
    with open(folder / "huge.npy", "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (2**50, 2**10)})
        fh.write(bytes(16))
    files["huge.npy"] = "truncated"
    with open(folder / "odd.npy", "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (3, 4, 4)})
        fh.write(bytes(3 * 4 * 4 * 8 - 3))
    files["odd.npy"] = "odd.npy"
    (folder / "empty.npz").write_bytes(b"PK\x05\x06" + bytes(18))
    files["empty.npz"] = "empty.npz"
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "pipe.npz")
        files["pipe.npz"] = "named pipe (FIFO)"
    return files


class _NdarrayCall:
    def __init__(self, shape):
        self.shape = shape

    def __reduce__(self):
        return np.ndarray, (self.shape, "u1")


def test_every_bad_file_exits_2_naming_the_file(tmp_path, capsys, monkeypatch):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    for name, said in hostile_inputs(inputs).items():
        code, err = run_here("apply", "--input", inputs / name, "--kernel", "sobel_x",
                             "--output", "out.npz", cwd=work, capsys=capsys,
                             monkeypatch=monkeypatch)
        assert code == 2, (name, err)
        assert err.startswith("main.py apply: error: argument --input:"), err
        assert name in err and said in err, err
        assert os.listdir(work) == []


def test_bad_kernel_files_exit_2_naming_the_file(tmp_path, mnist, capsys, monkeypatch):
    path, _ = mnist
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    with open(tmp_path / "k.npy", "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (2**40, 2**20)})
    np.save(tmp_path / "bank.npy", np.ones((3, 3, 1, 65)))
    names = ["deep.json", "k.npy", "bank.npy"]
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.json")
        names.append("pipe.json")
    for name in names:
        code, err = run_here("apply", "--input", path, "--kernel", name, "--output", "o.npz",
                             cwd=tmp_path, capsys=capsys, monkeypatch=monkeypatch)
        assert code == 2, (name, err)
        assert f"argument --kernel: {name}" in err, err
    assert not (tmp_path / "o.npz").exists()


def test_full_disk_while_writing_a_memory_map_is_a_clean_error(mnist, tmp_path, monkeypatch,
                                                               capsys):
    import errno

    from convgui import cli
    from convgui.app import build_parser

    path, _ = mnist
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(os, "posix_fallocate", lambda fd, offset, length: (_ for _ in ()).throw(
        OSError(errno.ENOSPC, "No space left on device")))
    args = build_parser().parse_args(["apply", "--input", str(path), "--kernel", "sobel_x",
                                      "--output", "maps.npy"])
    assert cli.run_apply(args) == 1
    err = capsys.readouterr().err
    assert "could not write maps.npy: the disk is full" in err
    assert "nothing was written" in err
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")
@pytest.mark.parametrize("signum, output", [(signal.SIGTERM, "out.npy"),
                                            (signal.SIGHUP, "out.npz")])
def test_sigterm_and_sighup_leave_no_temporary_files(tmp_path, signum, output):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "images.npy", rng.random((600, 64, 64)).astype(np.float32))
    np.save(tmp_path / "bank.npy", rng.random((15, 15, 1, 8)))
    work = tmp_path / "work"
    work.mkdir()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "apply", "--input", str(tmp_path / "images.npy"),
         "--kernel", str(tmp_path / "bank.npy"), "--output", output], cwd=work, env=env,
        stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        seen = ""
        while "processed" not in seen and time.time() < deadline:
            seen += process.stderr.readline()
        assert "processed" in seen
        if output.endswith(".npy"):
            assert os.listdir(work)  # the memory-mapped temporary file is there while it works
        process.send_signal(signum)
        _, rest = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + signum, rest
    assert f"stopped by {signal.Signals(signum).name}; nothing was written" in rest
    assert os.listdir(work) == []
