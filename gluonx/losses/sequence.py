"""Softmax cross-entropy over padded sequences, counting only the valid positions (D2L 10.12.3)."""
from ._common import PerSampleLoss, check_unit_interval, masked_per_sample_mean
from .smoothing import smoothed_nll

__all__ = ["MaskedSoftmaxCELoss"]


class MaskedSoftmaxCELoss(PerSampleLoss):
    """Softmax cross-entropy of padded sequences: the positions past each valid length do not count.

    The loss of sample ``b`` is the mean of ``-log softmax(pred[b, t])[label[b, t]]`` over the steps
    ``t < valid_len[b]``; a sample with ``valid_len = 0`` gets 0. (The book's version divides by the padded
    length instead, which makes short sequences count less.)

    Parameters
    ----------
    smoothing : float
        Label smoothing (see :class:`gluonx.losses.LabelSmoothingCELoss`); 0 by default.
    weight : float, optional
        Scale of the loss.

    Inputs: ``pred`` ``(batch, steps, vocab)`` logits; ``label`` ``(batch, steps)`` token ids;
    ``valid_len`` ``(batch,)`` lengths (integer or float; larger than ``steps`` means every step).
    Output: ``(batch,)``.

    Examples
    --------
    >>> import mxnet as mx
    >>> loss = MaskedSoftmaxCELoss()
    >>> pred, label = mx.nd.zeros((2, 4, 10)), mx.nd.ones((2, 4))
    >>> loss(pred, label, mx.nd.array([4, 2])).shape
    (2,)

    References
    ----------
    Dive into Deep Learning (MXNet), D2L 10.12.3 (training the encoder-decoder with a masked loss).
    """

    def __init__(self, smoothing=0.0, weight=None, **kwargs):
        super().__init__(weight, **kwargs)
        self._smoothing = check_unit_interval("smoothing", smoothing, closed=False)

    def hybrid_forward(self, F, pred, label, valid_len):
        nll = smoothed_nll(F, pred, label, self._smoothing)
        mask = F.SequenceMask(F.ones_like(nll), sequence_length=valid_len, use_sequence_length=True,
                              value=0, axis=1)
        return self._weighted(masked_per_sample_mean(F, nll, mask))
