"""Label-smoothing cross-entropy: the target is mixed with the uniform distribution (DL 7.5.1)."""
from ._common import PerSampleLoss, check_unit_interval, per_sample_mean

__all__ = ["LabelSmoothingCELoss", "smoothed_nll"]


def smoothed_nll(F, logits, label, smoothing):
    """Cross-entropy of ``softmax(logits)`` against a smoothed one-hot target, per position.

    The target puts ``1 - smoothing + smoothing / C`` on the labelled class and ``smoothing / C`` on each
    other class, so ``-sum_k q_k log p_k = -(1 - smoothing) log p_y - smoothing * mean_k log p_k``.

    Parameters
    ----------
    F : module
        ``mx.nd`` or ``mx.sym``.
    logits : NDArray or Symbol
        ``(..., C)`` unnormalized scores.
    label : NDArray or Symbol
        ``(...)`` class ids (any dtype).
    smoothing : float
        The mass moved to the uniform distribution; 0 gives the plain cross-entropy.

    Returns
    -------
    NDArray or Symbol
        ``(...)`` losses.
    """
    log_probs = F.log_softmax(logits, axis=-1)
    nll = -F.pick(log_probs, label, axis=-1)
    if not smoothing:
        return nll
    return (1 - smoothing) * nll - smoothing * F.mean(log_probs, axis=-1)


class LabelSmoothingCELoss(PerSampleLoss):
    """Softmax cross-entropy against labels smoothed towards the uniform distribution.

    With ``C`` classes, the target of a sample labelled ``y`` is ``(1 - eps) one_hot(y) + eps / C``:
    the model is no longer pushed to infinite logits for a label that may be wrong.

    Parameters
    ----------
    smoothing : float
        ``eps`` in [0, 1); 0 gives the plain softmax cross-entropy.
    weight : float, optional
        Scale of the loss.

    Inputs: ``pred`` ``(batch, ..., C)`` logits; ``label`` ``(batch, ...)`` class ids.
    Output: ``(batch,)``, the mean over the positions of each sample.

    Examples
    --------
    >>> import mxnet as mx
    >>> loss = LabelSmoothingCELoss(smoothing=0.1)
    >>> loss(mx.nd.array([[2.0, 0.0, -1.0]]), mx.nd.array([0])).shape
    (1,)

    References
    ----------
    Goodfellow et al., Deep Learning, DL 7.5.1 (injecting noise at the output targets).
    """

    def __init__(self, smoothing=0.1, weight=None, **kwargs):
        super().__init__(weight, **kwargs)
        self._smoothing = check_unit_interval("smoothing", smoothing, closed=False)

    def hybrid_forward(self, F, pred, label):
        return self._weighted(per_sample_mean(F, smoothed_nll(F, pred, label, self._smoothing)))
