"""AlexNet: five convolutions (an 11x11 stride-4 stem), three max pools and two wide dense layers with
dropout.

References
----------
D2L 5.6 (deep convolutional neural networks, AlexNet).
"""
from mxnet.gluon import nn

from .._signature import forwards_kwargs
from ..nn.conv_blocks import (ImageClassifier, apply_preset, check_channels, check_choice,
                              check_positive_int, check_rate, smallest_input_size)

__all__ = ["DEFAULT_PRESET", "AlexNet", "alexnet", "ALEXNET_VARIANTS", "PRESETS"]

#: Layer widths: the book's one-tower version of Krizhevsky et al. (2012), and the "one weird trick"
#: version (Krizhevsky 2014) of gluon's model zoo and torchvision, which the zoo-parity test reproduces.
ALEXNET_VARIANTS = {
    "d2l": {"channels": (96, 256, 384, 384, 256), "stem_padding": 0},
    "model_zoo": {"channels": (64, 192, 384, 256, 256), "stem_padding": 2},
}

#: The inputs the book uses (Fashion-MNIST upscaled to 224x224, D2L 5.6.3) and ImageNet's.
PRESETS = {
    "fashion_mnist": {"input_shape": (1, 224, 224), "num_classes": 10},
    "imagenet": {"input_shape": (3, 224, 224), "num_classes": 1000},
}

#: The preset the factory's defaults reproduce when ``preset`` is None (same layers and classes;
#: input channels are inferred on the first call instead of fixed).
DEFAULT_PRESET = "fashion_mnist"


class AlexNet(ImageClassifier):
    """Conv 11x11/4 - pool - conv 5x5 - pool - 3 x conv 3x3 - pool - 2 x (dense + dropout) - dense.

    Every convolution and hidden dense layer uses ReLU; pools are 3x3 with stride 2. The first dense layer
    flattens the feature map, so its size is fixed by the first input (the smallest accepted input is
    67x67 for the book's widths).

    Parameters
    ----------
    num_classes : int
        Number of classes.
    in_channels : int
        Input channels; 0 infers them on the first call.
    channels : sequence of 5 int
        Output channels of the five convolutions.
    stem_padding : int
        Padding of the 11x11 stem convolution.
    hidden_units : int
        Width of the two hidden dense layers.
    dropout : float
        Dropout rate after each hidden dense layer.

    Examples
    --------
    >>> import mxnet as mx
    >>> net = AlexNet(num_classes=10, hidden_units=256)
    >>> net.initialize()
    >>> net(mx.nd.ones((1, 1, 67, 67))).shape
    (1, 10)

    References
    ----------
    D2L 5.6.2 (AlexNet).
    """

    def __init__(self, num_classes=10, in_channels=0, channels=(96, 256, 384, 384, 256), stem_padding=0,
                 hidden_units=4096, dropout=0.5, **kwargs):
        super().__init__(**kwargs)
        num_classes = check_positive_int("AlexNet", "num_classes", num_classes)
        in_channels = check_positive_int("AlexNet", "in_channels", in_channels, allow_zero=True)
        channels = check_channels("AlexNet", "channels", channels, length=5)
        stem_padding = check_positive_int("AlexNet", "stem_padding", stem_padding, allow_zero=True)
        hidden_units = check_positive_int("AlexNet", "hidden_units", hidden_units)
        dropout = check_rate("AlexNet", "dropout", dropout)
        self._expected_channels = in_channels
        self.min_input_size = smallest_input_size(
            [(11, 4, stem_padding), (3, 2, 0), (5, 1, 2), (3, 2, 0)] + [(3, 1, 1)] * 3 + [(3, 2, 0)])
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            self.features.add(nn.Conv2D(channels[0], 11, 4, stem_padding, activation="relu",
                                        in_channels=in_channels),
                              nn.MaxPool2D(pool_size=3, strides=2),
                              nn.Conv2D(channels[1], 5, padding=2, activation="relu", in_channels=channels[0]),
                              nn.MaxPool2D(pool_size=3, strides=2))
            for previous, width in zip(channels[1:4], channels[2:]):
                self.features.add(nn.Conv2D(width, 3, padding=1, activation="relu", in_channels=previous))
            self.features.add(nn.MaxPool2D(pool_size=3, strides=2), nn.Flatten())
            dense_inputs = 0  # the flattened feature map: fixed by the first input
            for _ in range(2):
                self.features.add(nn.Dense(hidden_units, activation="relu", in_units=dense_inputs),
                                  nn.Dropout(dropout))
                dense_inputs = hidden_units
            self.output = nn.Dense(num_classes, in_units=hidden_units)


@forwards_kwargs(AlexNet)
def alexnet(variant="d2l", preset=None, **kwargs):
    """AlexNet (uninitialized); see :class:`AlexNet`.

    Parameters
    ----------
    variant : str
        A row of :data:`ALEXNET_VARIANTS`: ``'d2l'`` (the book) or ``'model_zoo'`` (same layers as
        ``mx.gluon.model_zoo.vision.alexnet``).
    preset : str, optional
        A row of :data:`PRESETS`; explicit keyword arguments win.

    Examples
    --------
    >>> net = alexnet(preset="fashion_mnist")
    """
    check_choice("alexnet", "variant", variant, ALEXNET_VARIANTS)
    settings = dict(ALEXNET_VARIANTS[variant])
    settings.update(apply_preset("alexnet", PRESETS, preset, kwargs))
    return AlexNet(**settings)
