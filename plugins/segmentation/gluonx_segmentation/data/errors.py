"""The error type of the segmentation loaders and the mask reader; images are read by the core's
:func:`gluonx.data.images.read_image` (its :class:`~gluonx.data.images.DataFileError` is this error's base).

Masks are decoded with Pillow. A mask is a PNG of class ids: a palette PNG (mode ``P``, Pascal
VOC's, whose pixel values are the palette indices) or a grayscale one (mode ``L``); each pixel is a class id
in ``[0, num_classes)`` or 255 (not scored).
"""
import numpy as np

from gluonx.data.images import DataFileError, read_image, require_file

__all__ = ["SegmentationDataError", "require_file", "read_image", "read_mask"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class SegmentationDataError(DataFileError):
    """A segmentation file is malformed; the one-line message starts with the file's path."""


def read_mask(path, num_classes, size=None, ignore_label=255):
    """``(H, W)`` uint8 class ids of a mask PNG, checked.

    Parameters
    ----------
    path : str
        The PNG.
    num_classes : int
        Valid ids are ``0 .. num_classes - 1`` and ``ignore_label``.
    size : (int, int), optional
        The ``(height, width)`` the mask must have (its image's).

    Raises
    ------
    SegmentationDataError
        Not a PNG, not a palette/grayscale image, another size than its image, or unknown class values;
        the message names the file.
    """
    require_file(path, "mask")
    with open(path, "rb") as handle:
        if handle.read(8) != _PNG_SIGNATURE:
            raise SegmentationDataError("{}: a mask must be a PNG file (palette or grayscale class ids)".format(path))
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as image:
            mode = image.mode
            if mode not in ("P", "L"):
                raise SegmentationDataError("{}: a mask must be a palette (P) or grayscale (L) PNG of class ids, "
                                            "got mode {}".format(path, mode))
            mask = np.asarray(image)
    except (UnidentifiedImageError, OSError) as err:
        raise SegmentationDataError("{}: cannot decode the mask ({})".format(path, err)) from None
    if size is not None and mask.shape != tuple(size):
        raise SegmentationDataError("{}: mask is {}x{} but its image is {}x{} (width x height)".format(
            path, mask.shape[1], mask.shape[0], size[1], size[0]))
    values = np.unique(mask)
    unknown = values[(values >= num_classes) & (values != ignore_label)]
    if unknown.size:
        raise SegmentationDataError("{}: unknown class values {} (expected 0..{} or {} for 'ignore')".format(
            path, unknown[:5].tolist(), num_classes - 1, ignore_label))
    return mask.astype(np.uint8)
