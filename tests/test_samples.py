"""The bundled samples load offline, have the promised layouts, and are documented."""

import gzip
import io
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from core.datasets import DEFAULT_SAMPLE, SAMPLES, SAMPLES_DIR, load_sample, load_samples

ROOT = Path(__file__).resolve().parent.parent


def test_every_sample_file_is_present():
    assert [s.name for s in load_samples()] == [s.name for s in SAMPLES]


def test_samples_stay_small():
    total = sum(p.stat().st_size for p in SAMPLES_DIR.iterdir() if p.is_file())
    assert total < 2 * 2**20


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.name)
def test_each_sample_loads(sample):
    d = load_sample(sample.name)
    assert d.name == sample.name and len(d) >= 1
    assert d.images.dtype in (np.uint8, np.float32)
    assert d.key == sample.key and sample.description


def test_default_sample_is_mnist_in_the_assignment_layout():
    d = load_sample()
    assert DEFAULT_SAMPLE == d.name == "MNIST digits"
    assert d.images.shape == (1000, 28, 28) and d.images.dtype == np.float32
    assert 0.0 <= d.images.min() and d.images.max() == 1.0
    assert np.bincount(d.labels).tolist() == [100] * 10
    assert d.alternatives == ["X_valid", "X_test"]
    for split in d.alternatives:
        other = d.load_alternative(split)
        assert other.images.shape == (200, 28, 28)
        assert np.bincount(other.labels).tolist() == [20] * 10


def test_mnist_splits_do_not_overlap():
    with np.load(SAMPLES_DIR / "mnist_sample.npz") as archive:
        flat = {key: archive[key].reshape(len(archive[key]), -1) for key in
                ("X_train", "X_valid", "X_test")}
    rows = np.concatenate(list(flat.values()))
    assert len(np.unique(rows, axis=0)) == len(rows)


def test_photos():
    shapes = {s.key: load_sample(s.name).images.shape for s in SAMPLES
              if s.filename == "photos.npz"}
    assert shapes["camera"][1:] == (384, 384)
    assert all(max(shape[1:3]) == 384 for shape in shapes.values())
    assert all(len(shape) == 4 and shape[3] == 3 for k, shape in shapes.items() if k != "camera")


def test_tiny_photos_in_the_animals_layout():
    d = load_sample("Tiny photos 32x32")
    assert d.key == "data" and d.images.shape[1:] == (32, 32, 3)
    assert d.class_names == ["cat", "coffee", "astronaut"]
    assert set(d.labels.tolist()) == {0, 1, 2}


def test_unknown_sample_lists_the_names():
    with pytest.raises(ValueError, match="no bundled sample named 'dogs'.*MNIST digits"):
        load_sample("dogs")


def test_readme_names_every_file_and_the_mnist_licence():
    readme = (SAMPLES_DIR / "README.md").read_text(encoding="utf-8")
    for path in SAMPLES_DIR.glob("*.npz"):
        assert f"`{path.name}`" in readme
    assert "CC BY-SA 3.0" in readme and "LeCun" in readme and "CC0" in readme


def test_build_script_makes_balanced_disjoint_mnist_splits():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_samples
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    rng = np.random.default_rng(5)
    labels = np.repeat(np.arange(10), 150)
    pixels = rng.integers(0, 256, (1500, 784))
    pixels[:, 0] = np.arange(1500) % 256
    pixels[:, 1] = np.arange(1500) // 256
    table = np.column_stack([pixels, labels])
    text = io.StringIO()
    np.savetxt(text, table, fmt="%d", delimiter=",")
    arrays = build_samples.mnist_splits(gzip.compress(text.getvalue().encode()))
    ids = {}
    for split, count in (("train", 100), ("valid", 20), ("test", 20)):
        images, y = arrays[f"X_{split}"], arrays[f"Y_{split}"]
        assert images.shape == (10 * count, 28, 28) and images.dtype == np.float32
        assert np.bincount(y).tolist() == [count] * 10
        row = np.rint(images.reshape(len(images), -1)[:, :2] * 255).astype(int)
        ids[split] = set((row[:, 0] + 256 * row[:, 1]).tolist())
        assert all(labels[i] == label for i, label in zip(row[:, 0] + 256 * row[:, 1], y))
    assert not ids["train"] & ids["valid"] and not ids["train"] & ids["test"]
    assert not ids["valid"] & ids["test"]


def test_sample_files_are_plain_npz_without_pickles():
    for path in SAMPLES_DIR.glob("*.npz"):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                with archive.open(member) as fh:
                    header = fh.read(128)
                assert b"'O'" not in header and b"|O" not in header
