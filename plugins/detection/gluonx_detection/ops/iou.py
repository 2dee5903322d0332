"""Intersection over union of boxes in corner format (D2L 9.4.2), ``F.*`` only.

Both functions broadcast one set of boxes against the other, so they hybridize and export; the batched form
keeps a leading batch axis on both sides.
"""
from mxnet.gluon import HybridBlock

from .box_convert import box_coordinates

__all__ = ["box_iou", "batch_box_iou", "BoxIoU"]


def _iou_from_broadcast(F, a, b):
    """IoU of ``a`` (..., N, 1, 4) against ``b`` (..., 1, M, 4) by broadcasting."""
    a_xmin, a_ymin, a_xmax, a_ymax = box_coordinates(F, a)
    b_xmin, b_ymin, b_xmax, b_ymax = box_coordinates(F, b)
    # max(u, v) = -min(-u, -v): MXNet's ONNX export has no converter for broadcast_maximum.
    inter_w = F.relu(F.broadcast_add(F.broadcast_minimum(a_xmax, b_xmax), F.broadcast_minimum(-a_xmin, -b_xmin)))
    inter_h = F.relu(F.broadcast_add(F.broadcast_minimum(a_ymax, b_ymax), F.broadcast_minimum(-a_ymin, -b_ymin)))
    inter = inter_w * inter_h
    area_a = F.relu(a_xmax - a_xmin) * F.relu(a_ymax - a_ymin)
    area_b = F.relu(b_xmax - b_xmin) * F.relu(b_ymax - b_ymin)
    union = F.broadcast_sub(F.broadcast_add(area_a, area_b), inter)
    # Two empty boxes have no union: their IoU is 0, not NaN.
    return F.squeeze(inter / F.maximum(union, 1e-12), axis=-1)


def box_iou(F, boxes1, boxes2):
    """Pairwise IoU of ``(N, 4)`` and ``(M, 4)`` corner boxes, shape ``(N, M)``.

    Parameters
    ----------
    F : module
        ``mx.nd`` or ``mx.sym``.
    boxes1, boxes2 : NDArray or Symbol
        Corner-format boxes. Degenerate boxes (``xmax < xmin``) have area 0.

    Returns
    -------
    NDArray or Symbol
        ``iou[i, j]`` = IoU of ``boxes1[i]`` and ``boxes2[j]``, in ``[0, 1]``.

    References
    ----------
    D2L 9.4.2 (``box_iou``, the Jaccard index).
    """
    return _iou_from_broadcast(F, F.expand_dims(boxes1, axis=1), F.expand_dims(boxes2, axis=0))


def batch_box_iou(F, boxes1, boxes2):
    """IoU per batch element of ``(B, N, 4)`` and ``(B, M, 4)`` corner boxes, shape ``(B, N, M)`` (D2L 9.4.2)."""
    return _iou_from_broadcast(F, F.expand_dims(boxes1, axis=2), F.expand_dims(boxes2, axis=1))


class BoxIoU(HybridBlock):
    """IoU of two sets of corner boxes as a block (D2L 9.4.2).

    Parameters
    ----------
    batched : bool
        False: inputs ``(N, 4)``, ``(M, 4)`` give ``(N, M)``; True: ``(B, N, 4)``, ``(B, M, 4)`` give
        ``(B, N, M)``.
    portable : bool
        Pairwise IoU runs MXNet's fused ``contrib.box_iou`` (several times faster, equal results for valid
        boxes) unless ``portable=True``, which uses the broadcast formula that ONNX export can convert
        (``box_iou`` has no converter). The batched form is always the portable one.
    """

    def __init__(self, batched=False, portable=False, **kwargs):
        super().__init__(**kwargs)
        self._batched = bool(batched)
        self._portable = bool(portable)

    def hybrid_forward(self, F, boxes1, boxes2):
        if self._batched:
            return batch_box_iou(F, boxes1, boxes2)
        if self._portable:
            return box_iou(F, boxes1, boxes2)
        return F.contrib.box_iou(boxes1, boxes2, format="corner")
