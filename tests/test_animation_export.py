"""Exported animations decoded back with Pillow: frame count, size, timing, and what frame n shows.

Expected pixel colours come from scipy's correlation of the crop, pushed through the colormap's
lookup table, not from the frame model under test; the painter's layout only says where to look.
"""

import os

import numpy as np
import pytest
from PIL import Image
from scipy.signal import correlate2d

from core.animation_files import estimate_bytes, frame_durations, iter_write_animation
from core.frames import Animation
from core.pipeline import PipelineSpec
from core.sheets import levels_for, render_tile

SIZE = (480, 270)
RNG = np.random.default_rng(5)
IMAGE = RNG.integers(0, 256, (12, 12)).astype(np.uint8)
KERNEL = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
WINDOW_GREEN = (0, 200, 100)
EMPTY_GRAY = (242, 242, 242)


@pytest.fixture(scope="module")
def animation():
    spec = PipelineSpec(KERNEL[:, :, None, None], padding="same")
    return Animation(IMAGE, spec, crop=5, kernel_name="Sobel x")


@pytest.fixture
def frames(qapp, animation):
    from convgui.frame_painter import RenderedFrames

    return RenderedFrames(animation, SIZE)


def reference_output():
    crop = IMAGE[4:9, 4:9].astype(float)  # crop_box((12, 12), 5) = (4, 4, 5, 5)
    return correlate2d(np.pad(crop, 1), KERNEL, mode="valid")


def decoded(path):
    """All frames of an animated file as RGB arrays, with their durations and the loop count."""
    with Image.open(path) as im:
        pictures, durations = [], []
        for i in range(im.n_frames):
            im.seek(i)
            pictures.append(np.asarray(im.convert("RGB")))
            durations.append(im.info["duration"])
        return pictures, durations, im.info.get("loop")


def assert_colour(pixels, xy, expected, tolerance=6):
    x, y = xy
    got = pixels[int(y), int(x)].astype(int)
    assert np.abs(got - np.asarray(expected)).max() <= tolerance, (xy, got, expected)


def check_frame_shows_step(pixels, animation, n):
    """Frame n: the window outline at step n's position, output cells 0..n in their colours."""
    from convgui import display
    from convgui.frame_painter import frame_layout

    expected = reference_output()
    ow = expected.shape[1]
    row, col = divmod(n, ow)
    layout = frame_layout(animation[n], SIZE)
    source, output = layout.panels[0], layout.panels[-1]
    # The window covers padded rows row..row+2, cols col..col+2 (stride 1, one pixel of padding):
    x, y, cell = source.cell_rect(row, col)
    assert_colour(pixels, (x + 1.5 * cell, y + 1), WINDOW_GREEN)
    assert_colour(pixels, (x + 1, y + 1.5 * cell), WINDOW_GREEN)
    x2, y2, _ = source.cell_rect(row + 2, col + 2)
    assert_colour(pixels, (x2 + cell - 2, y2 + 0.5 * cell), WINDOW_GREEN)
    # ... and nowhere one cell further right (unless the next column is in the window).
    if col + 3 < source.cols:
        x3, y3, _ = source.cell_rect(row, col + 3)
        got = pixels[int(y3 + 1), int(x3 + cell - 3)].astype(int)
        assert np.abs(got - WINDOW_GREEN).max() > 40
    levels = levels_for(expected, "symmetric")
    lut = display.lookup_table("diverging")
    for index in range(expected.size):
        r, c = divmod(index, ow)
        x, y, cell = output.cell_rect(r, c)
        probe = (x + 0.5 * cell, y + 0.22 * cell)  # above the number, inside the outline
        if index <= n:
            colour = render_tile(np.array([[expected[r, c]]]), levels, lut)[0, 0]
            assert_colour(pixels, probe, colour)
        else:
            assert_colour(pixels, probe, EMPTY_GRAY)


@pytest.mark.parametrize("name", ["steps.gif", "steps.png"])
def test_animated_file_decodes_to_the_steps(tmp_path, animation, frames, name):
    path = tmp_path / name
    progress = list(iter_write_animation(path, frames, fps=5, hold=1.0, plays=0))
    assert progress[-1] == (25, 25) and len(progress) == 25
    pictures, durations, loop = decoded(path)
    assert len(pictures) == 25
    assert all(p.shape == (SIZE[1], SIZE[0], 3) for p in pictures)
    assert durations == [200] * 24 + [1000]
    assert loop == 0
    for n in (0, 6, 24):
        check_frame_shows_step(pictures[n], animation, n)
    assert sorted(os.listdir(tmp_path)) == [name]


