"""convgui.image_io: image files and folders read through Qt, pixel for pixel."""

import os
import struct

import numpy as np
import pytest
from PyQt5.QtGui import QColor, QImage, QImageIOHandler, QImageReader, QImageWriter, qRgb, qRgba

from convgui.image_io import (
    ImageTooLarge,
    image_suffixes,
    is_image_path,
    load_any,
    load_image_files,
    qimage_to_array,
    read_image,
)
from core.datasets import Dataset

RNG = np.random.default_rng(99)

pytestmark = pytest.mark.usefixtures("qapp")


def _formats(listing):
    return {bytes(f).decode().lower() for f in listing()}


def needs_format(fmt, write=True):
    """Skip when the installed Qt cannot read (or write) ``fmt``."""
    if fmt not in _formats(QImageReader.supportedImageFormats):
        pytest.skip(f"this Qt cannot read {fmt.upper()}")
    if write and fmt not in _formats(QImageWriter.supportedImageFormats):
        pytest.skip(f"this Qt cannot write {fmt.upper()}")


_QT_FORMATS = {
    (np.uint8, 1): (QImage.Format_Grayscale8, 1),
    (np.uint16, 1): (QImage.Format_Grayscale16, 2),
    (np.uint8, 3): (QImage.Format_RGB888, 3),
    (np.uint8, 4): (QImage.Format_RGBA8888, 4),
    (np.uint16, 4): (QImage.Format_RGBA64, 8),
}


def to_qimage(array):
    """A QImage holding a copy of ``array`` ((h, w) or (h, w, c), uint8 or uint16)."""
    channels = 1 if array.ndim == 2 else array.shape[2]
    fmt, bytes_per_pixel = _QT_FORMATS[(array.dtype.type, channels)]
    height, width = array.shape[:2]
    data = np.ascontiguousarray(array).tobytes()
    return QImage(data, width, height, width * bytes_per_pixel, fmt).copy()


def save(array, path, fmt=None, quality=-1):
    assert to_qimage(array).save(str(path), fmt, quality), f"Qt could not write {path}"
    return path


def rgb(h, w):
    return RNG.integers(0, 256, (h, w, 3), dtype=np.uint8)


def gray(h, w):
    return RNG.integers(0, 256, (h, w), dtype=np.uint8)


# ------------------------------------------------------------------------------------------
# lossless formats, exact pixels


@pytest.mark.parametrize("fmt", ["png", "bmp", "tiff", "ppm"])
def test_rgb_files_exact(tmp_path, fmt):
    needs_format(fmt)
    image = rgb(13, 17)
    d = load_image_files(save(image, tmp_path / f"photo.{fmt}"))
    assert isinstance(d, Dataset) and d.labels is None
    assert d.images.shape == (1, 13, 17, 3) and d.images.dtype == np.uint8
    np.testing.assert_array_equal(d.images[0], image)


@pytest.mark.parametrize("fmt", ["png", "bmp", "tiff", "pgm"])
def test_grayscale_files_exact(tmp_path, fmt):
    needs_format(fmt)
    image = gray(9, 11)
    array = read_image(save(image, tmp_path / f"gray.{fmt}"))
    assert array.shape == (9, 11) and array.dtype == np.uint8
    np.testing.assert_array_equal(array, image)


def test_rgba_png_is_composited_on_white(tmp_path):
    needs_format("png")
    colour = rgb(6, 7)
    alpha = RNG.integers(0, 256, (6, 7, 1), dtype=np.uint8)
    alpha[0, 0] = 0
    alpha[0, 1] = 255
    array = read_image(save(np.concatenate([colour, alpha], axis=2), tmp_path / "rgba.png"))
    a = alpha.astype(np.float64)
    expected = np.rint((colour * a + 255 * (255 - a)) / 255).astype(np.uint8)
    assert array.shape == (6, 7, 3)
    np.testing.assert_array_equal(array, expected)
    assert array[0, 0].tolist() == [255, 255, 255]
    assert array[0, 1].tolist() == colour[0, 1].tolist()


