"""The VGG block: a run of 3x3 same-padding convolutions followed by a 2x2 max pool that halves the size.

References
----------
D2L 5.7 (networks using repeated elements, VGG).
"""
from mxnet.gluon import nn

from .conv_blocks import ImageInputCheck, check_positive_int

__all__ = ["VGGBlock"]


class VGGBlock(ImageInputCheck, nn.HybridSequential):
    """``num_convs`` x (3x3 convolution, padding 1 [, batch norm], ReLU), then 2x2 max pooling, stride 2.

    Parameters
    ----------
    num_convs : int
        Number of convolutions (>= 1).
    channels : int
        Output channels of every convolution.
    batch_norm : bool
        Insert batch normalization after each convolution (the ``vgg*_bn`` variants of the model zoo;
        the book's VGG has none).
    in_channels : int
        Input channels; 0 infers them on the first call.

    Examples
    --------
    >>> import mxnet as mx
    >>> block = VGGBlock(num_convs=2, channels=16)
    >>> block.initialize()
    >>> block(mx.nd.ones((1, 3, 32, 32))).shape
    (1, 16, 16, 16)

    References
    ----------
    D2L 5.7.1 (VGG block).
    """

    def __init__(self, num_convs, channels, batch_norm=False, in_channels=0, **kwargs):
        super().__init__(**kwargs)
        num_convs = check_positive_int("VGGBlock", "num_convs", num_convs)
        channels = check_positive_int("VGGBlock", "channels", channels)
        in_channels = check_positive_int("VGGBlock", "in_channels", in_channels, allow_zero=True)
        self._expected_channels = in_channels
        self.min_input_size = 2
        self.out_channels = channels
        with self.name_scope():
            for index in range(num_convs):
                self.add(nn.Conv2D(channels, kernel_size=3, padding=1,
                                   in_channels=in_channels if index == 0 else channels))
                if batch_norm:
                    self.add(nn.BatchNorm(in_channels=channels))
                self.add(nn.Activation("relu"))
            self.add(nn.MaxPool2D(pool_size=2, strides=2))
