"""Write files so that a reader never sees half of one: temp file in the same folder, then rename.

Every file the app writes goes through :func:`atomic_path` (one file) or :func:`atomic_paths`
(several files that belong together, all-or-nothing):

* the data goes to a hidden temporary file beside the target, named
  ``.<target name>.<pid>-<token>.part<suffix>``; the target is replaced only at the end;
* the new file gets the permissions a plain ``open()`` would give it under the user's umask
  (``0644`` under the usual ``022``), or the permissions of the file it replaces;
* before the rename the temporary file is flushed to disk and read back: it must not be empty,
  and ``.npy``/``.npz``/``.png`` files must have a complete header (an ``.npy`` must be
  exactly as long as its header says) -- a writer that "succeeds" on a full disk is caught here;
* errors name the user's file, never the temporary one;
* temporary files left behind by a process that died (power cut, ``kill -9``) are removed the
  next time something is written in that folder, and :func:`remove_live_temp_files` deletes this
  process's own (the command line calls it on SIGTERM/SIGHUP).

:func:`preallocate` reserves the disk space of a memory-mapped output up front, so a full disk is
a clean ``OSError`` (``ENOSPC``) instead of a ``SIGBUS`` crash in the middle of the work.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import threading
import zipfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "atomic_paths", "atomic_write_bytes", "atomic_write_text",
           "atomic_folder", "temp_path_for", "verify_written", "preallocate",
           "remove_stale_temp_files", "remove_live_temp_files", "WriteError", "PartialWriteError",
           "commit_renames", "new_file_mode"]

_TEMP_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)-[0-9a-f]{8}\.part(\..*)?$")
_LIVE = set()
_LOCK = threading.Lock()
_SWEPT = set()
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"IEND\xaeB`\x82"


class WriteError(OSError):
    """Writing a file failed; the message names the user's file (``errno`` says why)."""

    def __str__(self):
        return str(self.strerror)


class PartialWriteError(WriteError):
    """A multi-file write failed; ``written`` and ``not_written`` list the user's files.

    ``written`` holds the targets that now have new content (empty when the failure was rolled
    back completely); ``not_written`` those that kept their old content or do not exist.
    """

    def __init__(self, errno_, message, written=(), not_written=()):
        super().__init__(errno_, message)
        self.written = [str(p) for p in written]
        self.not_written = [str(p) for p in not_written]



def new_file_mode(path=None):
    """Permission bits for a new file: ``0o666`` less the umask, or those of ``path`` if it exists.

    Examples
    --------
    >>> old = os.umask(0o022); mode = new_file_mode(); _ = os.umask(old)
    >>> oct(mode)
    '0o644'
    """
    if path is not None:
        try:
            return os.stat(path).st_mode & 0o7777
        except OSError:
            pass
    with _LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


def temp_path_for(path, suffix=None):
    """A fresh hidden temporary name beside ``path`` (not created), registered for cleanup.

    Examples
    --------
    >>> name = temp_path_for("maps/out.npz").name
    >>> name.startswith(".out.npz.") and name.endswith(".part.npz")
    True
    """
    path = Path(path)
    suffix = path.suffix if suffix is None else suffix
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.part{suffix}")
    with _LOCK:
        _LIVE.add(str(tmp))
    return tmp


def _forget(tmp):
    with _LOCK:
        _LIVE.discard(str(tmp))


