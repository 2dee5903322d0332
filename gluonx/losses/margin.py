"""Margin losses: the multi-class (squared) hinge of the SVM and the contrastive loss of siamese pairs."""
from .._validate import check_non_negative
from ._common import PerSampleLoss, per_sample_mean

__all__ = ["MultiClassHingeLoss", "MultiClassSquaredHingeLoss", "ContrastiveLoss"]

#: Squared distances below this are clipped before the square root, whose gradient is infinite at 0.
_MIN_SQUARED_DISTANCE = 1e-12


class MultiClassHingeLoss(PerSampleLoss):
    """Multi-class hinge loss ``sum_{j != y} max(0, s_j - s_y + margin)`` (squared terms if ``squared``).

    The multi-class SVM criterion (Weston and Watkins): every wrong class must score at least ``margin``
    below the right one; with ``squared=True`` each violation is squared (a differentiable hinge).

    Parameters
    ----------
    margin : float
        Required gap >= 0.
    squared : bool
        Square each term (squared hinge).
    weight : float, optional
        Scale of the loss.

    Inputs: ``pred`` ``(batch, ..., C)`` scores; ``label`` ``(batch, ...)`` class ids.
    Output: ``(batch,)``, the mean over the positions of each sample.

    Examples
    --------
    >>> import mxnet as mx
    >>> MultiClassHingeLoss()(mx.nd.array([[3.0, 2.5, -1.0]]), mx.nd.array([0])).asnumpy()
    array([0.5], dtype=float32)

    References
    ----------
    Goodfellow et al., Deep Learning, DL 5.7.2 (support vector machines) and DL 6.2.1 (cost functions).
    """

    def __init__(self, margin=1.0, squared=False, weight=None, **kwargs):
        super().__init__(weight, **kwargs)
        self._margin = check_non_negative("margin", margin)
        self._squared = bool(squared)

    def hybrid_forward(self, F, pred, label):
        right = F.expand_dims(F.pick(pred, label, axis=-1), axis=-1)
        terms = F.relu(F.broadcast_sub(pred, right) + self._margin)
        if self._squared:
            terms = F.square(terms)
        # The labelled class contributes exactly max(0, 0 + margin)^p (s_y - s_y is exactly 0): remove it
        # instead of building a one-hot, which would need the number of classes.
        own = self._margin ** 2 if self._squared else self._margin
        return self._weighted(per_sample_mean(F, F.sum(terms, axis=-1) - own))


class MultiClassSquaredHingeLoss(MultiClassHingeLoss):
    """Multi-class squared hinge ``sum_{j != y} max(0, s_j - s_y + margin)^2``: ``MultiClassHingeLoss`` with
    ``squared=True``, under its own name so that ``gluonx.get_loss("multiclass_squared_hinge")`` is squared.

    References
    ----------
    Goodfellow et al., Deep Learning, DL 5.7.2.
    """

    def __init__(self, margin=1.0, weight=None, **kwargs):
        super().__init__(margin=margin, squared=True, weight=weight, **kwargs)


class ContrastiveLoss(PerSampleLoss):
    """Contrastive loss of a pair of embeddings: pull similar pairs together, push others past a margin.

    With ``d = ||a - b||``: ``label * d^2 / 2 + (1 - label) * max(0, margin - d)^2 / 2``. In the second
    term ``d`` is at least 1e-6, so that identical embeddings get a finite gradient.

    Parameters
    ----------
    margin : float
        Distance (>= 0) beyond which dissimilar pairs cost nothing.
    weight : float, optional
        Scale of the loss.

    Inputs: ``anchor`` and ``other`` ``(batch, dim)`` embeddings; ``label`` ``(batch,)``, 1 for a similar
    pair and 0 for a dissimilar one (the convention of Gluon's ``CosineEmbeddingLoss``).
    Output: ``(batch,)``.

    Examples
    --------
    >>> import mxnet as mx
    >>> loss = ContrastiveLoss(margin=1.0)
    >>> loss(mx.nd.zeros((1, 2)), mx.nd.array([[0.6, 0.8]]), mx.nd.array([1])).asnumpy()
    array([0.5], dtype=float32)

    References
    ----------
    Hadsell, Chopra and LeCun, Dimensionality Reduction by Learning an Invariant Mapping (2006); a margin
    loss like the SVM's hinge, DL 5.7.2.
    """

    def __init__(self, margin=1.0, weight=None, **kwargs):
        super().__init__(weight, **kwargs)
        self._margin = check_non_negative("margin", margin)

    def hybrid_forward(self, F, anchor, other, label):
        squared = F.sum(F.square(anchor - other), axis=-1)
        distance = F.sqrt(F.maximum(squared, _MIN_SQUARED_DISTANCE))
        loss = 0.5 * (label * squared + (1 - label) * F.square(F.relu(self._margin - distance)))
        return self._weighted(loss)