def test_opaque_rgba_png_just_drops_alpha(tmp_path):
    needs_format("png")
    colour = rgb(4, 5)
    rgba = np.concatenate([colour, np.full((4, 5, 1), 255, np.uint8)], axis=2)
    np.testing.assert_array_equal(read_image(save(rgba, tmp_path / "opaque.png")), colour)


def test_16bit_grayscale_png_stays_16bit(tmp_path):
    needs_format("png")
    image = RNG.integers(0, 65536, (5, 8), dtype=np.uint16)
    path = save(image, tmp_path / "deep.png")
    assert path.read_bytes()[24] == 16, "Qt wrote an 8-bit PNG"
    array = read_image(path)
    assert array.dtype == np.uint16
    np.testing.assert_array_equal(array, image)


def test_16bit_colour_png_stays_16bit(tmp_path):
    needs_format("png")
    colour = RNG.integers(0, 65536, (4, 6, 3), dtype=np.uint16)
    rgba = np.concatenate([colour, np.full((4, 6, 1), 65535, np.uint16)], axis=2)
    array = read_image(save(rgba, tmp_path / "deep_rgb.png"))
    assert array.dtype == np.uint16 and array.shape == (4, 6, 3)
    np.testing.assert_array_equal(array, colour)


def indexed_image(indices, palette):
    height, width = indices.shape
    image = QImage(width, height, QImage.Format_Indexed8)
    image.setColorTable(palette)
    for y in range(height):
        for x in range(width):
            image.setPixel(x, y, int(indices[y, x]))
    return image


def test_palette_png_gives_its_colours(tmp_path):
    needs_format("png")
    colours = rgb(1, 6)[0]
    indices = RNG.integers(0, 6, (5, 7))
    path = tmp_path / "palette.png"
    assert indexed_image(indices, [qRgb(*map(int, c)) for c in colours]).save(str(path))
    assert QImageReader(str(path)).imageFormat() == QImage.Format_Indexed8
    np.testing.assert_array_equal(read_image(path), colours[indices])


def test_gray_palette_gives_a_2d_image(tmp_path):
    needs_format("png")
    levels = np.array([0, 40, 90, 200, 255])
    indices = RNG.integers(0, 5, (4, 6))
    path = tmp_path / "gray_palette.png"
    assert indexed_image(indices, [qRgb(int(v), int(v), int(v)) for v in levels]).save(str(path))
    array = read_image(path)
    assert array.shape == (4, 6)
    np.testing.assert_array_equal(array, levels[indices])


def test_palette_with_transparency(tmp_path):
    needs_format("png")
    indices = np.array([[0, 1], [1, 0]])
    path = tmp_path / "clear.png"
    assert indexed_image(indices, [qRgba(10, 20, 30, 255), qRgba(0, 0, 0, 0)]).save(str(path))
    array = read_image(path)
    assert array[0, 0].tolist() == [10, 20, 30]
    assert array[0, 1].tolist() == [255, 255, 255]


def gif_bytes(indices, palette):
    """A GIF89a file written by hand (Qt cannot write GIF): 8-bit LZW with frequent clears."""
    height, width = indices.shape
    table = np.zeros((256, 3), np.uint8)
    table[: len(palette)] = palette
    codes, clear, end = [], 256, 257
    for i, value in enumerate(indices.ravel()):
        if i % 200 == 0:
            codes.append(clear)
        codes.append(int(value))
    codes.append(end)
    bits = sum(code << (9 * i) for i, code in enumerate(codes))
    data = bits.to_bytes((9 * len(codes) + 7) // 8, "little")
    blocks = b"".join(bytes([len(data[i:i + 255])]) + data[i:i + 255]
                      for i in range(0, len(data), 255))
    return (b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF7, 0, 0) + table.tobytes()
            + b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x08" + blocks
            + b"\x00\x3b")


