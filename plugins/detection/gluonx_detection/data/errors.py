"""The one error type of the detection loaders, and the checks that raise it."""
import os

import numpy as np

__all__ = ["DetectionDataError", "check_box", "empty_label", "read_image", "require_file"]


class DetectionDataError(ValueError):
    """A detection file is malformed; the one-line message starts with the file's path."""


def require_file(path, what):
    """Raise :class:`FileNotFoundError` naming ``path`` (described as ``what``) unless it is a file."""
    if not os.path.isfile(path):
        raise FileNotFoundError("{}: {} not found".format(path, what))
    return path


def check_box(path, where, box, width, height):
    """Raise :class:`DetectionDataError` unless ``0 <= xmin < xmax <= width`` and the same for y."""
    xmin, ymin, xmax, ymax = (float(v) for v in box)
    if not (np.isfinite([xmin, ymin, xmax, ymax]).all() and 0 <= xmin < xmax <= width
            and 0 <= ymin < ymax <= height):
        raise DetectionDataError("{}: {} box ({:g}, {:g}, {:g}, {:g}) is empty or outside the {:g}x{:g} image".format(
            path, where, xmin, ymin, xmax, ymax, float(width), float(height)))


def read_image(path):
    """``(H, W, 3)`` uint8 RGB array of an image file; a missing or undecodable file names the path."""
    require_file(path, "image")
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))
    except (UnidentifiedImageError, OSError) as err:
        raise DetectionDataError("{}: cannot decode the image ({})".format(path, err)) from None


def empty_label():
    """A ``(0, 6)`` float32 label."""
    return np.zeros((0, 6), dtype=np.float32)
