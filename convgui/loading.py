"""Opening whatever the user chose (dataset file, image, folder) with errors shown, not raised."""

from . import dialogs
from .image_io import ImageTooLarge, load_any

__all__ = ["DATA_FILTERS", "open_dataset"]

DATA_FILTERS = ("Datasets and images (*.npz *.npy *.gz *.idx *-ubyte *.png *.jpg *.jpeg *.bmp "
                "*.gif *.tif *.tiff data_batch_* test_batch);;"
                "NumPy (*.npz *.npy);;Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff);;"
                "All files (*)")


def open_dataset(parent, path, *, grayscale=False):
    """Read ``path`` into a Dataset, or show why not and return None.

    A photo above the size guard asks whether to downscale it; answering no cancels quietly.
    """
    try:
        return load_any(path, grayscale=grayscale)
    except ImageTooLarge as exc:
        question = f"{exc}.\n\nDownscale it to about {exc.max_pixels / 1e6:.0f} megapixels?"
        if not dialogs.ask_yes_no(parent, "Large image", question):
            return None
        try:
            return load_any(path, grayscale=grayscale, downscale=True)
        except (ValueError, OSError) as again:
            dialogs.show_error(parent, "Could not open the file", str(again))
            return None
    except (ValueError, OSError, TypeError) as exc:
        dialogs.show_error(parent, "Could not open the file",
                           f"{exc}\n\nThe current dataset is still open.")
        return None
