"""core.batch and core.sheets: the chunked runner, its outputs on disk, and pictures of them.

Results are compared with ``run_pipeline`` on the whole array and with explicit loops.
"""

import os

import numpy as np
import pytest

from core import batch, sheets
from core.pipeline import PipelineSpec, run_pipeline

RNG = np.random.default_rng(7)
EDGE = np.array([[1.0, 0.0, -1.0]] * 3)


def spec_for(kernel=EDGE, channels=1, **kwargs):
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim == 2:
        kernel = np.repeat(kernel[:, :, None, None], channels, axis=2)
    return PipelineSpec(kernel, **kwargs)


def brute(image, kernel, stride=1, pool=None):
    """One (h, w) image, 'valid' cross-correlation then ReLU then optional max pooling."""
    kh, kw = kernel.shape
    oh = (image.shape[0] - kh) // stride + 1
    ow = (image.shape[1] - kw) // stride + 1
    conv = np.array([[np.sum(image[r * stride:r * stride + kh, c * stride:c * stride + kw]
                             * kernel) for c in range(ow)] for r in range(oh)])
    conv = np.maximum(conv, 0)
    if pool:
        ph = (oh - pool) // pool + 1
        pw = (ow - pool) // pool + 1
        conv = np.array([[conv[r * pool:(r + 1) * pool, c * pool:(c + 1) * pool].max()
                          for c in range(pw)] for r in range(ph)])
    return conv


def close(actual, expected):
    scale = max(1.0, float(np.max(np.abs(expected))))
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6 * scale)


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(padding="same", activation="relu", pool_mode="max"),
    dict(padding="full", stride=(2, 1), activation="abs", pool_mode="avg",
         pool_shape=(3, 2), pool_stride=(1, 2)),
    dict(dilation=(2, 2), flip=True),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_chunked_result_equals_run_pipeline(kwargs, dtype):
    images = RNG.random((37, 12, 11))
    spec = spec_for(**kwargs)
    expected = run_pipeline(images, spec, dtype=dtype).final
    out = batch.run_batch(images, spec, chunk=5, dtype=dtype)
    assert out.dtype == dtype and out.shape == expected.shape
    close(out, expected)


def test_kernel_bank_on_colour_uint8_images():
    images = RNG.integers(0, 256, (21, 9, 10, 3), dtype=np.uint8)
    bank = RNG.normal(size=(3, 3, 3, 4))
    spec = PipelineSpec(bank, padding="same", activation="relu", pool_mode="max")
    expected = run_pipeline(images, spec, dtype=np.float64).final
    close(batch.run_batch(images, spec, chunk=4, dtype=np.float64), expected)


def test_brute_force_on_a_few_images():
    images = RNG.random((9, 10, 10))
    spec = spec_for(activation="relu", pool_mode="max")
    out = batch.run_batch(images, spec, chunk=2, dtype=np.float64)
    for i in (0, 4, 8):
        close(out[i, :, :, 0], brute(images[i], EDGE, pool=2))


def test_range_processes_only_the_chosen_images():
    images = RNG.random((30, 8, 8))
    spec = spec_for(stride=(2, 2))
    out = batch.run_batch(images, spec, start=10, stop=17, chunk=3)
    assert out.shape[0] == 7
    close(out, run_pipeline(images[10:17], spec, dtype=np.float32).final)


def test_progress_is_reported_after_each_chunk():
    images = np.ones((10, 6, 6))
    spec = spec_for()
    out = batch.allocate_output(images.shape, spec)
    assert list(batch.iter_batch(images, spec, out=out, chunk=4)) == [(4, 10), (8, 10), (10, 10)]
    seen = []
    batch.run_batch(images, spec, start=2, stop=9, chunk=3,
                    progress=lambda done, total: seen.append((done, total)))
    assert seen == [(3, 7), (6, 7), (7, 7)]


