"""Labelling anchors with ground-truth boxes (D2L 9.4.3), ``F.*`` only.

Assignment follows the book: every ground-truth box first gets its best anchor by greedy matching (take
the largest IoU of the whole matrix, assign, discard its row and column, repeat), then every other anchor
whose best IoU reaches the threshold takes that box. Ground-truth rows whose class is negative are padding
(labels of a batch are padded to one length with ``-1`` rows) and are never assigned.
"""
from mxnet.gluon import HybridBlock

from .coders import DEFAULT_VARIANCES, _check_variances, encode_boxes
from .iou import batch_box_iou

__all__ = ["assign_anchors", "multibox_target", "AnchorAssigner", "AnchorTargets"]


def assign_anchors(F, anchors, gt_boxes, gt_valid, iou_threshold=0.5):
    """Index of the ground-truth box assigned to each anchor, ``-1`` for background.

    Parameters
    ----------
    F : module
        ``mx.nd`` or ``mx.sym``.
    anchors : NDArray or Symbol
        ``(B, A, 4)`` corner anchors (broadcast ``(1, A, 4)`` anchors with ``broadcast_like`` first).
    gt_boxes : NDArray or Symbol
        ``(B, M, 4)`` corner ground-truth boxes.
    gt_valid : NDArray or Symbol
        ``(B, M)`` 1 for real boxes, 0 for padding.
    iou_threshold : float
        Anchors not taken by greedy matching are assigned when their best IoU is at least this.

    Returns
    -------
    NDArray or Symbol
        ``(B, A)`` float indices into the M boxes, -1 for background.

    References
    ----------
    D2L 9.4.3 (``assign_anchor_to_bbox``).
    """
    iou = batch_box_iou(F, anchors, gt_boxes)                                  # (B, A, M)
    valid = F.expand_dims(gt_valid, axis=1)
    # Padding columns get -1, below every real IoU, so neither step can pick them.
    iou = F.broadcast_sub(F.broadcast_mul(iou, valid), 1.0 - valid)
    # Greedy matching in descending order: the book's loop over the whole matrix. Threshold 0 keeps a real
    # box whose IoU with every anchor is 0 (the book still assigns it one anchor).
    greedy = F.contrib.bipartite_matching(iou, threshold=0.0, is_ascend=False)[0]   # (B, A)
    best = F.max(iou, axis=-1)
    best_index = F.argmax(iou, axis=-1)
    by_threshold = F.where(best >= iou_threshold, best_index, F.ones_like(best_index) * -1)
    return F.where(greedy >= 0, greedy, by_threshold)


def multibox_target(F, anchors, labels, iou_threshold=0.5, variances=DEFAULT_VARIANCES, eps=1e-6):
    """Class and offset targets of every anchor for a batch of labels.

    Parameters
    ----------
    anchors : NDArray or Symbol
        ``(1, A, 4)`` corner anchors shared by the batch (as :class:`AnchorGenerator` makes them).
    labels : NDArray or Symbol
        ``(B, M, 5)`` rows ``(class, xmin, ymin, xmax, ymax)``; class -1 marks padding.

    Returns
    -------
    tuple of NDArray or Symbol
        ``offsets (B, A*4)``, ``mask (B, A*4)`` (1 on positive anchors) and ``class_labels (B, A)`` with
        0 for background and ``class + 1`` otherwise, as the book's ``multibox_target`` returns them.

    References
    ----------
    D2L 9.4.3 (``multibox_target``).
    """
    classes = F.slice_axis(labels, axis=-1, begin=0, end=1)                   # (B, M, 1)
    gt_boxes = F.slice_axis(labels, axis=-1, begin=1, end=5)
    gt_valid = F.reshape(classes >= 0, (0, -1))
    batch_anchors = F.broadcast_like(anchors, F.slice_axis(labels, axis=1, begin=0, end=1),
                                     lhs_axes=(0,), rhs_axes=(0,))
    assigned = assign_anchors(F, batch_anchors, gt_boxes, gt_valid, iou_threshold)
    # A one-hot product gathers each anchor's row of labels; background (-1) gathers zeros, as in the book.
    one_hot = _one_hot_like(F, assigned, gt_valid)
    matched = F.batch_dot(one_hot, labels)                                      # (B, A, 5)
    positive = F.expand_dims(assigned >= 0, axis=-1)                            # (B, A, 1)
    matched_boxes = F.slice_axis(matched, axis=-1, begin=1, end=5)
    offsets = F.broadcast_mul(encode_boxes(F, batch_anchors, matched_boxes, variances, eps), positive)
    # Background anchors encode an empty box (log of eps): the mask zeroes them, the multiply makes it exact.
    mask = F.broadcast_like(positive, offsets)
    class_labels = F.reshape(F.slice_axis(matched, axis=-1, begin=0, end=1), (0, -1)) + 1
    class_labels = F.where(assigned >= 0, class_labels, F.zeros_like(class_labels))
    return F.reshape(offsets, (0, -1)), F.reshape(mask, (0, -1)), class_labels


