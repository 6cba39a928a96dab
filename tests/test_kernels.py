"""core.kernels: the preset library, kernel files, banks and the editing helpers."""

import json

import numpy as np
import pytest

from core.kernels import (
    MAX_KERNEL_SIZE,
    as_bank,
    check_kernel,
    compact_kernel,
    find_preset,
    format_weight,
    kernel_from_json,
    kernel_to_json,
    load_kernel,
    load_named_kernel,
    load_presets,
    named_kernel_from_json,
    normalise_kernel,
    parse_weight,
    random_kernel,
    resize_kernel,
    save_kernel,
)

ASSIGNMENT_CHANNELS = [[[0, 0, 0], [-1, -1, -1], [0, 0, 0]],
                       [[-1, -1, -1], [5, 5, 5], [-1, -1, -1]],
                       [[0, 0, 0], [-1, -1, -1], [0, 0, 0]]]
ASSIGNMENT_BANK = [[[[0, 1, 1], [0, 1, 1], [0, 1, 1]], [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
                    [[0, -1, 1], [0, -1, 1], [0, -1, 1]]],
                   [[[-1, 1, 0], [-1, 1, 0], [-1, 1, 0]], [[5, 0, 0], [5, 0, 0], [5, 0, 0]],
                    [[-1, -1, 0], [-1, -1, 0], [-1, -1, 0]]],
                   [[[0, 1, -1], [0, 1, -1], [0, 1, -1]], [[-1, 0, -1], [-1, 0, -1], [-1, 0, -1]],
                    [[0, -1, -1], [0, -1, -1], [0, -1, -1]]]]


def _entry(preset_id="p", kernel=((1, 0), (0, 1)), **extra):
    entry = {"id": preset_id, "name": preset_id.title(), "category": "Basic",
             "description": "A test kernel.", "kernel": kernel}
    entry.update(extra)
    return entry


def _write_presets(tmp_path, entries):
    path = tmp_path / "presets.json"
    path.write_text(json.dumps({"presets": entries}), encoding="utf-8")
    return path


# -- the bundled presets ---------------------------------------------------------------------


def test_bundled_presets_are_valid_and_cover_every_category():
    presets = load_presets()
    assert len(presets) >= 18
    categories = {p.category for p in presets}
    assert {"Basic", "Blur", "Sharpen", "Edges", "Assignment"} <= categories
    assert len({p.id for p in presets}) == len(presets)
    assert len({p.name for p in presets}) == len(presets)
    for preset in presets:
        assert preset.kernel.dtype == np.float64
        assert not preset.kernel.flags.writeable
        assert "\n" not in preset.description and preset.description


@pytest.mark.parametrize("preset_id", [
    "identity", "box_blur_3", "box_blur_5", "gaussian_3", "gaussian_5", "sharpen",
    "unsharp_mask_5", "laplacian_4", "laplacian_8", "outline", "sobel_x", "sobel_y", "prewitt_x",
    "prewitt_y", "scharr_x", "scharr_y", "emboss", "motion_blur_5"])
def test_classic_presets_exist(preset_id):
    assert find_preset(preset_id).kernel.ndim == 2


def test_assignment_kernels_are_exact():
    vertical = find_preset("Vertical edges (assignment)").kernel
    np.testing.assert_array_equal(vertical, [[1, 0, -1], [1, 0, -1], [1, 0, -1]])
    channels = find_preset("assignment_channels").kernel
    assert channels.shape == (3, 3, 3)
    np.testing.assert_array_equal(channels, ASSIGNMENT_CHANNELS)
    bank = find_preset("assignment_bank").kernel
    assert bank.shape == (3, 3, 3, 3)
    np.testing.assert_array_equal(bank, ASSIGNMENT_BANK)


def test_blur_presets_sum_to_one_and_edges_to_zero():
    for preset_id in ("box_blur_3", "box_blur_5", "gaussian_3", "gaussian_5", "motion_blur_5",
                      "sharpen", "unsharp_mask_5"):
        assert find_preset(preset_id).kernel.sum() == pytest.approx(1.0)
    for preset_id in ("laplacian_4", "laplacian_8", "outline", "sobel_x", "scharr_y"):
        assert find_preset(preset_id).kernel.sum() == 0
    np.testing.assert_array_equal(find_preset("gaussian_3").kernel * 16,
                                  [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_array_equal(find_preset("sobel_x").kernel,
                                  [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])


def test_find_preset_by_name_ignores_case_and_unknown_lists_ids():
    assert find_preset("sobel x").id == "sobel_x"
    with pytest.raises(ValueError, match="no kernel preset called 'nope'.*sobel_x"):
        find_preset("nope")


# -- bad preset files ------------------------------------------------------------------------


@pytest.mark.parametrize("kernel, message", [
    ([[1, float("nan")], [0, 1]], "finite"),
    ([[1, 2], [3]], "ragged"),
    (np.ones((MAX_KERNEL_SIZE + 1, 3)).tolist(), "between 1x1 and 15x15"),
    ([1, 2, 3], "2-D"),
    ([["a", "b"]], "only numbers"),
    ([[True, False]], "only numbers"),
])
def test_bad_kernel_entry_is_named(tmp_path, kernel, message):
    path = _write_presets(tmp_path, [_entry("good"), _entry("broken_one", kernel)])
    with pytest.raises((ValueError, TypeError), match=message) as info:
        load_presets(path)
    assert "preset 1" in str(info.value) and "broken_one" in str(info.value)
    assert str(path) in str(info.value)


def test_duplicate_id_is_named(tmp_path):
    path = _write_presets(tmp_path, [_entry("twin"), _entry("other"), _entry("twin")])
    with pytest.raises(ValueError, match="preset 2 repeats the id 'twin' of preset 0"):
        load_presets(path)


def test_missing_field_and_bad_json_are_named(tmp_path):
    entry = _entry("nameless")
    del entry["description"]
    with pytest.raises(ValueError, match="nameless.*description"):
        load_presets(_write_presets(tmp_path, [entry]))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.json is not valid JSON"):
        load_presets(broken)


def test_presets_may_be_a_bare_list(tmp_path):
    path = tmp_path / "list.json"
    path.write_text(json.dumps([_entry("only")]), encoding="utf-8")
    assert [p.id for p in load_presets(path)] == ["only"]


# -- JSON and .npy ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (3, 3, 3), (5, 1, 2, 4)])
def test_json_round_trip_is_exact(shape):
    kernel = np.random.default_rng(1).normal(size=shape) / 7
    kernel.flat[0] = 1 / 3
    text = kernel_to_json(kernel, name="mixed")
    back, name = named_kernel_from_json(text)
    assert name == "mixed"
    assert back.dtype == np.float64 and back.shape == shape
    np.testing.assert_array_equal(back, kernel)


def test_json_reads_bare_lists_and_whole_numbers_stay_short():
    text = kernel_to_json([[1.0, 0.0, -1.0]] * 3)
    assert "[1, 0, -1]" in text
    np.testing.assert_array_equal(kernel_from_json("[[1, 0], [0, 1]]"), np.eye(2))
    with pytest.raises(ValueError, match="no 'kernel'"):
        kernel_from_json('{"name": "x"}')
    with pytest.raises(ValueError, match="not valid JSON"):
        kernel_from_json("[[1, 2")


@pytest.mark.parametrize("suffix", [".json", ".npy"])
@pytest.mark.parametrize("shape", [(3, 3), (2, 5, 3), (3, 3, 3, 2)])
def test_file_round_trip_is_exact(tmp_path, suffix, shape):
    kernel = np.random.default_rng(2).uniform(-1, 1, size=shape)
    path = tmp_path / f"kernel{suffix}"
    save_kernel(path, kernel, name="round trip")
    loaded, name = load_named_kernel(path)
    np.testing.assert_array_equal(loaded, kernel)
    assert loaded.dtype == np.float64
    assert name == ("round trip" if suffix == ".json" else "kernel")
    np.testing.assert_array_equal(load_kernel(str(path)), kernel)


def test_npy_with_objects_is_refused(tmp_path):
    path = tmp_path / "evil.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="evil.npy"):
        load_kernel(path)


def test_corrupt_and_wrong_files_name_the_file(tmp_path):
    npy = tmp_path / "broken.npy"
    npy.write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(ValueError, match="broken.npy"):
        load_kernel(npy)
    bad = tmp_path / "bad.json"
    bad.write_text('{"kernel": [[1, 2], [3]]}', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.json kernel is ragged"):
        load_kernel(bad)
    with pytest.raises(ValueError, match="must end in .json or .npy"):
        save_kernel(tmp_path / "kernel.txt", [[1]])


def test_failed_save_leaves_no_partial_file(tmp_path):
    missing = tmp_path / "no" / "such" / "folder" / "k.json"
    with pytest.raises(OSError):
        save_kernel(missing, [[1, 2]])
    assert not missing.parent.exists()
    folder_target = tmp_path / "is_a_folder.npy"
    folder_target.mkdir()
    with pytest.raises(OSError):
        save_kernel(folder_target, [[1, 2]])
    assert folder_target.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["is_a_folder.npy"]


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "keep.json"
    save_kernel(path, [[1, 2]])
    before = path.read_bytes()

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("core.atomic.os.replace", explode)
    with pytest.raises(OSError, match="disk full"):
        save_kernel(path, [[3, 4]])
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.json"]


# -- banks and helpers -----------------------------------------------------------------------


def test_as_bank_shapes_and_channel_mismatch():
    bank = as_bank([[1, 2], [3, 4]], channels=3)
    assert bank.shape == (2, 2, 3, 1)
    for c in range(3):
        np.testing.assert_array_equal(bank[:, :, c, 0], [[1, 2], [3, 4]])
    assert as_bank(ASSIGNMENT_CHANNELS, 3).shape == (3, 3, 3, 1)
    np.testing.assert_array_equal(as_bank(ASSIGNMENT_BANK, 3), ASSIGNMENT_BANK)
    with pytest.raises(ValueError, match="kernel has 3 channel.*data has 1"):
        as_bank(ASSIGNMENT_CHANNELS, 1)
    with pytest.raises(ValueError, match="channels"):
        as_bank([[1]], 0)


def test_compact_kernel_inverts_as_bank():
    mixed = np.arange(12.0).reshape(2, 2, 3)
    cases = [([[1, 2]], (1, 2)), (ASSIGNMENT_CHANNELS, (3, 3)), (mixed, (2, 2, 3)),
             (ASSIGNMENT_BANK, (3, 3, 3, 3))]
    for kernel, compact_shape in cases:
        bank = as_bank(kernel, 3)
        compact = compact_kernel(bank)
        assert compact.shape == compact_shape
        np.testing.assert_array_equal(as_bank(compact, 3), bank)


def test_resize_keeps_the_anchor_and_round_trips():
    kernel = np.arange(9.0).reshape(3, 3)
    grown = resize_kernel(kernel, 5, 4)
    assert grown.shape == (5, 4)
    assert grown[2, 1] == 4
    np.testing.assert_array_equal(grown[1:4, 0:3], kernel)
    assert grown.sum() == kernel.sum()
    np.testing.assert_array_equal(resize_kernel(grown, 3, 3), kernel)
    np.testing.assert_array_equal(resize_kernel(kernel, 2, 4),
                                  [[3, 4, 5, 0], [6, 7, 8, 0]])
    bank = as_bank(ASSIGNMENT_BANK, 3)
    assert resize_kernel(bank, 1, 2).shape == (1, 2, 3, 3)
    with pytest.raises(ValueError, match="rows must be between 1 and 15"):
        resize_kernel(kernel, 16, 3)


def test_normalise_and_random():
    np.testing.assert_array_equal(normalise_kernel([[2, 2], [2, 2]]), np.full((2, 2), 0.25))
    with pytest.raises(ValueError, match="sum to 0"):
        normalise_kernel(find_preset("sobel_x").kernel)
    weights = random_kernel((4, 3))
    assert weights.shape == (4, 3) and np.all(np.abs(weights) <= 1)


@pytest.mark.parametrize("text, value", [("1/9", 1 / 9), ("-2", -2.0), (" 0.5 ", 0.5),
                                         ("1e-3", 0.001), ("-1/4", -0.25), ("\u22123", -3.0)])
def test_parse_weight_accepts_numbers_and_fractions(text, value):
    assert parse_weight(text) == value


@pytest.mark.parametrize("text", ["abc", "", "1/0", "nan", "inf", "1/2/3", "--1"])
def test_parse_weight_refuses_the_rest(text):
    with pytest.raises(ValueError, match="not a"):
        parse_weight(text)


def test_format_weight():
    assert format_weight(5.0) == "5"
    assert format_weight(-0.0) == "0"
    assert format_weight(1 / 9) == repr(1 / 9)
    assert format_weight(1 / 9, 2) == "0.11"


def test_check_kernel_copies_and_locks():
    source = np.ones((2, 2))
    checked = check_kernel(source)
    source[0, 0] = 5
    assert checked[0, 0] == 1 and not checked.flags.writeable