def test_gif_exact(tmp_path):
    needs_format("gif", write=False)
    palette = rgb(1, 16)[0]
    indices = RNG.integers(0, 16, (21, 23))
    path = tmp_path / "anim.gif"
    path.write_bytes(gif_bytes(indices, palette))
    d = load_image_files(path)
    assert d.images.shape == (1, 21, 23, 3)
    np.testing.assert_array_equal(d.images[0], palette[indices])


# ------------------------------------------------------------------------------------------
# JPEG (lossy) and EXIF orientation


def blocks_image():
    """A 32 x 64 RGB image of four flat 16-aligned blocks, which JPEG keeps nearly exact."""
    image = np.zeros((32, 64, 3), np.uint8)
    image[:16, :32] = (200, 30, 30)
    image[:16, 32:] = (30, 200, 30)
    image[16:, :32] = (30, 30, 200)
    image[16:, 32:] = (220, 220, 40)
    return image


def assert_jpeg_close(array, expected):
    """JPEG blurs colour across block edges; away from the edges it must be within a few levels."""
    assert array.shape == expected.shape and array.dtype == np.uint8
    error = np.abs(array.astype(int) - expected.astype(int))
    assert error.mean() < 4
    assert np.percentile(error, 90) <= 3


def test_jpeg_close_to_what_was_written(tmp_path):
    needs_format("jpeg")
    image = blocks_image()
    assert_jpeg_close(read_image(save(image, tmp_path / "photo.jpg", quality=100)), image)


def test_grayscale_jpeg_is_2d(tmp_path):
    needs_format("jpeg")
    image = np.kron(np.array([[10, 200], [120, 60]], np.uint8), np.ones((16, 16), np.uint8))
    array = read_image(save(image, tmp_path / "gray.jpg", quality=100))
    assert array.shape == (32, 32)
    assert np.abs(array.astype(int) - image).max() <= 6


def test_exif_rotation_is_applied(tmp_path):
    needs_format("jpeg")
    image = blocks_image()
    path = tmp_path / "camera.jpg"
    writer = QImageWriter(str(path))
    if not writer.supportsOption(QImageIOHandler.ImageTransformation):
        pytest.skip("this Qt cannot write JPEG orientation")
    writer.setQuality(100)
    writer.setTransformation(QImageIOHandler.TransformationRotate90)
    assert writer.write(to_qimage(image))
    array = read_image(path)
    upright = np.rot90(image, k=-1)
    assert array.shape == (64, 32, 3)
    assert_jpeg_close(array, upright)
    small = read_image(path, max_pixels=800, downscale=True)
    assert small.shape[0] == 2 * small.shape[1] and small.size <= 800 * 3


# ------------------------------------------------------------------------------------------
# options


def test_grayscale_option(tmp_path):
    needs_format("png")
    image = rgb(5, 6)
    array = read_image(save(image, tmp_path / "c.png"), grayscale=True)
    expected = np.rint(image @ np.array([0.299, 0.587, 0.114])).astype(np.uint8)
    np.testing.assert_array_equal(array, expected)
    d = load_image_files(tmp_path / "c.png", grayscale=True)
    assert d.images.shape == (1, 5, 6)


def test_huge_image_guard_and_downscale(tmp_path):
    needs_format("png")
    path = save(rgb(50, 100), tmp_path / "huge.png")
    with pytest.raises(ImageTooLarge, match="huge.png is 100 x 50 pixels") as caught:
        load_image_files(path, max_pixels=1000)
    assert caught.value.size == (100, 50) and caught.value.max_pixels == 1000
    assert isinstance(caught.value, ValueError)
    d = load_image_files(path, max_pixels=1000, downscale=True)
    h, w = d.images.shape[1:3]
    assert h * w <= 1000 and abs(w / h - 2) < 0.1 and d.images.shape[3] == 3


