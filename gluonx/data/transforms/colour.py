"""Colour jitter: brightness, contrast, saturation and hue (D2L 9.1.2 "changing colors").

Brightness, contrast and saturation are PIL's ``ImageEnhance`` blends (the image blended with black, with
the mean grey level, and with its own grey image; grey is ITU-R 601-2 luma, PIL's ``"L"``); hue rotates the
HSV hue channel, as ``colorsys``/OpenCV define HSV. Boxes and masks are unchanged.
"""
import numpy as np

from gluonx._validate import check_finite
from ._backend import is_ndarray, opencv, ops_for
from .pipeline import SampleError, Transform

__all__ = ["ColorJitter", "adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_hue", "hue_formula",
           "grey"]

_LUMA = (0.299, 0.587, 0.114)


def grey(x):
    """ITU-R 601-2 luma of an ``(H, W, 3)`` float array, ``(H, W)`` (OpenCV's ``RGB2GRAY`` uses the same
    weights and serves NumPy float32 images when installed; NDArrays take one matrix product)."""
    if is_ndarray(x):
        import mxnet as mx
        weights = mx.nd.array(np.array(_LUMA).reshape(3, 1), ctx=x.context, dtype=x.dtype)
        return mx.nd.dot(x.reshape((-1, 3)), weights).reshape(x.shape[:2])
    if x.dtype == np.float32 and opencv() is not None:
        return opencv().cvtColor(np.ascontiguousarray(x), opencv().COLOR_RGB2GRAY)
    return x[..., 0] * _LUMA[0] + x[..., 1] * _LUMA[1] + x[..., 2] * _LUMA[2]


def adjust_brightness(x, factor):
    """``factor * x`` (PIL ``ImageEnhance.Brightness``)."""
    return x * factor


def _fused_cpu(x):
    """Whether MXNet's fused image operators can serve ``x`` (a float32 ``(H, W, 3)`` NDArray on a CPU)."""
    return (is_ndarray(x) and x.context.device_type == "cpu" and x.dtype == np.float32 and x.ndim == 3
            and x.shape[-1] == 3)


def adjust_contrast(x, factor):
    """Blend with the mean grey level (PIL ``ImageEnhance.Contrast``).

    On CPU NDArrays, MXNet's ``image.random_contrast`` with both bounds at ``factor`` computes the same
    blend in one operator.
    """
    if _fused_cpu(x):
        import mxnet as mx
        return mx.nd.image.random_contrast(x, min_factor=factor, max_factor=factor)
    ops = ops_for(x)
    mean = ops.mean(grey(x)) if ops.shape(x)[-1] == 3 else ops.mean(x)
    return (x - mean) * factor + mean


def adjust_saturation(x, factor):
    """Blend with the grey image (PIL ``ImageEnhance.Color``).

    The blend is linear in each pixel's channels, ``rgb @ (factor * I + (1 - factor) * luma 1^T)``: RGB
    NDArrays take it as one matrix product, the 3x3 matrix made on the device by one ``linalg.gemm`` of
    cached bases with the factors as scalars (no host copy, which would wait for the engine; a matrix
    product of the whole image by gemm directly is slower: BLAS gemm with three columns).
    """
    if is_ndarray(x) and x.ndim == 3 and x.shape[-1] == 3 and x.dtype in (np.float32, np.float64):
        import mxnet as mx
        identity, grey_columns = _blend_bases(x.context, np.dtype(x.dtype))
        matrix = mx.nd.linalg.gemm(identity, identity, grey_columns, alpha=factor, beta=1.0 - factor)
        return mx.nd.dot(x.reshape((-1, 3)), matrix).reshape(x.shape)
    ops = ops_for(x)
    return x * factor + ops.expand_last(grey(x) * (1.0 - factor))


_BASES = {}


def _blend_bases(context, dtype):
    """``(I, luma 1^T)`` as 3x3 NDArrays on ``context``, made once per context."""
    key = (str(context), dtype.name)
    if key not in _BASES:
        import mxnet as mx
        luma = np.array(_LUMA).reshape(3, 1) * np.ones((1, 3))
        _BASES[key] = (mx.nd.array(np.eye(3), ctx=context, dtype=dtype), mx.nd.array(luma, ctx=context, dtype=dtype))
    return _BASES[key]