def _one_hot_like(F, index, reference):
    """``(B, A, M)`` one-hot rows of ``index (B, A)`` with M taken from ``reference (B, M)`` (no static M)."""
    positions = F.contrib.arange_like(reference, axis=1)                        # (M,)
    return F.broadcast_equal(F.expand_dims(index, axis=-1), F.reshape(positions, (1, 1, -1)))


class AnchorAssigner(HybridBlock):
    """Assign ground-truth boxes to anchors (D2L 9.4.3): ``forward(anchors (B,A,4), gt_boxes (B,M,4),
    gt_valid (B,M)) -> (B, A)`` indices, -1 for background.

    Parameters
    ----------
    iou_threshold : float
        Minimum IoU for the threshold step (the book's 0.5).
    """

    def __init__(self, iou_threshold=0.5, **kwargs):
        super().__init__(**kwargs)
        self._iou_threshold = float(iou_threshold)

    def hybrid_forward(self, F, anchors, gt_boxes, gt_valid):
        return assign_anchors(F, anchors, gt_boxes, gt_valid, self._iou_threshold)


class AnchorTargets(HybridBlock):
    """Training targets of anchors (D2L 9.4.3), the book's ``multibox_target`` and ``contrib.MultiBoxTarget``:
    ``forward(anchors (1,A,4), labels (B,M,5)) -> (offsets, mask, class_labels)``.

    Parameters
    ----------
    iou_threshold : float
        Minimum IoU for the threshold step.
    variances : (float, float, float, float)
        Offset divisors (the book's 10 and 5 are 0.1 and 0.2).
    portable : bool
        By default MXNet's fused ``contrib.MultiBoxTarget`` runs (the same targets, several times faster:
        the composed form sorts the whole IoU matrix in ``bipartite_matching``); ``portable=True`` runs
        :func:`multibox_target`. Targets are for training only, so neither needs an ONNX converter.
    """

    def __init__(self, iou_threshold=0.5, variances=DEFAULT_VARIANCES, portable=False, **kwargs):
        super().__init__(**kwargs)
        self._iou_threshold = float(iou_threshold)
        self._variances = _check_variances(variances)
        self._portable = bool(portable)

    def hybrid_forward(self, F, anchors, labels):
        if self._portable:
            return multibox_target(F, anchors, labels, self._iou_threshold, self._variances)
        # MultiBoxTarget only skips padding rows whose five values are all -1: make every class<0 row so.
        padding = F.broadcast_like(F.slice_axis(labels, axis=-1, begin=0, end=1) < 0, labels)
        labels = F.where(padding, F.ones_like(labels) * -1, labels)
        # Its class-prediction input only feeds hard-negative mining, which is off: a (B, 1, A) zero array.
        column = F.transpose(F.slice_axis(anchors, axis=-1, begin=0, end=1), axes=(0, 2, 1))   # (1, 1, A)
        dummy = F.zeros_like(F.broadcast_like(column, F.slice_axis(labels, axis=1, begin=0, end=1),
                                              lhs_axes=(0,), rhs_axes=(0,)))
        offsets, mask, classes = F.contrib.MultiBoxTarget(anchors, labels, dummy,
                                                          overlap_threshold=self._iou_threshold,
                                                          ignore_label=-1, negative_mining_ratio=-1,
                                                          variances=self._variances)
        return offsets, mask, classes