def test_stopping_early_leaves_the_rest_untouched():
    images = np.ones((10, 6, 6))
    spec = spec_for(np.ones((3, 3)))
    out = np.full(batch.batch_output_shape(images.shape, spec), -1.0, np.float32)
    run = batch.iter_batch(images, spec, out=out, chunk=4)
    assert next(run) == (4, 10)
    run.close()
    assert (out[:4] == 9).all() and (out[4:] == -1).all()


@pytest.mark.parametrize("bad, message", [
    (dict(start=-1), "start must be in 0..9"),
    (dict(start=10), "start must be in 0..9"),
    (dict(start=4, stop=4), "stop must be in 5..10"),
    (dict(stop=11), "stop must be in 1..10"),
    (dict(chunk=0), "chunk must be a positive int"),
])
def test_bad_ranges_and_chunks_name_the_argument(bad, message):
    images = np.ones((10, 6, 6))
    spec = spec_for()
    with pytest.raises(ValueError, match=message):
        batch.run_batch(images, spec, **bad)


def test_bad_out_and_mismatched_channels_are_refused():
    images = np.ones((4, 6, 6))
    with pytest.raises(ValueError, match=r"out must be a float32 or float64 array of shape"):
        list(batch.iter_batch(images, spec_for(), out=np.empty((4, 4, 4, 2), np.float32)))
    with pytest.raises(ValueError, match="kernels have 3 channel"):
        batch.output_nbytes(images.shape, spec_for(channels=3))
    with pytest.raises(ValueError, match="kernel"):
        batch.output_nbytes(images.shape, spec_for(np.ones((9, 9))))


def test_nan_image_is_reported_with_its_index_in_the_dataset():
    images = np.ones((10, 6, 6))
    images[7, 2, 2] = np.nan
    with pytest.raises(ValueError, match=r"images 6\.\.7: .*image 1 has NaN"):
        batch.run_batch(images, spec_for(), chunk=2)


def test_sizes_and_memory_estimate():
    spec = spec_for(pool_mode="max")
    assert batch.batch_output_shape((50000, 28, 28), spec) == (50000, 13, 13, 1)
    assert batch.output_nbytes((50000, 28, 28), spec, dtype=np.float64) == 50000 * 169 * 8
    assert batch.output_nbytes((50000, 28, 28), spec, start=49000) == 1000 * 169 * 4
    assert batch.fits_in_memory(100, available=1000) and not batch.fits_in_memory(
        600, available=1000)
    assert batch.fits_in_memory(10 ** 15, available=None) in (True, False)
    assert 1 <= batch.chunk_size((50000, 28, 28), spec) <= 50000
    available = batch.available_memory()
    assert available is None or available > 0


def test_memmap_output_equals_in_memory(tmp_path):
    images = RNG.random((25, 10, 10)).astype(np.float32)
    spec = spec_for(activation="relu", pool_mode="max")
    target = tmp_path / "maps.npy"
    steps = list(batch.iter_batch_to_npy(target, images, spec, chunk=6))
    assert steps[-1] == (25, 25)
    assert os.listdir(tmp_path) == ["maps.npy"]
    np.testing.assert_array_equal(np.load(target), batch.run_batch(images, spec, chunk=6))


def test_cancelled_npy_run_leaves_no_file(tmp_path):
    images = RNG.random((25, 10, 10))
    target = tmp_path / "maps.npy"
    run = batch.iter_batch_to_npy(target, images, spec_for(), chunk=5)
    next(run)
    assert len(os.listdir(tmp_path)) == 1  # the temporary file, under another name
    run.close()
    assert os.listdir(tmp_path) == []


def test_failed_npy_run_leaves_the_old_file_alone(tmp_path):
    images = RNG.random((10, 6, 6))
    images[8, 0, 0] = np.inf
    target = tmp_path / "maps.npy"
    np.save(target, np.arange(3))
    with pytest.raises(ValueError, match="image"):
        list(batch.iter_batch_to_npy(target, images, spec_for(), chunk=2))
    assert os.listdir(tmp_path) == ["maps.npy"]
    assert np.load(target).tolist() == [0, 1, 2]


