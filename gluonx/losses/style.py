"""The three losses of neural style transfer (D2L 9.11): content, style (Gram matrices) and total variation.

The book writes them for one image (batch 1) as means over every element; here each is a per-sample mean
over every axis but the batch axis, which is the book's value for a batch of one.
"""
from mxnet.gluon import HybridBlock

from ._common import PerSampleLoss, per_sample_mean, per_sample_sum

__all__ = ["gram_matrix", "GramMatrix", "ContentLoss", "StyleLoss", "TotalVariationLoss"]


def gram_matrix(F, features):
    """Gram matrix of ``(batch, C, ...)`` features, normalized as the book does: ``X X^T / (C * n)``.

    ``X`` is one sample's features as a ``(C, n)`` matrix (``n`` the spatial positions), so the result is
    ``(batch, C, C)`` and does not grow with the image or the channel count.

    References
    ----------
    D2L 9.11.6 (style loss: ``gram(X) = X X^T / (num_channels * n)``).
    """
    flat = F.reshape(features, (0, 0, -1))
    # C * n per sample, from the data itself so the hybridized graph takes any feature size.
    count = F.reshape(per_sample_sum(F, F.ones_like(flat)), (-1, 1, 1))
    return F.broadcast_div(F.batch_dot(flat, flat, transpose_b=True), count)


class GramMatrix(HybridBlock):
    """The normalized Gram matrix of :func:`gram_matrix` as a block: ``(batch, C, H, W) -> (batch, C, C)``.

    Examples
    --------
    >>> import mxnet as mx
    >>> GramMatrix()(mx.nd.ones((1, 2, 3, 3))).asnumpy()
    array([[[0.5, 0.5],
            [0.5, 0.5]]], dtype=float32)

    References
    ----------
    D2L 9.11.6.
    """

    def hybrid_forward(self, F, features):
        return gram_matrix(F, features)


class ContentLoss(PerSampleLoss):
    """Content loss: the mean squared difference of the synthesized image's and the content image's
    features at a content layer (D2L 9.11.6).

    Inputs: ``pred`` and ``target`` features of one shape ``(batch, ...)``. Like Gluon's losses it lets
    gradients reach the target too; the book's target is a constant (``detach()`` it, as
    :func:`gluonx.apps.style_transfer.stylize` does). Output: ``(batch,)``.

    Examples
    --------
    >>> import mxnet as mx
    >>> ContentLoss()(mx.nd.array([[1.0, 3.0]]), mx.nd.array([[0.0, 1.0]])).asnumpy()
    array([2.5], dtype=float32)

    References
    ----------
    D2L 9.11.6 (content loss).
    """

    def hybrid_forward(self, F, pred, target):
        return self._weighted(per_sample_mean(F, F.square(pred - target)))


class StyleLoss(PerSampleLoss):
    """Style loss: the mean squared difference of the Gram matrix of the synthesized image's features and
    the style image's Gram matrix at a style layer (D2L 9.11.6).

    Inputs: ``pred`` features ``(batch, C, H, W)`` (any number of spatial axes); ``target_gram`` the style
    image's ``(batch, C, C)`` Gram matrix from :func:`gram_matrix` (computed once; detach it).
    Output: ``(batch,)``.

    Examples
    --------
    >>> import mxnet as mx
    >>> StyleLoss()(mx.nd.ones((1, 2, 3, 3)), mx.nd.zeros((1, 2, 2))).asnumpy()
    array([0.25], dtype=float32)

    References
    ----------
    D2L 9.11.6 (style loss).
    """

    def hybrid_forward(self, F, pred, target_gram):
        diff = gram_matrix(F, pred) - target_gram
        return self._weighted(per_sample_mean(F, F.square(diff)))


class TotalVariationLoss(PerSampleLoss):
    """Total-variation loss: half the mean absolute difference of vertically plus half that of horizontally
    adjacent pixels, which smooths the high-frequency noise of the synthesized image (D2L 9.11.6).

    Inputs: ``pred`` images ``(batch, C, H, W)`` with ``H, W >= 2``. Output: ``(batch,)``.

    Examples
    --------
    >>> import mxnet as mx
    >>> TotalVariationLoss()(mx.nd.array([[[[0.0, 1.0], [0.0, 1.0]]]])).asnumpy()
    array([0.5], dtype=float32)

    References
    ----------
    D2L 9.11.6 (total variation loss).
    """

    def hybrid_forward(self, F, pred):
        down = F.slice_axis(pred, axis=2, begin=1, end=None) - F.slice_axis(pred, axis=2, begin=0, end=-1)
        right = F.slice_axis(pred, axis=3, begin=1, end=None) - F.slice_axis(pred, axis=3, begin=0, end=-1)
        return self._weighted(0.5 * (per_sample_mean(F, F.abs(down)) + per_sample_mean(F, F.abs(right))))
