"""core.datasets: every format read back pixel for pixel, every bad file refused clearly."""

import gzip
import os
import pickle
import struct

import numpy as np
import pytest

from core import datasets
from core.datasets import Dataset, is_image_shaped, load_dataset, to_grayscale

RNG = np.random.default_rng(1234)


def uint8_images(*shape):
    return RNG.integers(0, 256, size=shape, dtype=np.uint8)


# ------------------------------------------------------------------------------------------
# the seed files' layouts


@pytest.fixture
def mnist_npz(tmp_path):
    arrays = {
        "X_train": RNG.random((50, 28, 28)).astype(np.float32),
        "Y_train": RNG.integers(0, 10, 50),
        "X_valid": RNG.random((20, 28, 28)).astype(np.float32),
        "Y_valid": RNG.integers(0, 10, 20),
        "X_test": RNG.random((10, 28, 28)).astype(np.float32),
        "Y_test": RNG.integers(0, 10, 10),
    }
    path = tmp_path / "MNIST.npz"
    np.savez_compressed(path, **arrays)
    return path, arrays


def test_mnist_npz_defaults_to_train_split_with_labels(mnist_npz):
    path, arrays = mnist_npz
    d = load_dataset(path)
    assert isinstance(d, Dataset)
    np.testing.assert_array_equal(d.images, arrays["X_train"])
    assert d.images.dtype == np.float32
    np.testing.assert_array_equal(d.labels, arrays["Y_train"])
    assert d.key == "X_train" and d.source == str(path)
    assert d.alternatives == ["X_valid", "X_test"]
    assert d.class_names is None and len(d) == 50 and not d.is_color
    assert "MNIST.npz" in d.name


@pytest.mark.parametrize("split", ["X_valid", "X_test"])
def test_mnist_npz_other_splits_come_with_their_labels(mnist_npz, split):
    path, arrays = mnist_npz
    d = load_dataset(path, key=split)
    np.testing.assert_array_equal(d.images, arrays[split])
    np.testing.assert_array_equal(d.labels, arrays["Y" + split[1:]])
    assert split not in d.alternatives and "X_train" in d.alternatives
    again = load_dataset(path).load_alternative(split)
    np.testing.assert_array_equal(again.images, arrays[split])


def test_animals_npz_layout(tmp_path):
    data = uint8_images(30, 32, 32, 3)
    path = tmp_path / "animals_1.npz"
    np.savez(path, data=data)
    d = load_dataset(path)
    np.testing.assert_array_equal(d.images, data)
    assert d.images.dtype == np.uint8 and d.is_color and d.image_shape == (32, 32, 3)
    assert d.labels is None and d.key == "data" and d.alternatives == []


def test_npz_labels_and_class_names_keys(tmp_path):
    data = uint8_images(6, 8, 8, 3)
    labels = np.array([0, 1, 2, 0, 1, 2])
    path = tmp_path / "set.npz"
    np.savez(path, data=data, labels=labels, class_names=np.array(["cat", "dog", "bird"]))
    d = load_dataset(path)
    np.testing.assert_array_equal(d.labels, labels)
    assert d.class_names == ["cat", "dog", "bird"]
    assert d.label_text(1) == "1 (dog)"


def test_npz_labels_of_wrong_length_are_ignored(tmp_path):
    path = tmp_path / "set.npz"
    np.savez(path, X_train=np.zeros((4, 5, 5)), Y_train=np.arange(3))
    assert load_dataset(path).labels is None


def test_npz_integral_float_labels_become_ints(tmp_path):
    path = tmp_path / "set.npz"
    np.savez(path, images=np.zeros((3, 5, 5)), labels=np.array([1.0, 2.0, 7.0]))
    labels = load_dataset(path).labels
    assert labels.dtype.kind == "i" and labels.tolist() == [1, 2, 7]


# ------------------------------------------------------------------------------------------
# generic .npz / .npy


def test_generic_npz_picks_the_first_image_array_and_lists_the_rest(tmp_path):
    a, b = uint8_images(3, 10, 12), RNG.random((2, 6, 6, 1))
    path = tmp_path / "mine.npz"
    np.savez(path, vector=np.arange(5), alpha=a, beta=b)
    d = load_dataset(path)
    np.testing.assert_array_equal(d.images, a)
    assert d.key == "alpha" and d.alternatives == ["beta"]
    np.testing.assert_array_equal(load_dataset(path, key="beta").images, b)