def test_npz_in_the_seed_layout(tmp_path):
    outputs = RNG.random((4, 3, 3, 2)).astype(np.float32)
    labels = np.array([3, 1, 4, 1])
    target = tmp_path / "out.npz"
    batch.save_npz(target, batch.npz_layout(outputs, key="X_valid", labels=labels))
    with np.load(target) as archive:
        assert sorted(archive.files) == ["X_valid", "Y_valid"]
        np.testing.assert_array_equal(archive["X_valid"], outputs)
        np.testing.assert_array_equal(archive["Y_valid"], labels)
    layout = batch.npz_layout(outputs, key="data", class_names=["a", "b"])
    assert sorted(layout) == ["class_names", "data"]
    assert sorted(batch.npz_layout(outputs, key=None, labels=labels)) == ["data", "labels"]
    with pytest.raises(ValueError, match=r"labels must have shape \(4,\)"):
        batch.npz_layout(outputs, key="data", labels=labels[:2])


def test_batch_result_describes_its_range():
    result = batch.BatchResult(np.zeros((3, 2, 2, 2)), labels=np.array([0, 2, 1]),
                               class_names=["cat", "dog", "owl"], start=5, key="X_test")
    assert len(result) == 3 and result.feature_count == 2
    assert result.label_text(1) == "2 (owl)"
    assert sorted(result.npz_arrays()) == ["X_test", "Y_test", "class_names"]


# -- pictures -----------------------------------------------------------------------------------


def decode_png(data):
    """A small independent PNG reader for 8-bit, non-interlaced, filter-0 files."""
    import struct
    import zlib

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    w, h, depth, color = header[:4]
    channels = {0: 1, 2: 3}[color]
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + w * channels)
    assert (raw[:, 0] == 0).all()
    pixels = raw[:, 1:].reshape(h, w, channels)
    return pixels[:, :, 0] if channels == 1 else pixels


@pytest.mark.parametrize("shape", [(5, 7), (4, 3, 3), (1, 1)])
def test_png_round_trip(shape):
    pixels = RNG.integers(0, 256, shape, dtype=np.uint8)
    np.testing.assert_array_equal(decode_png(sheets.encode_png(pixels)), pixels)


def test_png_refuses_bad_pixels():
    with pytest.raises(TypeError, match="pixels must be uint8"):
        sheets.encode_png(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="pixels must be"):
        sheets.encode_png(np.zeros((3, 3, 2), np.uint8))


def test_levels_and_gray_scaling():
    outputs = np.stack([np.full((2, 2), v) for v in (1.0, 3.0, 5.0)])[..., None]
    assert sheets.feature_levels(outputs, chunk=2).tolist() == [[1.0, 5.0]]
    assert sheets.feature_levels(np.zeros((2, 2, 2, 1))).tolist() == [[0.0, 1.0]]
    assert sheets.to_gray(np.array([1.0, 3.0, 5.0]), (1.0, 5.0)).tolist() == [0, 128, 255]
    with pytest.raises(ValueError, match="levels"):
        sheets.to_gray(np.zeros(2), (1.0, 1.0))


def test_contact_sheet_places_tiles_and_labels():
    outputs = np.zeros((5, 4, 4, 2))
    outputs[:, :, :, 1] = 1.0
    outputs[4, :, :, 1] = 0.0
    outputs[0, 0, 0, 0] = 1.0
    sheet = sheets.contact_sheet(outputs, np.array([0, 1, 2, 3, 8]), rows=2, columns=3,
                                 scale=1, gap=1)
    # 2 maps of 4 px + 1 gap per cell; caption 5 px + 2 gaps below the 4 px maps
    assert sheet.shape == (2 * (4 + 7) + 3, 3 * 9 + 4)
    assert sheet[1, 1] == 255 and sheet[1, 2] == 0  # image 0, map 0: the one bright pixel
    assert (sheet[1:5, 6:10] == 255).all()  # image 0, map 1: the maximum of map 1
    caption = sheet[1 + 4 + 1:1 + 4 + 1 + 5, 1:4]
    assert caption.tolist() == [[255, 255, 255], [255, 0, 255], [255, 0, 255], [255, 0, 255],
                                [255, 255, 255]]  # the digit 0
    rgb = sheets.contact_sheet(outputs, None, lut=np.zeros((256, 3), np.uint8), rows=1)
    assert rgb.ndim == 3 and rgb.shape[2] == 3
    with pytest.raises(ValueError, match="columns must be a positive int"):
        sheets.contact_sheet(outputs, columns=0)
    with pytest.raises(ValueError, match="features must be indices"):
        sheets.contact_sheet(outputs, features=[2])