def _remove(tmp):
    try:
        if os.path.isdir(tmp) and not os.path.islink(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.unlink(tmp)
    except OSError:
        pass
    _forget(tmp)


def remove_live_temp_files():
    """Delete every temporary file this process still has open for writing (e.g. on SIGTERM).

    Returns the number removed.
    """
    with _LOCK:
        live = list(_LIVE)
    for tmp in live:
        _remove(tmp)
    return len(live)


def _pid_alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_temp_files(folder):
    """Remove temporary files (and folders) in ``folder`` left by processes that no longer run.

    Only names of the form this module creates are touched, and only when the process that
    created them (its id is in the name) is gone. Returns the names removed.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> open(os.path.join(folder, ".out.npz.999999999-0123abcd.part.npz"), "w").close()
    >>> remove_stale_temp_files(folder)
    ['.out.npz.999999999-0123abcd.part.npz']
    """
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = _TEMP_RE.match(name)
        if match and not _pid_alive(int(match["pid"])):
            _remove(os.path.join(folder, name))
            removed.append(name)
    return removed


def _sweep_once(folder):
    key = os.path.abspath(folder)
    if key not in _SWEPT:
        _SWEPT.add(key)
        remove_stale_temp_files(folder)


def _folder_of(path):
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(errno.ENOENT, f"folder does not exist: {folder}")
    return folder


def _fsync(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EROFS, errno.EBADF):
            raise
    finally:
        os.close(fd)


def verify_written(tmp, kind=None):
    """Check that a just-written file is complete; raise ``OSError`` (``EIO``) when it is not.

    ``kind`` is the target's suffix (``".npy"``, ``".npz"`` or ``".png"``; default
    ``tmp``'s own). Every file must be non-empty; the named kinds must also read back.

    Examples
    --------
    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "empty.png")
    >>> open(path, "wb").close()
    >>> verify_written(path)
    Traceback (most recent call last):
    ...
    OSError: [Errno 5] the written file is empty (0 bytes)
    """
    import numpy as np

    kind = (kind or Path(tmp).suffix).lower()
    size = os.stat(tmp).st_size
    if size == 0:
        raise OSError(errno.EIO, "the written file is empty (0 bytes)")
    try:
        if kind == ".npy":
            with open(tmp, "rb") as fh:
                version = np.lib.format.read_magic(fh)
                read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                        else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read(fh)
                expected = fh.tell() + int(np.prod(shape, dtype=object)) * dtype.itemsize
            if not dtype.hasobject and size != expected:
                raise ValueError(f"{size} bytes instead of {expected}")
        elif kind == ".npz":
            with zipfile.ZipFile(tmp) as archive:
                if not archive.namelist():
                    raise ValueError("no arrays")
        elif kind == ".png":
            with open(tmp, "rb") as fh:
                head = fh.read(8)
                fh.seek(max(0, size - 8))
                tail = fh.read(8)
            if head != _PNG_SIGNATURE or tail != _PNG_END:
                raise ValueError("not a complete PNG")
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, SyntaxError) as exc:
        if isinstance(exc, OSError) and exc.errno == errno.EIO:
            raise
        raise OSError(errno.EIO, f"the written file did not read back correctly ({exc})") \
            from None


def _user_error(exc, tmp, path):
    """``exc`` re-raised as an ``OSError`` that names ``path`` instead of the temporary file."""
    text = str(exc.strerror if isinstance(exc, OSError) and exc.strerror else exc)
    text = text.replace(str(tmp), str(path)).replace(Path(tmp).name, Path(path).name)
    if isinstance(exc, WriteError):
        return exc
    code = getattr(exc, "errno", None) or errno.EIO
    if code in (errno.ENOSPC, errno.EDQUOT):
        need = f", {text}" if text.startswith("not enough disk space") else ""
        text = f"the disk is full (no space left on the device{need})"
    return WriteError(code, f"could not write {path}: {text}")


def _prepare_target(path):
    path = Path(path)
    folder = _folder_of(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, f"{path} is a folder; give a file name")
    _sweep_once(folder)
    return path


def _finish(tmp, path, kind):
    if not os.path.exists(tmp):
        raise OSError(errno.EIO, "nothing was written")
    _fsync(tmp)
    verify_written(tmp, kind)
    os.chmod(tmp, new_file_mode(path))