def test_npz_with_an_object_array_elsewhere_still_opens(tmp_path):
    images = uint8_images(2, 9, 9)
    path = tmp_path / "mixed.npz"
    np.savez(path, notes=np.array([{"a": 1}], dtype=object), X_train=images)
    d = load_dataset(path)
    np.testing.assert_array_equal(d.images, images)
    assert d.alternatives == []


def test_npy_stack(tmp_path):
    images = RNG.random((7, 16, 16))
    path = tmp_path / "stack.npy"
    np.save(path, images)
    d = load_dataset(path)
    np.testing.assert_array_equal(d.images, images)
    assert d.images.dtype == np.float64 and d.key is None and d.labels is None


@pytest.mark.parametrize("shape, stacked", [((20, 30), (1, 20, 30)),
                                            ((20, 30, 3), (1, 20, 30, 3)),
                                            ((20, 30, 4), (1, 20, 30, 4))])
def test_npy_single_image_becomes_a_stack_of_one(tmp_path, shape, stacked):
    image = uint8_images(*shape)
    path = tmp_path / "one.npy"
    np.save(path, image)
    d = load_dataset(path)
    assert d.images.shape == stacked
    np.testing.assert_array_equal(d.images[0], image)


def test_bool_images_become_uint8(tmp_path):
    path = tmp_path / "mask.npy"
    mask = RNG.random((2, 5, 5)) > 0.5
    np.save(path, mask)
    d = load_dataset(path)
    assert d.images.dtype == np.uint8
    np.testing.assert_array_equal(d.images, mask.astype(np.uint8))


def test_fortran_ordered_npy(tmp_path):
    images = np.asfortranarray(uint8_images(3, 6, 7))
    path = tmp_path / "f.npy"
    np.save(path, images)
    np.testing.assert_array_equal(load_dataset(path).images, images)


def test_large_npy_is_memory_mapped(tmp_path, monkeypatch):
    images = uint8_images(40, 28, 28)
    path = tmp_path / "big.npy"
    np.save(path, images)
    assert not isinstance(load_dataset(path).images, np.memmap)
    from core import dataset_npz

    monkeypatch.setattr(dataset_npz, "MMAP_BYTES", 1000)
    d = load_dataset(path)
    assert isinstance(d.images, np.memmap)
    assert not d.images.flags.writeable
    np.testing.assert_array_equal(d.images, images)


def test_mmap_can_be_forced(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.ones((2, 4, 4), np.float32))
    assert isinstance(load_dataset(path, mmap=True).images, np.memmap)
    assert not isinstance(load_dataset(path, mmap=False).images, np.memmap)


# ------------------------------------------------------------------------------------------
# MNIST IDX


def idx_bytes(array, code):
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path, array, code=0x08, gz=False):
    data = idx_bytes(array, code)
    path.write_bytes(gzip.compress(data) if gz else data)


@pytest.mark.parametrize("gz", [False, True])
def test_idx_images_with_sibling_labels(tmp_path, gz):
    images, labels = uint8_images(12, 28, 28), RNG.integers(0, 10, 12).astype(np.uint8)
    suffix = ".gz" if gz else ""
    write_idx(tmp_path / f"train-images-idx3-ubyte{suffix}", images, gz=gz)
    write_idx(tmp_path / f"train-labels-idx1-ubyte{suffix}", labels, gz=gz)
    d = load_dataset(tmp_path / f"train-images-idx3-ubyte{suffix}")
    np.testing.assert_array_equal(d.images, images)
    assert d.images.dtype == np.uint8
    np.testing.assert_array_equal(d.labels, labels)


def test_idx_gz_images_find_raw_labels_and_dotted_names(tmp_path):
    images, labels = uint8_images(5, 28, 28), RNG.integers(0, 10, 5).astype(np.uint8)
    write_idx(tmp_path / "t10k-images.idx3-ubyte.gz", images, gz=True)
    write_idx(tmp_path / "t10k-labels.idx1-ubyte", labels)
    d = load_dataset(tmp_path / "t10k-images.idx3-ubyte.gz")
    np.testing.assert_array_equal(d.images, images)
    np.testing.assert_array_equal(d.labels, labels)


def test_idx_without_labels_file(tmp_path):
    images = uint8_images(3, 28, 28)
    write_idx(tmp_path / "train-images-idx3-ubyte", images)
    d = load_dataset(tmp_path / "train-images-idx3-ubyte")
    np.testing.assert_array_equal(d.images, images)
    assert d.labels is None


