"""LeNet: two convolution + pooling stages and three dense layers, the book's first CNN, and its
batch-normalized version.

References
----------
D2L 5.5 (LeNet), D2L 5.10 (batch normalization, LeNet with batch norm); DL 9.
"""
from mxnet.gluon import nn

from .._signature import forwards_kwargs
from ..nn.conv_blocks import (ImageClassifier, apply_preset, check_choice, check_positive_int,
                              smallest_input_size)

__all__ = ["DEFAULT_PRESET", "LeNet", "lenet", "lenet_bn", "LENET_CONFIGS", "PRESETS"]

#: Architectures: the book's LeNet (D2L 5.5) and its batch-normalized version (D2L 5.10).
LENET_CONFIGS = {
    "lenet": {},
    "lenet_bn": {"batch_norm": True},
}

#: The inputs the book and its exercises use; ``input_shape`` is ``(C, H, W)``.
PRESETS = {
    "fashion_mnist": {"input_shape": (1, 28, 28), "num_classes": 10},
    "cifar10": {"input_shape": (3, 32, 32), "num_classes": 10},
}

#: The preset the factory's defaults reproduce when ``preset`` is None (same layers and classes;
#: input channels are inferred on the first call instead of fixed).
DEFAULT_PRESET = "fashion_mnist"

# (kernel, stride, padding) of the two convolution + pooling stages.
_WINDOWS = [(5, 1, 0), (2, 2, 0), (5, 1, 0), (2, 2, 0)]


class LeNet(ImageClassifier):
    """Conv(6, 5x5) - pool - Conv(16, 5x5) - pool - Dense(120) - Dense(84) - Dense(num_classes).

    Pooling is 2x2 max pooling and the hidden activation is the sigmoid, as in the book. The first dense
    layer flattens the feature map, so its size is fixed by the first input (at least 16x16).

    Parameters
    ----------
    num_classes : int
        Number of classes.
    in_channels : int
        Input channels; 0 infers them on the first call.
    activation : str
        Hidden activation: ``'sigmoid'`` (the book) or ``'relu'``.
    batch_norm : bool
        Batch normalization between each convolution or dense layer and its activation (D2L 5.10).

    Examples
    --------
    >>> import mxnet as mx
    >>> net = LeNet(num_classes=10, in_channels=1)
    >>> net.initialize()
    >>> net(mx.nd.ones((2, 1, 28, 28))).shape
    (2, 10)

    References
    ----------
    D2L 5.5 (LeNet), D2L 5.10.3 (LeNet with batch normalization).
    """

    def __init__(self, num_classes=10, in_channels=0, activation="sigmoid", batch_norm=False, **kwargs):
        super().__init__(**kwargs)
        num_classes = check_positive_int("LeNet", "num_classes", num_classes)
        in_channels = check_positive_int("LeNet", "in_channels", in_channels, allow_zero=True)
        check_choice("LeNet", "activation", activation, ("sigmoid", "relu"))
        self._expected_channels = in_channels
        self.min_input_size = smallest_input_size(_WINDOWS)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            conv_channels = in_channels
            for channels in (6, 16):
                self.features.add(nn.Conv2D(channels, kernel_size=5, in_channels=conv_channels))
                self._add_normalized_activation(channels, activation, batch_norm)
                self.features.add(nn.MaxPool2D(pool_size=2, strides=2))
                conv_channels = channels
            dense_inputs = 0  # the flattened feature map: fixed by the first input
            for units in (120, 84):
                self.features.add(nn.Dense(units, in_units=dense_inputs))
                self._add_normalized_activation(units, activation, batch_norm)
                dense_inputs = units
            self.output = nn.Dense(num_classes, in_units=84)

    def _add_normalized_activation(self, channels, activation, batch_norm):
        if batch_norm:
            self.features.add(nn.BatchNorm(in_channels=channels))
        self.features.add(nn.Activation(activation))


def _create(name, preset, kwargs):
    settings = dict(LENET_CONFIGS[name])
    settings.update(apply_preset(name, PRESETS, preset, kwargs))
    return LeNet(**settings)


@forwards_kwargs(LeNet)
def lenet(preset=None, **kwargs):
    """The book's LeNet (sigmoid activations, max pooling); see :class:`LeNet`.

    Parameters
    ----------
    preset : str, optional
        A row of :data:`PRESETS` (``'fashion_mnist'``, ``'cifar10'``); explicit keyword arguments win.

    Examples
    --------
    >>> net = lenet(preset="fashion_mnist")
    """
    return _create("lenet", preset, kwargs)


@forwards_kwargs(LeNet)
def lenet_bn(preset=None, **kwargs):
    """LeNet with batch normalization before every activation (D2L 5.10); see :func:`lenet`."""
    return _create("lenet_bn", preset, kwargs)
