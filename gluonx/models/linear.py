"""The book's first models: linear regression, softmax regression and the multilayer perceptron.

All three flatten their input, so ``(batch, features)`` and ``(batch, 1, 28, 28)`` images both work.

References
----------
D2L 3.1-3.3 (linear regression), D2L 3.4-3.7 (softmax regression), D2L 3.8-3.10 and 3.13 (multilayer
perceptron, dropout); DL 6 (deep feedforward networks).
"""
import numbers

import numpy as np
from mxnet import nd
from mxnet.gluon import nn

from .._signature import forwards_kwargs
from ..nn.conv_blocks import check_choice, check_positive_int, check_rate

__all__ = ["LinearRegression", "SoftmaxRegression", "MLP", "linear_regression", "softmax_regression", "mlp"]

#: Hidden-layer activations the MLP accepts (MXNet ``Activation`` types, all exportable to ONNX).
ACTIVATIONS = ("relu", "sigmoid", "tanh", "softrelu", "softsign")


class _FeatureInputCheck:
    """Mixin: a clear error for a rank-1 or empty input, or a flattened size other than ``in_units``."""

    _in_units = 0
    #: The attribute holding the output layer (fine-tuning replaces it, :mod:`gluonx.models.finetune`).
    output_layer = "output"

    def forward(self, x, *args):
        if isinstance(x, nd.NDArray):
            name = type(self).__name__
            if len(x.shape) < 2 or x.shape[0] == 0:
                raise ValueError("{}: expected a non-empty input (batch, features...), got shape {}".format(
                    name, x.shape))
            size = int(np.prod(x.shape[1:]))
            if self._in_units and size != self._in_units:
                raise ValueError("{}: expected {} features per sample, got shape {} ({} features)".format(
                    name, self._in_units, x.shape, size))
        return super().forward(x, *args)


class LinearRegression(_FeatureInputCheck, nn.HybridBlock):
    """``y = x w + b``: one affine layer, trained with the squared loss.

    Parameters
    ----------
    num_outputs : int
        Number of regression targets.
    in_units : int
        Number of input features; 0 infers them on the first call.

    Examples
    --------
    >>> import mxnet as mx
    >>> net = LinearRegression(in_units=2)
    >>> net.initialize()
    >>> net(mx.nd.ones((4, 2))).shape
    (4, 1)

    References
    ----------
    D2L 3.1-3.3 (linear regression); DL 5.1.4.
    """

    def __init__(self, num_outputs=1, in_units=0, **kwargs):
        super().__init__(**kwargs)
        num_outputs = check_positive_int("LinearRegression", "num_outputs", num_outputs)
        self._in_units = check_positive_int("LinearRegression", "in_units", in_units, allow_zero=True)
        with self.name_scope():
            self.output = nn.Dense(num_outputs, in_units=self._in_units)

    def hybrid_forward(self, F, x):
        return self.output(x)


class SoftmaxRegression(_FeatureInputCheck, nn.HybridBlock):
    """One affine layer producing ``num_classes`` logits.

    The softmax itself is left to the loss (``gluon.loss.SoftmaxCrossEntropyLoss``), which computes it
    together with the log for numerical stability.

    Parameters
    ----------
    num_classes : int
        Number of classes.
    in_units : int
        Number of input features (pixels for images); 0 infers them on the first call.

    Examples
    --------
    >>> import mxnet as mx
    >>> net = SoftmaxRegression(num_classes=10)
    >>> net.initialize()
    >>> net(mx.nd.ones((2, 1, 28, 28))).shape
    (2, 10)

    References
    ----------
    D2L 3.4-3.7 (softmax regression).
    """

    def __init__(self, num_classes=10, in_units=0, **kwargs):
        super().__init__(**kwargs)
        num_classes = check_positive_int("SoftmaxRegression", "num_classes", num_classes)
        self._in_units = check_positive_int("SoftmaxRegression", "in_units", in_units, allow_zero=True)
        with self.name_scope():
            self.output = nn.Dense(num_classes, in_units=self._in_units)

    def hybrid_forward(self, F, x):
        return self.output(x)


class MLP(_FeatureInputCheck, nn.HybridBlock):
    """Multilayer perceptron: hidden affine layers with a nonlinearity (and optional dropout), then logits.

    Parameters
    ----------
    num_classes : int
        Number of outputs.
    hidden_units : sequence of int
        Width of each hidden layer; the book uses ``(256,)`` (D2L 3.10) and ``(256, 256)`` (D2L 3.13).
    activation : str
        One of :data:`ACTIVATIONS`.
    dropout : float or sequence of float
        Dropout rate after each hidden layer (one rate for all, or one per layer).
    in_units : int
        Number of input features; 0 infers them on the first call.

    Examples
    --------
    >>> import mxnet as mx
    >>> net = MLP(num_classes=10, hidden_units=(256, 256), dropout=(0.2, 0.5))
    >>> net.initialize()
    >>> net(mx.nd.ones((2, 1, 28, 28))).shape
    (2, 10)

    References
    ----------
    D2L 3.8-3.10 (multilayer perceptron), D2L 3.13 (dropout); DL 6.
    """

    def __init__(self, num_classes=10, hidden_units=(256,), activation="relu", dropout=0.0, in_units=0,
                 **kwargs):
        super().__init__(**kwargs)
        num_classes = check_positive_int("MLP", "num_classes", num_classes)
        if isinstance(hidden_units, numbers.Integral):
            hidden_units = (hidden_units,)
        hidden_units = tuple(check_positive_int("MLP", "hidden_units", h) for h in hidden_units)
        check_choice("MLP", "activation", activation, ACTIVATIONS)
        rates = [dropout] * len(hidden_units) if isinstance(dropout, numbers.Real) else list(dropout)
        if len(rates) != len(hidden_units):
            raise ValueError("MLP: dropout must be one rate or one per hidden layer ({}), got {!r}".format(
                len(hidden_units), dropout))
        rates = [check_rate("MLP", "dropout", rate) for rate in rates]
        self._in_units = check_positive_int("MLP", "in_units", in_units, allow_zero=True)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            units = self._in_units
            for width, rate in zip(hidden_units, rates):
                self.features.add(nn.Dense(width, activation=activation, in_units=units))
                if rate:
                    self.features.add(nn.Dropout(rate))
                units = width
            self.output = nn.Dense(num_classes, in_units=units)

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))


@forwards_kwargs(LinearRegression)
def linear_regression(num_outputs=1, in_units=0, **kwargs):
    """Build :class:`LinearRegression` (uninitialized)."""
    return LinearRegression(num_outputs=num_outputs, in_units=in_units, **kwargs)


@forwards_kwargs(SoftmaxRegression)
def softmax_regression(num_classes=10, in_units=0, **kwargs):
    """Build :class:`SoftmaxRegression` (uninitialized)."""
    return SoftmaxRegression(num_classes=num_classes, in_units=in_units, **kwargs)


@forwards_kwargs(MLP)
def mlp(num_classes=10, hidden_units=(256,), **kwargs):
    """Build :class:`MLP` (uninitialized); the default is the book's one hidden layer of 256 ReLUs."""
    return MLP(num_classes=num_classes, hidden_units=hidden_units, **kwargs)
