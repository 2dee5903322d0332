"""VOC07 / VOC12 / COCO mAP against gluoncv's VOC metrics and pycocotools on random and adversarial cases."""
import contextlib
import io

import numpy as np
import pytest

from gluonx_detection.metrics import COCOMeanAP, VOC07MeanAP, VOCMeanAP

NUM_CLASSES = 4


def _boxes(rng, n, size=100.0):
    xy = rng.uniform(0, size * 0.7, size=(n, 2))
    wh = rng.uniform(size * 0.05, size * 0.3, size=(n, 2))
    return np.concatenate([xy, xy + wh], axis=1).astype(np.float32)


def make_case(seed, num_images=12, empty_every=5, duplicates=True, difficult=True, round_scores=False):
    """Per-image (pred_boxes, pred_labels, pred_scores, gt_boxes, gt_labels, gt_flags) with the usual traps:
    images without ground truth or predictions, duplicate detections, difficult boxes, pure false positives."""
    rng = np.random.RandomState(seed)
    images = []
    for i in range(num_images):
        n_gt = 0 if i % empty_every == 0 else rng.randint(1, 6)
        gt_boxes = _boxes(rng, n_gt)
        gt_labels = rng.randint(0, NUM_CLASSES, size=n_gt)
        flags = (rng.uniform(size=n_gt) < 0.2).astype(np.int32) if difficult else np.zeros(n_gt, np.int32)
        preds, labels = [], []
        for box, label in zip(gt_boxes, gt_labels):
            if rng.uniform() < 0.8:
                preds.append(box + rng.normal(0, 4, size=4).astype(np.float32))
                labels.append(label if rng.uniform() < 0.9 else rng.randint(NUM_CLASSES))
            if duplicates and rng.uniform() < 0.3:
                preds.append(box + rng.normal(0, 2, size=4).astype(np.float32))
                labels.append(label)
        n_fp = rng.randint(0, 4) if i % 7 != 3 else 0
        preds.extend(_boxes(rng, n_fp))
        labels.extend(rng.randint(0, NUM_CLASSES, size=n_fp))
        pred_boxes = np.array(preds, np.float32).reshape(-1, 4)
        pred_boxes[:, 2:] = np.maximum(pred_boxes[:, 2:], pred_boxes[:, :2] + 1)
        scores = rng.uniform(0.05, 1, size=len(pred_boxes)).astype(np.float32)
        if round_scores:  # many exact ties
            scores = np.round(scores, 1).astype(np.float32)
        images.append((pred_boxes, np.array(labels, np.int64), scores, gt_boxes, gt_labels, flags))
    return images


def _padded(rows, width, fill=-1):
    """(1, N, width) array with at least one row: padding is -1, as batched detectors emit it."""
    rows = np.asarray(rows, np.float32).reshape(len(rows), -1) if len(rows) else np.zeros((0, width), np.float32)
    if not len(rows):
        rows = np.full((1, width), fill, np.float32)
    return rows[None]


def _update_both(ours, theirs, image):
    pb, pl, ps, gb, gl, gd = image
    args = [_padded(pb, 4), _padded(pl.astype(np.float32), 1)[..., 0], _padded(ps, 1)[..., 0],
            _padded(gb, 4), _padded(gl.astype(np.float32), 1)[..., 0], _padded(gd.astype(np.float32), 1, 0)[..., 0]]
    ours.update(*args)
    theirs.update(*args)


CASES = [dict(seed=s) for s in range(4)] + [dict(seed=10, duplicates=False, difficult=False),
                                             dict(seed=11, round_scores=True), dict(seed=12, empty_every=2)]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join("{}={}".format(k, v) for k, v in c.items()))
@pytest.mark.parametrize("ours_cls,theirs_name", [(VOCMeanAP, "VOCMApMetric"), (VOC07MeanAP, "VOC07MApMetric")])
def test_voc_map_equals_gluoncv(case, ours_cls, theirs_name):
    from gluoncv.utils.metrics import voc_detection
    ours, theirs = ours_cls(), getattr(voc_detection, theirs_name)()
    for image in make_case(**case):
        _update_both(ours, theirs, image)
    name, value = theirs.get()
    assert np.isfinite(value)
    assert ours.get()[1] == pytest.approx(value, abs=1e-9)
    assert ours.get()[0] == ours_cls.name


def test_voc_per_class_names_and_single_perfect_detection():
    metric = VOCMeanAP(class_names=("cat", "dog"))
    metric.update([[[0, 0, 9, 9], [20, 20, 30, 30]]], [[0, 1]], [[0.9, 0.8]], [[[0, 0, 9, 9]]], [[0]])
    per_class = metric.get_per_class()
    assert per_class["cat"] == 1.0 and np.isnan(per_class["dog"])
    assert metric.get() == ("voc_map", 1.0)
    metric.reset()
    assert np.isnan(metric.get()[1])


