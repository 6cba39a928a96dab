"""Writes that never leave a half file, a replaced file on failure, or a stray temporary file."""

import errno
import os
import stat

import numpy as np
import pytest

from core import atomic
from core.atomic import (PartialWriteError, atomic_path, atomic_paths, atomic_write_bytes,
                         remove_stale_temp_files)
from core.batch import iter_batch_to_npy, save_npz
from core.pipeline import PipelineSpec


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    old = os.umask(0o022)
    yield lambda value: os.umask(value)
    os.umask(old)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_get_the_users_umask(tmp_path, umask, mask, expected):
    umask(mask)
    atomic_write_bytes(tmp_path / "a.txt", b"x")
    save_npz(tmp_path / "b.npz", {"data": np.zeros(3)})
    assert mode_of(tmp_path / "a.txt") == expected
    assert mode_of(tmp_path / "b.npz") == expected
    # what a plain open() gives, as the independent reference
    with open(tmp_path / "plain", "w"):
        pass
    assert mode_of(tmp_path / "plain") == expected


def test_replaced_file_keeps_its_permissions(tmp_path, umask):
    target = tmp_path / "shared.json"
    target.write_text("{}")
    os.chmod(target, 0o640)
    atomic_write_bytes(target, b'{"a": 1}')
    assert mode_of(target) == 0o640 and target.read_text() == '{"a": 1}'


def leftovers(folder):
    return sorted(name for name in os.listdir(folder) if name.startswith("."))


def test_writer_that_succeeds_but_writes_nothing_replaces_nothing(tmp_path):
    """Like QImage.save on a full disk: it says True and leaves 0 bytes."""
    target = tmp_path / "view.png"
    target.write_bytes(b"old picture")
    with pytest.raises(OSError, match="could not write .*view.png: the written file is empty"):
        with atomic_path(target) as tmp:
            open(tmp, "wb").close()
    assert target.read_bytes() == b"old picture"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("suffix, data", [(".png", b"\x89PNG\r\n\x1a\n" + b"x" * 30),
                                          (".npz", b"PK\x03\x04 not really"),
                                          (".npy", None)])
def test_incomplete_files_fail_the_read_back(tmp_path, suffix, data):
    target = tmp_path / f"out{suffix}"
    with pytest.raises(OSError, match=f"out\\{suffix}: the written file did not read back"):
        with atomic_path(target) as tmp:
            if data is None:
                np.save(tmp, np.zeros((100, 100)))
                with open(tmp, "r+b") as fh:
                    fh.truncate(1000)
            else:
                with open(tmp, "wb") as fh:
                    fh.write(data)
    assert not target.exists() and leftovers(tmp_path) == []


def test_full_disk_message_names_the_users_file_not_the_temporary_one(tmp_path):
    target = tmp_path / "results.npz"
    with pytest.raises(OSError) as caught:
        with atomic_path(target) as tmp:
            raise OSError(errno.ENOSPC, "No space left on device", tmp)
    message = str(caught.value)
    assert caught.value.errno == errno.ENOSPC
    assert "results.npz" in message and "disk is full" in message
    assert ".part" not in message
    assert not target.exists() and leftovers(tmp_path) == []


def test_memory_mapped_output_on_a_full_disk_is_a_clean_error(tmp_path, monkeypatch):
    def full(fd, offset, length):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", full)
    target = tmp_path / "maps.npy"
    target.write_bytes(b"previous")
    spec = PipelineSpec(np.ones((3, 3, 1, 2)))
    with pytest.raises(OSError, match="maps.npy.*disk is full") as caught:
        for _ in iter_batch_to_npy(target, np.ones((50, 20, 20)), spec):
            pass
    assert caught.value.errno == errno.ENOSPC
    assert target.read_bytes() == b"previous" and leftovers(tmp_path) == []


def test_without_fallocate_support_zeros_are_written_first(tmp_path, monkeypatch):
    calls = []

    def unsupported(fd, offset, length):
        calls.append(length)
        raise OSError(errno.EOPNOTSUPP, "Operation not supported")

    monkeypatch.setattr(os, "posix_fallocate", unsupported)
    target = tmp_path / "maps.npy"
    images = np.random.default_rng(0).random((7, 9, 9))
    spec = PipelineSpec(np.ones((2, 2, 1, 1)))
    list(iter_batch_to_npy(target, images, spec))
    assert calls and os.stat(target).st_blocks * 512 >= calls[0] - 4096
    box = images[:, :-1, :-1] + images[:, 1:, :-1] + images[:, :-1, 1:] + images[:, 1:, 1:]
    np.testing.assert_allclose(np.load(target)[..., 0], box, rtol=1e-6)


