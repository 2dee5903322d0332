"""The one error type of the detection loaders, and the checks that raise it.

The error type, :func:`require_file` and :func:`read_image` live in the core (:mod:`gluonx.data.images`,
shared with the other image datasets); they are re-exported here under the names the loaders use.
"""
import numpy as np

from gluonx.data.images import DataFileError, read_image, require_file

__all__ = ["DetectionDataError", "check_box", "empty_label", "read_image", "require_file"]


#: A detection file is malformed; the one-line message starts with the file's path.
DetectionDataError = DataFileError


def check_box(path, where, box, width, height):
    """Raise :class:`DetectionDataError` unless ``0 <= xmin < xmax <= width`` and the same for y."""
    xmin, ymin, xmax, ymax = (float(v) for v in box)
    if not (np.isfinite([xmin, ymin, xmax, ymax]).all() and 0 <= xmin < xmax <= width
            and 0 <= ymin < ymax <= height):
        raise DetectionDataError("{}: {} box ({:g}, {:g}, {:g}, {:g}) is empty or outside the {:g}x{:g} image".format(
            path, where, xmin, ymin, xmax, ymax, float(width), float(height)))


def empty_label():
    """A ``(0, 6)`` float32 label."""
    return np.zeros((0, 6), dtype=np.float32)
