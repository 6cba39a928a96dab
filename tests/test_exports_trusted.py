"""Window exports: every stage, nothing replaced unasked, nothing half-written, honest messages."""

import errno
import os

import numpy as np
import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QImage

from convgui import dialogs

EDGE = np.array([[1.0, 0.0, -1.0]] * 3)
BANK = np.stack([EDGE, EDGE.T], axis=-1)[:, :, None, :]  # (3, 3, 1, 2)


def loops(image, kernel):
    h, w = image.shape
    kh, kw = kernel.shape
    out = np.zeros((h - kh + 1, w - kw + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = np.sum(image[r:r + kh, c:c + kw] * kernel)
    return out


def gray_of(path):
    image = QImage(str(path)).convertToFormat(QImage.Format_RGB888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits().asstring(image.sizeInBytes()), np.uint8)
    return data.reshape(h, image.bytesPerLine())[:, :3 * w].reshape(h, w, 3)[:, :, 0]


@pytest.fixture
def asked(monkeypatch):
    questions = []
    answers = []
    monkeypatch.setattr(dialogs, "ask_yes_no", lambda parent, title, question:
                        questions.append(question) or (answers.pop(0) if answers else False))
    return questions, answers


def test_feature_maps_export_every_stage_with_clear_names(window, qtbot, tmp_path,
                                                          monkeypatch, asked):
    window.state.kernels = BANK
    window.state.activation = "relu"
    window.state.pool_mode = "max"
    window.computation.compute_now()
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: str(tmp_path / "maps.png"))
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key_E, Qt.ControlModifier)
    names = sorted(os.listdir(tmp_path))
    assert names == sorted(f"maps_{stage}_k{k}.png" for stage in ("conv", "activated", "pooled")
                           for k in (1, 2))
    assert asked[0] == []
    conv = loops(window.state.image.astype(float), EDGE.T)
    saved = gray_of(tmp_path / "maps_conv_k2.png")
    assert saved.shape == conv.shape
    expected = np.rint((conv - conv.min()) / (conv.max() - conv.min()) * 255)
    assert np.abs(saved.astype(int) - expected).max() <= 1
    assert gray_of(tmp_path / "maps_pooled_k1.png").shape == (13, 13)


def test_every_existing_file_of_a_bank_export_is_asked_about(window, tmp_path, monkeypatch,
                                                             asked):
    questions, answers = asked
    window.state.kernels = BANK
    window.computation.compute_now()
    third = tmp_path / "feature_map_k2.png"
    third.write_bytes(b"keep me")
    monkeypatch.setattr(dialogs, "ask_save_path",
                        lambda *a, **k: str(tmp_path / "feature_map.png"))
    answers.append(False)
    assert window.exports.export_maps() is None
    assert len(questions) == 1 and "feature_map_k2.png" in questions[0]
    assert "feature_map_k1.png" not in questions[0]
    assert sorted(os.listdir(tmp_path)) == ["feature_map_k2.png"]
    assert third.read_bytes() == b"keep me"
    answers.append(True)
    assert len(window.exports.export_maps()) == 2
    assert third.read_bytes().startswith(b"\x89PNG")


def test_failed_rename_in_a_bank_export_says_exactly_what_was_written(window, tmp_path,
                                                                      monkeypatch, errors,
                                                                      asked, failing_rename):
    asked[1].append(True)
    window.state.kernels = np.stack([EDGE, EDGE.T, -EDGE], axis=-1)[:, :, None, :]
    window.computation.compute_now()
    for k in (1, 2, 3):
        (tmp_path / f"m_k{k}.png").write_bytes(b"old %d" % k)
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: str(tmp_path / "m.png"))
    undo = failing_rename(2, errno.EIO)
    assert window.exports.export_maps() is None
    undo()
    (title, message), = errors
    assert "m_k2.png" in message and "nothing was written" in message
    assert [(tmp_path / f"m_k{k}.png").read_bytes() for k in (1, 2, 3)] == \
        [b"old 1", b"old 2", b"old 3"]
    assert sorted(os.listdir(tmp_path)) == ["m_k1.png", "m_k2.png", "m_k3.png"]


def test_view_png_on_a_full_disk_keeps_the_old_file(window, tmp_path, monkeypatch, errors,
                                                    asked):
    """QImage.save reported success and left 0 bytes on a full disk: that must not pass."""
    asked[1].append(True)
    target = tmp_path / "view.png"
    target.write_bytes(b"old view")
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: str(target))

    def save_nothing(self, path, *args):
        open(path, "wb").close()
        return True

    monkeypatch.setattr(QImage, "save", save_nothing)
    assert window.exports.export_view_png() is None
    (title, message), = errors
    assert "view.png" in message and "empty" in message and ".part" not in message
    assert target.read_bytes() == b"old view"
    assert os.listdir(tmp_path) == ["view.png"]


def test_export_kernel_names_the_file_it_saved(window, tmp_path, monkeypatch, asked):
    target = tmp_path / "k.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: str(target))
    window.exports.kernel_action.trigger()
    message = window.statusBar().currentMessage()
    assert message == f"Saved {target}" and "None" not in message


def test_export_arrays_runs_as_a_worker_job_and_cancel_writes_nothing(window, tmp_path,
                                                                      monkeypatch):
    from convgui import export

    window.state.kernels = EDGE
    target = tmp_path / "maps.npz"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: str(target))
    window.exports.arrays_action.trigger()
    assert window.exports.worker is not None and not window.exports.worker.is_running()
    with np.load(target) as saved:
        np.testing.assert_allclose(saved["conv"][:, :, 0],
                                   loops(window.state.image.astype(float), EDGE), atol=1e-12)
    assert window.statusBar().currentMessage() == f"Saved {target}"
    job = export.iter_export_arrays(tmp_path / "other.npz", window.state.image,
                                    window.state.spec())
    assert next(job) == (0, 2) and next(job) == (1, 2)
    job.close()   # what Cancel does between two steps
    assert sorted(os.listdir(tmp_path)) == ["maps.npz"]
