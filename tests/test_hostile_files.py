"""Files built to hang, crash or exhaust the app: each is refused up front with a clear message.

Every test asserts the message names the file, that no large allocation happened (peak memory
of the process grows by well under the declared size), and that nothing is left behind.
"""

import gzip
import io
import os
import pickle
import resource
import struct
import zipfile

import numpy as np
import pytest

from core import datasets
from core.datasets import load_dataset
from core.kernels import MAX_BANK_SIZE, as_bank, check_kernel, load_kernel


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------------------------------
# FIFOs and devices


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("name, opener", [
    ("MNIST.npz", load_dataset),
    ("data_batch_1", load_dataset),
    ("kernel.json", load_kernel),
    ("kernel.npy", load_kernel),
])
def test_fifo_is_refused_without_hanging(tmp_path, name, opener, finishes):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    outcome = finishes(lambda: opener(fifo))
    if outcome == "hung":  # unblock the reader so the test run can end
        with open(fifo, "wb"):
            pass
    assert isinstance(outcome, OSError), outcome
    assert str(fifo) in str(outcome) and "named pipe (FIFO)" in str(outcome)


def test_device_is_refused():
    with pytest.raises(OSError, match="/dev/zero is a device"):
        load_dataset("/dev/zero")


# ------------------------------------------------------------------------------------------
# CIFAR pickles that ask numpy for memory the file does not hold


