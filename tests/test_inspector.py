"""The hover inspector, driven with the mouse: highlighted windows and the products/sum panel
are checked against a brute-force computation written here (padding corners, stride, dilation).
"""

import numpy as np
import pytest
from PyQt5.QtCore import Qt

from conftest import hover, settle, window_point


def brute_window(out_rc, kernel_hw, pads_tl, stride, dilation):
    """Input rows/cols read by output pixel ``out_rc``, by the textbook formula."""
    r, c = out_rc
    (t, l) = pads_tl
    rows = [r * stride[0] - t + dilation[0] * i for i in range(kernel_hw[0])]
    cols = [c * stride[1] - l + dilation[1] * j for j in range(kernel_hw[1])]
    return rows, cols


def brute_pixel(image, kernel, rows, cols):
    """Patch (zeros outside the image), products and their sum for one window."""
    h, w = image.shape
    patch = np.array([[image[r, c] if 0 <= r < h and 0 <= c < w else 0.0 for c in cols]
                      for r in rows], dtype=np.float64)
    products = patch * kernel
    return patch, products, products.sum()


def click(qtbot, window, plot, row, col):
    qtbot.mouseClick(window.windowHandle(), Qt.LeftButton,
                     pos=window_point(window, plot, row, col))


def grid_values(grid):
    return np.array([[float(grid.cell_text(r, c)) for c in range(grid.columnCount())]
                     for r in range(grid.rowCount())])


KERNEL = np.array([[1.0, 2.0, 0.0], [-1.0, 3.0, 1.0], [0.5, 0.0, -2.0]])


@pytest.mark.parametrize("padding, stride, dilation, out_rc, pads_tl", [
    ("same", (1, 1), (1, 1), (0, 0), (1, 1)),          # top-left corner reads padding
    ("same", (1, 1), (1, 1), (27, 27), (1, 1)),        # bottom-right corner
    ("same", (2, 2), (1, 1), (13, 13), (0, 0)),        # TF SAME, stride 2: pad only at the end
    ("valid", (2, 2), (1, 1), (5, 7), (0, 0)),
    ("full", (1, 1), (2, 2), (0, 3), (4, 4)),          # dilation 2: taps two apart
    ((2, 1), (1, 2), (2, 1), (1, 2), (2, 1)),
])
def test_hovering_a_conv_pixel_highlights_its_window_and_explains_it(
        window, qtbot, padding, stride, dilation, out_rc, pads_tl):
    window.state.kernels = KERNEL
    window.state.padding = padding
    window.state.stride = stride
    window.state.dilation = dilation
    window.state.index = 3
    settle(qtbot, window)
    image = window.state.image.astype(np.float64)
    hover(qtbot, window, window.canvas.conv[0], *out_rc)
    qtbot.waitUntil(lambda: window.inspector.target == ("conv", 0) + out_rc)

    rows, cols = brute_window(out_rc, (3, 3), pads_tl, stride, dilation)
    assert sorted(window.canvas.input.marked) == sorted((r, c) for r in rows for c in cols)
    assert window.canvas.input.marked_outline == (rows[0], cols[0], rows[-1] - rows[0] + 1,
                                                  cols[-1] - cols[0] + 1)
    assert window.canvas.conv[0].marked == [out_rc]

    patch, products, total = brute_pixel(image, KERNEL, rows, cols)
    panel = window.inspector_panel
    np.testing.assert_allclose(grid_values(panel.patch_grid), patch, atol=1e-3)
    np.testing.assert_allclose(grid_values(panel.kernel_grid), KERNEL)
    np.testing.assert_allclose(grid_values(panel.product_grid), products, atol=1e-3)
    assert f"= {total:.4g}" in panel.formula.text() or f"= {int(total)}" in panel.formula.text()
    # The view shows the same number the inspector derived.
    assert window.canvas.conv[0].value_at(*out_rc) == pytest.approx(total, abs=1e-4)


def test_true_convolution_shows_the_flipped_kernel(window, qtbot):
    window.state.kernels = KERNEL
    window.state.flip = True
    settle(qtbot, window)
    hover(qtbot, window, window.canvas.conv[0], 4, 4)
    qtbot.waitUntil(lambda: window.inspector.target == ("conv", 0, 4, 4))
    np.testing.assert_allclose(grid_values(window.inspector_panel.kernel_grid),
                               KERNEL[::-1, ::-1])


