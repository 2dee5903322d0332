"""COCO mean average precision, AP@[.5:.95] with 101-point interpolation (the COCO evaluation, D2L 9.6).

The evaluation of ``pycocotools.cocoeval.COCOeval`` for boxes with ``areaRng='all'`` and ``maxDets=100``:
per image and class the best 100 detections are matched greedily in descending score to the unmatched
ground truth of highest IoU at each threshold 0.50, 0.55, ..., 0.95; crowd boxes are matched by
intersection over the detection's area, may absorb several detections and count neither way. Precision is
made monotone and read at 101 recall points; the mean runs over thresholds, recall points and classes that
have non-crowd ground truth. Boxes are continuous (no +1 pixel).
"""
from collections import defaultdict

import numpy as np

from ._inputs import iterate_images

__all__ = ["COCOMeanAP", "IOU_THRESHOLDS", "RECALL_POINTS"]

#: The ten IoU thresholds of COCO's AP@[.5:.95].
IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
#: The 101 recall points at which precision is read.
RECALL_POINTS = np.linspace(0.0, 1.0, int(np.round((1.0 - 0.0) / 0.01)) + 1, endpoint=True)


def _iou(detections, truths, crowd):
    """IoU of ``(D, 4)`` and ``(G, 4)`` corner boxes; for crowd truths, intersection over detection area."""
    top_left = np.maximum(detections[:, None, :2], truths[None, :, :2])
    bottom_right = np.minimum(detections[:, None, 2:], truths[None, :, 2:])
    inter = np.prod(np.clip(bottom_right - top_left, 0, None), axis=2)
    area_d = np.prod(detections[:, 2:] - detections[:, :2], axis=1)[:, None]
    area_g = np.prod(truths[:, 2:] - truths[:, :2], axis=1)[None, :]
    union = np.where(crowd[None, :], area_d, area_d + area_g - inter)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def _match(iou, crowd, thresholds):
    """Greedy matching of score-sorted detections (rows) to truths sorted non-crowd first (columns).

    Returns ``matched (T, D)`` and ``ignored (T, D)`` booleans: matched to any truth, matched to a crowd one.
    """
    num_det, num_truth = iou.shape
    matched = np.zeros((len(thresholds), num_det), dtype=bool)
    ignored = np.zeros((len(thresholds), num_det), dtype=bool)
    for t, threshold in enumerate(thresholds):
        taken = np.zeros(num_truth, dtype=bool)
        for d in range(num_det):
            best, best_iou = -1, min(threshold, 1 - 1e-10)
            for g in range(num_truth):
                if taken[g] and not crowd[g]:
                    continue
                # Truths are sorted non-crowd first: once a real match exists, crowd boxes cannot replace it.
                if best > -1 and not crowd[best] and crowd[g]:
                    break
                if iou[d, g] < best_iou:
                    continue
                best, best_iou = g, iou[d, g]
            if best == -1:
                continue
            matched[t, d] = True
            ignored[t, d] = crowd[best]
            taken[best] = True
    return matched, ignored


