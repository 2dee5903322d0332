"""Sample grids: a batch of generated images tiled into one picture (``gluonx predict --samples`` on a generator
export, and the generative plugin's sample handler).

An output of kind ``image`` (manifest postprocessing ``{"kind": "image", "noise": "normal", "image_shape":
[C, H, W], "clip": false}``) holds images with values in [0, 1], ``N x C x H x W`` or ``N x D`` with
``image_shape`` saying how a row is shaped; its model's single input is noise of the distribution named by
``noise`` (``normal``: independent standard normal entries), which :func:`draw_noise` draws.
"""
import numpy as np

__all__ = ["NOISE_KINDS", "draw_noise", "as_images", "image_grid", "save_image_grid"]

NOISE_KINDS = ("normal",)


def draw_noise(shape, count, noise="normal", seed=0):
    """``count`` rows of noise for an input of example ``shape`` (batch axis first), float32."""
    if noise not in NOISE_KINDS:
        raise ValueError("unknown noise {!r}; known: {}".format(noise, ", ".join(NOISE_KINDS)))
    rng = np.random.RandomState(seed)
    return rng.standard_normal((int(count),) + tuple(shape[1:])).astype(np.float32)


def as_images(values, image_shape=None):
    """``values`` as ``N x C x H x W`` float images: rows of a 2-D array are shaped by ``image_shape``, or
    into the square they fill (one channel)."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 4:
        return values
    if values.ndim == 3:
        return values[:, None]
    if values.ndim == 2:
        if image_shape is None:
            side = int(round(np.sqrt(values.shape[1])))
            if side * side != values.shape[1]:
                raise ValueError("cannot lay out rows of {} values as images: give image_shape".format(values.shape[1]))
            image_shape = (1, side, side)
        return values.reshape((len(values),) + tuple(image_shape))
    raise ValueError("expected images N x C x H x W, N x H x W or N x D, got shape {}".format(values.shape))


def image_grid(images, columns=None, padding=1, image_shape=None):
    """Tile images with values in [0, 1] (clipped) into one ``uint8`` picture, ``H x W`` (1 channel) or
    ``H x W x 3``, ``columns`` per row (default: a square), ``padding`` pixels of white between them."""
    images = np.clip(as_images(images, image_shape), 0, 1)
    count, channels, height, width = images.shape
    if channels not in (1, 3) or not count:
        raise ValueError("image_grid expects 1 or 3 channels and at least one image, got shape {}".format(images.shape))
    columns = int(columns or int(np.ceil(np.sqrt(count))))
    rows = int(np.ceil(count / columns))
    grid = np.ones((channels, rows * (height + padding) + padding, columns * (width + padding) + padding))
    for index in range(count):
        top, left = padding + (index // columns) * (height + padding), padding + (index % columns) * (width + padding)
        grid[:, top:top + height, left:left + width] = images[index]
    grid = np.round(grid * 255).astype(np.uint8)
    return grid[0] if channels == 1 else grid.transpose(1, 2, 0)


def save_image_grid(path, images, columns=None, padding=1, image_shape=None, scale=1):
    """Write :func:`image_grid` as a PNG atomically, each pixel enlarged ``scale`` times; returns ``path``."""
    from PIL import Image
    from ..utils.atomic import atomic_write
    grid = image_grid(images, columns, padding, image_shape)
    picture = Image.fromarray(grid)
    if scale > 1:
        picture = picture.resize((picture.width * int(scale), picture.height * int(scale)), Image.NEAREST)
    with atomic_write(path, "wb") as handle:
        picture.save(handle, format="PNG")
    return path
