"""The ``k`` best-scoring rows of a batch of detections, ``F.*`` only (D2L 9.4.4 keeps the best boxes)."""
from mxnet.gluon import HybridBlock

__all__ = ["top_k_detections", "TopKDetections"]


def top_k_detections(F, detections, k, score_index=1):
    """The ``k`` rows of ``detections (B, N, D)`` with the largest ``score_index`` column, best first.

    Parameters
    ----------
    F : module
        ``mx.nd`` or ``mx.sym``.
    detections : NDArray or Symbol
        ``(B, N, D)`` rows.
    k : int
        Number of rows kept, ``1 <= k <= N``.
    score_index : int
        Column holding the score.

    Returns
    -------
    NDArray or Symbol
        ``(B, k, D)``.
    """
    if int(k) < 1:
        raise ValueError("top-k needs k >= 1, got {}".format(k))
    scores = F.slice_axis(detections, axis=-1, begin=score_index, end=score_index + 1)
    order = F.topk(F.reshape(scores, (0, -1)), axis=-1, k=int(k), ret_typ="indices", is_ascend=False)  # (B, k)
    # The batch index comes from the data (arange_like), so the batch stays dynamic in exports.
    batch_index = F.broadcast_like(F.expand_dims(F.contrib.arange_like(order, axis=0), -1), order)
    return F.gather_nd(detections, F.stack(batch_index, order, axis=0))


class TopKDetections(HybridBlock):
    """Keep the ``k`` best-scoring detections of each image (see :func:`top_k_detections`)."""

    def __init__(self, k, score_index=1, **kwargs):
        super().__init__(**kwargs)
        if int(k) < 1:
            raise ValueError("top-k needs k >= 1, got {}".format(k))
        self._k = int(k)
        self._score_index = int(score_index)

    def hybrid_forward(self, F, detections):
        return top_k_detections(F, detections, self._k, self._score_index)
