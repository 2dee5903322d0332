"""Locally connected 2-D layer: a convolution whose filters are not shared across positions."""
import numbers

from mxnet import init as mx_init
from mxnet import nd
from mxnet.gluon import nn

__all__ = ["LocallyConnected2D"]


def _pair(value, label, low):
    pair = (value, value) if isinstance(value, numbers.Integral) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, numbers.Integral) and v >= low for v in pair):
        raise ValueError("LocallyConnected2D: {} must be an integer >= {} or a pair of them, got {!r}"
                         .format(label, low, value))
    return tuple(int(v) for v in pair)


class LocallyConnected2D(nn.HybridBlock):
    """Unshared convolution over NCHW images: every output position has its own filters.

    ``Z[b, o, i, j] = sum_{c, m, n} V[b, c, i*s + m*d, j*s + n*d] * K[(i, j), o, c, m, n] + bias[(i, j), o]``
    (input zero-padded). It sees local patches like a convolution but does not assume that a feature
    looks the same everywhere, at the cost of ``out_h * out_w`` times more parameters; this is why the
    input size must be known when the layer is built.

    The patches are cut with strided slices and multiplied per position with one batched matrix
    product, so the layer hybridizes, exports and converts to ONNX.

    Parameters
    ----------
    channels : int
        Output channels (filters per position).
    kernel_size : int or (int, int)
        Patch height and width.
    in_channels : int
        Input channels.
    input_size : int or (int, int)
        Input height and width (the weights depend on them).
    strides, padding, dilation : int or (int, int)
        As in ``nn.Conv2D`` (zero padding).
    use_bias : bool
        One bias per output position and channel.
    weight_initializer : str or mx.init.Initializer
        Default: uniform with variance ``1 / fan_in`` for the ``in_channels * kh * kw`` weights of each
        unit (a global Xavier would count the unshared positions in the fan).
    bias_initializer : str or mx.init.Initializer

    Attributes
    ----------
    weight : Parameter
        Shape ``(out_h * out_w * channels, in_channels * kh * kw)``: row ``(i * out_w + j) * channels + o``
        is filter ``o`` at output position ``(i, j)``, flattened in ``nn.Conv2D``'s ``(in_channels, kh, kw)``
        order (one row per unit, as :class:`~gluonx.nn.constraints.MaxNormConstraint` expects).
    bias : Parameter
        Shape ``(out_h * out_w * channels,)``, same row order.

    Inputs: ``x`` of shape ``(batch, in_channels, height, width)``.
    Output: shape ``(batch, channels, out_h, out_w)``, sizes as for ``nn.Conv2D``.

    Examples
    --------
    >>> import mxnet as mx
    >>> layer = LocallyConnected2D(4, kernel_size=3, in_channels=2, input_size=(6, 6), padding=1)
    >>> layer.initialize()
    >>> layer(mx.nd.ones((1, 2, 6, 6))).shape
    (1, 4, 6, 6)

    References
    ----------
    Goodfellow, Bengio & Courville, *Deep Learning*, section 9.5 (variants of the basic convolution
    function: unshared convolution), DL 9.5.
    """

    def __init__(self, channels, kernel_size, in_channels, input_size, strides=1, padding=0, dilation=1,
                 use_bias=True, weight_initializer=None, bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        for label, value in (("channels", channels), ("in_channels", in_channels)):
            if not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError("LocallyConnected2D: {} must be an integer >= 1, got {!r}".format(label, value))
        self._channels = int(channels)
        self._in_channels = int(in_channels)
        self._kernel = _pair(kernel_size, "kernel_size", 1)
        self._input_size = _pair(input_size, "input_size", 1)
        self._strides = _pair(strides, "strides", 1)
        self._padding = _pair(padding, "padding", 0)
        self._dilation = _pair(dilation, "dilation", 1)
        self._output_size = tuple(
            (size + 2 * pad - dil * (k - 1) - 1) // stride + 1
            for size, pad, dil, k, stride in zip(self._input_size, self._padding, self._dilation,
                                                 self._kernel, self._strides))
        if min(self._output_size) < 1:
            raise ValueError("LocallyConnected2D: a {} kernel (dilation {}) does not fit an input of size {} "
                             "with padding {}".format(self._kernel, self._dilation, self._input_size,
                                                      self._padding))
        units = self._output_size[0] * self._output_size[1] * self._channels
        fan_in = self._in_channels * self._kernel[0] * self._kernel[1]
        if weight_initializer is None:
            # On the 2-D weight MXNet's Xavier sees fan_in = in_channels * kh * kw: LeCun uniform.
            weight_initializer = mx_init.Xavier(rnd_type="uniform", factor_type="in", magnitude=3)
        with self.name_scope():
            self.weight = self.params.get("weight", shape=(units, fan_in), init=weight_initializer)
            self.bias = self.params.get("bias", shape=(units,), init=bias_initializer) if use_bias else None

    @property
    def output_size(self):
        """``(out_h, out_w)``."""
        return self._output_size

    def forward(self, x, *args):
        if isinstance(x, nd.NDArray):
            expected = (self._in_channels,) + self._input_size
            if x.ndim != 4 or tuple(x.shape[1:]) != expected:
                raise ValueError("LocallyConnected2D expects input of shape (batch, {}, {}, {}), got shape {}"
                                 .format(*expected, x.shape))
        return super().forward(x, *args)

    def _patches(self, F, x):
        """``(out_h * out_w, batch, in_channels * kh * kw)``: the patch seen by each output position."""
        (pad_h, pad_w), (dil_h, dil_w), (stride_h, stride_w) = self._padding, self._dilation, self._strides
        out_h, out_w = self._output_size
        if pad_h or pad_w:
            x = F.pad(x, mode="constant", pad_width=(0, 0, 0, 0, pad_h, pad_h, pad_w, pad_w))
        offsets = []
        for m in range(self._kernel[0]):
            for n in range(self._kernel[1]):
                top, left = m * dil_h, n * dil_w
                offsets.append(F.slice(x, begin=(None, None, top, left),
                                       end=(None, None, top + (out_h - 1) * stride_h + 1,
                                            left + (out_w - 1) * stride_w + 1),
                                       step=(None, None, stride_h, stride_w)))
        # (batch, C, kh*kw, out_h, out_w) flattens to Conv2D's (C, kh, kw) weight order.
        patches = F.reshape(F.stack(*offsets, axis=2), shape=(0, -1, out_h * out_w))
        return F.transpose(patches, axes=(2, 0, 1))

    def hybrid_forward(self, F, x, weight, bias=None):
        out_h, out_w = self._output_size
        filters = F.reshape(weight, shape=(out_h * out_w, self._channels, -1))
        out = F.batch_dot(self._patches(F, x), filters, transpose_b=True)
        if bias is not None:
            out = F.broadcast_add(out, F.reshape(bias, shape=(out_h * out_w, 1, self._channels)))
        out = F.transpose(out, axes=(1, 2, 0))
        return F.reshape(out, shape=(0, 0, out_h, out_w))

    def __repr__(self):
        return ("{}({} -> {}, kernel_size={}, input_size={}, stride={}, padding={}, dilation={}, "
                "output_size={})".format(type(self).__name__, self._in_channels, self._channels, self._kernel,
                                         self._input_size, self._strides, self._padding, self._dilation,
                                         self._output_size))
