"""Image preprocessing recorded in an export manifest, and applied by :class:`gluonx.Predictor`.

A manifest's ``preprocessing`` says how a picture becomes the model's first input::

    {"layout": "NCHW", "scale": 0.00392156862745098, "mean": [0.1307], "std": [0.3081],
     "resize": "letterbox", "channel_order": "RGB", "pad_value": 0}

The picture is read as gray or RGB by the input's channel count (``channel_order: "BGR"`` reverses the
channels, as OpenCV-trained models expect), resized to the input's height H and width W, then
``x = (pixels * scale - mean) / std`` per channel with pixels in 0-255, put in ``layout`` with a batch axis.
``resize`` says how a picture of any size fits:

- ``"stretch"`` (default): to exactly H x W, ignoring the aspect ratio;
- ``"letterbox"``: scaled by ``min(H/h, W/w)`` keeping the aspect ratio, centred and padded to H x W
  with ``pad_value`` (0-255 units);
- ``"keep-aspect"``: scaled by ``min(H/h, W/w)`` keeping the aspect ratio, not padded: the input's
  height and width must be dynamic axes;
- ``"none"``: fed at its own size: the height and width must be dynamic axes.

:func:`prepare_image` also returns the *transform* from original pixels to model pixels
(``model = original * scale + offset`` per axis), which :mod:`gluonx.deploy.postprocessing` inverts to
put boxes and masks back on the original picture. The same recipe is written at export time and read at
deployment, so the two cannot drift apart.
"""
import os

import numpy as np

__all__ = ["PREPROCESSING_KEYS", "RESIZE_MODES", "IMAGE_SUFFIXES", "validate_preprocessing", "check_resize",
           "load_image", "prepare_image", "preprocess_image", "image_axes"]

PREPROCESSING_KEYS = ("layout", "scale", "mean", "std", "resize", "channel_order", "pad_value")
RESIZE_MODES = ("stretch", "letterbox", "keep-aspect", "none")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def _channels(shape, layout):
    return shape[1] if layout == "NCHW" else shape[3]


def image_axes(layout):
    """The (height, width) axes of a 4-D input in ``layout``."""
    return (2, 3) if layout == "NCHW" else (1, 2)


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
    if preprocessing.get("resize") not in (None,) + RESIZE_MODES:
        raise ValueError("preprocessing: resize must be one of {}, got {!r}".format(
            list(RESIZE_MODES), preprocessing.get("resize")))
    if preprocessing.get("channel_order") not in (None, "RGB", "BGR"):
        raise ValueError("preprocessing: channel_order must be 'RGB' or 'BGR', got {!r}".format(
            preprocessing.get("channel_order")))
    if preprocessing.get("pad_value") is not None:
        preprocessing["pad_value"] = float(preprocessing["pad_value"])
    return preprocessing


def check_resize(preprocessing, input_record):
    """Refuse a ``resize`` that needs dynamic height and width when the exported input has fixed ones.

    ``input_record`` is the manifest record of the first input (with its final ``dynamic_axes``).
    """
    mode = preprocessing.get("resize")
    if mode in ("keep-aspect", "none") and preprocessing.get("layout"):
        needed = set(image_axes(preprocessing["layout"]))
        if not needed <= set(input_record.get("dynamic_axes", [])):
            raise ValueError("preprocessing: resize {!r} feeds images of other sizes, but the exported input has a "
                             "fixed height and width (shape {}, dynamic axes {}); declare them dynamic "
                             "(InputSpec dynamic_axes / --dynamic-axis) or use resize 'letterbox' or 'stretch'"
                             .format(mode, input_record["shape"], input_record.get("dynamic_axes", [])))
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
        resized = mx.image.imresize(mx.nd.array(pixels, dtype="uint8"), width, height).asnumpy()
        return resized.reshape(height, width, pixels.shape[2])
    mode = "L" if pixels.shape[2] == 1 else "RGB"
    image = Image.fromarray(pixels[:, :, 0] if mode == "L" else pixels, mode=mode)
    resized = np.asarray(image.resize((width, height), Image.BILINEAR))
    return resized[:, :, None] if mode == "L" else resized


