"""Training targets of Faster R-CNN (D2L 9.8.3): labelled, sampled anchors for the region proposal network and
labelled, sampled regions for the box head.

These run imperatively on the device (``mx.nd``) inside the training step, with no gradient; they are not part
of the exported graph. Boxes are normalized corner boxes; ``labels (B, M, 5)`` are the detection task's
padded rows ``(class, xmin, ymin, xmax, ymax)`` with class -1 for padding.
"""
import mxnet as mx

from .ops.coders import DEFAULT_VARIANCES, encode_boxes
from .ops.iou import batch_box_iou

__all__ = ["sample_balanced", "rpn_targets", "sample_regions"]


def _rank(keys):
    """Rank of every entry of ``keys (B, N)`` in its row, 0 for the largest."""
    return mx.nd.argsort(mx.nd.argsort(keys, axis=1, is_ascend=False), axis=1)


def sample_balanced(positive, negative, num_samples, positive_fraction):
    """Random positives (at most ``num_samples * positive_fraction``) topped up with random negatives to
    ``num_samples`` per row, as Faster R-CNN samples anchors and regions.

    Parameters
    ----------
    positive, negative : NDArray
        ``(B, N)`` disjoint 0/1 masks.

    Returns
    -------
    (NDArray, NDArray)
        ``(B, N)`` 0/1 masks of the sampled positives and negatives.
    """
    noise = mx.nd.random.uniform(shape=positive.shape, ctx=positive.context)
    most = int(num_samples * positive_fraction)
    # entries outside the set get key -1, below every candidate's uniform key
    taken_pos = positive * (_rank(mx.nd.where(positive > 0, noise, -mx.nd.ones_like(noise))) < most)
    room = num_samples - taken_pos.sum(axis=1, keepdims=True)
    neg_rank = _rank(mx.nd.where(negative > 0, noise, -mx.nd.ones_like(noise)))
    taken_neg = negative * mx.nd.broadcast_lesser(neg_rank, room)
    return taken_pos, taken_neg


def _match(boxes, labels):
    """Best IoU ``(B, N)``, matched label rows ``(B, N, 5)`` and the IoU matrix of ``boxes (B, N, 4)``
    against the real rows of ``labels``; padding columns have IoU -1."""
    gt_boxes = mx.nd.slice_axis(labels, axis=-1, begin=1, end=5)
    valid = (mx.nd.slice_axis(labels, axis=-1, begin=0, end=1) >= 0).reshape((0, 1, -1))    # (B, 1, M)
    iou = batch_box_iou(mx.nd, boxes, gt_boxes)                                               # (B, N, M)
    iou = mx.nd.broadcast_sub(mx.nd.broadcast_mul(iou, valid), 1 - valid)
    best = iou.max(axis=-1)
    one_hot = mx.nd.one_hot(iou.argmax(axis=-1), labels.shape[1])
    return best, mx.nd.batch_dot(one_hot, labels), iou, valid


def rpn_targets(anchors, labels, positive_iou=0.7, negative_iou=0.3, num_samples=64, positive_fraction=0.5,
                variances=DEFAULT_VARIANCES):
    """Objectness and offset targets of the RPN's anchors (Ren et al. 2015, section 3.1.2).

    An anchor is positive when its IoU with some object reaches ``positive_iou`` or when it is an object's
    best anchor; negative when its best IoU is below ``negative_iou``; the rest are ignored.
    ``num_samples`` anchors per image are sampled, at most ``positive_fraction`` of them positive.

    Parameters
    ----------
    anchors : NDArray
        ``(1, A, 4)`` anchors.
    labels : NDArray
        ``(B, M, 5)`` padded labels.

    Returns
    -------
    tuple of NDArray
        ``objectness (B, A)`` (1 positive, 0 otherwise), ``weights (B, A)`` (1 on sampled anchors),
        ``offsets (B, A, 4)`` (the matched object's encoding) and ``box_mask (B, A, 1)`` (1 on sampled
        positives).
    """
    batch_anchors = mx.nd.broadcast_to(anchors, (labels.shape[0],) + anchors.shape[1:])
    best, matched, iou, valid = _match(batch_anchors, labels)
    object_best = mx.nd.broadcast_mul(iou.max(axis=1, keepdims=True), valid)                  # (B, 1, M)
    is_best = (mx.nd.broadcast_equal(iou, object_best) * (object_best > 0)).sum(axis=-1) > 0
    positive = mx.nd.maximum(best >= positive_iou, is_best)
    negative = (best < negative_iou) * (1 - positive)
    taken_pos, taken_neg = sample_balanced(positive, negative, num_samples, positive_fraction)
    offsets = encode_boxes(mx.nd, batch_anchors, mx.nd.slice_axis(matched, axis=-1, begin=1, end=5), variances)
    box_mask = taken_pos.expand_dims(-1)
    return taken_pos, taken_pos + taken_neg, offsets * box_mask, box_mask


