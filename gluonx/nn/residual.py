"""Residual blocks: the output is ``relu(F(x) + shortcut(x))``, so a block only has to learn a correction
to the identity.

Both blocks follow He et al. (2016) and gluon's model zoo rather than the book's notebook in two details
that keep their weights interchangeable with ``mx.gluon.model_zoo`` (``tests/models/test_zoo_parity.py``):
convolutions that feed a batch norm have no bias (the norm's shift replaces it), and the 1x1 projection
shortcut is followed by a batch norm.

References
----------
D2L 5.11 (residual networks, ResNet).
"""
from mxnet.gluon import nn

from .conv_blocks import ImageInputCheck, check_positive_int

__all__ = ["Residual", "BottleneckResidual"]


def _check_shortcut(owner, channels, strides, use_projection, in_channels):
    """The identity shortcut only fits when the block keeps shape; say so before MXNet fails to add."""
    if use_projection:
        return in_channels
    if strides != 1:
        raise ValueError("{}: strides={} changes the height and width, so the shortcut needs "
                         "use_projection=True".format(owner, strides))
    if in_channels and in_channels != channels:
        raise ValueError("{}: in_channels={} differs from channels={}, so the shortcut needs "
                         "use_projection=True".format(owner, in_channels, channels))
    return channels


def _projection(channels, strides, in_channels):
    shortcut = nn.HybridSequential(prefix="projection_")
    with shortcut.name_scope():
        shortcut.add(nn.Conv2D(channels, kernel_size=1, strides=strides, use_bias=False,
                               in_channels=in_channels),
                     nn.BatchNorm(in_channels=channels))
    return shortcut


class _ResidualBase(ImageInputCheck, nn.HybridBlock):
    """``relu(body(x) + shortcut(x))``; subclasses build ``body`` and ``shortcut`` (None: identity)."""

    def hybrid_forward(self, F, x):
        shortcut = x if self.shortcut is None else self.shortcut(x)
        return F.Activation(self.body(x) + shortcut, act_type="relu")


class Residual(_ResidualBase):
    """Basic residual block: two 3x3 convolutions with batch norm, the first one strided.

    ``y = relu(bn(conv3x3(relu(bn(conv3x3_s(x))))) + shortcut(x))`` where the shortcut is ``x`` or, with
    ``use_projection``, ``bn(conv1x1_s(x))``. Used by ResNet-18 and ResNet-34.

    Parameters
    ----------
    channels : int
        Output channels.
    strides : int
        Stride of the first convolution (and of the projection); 2 halves height and width.
    use_projection : bool
        Use a 1x1 convolution shortcut (needed when the channels or the size change).
    in_channels : int
        Input channels; 0 infers them on the first call.

    Raises
    ------
    ValueError
        If the identity shortcut cannot match the output (``strides != 1``, or ``in_channels`` known and
        different from ``channels``) and ``use_projection`` is False.

    Examples
    --------
    >>> import mxnet as mx
    >>> block = Residual(channels=8, strides=2, use_projection=True)
    >>> block.initialize()
    >>> block(mx.nd.ones((1, 4, 6, 6))).shape
    (1, 8, 3, 3)

    References
    ----------
    D2L 5.11.1 (residual block).
    """

    def __init__(self, channels, strides=1, use_projection=False, in_channels=0, **kwargs):
        super().__init__(**kwargs)
        channels = check_positive_int("Residual", "channels", channels)
        strides = check_positive_int("Residual", "strides", strides)
        in_channels = check_positive_int("Residual", "in_channels", in_channels, allow_zero=True)
        self._expected_channels = _check_shortcut("Residual", channels, strides, use_projection, in_channels)
        self.out_channels = channels
        with self.name_scope():
            self.body = nn.HybridSequential(prefix="body_")
            with self.body.name_scope():
                self.body.add(nn.Conv2D(channels, 3, strides, 1, use_bias=False, in_channels=in_channels),
                              nn.BatchNorm(in_channels=channels),
                              nn.Activation("relu"),
                              nn.Conv2D(channels, 3, 1, 1, use_bias=False, in_channels=channels),
                              nn.BatchNorm(in_channels=channels))
            self.shortcut = _projection(channels, strides, in_channels) if use_projection else None


class BottleneckResidual(_ResidualBase):
    """Bottleneck residual block: 1x1 reduction, strided 3x3, 1x1 expansion, each with batch norm.

    The 3x3 convolution works on ``bottleneck_channels`` (by default ``channels // 4``), which makes deep
    ResNets (50 layers and more) affordable. The stride sits on the 3x3 convolution (the "ResNet v1.5"
    placement; model zoo's v1 strides the first 1x1, which skips three quarters of the input).

    Parameters
    ----------
    channels : int
        Output channels.
    strides : int
        Stride of the 3x3 convolution (and of the projection).
    use_projection : bool
        Use a 1x1 convolution shortcut (needed when the channels or the size change).
    bottleneck_channels : int, optional
        Channels of the reduced representation; default ``channels // 4``.
    in_channels : int
        Input channels; 0 infers them on the first call.

    Examples
    --------
    >>> import mxnet as mx
    >>> block = BottleneckResidual(channels=16, use_projection=True)
    >>> block.initialize()
    >>> block(mx.nd.ones((1, 8, 5, 5))).shape
    (1, 16, 5, 5)

    References
    ----------
    D2L 5.11 (residual networks; the bottleneck design is the section's ResNet-50 exercise).
    """

    def __init__(self, channels, strides=1, use_projection=False, bottleneck_channels=None, in_channels=0,
                 **kwargs):
        super().__init__(**kwargs)
        channels = check_positive_int("BottleneckResidual", "channels", channels)
        strides = check_positive_int("BottleneckResidual", "strides", strides)
        in_channels = check_positive_int("BottleneckResidual", "in_channels", in_channels, allow_zero=True)
        if bottleneck_channels is None:
            bottleneck_channels = max(channels // 4, 1)
        inner = check_positive_int("BottleneckResidual", "bottleneck_channels", bottleneck_channels)
        self._expected_channels = _check_shortcut("BottleneckResidual", channels, strides, use_projection,
                                                  in_channels)
        self.out_channels = channels
        with self.name_scope():
            self.body = nn.HybridSequential(prefix="body_")
            with self.body.name_scope():
                self.body.add(nn.Conv2D(inner, 1, use_bias=False, in_channels=in_channels),
                              nn.BatchNorm(in_channels=inner),
                              nn.Activation("relu"),
                              nn.Conv2D(inner, 3, strides, 1, use_bias=False, in_channels=inner),
                              nn.BatchNorm(in_channels=inner),
                              nn.Activation("relu"),
                              nn.Conv2D(channels, 1, use_bias=False, in_channels=inner),
                              nn.BatchNorm(in_channels=channels))
            self.shortcut = _projection(channels, strides, in_channels) if use_projection else None