def adjust_hue(x, shift):
    """Rotate the hue by ``shift`` turns (``0.5`` = 180 degrees) in HSV, keeping saturation and value.

    NumPy float32 images go through OpenCV's HSV conversion when OpenCV is installed, float32 NDArrays on
    a CPU through MXNet's ``image.random_hue`` with both bounds at ``shift`` (modulo one turn), everything
    else through :func:`hue_formula`: the same result up to float rounding.
    """
    if _fused_cpu(x):
        import mxnet as mx
        turn = float(shift) % 1.0
        return mx.nd.image.random_hue(x, min_factor=turn, max_factor=turn)
    if not is_ndarray(x) and x.dtype == np.float32 and opencv() is not None:
        cv2 = opencv()
        hsv = cv2.cvtColor(np.ascontiguousarray(x), cv2.COLOR_RGB2HSV)
        hsv[..., 0] = np.mod(hsv[..., 0] + 360.0 * shift, 360.0)
        return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    return hue_formula(x, shift)


def hue_formula(x, shift):
    """:func:`adjust_hue` with array operations only (NumPy or ``mx.nd`` on the array's context).

    A hue rotation keeps each pixel's largest and smallest channel; with ``k = (n + 6 h) mod 6`` for
    ``n = 5, 3, 1`` (red, green, blue), each channel is ``max - (max - min) * clip(min(k, 4 - k), 0, 1)``,
    the closed form of HSV-to-RGB. Written per channel: MXNet's broadcasting and last-axis reductions
    are much slower on CPU than elementwise operators.
    """
    ops = ops_for(x)
    r, g, b = ops.split_channels(x)
    value = ops.maximum(ops.maximum(r, g), b)
    delta = value - ops.minimum(ops.minimum(r, g), b)
    safe = ops.maximum(delta, 1e-12)
    sector = ops.where(value == r, (g - b) / safe, ops.where(value == g, (b - r) / safe + 2.0, (r - g) / safe + 4.0))
    sector = sector + 6.0 * shift
    channels = []
    for offset in (5.0, 3.0, 1.0):
        turned = sector + offset
        turned = turned - ops.floor(turned / 6.0) * 6.0
        channels.append(value - delta * ops.clip(ops.minimum(turned, 4.0 - turned), 0.0, 1.0))
    return ops.stack_channels(channels)


def _factor_range(name, value, centre):
    if isinstance(value, (int, float, np.integer, np.floating)):
        value = check_finite(name, value)
        if value < 0:
            raise SampleError("{} must be non-negative, got {}".format(name, value))
        return (max(0.0, centre - value), centre + value) if centre else (-value, value)
    pair = tuple(check_finite(name, v) for v in value)
    if len(pair) != 2 or pair[0] > pair[1] or (centre and pair[0] < 0):
        raise SampleError("{} must be a number or a (low, high) pair{}, got {!r}".format(
            name, " of non-negative factors" if centre else "", value))
    return pair