def test_png_folder_names_and_round_trip(tmp_path):
    outputs = RNG.random((3, 5, 4, 2))
    labels = np.array([7, 0, 7])
    target = tmp_path / "pngs"
    steps = list(sheets.iter_png_folder(target, outputs, start=98, labels=labels,
                                        class_names=["zero"] + ["x"] * 6 + ["seven/7"], step=2))
    assert steps == [(2, 3), (3, 3)]
    names = sorted(os.listdir(target))
    assert names[:2] == ["098_label7-seven-7_k1.png", "098_label7-seven-7_k2.png"]
    assert len(names) == 6 and sorted(os.listdir(tmp_path)) == ["pngs"]
    levels = sheets.feature_levels(outputs)
    pixels = decode_png((target / "099_label0-zero_k2.png").read_bytes())
    np.testing.assert_array_equal(pixels, sheets.to_gray(outputs[1, :, :, 1], levels[1]))


def test_png_folder_never_overwrites_without_permission(tmp_path):
    outputs = RNG.random((2, 3, 3, 1))
    (tmp_path / "0.png").write_bytes(b"mine")
    with pytest.raises(FileExistsError, match="already holds 1 of the PNG files"):
        sheets.iter_png_folder(tmp_path, outputs)
    assert (tmp_path / "0.png").read_bytes() == b"mine"
    list(sheets.iter_png_folder(tmp_path, outputs, overwrite=True))
    assert sorted(os.listdir(tmp_path)) == ["0.png", "1.png"]
    assert (tmp_path / "0.png").read_bytes()[:4] == b"\x89PNG"


def test_cancelled_png_folder_leaves_nothing(tmp_path):
    run = sheets.iter_png_folder(tmp_path / "pngs", RNG.random((10, 3, 3, 1)), step=3)
    next(run)
    run.close()
    assert os.listdir(tmp_path) == []


def _brute_layer(images, kernel, bias, pad, pool):
    """Reflect-padded correlation + bias, ReLU, 2x2 max pooling, by explicit loops."""
    m, h, w = images.shape
    kh, kw = kernel.shape
    padded = np.pad(images, ((0, 0), (pad, pad), (pad, pad)), mode="reflect")
    oh, ow = h + 2 * pad - kh + 1, w + 2 * pad - kw + 1
    conv = np.zeros((m, oh, ow))
    for n in range(m):
        for i in range(oh):
            for j in range(ow):
                conv[n, i, j] = (padded[n, i:i + kh, j:j + kw] * kernel).sum() + bias
    conv = np.maximum(conv, 0)
    ph, pw = oh // pool, ow // pool
    return conv[:, :ph * pool, :pw * pool].reshape(m, ph, pool, pw, pool).max(axis=(2, 4))


@pytest.mark.parametrize("pool_mode", ["off", "max"])
def test_batch_runs_the_same_layer_as_the_pipeline_padding_mode_and_bias(pool_mode):
    rng = np.random.default_rng(11)
    images = rng.normal(size=(7, 9, 8))
    kernel = rng.normal(size=(3, 3))
    spec = PipelineSpec(kernel[:, :, None, None], padding=(1, 1), activation="relu",
                        pool_mode=pool_mode, padding_mode="reflect", bias=0.5)
    out = batch.run_batch(images, spec, chunk=3, dtype=np.float64)
    expected = _brute_layer(images, kernel, 0.5, 1, 2 if pool_mode == "max" else 1)
    np.testing.assert_allclose(out[..., 0], expected, rtol=1e-12, atol=1e-12)
