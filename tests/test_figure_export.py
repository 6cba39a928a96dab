"""Figures of the window's boards: PNG at 2×/4×, SVG and PDF that parse and carry the titles."""

import os
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from convgui.figure_export import figure_size, write_figure

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def board(make_window):
    window = make_window()
    return window, [("Feature maps", window.tabs.currentWidget())]


@pytest.mark.parametrize("scale", [2, 4])
def test_png_is_enlarged_and_shows_the_board(tmp_path, board, scale):
    window, parts = board
    path = write_figure(tmp_path / "maps.png", parts, title="Sobel x", scale=scale)
    width, height = figure_size(parts, "Sobel x")
    with Image.open(path) as im:
        assert im.size == (width * scale, height * scale)
        pixels = np.asarray(im.convert("RGB"))
    # The board's dark background fills its area; the margin stays white.
    assert (pixels[2, 2] == 255).all()
    board_widget = parts[0][1]
    middle = pixels[(height - 16 - board_widget.height() // 2) * scale, (16 + 5) * scale]
    assert middle.max() < 100
    # The title is drawn (dark text pixels in the title band).
    assert (pixels[16 * scale:36 * scale, 16 * scale:100 * scale] < 80).any()
    assert os.listdir(tmp_path) == ["maps.png"]


def test_svg_parses_with_vector_titles(tmp_path, board):
    window, parts = board
    path = write_figure(tmp_path / "maps.svg", parts, title="Edges of a handwritten digit")
    root = ET.parse(path).getroot()
    assert root.tag == SVG + "svg"
    assert root.find(SVG + "title").text == "Edges of a handwritten digit"
    texts = [(t.text or "").strip() for t in root.iter(SVG + "text")]
    assert "Edges of a handwritten digit" in texts and "Feature maps" in texts
    assert any(text.startswith("Input 28×28") for text in texts)  # the map titles stay text
    assert list(root.iter(SVG + "image"))  # the maps themselves are embedded pixels


def test_pdf_is_one_page_with_the_title(tmp_path, board):
    window, parts = board
    path = write_figure(tmp_path / "maps.pdf", parts, title="Sobel x, stride 2")
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") >= 1
    assert b"/Type /Pages" in data
    assert "Sobel x, stride 2".encode("utf-16-be") in data


def test_bad_figure_requests_write_nothing(tmp_path, board):
    window, parts = board
    with pytest.raises(ValueError, match="path"):
        write_figure(tmp_path / "maps.jpg", parts)
    with pytest.raises(ValueError, match="scale"):
        write_figure(tmp_path / "maps.png", parts, scale=3)
    with pytest.raises(OSError, match="folder does not exist"):
        write_figure(tmp_path / "missing" / "maps.svg", parts)
    with pytest.raises(ValueError, match="parts"):
        write_figure(tmp_path / "maps.svg", [])
    assert os.listdir(tmp_path) == []