def test_idx_float32_big_endian_and_writable(tmp_path):
    images = RNG.random((4, 6, 5)).astype(np.float32)
    write_idx(tmp_path / "floats.idx", images, code=0x0D)
    d = load_dataset(tmp_path / "floats.idx")
    np.testing.assert_array_equal(d.images, images)
    assert d.images.dtype == np.float32 and d.images.dtype.isnative
    assert d.images.flags.writeable


def test_idx_labels_file_alone_is_explained(tmp_path):
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.arange(10, dtype=np.uint8))
    with pytest.raises(ValueError, match="labels, not images"):
        load_dataset(tmp_path / "train-labels-idx1-ubyte")


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_idx(tmp_path, gz):
    data = idx_bytes(uint8_images(10, 28, 28), 0x08)[:-100]
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(ValueError, match="truncated"):
        load_dataset(path)


def test_truncated_gzip_stream(tmp_path):
    data = gzip.compress(idx_bytes(uint8_images(10, 28, 28), 0x08))
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz"):
        load_dataset(path)


def test_gzip_of_something_else(tmp_path):
    path = tmp_path / "notes.gz"
    path.write_bytes(gzip.compress(b"hello, this is text"))
    with pytest.raises(ValueError, match="does not hold MNIST IDX"):
        load_dataset(path)


# ------------------------------------------------------------------------------------------
# CIFAR-10 python batches


def cifar_batch(n, label_key=b"labels"):
    data = uint8_images(n, 3072)
    labels = RNG.integers(0, 10, n).tolist()
    batch = {b"batch_label": b"training batch 1 of 5", label_key: labels, b"data": data,
             b"filenames": [f"img_{i}.png".encode() for i in range(n)]}
    expected = data.reshape(n, 3, 32, 32).transpose(0, 2, 3, 1)
    return batch, expected, labels


CIFAR_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
               "ship", "truck"]


def test_cifar_batch_with_meta(tmp_path):
    batch, expected, labels = cifar_batch(25)
    with open(tmp_path / "data_batch_1", "wb") as fh:
        pickle.dump(batch, fh, protocol=2)
    with open(tmp_path / "batches.meta", "wb") as fh:
        pickle.dump({b"label_names": [n.encode() for n in CIFAR_NAMES], b"num_vis": 3072},
                    fh, protocol=2)
    d = load_dataset(tmp_path / "data_batch_1")
    np.testing.assert_array_equal(d.images, expected)
    assert d.images.shape == (25, 32, 32, 3) and d.images.dtype == np.uint8
    assert d.labels.tolist() == labels
    assert d.class_names == CIFAR_NAMES
    # pixel (0, 0) of image 0 is R, G, B from the three 1024-value planes
    raw = batch[b"data"][0]
    assert d.images[0, 0, 0].tolist() == [raw[0], raw[1024], raw[2048]]
    assert d.images[0, 1, 2, 1] == raw[1024 + 32 + 2]


@pytest.mark.parametrize("protocol", [0, 1, 2, 4, 5])
def test_cifar_batch_with_text_keys_and_no_meta(tmp_path, protocol):
    batch, expected, labels = cifar_batch(4)
    batch = {k.decode(): v for k, v in batch.items()}
    with open(tmp_path / "test_batch", "wb") as fh:
        pickle.dump(batch, fh, protocol=protocol)
    d = load_dataset(tmp_path / "test_batch")
    np.testing.assert_array_equal(d.images, expected)
    assert d.labels.tolist() == labels and d.class_names is None


def test_cifar100_fine_labels_and_meta(tmp_path):
    batch, expected, labels = cifar_batch(6, label_key=b"fine_labels")
    with open(tmp_path / "train", "wb") as fh:
        pickle.dump(batch, fh, protocol=2)
    with open(tmp_path / "meta", "wb") as fh:
        pickle.dump({b"fine_label_names": [f"c{i}".encode() for i in range(100)]}, fh, protocol=2)
    d = load_dataset(tmp_path / "train")
    np.testing.assert_array_equal(d.images, expected)
    assert d.labels.tolist() == labels and d.class_names[:2] == ["c0", "c1"]


def test_cifar_meta_file_opened_by_mistake(tmp_path):
    with open(tmp_path / "batches.meta", "wb") as fh:
        pickle.dump({b"label_names": [b"cat"]}, fh, protocol=2)
    with pytest.raises(ValueError, match="class-name file"):
        load_dataset(tmp_path / "batches.meta")


def test_pickle_that_is_not_a_dict(tmp_path):
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps([1, 2, 3], protocol=2))
    with pytest.raises(ValueError, match="not a CIFAR batch"):
        load_dataset(path)


