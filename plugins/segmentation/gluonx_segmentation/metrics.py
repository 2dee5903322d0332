"""Pixel accuracy and mean intersection-over-union from a confusion matrix accumulated on the device (D2L 9.9).

Every pixel whose label is in ``[0, num_classes)`` counts; the ignore label (255, Pascal VOC's object
borders) and any other value outside that range are skipped. The confusion matrix ``M[true, predicted]``
is a ``(C, C)`` float64 NDArray per device (a histogram of ``label * C + prediction`` per batch), summed batch after batch; it is read once, when the value is
asked for (a named sync point, as every :class:`~gluonx.train.metrics.DeviceMetric`).

- pixel accuracy = ``trace(M) / sum(M)``;
- ``IoU_c = M[c, c] / (sum(M[c, :]) + sum(M[:, c]) - M[c, c])``; mIoU is their mean over the classes.

A class that is neither labelled nor predicted anywhere has no IoU (0 / 0). ``absent="skip"`` (the default)
leaves such classes out of the mean, as the Cityscapes and COCO-stuff evaluations do. gluoncv's
``SegmentationMetric`` counts them as IoU 0 (``inter / (eps + union)``): ``absent="zero"`` reproduces it.
Both agree whenever every class occurs, as on a whole validation set. With no labelled pixel at all both
values are NaN (gluoncv reports 0).
"""
import numpy as np

import mxnet as mx
from gluonx.train.metrics import DeviceMetric
from gluonx.utils.sync import sync_point

__all__ = ["IGNORE_LABEL", "confusion_matrix", "scores_from_confusion", "ConfusionMetric", "PixelAccuracy",
           "MeanIoU"]

#: Label value of pixels that are not scored (Pascal VOC's object borders).
IGNORE_LABEL = 255


def confusion_matrix(labels, predictions, num_classes):
    """``(C, C)`` integer NDArray ``M[true, predicted]`` of one batch, on the arrays' device; never blocks.

    Parameters
    ----------
    labels : NDArray
        True class ids, any shape; values outside ``[0, num_classes)`` (the ignore label) are skipped.
    predictions : NDArray
        Predicted class ids of the same shape.
    num_classes : int
        ``C``.

    Notes
    -----
    One fixed-size histogram of ``label * C + prediction`` over the labelled pixels (``mx.nd.histogram``, whose
    output shape does not depend on the data, so nothing waits); ids are exact in float32 up to ``C = 4096``.
    """
    labels = labels.reshape((-1,)).astype("float32", copy=False)
    predictions = predictions.reshape((-1,)).astype("float32", copy=False)
    cells = num_classes * num_classes
    valid = (labels >= 0) * (labels < num_classes)
    # the half-pixel shift keeps each integer cell id inside its own bin whatever the rounding of the binning
    index = mx.nd.where(valid, labels * num_classes + predictions + 0.5, -mx.nd.ones_like(labels))
    counts, _ = mx.nd.histogram(index, bins=cells, range=(0, cells))
    return counts.reshape((num_classes, num_classes))


def scores_from_confusion(matrix, absent="skip"):
    """``(pixel_accuracy, mean_iou, iou_per_class)`` of a ``(C, C)`` NumPy confusion matrix.

    ``absent``: ``"skip"`` leaves classes with no labelled and no predicted pixel out of the mean (their IoU
    is NaN); ``"zero"`` counts them as 0, as gluoncv's ``SegmentationMetric``.
    """
    if absent not in ("skip", "zero"):
        raise ValueError("absent must be 'skip' or 'zero', got {!r}".format(absent))
    matrix = np.asarray(matrix, dtype=np.float64)
    total = matrix.sum()
    accuracy = np.trace(matrix) / total if total else float("nan")
    inter = np.diag(matrix)
    union = matrix.sum(0) + matrix.sum(1) - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = inter / union
    if absent == "zero":
        iou = np.where(union > 0, iou, 0.0)
    present = iou[~np.isnan(iou)]
    mean_iou = float(present.mean()) if total and present.size else float("nan")
    return float(accuracy), mean_iou, iou


