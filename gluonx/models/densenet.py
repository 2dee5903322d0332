"""DenseNet: a stem, dense blocks separated by transition layers, batch norm, ReLU, global average
pooling and one dense layer.

References
----------
D2L 5.12 (densely connected networks, DenseNet).
"""
from mxnet.gluon import nn

from .._signature import forwards_kwargs
from ..nn.conv_blocks import (ImageClassifier, apply_preset, check_channels, check_positive_int,
                              check_rate, smallest_input_size)
from ..nn.dense_block import DenseBlock, TransitionBlock

__all__ = ["DEFAULT_PRESET", "DenseNet", "densenet121", "densenet_d2l", "DENSENET_CONFIGS", "PRESETS"]

#: ``densenet121`` is DenseNet-BC-121 (Huang et al. 2017, model zoo's ``densenet121``); ``densenet_d2l``
#: is the book's smaller network: four blocks of four plain layers.
DENSENET_CONFIGS = {
    "densenet121": {"stage_layers": (6, 12, 24, 16), "growth_rate": 32, "bottleneck_width": 4},
    "densenet_d2l": {"stage_layers": (4, 4, 4, 4), "growth_rate": 32, "bottleneck_width": 0},
}

#: The book trains its DenseNet on Fashion-MNIST upscaled to 96x96 (D2L 5.12.4).
PRESETS = {
    "fashion_mnist": {"input_shape": (1, 96, 96), "num_classes": 10},
    "cifar10": {"input_shape": (3, 32, 32), "num_classes": 10},
    "imagenet": {"input_shape": (3, 224, 224), "num_classes": 1000},
}

#: The preset the factory's defaults reproduce when ``preset`` is None (same layers and classes;
#: input channels are inferred on the first call instead of fixed).
DEFAULT_PRESET = "fashion_mnist"


class DenseNet(ImageClassifier):
    """Stem (7x7/2 conv, batch norm, ReLU, 3x3/2 max pool), dense blocks with transitions that halve the
    channels and the size, then batch norm, ReLU, global average pooling and a dense layer.

    Parameters
    ----------
    stage_layers : sequence of int
        Layers per dense block.
    growth_rate : int
        Channels added by each layer.
    bottleneck_width : int
        0 for the book's plain layers; 4 for DenseNet-BC's 1x1 bottlenecks.
    stem_channels : int
        Output channels of the stem.
    dropout : float
        Dropout rate inside the dense layers.
    num_classes : int
        Number of classes.
    in_channels : int
        Input channels; 0 infers them on the first call.

    Examples
    --------
    >>> import mxnet as mx
    >>> net = DenseNet(stage_layers=(2, 2), growth_rate=8, stem_channels=16)
    >>> net.initialize()
    >>> net(mx.nd.ones((2, 3, 32, 32))).shape
    (2, 10)

    References
    ----------
    D2L 5.12.3 (DenseNet model).
    """

    def __init__(self, stage_layers, growth_rate=32, bottleneck_width=4, stem_channels=64, dropout=0.0,
                 num_classes=10, in_channels=0, **kwargs):
        super().__init__(**kwargs)
        stage_layers = check_channels("DenseNet", "stage_layers", stage_layers)
        growth_rate = check_positive_int("DenseNet", "growth_rate", growth_rate)
        stem_channels = check_positive_int("DenseNet", "stem_channels", stem_channels)
        dropout = check_rate("DenseNet", "dropout", dropout)
        num_classes = check_positive_int("DenseNet", "num_classes", num_classes)
        in_channels = check_positive_int("DenseNet", "in_channels", in_channels, allow_zero=True)
        self._expected_channels = in_channels
        self.min_input_size = smallest_input_size(
            [(7, 2, 3), (3, 2, 1)] + [(2, 2, 0)] * (len(stage_layers) - 1))  # the transitions' pools
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            self.features.add(nn.Conv2D(stem_channels, 7, 2, 3, use_bias=False, in_channels=in_channels),
                              nn.BatchNorm(in_channels=stem_channels), nn.Activation("relu"),
                              nn.MaxPool2D(pool_size=3, strides=2, padding=1))
            channels = stem_channels
            for index, num_layers in enumerate(stage_layers):
                block = DenseBlock(num_layers, growth_rate, bottleneck_width, dropout, in_channels=channels)
                self.features.add(block)
                channels = block.out_channels
                if index < len(stage_layers) - 1:
                    self.features.add(TransitionBlock(channels // 2, in_channels=channels))
                    channels //= 2
            self.features.add(nn.BatchNorm(in_channels=channels), nn.Activation("relu"), nn.GlobalAvgPool2D())
            self.output = nn.Dense(num_classes, in_units=channels)


def _create(name, preset, kwargs):
    settings = dict(DENSENET_CONFIGS[name])
    settings.update(apply_preset(name, PRESETS, preset, kwargs))
    return DenseNet(**settings)


@forwards_kwargs(DenseNet)
def densenet121(preset=None, **kwargs):
    """DenseNet-BC-121 (uninitialized), with the layers of ``mx.gluon.model_zoo.vision.densenet121``
    (global instead of 7x7 average pooling, so any input of at least 29x29 works).

    Parameters
    ----------
    preset : str, optional
        A row of :data:`PRESETS`; explicit keyword arguments win.

    Examples
    --------
    >>> net = densenet121(preset="cifar10")
    """
    return _create("densenet121", preset, kwargs)


@forwards_kwargs(DenseNet)
def densenet_d2l(preset=None, **kwargs):
    """The book's DenseNet (uninitialized): four dense blocks of four BN-ReLU-conv3x3 layers, growth 32;
    see :func:`densenet121`."""
    return _create("densenet_d2l", preset, kwargs)
