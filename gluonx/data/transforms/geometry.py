"""Geometric transforms of an image with its boxes and mask: resize, flips, rotation (D2L 9.1).

The image is interpolated bilinearly, the mask with the nearest pixel (class ids are never blended), and
the boxes are mapped through the same geometry. Pixel ``(row, col)`` covers ``[col, col + 1) x [row, row +
1)``, so its centre sits at ``col + 0.5``: the conventions of OpenCV's ``resize`` and ``warpAffine``, which
the tests use as references.
"""
import math

import numpy as np

from gluonx._validate import check_finite
from ._backend import is_ndarray, opencv, ops_for
from .pipeline import MASK_IGNORE, SampleError, Transform, host_boxes, with_boxes

__all__ = ["resize_bilinear", "bilinear_formula", "resize_nearest", "Resize", "RandomHorizontalFlip", "RandomVerticalFlip",
           "RandomRotation", "check_probability", "check_size", "make_canvas"]


def check_probability(name, p):
    """Return ``p`` as a float in [0, 1] or raise ``ValueError`` naming ``name``."""
    p = check_finite(name, p)
    if not 0 <= p <= 1:
        raise SampleError("{} must be a probability in [0, 1], got {}".format(name, p))
    return p


def check_size(name, size):
    """``size`` (an int, or a ``(height, width)`` pair) as a pair of positive ints."""
    pair = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and v > 0 for v in pair):
        raise SampleError("{} must be a positive int or a (height, width) pair of them, got {!r}".format(name, size))
    return int(pair[0]), int(pair[1])


def _taps(source, target, align_corners):
    """Source indices and weights of a linear resize of one axis from ``source`` to ``target`` samples."""
    if align_corners:
        position = np.linspace(0, source - 1, target)
    else:
        # OpenCV's half-pixel centres: output centre i + 0.5 maps to input (i + 0.5) * scale
        position = np.clip((np.arange(target) + 0.5) * (source / target) - 0.5, 0, source - 1)
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, source - 1)
    return low, high, position - low


def resize_bilinear(image, size, align_corners=False):
    """Bilinear resize of the first two axes of ``image`` (``(H, W)`` or ``(H, W, ...)``) to ``size``.

    Parameters
    ----------
    image : numpy.ndarray or mxnet.nd.NDArray
        Any dtype; an NDArray is resized with ``mx.nd`` operators on its own context.
    size : (int, int)
        Output ``(height, width)``.
    align_corners : bool
        False (default): half-pixel centres, as ``cv2.resize(..., interpolation=cv2.INTER_LINEAR)``;
        True: the corner pixels of input and output coincide (``linspace(0, H - 1, height)``).

    Returns
    -------
    The resized array, of ``image``'s type and dtype (integers rounded half up and clipped).

    Notes
    -----
    With half-pixel centres, uint8 and float32 images take a fast path: ``cv2.resize`` for NumPy arrays
    (when OpenCV is installed) and ``mx.nd.image.resize`` for ``(H, W, C)`` NDArrays; both round uint8
    results with OpenCV's fixed-point weights, at most one grey level from :func:`bilinear_formula`, which
    serves every other case.

    References
    ----------
    D2L 9.1 (image augmentation), D2L 13.10 (bilinear interpolation).
    """
    height, width = check_size("resize_bilinear size", size)
    ops = ops_for(image)
    shape = ops.shape(image)
    if len(shape) < 2:
        raise SampleError("resize_bilinear: expected an (H, W, ...) array, got shape {}".format(shape))
    if shape[:2] == (height, width):
        return image
    if not align_corners and ops.dtype(image) in (np.uint8, np.float32) and len(shape) in (2, 3):
        if is_ndarray(image) and len(shape) == 3:
            return ops.nd.image.resize(image, size=(width, height), interp=1)
        cv2 = opencv()
        if cv2 is not None and not is_ndarray(image) and (len(shape) == 2 or shape[2] <= 512):
            out = cv2.resize(np.ascontiguousarray(image), (width, height), interpolation=cv2.INTER_LINEAR)
            return out.reshape((height, width) + tuple(shape[2:]))
    return bilinear_formula(image, size, align_corners)


def bilinear_formula(image, size, align_corners=False):
    """:func:`resize_bilinear` written with array operations only (NumPy, or ``mx.nd`` on any context)."""
    height, width = check_size("resize_bilinear size", size)
    ops = ops_for(image)
    shape = ops.shape(image)
    x = ops.working(image)
    dtype = ops.dtype(x)
    trailing = (1,) * (len(shape) - 2)
    r0, r1, fr = _taps(shape[0], height, align_corners)
    c0, c1, fc = _taps(shape[1], width, align_corners)
    fr = ops.constant(fr.reshape((height, 1) + trailing), dtype)
    fc = ops.constant(fc.reshape((1, width) + trailing), dtype)
    top, bottom = ops.take(x, r0, 0), ops.take(x, r1, 0)
    # columns first, then rows: the order gluonx.data.digits has always used, so its images stay bit-equal
    top = ops.take(top, c0, 1) * (1 - fc) + ops.take(top, c1, 1) * fc
    bottom = ops.take(bottom, c0, 1) * (1 - fc) + ops.take(bottom, c1, 1) * fc
    return ops.cast_like(top * (1 - fr) + bottom * fr, ops.dtype(image))