def test_downscaled_grayscale_stays_grayscale(tmp_path):
    needs_format("png")
    path = save(gray(60, 40), tmp_path / "big_gray.png")
    array = read_image(path, max_pixels=600, downscale=True)
    assert array.ndim == 2 and array.size <= 600


def test_default_guard_is_generous(tmp_path):
    needs_format("png")
    assert read_image(save(gray(600, 800), tmp_path / "ok.png")).shape == (600, 800)


# ------------------------------------------------------------------------------------------
# folders and lists


def test_folder_sorted_by_name_with_numbers_in_order(tmp_path):
    needs_format("png")
    images = {name: rgb(8, 9) for name in ("img10.png", "img2.png", "IMG1.png", "b.png")}
    for name, image in images.items():
        save(image, tmp_path / name)
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / ".hidden.png").write_bytes(b"junk")
    (tmp_path / "sub").mkdir()
    d = load_image_files(tmp_path)
    order = ["b.png", "IMG1.png", "img2.png", "img10.png"]
    np.testing.assert_array_equal(d.images, np.stack([images[n] for n in order]))
    assert d.name == tmp_path.name and d.source == str(tmp_path) and d.labels is None


def test_folder_of_mixed_sizes_is_refused_then_opens_resized_by_choice(tmp_path):
    from PyQt5.QtCore import QSize, Qt
    from PyQt5.QtGui import QImage

    from convgui.image_io import MixedSizes

    needs_format("png")
    save(gray(28, 28), tmp_path / "a.png")
    odd = gray(32, 30)
    save(odd, tmp_path / "b.png")
    save(gray(28, 28), tmp_path / "c.png")
    with pytest.raises(MixedSizes, match=r"a.png is 28 x 28 and b.png is 30 x 32") as caught:
        load_image_files(tmp_path)
    assert caught.value.common_size == (28, 28)
    d = load_image_files(tmp_path, resize_to=caught.value.common_size)
    assert d.images.shape == (3, 28, 28)
    # Independent reference: Qt's own smooth scaling of the odd file.
    want = QImage(str(tmp_path / "b.png")).scaled(QSize(28, 28), Qt.IgnoreAspectRatio,
                                                  Qt.SmoothTransformation)
    assert abs(int(d.images[1, 5, 7]) - QImage(want).pixelColor(7, 5).red()) <= 1


def test_folder_mixing_gray_and_colour_gives_colour(tmp_path):
    needs_format("png")
    g, c = gray(4, 5), rgb(4, 5)
    save(g, tmp_path / "1.png")
    save(c, tmp_path / "2.png")
    d = load_image_files(tmp_path)
    assert d.images.shape == (2, 4, 5, 3)
    np.testing.assert_array_equal(d.images[0], np.repeat(g[..., None], 3, axis=2))
    np.testing.assert_array_equal(d.images[1], c)


def test_folder_mixing_8_and_16_bit_gives_16_bit(tmp_path):
    needs_format("png")
    g8, g16 = gray(3, 3), RNG.integers(0, 65536, (3, 3), dtype=np.uint16)
    save(g8, tmp_path / "a.png")
    save(g16, tmp_path / "b.png")
    d = load_image_files(tmp_path)
    assert d.images.dtype == np.uint16
    np.testing.assert_array_equal(d.images[0], g8.astype(np.uint16) * 257)
    np.testing.assert_array_equal(d.images[1], g16)


def test_list_of_files(tmp_path):
    needs_format("png")
    a, b = rgb(4, 4), rgb(4, 4)
    paths = [save(b, tmp_path / "z.png"), save(a, tmp_path / "a.png")]
    d = load_image_files(paths)
    np.testing.assert_array_equal(d.images, np.stack([b, a]))
    assert d.name == "2 images"


def test_folder_without_images(tmp_path):
    (tmp_path / "readme.txt").write_text("hi")
    with pytest.raises(ValueError, match="has no image files"):
        load_image_files(tmp_path)