class COCOMeanAP:
    """COCO box mAP@[.5:.95] (and AP50 / AP75), equal to pycocotools' ``COCOeval`` on the same boxes.

    Parameters
    ----------
    max_detections : int
        Detections kept per image and class, best first (COCO's ``maxDets``, 100).
    class_names : sequence of str, optional
        Class names for :meth:`get_per_class`.

    Notes
    -----
    Only the ``all`` area range is computed; ``gt_crowds`` marks crowd (``iscrowd``) boxes.

    Examples
    --------
    >>> metric = COCOMeanAP()
    >>> metric.update([[[0, 0, 10, 10]]], [[0]], [[0.9]], [[[0, 0, 10, 10]]], [[0]])
    >>> round(metric.get()[1], 6)
    1.0
    """

    name = "coco_map"
    higher_is_better = True

    def __init__(self, max_detections=100, class_names=None):
        self.max_detections = int(max_detections)
        self.class_names = tuple(class_names) if class_names is not None else None
        self.reset()

    def reset(self):
        """Forget every accumulated image."""
        self._scores = defaultdict(list)
        self._matched = defaultdict(list)
        self._ignored = defaultdict(list)
        self._num_truths = defaultdict(int)

    def update(self, pred_bboxes, pred_labels, pred_scores, gt_bboxes, gt_labels, gt_crowds=None):
        """Add a batch of images (same layout as :meth:`VOCMeanAP.update`; ``gt_crowds`` marks crowd boxes)."""
        for p_box, p_label, p_score, g_box, g_label, g_crowd in iterate_images(
                pred_bboxes, pred_labels, pred_scores, gt_bboxes, gt_labels, gt_crowds):
            for label in np.unique(np.concatenate((p_label, g_label))):
                self._update_class(int(label), p_box[p_label == label], p_score[p_label == label],
                                   g_box[g_label == label], g_crowd[g_label == label])

    def _update_class(self, label, p_box, p_score, g_box, g_crowd):
        truth_order = np.argsort(g_crowd, kind="mergesort")
        g_box, g_crowd = g_box[truth_order], g_crowd[truth_order]
        order = np.argsort(-p_score, kind="mergesort")[:self.max_detections]
        p_box, p_score = p_box[order], p_score[order]
        self._num_truths[label] += int(np.count_nonzero(~g_crowd))
        if len(p_box) == 0:
            return
        if len(g_box):
            matched, ignored = _match(_iou(p_box, g_box, g_crowd), g_crowd, IOU_THRESHOLDS)
        else:
            matched = ignored = np.zeros((len(IOU_THRESHOLDS), len(p_box)), dtype=bool)
        self._scores[label].append(p_score)
        self._matched[label].append(matched)
        self._ignored[label].append(ignored)

    def _precision(self, label):
        """``(T, R)`` interpolated precision of one class, or None when it has no non-crowd truth."""
        positives = self._num_truths[label]
        if positives == 0:
            return None
        precision = np.zeros((len(IOU_THRESHOLDS), len(RECALL_POINTS)))
        if not self._scores[label]:
            return precision
        scores = np.concatenate(self._scores[label])
        order = np.argsort(-scores, kind="mergesort")
        matched = np.concatenate(self._matched[label], axis=1)[:, order]
        ignored = np.concatenate(self._ignored[label], axis=1)[:, order]
        true_pos = np.cumsum(matched & ~ignored, axis=1).astype(float)
        false_pos = np.cumsum(~matched & ~ignored, axis=1).astype(float)
        for t in range(len(IOU_THRESHOLDS)):
            recall = true_pos[t] / positives
            curve = true_pos[t] / (true_pos[t] + false_pos[t] + np.spacing(1))
            curve = np.maximum.accumulate(curve[::-1])[::-1]
            where = np.searchsorted(recall, RECALL_POINTS, side="left")
            inside = where < len(curve)
            precision[t, inside] = curve[where[inside]]
        return precision

    def _per_class(self, thresholds=slice(None)):
        labels = sorted(set(self._num_truths) | set(self._scores))
        result = {}
        for label in labels:
            precision = self._precision(label)
            key = self.class_names[label] if self.class_names and label < len(self.class_names) else label
            result[key] = None if precision is None else precision[thresholds]
        return result

    def get_per_class(self):
        """``{class: AP@[.5:.95]}`` (NaN for a class without non-crowd ground truth)."""
        return {k: (float("nan") if v is None else float(v.mean())) for k, v in self._per_class().items()}

    def _mean(self, thresholds):
        tables = [v for v in self._per_class(thresholds).values() if v is not None]
        return float(np.mean(np.stack(tables))) if tables else float("nan")

    def get(self):
        """``(name, AP@[.5:.95])``, averaged over thresholds, recall points and classes with ground truth."""
        return self.name, self._mean(slice(None))

    def get_all(self):
        """``{"map": AP@[.5:.95], "ap50": AP@.5, "ap75": AP@.75}`` (pycocotools' stats[0:3])."""
        return {"map": self._mean(slice(None)), "ap50": self._mean(slice(0, 1)), "ap75": self._mean(slice(5, 6))}
