"""Shared pieces of the convolutional blocks and the classic CNNs: argument checks, the image-input
check, the smallest-input arithmetic and preset resolution.

The blocks themselves live one family per file (:mod:`gluonx.nn.vgg_block`, :mod:`gluonx.nn.nin_block`,
:mod:`gluonx.nn.inception`, :mod:`gluonx.nn.residual`, :mod:`gluonx.nn.dense_block`); the models in
:mod:`gluonx.models` are built from them.

References
----------
D2L 5.1-5.4 (convolution, padding and stride, channels, pooling).
"""
import numbers

import mxnet as mx

__all__ = ["ImageInputCheck", "ImageClassifier", "check_positive_int", "check_channels", "check_rate", "check_choice",
           "smallest_input_size", "apply_preset"]


def check_positive_int(owner, name, value, allow_zero=False):
    """Return ``value`` as an int, or raise ValueError naming ``owner``, ``name``, what was expected and got."""
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError("{}: {} must be an integer >= {}, got {!r}".format(owner, name, low, value))
    return int(value)


def check_channels(owner, name, values, length=None):
    """Validate a sequence of positive channel counts (of ``length`` items when given); returns a tuple."""
    if isinstance(values, numbers.Integral) or not hasattr(values, "__len__"):
        raise ValueError("{}: {} must be a sequence of positive integers, got {!r}".format(owner, name, values))
    if length is not None and len(values) != length:
        raise ValueError("{}: {} must have {} items, got {!r}".format(owner, name, length, values))
    if not len(values):
        raise ValueError("{}: {} must not be empty".format(owner, name))
    return tuple(check_positive_int(owner, name, v) for v in values)


def check_rate(owner, name, value):
    """A probability in ``[0, 1)`` such as a dropout rate."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError("{}: {} must be a number in [0, 1), got {!r}".format(owner, name, value))
    return float(value)


def check_choice(owner, name, value, choices):
    """``value`` if it is one of ``choices``, else a ValueError listing them."""
    if value not in choices:
        raise ValueError("{}: {} must be one of {}, got {!r}".format(owner, name, sorted(choices), value))
    return value


def smallest_input_size(windows):
    """Smallest height (or width) for which a chain of sliding windows still leaves one output pixel.

    Each window is ``(kernel, stride, padding)`` with MXNet's default ``'valid'`` (floor) rounding, for which
    an output of size ``m`` needs an input of at least ``(m - 1) * stride + kernel - 2 * padding``.

    Examples
    --------
    >>> smallest_input_size([(5, 1, 0), (2, 2, 0), (5, 1, 0), (2, 2, 0)])  # LeNet
    16
    """
    size = 1
    for kernel, stride, padding in reversed(list(windows)):
        size = max((size - 1) * stride + kernel - 2 * padding, 1)
    return size


def apply_preset(owner, presets, preset, kwargs):
    """Merge a preset's settings with explicit keyword arguments (explicit ones win).

    A preset is a row of a model module's ``PRESETS`` table: architecture arguments plus ``input_shape``
    ``(C, H, W)``, the input the book uses it with, which sets ``in_channels``.

    Raises
    ------
    ValueError
        For an unknown preset, listing the known ones.
    """
    if preset is None:
        return dict(kwargs)
    if preset not in presets:
        raise ValueError("{}: unknown preset {!r}; expected one of {}".format(owner, preset, sorted(presets)))
    settings = dict(presets[preset])
    settings["in_channels"] = settings.pop("input_shape")[0]
    settings.update(kwargs)
    return settings


class ImageInputCheck:
    """Mixin for HybridBlocks that take ``(batch, channels, height, width)`` images.

    It checks every NDArray input before the block runs, imperatively or hybridized, so that a wrong shape
    raises a ValueError naming the block, the expected and the received shape instead of an MXNetError from
    deep inside the graph. Symbols (export, hybridization) pass unchecked. Set ``self._expected_channels``
    (0: any) and ``self.min_input_size`` (smallest height and width) in ``__init__``.
    """

    _expected_channels = 0
    min_input_size = 1

    def forward(self, x, *args):
        if isinstance(x, mx.nd.NDArray):
            self._check_image(x.shape)
        return super().forward(x, *args)

    def _check_image(self, shape):
        name = type(self).__name__
        channels = self._expected_channels or "channels"
        expected = "(batch, {}, height, width)".format(channels)
        if len(shape) != 4:
            raise ValueError("{}: expected a 4-D input {}, got shape {}".format(name, expected, shape))
        if shape[0] == 0:
            raise ValueError("{}: got an empty batch, shape {}".format(name, shape))
        if self._expected_channels and shape[1] != self._expected_channels:
            raise ValueError("{}: expected input {} with {} channels, got shape {}".format(
                name, expected, self._expected_channels, shape))
        if min(shape[2:]) < self.min_input_size:
            raise ValueError("{}: height and width must be at least {}, got shape {}".format(
                name, self.min_input_size, shape))


class ImageClassifier(ImageInputCheck, mx.gluon.HybridBlock):
    """Base of the books' image classifiers: ``output(features(x))`` (timm's uniform ``features`` /
    ``output`` interface) with the input checks of :class:`ImageInputCheck`. Subclasses build
    ``self.features`` and ``self.output`` in ``__init__``.

    ``output_layer`` names the attribute holding the output layer, the one fine-tuning replaces for another
    number of classes (:func:`gluonx.models.finetune.replace_output`, D2L 9.2)."""

    output_layer = "output"

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))
