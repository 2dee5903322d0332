"""DenseNet's dense block, whose every layer sees the concatenation of all earlier outputs, and the
transition layer that shrinks channels and size between dense blocks.

Convolutions have no bias: every output channel is normalized by a later batch norm, which absorbs a
constant shift (as in Huang et al. 2017 and gluon's model zoo; the book's notebook keeps the bias).

References
----------
D2L 5.12 (densely connected networks, DenseNet).
"""
from mxnet.gluon import nn

from .conv_blocks import ImageInputCheck, check_positive_int, check_rate

__all__ = ["DenseBlock", "TransitionBlock"]


class DenseBlock(ImageInputCheck, nn.HybridBlock):
    """``num_layers`` layers, each appending ``growth_rate`` channels: ``x <- concat(x, layer(x))``.

    A layer is batch norm, ReLU, 3x3 convolution (the book's ``conv_block``); with ``bottleneck_width``
    ``b > 0`` it is first reduced by batch norm, ReLU, 1x1 convolution to ``b * growth_rate`` channels
    (DenseNet-B, as in DenseNet-121). The output has ``in_channels + num_layers * growth_rate`` channels.

    Parameters
    ----------
    num_layers : int
        Number of layers.
    growth_rate : int
        Channels added by each layer.
    bottleneck_width : int
        0 for the book's plain layers, else the 1x1 bottleneck's width in multiples of ``growth_rate``.
    dropout : float
        Dropout rate after each layer's last convolution.
    in_channels : int
        Input channels; 0 infers them on the first call.

    Examples
    --------
    >>> import mxnet as mx
    >>> block = DenseBlock(num_layers=2, growth_rate=10)
    >>> block.initialize()
    >>> block(mx.nd.ones((4, 3, 8, 8))).shape
    (4, 23, 8, 8)

    References
    ----------
    D2L 5.12.1 (dense blocks).
    """

    def __init__(self, num_layers, growth_rate, bottleneck_width=0, dropout=0.0, in_channels=0, **kwargs):
        super().__init__(**kwargs)
        num_layers = check_positive_int("DenseBlock", "num_layers", num_layers)
        growth_rate = check_positive_int("DenseBlock", "growth_rate", growth_rate)
        bottleneck_width = check_positive_int("DenseBlock", "bottleneck_width", bottleneck_width,
                                              allow_zero=True)
        dropout = check_rate("DenseBlock", "dropout", dropout)
        in_channels = check_positive_int("DenseBlock", "in_channels", in_channels, allow_zero=True)
        self._expected_channels = in_channels
        self.out_channels = in_channels + num_layers * growth_rate if in_channels else None
        with self.name_scope():
            self.layers = nn.HybridSequential(prefix="")
            for index in range(num_layers):
                channels = in_channels + index * growth_rate if in_channels else 0
                self.layers.add(_dense_layer(growth_rate, bottleneck_width, dropout, channels))

    def hybrid_forward(self, F, x):
        for index in range(len(self.layers)):
            x = F.concat(x, self.layers[index](x), dim=1)
        return x


def _dense_layer(growth_rate, bottleneck_width, dropout, in_channels):
    layer = nn.HybridSequential(prefix="")
    layer.add(nn.BatchNorm(in_channels=in_channels), nn.Activation("relu"))
    if bottleneck_width:
        inner = bottleneck_width * growth_rate
        layer.add(nn.Conv2D(inner, kernel_size=1, use_bias=False, in_channels=in_channels),
                  nn.BatchNorm(in_channels=inner), nn.Activation("relu"))
        in_channels = inner
    layer.add(nn.Conv2D(growth_rate, kernel_size=3, padding=1, use_bias=False, in_channels=in_channels))
    if dropout:
        layer.add(nn.Dropout(dropout))
    return layer


class TransitionBlock(ImageInputCheck, nn.HybridSequential):
    """Batch norm, ReLU, 1x1 convolution to ``channels``, then 2x2 average pooling (stride 2).

    Placed between dense blocks to undo their channel growth and halve height and width.

    Parameters
    ----------
    channels : int
        Output channels (DenseNet uses half of the input channels).
    in_channels : int
        Input channels; 0 infers them on the first call.

    Examples
    --------
    >>> import mxnet as mx
    >>> block = TransitionBlock(channels=10)
    >>> block.initialize()
    >>> block(mx.nd.ones((4, 23, 8, 8))).shape
    (4, 10, 4, 4)

    References
    ----------
    D2L 5.12.2 (transition layers).
    """

    def __init__(self, channels, in_channels=0, **kwargs):
        super().__init__(**kwargs)
        channels = check_positive_int("TransitionBlock", "channels", channels)
        in_channels = check_positive_int("TransitionBlock", "in_channels", in_channels, allow_zero=True)
        self._expected_channels = in_channels
        self.min_input_size = 2
        self.out_channels = channels
        with self.name_scope():
            self.add(nn.BatchNorm(in_channels=in_channels), nn.Activation("relu"),
                     nn.Conv2D(channels, kernel_size=1, use_bias=False, in_channels=in_channels),
                     nn.AvgPool2D(pool_size=2, strides=2))
