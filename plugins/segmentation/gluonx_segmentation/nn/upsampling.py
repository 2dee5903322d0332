"""Transposed convolution initialized as bilinear interpolation (D2L 9.10.2).

A transposed convolution with kernel ``2f``, stride ``f`` and padding ``f / 2`` enlarges height and width by
``f``. With the kernel of :func:`bilinear_kernel` on the diagonal of its channel pairs it computes bilinear
interpolation at half-pixel centres (OpenCV's ``INTER_LINEAR``, ``align_corners=False``) away from the border,
where it interpolates towards zero; FCN starts its learned upsampling from that kernel.
"""
import mxnet as mx
import numpy as np
from mxnet.gluon import nn

__all__ = ["bilinear_kernel", "BilinearInit", "BilinearUpsampling"]


def bilinear_kernel(in_channels, out_channels, kernel_size):
    """The book's ``bilinear_kernel``: ``(in_channels, out_channels, k, k)`` float32 weights of a transposed
    convolution whose channel ``c`` (for ``c < min(in, out)``) is the separable tent filter
    ``(1 - |i - centre| / factor) (1 - |j - centre| / factor)`` and whose other channel pairs are zero.

    ``factor = (k + 1) // 2``; ``centre = factor - 1`` for odd ``k`` and ``factor - 0.5`` for even ``k``
    (D2L 9.10.2).
    """
    kernel_size = int(kernel_size)
    if kernel_size < 1:
        raise ValueError("bilinear_kernel: kernel_size must be positive, got {}".format(kernel_size))
    factor = (kernel_size + 1) // 2
    centre = factor - 1 if kernel_size % 2 == 1 else factor - 0.5
    taps = 1 - np.abs(np.arange(kernel_size) - centre) / factor
    weight = np.zeros((int(in_channels), int(out_channels), kernel_size, kernel_size), dtype=np.float32)
    diagonal = np.arange(min(int(in_channels), int(out_channels)))
    weight[diagonal, diagonal] = np.outer(taps, taps)
    return weight


@mx.init.register
class BilinearInit(mx.init.Initializer):
    """Fills a transposed convolution's ``(in, out, k, k)`` weight with :func:`bilinear_kernel`
    (D2L 9.10.2); registered with MXNet as ``"bilinearinit"``, so exported parameter files need nothing else."""

    def _init_weight(self, _, arr):
        if len(arr.shape) != 4 or arr.shape[2] != arr.shape[3]:
            raise ValueError("BilinearInit needs a (in, out, k, k) weight, got shape {}".format(arr.shape))
        arr[:] = bilinear_kernel(arr.shape[0], arr.shape[1], arr.shape[2])

    def _init_default(self, name, arr):
        self._init_weight(name, arr)


class BilinearUpsampling(nn.HybridBlock):
    """Learnable ``factor``-times upsampling: ``Conv2DTranspose(channels, 2 factor, factor, factor / 2)``
    initialized with :func:`bilinear_kernel` (D2L 9.10.2).

    ``(N, channels, H, W) -> (N, channels, factor H, factor W)``.

    Parameters
    ----------
    channels : int
        Input and output channels (the kernel maps channel ``c`` to channel ``c``).
    factor : int
        Even scale factor (the stride; the kernel is ``2 factor`` wide); 2, 4, 8, 16, 32...
    use_bias : bool
        Add a learned bias (the book's FCN has none).

    Examples
    --------
    >>> import mxnet as mx
    >>> up = BilinearUpsampling(3, factor=2)
    >>> up.initialize()
    >>> up(mx.nd.ones((1, 3, 4, 5))).shape
    (1, 3, 8, 10)
    """

    def __init__(self, channels, factor=2, use_bias=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(factor, bool) or int(factor) != factor or factor < 2 or factor % 2:
            raise ValueError("BilinearUpsampling: factor must be an even integer >= 2, got {!r}".format(factor))
        if isinstance(channels, bool) or int(channels) != channels or channels < 1:
            raise ValueError("BilinearUpsampling: channels must be a positive integer, got {!r}".format(channels))
        self.factor = int(factor)
        with self.name_scope():
            self.conv = nn.Conv2DTranspose(int(channels), kernel_size=2 * self.factor, strides=self.factor,
                                           padding=self.factor // 2, in_channels=int(channels), use_bias=use_bias,
                                           weight_initializer=BilinearInit())

    def hybrid_forward(self, F, x):
        return self.conv(x)