class ColorJitter(Transform):
    """Random brightness, contrast, saturation and hue, applied in a random order (D2L 9.1.2).

    Parameters
    ----------
    brightness, contrast, saturation : float or (float, float)
        A number ``d`` draws the factor uniformly from ``[max(0, 1 - d), 1 + d]``; a pair gives the range.
        0 leaves that property alone.
    hue : float or (float, float)
        A number ``d`` in [0, 0.5] draws the hue rotation (in turns) from ``[-d, d]``.
    max_value : float, optional
        Largest pixel value, to which results are clipped: default 255 for integer images, 1.0 for float.

    Examples
    --------
    >>> import numpy as np
    >>> from gluonx.data.transforms import ColorJitter, sample_rng
    >>> image = np.full((2, 2, 3), 100, np.uint8)
    >>> ColorJitter(brightness=(1.5, 1.5))({"image": image}, sample_rng(0, 0, 0))["image"][0, 0].tolist()
    [150, 150, 150]
    """

    def __init__(self, brightness=0.0, contrast=0.0, saturation=0.0, hue=0.0, max_value=None):
        self.brightness = _factor_range("ColorJitter brightness", brightness, 1.0)
        self.contrast = _factor_range("ColorJitter contrast", contrast, 1.0)
        self.saturation = _factor_range("ColorJitter saturation", saturation, 1.0)
        self.hue = _factor_range("ColorJitter hue", hue, 0.0)
        if not -0.5 <= self.hue[0] <= self.hue[1] <= 0.5:
            raise SampleError("ColorJitter hue must lie in [-0.5, 0.5] turns, got {!r}".format(hue))
        self.max_value = None if max_value is None else check_finite("ColorJitter max_value", max_value)

    def _steps(self):
        steps = []
        for name, (low, high), neutral, fn in (("brightness", self.brightness, 1.0, adjust_brightness),
                                               ("contrast", self.contrast, 1.0, adjust_contrast),
                                               ("saturation", self.saturation, 1.0, adjust_saturation),
                                               ("hue", self.hue, 0.0, adjust_hue)):
            if (low, high) != (neutral, neutral):
                steps.append((name, low, high, fn))
        return steps

    def apply(self, sample, rng):
        steps = self._steps()
        if not steps:
            return sample
        order = rng.permutation(len(steps))
        factors = [rng.uniform(low, high) for _, low, high, _ in steps]
        image = sample["image"]
        ops = ops_for(image)
        dtype = ops.dtype(image)
        channels = ops.shape(image)[-1]
        if channels != 3 and any(steps[i][0] in ("saturation", "hue") for i in order):
            raise SampleError("ColorJitter: saturation and hue need an RGB image, got {} channels".format(channels))
        top = self.max_value
        if top is None:
            top = float(np.iinfo(dtype).max) if np.issubdtype(dtype, np.integer) else 1.0
        if is_ndarray(image) and dtype == np.uint8 and top == 255 and _uint8_codec(image.context) is not None:
            sample["image"] = _jitter_cpu_uint8(image, [(steps[i][0], steps[i][3], factors[i]) for i in order])
            return sample
        if is_ndarray(image) or dtype == np.float64:
            x = ops.working(image)
            # Every mx.nd operator is a pass over the image: skip the clips that cannot change anything. An
            # integer image at its full range starts inside [0, top]; from there a factor <= 1 blends towards
            # black, the mean grey or the grey image, and a hue rotation keeps each pixel's largest and
            # smallest channel, so the values stay inside (the final rounding absorbs float error).
            inside = np.issubdtype(dtype, np.integer) and top >= np.iinfo(dtype).max
            for i in order:
                x = steps[i][3](x, factors[i])
                if not (inside and (steps[i][0] == "hue" or factors[i] <= 1.0)):
                    x = ops.clip(x, 0.0, top)
                    inside = inside or np.issubdtype(dtype, np.integer)
            if is_ndarray(image) and np.issubdtype(dtype, np.integer) and top <= np.iinfo(dtype).max:
                # x lies in [0, top]: the cast truncates x + 0.5, i.e. rounds half up, in one operator less
                sample["image"] = (x + 0.5).astype(dtype)
            else:
                sample["image"] = ops.cast_like(x, dtype)
            return sample
        x = image.astype(np.float32)  # a private copy, so the NumPy steps can work in place
        for i in order:
            _IN_PLACE[steps[i][0]](x, factors[i])
            _clip_in_place(x, top)
        if np.issubdtype(dtype, np.integer):
            low, high = _integer_limits(dtype)
            if top > high:
                _clip_in_place(x, high)
            x += 0.5  # in [0.5, high + 0.5]: truncation below rounds half up
        sample["image"] = x.astype(dtype, copy=False)
        return sample


def _clip_in_place(x, top):
    """Clip to ``[0, top]``; OpenCV's thresholds are many times faster than ``np.clip`` on float32."""
    cv2 = opencv()
    if cv2 is None or x.ndim != 3 or x.shape[-1] > 4:
        np.clip(x, 0.0, top, out=x)
        return
    cv2.threshold(x, top, 0, cv2.THRESH_TRUNC, dst=x)
    cv2.threshold(x, 0, 0, cv2.THRESH_TOZERO, dst=x)


def _integer_limits(dtype):
    info = np.iinfo(dtype)
    return info.min, info.max


def _brightness_in_place(x, factor):
    x *= factor


def _contrast_in_place(x, factor):
    mean = float(grey(x).mean(dtype=np.float64)) if x.shape[-1] == 3 else float(x.mean(dtype=np.float64))
    x -= mean
    x *= factor
    x += mean


def _saturation_in_place(x, factor):
    g = grey(x)
    cv2 = opencv()
    # a contiguous (H, W, 3) grey image: NumPy broadcasts a trailing axis of one element slowly
    g = cv2.cvtColor(g, cv2.COLOR_GRAY2RGB) if cv2 is not None else np.repeat(g[..., None], 3, axis=-1)
    x -= g
    x *= factor
    x += g


def _hue_in_place(x, shift):
    x[...] = adjust_hue(x, shift)


