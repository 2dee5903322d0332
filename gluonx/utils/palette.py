"""The Pascal VOC colour map: class ``i`` -> RGB, and masks drawn in it (D2L 9.9.1's ``VOC_COLORMAP``).

Used by the segmentation plugin and by ``gluonx predict``, which writes a segmenter's class-id mask as a
palette PNG in these colours (the format of VOC's ``SegmentationClass`` files).
"""
import numpy as np

__all__ = ["voc_palette", "colorize", "save_palette_png"]


def voc_palette(num_colors=256):
    """``(num_colors, 3)`` uint8 colours of the VOC devkit: the bits of the class id are spread over the high
    bits of R, G and B (class 1 is (128, 0, 0), class 15 'person' (192, 128, 128), 255 (224, 224, 192))."""
    ids = np.arange(num_colors)
    palette = np.zeros((num_colors, 3), dtype=np.int64)
    for bit in range(8):
        for channel in range(3):
            palette[:, channel] |= ((ids >> (3 * bit + channel)) & 1) << (7 - bit)
    return palette.astype(np.uint8)


def colorize(mask, image=None, alpha=0.5):
    """An ``(H, W, 3)`` uint8 picture of a class-id mask in VOC colours; with ``image``, blended over it
    (``alpha`` = weight of the mask's colours; the background, class 0, keeps the image)."""
    mask = np.asarray(mask).astype(np.int64)
    colours = voc_palette()[np.clip(mask, 0, 255)]
    if image is None:
        return colours
    image = np.asarray(image, dtype=np.float64)
    weight = np.where(mask[..., None] == 0, 0.0, float(alpha))
    return np.round(image * (1 - weight) + colours * weight).astype(np.uint8)


def save_palette_png(path, mask):
    """Write a class-id ``mask`` (H, W), ids 0..255, as a palette PNG in VOC colours, atomically: the pixel
    values are the class ids (as VOC's ``SegmentationClass`` files), the palette only shows them."""
    from PIL import Image

    from .atomic import atomic_write
    mask = np.asarray(mask)
    if mask.ndim != 2 or mask.size and (mask.min() < 0 or mask.max() > 255):
        raise ValueError("a palette mask needs an (H, W) array of class ids 0..255, got shape {}".format(mask.shape))
    image = Image.fromarray(mask.astype(np.uint8), mode="P")
    image.putpalette(voc_palette().reshape(-1).tolist())
    with atomic_write(path, "wb") as handle:
        image.save(handle, format="PNG")
    return path
