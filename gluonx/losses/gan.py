"""The GAN's losses from the discriminator's logits, numerically stable (DL 20.10.4).

With ``D = sigmoid(logit)``, ``-log D = softrelu(-logit)`` and ``-log(1 - D) = softrelu(logit)``
(``softrelu(x) = log(1 + exp(x))``): no probability is formed, so saturated discriminators give finite
losses and gradients.
"""
from ._common import PerSampleLoss, per_sample_mean

__all__ = ["GANDiscriminatorLoss", "GANGeneratorLoss"]


def _softrelu(F, x):
    return F.Activation(x, act_type="softrelu")


class GANDiscriminatorLoss(PerSampleLoss):
    """The discriminator's loss ``-log D(x) - log(1 - D(G(z)))`` (minus the minimax value function).

    Inputs: ``real_logits`` (on data) and ``fake_logits`` (on generated samples), ``(batch, ...)`` each.
    Output: ``(batch,)``, the mean over the non-batch axes.

    Examples
    --------
    >>> import mxnet as mx
    >>> round(float(GANDiscriminatorLoss()(mx.nd.zeros((1, 1)), mx.nd.zeros((1, 1))).asscalar()), 4)
    1.3863

    References
    ----------
    Goodfellow et al., Deep Learning, DL 20.10.4 (generative adversarial networks).
    """

    def hybrid_forward(self, F, real_logits, fake_logits):
        return self._weighted(per_sample_mean(F, _softrelu(F, -real_logits) + _softrelu(F, fake_logits)))


class GANGeneratorLoss(PerSampleLoss):
    """The generator's loss from the discriminator's logits on generated samples.

    Parameters
    ----------
    non_saturating : bool
        ``True`` (default): ``-log D(G(z))``, whose gradient stays large while the discriminator rejects
        the samples. ``False``: the minimax loss ``log(1 - D(G(z)))``, which saturates early in training.
    weight : float, optional
        Scale of the loss.

    Inputs: ``fake_logits`` ``(batch, ...)``. Output: ``(batch,)``, the mean over the non-batch axes.

    Examples
    --------
    >>> import mxnet as mx
    >>> round(float(GANGeneratorLoss()(mx.nd.zeros((1, 1))).asscalar()), 4)
    0.6931

    References
    ----------
    Goodfellow et al., Deep Learning, DL 20.10.4.
    """

    def __init__(self, non_saturating=True, weight=None, **kwargs):
        super().__init__(weight, **kwargs)
        self._non_saturating = bool(non_saturating)

    def hybrid_forward(self, F, fake_logits):
        loss = _softrelu(F, -fake_logits) if self._non_saturating else -_softrelu(F, fake_logits)
        return self._weighted(per_sample_mean(F, loss))
