"""Reading image files, with errors that name the file: shared by every image dataset loader.

A loader calls :func:`require_file` before opening anything and :func:`read_image` to decode, so a missing
file raises :class:`FileNotFoundError` and a corrupt one :class:`DataFileError`, each one line starting
with the path (the ``gluonx`` command line prints it as is).
"""
import os

import numpy as np

__all__ = ["DataFileError", "read_image", "require_file"]


class DataFileError(ValueError):
    """A data file is malformed; the one-line message starts with the file's path."""


def require_file(path, what):
    """Raise :class:`FileNotFoundError` naming ``path`` (described as ``what``) unless it is a file."""
    if not os.path.isfile(path):
        raise FileNotFoundError("{}: {} not found".format(path, what))
    return path


def read_image(path):
    """``(H, W, 3)`` uint8 RGB array of an image file (needs Pillow); a missing or undecodable file
    names the path."""
    require_file(path, "image")
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"))
    except (UnidentifiedImageError, OSError) as err:
        raise DataFileError("{}: cannot decode the image ({})".format(path, err)) from None
