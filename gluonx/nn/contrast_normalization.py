"""Global contrast normalization: give every example zero mean and a fixed contrast."""
import math
import numbers

from mxnet import nd
from mxnet.gluon import nn

__all__ = ["GlobalContrastNormalization"]


def _example_mean(F, values):
    """``(batch, 1, n)`` to the ``(batch, 1, 1)`` means."""
    return F.Pooling(values, kernel=(1,), global_pool=True, pool_type="avg")


class GlobalContrastNormalization(nn.HybridBlock):
    """Normalize each example over all of its values (every axis but the batch axis).

    ``X' = s * (X - mean(X)) / max(epsilon, sqrt(lambda + mean((X - mean(X))^2)))``

    where the means run over the ``r * c * 3`` values of one image (any non-batch shape here). The
    contrast is the standard deviation of the example; ``lambda`` (``regularization``) pulls it up for
    low-contrast images, ``epsilon`` only guards against division by zero.

    Parameters
    ----------
    scale : float
        ``s``, the contrast of every normalized example (> 0). 1 is the usual choice.
    regularization : float
        ``lambda`` (>= 0) added to the variance; 0 for large images.
    epsilon : float
        Smallest divisor (>= 0), e.g. 1e-8. ``regularization`` and ``epsilon`` must not both be 0, or a
        constant image would be divided by zero.

    Inputs: ``x`` of shape ``(batch, ...)``, rank >= 2. Output: same shape.

    Examples
    --------
    >>> import mxnet as mx
    >>> gcn = GlobalContrastNormalization(scale=1.0, regularization=10.0, epsilon=1e-8)
    >>> gcn(mx.nd.random.uniform(0, 255, shape=(2, 3, 8, 8))).shape
    (2, 3, 8, 8)

    References
    ----------
    Goodfellow, Bengio & Courville, *Deep Learning*, section 12.2.1.1 (contrast normalization), DL 12.2.1.1.
    """

    def __init__(self, scale=1.0, regularization=0.0, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        for label, value, strict in (("scale", scale, True), ("regularization", regularization, False),
                                     ("epsilon", epsilon, False)):
            if (not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value)
                    or value < 0 or (strict and value == 0)):
                raise ValueError("GlobalContrastNormalization: {} must be a finite number {} 0, got {!r}"
                                 .format(label, ">" if strict else ">=", value))
        if regularization == 0 and epsilon == 0:
            raise ValueError("GlobalContrastNormalization: regularization (lambda) and epsilon are both 0, "
                             "so a constant example would be divided by zero; set one of them > 0")
        self._scale = float(scale)
        self._regularization = float(regularization)
        self._epsilon = float(epsilon)

    def forward(self, x, *args):
        if isinstance(x, nd.NDArray) and x.ndim < 2:
            raise ValueError("GlobalContrastNormalization expects input of shape (batch, ...) with rank >= 2, "
                             "got shape {}".format(x.shape))
        return super().forward(x, *args)

    def hybrid_forward(self, F, x):
        # Means over each example as global average pooling of the flattened (batch, 1, values) view:
        # mxnet 1.9.1 converts F.mean to a ReduceMean node that is invalid at the ONNX opset it
        # exports with (onnx >= 1.13 selects opset 18+); GlobalAveragePool converts everywhere.
        values = F.reshape(x, shape=(0, 1, -1))
        centered = F.broadcast_sub(values, _example_mean(F, values))
        contrast = F.maximum(F.sqrt(_example_mean(F, F.square(centered)) + self._regularization), self._epsilon)
        return F.reshape_like(F.broadcast_div(centered, contrast) * self._scale, x)

    def __repr__(self):
        return "{}(scale={}, regularization={}, epsilon={})".format(
            type(self).__name__, self._scale, self._regularization, self._epsilon)