def test_empty_list():
    with pytest.raises(ValueError, match="no image files"):
        load_image_files([])


# ------------------------------------------------------------------------------------------
# bad files


def test_missing_image():
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_image("/nonexistent/cat.png")


def test_empty_image_file(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ValueError, match="empty.png is empty"):
        read_image(tmp_path / "empty.png")


def test_truncated_png(tmp_path):
    needs_format("png")
    path = save(rgb(64, 64), tmp_path / "cut.png")
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="cut.png could not be read as an image"):
        read_image(path)


def test_text_file_named_png(tmp_path):
    path = tmp_path / "fake.png"
    path.write_text("I am not a picture")
    with pytest.raises(ValueError, match="fake.png could not be read"):
        read_image(path)


def test_bad_file_in_folder_is_skipped_and_listed(tmp_path):
    needs_format("png")
    good = gray(4, 4)
    save(good, tmp_path / "a.png")
    (tmp_path / "b.png").write_text("broken")
    d = load_image_files(tmp_path)
    np.testing.assert_array_equal(d.images, good[None])
    assert d.file_names == ["a.png"]
    assert [name for name, _ in d.skipped] == ["b.png"]
    assert "could not be read" in d.skipped[0][1]
    assert "1 of 2 files" in d.name


def test_folder_where_nothing_can_be_read_says_why(tmp_path):
    needs_format("png")
    (tmp_path / "a.png").write_text("broken")
    (tmp_path / "b.png").write_bytes(b"")
    with pytest.raises(ValueError, match="none of the 2 image files could be read.*a.png"):
        load_image_files(tmp_path)


# ------------------------------------------------------------------------------------------
# helpers


def test_qimage_to_array_handles_premultiplied_and_mono():
    image = QImage(3, 2, QImage.Format_ARGB32_Premultiplied)
    image.fill(QColor(255, 0, 0, 255))
    assert qimage_to_array(image).tolist() == [[[255, 0, 0]] * 3] * 2
    mono = QImage(4, 1, QImage.Format_Mono)
    mono.setColorTable([qRgb(0, 0, 0), qRgb(255, 255, 255)])
    mono.fill(1)
    assert qimage_to_array(mono).tolist() == [[255] * 4]
    with pytest.raises(ValueError, match="null"):
        qimage_to_array(QImage())


def test_suffixes():
    assert {".png", ".jpg", ".bmp"} <= set(image_suffixes())
    assert ".svg" not in image_suffixes()
    assert is_image_path("Photo.JPEG") and not is_image_path("MNIST.npz")


def test_load_any_dispatches(tmp_path):
    needs_format("png")
    colour = RNG.integers(0, 256, (2, 6, 6, 3), dtype=np.uint8)
    np.savez(tmp_path / "set.npz", data=colour)
    save(colour[0], tmp_path / "one.png")
    assert load_any(tmp_path / "set.npz").images.shape == (2, 6, 6, 3)
    assert load_any(tmp_path / "set.npz", grayscale=True).images.shape == (2, 6, 6)
    np.testing.assert_array_equal(load_any(tmp_path / "one.png").images[0], colour[0])
    assert load_any(tmp_path).images.shape == (1, 6, 6, 3)


# ------------------------------------------------------------------------------------------
# bounded work on hostile files


def _png_header_only(width, height):
    """A PNG whose header declares ``width x height`` gray pixels, with almost no data."""
    import struct
    import zlib

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(bytes(width + 1))) + chunk(b"IEND", b""))


def test_giant_png_is_refused_before_decoding_even_with_downscale(tmp_path):
    import resource

    needs_format("png")
    path = tmp_path / "huge.png"
    path.write_bytes(_png_header_only(60000, 60000))
    with pytest.raises(ImageTooLarge, match="60000 x 60000"):
        read_image(path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValueError, match="cannot be decoded at a reduced size.*shrink it"):
        read_image(path, downscale=True)
    with pytest.raises(ValueError, match="huge.png"):
        load_image_files(tmp_path, downscale=True)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200


