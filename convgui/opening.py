"""Where a dataset comes from, and the one way to open it again.

A :class:`DatasetOrigin` is a bundled sample (by name) or a file or folder (by path), with the
array of the file that is shown (``key``). The window opens samples, files and other arrays of
the same file through :meth:`DatasetOrigin.load`; the session remembers the origin as a plain
dict (:meth:`DatasetOrigin.to_dict`) and reopens it the same way.

Examples
--------
>>> origin = DatasetOrigin.sample("MNIST digits")
>>> DatasetOrigin.from_dict(origin.to_dict()) == origin
True
>>> origin.with_key("X_test").key
'X_test'
"""

from dataclasses import dataclass, replace

from core.datasets import load_dataset, load_sample

from .image_io import load_any

__all__ = ["DatasetOrigin"]


@dataclass(frozen=True)
class DatasetOrigin:
    """A bundled sample (``kind='sample'``, ``name``) or a file/folder (``kind='file'``,
    ``path``); ``key`` names the array of the file, None for its default one."""

    kind: str
    name: str = None
    path: str = None
    key: str = None

    def __post_init__(self):
        if self.kind == "sample" and not self.name:
            raise ValueError("a sample origin needs the sample's name")
        if self.kind == "file" and not self.path:
            raise ValueError("a file origin needs the file's path")
        if self.kind not in ("sample", "file"):
            raise ValueError(f"kind must be 'sample' or 'file', got {self.kind!r}")

    @classmethod
    def sample(cls, name, key=None):
        """The bundled sample ``name``."""
        return cls("sample", name=str(name), key=key)

    @classmethod
    def file(cls, path, key=None):
        """A dataset file, an image file or a folder of images at ``path``."""
        return cls("file", path=str(path), key=key)

    @classmethod
    def from_dict(cls, value):
        """The origin a :meth:`to_dict` dict (checked by :mod:`convgui.remembered`) describes."""
        if value.get("kind") == "sample":
            return cls.sample(value["name"], value.get("key"))
        return cls.file(value.get("path"), value.get("key"))

    def to_dict(self):
        """A JSON-ready dict: ``{"kind", "name" or "path", "key"}``."""
        where = {"name": self.name} if self.kind == "sample" else {"path": self.path}
        return {"kind": self.kind, **where, "key": self.key}

    def with_key(self, key):
        """The same source showing array ``key``."""
        return replace(self, key=key)

    def load(self, *, grayscale=False, downscale=False, resize_to=None):
        """Read the dataset (may take long for a large file: call it off the GUI thread).

        Raises what the readers raise (``ValueError``, ``OSError``, and for images
        :class:`convgui.image_io.ImageTooLarge` / ``MixedSizes``).
        """
        if self.kind == "sample":
            dataset = load_sample(self.name)
            if self.key and self.key != dataset.key:
                dataset = dataset.load_alternative(self.key)
                dataset.name = f"{self.name}: {self.key}"
            return dataset
        if self.key:
            return load_dataset(self.path, key=self.key)
        return load_any(self.path, grayscale=grayscale, downscale=downscale,
                        resize_to=resize_to)
