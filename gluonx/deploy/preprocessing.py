"""Image preprocessing recorded in an export manifest, and applied by :class:`gluonx.Predictor`.

A manifest's ``preprocessing`` says how a picture becomes the model's first input::

    {"layout": "NCHW", "scale": 0.00392156862745098, "mean": [0.1307], "std": [0.3081]}

``x = (pixels * scale - mean) / std``, per channel, with pixels in 0-255, resized to the input's height
and width, converted to gray or RGB by the input's channel count, then put in ``layout`` with a batch
axis. The same recipe is written at export time and read at deployment, so the two cannot drift apart.
"""
import os

import numpy as np

__all__ = ["PREPROCESSING_KEYS", "IMAGE_SUFFIXES", "validate_preprocessing", "load_image", "preprocess_image"]

PREPROCESSING_KEYS = ("layout", "scale", "mean", "std")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def _channels(shape, layout):
    return shape[1] if layout == "NCHW" else shape[3]


def validate_preprocessing(preprocessing, input_shape):
    """Check and normalize a preprocessing dict for a first input of shape ``input_shape``.

    Returns
    -------
    dict or None
        With ``mean``/``std`` as lists of floats and ``scale`` as a float.

    Raises
    ------
    ValueError
        For unknown keys, a layout other than ``NCHW``/``NHWC``, a non 4-D input, or ``mean``/``std``
        whose length is neither 1 nor the channel count.
    """
    if preprocessing is None:
        return None
    preprocessing = dict(preprocessing)
    unknown = set(preprocessing) - set(PREPROCESSING_KEYS)
    if unknown:
        raise ValueError("preprocessing: unknown keys {}; expected some of {}".format(
            sorted(unknown), list(PREPROCESSING_KEYS)))
    layout = preprocessing.get("layout")
    if layout not in (None, "NCHW", "NHWC"):
        raise ValueError("preprocessing: layout must be 'NCHW' or 'NHWC', got {!r}".format(layout))
    if layout is not None and len(input_shape) != 4:
        raise ValueError("preprocessing: layout {} needs a 4-D first input, got shape {}".format(
            layout, tuple(input_shape)))
    channels = _channels(input_shape, layout) if layout else None
    for key in ("mean", "std"):
        value = preprocessing.get(key)
        if value is None:
            continue
        value = [float(v) for v in np.atleast_1d(value)]
        if channels is not None and len(value) not in (1, channels):
            raise ValueError("preprocessing: {} has {} values for {} channels".format(key, len(value), channels))
        if key == "std" and any(v == 0 for v in value):
            raise ValueError("preprocessing: std must not contain 0")
        preprocessing[key] = value
    if preprocessing.get("scale") is not None:
        preprocessing["scale"] = float(preprocessing["scale"])
    return preprocessing


def load_image(path, channels):
    """Read an image file as an ``H x W x channels`` uint8 array (``channels`` 1: gray, 3: RGB).

    Uses Pillow when installed, else MXNet's OpenCV-based ``mx.image.imread``.
    """
    if channels not in (1, 3):
        raise ValueError("images can be read with 1 or 3 channels, the model expects {}".format(channels))
    if not os.path.isfile(path):
        raise ValueError("image {} does not exist".format(path))
    try:
        from PIL import Image
    except ImportError:
        import mxnet as mx
        return mx.image.imread(path, flag=0 if channels == 1 else 1).asnumpy()
    try:
        with Image.open(path) as image:
            array = np.asarray(image.convert("L" if channels == 1 else "RGB"))
    except OSError as err:
        raise ValueError("cannot read image {}: {}".format(path, err)) from None
    return array[:, :, None] if channels == 1 else array


def _resize(pixels, height, width):
    if pixels.shape[:2] == (height, width):
        return pixels
    try:
        from PIL import Image
    except ImportError:
        import mxnet as mx
        return mx.image.imresize(mx.nd.array(pixels, dtype="uint8"), width, height).asnumpy()
    mode = "L" if pixels.shape[2] == 1 else "RGB"
    image = Image.fromarray(pixels[:, :, 0] if mode == "L" else pixels, mode=mode)
    resized = np.asarray(image.resize((width, height), Image.BILINEAR))
    return resized[:, :, None] if mode == "L" else resized


def preprocess_image(image, input_spec, preprocessing):
    """Turn an image (file path or ``H x W [x C]`` array of 0-255 values) into a batch of one.

    Parameters
    ----------
    image : str or numpy.ndarray
    input_spec : dict
        The manifest record of the first input (its ``shape`` and ``dtype``).
    preprocessing : dict
        The manifest's preprocessing, with a ``layout``.

    Returns
    -------
    numpy.ndarray
        Shape ``(1, C, H, W)`` or ``(1, H, W, C)``, in the input's dtype.
    """
    if not preprocessing or not preprocessing.get("layout"):
        raise ValueError("this export records no image preprocessing (layout, scale, mean, std); pass arrays "
                         "instead, or export with preprocessing={'layout': 'NCHW', 'scale': 1/255, ...}")
    layout = preprocessing["layout"]
    shape = input_spec["shape"]
    channels = _channels(shape, layout)
    height, width = (shape[2], shape[3]) if layout == "NCHW" else (shape[1], shape[2])
    if isinstance(image, (str, os.PathLike)):
        pixels = load_image(os.fspath(image), channels)
    else:
        pixels = np.asarray(image)
        if pixels.ndim == 2:
            pixels = pixels[:, :, None]
        if pixels.ndim != 3 or pixels.shape[2] not in (1, 3):
            raise ValueError("an image array must be H x W or H x W x 1/3, got shape {}".format(pixels.shape))
        if pixels.shape[2] != channels:
            pixels = pixels.mean(axis=2, keepdims=True) if channels == 1 else np.repeat(pixels, 3, axis=2)
        pixels = np.clip(pixels, 0, 255).astype(np.uint8)
    values = _resize(pixels, height, width).astype(np.float32)
    values *= preprocessing.get("scale") or 1.0
    if preprocessing.get("mean") is not None:
        values -= np.asarray(preprocessing["mean"], dtype=np.float32)
    if preprocessing.get("std") is not None:
        values /= np.asarray(preprocessing["std"], dtype=np.float32)
    if layout == "NCHW":
        values = values.transpose(2, 0, 1)
    return values[None].astype(input_spec["dtype"])