def test_folder_bounded_by_total_pixels_before_decoding(tmp_path, monkeypatch):
    from convgui import image_io

    needs_format("png")
    for i in range(4):
        save(gray(100, 100), tmp_path / f"{i}.png")
    monkeypatch.setattr(image_io, "MAX_FOLDER_PIXELS", 30_000)
    decoded = []
    monkeypatch.setattr(image_io, "read_image", lambda *a, **k: decoded.append(a))
    with pytest.raises(ValueError, match="4 images hold 0 megapixels.*more than the 0 megapixels"):
        load_image_files(tmp_path)
    assert decoded == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_refused_not_opened(tmp_path, finishes):
    from convgui.image_io import load_any

    fifo = tmp_path / "photo.png"
    os.mkfifo(fifo)
    for call in (lambda: load_any(fifo), lambda: read_image(fifo),
                 lambda: load_any(tmp_path / "photo.png", downscale=True)):
        outcome = finishes(call)
        if outcome == "hung":
            with open(fifo, "wb"):
                pass
        assert isinstance(outcome, OSError), outcome
        assert "named pipe (FIFO)" in str(outcome) and "photo.png" in str(outcome)
    data_fifo = tmp_path / "MNIST.npz"
    os.mkfifo(data_fifo)
    outcome = finishes(lambda: load_any(data_fifo))
    assert isinstance(outcome, OSError) and "named pipe" in str(outcome), outcome
    save(gray(4, 4), tmp_path / "ok.png")
    assert finishes(lambda: load_any(tmp_path)).images.shape == (1, 4, 4)


def test_window_shows_the_file_name_while_browsing_a_folder(make_window, qtbot, tmp_path):
    from PyQt5.QtCore import Qt

    needs_format("png")
    for name in ("b.png", "a.png", "c.png"):
        save(gray(6, 6), tmp_path / name)
    window = make_window()
    panel = window.data_panel
    assert not panel.file_value.isVisibleTo(panel)      # MNIST: no files
    window.open_path(str(tmp_path))
    qtbot.waitUntil(lambda: window.state.dataset.name == tmp_path.name, timeout=5000)
    assert panel.file_value.text() == "a.png" and panel.file_value.isVisibleTo(panel)
    qtbot.mouseClick(panel.next_button, Qt.LeftButton)
    assert panel.file_value.text() == "b.png"
    window.state.index = 2
    assert panel.file_value.text() == "c.png"


def test_window_offers_to_resize_mixed_sizes_and_lists_skipped_files(make_window, qtbot,
                                                                      tmp_path, monkeypatch):
    from convgui import dialogs

    needs_format("png")
    save(gray(20, 20), tmp_path / "a.png")
    save(gray(20, 20), tmp_path / "b.png")
    save(gray(30, 24), tmp_path / "c.png")
    (tmp_path / "d.png").write_text("not a picture")
    questions, infos = [], []
    answers = [False, True]
    monkeypatch.setattr(dialogs, "ask_yes_no", lambda parent, title, question:
                        questions.append(question) or answers.pop(0))
    monkeypatch.setattr(dialogs, "show_info", lambda parent, title, message:
                        infos.append(message))
    window = make_window()
    window.open_path(str(tmp_path))            # answer: no -> MNIST stays
    assert window.state.dataset.name == "MNIST digits"
    assert "Resize them all to 20 x 20 pixels?" in questions[0]
    window.open_path(str(tmp_path))            # answer: yes
    assert window.state.dataset.images.shape == (3, 20, 20)
    assert window.state.dataset.file_names == ["a.png", "b.png", "c.png"]
    assert len(infos) == 1 and "d.png" in infos[0] and "skipped" in infos[0]