def test_a_duplicate_detection_is_a_false_positive_and_difficult_counts_neither_way():
    metric = VOCMeanAP()
    # Best-scored duplicate first: TP; the second hit on the same box is a FP -> precision 1 at recall 1.
    metric.update([[[0, 0, 9, 9], [0, 0, 9, 9]]], [[0, 0]], [[0.9, 0.8]], [[[0, 0, 9, 9]]], [[0]])
    assert metric.get()[1] == 1.0
    metric.reset()
    # The FP scores higher than the TP: precision at recall 1 drops to 1/2.
    metric.update([[[50, 50, 60, 60], [0, 0, 9, 9]]], [[0, 0]], [[0.9, 0.8]], [[[0, 0, 9, 9]]], [[0]])
    assert metric.get()[1] == pytest.approx(0.5)
    metric.reset()
    metric.update([[[0, 0, 9, 9], [50, 50, 60, 60]]], [[0, 0]], [[0.9, 0.8]],
                  [[[0, 0, 9, 9], [50, 50, 60, 60]]], [[0, 0]], [[0, 1]])
    assert metric.get()[1] == 1.0


def test_mismatched_inputs_give_one_clear_error():
    with pytest.raises(ValueError, match="same number of images"):
        VOCMeanAP().update([np.zeros((1, 4))], [np.zeros(1)], [np.zeros(1)], [], [])
    with pytest.raises(ValueError, match="2 predicted boxes, 1 labels"):
        VOCMeanAP().update([np.zeros((2, 4))], [np.zeros(1)], [np.zeros(2)], [np.zeros((1, 4))], [np.zeros(1)])


def _pycocotools_stats(images):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    gt = {"images": [], "annotations": [], "categories": [{"id": c + 1, "name": str(c)} for c in range(NUM_CLASSES)]}
    results = []
    for image_id, (pb, pl, ps, gb, gl, crowd) in enumerate(images, 1):
        gt["images"].append({"id": image_id, "width": 200, "height": 200, "file_name": "%d.jpg" % image_id})
        for box, label, is_crowd in zip(gb, gl, crowd):
            w, h = float(box[2] - box[0]), float(box[3] - box[1])
            gt["annotations"].append({"id": len(gt["annotations"]) + 1, "image_id": image_id,
                                      "category_id": int(label) + 1, "bbox": [float(box[0]), float(box[1]), w, h],
                                      "area": w * h, "iscrowd": int(is_crowd)})
        for box, label, score in zip(pb, pl, ps):
            results.append({"image_id": image_id, "category_id": int(label) + 1, "score": float(score),
                            "bbox": [float(box[0]), float(box[1]), float(box[2] - box[0]), float(box[3] - box[1])]})
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = gt
        coco_gt.createIndex()
        evaluator = COCOeval(coco_gt, coco_gt.loadRes(results), "bbox")
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator.stats


def _coco_ours(images, **kwargs):
    metric = COCOMeanAP(**kwargs)
    for pb, pl, ps, gb, gl, crowd in images:
        # Coordinates as pycocotools sees them after the xywh round trip through float64.
        metric.update([pb.astype(np.float64)], [pl], [ps.astype(np.float64)], [gb.astype(np.float64)], [gl],
                      [crowd])
    return metric


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join("{}={}".format(k, v) for k, v in c.items()))
def test_coco_map_equals_pycocotools(case):
    images = make_case(**case)
    stats = _pycocotools_stats(images)
    got = _coco_ours(images).get_all()
    assert stats[0] > 0
    assert got["map"] == pytest.approx(stats[0], abs=1e-9)
    assert got["ap50"] == pytest.approx(stats[1], abs=1e-9)
    assert got["ap75"] == pytest.approx(stats[2], abs=1e-9)


def test_coco_keeps_only_the_best_detections_per_image_and_class():
    images = make_case(seed=21)
    # 150 top-scored false positives of one class on one image: COCO's maxDets=100 keeps only them there, so
    # that image's true detections of the class are cut (with a larger limit they count).
    pb, pl, ps, gb, gl, crowd = images[1]
    rng = np.random.RandomState(0)
    extra = _boxes(rng, 150)
    assert len(pl), "the case must have detections to cut"
    images[1] = (np.concatenate([pb, extra]), np.concatenate([pl, np.full(150, pl[0], np.int64)]),
                 np.concatenate([ps, np.full(150, 0.999, np.float32)]), gb, gl, crowd)
    assert _coco_ours(images).get()[1] == pytest.approx(_pycocotools_stats(images)[0], abs=1e-9)
    assert _coco_ours(images, max_detections=1000).get()[1] != pytest.approx(_pycocotools_stats(images)[0], abs=1e-6)


def test_coco_perfect_and_empty():
    metric = COCOMeanAP()
    metric.update([[[0, 0, 10, 10]]], [[0]], [[0.9]], [[[0, 0, 10, 10]]], [[0]])
    assert metric.get()[1] == pytest.approx(1.0)
    metric.reset()
    assert np.isnan(metric.get()[1])
