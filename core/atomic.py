"""Write files so that a reader never sees half of one: temp file in the same folder, then rename."""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_text", "new_file_mode"]


def _current_umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Read once, at import: temporary files are created private (0600), and the finished file
# gets the permissions any new file of the user would (or keeps those of the file it replaces).
_UMASK = _current_umask()


def new_file_mode(folder=False):
    """The permission bits a new file (or ``folder``) of this user gets: 0o666 (0o777) less
    the umask. For temporary files and folders renamed into place, which start private."""
    return (0o777 if folder else 0o666) & ~_UMASK


def _final_mode(path):
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return new_file_mode()


@contextmanager
def atomic_path(path, suffix=None):
    """Yield a temporary path beside ``path``; on success it replaces ``path``, on error it vanishes.

    ``suffix`` defaults to the target's own suffix, so writers that look at the extension (like
    ``np.save``, which appends ``.npy`` otherwise) behave.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "a.npy")
    >>> with atomic_path(target) as tmp:
    ...     np.save(tmp, np.zeros(3))
    >>> np.load(target).shape
    (3,)
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OSError(f"folder does not exist: {folder}")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or path.suffix or ".tmp",
                               dir=folder)
    os.close(fd)
    try:
        yield tmp
        if os.path.isfile(tmp):
            os.chmod(tmp, _final_mode(path))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_bytes(path, data):
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def atomic_write_text(path, text, encoding="utf-8"):
    """Write ``text`` to ``path`` atomically."""
    atomic_write_bytes(path, text.encode(encoding))