@contextmanager
def atomic_path(path, suffix=None):
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on error it vanishes.

    ``suffix`` defaults to the target's own suffix, so writers that look at the extension (like
    ``np.save``, which appends ``.npy`` otherwise) behave. The written file is verified (see
    :func:`verify_written`) and given the user's permissions before the rename; an ``OSError``
    raised inside the block is re-raised naming ``path``.

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "a.npy")
    >>> with atomic_path(target) as tmp:
    ...     np.save(tmp, np.zeros(3))
    >>> np.load(target).shape
    (3,)
    """
    path = _prepare_target(path)
    tmp = temp_path_for(path, suffix or path.suffix or ".tmp")
    try:
        try:
            yield str(tmp)
            _finish(tmp, path, path.suffix)
            os.replace(tmp, path)
        except OSError as exc:
            raise _user_error(exc, tmp, path) from None
    finally:
        if os.path.lexists(tmp):
            _remove(tmp)
        _forget(tmp)


@contextmanager
def atomic_paths(paths, suffix=None):
    """Several files that belong together: all are replaced, or none is.

    Yields one temporary path per target. When the block ends normally every file is verified,
    then the targets are replaced one by one; if a rename fails, the targets already replaced
    get their old content back. A failure raises :class:`PartialWriteError` whose message says
    exactly which files were and were not written.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> targets = [os.path.join(folder, n) for n in ("a.txt", "b.txt")]
    >>> with atomic_paths(targets) as temps:
    ...     for tmp in temps:
    ...         _ = open(tmp, "w").write("x")
    >>> sorted(os.listdir(folder))
    ['a.txt', 'b.txt']
    """
    paths = [_prepare_target(p) for p in paths]
    temps = [temp_path_for(p, suffix or p.suffix or ".tmp") for p in paths]
    try:
        try:
            yield [str(t) for t in temps]
            for tmp, path in zip(temps, paths):
                try:
                    _finish(tmp, path, path.suffix)
                except OSError as exc:
                    raise _user_error(exc, tmp, path) from None
        except OSError as exc:
            names = ", ".join(p.name for p in paths)
            raise PartialWriteError(exc.errno or errno.EIO,
                                    f"{exc}; nothing was written ({names} kept as they were)",
                                    written=(), not_written=paths) from None
        commit_renames(list(zip(temps, paths)))
    finally:
        for tmp in temps:
            if os.path.lexists(tmp):
                _remove(tmp)
            _forget(tmp)


def commit_renames(pairs):
    """Rename each ``(temporary, target)`` pair; on failure put back what was replaced.

    Raises :class:`PartialWriteError` naming what was and was not written.
    """
    done = []
    backups = []
    try:
        for tmp, target in pairs:
            backup = None
            if os.path.lexists(target):
                backup = temp_path_for(target, ".bak")
                try:
                    os.link(target, backup)
                    backups.append(backup)
                except OSError:
                    backup = None
            os.replace(tmp, target)
            done.append((Path(target), backup))
    except OSError as exc:
        failed_target = Path(pairs[len(done)][1])
        kept_new = []
        for target, backup in reversed(done):
            try:
                if backup is not None:
                    os.replace(backup, target)
                else:
                    kept_new.append(target)
            except OSError:
                kept_new.append(target)
        reason = exc.strerror or str(exc)
        written = [t for t in (t for t, _ in done) if t in kept_new]
        not_written = [Path(t) for _, t in pairs if Path(t) not in written]
        if written:
            message = (f"could not write {failed_target}: {reason}; written: "
                       f"{', '.join(str(t) for t in written)}; not written: "
                       f"{', '.join(str(t) for t in not_written)}")
        else:
            message = (f"could not write {failed_target}: {reason}; nothing was written (the "
                       "files that existed keep their old content)")
        raise PartialWriteError(exc.errno or errno.EIO, message, written, not_written) from None
    finally:
        for backup in backups:
            _remove(backup)


@contextmanager
def atomic_folder(folder):
    """Yield a temporary folder beside ``folder``; it becomes ``folder`` when the block succeeds.

    For a new ``folder`` the temporary one is renamed into place. The caller moves files into an
    existing folder itself (see :func:`commit_renames`). On error the temporary folder vanishes.
    """
    folder = Path(folder)
    parent = _folder_of(folder)
    _sweep_once(parent)
    temp = temp_path_for(folder, "")
    os.mkdir(temp)
    try:
        yield temp
    finally:
        if os.path.lexists(temp):
            _remove(temp)
        _forget(temp)


def preallocate(fd, size, name="the file"):
    """Reserve ``size`` bytes of disk for the open file ``fd`` (``posix_fallocate`` or zeros).

    A memory-mapped file whose blocks are not reserved crashes the process with ``SIGBUS`` when
    the disk fills up while it is written; reserving them first turns that into this function's
    ``OSError`` (``ENOSPC``), raised before any work is done. Without ``posix_fallocate``
    support, zeros are written after the file's current end (what it holds is kept).
    """
    size = int(size)
    fallocate = getattr(os, "posix_fallocate", None)
    if fallocate is not None:
        try:
            fallocate(fd, 0, size)
            return
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                raise OSError(exc.errno, f"not enough disk space for {name} "
                                         f"({size / 2**20:.1f} MB needed)") from None
            if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                raise
    block = bytes(1 << 20)
    try:
        offset = os.fstat(fd).st_size
        while offset < size:
            count = min(len(block), size - offset)
            written = os.pwrite(fd, block[:count], offset)
            if written <= 0:
                raise OSError(errno.ENOSPC, "short write")
            offset += written
        os.fsync(fd)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise OSError(exc.errno, f"not enough disk space for {name} "
                                     f"({size / 2**20:.1f} MB needed)") from None
        raise


def atomic_write_bytes(path, data):
    """Write ``data`` to ``path`` atomically.

    Examples
    --------
    >>> import tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> atomic_write_bytes(target, b"hello")
    >>> open(target, "rb").read()
    b'hello'
    """
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)


def atomic_write_text(path, text, encoding="utf-8"):
    """Write ``text`` to ``path`` atomically."""
    atomic_write_bytes(path, text.encode(encoding))
