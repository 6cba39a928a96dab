"""One opening path: samples, files and other arrays of a file through ``DatasetOrigin``;
display facts (value range, selected map, hand-set levels) held by the state."""

import numpy as np
import pytest

from convgui.opening import DatasetOrigin
from core.datasets import load_sample


def test_an_origin_round_trips_and_rejects_nonsense():
    origin = DatasetOrigin.file("/data/x.npz", key="X_test")
    assert DatasetOrigin.from_dict(origin.to_dict()) == origin
    assert origin.to_dict() == {"kind": "file", "path": "/data/x.npz", "key": "X_test"}
    with pytest.raises(ValueError, match="kind"):
        DatasetOrigin("web", name="x")
    with pytest.raises(ValueError, match="path"):
        DatasetOrigin("file")


def test_a_sample_array_loads_the_same_images_as_the_sample_file():
    dataset = DatasetOrigin.sample("MNIST digits", key="X_test").load()
    expected = load_sample("MNIST digits").load_alternative("X_test").images
    np.testing.assert_array_equal(dataset.images, expected)
    assert dataset.name == "MNIST digits: X_test"


def test_another_array_opens_in_the_background_and_is_remembered(qtbot):
    from conftest import background_window
    from convgui.main_window import MainWindow
    from convgui.session import save_session

    window, cursors = background_window(qtbot)
    with qtbot.waitSignal(window.state.datasetChanged, timeout=10_000):
        window.open_array("X_test")
    qtbot.waitUntil(lambda: not window.loader.is_busy(), timeout=5000)
    assert cursors[0] is True
    assert window.state.dataset.key == "X_test"
    assert window.data_panel.array_combo.currentText() == "X_test"
    assert window.origin == DatasetOrigin.sample("MNIST digits", key="X_test")
    save_session(window)
    again = MainWindow(restore=True)
    qtbot.addWidget(again)
    np.testing.assert_array_equal(again.state.dataset.images, window.state.dataset.images)


def test_the_state_holds_the_value_range_of_finite_pixels(window, tmp_path):
    images = np.random.default_rng(0).uniform(0, 1, (4, 6, 6)).astype(np.float32)
    images[1, 2, 2] = np.inf
    images[2, 0, 0] = np.nan
    path = tmp_path / "holes.npy"
    np.save(path, images)
    window.open_path(str(path))
    assert window.state.value_range == (0.0, 1.0)    # one inf does not widen it
    window.open_sample("Tiny photos 32x32")
    assert window.state.value_range == (0.0, 255.0)


def test_levels_dragged_in_the_histogram_survive_a_redraw_until_another_map_is_picked(
        window, qtbot):
    from conftest import settle

    window.state.pool_mode = "max"
    settle(qtbot, window)
    for index in (1, 2):                          # browsing alone never pins levels
        window.state.index = index
        settle(qtbot, window)
        qtbot.wait(10)
    assert window.state.display_levels is None
    window.display_panel.histogram.item.setLevels(0.1, 0.2)   # as a drag of its bounds ends
    qtbot.waitUntil(lambda: window.state.display_levels == pytest.approx((0.1, 0.2)))
    window.state.index = 5                        # a new image: same hand-set levels
    settle(qtbot, window)
    assert tuple(window.canvas.conv[0].image_item.getLevels()) == pytest.approx((0.1, 0.2))
    window.state.selected_map = ("pooled", 0)     # another map: its own automatic levels
    assert window.state.display_levels is None
    pooled = window.computation.latest.result.pooled[0, :, :, 0]
    assert tuple(window.canvas.pooled[0].image_item.getLevels()) == pytest.approx(
        (float(pooled.min()), float(pooled.max())), rel=1e-5)