class ConfusionMetric(DeviceMetric):
    """Base of the segmentation metrics: accumulates the confusion matrix of ``argmax`` predictions.

    ``update(labels, outputs)``: labels ``(N, H, W)`` class ids (255 = ignore), outputs ``(N, C, H, W)``
    scores (or a tuple whose first element is). :meth:`totals` gives ``(value * pixels, pixels)`` of the
    window, so a trainer's running sums stay additive: exact for pixel accuracy; for mIoU an epoch's
    training value is the pixel-weighted mean of its windows' values, while :meth:`get` (validation,
    :meth:`gluonx.Trainer.evaluate`) is computed from the whole matrix.

    Parameters
    ----------
    num_classes : int, optional
        ``C``; default: the outputs' channel count.
    absent : {"skip", "zero"}
        How classes that occur nowhere count in the mean IoU (see the module's notes).
    """

    _last = None

    def __init__(self, num_classes=None, absent="skip", name=None):
        if num_classes is not None and (isinstance(num_classes, bool) or int(num_classes) != num_classes
                                        or num_classes < 1):
            raise ValueError("num_classes must be a positive integer, got {!r}".format(num_classes))
        if absent not in ("skip", "zero"):
            raise ValueError("absent must be 'skip' or 'zero', got {!r}".format(absent))
        self.num_classes = None if num_classes is None else int(num_classes)
        self.absent = absent
        super().__init__(name)

    def update(self, labels, outputs):
        if isinstance(labels, mx.nd.NDArray):
            labels, outputs = [labels], [outputs]
        for label, output in zip(labels, outputs):
            if isinstance(output, (tuple, list)):
                output = output[0]
            matrix = self._batch_matrix(label, output, self.num_classes or output.shape[1])
            key = matrix.context
            self._sums[key] = matrix if key not in self._sums else self._sums[key] + matrix
            self._count += 1  # batches; the pixel count is read from the matrix

    def _batch_matrix(self, label, output, classes):
        # the task's two metrics see the same arrays: the second reuses the first's matrix
        last = ConfusionMetric._last
        if last is not None and last[0] is label and last[1] is output and last[2] == classes:
            return last[3]
        matrix = confusion_matrix(label, mx.nd.argmax(output, axis=1), classes).astype("float64")
        ConfusionMetric._last = (label, output, classes, matrix)
        return matrix

    def matrix(self):
        """The accumulated ``(C, C)`` confusion matrix as NumPy (blocks: the ``"metric"`` sync point), or None
        before the first update."""
        if not self._sums:
            return None
        with sync_point("metric"):
            return sum(value.asnumpy() for value in self._sums.values())

    def scores(self):
        """``(pixel_accuracy, mean_iou, iou_per_class)`` of everything accumulated (blocks)."""
        matrix = self.matrix()
        if matrix is None:
            return float("nan"), float("nan"), np.zeros(0)
        return scores_from_confusion(matrix, self.absent)

    def _pick(self, scores):
        raise NotImplementedError

    def totals(self):
        matrix = self.matrix()
        if matrix is None:
            return 0.0, 0
        pixels = int(round(matrix.sum()))
        value = self._pick(scores_from_confusion(matrix, self.absent))
        if not pixels or np.isnan(value):
            return 0.0, 0
        return value * pixels, pixels

    def get(self):
        return self.name, self._pick(self.scores())


class PixelAccuracy(ConfusionMetric):
    """Share of labelled pixels whose ``argmax`` class is right (D2L 9.9); see :class:`ConfusionMetric`."""

    name = "pixel_accuracy"

    def _pick(self, scores):
        return scores[0]


class MeanIoU(ConfusionMetric):
    """Mean over classes of intersection over union (D2L 9.9); see :class:`ConfusionMetric`."""

    name = "miou"

    def _pick(self, scores):
        return scores[1]