def test_reserved_space_is_really_allocated(tmp_path):
    target = tmp_path / "maps.npy"
    spec = PipelineSpec(np.ones((1, 1, 1, 1)))
    steps = iter_batch_to_npy(target, np.zeros((64, 128, 128)), spec, chunk=8)
    next(steps)  # the file exists under its temporary name now
    (tmp,) = [p for p in tmp_path.iterdir() if p.name.startswith(".maps.npy.")]
    assert os.stat(tmp).st_blocks * 512 >= 64 * 128 * 128 * 4
    steps.close()
    assert list(tmp_path.iterdir()) == []


def test_multi_file_write_that_fails_midway_puts_everything_back(tmp_path, failing_rename):
    targets = [tmp_path / f"map_k{k}.png" for k in (1, 2, 3)]
    for k, target in enumerate(targets):
        target.write_bytes(b"old %d" % k)
    undo = failing_rename(3, errno.EIO)  # the third file's rename fails
    png = b"\x89PNG\r\n\x1a\n" + b"data" + b"IEND\xaeB`\x82"
    with pytest.raises(PartialWriteError) as caught:
        with atomic_paths(targets) as temps:
            for tmp in temps:
                with open(tmp, "wb") as fh:
                    fh.write(png)
    undo()
    assert "could not write" in str(caught.value) and "map_k3.png" in str(caught.value)
    assert "nothing was written" in str(caught.value)
    assert caught.value.written == []
    assert [t.read_bytes() for t in targets] == [b"old 0", b"old 1", b"old 2"]
    assert leftovers(tmp_path) == []


def test_multi_file_message_lists_what_was_written_when_it_cannot_be_undone(tmp_path,
                                                                           monkeypatch,
                                                                           failing_rename):
    targets = [tmp_path / f"m{k}.txt" for k in (1, 2, 3)]
    for target in targets:
        target.write_text("old")
    monkeypatch.setattr(os, "link", lambda *a: (_ for _ in ()).throw(OSError(errno.EPERM, "no")))
    undo = failing_rename(2, errno.ENOSPC)
    with pytest.raises(PartialWriteError) as caught:
        with atomic_paths(targets) as temps:
            for tmp in temps:
                with open(tmp, "w") as fh:
                    fh.write("new")
    undo()
    message = str(caught.value)
    assert f"written: {targets[0]}" in message
    assert f"not written: {targets[1]}, {targets[2]}" in message
    assert [t.read_text() for t in targets] == ["new", "old", "old"]


def test_stale_temporary_files_of_dead_processes_are_removed(tmp_path):
    dead = tmp_path / ".out.npz.999999999-0123abcd.part.npz"
    dead.write_bytes(b"x" * 100)
    scratch = tmp_path / ".out.npz.999999999-4567abcd.part.scratch.npy"
    scratch.write_bytes(b"x" * 100)
    dead_folder = tmp_path / ".maps.999999998-89abcdef.part"
    dead_folder.mkdir()
    (dead_folder / "0.png").write_bytes(b"x")
    alive = tmp_path / f".out.npz.{os.getppid()}-0123abcd.part.npz"
    alive.write_bytes(b"in use")
    mine = tmp_path / "keep.npz.999999999-0123abcd.part.npz"  # not hidden: not ours
    mine.write_bytes(b"user file")
    atomic.remove_stale_temp_files  # noqa: B018 - the sweep runs on the first write below
    atomic_write_bytes(tmp_path / "new.txt", b"hello")
    assert not dead.exists() and not dead_folder.exists() and not scratch.exists()
    assert alive.exists() and mine.exists()
    assert remove_stale_temp_files(tmp_path) == []


def test_png_folder_replacing_files_is_all_or_nothing(tmp_path, failing_rename):
    from core.sheets import iter_png_folder

    folder = tmp_path / "maps"
    folder.mkdir()
    names = ["0.png", "1.png", "2.png"]
    for name in names:
        (folder / name).write_bytes(b"old " + name.encode())
    undo = failing_rename(2, errno.ENOSPC)
    with pytest.raises(PartialWriteError, match="could not write .*1.png.*nothing was written"):
        for _ in iter_png_folder(folder, np.random.rand(3, 4, 4, 1), overwrite=True):
            pass
    undo()
    assert [(folder / n).read_bytes() for n in names] == [b"old " + n.encode() for n in names]
    assert sorted(os.listdir(tmp_path)) == ["maps"] and sorted(os.listdir(folder)) == names
