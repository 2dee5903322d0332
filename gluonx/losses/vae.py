"""The terms of the variational auto-encoder's evidence lower bound (DL 20.10.3).

``-ELBO(x) = -E_q[log p(x | z)] + KL(q(z | x) || N(0, I))``: the first term is a reconstruction loss
(:class:`BernoulliReconstructionLoss` or :class:`GaussianReconstructionLoss` on the decoder's output for a
sampled ``z``), the second is :class:`GaussianKLLoss` on the encoder's ``(mu, log_var)``. Each returns a sum
over the features of a sample, as the bound needs (not a mean).
"""
import math

from .._validate import check_finite
from ._common import PerSampleLoss, per_sample_sum

__all__ = ["GaussianKLLoss", "BernoulliReconstructionLoss", "GaussianReconstructionLoss"]


class GaussianKLLoss(PerSampleLoss):
    """``KL(N(mu, diag(exp(log_var))) || N(0, I)) = 0.5 sum(exp(log_var) + mu^2 - 1 - log_var)``.

    Inputs: ``mu`` and ``log_var`` ``(batch, ...)`` from the encoder. Output: ``(batch,)``, in nats.

    Examples
    --------
    >>> import mxnet as mx
    >>> GaussianKLLoss()(mx.nd.zeros((2, 3)), mx.nd.zeros((2, 3))).asnumpy()
    array([0., 0.], dtype=float32)

    References
    ----------
    Goodfellow et al., Deep Learning, DL 20.10.3 (variational auto-encoders).
    """

    def hybrid_forward(self, F, mu, log_var):
        return self._weighted(0.5 * per_sample_sum(F, F.exp(log_var) + F.square(mu) - 1 - log_var))


class BernoulliReconstructionLoss(PerSampleLoss):
    """``-log p(x | z)`` for a Bernoulli decoder given by logits: ``sum(softrelu(l) - x l)``.

    Stable for logits of any size (``softrelu(l) = log(1 + exp(l))``). ``x`` may be binary or in [0, 1]
    (grey levels read as probabilities).

    Inputs: ``logits`` and ``x`` ``(batch, ...)``. Output: ``(batch,)``, in nats.

    Examples
    --------
    >>> import mxnet as mx
    >>> round(float(BernoulliReconstructionLoss()(mx.nd.zeros((1, 2)), mx.nd.array([[0, 1]])).asscalar()), 4)
    1.3863

    References
    ----------
    Goodfellow et al., Deep Learning, DL 20.10.3.
    """

    def hybrid_forward(self, F, logits, x):
        return self._weighted(per_sample_sum(F, F.Activation(logits, act_type="softrelu") - x * logits))


class GaussianReconstructionLoss(PerSampleLoss):
    """``-log N(x; mean, exp(log_var) I) = 0.5 sum((x - mean)^2 / exp(log_var) + log_var + log 2 pi)``.

    Parameters
    ----------
    log_var : float
        The decoder's fixed log-variance, used when no ``log_var`` input is given (0: unit variance).
    weight : float, optional
        Scale of the loss.

    Inputs: ``mean`` and ``x`` ``(batch, ...)``; optionally ``log_var`` of the same shape (a decoder that
    predicts its variance). Output: ``(batch,)``, in nats.

    Examples
    --------
    >>> import mxnet as mx
    >>> round(float(GaussianReconstructionLoss()(mx.nd.zeros((1, 1)), mx.nd.zeros((1, 1))).asscalar()), 4)
    0.9189

    References
    ----------
    Goodfellow et al., Deep Learning, DL 20.10.3.
    """

    def __init__(self, log_var=0.0, weight=None, **kwargs):
        super().__init__(weight, **kwargs)
        self._log_var = check_finite("log_var", log_var)

    def hybrid_forward(self, F, mean, x, log_var=None):
        if log_var is None:
            terms = F.square(x - mean) * math.exp(-self._log_var) + self._log_var
        else:
            terms = F.square(x - mean) * F.exp(-log_var) + log_var
        return self._weighted(0.5 * per_sample_sum(F, terms + math.log(2 * math.pi)))
