"""Colour jitter: brightness, contrast, saturation and hue (D2L 9.1.2 "changing colors").

Brightness, contrast and saturation are PIL's ``ImageEnhance`` blends (the image blended with black, with
the mean grey level, and with its own grey image; grey is ITU-R 601-2 luma, PIL's ``"L"``); hue rotates the
HSV hue channel, as ``colorsys``/OpenCV define HSV. Boxes and masks are unchanged.
"""
import numpy as np

from gluonx._validate import check_finite
from ._backend import ops_for
from .pipeline import SampleError, Transform

__all__ = ["ColorJitter", "adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_hue", "grey"]

_LUMA = (0.299, 0.587, 0.114)


def grey(x):
    """ITU-R 601-2 luma of an ``(H, W, 3)`` float array, ``(H, W)``."""
    ops = ops_for(x)
    return sum(ops.channel(x, i) * w for i, w in enumerate(_LUMA))


def adjust_brightness(x, factor):
    """``factor * x`` (PIL ``ImageEnhance.Brightness``)."""
    return x * factor


def adjust_contrast(x, factor):
    """Blend with the mean grey level (PIL ``ImageEnhance.Contrast``)."""
    ops = ops_for(x)
    mean = ops.mean(grey(x)) if ops.shape(x)[-1] == 3 else ops.mean(x)
    return (x - mean) * factor + mean


def adjust_saturation(x, factor):
    """Blend with the grey image (PIL ``ImageEnhance.Color``)."""
    g = ops_for(x).expand_last(grey(x))
    return (x - g) * factor + g


def _select(ops, sector, values):
    """Per pixel, ``values[k]`` where ``k <= sector < k + 1`` (six sectors of the hue circle)."""
    out = values[5]
    for k in range(4, -1, -1):
        out = ops.where(sector < k + 1, values[k], out)
    return out


def adjust_hue(x, shift):
    """Rotate the hue by ``shift`` turns (``0.5`` = 180 degrees) in HSV, keeping saturation and value."""
    ops = ops_for(x)
    r, g, b = (ops.channel(x, i) for i in range(3))
    value = ops.max_channel(x)
    delta = value - ops.min_channel(x)
    safe = ops.maximum(delta, 1e-12)
    rc, gc, bc = (value - r) / safe, (value - g) / safe, (value - b) / safe
    hue = ops.where(value == r, bc - gc, ops.where(value == g, rc - bc + 2.0, gc - rc + 4.0)) / 6.0 + shift
    hue = hue - ops.floor(hue)
    saturation = delta / ops.maximum(value, 1e-12)
    hue6 = hue * 6.0
    hue6 = ops.where(hue6 >= 6.0, hue6 - 6.0, hue6)
    sector = ops.floor(hue6)
    frac = hue6 - sector
    p = value * (1.0 - saturation)
    q = value * (1.0 - saturation * frac)
    t = value * (1.0 - saturation * (1.0 - frac))
    red = _select(ops, sector, (value, q, p, p, t, value))
    green = _select(ops, sector, (t, value, value, q, p, p))
    blue = _select(ops, sector, (p, p, t, value, value, q))
    return ops.stack_channels([red, green, blue])


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
        x = ops.working(image)
        for i in order:
            x = ops.clip(steps[i][3](x, factors[i]), 0.0, top)
        sample["image"] = ops.cast_like(x, dtype)
        return sample