def test_rgb_pixel_lists_the_per_channel_sums(window, qtbot):
    window.open_sample("Tiny photos 32x32")
    bank = np.stack([KERNEL, -KERNEL, KERNEL.T], axis=2)
    window.state.kernels = bank
    settle(qtbot, window)
    hover(qtbot, window, window.canvas.conv[0], 2, 3)
    qtbot.waitUntil(lambda: window.inspector.target == ("conv", 0, 2, 3))
    image = window.state.image.astype(np.float64)
    sums = [brute_pixel(image[:, :, ch], bank[:, :, ch], [2, 3, 4], [3, 4, 5])[2]
            for ch in range(3)]
    panel = window.inspector_panel
    assert panel.channel_combo.isVisible()
    text = panel.formula.text()
    assert "Sum over channels" in text
    assert f"{sum(sums):.4g}" in text or str(int(sum(sums))) in text
    panel.channel_combo.setCurrentIndex(2)
    patch = brute_pixel(image[:, :, 2], bank[:, :, 2], [2, 3, 4], [3, 4, 5])[0]
    np.testing.assert_allclose(grid_values(panel.patch_grid), patch)


def test_hovering_a_max_pooled_pixel_shows_the_winner(window, qtbot):
    window.state.kernels = KERNEL
    window.state.pool_mode = "max"
    window.state.pool_shape = (3, 2)
    window.state.pool_stride = (2, 2)
    settle(qtbot, window)
    hover(qtbot, window, window.canvas.pooled[0], 4, 5)
    qtbot.waitUntil(lambda: window.inspector.target == ("pooled", 0, 4, 5))
    conv = window.computation.latest.result.activated[0, :, :, 0].astype(np.float64)
    block = conv[8:11, 10:12]
    assert sorted(window.canvas.conv[0].marked) == [(r, c) for r in range(8, 11)
                                                    for c in range(10, 12)]
    r, c = np.unravel_index(np.argmax(block), block.shape)
    text = window.inspector_panel.formula.text()
    assert f"at [{8 + r}, {10 + c}]" in text
    assert f"{block.max():.4g}" in text


def test_hovering_an_average_pooled_pixel_shows_the_mean(window, qtbot):
    window.state.kernels = KERNEL
    window.state.pool_mode = "avg"
    settle(qtbot, window)
    hover(qtbot, window, window.canvas.pooled[0], 6, 6)
    qtbot.waitUntil(lambda: window.inspector.target == ("pooled", 0, 6, 6))
    conv = window.computation.latest.result.activated[0, :, :, 0].astype(np.float64)
    assert f"{conv[12:14, 12:14].mean():.4g}" in window.inspector_panel.formula.text()


def test_hovering_an_input_pixel_marks_the_outputs_it_feeds(window, qtbot):
    window.state.kernels = KERNEL
    window.state.stride = (2, 2)
    settle(qtbot, window)
    hover(qtbot, window, window.canvas.input, 6, 9)
    qtbot.waitUntil(lambda: window.inspector.target == ("input", 0, 6, 9))
    oh, ow = window.computation.latest.result.conv.shape[1:3]
    expected = sorted((r, c) for r in range(oh) for c in range(ow)
                      if 2 * r <= 6 < 2 * r + 3 and 2 * c <= 9 < 2 * c + 3)
    assert sorted(window.canvas.conv[0].marked) == expected


def test_click_pins_and_escape_releases(window, qtbot):
    window.state.kernels = KERNEL
    settle(qtbot, window)
    plot = window.canvas.conv[0]
    click(qtbot, window, plot, 10, 11)
    qtbot.waitUntil(lambda: window.inspector.pinned)
    assert window.inspector.target == ("conv", 0, 10, 11)
    qtbot.mouseMove(window.windowHandle(), window_point(window, plot, 3, 3))
    qtbot.wait(100)
    assert window.inspector.target == ("conv", 0, 10, 11)
    # Changing the kernel keeps the pinned pixel and refreshes its numbers.
    window.state.kernels = 2 * KERNEL
    settle(qtbot, window)
    np.testing.assert_allclose(grid_values(window.inspector_panel.kernel_grid), 2 * KERNEL)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key_Escape)
    assert not window.inspector.pinned