def resize_nearest(image, size):
    """Nearest-pixel resize of the first two axes: output pixel ``i`` reads input ``floor((i + 0.5) * H / h)``
    (half-pixel centres, as PIL's ``NEAREST`` away from exact ties)."""
    height, width = check_size("resize_nearest size", size)
    ops = ops_for(image)
    shape = ops.shape(image)
    if shape[:2] == (height, width):
        return image
    # floor((i + 0.5) * source / target) in integers, so exact ties round the same way on every machine
    rows = np.minimum((2 * np.arange(height) + 1) * shape[0] // (2 * height), shape[0] - 1)
    cols = np.minimum((2 * np.arange(width) + 1) * shape[1] // (2 * width), shape[1] - 1)
    return ops.take(ops.take(image, rows, 0), cols, 1)


def make_canvas(ops, shape, fill, dtype):
    """A ``shape`` array of ``dtype`` filled with ``fill`` (a scalar, or one value per channel)."""
    fill = np.asarray(fill, dtype=np.float64)
    if fill.ndim == 0:
        return ops.full(shape, float(fill), dtype)
    if fill.shape != (shape[-1],):
        raise SampleError("fill has {} values but the image has {} channels".format(fill.size, shape[-1]))
    # one filled row copied down the rows: broadcasting a 3-element axis over the whole image is far slower
    row = np.empty(shape[1:], dtype=dtype)
    row[...] = fill
    return ops.repeat_row(row, shape[0])


class Resize(Transform):
    """Resize image (bilinear), mask (nearest) and boxes to ``size``.

    Parameters
    ----------
    size : int or (int, int)
        Output side, or ``(height, width)``.

    Examples
    --------
    >>> import numpy as np
    >>> from gluonx.data.transforms import Resize, sample_rng
    >>> out = Resize((50, 100))({"image": np.zeros((100, 100, 3), np.uint8),
    ...                          "boxes": np.array([[10., 10., 30., 40.]])}, sample_rng(0, 0, 0))
    >>> out["boxes"].tolist()
    [[10.0, 5.0, 30.0, 20.0]]
    """

    def __init__(self, size):
        self.size = check_size("Resize size", size)

    def apply(self, sample, rng):
        height, width = ops_for(sample["image"]).shape(sample["image"])[:2]
        sample["image"] = resize_bilinear(sample["image"], self.size)
        if sample.get("mask") is not None:
            sample["mask"] = resize_nearest(sample["mask"], self.size)
        boxes = host_boxes(sample)
        if boxes is not None:
            scale = np.array([self.size[1] / width, self.size[0] / height] * 2)
            sample = with_boxes(sample, sample, boxes * scale)
        return sample


def flip_sample(sample, axis):
    """The sample mirrored left-right (``axis=1``) or top-bottom (``axis=0``)."""
    ops = ops_for(sample["image"])
    extent = ops.shape(sample["image"])[axis]
    sample["image"] = ops.flip(sample["image"], axis)
    if sample.get("mask") is not None:
        sample["mask"] = ops_for(sample["mask"]).flip(sample["mask"], axis)
    boxes = host_boxes(sample)
    if boxes is not None:
        low, high = (1, 3) if axis == 0 else (0, 2)
        flipped = boxes.copy()
        flipped[:, low], flipped[:, high] = extent - boxes[:, high], extent - boxes[:, low]
        sample = with_boxes(sample, sample, flipped)
    return sample


class RandomHorizontalFlip(Transform):
    """Mirror left-right with probability ``p`` (D2L 9.1.2)."""

    def __init__(self, p=0.5):
        self.p = check_probability("RandomHorizontalFlip p", p)

    def apply(self, sample, rng):
        return flip_sample(sample, 1) if rng.uniform() < self.p else sample


class RandomVerticalFlip(Transform):
    """Mirror top-bottom with probability ``p`` (D2L 9.1.2)."""

    def __init__(self, p=0.5):
        self.p = check_probability("RandomVerticalFlip p", p)

    def apply(self, sample, rng):
        return flip_sample(sample, 0) if rng.uniform() < self.p else sample


def _sample_grid(image, src_x, src_y, fill, nearest):
    """``image`` read at the (centre-coordinate) points ``src_x``, ``src_y``; points outside read ``fill``.

    The image is framed by one pixel of ``fill`` and the points are clipped into the frame, so a point
    beyond the border blends with (bilinear) or takes (nearest) the fill, as ``cv2.BORDER_CONSTANT`` does.
    """
    ops = ops_for(image)
    shape = ops.shape(image)
    squeeze = len(shape) == 2
    if squeeze:
        image = ops.expand_last(image)
        shape = shape + (1,)
    height, width, channels = shape
    framed = ops.paste(make_canvas(ops, (height + 2, width + 2, channels), fill, ops.dtype(image)), image, 1, 1)
    flat = ops.reshape(ops.working(framed), ((height + 2) * (width + 2), channels))
    x = ops.clip(src_x + 1, 0, width + 1)
    y = ops.clip(src_y + 1, 0, height + 1)
    out_shape = ops.shape(src_x)
    if nearest:
        index = ops.floor(ops.clip(y + 0.5, 0, height + 1)) * (width + 2) + ops.floor(ops.clip(x + 0.5, 0, width + 1))
        out = ops.take(flat, ops.reshape(index, (-1,)), 0)
    else:
        x0, y0 = ops.floor(x), ops.floor(y)
        x1, y1 = ops.clip(x0 + 1, 0, width + 1), ops.clip(y0 + 1, 0, height + 1)
        fx, fy = ops.reshape(x - x0, (-1, 1)), ops.reshape(y - y0, (-1, 1))

        def read(yy, xx):
            return ops.take(flat, ops.reshape(yy * (width + 2) + xx, (-1,)), 0)

        out = (read(y0, x0) * (1 - fx) + read(y0, x1) * fx) * (1 - fy) + (read(y1, x0) * (1 - fx) + read(y1, x1) * fx) * fy
    out = ops.cast_like(ops.reshape(out, tuple(out_shape) + (channels,)), ops.dtype(image))
    return ops.reshape(out, tuple(out_shape)) if squeeze else out


def _keep_centres_inside(boxes, width, height):
    centre_x, centre_y = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    return (centre_x > 0) & (centre_x < width) & (centre_y > 0) & (centre_y < height)


def rotate_sample(sample, degrees, fill=0):
    """The sample rotated counter-clockwise by ``degrees`` about the image centre, keeping its size.

    Image bilinear and mask nearest (uncovered pixels: ``fill`` and 255), each box replaced by the
    enclosing box of its rotated corners clipped to the image; boxes whose centre leaves the image drop.
    """
    ops = ops_for(sample["image"])
    height, width = ops.shape(sample["image"])[:2]
    cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    # inverse map (output -> input) of OpenCV's getRotationMatrix2D about the centre ((W-1)/2, (H-1)/2)
    centre_x, centre_y = (width - 1) / 2.0, (height - 1) / 2.0
    dx = ops.reshape(ops.arange(width), (1, width)) - centre_x
    dy = ops.reshape(ops.arange(height), (height, 1)) - centre_y
    src_x = dx * cos - dy * sin + centre_x
    src_y = dx * sin + dy * cos + centre_y
    sample["image"] = _sample_grid(sample["image"], src_x, src_y, fill, nearest=False)
    if sample.get("mask") is not None:
        mask = sample["mask"]
        mask_ops = ops_for(mask)
        if type(mask_ops) is not type(ops):
            raise SampleError("RandomRotation: image and mask must both be NumPy arrays or both NDArrays")
        sample["mask"] = _sample_grid(mask, src_x, src_y, MASK_IGNORE, nearest=True)
    boxes = host_boxes(sample)
    if boxes is not None:
        corners_x = boxes[:, [0, 2, 2, 0]] - width / 2.0
        corners_y = boxes[:, [1, 1, 3, 3]] - height / 2.0
        new_x = cos * corners_x + sin * corners_y + width / 2.0
        new_y = -sin * corners_x + cos * corners_y + height / 2.0
        rotated = np.stack([new_x.min(1), new_y.min(1), new_x.max(1), new_y.max(1)], axis=1)
        keep = _keep_centres_inside(rotated, width, height)
        rotated = np.clip(rotated[keep], 0, [width, height, width, height])
        sample = with_boxes(sample, sample, rotated, keep)
    return sample


class RandomRotation(Transform):
    """Rotate by an angle drawn uniformly from ``degrees`` (D2L 9.1).

    Parameters
    ----------
    degrees : float or (float, float)
        Range of the counter-clockwise angle in degrees; a single number ``d`` means ``(-d, d)``.
    fill : float or sequence of float
        Value of the image pixels the rotation uncovers (mask pixels uncovered become 255, ignored).
    p : float
        Probability of rotating at all.
    """

    def __init__(self, degrees, fill=0, p=1.0):
        if isinstance(degrees, (int, float, np.integer, np.floating)):
            degrees = (-abs(float(degrees)), abs(float(degrees)))
        degrees = tuple(check_finite("RandomRotation degrees", d) for d in degrees)
        if len(degrees) != 2 or degrees[0] > degrees[1]:
            raise SampleError("RandomRotation degrees must be a number or a (low, high) pair, got {!r}".format(degrees))
        self.degrees, self.fill, self.p = degrees, fill, check_probability("RandomRotation p", p)

    def apply(self, sample, rng):
        if rng.uniform() >= self.p:
            return sample
        return rotate_sample(sample, rng.uniform(*self.degrees), self.fill)
