"""VGG: stages of VGG blocks (3x3 convolutions, then a 2x2 max pool) and two wide dense layers.

References
----------
D2L 5.7 (networks using repeated elements, VGG).
"""
from mxnet.gluon import nn

from .._signature import forwards_kwargs
from ..nn.conv_blocks import ImageClassifier, apply_preset, check_positive_int, check_rate
from ..nn.vgg_block import VGGBlock

__all__ = ["DEFAULT_PRESET", "VGG", "vgg11", "VGG_STAGES", "PRESETS"]

#: ``(num_convs, channels)`` of each stage, from Simonyan & Zisserman (2015); the book builds VGG-11.
VGG_STAGES = {
    "vgg11": ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512)),
    "vgg13": ((2, 64), (2, 128), (2, 256), (2, 512), (2, 512)),
    "vgg16": ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512)),
    "vgg19": ((2, 64), (2, 128), (4, 256), (4, 512), (4, 512)),
}

#: The book trains a 4x narrower VGG-11 on Fashion-MNIST upscaled to 224x224 (D2L 5.7.3).
PRESETS = {
    "fashion_mnist": {"input_shape": (1, 224, 224), "num_classes": 10, "width_divisor": 4},
    "cifar10": {"input_shape": (3, 32, 32), "num_classes": 10},
    "imagenet": {"input_shape": (3, 224, 224), "num_classes": 1000},
}

#: The preset the factory's defaults reproduce when ``preset`` is None (same layers and classes;
#: input channels are inferred on the first call instead of fixed).
DEFAULT_PRESET = "cifar10"


class VGG(ImageClassifier):
    """VGG blocks, then Dense(hidden) - dropout - Dense(hidden) - dropout - Dense(num_classes).

    Each stage halves height and width, so the input must be at least ``2 ** len(stages)`` pixels; the
    first dense layer flattens the feature map, so its size is fixed by the first input.

    Parameters
    ----------
    stages : sequence of (int, int)
        ``(num_convs, channels)`` per stage, e.g. ``VGG_STAGES['vgg11']``.
    num_classes : int
        Number of classes.
    in_channels : int
        Input channels; 0 infers them on the first call.
    width_divisor : int
        Divide every stage's channels by this (the book uses 4 to train on a CPU).
    batch_norm : bool
        Batch normalization after every convolution (model zoo's ``vgg*_bn``).
    hidden_units : int
        Width of the two hidden dense layers.
    dropout : float
        Dropout rate after each hidden dense layer.

    Examples
    --------
    >>> import mxnet as mx
    >>> net = VGG(VGG_STAGES["vgg11"], width_divisor=8, hidden_units=64)
    >>> net.initialize()
    >>> net(mx.nd.ones((1, 3, 32, 32))).shape
    (1, 10)

    References
    ----------
    D2L 5.7.2 (VGG network).
    """

    def __init__(self, stages, num_classes=10, in_channels=0, width_divisor=1, batch_norm=False,
                 hidden_units=4096, dropout=0.5, **kwargs):
        super().__init__(**kwargs)
        num_classes = check_positive_int("VGG", "num_classes", num_classes)
        in_channels = check_positive_int("VGG", "in_channels", in_channels, allow_zero=True)
        width_divisor = check_positive_int("VGG", "width_divisor", width_divisor)
        hidden_units = check_positive_int("VGG", "hidden_units", hidden_units)
        dropout = check_rate("VGG", "dropout", dropout)
        if not stages:
            raise ValueError("VGG: stages must list (num_convs, channels) pairs, got {!r}".format(stages))
        self._expected_channels = in_channels
        self.min_input_size = 2 ** len(stages)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            previous = in_channels
            for num_convs, channels in stages:
                channels = check_positive_int("VGG", "stage channels / width_divisor",
                                              channels // width_divisor)
                self.features.add(VGGBlock(num_convs, channels, batch_norm=batch_norm, in_channels=previous))
                previous = channels
            dense_inputs = 0  # the flattened feature map: fixed by the first input
            for _ in range(2):
                self.features.add(nn.Dense(hidden_units, activation="relu", in_units=dense_inputs),
                                  nn.Dropout(dropout))
                dense_inputs = hidden_units
            self.output = nn.Dense(num_classes, in_units=hidden_units)


@forwards_kwargs(VGG)
def vgg11(preset=None, **kwargs):
    """VGG-11 (uninitialized), with the same layers as ``mx.gluon.model_zoo.vision.vgg11``; see :class:`VGG`.

    Parameters
    ----------
    preset : str, optional
        A row of :data:`PRESETS`; explicit keyword arguments win.

    Examples
    --------
    >>> net = vgg11(preset="fashion_mnist")   # the book's 4x narrower VGG-11
    """
    return VGG(VGG_STAGES["vgg11"], **apply_preset("vgg11", PRESETS, preset, kwargs))
