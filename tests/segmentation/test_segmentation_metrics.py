"""Pixel accuracy and mean IoU from the on-device confusion matrix, against a NumPy reference written per class
and against gluoncv's ``SegmentationMetric`` (which takes -1, not 255, as its ignore label)."""
import math

import mxnet as mx
import numpy as np
import pytest

from gluonx_segmentation.metrics import MeanIoU, PixelAccuracy, confusion_matrix, scores_from_confusion


def numpy_reference(labels, predictions, num_classes, absent="skip"):
    """(pixel accuracy, mIoU) counted class by class; pixels labelled outside [0, C) are ignored."""
    labels, predictions = np.asarray(labels).ravel(), np.asarray(predictions).ravel()
    valid = (labels >= 0) & (labels < num_classes)
    accuracy = ((labels == predictions) & valid).sum() / valid.sum() if valid.sum() else math.nan
    ious = []
    for c in range(num_classes):
        inter = ((labels == c) & (predictions == c) & valid).sum()
        union = (((labels == c) | (predictions == c)) & valid).sum()
        if union:
            ious.append(inter / union)
        elif absent == "zero":
            ious.append(0.0)
    return accuracy, (float(np.mean(ious)) if ious and valid.sum() else math.nan)


def scores_for(predictions, num_classes):
    """Logits ``(N, C, H, W)`` whose argmax is ``predictions``."""
    return mx.nd.one_hot(mx.nd.array(predictions), num_classes).transpose((0, 3, 1, 2))


def run(metric, batches):
    for labels, predictions, num_classes in batches:
        metric.update(mx.nd.array(labels, dtype="uint8"), scores_for(predictions, num_classes))
    return metric.get()[1]


def gluoncv_metric(batches, num_classes):
    segmentation = pytest.importorskip("gluoncv.utils.metrics.segmentation")
    metric = segmentation.SegmentationMetric(num_classes)
    for labels, predictions, _ in batches:
        gluoncv_labels = np.where(np.asarray(labels) == 255, -1, labels)  # gluoncv's ignore label is -1
        metric.update(mx.nd.array(gluoncv_labels), scores_for(predictions, num_classes))
    return metric.get()


def random_batch(rng, num_classes, shape=(3, 17, 23), ignore=0.1):
    labels = rng.randint(0, num_classes, shape)
    labels[rng.uniform(size=shape) < ignore] = 255
    predictions = np.where(rng.uniform(size=shape) < 0.6, np.where(labels == 255, 0, labels),
                           rng.randint(0, num_classes, shape))
    return labels, predictions, num_classes


@pytest.mark.parametrize("seed", range(4))
def test_random_batches_match_numpy_and_gluoncv(seed):
    rng = np.random.RandomState(seed)
    num_classes = 2 + seed * 3
    batches = [random_batch(rng, num_classes) for _ in range(3)]
    labels = np.concatenate([b[0] for b in batches])
    predictions = np.concatenate([b[1] for b in batches])
    accuracy, mean_iou = numpy_reference(labels, predictions, num_classes)
    assert run(PixelAccuracy(), batches) == pytest.approx(accuracy, rel=1e-12)
    assert run(MeanIoU(), batches) == pytest.approx(mean_iou, rel=1e-12)
    gluoncv_accuracy, gluoncv_miou = gluoncv_metric(batches, num_classes)
    assert run(PixelAccuracy(), batches) == pytest.approx(gluoncv_accuracy, rel=1e-9)
    assert run(MeanIoU(), batches) == pytest.approx(gluoncv_miou, rel=1e-9)
    assert run(MeanIoU(absent="zero"), batches) == pytest.approx(gluoncv_miou, rel=1e-9)