def _as_pixels(image, channels):
    if isinstance(image, (str, os.PathLike)):
        return load_image(os.fspath(image), channels)
    pixels = np.asarray(image)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    if pixels.ndim != 3 or pixels.shape[2] not in (1, 3) or 0 in pixels.shape:
        raise ValueError("an image array must be H x W or H x W x 1/3 and not empty, got shape {}".format(
            pixels.shape))
    if pixels.shape[2] != channels:
        pixels = pixels.mean(axis=2, keepdims=True) if channels == 1 else np.repeat(pixels, 3, axis=2)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def _fit(pixels, mode, height, width, pad_value):
    """Resize ``pixels`` as ``mode`` says; returns the model-sized pixels and the transform."""
    h, w = pixels.shape[:2]
    if mode == "none":
        return pixels, (1.0, 1.0), (0.0, 0.0)
    if mode == "stretch":
        return _resize(pixels, height, width), (height / h, width / w), (0.0, 0.0)
    ratio = min(height / h, width / w)
    new_h, new_w = max(1, int(round(h * ratio))), max(1, int(round(w * ratio)))
    resized = _resize(pixels, new_h, new_w)
    scale = (new_h / h, new_w / w)
    if mode == "keep-aspect":
        return resized, scale, (0.0, 0.0)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    canvas = np.full((height, width, pixels.shape[2]), pad_value, dtype=np.float32)
    canvas[top:top + new_h, left:left + new_w] = resized
    return canvas, scale, (float(top), float(left))


def prepare_image(image, input_spec, preprocessing):
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
    batch : numpy.ndarray
        Shape ``(1, C, H, W)`` or ``(1, H, W, C)``, in the input's dtype.
    transform : dict
        ``original_size`` (h, w) of the picture, ``input_size`` (H, W) fed to the model, and per axis
        (y, x) the ``scale`` and ``offset`` with ``model pixel = original pixel * scale + offset``.
    """
    if not preprocessing or not preprocessing.get("layout"):
        raise ValueError("this export records no image preprocessing (layout, scale, mean, std); pass arrays "
                         "instead, or export with preprocessing={'layout': 'NCHW', 'scale': 1/255, ...}")
    layout = preprocessing["layout"]
    shape = input_spec["shape"]
    channels = _channels(shape, layout)
    height_axis, width_axis = image_axes(layout)
    height, width = shape[height_axis], shape[width_axis]
    pixels = _as_pixels(image, channels)
    if preprocessing.get("channel_order") == "BGR":
        pixels = pixels[:, :, ::-1]
    mode = preprocessing.get("resize") or "stretch"
    fitted, scale, offset = _fit(pixels, mode, height, width, preprocessing.get("pad_value") or 0.0)
    values = fitted.astype(np.float32)
    values *= preprocessing.get("scale") or 1.0
    if preprocessing.get("mean") is not None:
        values -= np.asarray(preprocessing["mean"], dtype=np.float32)
    if preprocessing.get("std") is not None:
        values /= np.asarray(preprocessing["std"], dtype=np.float32)
    if layout == "NCHW":
        values = values.transpose(2, 0, 1)
    transform = {"original_size": [int(pixels.shape[0]), int(pixels.shape[1])],
                 "input_size": [int(fitted.shape[0]), int(fitted.shape[1])],
                 "scale": [float(scale[0]), float(scale[1])], "offset": [offset[0], offset[1]], "resize": mode}
    return values[None].astype(input_spec["dtype"]), transform


def preprocess_image(image, input_spec, preprocessing):
    """The batch of :func:`prepare_image` alone."""
    return prepare_image(image, input_spec, preprocessing)[0]
