"""Pascal VOC mean average precision: the 2007 11-point AP and the 2010+ area under the curve (D2L 9.6).

Matching per image and class at IoU >= 0.5: predictions in descending score each take their best-overlapping
ground truth; a second hit on an already-taken box is a false positive; a hit on a *difficult* box counts
neither way. Boxes follow VOC's integer-pixel convention (``xmax``/``ymax`` are inclusive, so 1 is added to
widths and heights), as the VOC development kit and gluoncv's ``VOCMApMetric`` do.
"""
from collections import defaultdict

import numpy as np

from ._inputs import iterate_images

__all__ = ["VOCMeanAP", "VOC07MeanAP", "voc_ap", "voc07_ap"]


def _iou(boxes1, boxes2):
    top_left = np.maximum(boxes1[:, None, :2], boxes2[None, :, :2])
    bottom_right = np.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    inter = np.prod(np.clip(bottom_right - top_left, 0, None), axis=2)
    area1 = np.prod(boxes1[:, 2:] - boxes1[:, :2], axis=1)
    area2 = np.prod(boxes2[:, 2:] - boxes2[:, :2], axis=1)
    return inter / (area1[:, None] + area2[None, :] - inter)


def voc_ap(recall, precision):
    """Area under the precision envelope (VOC 2010+): precision made monotone, summed where recall changes."""
    if recall is None:
        return float("nan")
    mrec = np.concatenate(([0.0], recall, [1.0]))
    mpre = np.concatenate(([0.0], np.nan_to_num(precision), [0.0]))
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    steps = np.flatnonzero(mrec[1:] != mrec[:-1])
    return float(np.sum((mrec[steps + 1] - mrec[steps]) * mpre[steps + 1]))


def voc07_ap(recall, precision):
    """VOC 2007 AP: mean of the best precision at recall >= 0, 0.1, ..., 1 (11 points)."""
    if recall is None:
        return float("nan")
    precision = np.nan_to_num(precision)
    ap = 0.0
    for threshold in np.arange(0.0, 1.1, 0.1):
        reached = recall >= threshold
        ap += (np.max(precision[reached]) if np.any(reached) else 0.0) / 11.0
    return ap


class VOCMeanAP:
    """Pascal VOC mAP at IoU 0.5 with the 2010+ area AP (D2L 9.6), equal to gluoncv's ``VOCMApMetric``.

    Parameters
    ----------
    iou_threshold : float
        Minimum IoU of a true positive.
    class_names : sequence of str, optional
        Names of the classes (labels index them); :meth:`get_per_class` uses them.
    pixel_offset : float
        Added to ``xmax``/``ymax`` before IoU: 1 is VOC's inclusive pixel convention, 0 continuous boxes.

    Examples
    --------
    >>> metric = VOCMeanAP()
    >>> metric.update([[[0, 0, 9, 9]]], [[0]], [[0.9]], [[[0, 0, 9, 9]]], [[0]])
    >>> metric.get()
    ('voc_map', 1.0)
    """

    name = "voc_map"
    higher_is_better = True

    def __init__(self, iou_threshold=0.5, class_names=None, pixel_offset=1.0):
        self.iou_threshold = float(iou_threshold)
        self.class_names = tuple(class_names) if class_names is not None else None
        self.pixel_offset = float(pixel_offset)
        self.reset()

    def reset(self):
        """Forget every accumulated image."""
        self._num_positives = defaultdict(int)
        self._scores = defaultdict(list)
        self._matches = defaultdict(list)

    def update(self, pred_bboxes, pred_labels, pred_scores, gt_bboxes, gt_labels, gt_difficults=None):
        """Add a batch of images.

        Parameters
        ----------
        pred_bboxes : array or list of arrays
            ``(B, P, 4)`` corner boxes per image (or a list of ``(P_i, 4)``); rows with label < 0 are padding.
        pred_labels, pred_scores : array or list of arrays
            ``(B, P)`` class ids and scores.
        gt_bboxes, gt_labels : array or list of arrays
            ``(B, G, 4)`` and ``(B, G)`` ground truth; label < 0 is padding.
        gt_difficults : array or list of arrays, optional
            ``(B, G)`` 1 for boxes marked difficult.
        """
        for p_box, p_label, p_score, g_box, g_label, g_difficult in iterate_images(
                pred_bboxes, pred_labels, pred_scores, gt_bboxes, gt_labels, gt_difficults):
            for label in np.unique(np.concatenate((p_label, g_label))):
                self._update_class(int(label), p_box[p_label == label], p_score[p_label == label],
                                   g_box[g_label == label], g_difficult[g_label == label])

    def _update_class(self, label, p_box, p_score, g_box, g_difficult):
        order = p_score.argsort()[::-1]
        p_box, p_score = p_box[order], p_score[order]
        self._num_positives[label] += int(np.logical_not(g_difficult).sum())
        self._scores[label].extend(p_score)
        if len(p_box) == 0:
            return
        if len(g_box) == 0:
            self._matches[label].extend([0] * len(p_box))
            return
        offset = np.array([0, 0, self.pixel_offset, self.pixel_offset])
        iou = _iou(p_box + offset, g_box + offset)
        best = iou.argmax(axis=1)
        best[iou.max(axis=1) < self.iou_threshold] = -1
        taken = np.zeros(len(g_box), dtype=bool)
        for index in best:
            if index < 0:
                self._matches[label].append(0)
                continue
            # A difficult box neither rewards nor penalizes; a second hit on a taken box is a false positive.
            self._matches[label].append(-1 if g_difficult[index] else (0 if taken[index] else 1))
            taken[index] = True

    def _recall_precision(self, label):
        scores = np.array(self._scores[label])
        matches = np.array(self._matches[label], dtype=np.int8)
        order = scores.argsort()[::-1]
        matches = matches[order]
        true_pos = np.cumsum(matches == 1)
        false_pos = np.cumsum(matches == 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            precision = true_pos / (false_pos + true_pos)
        positives = self._num_positives[label]
        return (true_pos / positives if positives > 0 else None), precision

    def _average_precision(self, recall, precision):
        return voc_ap(recall, precision)

    def get_per_class(self):
        """``{class: AP}`` for every class seen (NaN for a class with no non-difficult ground truth)."""
        labels = sorted(set(self._num_positives) | set(self._scores))
        result = {}
        for label in labels:
            key = self.class_names[label] if self.class_names and label < len(self.class_names) else label
            result[key] = self._average_precision(*self._recall_precision(label))
        return result

    def get(self):
        """``(name, mAP)``: the mean AP over classes with ground truth (NaN when there is none)."""
        values = [v for v in self.get_per_class().values() if not np.isnan(v)]
        return self.name, (float(np.mean(values)) if values else float("nan"))


class VOC07MeanAP(VOCMeanAP):
    """Pascal VOC 2007 mAP: 11-point interpolated AP at IoU 0.5 (D2L 9.6), equal to gluoncv's
    ``VOC07MApMetric``; the arguments are those of :class:`VOCMeanAP`."""

    name = "voc07_map"

    def _average_precision(self, recall, precision):
        return voc07_ap(recall, precision)