def test_absent_classes_are_skipped_by_default_and_zero_like_gluoncv_on_request():
    rng = np.random.RandomState(7)
    # classes 3 and 4 of 5 are neither labelled nor predicted; class 2 is labelled but never predicted
    labels = rng.randint(0, 3, (2, 9, 11))
    predictions = np.where(labels == 2, 0, labels)
    predictions[0, 0, :4] = 1
    batches = [(labels, predictions, 5)]
    skip_accuracy, skip_miou = numpy_reference(labels, predictions, 5, absent="skip")
    _, zero_miou = numpy_reference(labels, predictions, 5, absent="zero")
    assert run(MeanIoU(), batches) == pytest.approx(skip_miou, rel=1e-12)
    assert run(MeanIoU(absent="zero"), batches) == pytest.approx(zero_miou, rel=1e-12)
    assert zero_miou == pytest.approx(skip_miou * 3 / 5)  # two absent classes count as 0 out of 5
    assert run(PixelAccuracy(), batches) == pytest.approx(skip_accuracy, rel=1e-12)
    gluoncv_accuracy, gluoncv_miou = gluoncv_metric(batches, 5)
    assert run(MeanIoU(absent="zero"), batches) == pytest.approx(gluoncv_miou, rel=1e-9)
    assert run(PixelAccuracy(), batches) == pytest.approx(gluoncv_accuracy, rel=1e-9)


def test_ignored_pixels_do_not_count_whatever_is_predicted_there():
    rng = np.random.RandomState(3)
    labels, predictions, _ = random_batch(rng, 4, ignore=0.5)
    scrambled = np.where(labels == 255, rng.randint(0, 4, labels.shape), predictions)
    assert run(MeanIoU(), [(labels, predictions, 4)]) == run(MeanIoU(), [(labels, scrambled, 4)])
    assert run(PixelAccuracy(), [(labels, predictions, 4)]) == run(PixelAccuracy(), [(labels, scrambled, 4)])
    assert run(MeanIoU(), [(labels, predictions, 4)]) == pytest.approx(numpy_reference(labels, predictions, 4)[1])


def test_an_all_ignore_batch_adds_nothing_and_alone_gives_nan():
    rng = np.random.RandomState(4)
    batch = random_batch(rng, 3)
    ignored = (np.full((2, 5, 6), 255), rng.randint(0, 3, (2, 5, 6)), 3)
    for metric_type in (MeanIoU, PixelAccuracy):
        assert run(metric_type(), [batch, ignored]) == run(metric_type(), [batch])
        assert math.isnan(run(metric_type(), [ignored]))
        metric = metric_type()
        run(metric, [ignored])
        assert metric.totals() == (0.0, 0)  # a trainer's running sums skip it


def test_per_device_lists_accumulate_like_one_batch():
    rng = np.random.RandomState(5)
    (la, pa, c), (lb, pb, _) = random_batch(rng, 4), random_batch(rng, 4)
    metric = MeanIoU()
    metric.update([mx.nd.array(la), mx.nd.array(lb)], [scores_for(pa, c), scores_for(pb, c)])
    assert metric.get()[1] == pytest.approx(numpy_reference(np.stack([la, lb]), np.stack([pa, pb]), c)[1])


def test_totals_are_value_times_labelled_pixels():
    rng = np.random.RandomState(6)
    labels, predictions, c = random_batch(rng, 3)
    metric = PixelAccuracy()
    run(metric, [(labels, predictions, c)])
    total, count = metric.totals()
    assert count == int(((labels >= 0) & (labels < c)).sum())
    assert total == pytest.approx(((labels == predictions) & (labels < c)).sum())


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    labels = np.array([[0, 0, 1, 2, 255, 7]])
    predictions = np.array([[0, 1, 1, 0, 2, 2]])
    matrix = confusion_matrix(mx.nd.array(labels), mx.nd.array(predictions), 3).asnumpy()
    expected = np.zeros((3, 3))
    for t, p in [(0, 0), (0, 1), (1, 1), (2, 0)]:
        expected[t, p] += 1
    np.testing.assert_array_equal(matrix, expected)
    accuracy, mean_iou, iou = scores_from_confusion(matrix)
    assert accuracy == 0.5 and iou.tolist() == [1 / 3, 1 / 2, 0.0] and mean_iou == pytest.approx(5 / 18)


def test_bad_arguments():
    with pytest.raises(ValueError, match="absent must be"):
        MeanIoU(absent="nan")
    with pytest.raises(ValueError, match="num_classes must be"):
        MeanIoU(num_classes=0)