def sample_regions(proposals, proposal_scores, labels, num_samples=32, foreground_fraction=0.25,
                   foreground_iou=0.5, variances=DEFAULT_VARIANCES):
    """Regions for the box head and their targets (Girshick 2015, section 2.3; Ren et al. 2015).

    The ground-truth boxes join the proposals (so early in training there are foreground regions at all);
    a region is foreground when its best IoU with an object reaches ``foreground_iou``, background otherwise.
    ``num_samples`` regions per image are sampled, at most ``foreground_fraction`` foreground; slots left
    when an image has fewer candidates have weight 0.

    Parameters
    ----------
    proposals : NDArray
        ``(B, N, 4)`` proposals.
    proposal_scores : NDArray
        ``(B, N)``, -1 on empty rows (these never become regions).
    labels : NDArray
        ``(B, M, 5)`` padded labels.

    Returns
    -------
    tuple of NDArray
        ``regions (B, S, 4)``, ``classes (B, S)`` (0 background, ``class + 1`` foreground), ``weights (B, S)``,
        ``offsets (B, S, 4)`` (encoding of the matched object) and ``box_mask (B, S, 1)`` (1 on foreground),
        with ``S = num_samples``.
    """
    gt_boxes = mx.nd.slice_axis(labels, axis=-1, begin=1, end=5)
    gt_valid = mx.nd.slice_axis(labels, axis=-1, begin=0, end=1).reshape((0, -1)) >= 0
    candidates = mx.nd.concat(proposals, gt_boxes, dim=1)                                    # (B, N + M, 4)
    usable = mx.nd.concat(proposal_scores >= 0, gt_valid, dim=1)
    best, matched, _, _ = _match(candidates, labels)
    foreground = (best >= foreground_iou) * usable
    background = (best < foreground_iou) * usable
    taken_fg, taken_bg = sample_balanced(foreground, background, num_samples, foreground_fraction)
    taken = taken_fg + taken_bg
    # the sampled candidates first (key >= 1), any others after them with weight 0
    noise = mx.nd.random.uniform(shape=taken.shape, ctx=taken.context)
    order = mx.nd.topk(taken + 0.5 * noise, axis=1, k=num_samples, ret_typ="indices", is_ascend=False)
    batch, count = candidates.shape[:2]
    flat = (order + mx.nd.arange(batch, ctx=order.context).reshape((-1, 1)) * count).reshape((-1,))

    def gather(array):
        return mx.nd.take(array.reshape((batch * count, -1)), flat).reshape((batch, num_samples, -1))

    regions = gather(candidates)
    weights = gather(taken).reshape((0, -1))
    box_mask = gather(taken_fg)
    matched = gather(matched)
    classes = (mx.nd.slice_axis(matched, axis=-1, begin=0, end=1) + 1) * box_mask
    offsets = encode_boxes(mx.nd, regions, mx.nd.slice_axis(matched, axis=-1, begin=1, end=5), variances)
    # a clipped proposal may be empty (infinite offsets): select, since 0 * inf is NaN
    offsets = mx.nd.where(mx.nd.broadcast_like(box_mask, offsets) > 0, offsets, mx.nd.zeros_like(offsets))
    return regions, classes.reshape((0, -1)), weights, offsets, box_mask
