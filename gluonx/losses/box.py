"""Smooth-L1 loss of box offsets under a mask of positive anchors (D2L 9.7.2)."""
from .._validate import check_positive
from ._common import PerSampleLoss, masked_per_sample_mean

__all__ = ["MaskedSmoothL1Loss", "smooth_l1"]


def smooth_l1(F, diff, sigma):
    """``0.5 (sigma x)^2`` where ``|x| < 1 / sigma^2``, else ``|x| - 0.5 / sigma^2`` (elementwise).

    The same function as MXNet's ``smooth_l1`` operator, written with ``where`` so that it also converts to
    ONNX.
    """
    abs_diff = F.abs(diff)
    return F.where(abs_diff < 1.0 / sigma ** 2, 0.5 * sigma ** 2 * F.square(diff), abs_diff - 0.5 / sigma ** 2)


class MaskedSmoothL1Loss(PerSampleLoss):
    """Smooth-L1 distance between predicted and target box offsets, on the masked entries only.

    SSD predicts 4 offsets for every anchor but only anchors matched to an object have a target:
    ``mask`` (1 for those, 0 for background anchors) removes the others. The loss of a sample is
    ``sum(mask * smooth_l1(mask * (pred - label))) / max(sum(mask), 1)``: the mean over the unmasked
    entries, 0 for an image without any positive anchor.

    Parameters
    ----------
    sigma : float
        Sharpness > 0: quadratic for ``|x| < 1 / sigma^2``, linear beyond. Large ``sigma`` tends to the
        book's L1 loss.
    weight : float, optional
        Scale of the loss.

    Inputs: ``pred``, ``label`` and ``mask``, all ``(batch, ...)`` of one shape (``(batch, anchors * 4)``
    for the book's SSD). Output: ``(batch,)``.

    Examples
    --------
    >>> import mxnet as mx
    >>> loss = MaskedSmoothL1Loss(sigma=1.0)
    >>> loss(mx.nd.ones((2, 8)), mx.nd.zeros((2, 8)), mx.nd.ones((2, 8))).asnumpy()
    array([0.5, 0.5], dtype=float32)

    References
    ----------
    Dive into Deep Learning (MXNet), D2L 9.7.2 (SSD's box loss with ``bbox_masks``) and its exercise on
    the smooth L1 loss.
    """

    def __init__(self, sigma=1.0, weight=None, **kwargs):
        super().__init__(weight, **kwargs)
        self._sigma = check_positive("sigma", sigma)

    def hybrid_forward(self, F, pred, label, mask):
        return self._weighted(masked_per_sample_mean(F, smooth_l1(F, (pred - label) * mask, self._sigma), mask))
