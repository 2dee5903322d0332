"""Sinusoidal positional encoding: add each position's fixed sine/cosine code to a sequence."""
import numbers

import numpy as np
from mxnet import nd
from mxnet.gluon import nn

__all__ = ["PositionalEncoding"]


class PositionalEncoding(nn.HybridBlock):
    """Add the sinusoidal position code to ``(batch, steps, units)`` inputs, then apply dropout.

    ``P[i, 2j] = sin(i / 10000^(2j / d))`` and ``P[i, 2j + 1] = cos(i / 10000^(2j / d))`` for position
    ``i`` and ``d = units``. Self-attention ignores order; this code gives every position a distinct,
    smoothly varying signature, and a fixed offset is a linear map of it, so relative positions are easy
    to attend to.

    The code is computed in the graph from the positions of the input, so there is no maximum length
    and nothing but the ``units`` frequencies is stored.

    Parameters
    ----------
    units : int
        Feature size ``d`` of the inputs.
    dropout : float
        Dropout rate applied after the addition (training only).

    Inputs: ``x`` of shape ``(batch, steps, units)``. Output: same shape.

    Examples
    --------
    >>> import mxnet as mx
    >>> encoding = PositionalEncoding(units=8); encoding.initialize()
    >>> encoding(mx.nd.zeros((2, 5, 8))).shape          # with zero input: the code itself
    (2, 5, 8)

    References
    ----------
    Dive into Deep Learning, section 10.11.3 (developments: the Transformer), D2L 10.11.3;
    Vaswani et al. (2017).
    """

    def __init__(self, units, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, numbers.Integral) or isinstance(units, bool) or units < 1:
            raise ValueError("PositionalEncoding: units must be an integer >= 1, got {!r}".format(units))
        if not isinstance(dropout, numbers.Real) or not 0 <= dropout < 1:
            raise ValueError("PositionalEncoding: dropout must be a number in [0, 1), got {!r}"
                             .format(dropout))
        self._units = int(units)
        columns = np.arange(self._units)
        # Column c uses the frequency of its pair, 2j = c - c % 2; even columns take the sine.
        frequencies = np.power(10000.0, -(columns - columns % 2) / self._units).astype("float32")
        with self.name_scope():
            self.frequencies = self.params.get_constant("frequencies", frequencies.reshape(1, -1))
            # Two masks rather than ``1 - mask``: mxnet 1.9.1's ONNX converter of ``_rminus_scalar``
            # computes ``mask - 1`` when its input is a stored constant.
            self.sine_columns = self.params.get_constant(
                "sine_columns", (columns % 2 == 0).astype("float32").reshape(1, -1))
            self.cosine_columns = self.params.get_constant(
                "cosine_columns", (columns % 2 == 1).astype("float32").reshape(1, -1))
            self.dropout = nn.Dropout(dropout) if dropout else None

    def forward(self, x, *args):
        if isinstance(x, nd.NDArray) and (x.ndim != 3 or x.shape[2] != self._units):
            raise ValueError("PositionalEncoding expects input of shape (batch, steps, {}), got shape {}"
                             .format(self._units, x.shape))
        return super().forward(x, *args)

    def hybrid_forward(self, F, x, frequencies, sine_columns, cosine_columns):
        positions = F.reshape(F.contrib.arange_like(x, axis=1), shape=(-1, 1))
        angles = F.broadcast_mul(positions, frequencies)
        code = F.broadcast_mul(F.sin(angles), sine_columns) + F.broadcast_mul(F.cos(angles), cosine_columns)
        out = F.broadcast_add(x, F.expand_dims(code, axis=0))
        return self.dropout(out) if self.dropout is not None else out

    def __repr__(self):
        return "{}(units={})".format(type(self).__name__, self._units)