def test_cifar_data_of_wrong_shape(tmp_path):
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": np.zeros((2, 100), np.uint8)}, protocol=2))
    with pytest.raises(ValueError, match="3072"):
        load_dataset(path)


def test_truncated_cifar_batch(tmp_path):
    batch, _, _ = cifar_batch(5)
    data = pickle.dumps(batch, protocol=2)
    path = tmp_path / "data_batch_2"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="data_batch_2"):
        load_dataset(path)


class _WritesAFile:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (self.target, "w"))


class _RunsAShellCommand:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.system, (f"touch {self.target}",))


@pytest.mark.parametrize("payload", [_WritesAFile, _RunsAShellCommand])
@pytest.mark.parametrize("hidden", [False, True])
@pytest.mark.parametrize("protocol", [0, 2])
def test_hostile_pickle_is_refused_without_running(tmp_path, payload, hidden, protocol):
    target = tmp_path / "pwned.txt"
    evil = payload(str(target))
    content = {b"data": np.zeros((1, 3072), np.uint8), b"labels": [evil]} if hidden else evil
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps(content, protocol=protocol))
    with pytest.raises(ValueError, match="refused"):
        load_dataset(path)
    assert not target.exists()


def test_hostile_meta_is_ignored_without_running(tmp_path):
    target = tmp_path / "pwned.txt"
    batch, expected, _ = cifar_batch(2)
    (tmp_path / "data_batch_1").write_bytes(pickle.dumps(batch, protocol=2))
    (tmp_path / "batches.meta").write_bytes(pickle.dumps(_WritesAFile(str(target)), protocol=2))
    d = load_dataset(tmp_path / "data_batch_1")
    np.testing.assert_array_equal(d.images, expected)
    assert d.class_names is None and not target.exists()


# ------------------------------------------------------------------------------------------
# bad files


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_dataset("/nonexistent/folder/MNIST.npz")


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder"):
        load_dataset(tmp_path)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root can read files without read permission")
def test_no_permission(tmp_path):
    path = tmp_path / "secret.npy"
    np.save(path, np.zeros((2, 4, 4)))
    path.chmod(0)
    try:
        with pytest.raises(PermissionError, match="permission denied"):
            load_dataset(path)
    finally:
        path.chmod(0o644)


def test_permission_error_message_even_as_root(tmp_path, monkeypatch):
    path = tmp_path / "secret.npy"
    np.save(path, np.zeros((2, 4, 4)))

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    from core import dataset_checks

    monkeypatch.setattr(dataset_checks, "open", refuse, raising=False)
    with pytest.raises(PermissionError, match="secret.npy: permission denied"):
        load_dataset(path)


def test_empty_file(tmp_path):
    path = tmp_path / "MNIST.npz"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="MNIST.npz is empty"):
        load_dataset(path)


def test_wrong_format(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("these are my lecture notes, not a dataset")
    with pytest.raises(ValueError, match="notes.npz is not a dataset file.*npz"):
        load_dataset(path)


def test_image_file_gets_a_hint(tmp_path):
    path = tmp_path / "cat.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    with pytest.raises(ValueError, match="PNG image.*image loader"):
        load_dataset(path)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_npz(tmp_path, mnist_npz, keep):
    path, _ = mnist_npz
    data = path.read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ValueError, match="cut.npz"):
        load_dataset(cut)


def test_damaged_npz_member(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, X_train=uint8_images(20, 28, 28))
    data = bytearray(path.read_bytes())
    data[300:340] = b"\xff" * 40
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="bad.npz"):
        load_dataset(path)


def test_truncated_npy(tmp_path):
    path = tmp_path / "cut.npy"
    np.save(path, uint8_images(10, 28, 28))
    path.write_bytes(path.read_bytes()[:-500])
    with pytest.raises(ValueError, match="cut.npy is damaged or truncated"):
        load_dataset(path)


def test_npz_without_image_array_lists_what_it_found(tmp_path):
    path = tmp_path / "MNIST.npz"
    np.savez(path, weights=np.zeros(10), bias=np.zeros((3, 4, 5, 9)))
    with pytest.raises(ValueError, match=r"MNIST.npz has no image-shaped array.*weights \(10,\)"):
        load_dataset(path)


def test_empty_npz_archive(tmp_path):
    path = tmp_path / "nothing.npz"
    np.savez(path)
    with pytest.raises(ValueError, match="no image-shaped array.*no arrays"):
        load_dataset(path)


