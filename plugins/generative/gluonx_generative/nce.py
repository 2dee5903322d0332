"""Noise-contrastive estimation of a Bernoulli RBM with its log partition function learned (DL 18.6).

NCE turns density estimation into classifying data against samples of a known noise distribution
``p_noise``: the model ``log p_model(v) = -F(v) - log Z`` gets ``log Z`` as one more parameter, and the
logistic loss of ``G(v) = log p_model(v) - log p_noise(v) - log k`` (``k`` noise samples per data sample)

    ``-log sigmoid(G(v)) - sum_{j=1..k} log sigmoid(-G(y_j))``,  ``y_j ~ p_noise``

is minimized over all parameters. Because the classifier is only right when ``p_model`` is normalized, the
learned ``log Z`` approaches the true one. The noise here is factorial Bernoulli with the data's marginals.
"""
import mxnet as mx
import numpy as np
from mxnet.gluon import HybridBlock

from .criteria import PerSampleLossStep
from .rbm import BernoulliRBM

__all__ = ["NCERBM", "NoiseContrastiveStep", "factorial_log_prob", "nce_rbm"]


def factorial_log_prob(F, v, logits):
    """``log p(v)`` of independent Bernoulli units with the given logits, per row."""
    return F.sum(F.broadcast_mul(v, logits.expand_dims(0))
                 - F.Activation(logits, act_type="softrelu").expand_dims(0), axis=1)


class NCERBM(HybridBlock):
    """A Bernoulli RBM with a learned log partition function: forward ``log p_model(v) = -F(v) - log Z``
    (shape ``(B,)``), trained by :class:`NoiseContrastiveStep` (DL 18.6).

    Parameters
    ----------
    n_visible, n_hidden : int
    weight_scale : float
    """

    def __init__(self, n_visible, n_hidden, weight_scale=0.01, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.rbm = BernoulliRBM(n_visible, n_hidden, weight_scale=weight_scale, prefix="rbm_")
            self.log_partition = self.params.get("log_partition", shape=(1,), init="zeros")

    @property
    def n_visible(self):
        return self.rbm.n_visible

    def hybrid_forward(self, F, v, log_partition):
        return F.broadcast_sub(-self.rbm(v), log_partition)


class NoiseContrastiveStep(PerSampleLossStep):
    """Noise-contrastive estimation (DL 18.6) of an :class:`NCERBM`.

    Parameters
    ----------
    noise_marginals : array of shape (n_visible,)
        ``p(v_i = 1)`` of the factorial noise (usually the training data's, clipped away from 0 and 1).
    noise_ratio : int
        ``k``, noise samples per data sample.
    """

    def __init__(self, noise_marginals, noise_ratio=1):
        super().__init__()
        marginals = np.clip(np.asarray(noise_marginals, dtype=np.float64), 1e-3, 1 - 1e-3)
        if marginals.ndim != 1:
            raise ValueError("noise_marginals must be one probability per visible unit, got shape {}".format(
                marginals.shape))
        if isinstance(noise_ratio, bool) or int(noise_ratio) != noise_ratio or noise_ratio < 1:
            raise ValueError("noise_ratio must be a positive integer, got {!r}".format(noise_ratio))
        self.marginals = marginals.astype(np.float32)
        self.logits = np.log(marginals / (1 - marginals)).astype(np.float32)
        self.noise_ratio = int(noise_ratio)

    def _loss(self, net, v):
        nd, k = mx.nd, self.noise_ratio
        if v.shape[1] != len(self.marginals):
            raise ValueError("NoiseContrastiveStep: noise has {} units, the data {}".format(len(self.marginals),
                                                                                            v.shape[1]))
        marginals = nd.array(self.marginals, ctx=v.context)
        logits = nd.array(self.logits, ctx=v.context)
        noise = nd.broadcast_lesser(nd.random.uniform(shape=(v.shape[0] * k, v.shape[1]), ctx=v.context),
                                    marginals.expand_dims(0))
        log_k = float(np.log(k))
        data_g = net(v) - factorial_log_prob(nd, v, logits) - log_k
        noise_g = net(noise) - factorial_log_prob(nd, noise, logits) - log_k
        # -log sigmoid(g) = softplus(-g); each data row carries its k noise rows
        noise_term = nd.Activation(noise_g, act_type="softrelu").reshape((v.shape[0], k)).sum(axis=1)
        return nd.Activation(-data_g, act_type="softrelu") + noise_term


def nce_rbm(n_visible=64, n_hidden=32):
    """Registry factory of :class:`NCERBM` (DL 18.6)."""
    return NCERBM(n_visible, n_hidden)