class _Call:
    """Pickles as ``function(*args)`` with the given global, like a hand-made hostile file."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


def _ndarray_batch(rows):
    return pickle.dumps({b"data": _Call(np.ndarray, (rows, 3072), "u1"), b"labels": [0]},
                        protocol=2)


def test_ninety_byte_batch_asking_for_gigabytes_is_refused(tmp_path):
    path = tmp_path / "data_batch_1"
    payload = _ndarray_batch(4_000_000)
    assert len(payload) < 200
    path.write_bytes(payload)
    before = peak_mb()
    with pytest.raises(ValueError, match="data_batch_1 was refused.*numpy.ndarray.*nothing in it"
                                         " was run"):
        load_dataset(path)
    assert peak_mb() - before < 500


def test_small_ndarray_call_cannot_show_uninitialised_memory(tmp_path):
    path = tmp_path / "data_batch_2"
    path.write_bytes(_ndarray_batch(20))
    with pytest.raises(ValueError, match="was refused"):
        load_dataset(path)


def test_reconstruct_with_a_shape_of_its_own_is_refused(tmp_path):
    reconstruct = np.zeros(1).__reduce__()[0]
    path = tmp_path / "test_batch"
    path.write_bytes(pickle.dumps({b"data": _Call(reconstruct, np.ndarray, (4_000_000, 3072),
                                                   b"B")}, protocol=2))
    with pytest.raises(ValueError, match="test_batch was refused.*_reconstruct"):
        load_dataset(path)


def test_codec_other_than_latin1_is_refused(tmp_path):
    import _codecs

    path = tmp_path / "data_batch_3"
    path.write_bytes(pickle.dumps({b"data": _Call(_codecs.encode, "x", "no-such-codec")},
                                  protocol=2))
    with pytest.raises(ValueError, match="data_batch_3 was refused.*_codecs.encode"):
        load_dataset(path)


def test_real_batches_still_open_after_the_restrictions(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.integers(0, 256, (3, 3072), dtype=np.uint8)
    for protocol in (2, 4, 5):
        path = tmp_path / f"data_batch_{protocol}"
        path.write_bytes(pickle.dumps({b"data": data, b"labels": [1, 2, 3]}, protocol=protocol))
        d = load_dataset(path)
        np.testing.assert_array_equal(d.images[1, 4, 7], data[1, [4 * 32 + 7 + p * 1024
                                                                   for p in range(3)]])


def test_truncated_batch_says_truncated_not_asks_to_run(tmp_path):
    payload = pickle.dumps({b"data": np.zeros((10, 3072), np.uint8), b"labels": [0] * 10},
                           protocol=2)
    path = tmp_path / "data_batch_4"
    path.write_bytes(payload[:len(payload) // 2])
    with pytest.raises(ValueError) as caught:
        load_dataset(path)
    assert "data_batch_4" in str(caught.value) and "truncated" in str(caught.value)
    assert "asks to run" not in str(caught.value)


def test_deeply_nested_pickle_is_a_clear_error(tmp_path):
    path = tmp_path / "data_batch_5"
    path.write_bytes(b"\x80\x02" + b"]" * 200_000 + b"." )
    with pytest.raises(ValueError, match="data_batch_5"):
        load_dataset(path)


# ------------------------------------------------------------------------------------------
# npz, npy and IDX headers that promise more than the file holds


def test_npz_zip_bomb_is_refused_before_inflating(tmp_path):
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, X_train=np.zeros((300, 512, 512), np.uint8))  # 75 MB -> ~75 KB
    assert path.stat().st_size < 1 << 20
    before = peak_mb()
    with pytest.raises(ValueError, match="bomb.npz: array X_train declares 75.0 MB of data "
                                         "stored in .* KB; a compression that strong"):
        load_dataset(path)
    assert peak_mb() - before < 40


def test_npz_member_larger_than_memory_is_refused(tmp_path, monkeypatch):
    from core import batch_sizes

    path = tmp_path / "big.npz"
    np.savez(path, X_train=np.ones((10, 64, 64), np.float32))
    monkeypatch.setattr(batch_sizes, "available_memory", lambda: 200_000)
    with pytest.raises(ValueError, match="big.npz: array X_train declares 160.0 KB of data, "
                                         "more than the memory available"):
        load_dataset(path)


def test_npz_header_promising_more_than_the_member_holds(tmp_path):
    path = tmp_path / "liar.npz"
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (10**9, 28, 28)})
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("X_train.npy", header.getvalue() + bytes(64))
    with pytest.raises(ValueError, match="liar.npz: array X_train is damaged: its header "
                                         "promises shape"):
        load_dataset(path)


def test_npy_header_promising_pebibytes(tmp_path):
    path = tmp_path / "huge.npy"
    with open(path, "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (2**40, 2**20, 1)})
        fh.write(bytes(100))
    with pytest.raises(ValueError, match="huge.npy is damaged or truncated: its header promises"):
        load_dataset(path)


def test_gzip_idx_bomb_is_refused_before_inflating(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    header = bytes([0, 0, 0x08, 3]) + struct.pack(">3I", 100_000, 28, 28)
    with gzip.open(path, "wb") as fh:  # 78 MB of zeros in about 80 KB
        fh.write(header)
        block = bytes(1 << 20)
        for _ in range(74):
            fh.write(block)
        fh.write(bytes(100_000 * 784 - 74 * (1 << 20)))
    assert path.stat().st_size < 1 << 20
    before = peak_mb()
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz declares 74.8 MB of data "
                                         "stored in"):
        load_dataset(path)
    assert peak_mb() - before < 40


def test_every_unexpected_decoder_error_names_the_file(tmp_path, monkeypatch):
    path = tmp_path / "odd.npz"
    np.savez(path, X_train=np.zeros((2, 4, 4)))
    for error in (NotImplementedError("That compression method is not supported"),
                  LookupError("unknown encoding"), RecursionError(), MemoryError(),
                  RuntimeError("File is encrypted, password required for extraction")):
        def broken(*args, error=error, **kwargs):
            raise error
        monkeypatch.setattr(datasets, "load_npz", broken)
        with pytest.raises(ValueError, match="^odd.npz"):
            load_dataset(path)


def test_encrypted_npz_is_a_clear_error(tmp_path):
    path = tmp_path / "locked.npz"
    np.savez(path, X_train=np.zeros((2, 4, 4)))
    raw = bytearray(path.read_bytes())
    # set the "encrypted" flag bit in the local and central headers of the member
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = raw.find(signature)
        raw[at + offset] |= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="locked.npz"):
        load_dataset(path)


# ------------------------------------------------------------------------------------------
# kernels


def test_bank_is_capped():
    assert check_kernel(np.ones((3, 3, 1, MAX_BANK_SIZE))).shape[3] == 64
    with pytest.raises(ValueError, match="bank of 65 kernels; at most 64"):
        as_bank(np.ones((3, 3, 1, MAX_BANK_SIZE + 1)), 1)


def test_deeply_nested_kernel_json_is_a_clear_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="deep.json"):
        load_kernel(path)


def test_kernel_npy_promising_pebibytes(tmp_path):
    path = tmp_path / "k.npy"
    with open(path, "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (2**40, 2**20)})
        fh.write(bytes(64))
    with pytest.raises(ValueError, match="k.npy"):
        load_kernel(path)


def test_scalar_and_subarray_dtypes_cannot_allocate_beyond_the_file(tmp_path):
    reconstruct = np.zeros(1).__reduce__()[0]
    scalar = np.int64(0).__reduce__()[0]
    huge_item = np.dtype("V2000000000")
    cases = {
        "data_batch_6": _Call(scalar, huge_item),                      # a zero-filled 2 GB item
        "data_batch_7": _Call(reconstruct, np.ndarray, (1,), np.dtype(("u1", (2**30,)))),
    }
    for name, payload in cases.items():
        path = tmp_path / name
        path.write_bytes(pickle.dumps({b"data": payload}, protocol=2))
        before = peak_mb()
        with pytest.raises(ValueError, match=f"{name} was refused"):
            load_dataset(path)
        assert peak_mb() - before < 200


def test_pickled_scalars_from_the_files_bytes_still_load(tmp_path):
    data = np.arange(3072 * 2, dtype=np.uint8).reshape(2, 3072)
    path = tmp_path / "data_batch_8"
    path.write_bytes(pickle.dumps({b"data": data, b"labels": [np.int64(3), np.int64(4)]},
                                  protocol=2))
    assert load_dataset(path).labels.tolist() == [3, 4]
