"""The network-in-network block: one spatial convolution followed by two 1x1 convolutions, which act as a
small fully connected network applied at every pixel.

References
----------
D2L 5.8 (network in network, NiN).
"""
from mxnet.gluon import nn

from .conv_blocks import ImageInputCheck, check_positive_int, smallest_input_size

__all__ = ["NiNBlock"]


class NiNBlock(ImageInputCheck, nn.HybridSequential):
    """``kernel_size`` convolution + ReLU, then two (1x1 convolution + ReLU), all with ``channels`` outputs.

    Parameters
    ----------
    channels : int
        Output channels of the three convolutions.
    kernel_size : int
        Size of the first (spatial) convolution.
    strides, padding : int
        Stride and padding of the first convolution.
    in_channels : int
        Input channels; 0 infers them on the first call.

    Examples
    --------
    >>> import mxnet as mx
    >>> block = NiNBlock(channels=8, kernel_size=3, padding=1)
    >>> block.initialize()
    >>> block(mx.nd.ones((1, 3, 10, 10))).shape
    (1, 8, 10, 10)

    References
    ----------
    D2L 5.8.1 (NiN block).
    """

    def __init__(self, channels, kernel_size, strides=1, padding=0, in_channels=0, **kwargs):
        super().__init__(**kwargs)
        channels = check_positive_int("NiNBlock", "channels", channels)
        kernel_size = check_positive_int("NiNBlock", "kernel_size", kernel_size)
        strides = check_positive_int("NiNBlock", "strides", strides)
        padding = check_positive_int("NiNBlock", "padding", padding, allow_zero=True)
        in_channels = check_positive_int("NiNBlock", "in_channels", in_channels, allow_zero=True)
        self._expected_channels = in_channels
        self.min_input_size = smallest_input_size([(kernel_size, strides, padding)])
        self.out_channels = channels
        with self.name_scope():
            self.add(nn.Conv2D(channels, kernel_size, strides, padding, activation="relu",
                               in_channels=in_channels))
            self.add(nn.Conv2D(channels, kernel_size=1, activation="relu", in_channels=channels))
            self.add(nn.Conv2D(channels, kernel_size=1, activation="relu", in_channels=channels))