def test_object_npy(tmp_path):
    path = tmp_path / "objects.npy"
    np.save(path, np.array([[1, "a"], [None, 2.0]], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="objects.npy holds Python objects"):
        load_dataset(path)


def test_object_array_asked_for_by_key(tmp_path):
    path = tmp_path / "o.npz"
    np.savez(path, X_train=np.zeros((2, 3, 3)), notes=np.array([[None] * 3] * 3, dtype=object))
    with pytest.raises(ValueError, match="notes holds Python objects"):
        load_dataset(path, key="notes")


@pytest.mark.parametrize("array, message", [
    (np.zeros((0, 28, 28)), "is empty"),
    (np.full((3, 5, 5), np.nan), "only NaN"),
    (np.zeros((3, 5, 5), np.complex128), "must hold numbers"),
    (np.array(["ab", "cd"]), "must hold numbers"),
    (np.zeros(10), "not image-shaped"),
    (np.zeros((2, 3, 4, 5, 6)), "not image-shaped"),
    (np.zeros((2, 8, 8, 7)), "not image-shaped"),
])
def test_bad_npy_contents(tmp_path, array, message):
    path = tmp_path / "bad.npy"
    np.save(path, array)
    with pytest.raises(ValueError, match=message):
        load_dataset(path)


def test_unknown_key_lists_the_keys(mnist_npz):
    path, _ = mnist_npz
    with pytest.raises(ValueError, match="no array named 'X_val'.*X_valid"):
        load_dataset(path, key="X_val")


def test_key_that_is_not_images(mnist_npz):
    path, _ = mnist_npz
    with pytest.raises(ValueError, match="Y_train is not image-shaped"):
        load_dataset(path, key="Y_train")


def test_key_on_a_single_array_file(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match="only applies to .npz"):
        load_dataset(path, key="X_train")


def test_alternative_of_in_memory_dataset():
    with pytest.raises(ValueError, match="not read from a file"):
        Dataset(np.zeros((1, 4, 4))).load_alternative("X_test")


# ------------------------------------------------------------------------------------------
# helpers


@pytest.mark.parametrize("shape, ok", [
    ((10, 28, 28), True), ((10, 32, 32, 3), True), ((28, 28), True), ((32, 32, 3), True),
    ((3, 28, 28), True), ((10, 32, 32, 1), True), ((10,), False), ((10, 1, 28), False),
    ((2, 8, 8, 5), False), ((0, 28, 28), False), ((1, 2, 3, 4, 5), False),
])
def test_is_image_shaped(shape, ok):
    assert is_image_shaped(shape) is ok


def test_to_grayscale_uses_bt601_and_keeps_dtype():
    rgb = uint8_images(3, 4, 5, 3)
    expected = np.rint(rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114)
    gray = to_grayscale(rgb)
    assert gray.dtype == np.uint8 and gray.shape == (3, 4, 5)
    np.testing.assert_array_equal(gray, expected.astype(np.uint8))
    floats = to_grayscale(rgb.astype(np.float32) / 255)
    assert floats.dtype == np.float32
    np.testing.assert_allclose(floats, expected / 255, atol=0.5 / 255 + 1e-6)
    rgba = np.concatenate([rgb, np.zeros_like(rgb[..., :1])], axis=-1)
    np.testing.assert_array_equal(to_grayscale(rgba), gray)


def test_npz_reads_only_the_arrays_it_needs(mnist_npz, monkeypatch):
    path, _ = mnist_npz
    read = []
    original = np.lib.npyio.NpzFile.__getitem__

    def spy(self, key):
        read.append(key)
        return original(self, key)

    monkeypatch.setattr(np.lib.npyio.NpzFile, "__getitem__", spy)
    load_dataset(path, key="X_test")
    assert read == ["X_test", "Y_test"]


def test_empty_array_asked_for_by_key(tmp_path):
    path = tmp_path / "e.npz"
    np.savez(path, X_train=np.zeros((2, 3, 3)), X_test=np.zeros((0, 28, 28)))
    with pytest.raises(ValueError, match="X_test is empty"):
        load_dataset(path, key="X_test")
    assert load_dataset(path).alternatives == []


def test_idx_header_promising_terabytes_is_refused_without_allocating(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(bytes([0, 0, 0x08, 3]) + struct.pack(">3I", 60000, 100000, 100000) + b"x" * 50)
    with pytest.raises(ValueError, match="truncated.*holds 50 bytes"):
        load_dataset(path)
