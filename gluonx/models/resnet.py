"""ResNet: a stem, four stages of residual blocks (each after the first halving height and width and
doubling channels), global average pooling and one dense layer.

References
----------
D2L 5.11 (residual networks, ResNet).
"""
from mxnet.gluon import nn

from .._signature import forwards_kwargs
from ..nn.conv_blocks import (ImageClassifier, apply_preset, check_channels, check_choice,
                              check_positive_int)
from ..nn.residual import BottleneckResidual, Residual

__all__ = ["DEFAULT_PRESET", "ResNet", "resnet18", "resnet34", "RESNET_CONFIGS", "PRESETS"]

#: Block type and blocks per stage (He et al. 2016); ResNet-18 is the book's.
RESNET_CONFIGS = {
    "resnet18": {"block": "basic", "layers": (2, 2, 2, 2)},
    "resnet34": {"block": "basic", "layers": (3, 4, 6, 3)},
}

#: The book trains ResNet-18 on Fashion-MNIST upscaled to 96x96 (D2L 5.11.3); its helper package's
#: ``d2lzh.resnet18``, used for CIFAR-10 and Fashion-MNIST in later chapters, swaps the 7x7 stem for
#: one 3x3 convolution without pooling.
PRESETS = {
    "fashion_mnist": {"input_shape": (1, 96, 96), "num_classes": 10},
    "cifar10": {"input_shape": (3, 32, 32), "num_classes": 10, "stem": "small"},
    "imagenet": {"input_shape": (3, 224, 224), "num_classes": 1000},
}

#: The preset the factory's defaults reproduce when ``preset`` is None (same layers and classes;
#: input channels are inferred on the first call instead of fixed).
DEFAULT_PRESET = "fashion_mnist"

_BLOCKS = {"basic": Residual, "bottleneck": BottleneckResidual}


class ResNet(ImageClassifier):
    """Stem, residual stages, global average pooling, dense.

    The ``'standard'`` stem is a 7x7 stride-2 convolution, batch norm, ReLU and a 3x3 stride-2 max pool
    (as in the book, which uses it for 96x96 Fashion-MNIST, and model zoo's ``resnet*_v1`` for ImageNet;
    ``'imagenet'`` is accepted as another name for it); the ``'small'`` stem is one 3x3 stride-1 convolution
    with batch norm and ReLU, for 32x32 images. A stage's first block projects the shortcut when the stride
    or the channels change. Global pooling makes the model accept any input size.

    Parameters
    ----------
    layers : sequence of int
        Residual blocks per stage.
    block : str
        ``'basic'`` (:class:`gluonx.nn.residual.Residual`) or ``'bottleneck'``
        (:class:`gluonx.nn.residual.BottleneckResidual`).
    channels : sequence of int, optional
        Output channels per stage; default 64, 128, 256, ... for basic blocks and four times that for
        bottleneck blocks.
    stem : str
        ``'standard'`` (alias ``'imagenet'``) or ``'small'``.
    stem_channels : int
        Output channels of the stem.
    num_classes : int
        Number of classes.
    in_channels : int
        Input channels; 0 infers them on the first call.

    Examples
    --------
    >>> import mxnet as mx
    >>> net = ResNet(layers=(1, 1), channels=(8, 16), stem_channels=8)
    >>> net.initialize()
    >>> net(mx.nd.ones((2, 3, 32, 32))).shape
    (2, 10)

    References
    ----------
    D2L 5.11.2 (ResNet model).
    """

    def __init__(self, layers, block="basic", channels=None, stem="standard", stem_channels=64,
                 num_classes=10, in_channels=0, **kwargs):
        super().__init__(**kwargs)
        layers = check_channels("ResNet", "layers", layers)
        check_choice("ResNet", "block", block, _BLOCKS)
        check_choice("ResNet", "stem", stem, ("standard", "imagenet", "small"))
        if channels is None:
            expansion = 4 if block == "bottleneck" else 1
            channels = [64 * expansion * 2 ** index for index in range(len(layers))]
        channels = check_channels("ResNet", "channels", channels, length=len(layers))
        stem_channels = check_positive_int("ResNet", "stem_channels", stem_channels)
        num_classes = check_positive_int("ResNet", "num_classes", num_classes)
        in_channels = check_positive_int("ResNet", "in_channels", in_channels, allow_zero=True)
        self._expected_channels = in_channels
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            self.features.add(*_stem(stem, stem_channels, in_channels))
            previous = stem_channels
            for index, (count, width) in enumerate(zip(layers, channels)):
                strides = 1 if index == 0 else 2  # the stem already pooled before the first stage
                self.features.add(_stage(_BLOCKS[block], count, width, strides, previous, index + 1))
                previous = width
            self.features.add(nn.GlobalAvgPool2D())
            self.output = nn.Dense(num_classes, in_units=previous)


def _stem(kind, channels, in_channels):
    convolution = (3, 1, 1) if kind == "small" else (7, 2, 3)  # small: keep 32x32 images' resolution
    layers = [nn.Conv2D(channels, *convolution, use_bias=False, in_channels=in_channels),
              nn.BatchNorm(in_channels=channels), nn.Activation("relu")]
    if kind != "small":
        layers.append(nn.MaxPool2D(pool_size=3, strides=2, padding=1))
    return layers


def _stage(block, count, channels, strides, in_channels, number):
    """``count`` blocks; the first applies ``strides`` and projects its shortcut if the shape changes."""
    stage = nn.HybridSequential(prefix="stage{}_".format(number))
    with stage.name_scope():
        for position in range(count):
            step = strides if position == 0 else 1
            stage.add(block(channels, step, use_projection=step != 1 or in_channels != channels,
                            in_channels=in_channels))
            in_channels = channels
    return stage


def _create(name, preset, kwargs):
    settings = dict(RESNET_CONFIGS[name])
    settings.update(apply_preset(name, PRESETS, preset, kwargs))
    return ResNet(**settings)


@forwards_kwargs(ResNet)
def resnet18(preset=None, **kwargs):
    """ResNet-18 (uninitialized), with the layers of ``mx.gluon.model_zoo.vision.resnet18_v1``.

    Parameters
    ----------
    preset : str, optional
        A row of :data:`PRESETS` (``'fashion_mnist'``, ``'cifar10'``, ``'imagenet'``); explicit keyword
        arguments win. None (the default) builds the book's ``'fashion_mnist'`` network (D2L 5.11: the
        7x7 stem with max pooling, 10 classes) with the input channels inferred; ``preset='imagenet'``
        gives model zoo's 1000 classes.

    Examples
    --------
    >>> net = resnet18(preset="cifar10")   # d2lzh.resnet18: 3x3 stem, no pooling
    """
    return _create("resnet18", preset, kwargs)


@forwards_kwargs(ResNet)
def resnet34(preset=None, **kwargs):
    """ResNet-34 (uninitialized), with the layers of ``mx.gluon.model_zoo.vision.resnet34_v1``; see
    :func:`resnet18`."""
    return _create("resnet34", preset, kwargs)
