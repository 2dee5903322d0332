"""The Inception block of GoogLeNet: four parallel paths whose outputs are concatenated on channels.

References
----------
D2L 5.9 (networks with parallel concatenations, GoogLeNet).
"""
from mxnet.gluon import nn

from .conv_blocks import ImageInputCheck, check_channels, check_positive_int

__all__ = ["Inception"]


class Inception(ImageInputCheck, nn.HybridBlock):
    """Four paths, each keeping the height and width, concatenated on the channel axis:

    1. 1x1 convolution (``c1`` channels);
    2. 1x1 convolution (``c2[0]``) then 3x3 convolution (``c2[1]``);
    3. 1x1 convolution (``c3[0]``) then 5x5 convolution (``c3[1]``);
    4. 3x3 max pooling (stride 1) then 1x1 convolution (``c4``).

    Every convolution is followed by a ReLU; the output has ``c1 + c2[1] + c3[1] + c4`` channels.

    Parameters
    ----------
    c1 : int
        Channels of path 1.
    c2, c3 : pair of int
        Channels of the 1x1 reduction and of the 3x3 (path 2) or 5x5 (path 3) convolution.
    c4 : int
        Channels of path 4.
    in_channels : int
        Input channels; 0 infers them on the first call.

    Examples
    --------
    >>> import mxnet as mx
    >>> block = Inception(64, (96, 128), (16, 32), 32)
    >>> block.initialize()
    >>> block(mx.nd.ones((1, 192, 8, 8))).shape
    (1, 256, 8, 8)

    References
    ----------
    D2L 5.9.1 (Inception block).
    """

    def __init__(self, c1, c2, c3, c4, in_channels=0, **kwargs):
        super().__init__(**kwargs)
        c1 = check_positive_int("Inception", "c1", c1)
        c2 = check_channels("Inception", "c2", c2, length=2)
        c3 = check_channels("Inception", "c3", c3, length=2)
        c4 = check_positive_int("Inception", "c4", c4)
        in_channels = check_positive_int("Inception", "in_channels", in_channels, allow_zero=True)
        self._expected_channels = in_channels
        self.out_channels = c1 + c2[1] + c3[1] + c4
        with self.name_scope():
            self.path1 = nn.Conv2D(c1, kernel_size=1, activation="relu", in_channels=in_channels)
            self.path2 = nn.HybridSequential()
            self.path2.add(nn.Conv2D(c2[0], kernel_size=1, activation="relu", in_channels=in_channels),
                           nn.Conv2D(c2[1], kernel_size=3, padding=1, activation="relu", in_channels=c2[0]))
            self.path3 = nn.HybridSequential()
            self.path3.add(nn.Conv2D(c3[0], kernel_size=1, activation="relu", in_channels=in_channels),
                           nn.Conv2D(c3[1], kernel_size=5, padding=2, activation="relu", in_channels=c3[0]))
            self.path4 = nn.HybridSequential()
            self.path4.add(nn.MaxPool2D(pool_size=3, strides=1, padding=1),
                           nn.Conv2D(c4, kernel_size=1, activation="relu", in_channels=in_channels))

    def hybrid_forward(self, F, x):
        return F.concat(self.path1(x), self.path2(x), self.path3(x), self.path4(x), dim=1)
