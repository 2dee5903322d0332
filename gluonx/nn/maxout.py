"""Maxout units: each output is the maximum of ``k`` affine pieces of the input."""
from mxnet import nd
from mxnet.gluon import nn

__all__ = ["Maxout"]


class Maxout(nn.HybridBlock):
    """Fully connected maxout layer.

    The affine map ``z = W x + b`` has ``units * num_pieces`` outputs, split into ``units`` consecutive
    groups of ``num_pieces``; output ``i`` is ``max_j z[i * num_pieces + j]``. A maxout unit learns a
    convex piecewise-linear activation with ``num_pieces`` pieces.

    Parameters
    ----------
    units : int
        Number of maxout units (output features).
    num_pieces : int
        Number of affine pieces per unit (``k`` in the book), at least 1.
    in_units : int
        Input features (after flattening); ``0`` infers it from the first input.
    use_bias : bool
        Whether the affine pieces have a bias.
    weight_initializer, bias_initializer : str or mx.init.Initializer
        Initializers of the ``(units * num_pieces, in_units)`` weight and the bias.

    Inputs: ``x`` of shape ``(batch, ...)``, flattened to ``(batch, in_units)``.
    Output: shape ``(batch, units)``.

    Examples
    --------
    >>> import mxnet as mx
    >>> layer = Maxout(units=5, num_pieces=3)
    >>> layer.initialize()
    >>> layer(mx.nd.ones((4, 12))).shape
    (4, 5)

    References
    ----------
    Goodfellow, Bengio & Courville, *Deep Learning*, section 6.3.3 (other hidden units: maxout), DL 6.3.3.
    """

    def __init__(self, units, num_pieces, in_units=0, use_bias=True, weight_initializer=None,
                 bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        for label, value, low in (("units", units, 1), ("num_pieces", num_pieces, 1), ("in_units", in_units, 0)):
            if not isinstance(value, int) or value < low:
                raise ValueError("Maxout: {} must be an integer >= {}, got {!r}".format(label, low, value))
        self._units = units
        self._num_pieces = num_pieces
        self._in_units = in_units
        with self.name_scope():
            self.affine = nn.Dense(units * num_pieces, in_units=in_units, use_bias=use_bias, flatten=True,
                                   weight_initializer=weight_initializer, bias_initializer=bias_initializer)

    def forward(self, x, *args):
        if isinstance(x, nd.NDArray):
            features = 1
            for size in x.shape[1:]:
                features *= size
            if x.ndim < 2:
                raise ValueError("Maxout expects input of shape (batch, features, ...), got shape {}"
                                 .format(x.shape))
            if self._in_units and features != self._in_units:
                raise ValueError("Maxout expects {} input features (in_units), got shape {} ({} features)"
                                 .format(self._in_units, x.shape, features))
        return super().forward(x, *args)

    def hybrid_forward(self, F, x):
        # The max over each group of pieces is a 1-D max pooling with window and stride num_pieces.
        # Pooling rather than F.max: mxnet 1.9.1 converts F.max to a ReduceMax node that is invalid at
        # the ONNX opset it exports with (onnx >= 1.13 selects opset 18+), MaxPool converts everywhere.
        pieces = F.reshape(self.affine(x), shape=(0, 1, -1))
        units = F.Pooling(pieces, kernel=(self._num_pieces,), stride=(self._num_pieces,), pool_type="max")
        return F.reshape(units, shape=(0, -1))

    def __repr__(self):
        return "{}(units={}, num_pieces={}, in_units={})".format(
            type(self).__name__, self._units, self._num_pieces, self._in_units or None)
