"""Additive Gaussian noise on activations, active only while training."""
import math
import numbers

from mxnet.gluon import nn

__all__ = ["GaussianNoise"]


class GaussianNoise(nn.HybridBlock):
    """Add zero-mean Gaussian noise ``N(0, stddev^2)`` to the input in training; identity in inference.

    Injecting noise into inputs or hidden units is a regularizer (for small noise on the inputs of a
    linear model it is equivalent to weight decay).

    The mode switch happens inside the graph, so a hybridized or exported network switches with
    ``autograd.record()`` / ``autograd.train_mode()`` exactly like ``nn.Dropout``: a Python
    ``if autograd.is_training()`` in ``hybrid_forward`` would be frozen into the graph at its first call.
    The training indicator is ``|Dropout(1, p=0.5) - 1|``, which is exactly 1 in training (dropout gives 0
    or 2) and exactly 0 in inference. The normal samples come from two uniform samples (Box-Muller), so
    the graph converts to ONNX, where it reduces to the identity.

    Parameters
    ----------
    stddev : float
        Standard deviation of the noise, ``>= 0``.

    Inputs: ``x`` of any shape. Output: same shape and dtype.

    Examples
    --------
    >>> import mxnet as mx
    >>> noise = GaussianNoise(0.1)
    >>> x = mx.nd.ones((2, 3))
    >>> (noise(x) == x).min().asscalar()       # inference: unchanged
    1.0
    >>> with mx.autograd.train_mode():
    ...     noisy = noise(x)                   # training: x + N(0, 0.01)

    References
    ----------
    Goodfellow, Bengio & Courville, *Deep Learning*, section 7.5 (noise robustness), DL 7.5.
    """

    def __init__(self, stddev, **kwargs):
        super().__init__(**kwargs)
        if (not isinstance(stddev, numbers.Real) or isinstance(stddev, bool) or not math.isfinite(stddev)
                or stddev < 0):
            raise ValueError("GaussianNoise: stddev must be a finite number >= 0, got {!r}".format(stddev))
        self._stddev = float(stddev)

    def hybrid_forward(self, F, x):
        training = F.abs(F.Dropout(F.ones_like(x), p=0.5) - 1)
        # 1 - U[0, 1) lies in (0, 1], so the logarithm is finite.
        radius = F.sqrt(-2 * F.log(1 - F.random.uniform_like(x)))
        angle = (2 * math.pi) * F.random.uniform_like(x)
        return x + (self._stddev * training) * (radius * F.cos(angle))

    def __repr__(self):
        return "{}(stddev={})".format(type(self).__name__, self._stddev)
