"""Non-maximum suppression of detections, class-aware or class-agnostic (D2L 9.4.4), ``F.*`` only.

Detections are rows ``(class_id, score, xmin, ymin, xmax, ymax)`` of a ``(B, N, 6)`` array, the layout of
``contrib.MultiBoxDetection``. Rows are returned sorted by descending score; suppressed rows and rows below
the score threshold are filled with -1.
"""
from mxnet.gluon import HybridBlock

from .coders import DEFAULT_VARIANCES, _check_variances, decode_boxes

__all__ = ["box_nms", "multibox_detection", "BoxNMS", "MultiBoxDetector"]


def box_nms(F, detections, iou_threshold=0.5, score_threshold=0.0, class_aware=True, topk=-1):
    """Greedy NMS: keep the best-scoring box, drop boxes overlapping it by more than ``iou_threshold``, repeat.

    Parameters
    ----------
    F : module
        ``mx.nd`` or ``mx.sym``.
    detections : NDArray or Symbol
        ``(B, N, 6)`` rows ``(class_id, score, xmin, ymin, xmax, ymax)``; class -1 rows are ignored.
    iou_threshold : float
        A box is suppressed when its IoU with a kept box is larger than this.
    score_threshold : float
        Rows with a score below this are dropped before suppression.
    class_aware : bool
        True: a box only suppresses boxes of its own class; False: across classes (the book's ``nms``).
    topk : int
        Only the ``topk`` best-scoring rows take part (-1: all).

    Returns
    -------
    NDArray or Symbol
        ``(B, N, 6)``, kept rows first by descending score, the rest -1.

    References
    ----------
    D2L 9.4.4 (``nms``).
    """
    return F.contrib.box_nms(detections, overlap_thresh=float(iou_threshold), valid_thresh=float(score_threshold),
                             topk=int(topk), coord_start=2, score_index=1, id_index=0,
                             background_id=-1, force_suppress=not class_aware, in_format="corner",
                             out_format="corner")


def multibox_detection(F, class_probs, offsets, anchors, iou_threshold=0.5, score_threshold=0.01,
                       class_aware=True, variances=DEFAULT_VARIANCES, clip=False, topk=-1):
    """Detections from per-anchor class probabilities and offsets: decode, best class, NMS.

    Parameters
    ----------
    class_probs : NDArray or Symbol
        ``(B, C + 1, A)`` probabilities, background in row 0.
    offsets : NDArray or Symbol
        ``(B, A * 4)`` predicted offsets.
    anchors : NDArray or Symbol
        ``(1, A, 4)`` corner anchors.
    clip : bool
        Clip decoded boxes to ``[0, 1]``.

    Returns
    -------
    NDArray or Symbol
        ``(B, A, 6)`` as :func:`box_nms` returns them, class ids counted without the background.

    References
    ----------
    D2L 9.4.4 (``multibox_detection``); ``contrib.MultiBoxDetection``.
    """
    foreground = F.slice_axis(class_probs, axis=1, begin=1, end=None)          # (B, C, A)
    score = F.max(foreground, axis=1)
    class_id = F.argmax(foreground, axis=1)
    boxes = decode_boxes(F, anchors, F.reshape(offsets, (0, -1, 4)), variances)
    if clip:
        boxes = F.clip(boxes, 0.0, 1.0)
    detections = F.concat(F.expand_dims(class_id, -1), F.expand_dims(score, -1), boxes, dim=-1)
    return box_nms(F, detections, iou_threshold, score_threshold, class_aware, topk)


class BoxNMS(HybridBlock):
    """Non-maximum suppression as a block (D2L 9.4.4); see :func:`box_nms` for the arguments."""

    def __init__(self, iou_threshold=0.5, score_threshold=0.0, class_aware=True, topk=-1, **kwargs):
        super().__init__(**kwargs)
        self._args = (float(iou_threshold), float(score_threshold), bool(class_aware), int(topk))

    def hybrid_forward(self, F, detections):
        return box_nms(F, detections, *self._args)


class MultiBoxDetector(HybridBlock):
    """Decode and suppress anchor predictions (D2L 9.4.4), as ``contrib.MultiBoxDetection``:
    ``forward(class_probs (B,C+1,A), offsets (B,A*4), anchors (1,A,4)) -> (B, A, 6)``.

    Parameters
    ----------
    portable : bool
        By default MXNet's fused ``contrib.MultiBoxDetection`` runs (same detections, much faster on many
        anchors); ``portable=True`` composes the decoder with ``box_nms``, which ONNX export can convert.
        See :func:`multibox_detection` for the other arguments.
    """

    def __init__(self, iou_threshold=0.5, score_threshold=0.01, class_aware=True, variances=DEFAULT_VARIANCES,
                 clip=False, topk=-1, portable=False, **kwargs):
        super().__init__(**kwargs)
        self._args = dict(iou_threshold=float(iou_threshold), score_threshold=float(score_threshold),
                          class_aware=bool(class_aware), variances=_check_variances(variances), clip=bool(clip),
                          topk=int(topk))
        self._portable = bool(portable)

    def hybrid_forward(self, F, class_probs, offsets, anchors):
        if self._portable:
            return multibox_detection(F, class_probs, offsets, anchors, **self._args)
        args = self._args
        return F.contrib.MultiBoxDetection(class_probs, offsets, anchors, clip=args["clip"],
                                           threshold=args["score_threshold"], background_id=0,
                                           nms_threshold=args["iou_threshold"],
                                           force_suppress=not args["class_aware"], variances=args["variances"],
                                           nms_topk=args["topk"])
