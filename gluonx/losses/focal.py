"""Focal loss: sigmoid cross-entropy that down-weights easy examples (Lin et al. 2017; D2L 9.7 exercises)."""
from .._validate import check_non_negative
from ._common import PerSampleLoss, check_unit_interval, masked_per_sample_mean, per_sample_mean

__all__ = ["FocalLoss"]


class FocalLoss(PerSampleLoss):
    """Per-class sigmoid focal loss, ``-alpha_t (1 - p_t)^gamma log p_t``, computed from logits.

    Each of the ``C`` classes is an independent binary problem with ``p = sigmoid(pred)``. A positive
    contributes ``-alpha (1 - p)^gamma log p``, a negative ``-(1 - alpha) p^gamma log(1 - p)``. Both are
    written with ``softrelu(x) = log(1 + exp(x))`` only (``log p = -softrelu(-x)``,
    ``(1 - p)^gamma = exp(-gamma softrelu(x))``), so logits of any size give finite values and gradients.

    Parameters
    ----------
    alpha : float or None
        Weight of positives in [0, 1] (negatives get ``1 - alpha``); ``None`` weighs both by 1.
    gamma : float
        Focusing exponent >= 0; ``gamma=0, alpha=None`` is the sigmoid binary cross-entropy.
    sparse_label : bool
        ``True``: ``label`` holds one class id per position; an id in ``[0, C)`` marks that class positive
        and every other class negative, a negative id marks a background position (every class negative).
        ``False``: ``label`` has ``pred``'s shape and holds targets in [0, 1].
    ignore_label : int, optional
        With sparse labels, positions whose id equals it count neither in the sum nor in the mean (e.g.
        anchors between the matching thresholds). Must be negative; ``None`` (default) ignores nothing.
    weight : float, optional
        Scale of the loss.

    Inputs: ``pred`` ``(batch, ..., C)`` logits; ``label`` ``(batch, ...)`` ids (sparse) or
    ``(batch, ..., C)`` targets. Class ids must be below ``C``.
    Output: ``(batch,)``: per position the sum over the classes, then the mean over the (not ignored)
    positions of each sample; 0 for a sample whose positions are all ignored. (RetinaNet divides by the
    number of positive anchors instead: scale the batch's sum accordingly.)

    Examples
    --------
    >>> import mxnet as mx
    >>> loss = FocalLoss(alpha=0.25, gamma=2.0, ignore_label=-2)
    >>> loss(mx.nd.zeros((1, 3, 4)), mx.nd.array([[2, -1, -2]])).shape
    (1,)

    References
    ----------
    Lin et al., Focal Loss for Dense Object Detection (2017); proposed for SSD's class loss in the
    exercises of D2L 9.7.
    """

    def __init__(self, alpha=0.25, gamma=2.0, sparse_label=True, ignore_label=None, weight=None, **kwargs):
        super().__init__(weight, **kwargs)
        self._alpha = None if alpha is None else check_unit_interval("alpha", alpha)
        self._gamma = check_non_negative("gamma", gamma)
        if ignore_label is not None and (int(ignore_label) != ignore_label or ignore_label >= 0):
            raise ValueError("ignore_label must be a negative integer (class ids are 0..C-1), got {!r}"
                             .format(ignore_label))
        self._sparse = bool(sparse_label)
        self._ignore = ignore_label

    def _terms(self, F, pred):
        """Per-class losses if the class were positive, and if it were negative."""
        log_one_minus_p = -F.Activation(pred, act_type="softrelu")
        log_p = -F.Activation(-pred, act_type="softrelu")
        positive = -F.exp(self._gamma * log_one_minus_p) * log_p
        negative = -F.exp(self._gamma * log_p) * log_one_minus_p
        if self._alpha is not None:
            positive, negative = self._alpha * positive, (1 - self._alpha) * negative
        return positive, negative

    def hybrid_forward(self, F, pred, label):
        positive, negative = self._terms(F, pred)
        if not self._sparse:
            per_class = label * positive + (1 - label) * negative
            return self._weighted(per_sample_mean(F, F.sum(per_class, axis=-1)))
        # Every class counted as negative, then the labelled class switched to positive: no one-hot, so
        # the number of classes is read from the data.
        switch = F.pick(positive - negative, label, axis=-1)
        per_position = F.sum(negative, axis=-1) + F.where(label >= 0, switch, F.zeros_like(switch))
        if self._ignore is None:
            return self._weighted(per_sample_mean(F, per_position))
        keep = F.where(label == self._ignore, F.zeros_like(per_position), F.ones_like(per_position))
        return self._weighted(masked_per_sample_mean(F, per_position, keep))