# NumPy float32 versions of the four steps that reuse the image's buffer (same formulas as adjust_*)
_IN_PLACE = {"brightness": _brightness_in_place, "contrast": _contrast_in_place,
             "saturation": _saturation_in_place, "hue": _hue_in_place}


_CODECS = {}


def _uint8_codec(context):
    """``(to_float, to_uint8)`` for uint8 images on a CPU ``context``, or None elsewhere.

    MXNet's ``contrib.dequantize`` / ``contrib.quantize_v2`` convert uint8 <-> float32 with a range
    ``[0, R]`` as ``x * R / 255.5`` and ``clip(round(x * 255.5 / R), 0, 255)`` in one pass each (3x and 2x
    faster than ``astype`` and ``(x + 0.5).astype``), so with ``R = 255.5 / scale`` the final cast also
    multiplies by ``scale`` and clips. The constant 255.5 is MXNet's, not documented: both conversions are
    checked once per context against NumPy and unused if they disagree.
    """
    if context.device_type != "cpu":
        return None
    key = str(context)
    if key not in _CODECS:
        import mxnet as mx
        low, high = (mx.nd.array([value], ctx=context) for value in (0.0, 255.5))

        def to_float(image):
            return mx.nd.contrib.dequantize(image, low, high, out_type="float32")

        def to_uint8(x, scale):
            # two float32 steps below 255.5 / scale: the effective factor is a hair above `scale`, so exact
            # halves round up, and never exactly 1 (MXNet's quantize takes a 20x slower path at scale 1)
            limit = np.float32(255.5 / scale)
            limit = float(np.nextafter(np.nextafter(limit, np.float32(0)), np.float32(0)))
            return mx.nd.contrib.quantize_v2(x, min_calib_range=0.0, max_calib_range=limit, out_type="uint8")[0]

        _CODECS[key] = (to_float, to_uint8) if _codec_agrees(to_float, to_uint8, context) else None
    return _CODECS[key]


def _codec_agrees(to_float, to_uint8, context):
    import mxnet as mx
    levels = np.arange(256, dtype=np.uint8).reshape(16, 16, 1).repeat(3, axis=-1)
    if not np.array_equal(to_float(mx.nd.array(levels, ctx=context, dtype=np.uint8)).asnumpy(), levels):
        return False
    # clipping at both ends and rounding (exact halves up, as x + 0.5 truncated)
    probe = np.random.RandomState(0).uniform(-40.0, 300.0, (32, 32, 3)).astype(np.float32)
    probe[np.abs(probe * 1.5 - np.floor(probe * 1.5) - 0.5) < 1e-3] = 7.25
    probe[0, :, 0] = np.arange(32) + 200.5
    for scale in (1.0, 1.5):
        expected = np.clip(np.floor(probe.astype(np.float64) * scale + 0.5), 0, 255)
        if not np.array_equal(to_uint8(mx.nd.array(probe, ctx=context), scale).asnumpy(), expected):
            return False
    return True


def _jitter_cpu_uint8(image, steps):
    """:class:`ColorJitter`'s ``steps`` (``(name, function, factor)`` in order) on a uint8 CPU NDArray.

    Same results as clipping to [0, 255] after every step and rounding at the end, in fewer passes over
    the image: brightness costs no operator (contrast, saturation and hue are homogeneous, ``f(b x) = b
    f(x)``, so its factor is carried as a pending ``scale`` of the float image and applied by the final
    cast), a clip after a step that can leave the range waits until the next step needs its input (it
    becomes ``clip(x, 0, 255 / scale)``, or the final cast's own clip) and the float copy and the rounding
    cast are one operator each.
    """
    import mxnet as mx
    to_float, to_uint8 = _uint8_codec(image.context)
    x = to_float(image)
    scale = 1.0
    inside = True  # whether scale * x lies in [0, 255]
    for name, fn, factor in steps:
        if name == "brightness":
            if factor < 1.0 and not inside:
                # clip(b * clip(y)) = clip(b * y) holds for b >= 1 only: clip before shrinking
                x = mx.nd.clip(x, 0.0, 255.0 / scale)
                inside = True
            if factor == 0.0:
                x, scale = x * 0.0, 1.0
            else:
                scale *= factor
            inside = inside and factor <= 1.0
            continue
        if not inside:
            x = mx.nd.clip(x, 0.0, 255.0 / scale)
        x = fn(x, factor)
        # factors <= 1 blend towards black, mean grey or grey; a hue rotation keeps each pixel's extremes
        inside = name == "hue" or factor <= 1.0
    return to_uint8(x, scale)