def test_play_once_and_fps_in_hundredths(tmp_path, frames):
    path = tmp_path / "once.gif"
    list(iter_write_animation(path, [frames[0], frames[1], frames[2]], fps=3, plays=1))
    _, durations, loop = decoded(path)
    assert durations == [330, 330, 330] and loop is None
    assert frame_durations(2, 50) == [20, 20]


def test_frame_folder_holds_numbered_pngs(tmp_path, animation, frames):
    folder = tmp_path / "frames"
    list(iter_write_animation(folder, frames, fmt="frames"))
    names = sorted(os.listdir(folder))
    assert names == [f"frame_{i:04d}.png" for i in range(1, 26)]
    with Image.open(folder / "frame_0013.png") as im:
        assert im.size == SIZE
        check_frame_shows_step(np.asarray(im.convert("RGB")), animation, 12)
    assert sorted(os.listdir(tmp_path)) == ["frames"]


@pytest.mark.parametrize("name", ["cancel.gif", "cancel.png", "cancel_frames"])
def test_cancel_leaves_nothing(tmp_path, frames, name):
    run = iter_write_animation(tmp_path / name, frames, fmt="frames" if "_" in name else None)
    next(run)
    next(run)
    run.close()
    assert os.listdir(tmp_path) == []


class Failing:
    """Frames that break after a few (as a full disk or a painting error would)."""

    def __init__(self, frames, after):
        self.frames, self.after = frames, after

    def __len__(self):
        return len(self.frames)

    def __getitem__(self, index):
        if index >= self.after:
            raise OSError("disk full")
        return self.frames[index]


@pytest.mark.parametrize("name", ["old.gif", "old.png"])
def test_failure_keeps_the_old_file_and_leaves_no_temp(tmp_path, frames, name):
    path = tmp_path / name
    path.write_bytes(b"previous animation")
    with pytest.raises(FileExistsError, match="exists"):
        iter_write_animation(path, frames)
    with pytest.raises(OSError, match="disk full"):
        list(iter_write_animation(path, Failing(frames, 3), overwrite=True))
    assert path.read_bytes() == b"previous animation"
    assert os.listdir(tmp_path) == [name]


def test_existing_frame_folder_needs_overwrite_and_is_replaced_whole(tmp_path, frames):
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(1, 31):
        (folder / f"frame_{i:04d}.png").write_bytes(b"old")
    (folder / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="30 frame files"):
        iter_write_animation(folder, frames, fmt="frames")
    list(iter_write_animation(folder, frames, fmt="frames", overwrite=True))
    names = sorted(os.listdir(folder))
    assert len(names) == 26 and names[-1] == "notes.txt"  # 25 new frames, old 26..30 gone
    assert (folder / "frame_0001.png").read_bytes()[:4] == b"\x89PNG"


def test_bad_writer_arguments(tmp_path, frames):
    with pytest.raises(ValueError, match="fps"):
        iter_write_animation(tmp_path / "a.gif", frames, fps=0)
    with pytest.raises(ValueError, match="loop"):
        iter_write_animation(tmp_path / "a.gif", frames, plays=-1)
    with pytest.raises(ValueError, match="output"):
        iter_write_animation(tmp_path / "a.txt", frames)
    with pytest.raises(OSError, match="folder does not exist"):
        iter_write_animation(tmp_path / "missing" / "a.gif", frames)
    with pytest.raises(ValueError, match="same size"):
        list(iter_write_animation(tmp_path / "a.gif", [frames[0], frames[1][:100]]))
    assert os.listdir(tmp_path) == []


def test_size_estimate_is_in_the_right_range(tmp_path, frames):
    for name, fmt in (("e.gif", "gif"), ("e.png", "apng")):
        guess = estimate_bytes(frames, fmt)
        list(iter_write_animation(tmp_path / name, frames))
        real = (tmp_path / name).stat().st_size
        assert real / 2 < guess < real * 2, (fmt, guess, real)


def test_frame_sizes_scale_the_same_layout(qapp, animation):
    from convgui.frame_painter import frame_layout, frame_pixels

    small, large = frame_layout(animation[3], (1280, 720)), frame_layout(animation[3], (1920, 1080))
    assert large.panels[0].cell > small.panels[0].cell
    pixels = frame_pixels(animation[3], (1920, 1080))
    assert pixels.shape == (1080, 1920, 3) and pixels.dtype == np.uint8


def test_written_files_get_ordinary_permissions(tmp_path, frames):
    umask = os.umask(0o022)
    os.umask(umask)
    list(iter_write_animation(tmp_path / "a.gif", [frames[0]]))
    list(iter_write_animation(tmp_path / "f", [frames[0]], fmt="frames"))
    assert (tmp_path / "a.gif").stat().st_mode & 0o777 == 0o666 & ~umask
    assert (tmp_path / "f").stat().st_mode & 0o777 == 0o777 & ~umask
