"""Faster R-CNN (D2L 9.8.3): inference against a pipeline written here from the paper's steps (MXNet's
``MultiBoxPrior`` and ``ROIAlign`` with pixel regions, NumPy decoding and greedy NMS), training targets and
losses against NumPy, and training through ``gluonx.Trainer`` with the registered ``faster_rcnn`` task."""
import numpy as np
import pytest

mx = pytest.importorskip("mxnet")

import gluonx  # noqa: E402
from gluonx_detection.data.digits_scenes import DigitsDetection  # noqa: E402
from gluonx_detection.models.faster_rcnn import RPN_RATIOS, RPN_SIZES, FasterRCNN  # noqa: E402
from gluonx_detection.rcnn_targets import rpn_targets, sample_balanced, sample_regions  # noqa: E402
from gluonx_detection.rcnn_task import FasterRCNNTask, rcnn_losses  # noqa: E402

VARIANCES = np.array([0.1, 0.1, 0.2, 0.2])


def np_iou(a, b):
    """Pairwise IoU of corner boxes (D2L 9.4.2)."""
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(-1)
    area = lambda x: np.clip(x[:, 2:] - x[:, :2], 0, None).prod(-1)  # noqa: E731
    return inter / np.maximum(area(a)[:, None] + area(b)[None] - inter, 1e-12)


def np_decode(anchors, offsets):
    """The book's ``offset_inverse`` with variances (D2L 9.4.3)."""
    centre = (anchors[..., :2] + anchors[..., 2:]) / 2
    size = anchors[..., 2:] - anchors[..., :2]
    c = offsets[..., :2] * VARIANCES[:2] * size + centre
    s = np.exp(offsets[..., 2:] * VARIANCES[2:]) * size
    return np.concatenate([c - s / 2, c + s / 2], axis=-1)


def np_encode(anchors, boxes):
    centre_a, size_a = (anchors[..., :2] + anchors[..., 2:]) / 2, anchors[..., 2:] - anchors[..., :2]
    centre_b, size_b = (boxes[..., :2] + boxes[..., 2:]) / 2, boxes[..., 2:] - boxes[..., :2]
    return np.concatenate([(centre_b - centre_a) / size_a / VARIANCES[:2],
                           np.log(size_b / size_a + 1e-6) / VARIANCES[2:]], axis=-1)


def np_nms(boxes, scores, threshold):
    """The book's greedy NMS (D2L 9.4.4): indices kept, best first."""
    order, keep = list(np.argsort(-scores, kind="stable")), []
    while order:
        best = order.pop(0)
        keep.append(best)
        order = [i for i in order if np_iou(boxes[best:best + 1], boxes[i:i + 1])[0, 0] <= threshold]
    return keep


def reference_detect(net, image):
    """Faster R-CNN inference on one image from the paper's steps, with the net's layers and weights."""
    side = image.shape[-1]
    features = net.backbone(image)
    hidden = net.rpn.conv(features)
    logits = net.rpn.score(hidden).transpose((0, 2, 3, 1)).reshape((-1,)).asnumpy()
    deltas = net.rpn.offset(hidden).transpose((0, 2, 3, 1)).reshape((-1, 4)).asnumpy()
    anchors = mx.nd.contrib.MultiBoxPrior(features, sizes=RPN_SIZES, ratios=RPN_RATIOS)[0].asnumpy()
    boxes = np.clip(np_decode(anchors, deltas), 0, 1)
    objectness = 1 / (1 + np.exp(-logits))
    keep = np_nms(boxes, objectness, 0.7)[:net.proposer.num_proposals]
    assert len(keep) == net.proposer.num_proposals     # enough survive on a random net
    proposals = boxes[keep]
    # RoIAlign / RoI pooling on regions in input pixels with the backbone's stride as spatial scale
    rois = mx.nd.array(np.concatenate([np.zeros((len(keep), 1)), proposals * side], axis=1))
    if net.head._pooling == "pool":
        pooled = mx.nd.ROIPooling(features, rois, pooled_size=net.head._pooled_size,
                                  spatial_scale=features.shape[-1] / side)
    else:
        pooled = mx.nd.contrib.ROIAlign(features, rois, pooled_size=net.head._pooled_size,
                                        spatial_scale=features.shape[-1] / side, sample_ratio=2)
    hidden = net.head.fc(pooled)
    scores = net.head.class_predictor(hidden).softmax(axis=-1).asnumpy()[:, 1:]
    offsets = net.head.box_predictor(hidden).asnumpy().reshape(len(keep), -1, 4)
    rows = []
    for c in range(net.num_classes):
        class_boxes = np.clip(np_decode(proposals, offsets[:, c]), 0, 1)
        valid = np.flatnonzero(scores[:, c] > net._score_threshold)
        for i in np.array(np_nms(class_boxes[valid], scores[valid, c], 0.5), dtype=int):
            tied = (np.abs(scores[valid, c] - scores[valid[i], c]) < 1e-5).sum() > 1
            rows.append((scores[valid[i], c], c, class_boxes[valid[i]], tied))
    rows.sort(key=lambda row: -row[0])
    return rows[:net.topk]


@pytest.mark.parametrize("seed, pooling", [(0, "align"), (1, "align"), (2, "pool")])
def test_inference_equals_the_papers_pipeline(seed, pooling):
    mx.random.seed(seed)
    net = gluonx.get_model("faster_rcnn", num_classes=3, score_threshold=0.2, pooling=pooling)
    net.initialize(mx.init.Xavier())
    images = mx.nd.random.uniform(shape=(2, 3, 64, 64))
    net.hybridize()
    boxes, scores, ids = [a.asnumpy() for a in net(images)]
    assert boxes.shape == (2, net.topk, 4) and scores.shape == ids.shape == (2, net.topk)
    for b in range(2):
        expected = reference_detect(net, images[b:b + 1])
        found = ids[b] >= 0
        assert found.sum() == len(expected) > 0
        np.testing.assert_allclose(scores[b][found], [row[0] for row in expected], rtol=1e-4)
        np.testing.assert_array_equal(ids[b][found], [row[1] for row in expected])
        # RoI pooling gives proposals that round to the same feature pixels the same score up to rounding
        # (GEMMs of other sizes): NMS may keep either of such a pair, so boxes are compared where the score
        # is unique among the class's candidates
        unique = [not row[3] for row in expected]
        assert sum(unique) >= len(expected) // 2
        np.testing.assert_allclose(boxes[b][found][unique], [row[2] for row, u in zip(expected, unique) if u],
                                   atol=1e-4)
        assert (scores[b][~found] == -1).all()


def _labels(rng, batch, count, max_objects):
    labels = np.full((batch, max_objects, 5), -1.0, dtype=np.float32)
    for b in range(batch):
        start = rng.uniform(0, 0.6, (count[b], 2))
        extent = rng.uniform(0.15, 0.4, (count[b], 2))
        labels[b, :count[b], 0] = rng.randint(0, 3, count[b])
        labels[b, :count[b], 1:] = np.concatenate([start, start + extent], axis=1)
    return labels


def test_balanced_sampling_respects_the_sets_and_the_fraction():
    rng = np.random.RandomState(0)
    positive = (rng.rand(3, 50) < [[0.05], [0.4], [0.0]]).astype(np.float32)
    negative = (1 - positive) * (rng.rand(3, 50) < 0.7)
    taken_pos, taken_neg = [a.asnumpy() for a in sample_balanced(mx.nd.array(positive), mx.nd.array(negative), 16,
                                                                 0.25)]
    assert ((taken_pos <= positive) & (taken_neg <= negative)).all()
    np.testing.assert_array_equal(taken_pos.sum(1), np.minimum(positive.sum(1), 4))
    np.testing.assert_array_equal(taken_pos.sum(1) + taken_neg.sum(1),
                                  np.minimum(16, taken_pos.sum(1) + negative.sum(1)))


def test_rpn_targets_follow_the_papers_labelling():
    rng = np.random.RandomState(1)
    labels = _labels(rng, 2, [3, 1], 3)
    features = mx.nd.zeros((1, 1, 6, 6))
    anchors = mx.nd.contrib.MultiBoxPrior(features, sizes=RPN_SIZES, ratios=RPN_RATIOS)
    objectness, weights, offsets, mask = [a.asnumpy() for a in rpn_targets(anchors, mx.nd.array(labels),
                                                                           num_samples=40)]
    a = anchors[0].asnumpy()
    for b in range(2):
        real = labels[b][labels[b, :, 0] >= 0]
        iou = np_iou(a, real[:, 1:])
        best = iou.max(1)
        positive = (best >= 0.7) | np.isin(np.arange(len(a)), iou.argmax(0))
        negative = (best < 0.3) & ~positive
        taken = weights[b] > 0
        assert (objectness[b][taken] == positive[taken]).all() and not (taken & ~positive & ~negative).any()
        assert objectness[b].sum() == min(positive.sum(), 20) and taken.sum() == 40
        chosen = np.flatnonzero(objectness[b])
        np.testing.assert_allclose(offsets[b][chosen], np_encode(a[chosen], real[iou[chosen].argmax(1), 1:]),
                                   rtol=1e-4, atol=1e-4)
        assert (offsets[b][objectness[b] == 0] == 0).all() and (mask[b, :, 0] == objectness[b]).all()


def test_regions_sample_foreground_by_iou_and_include_the_objects():
    rng = np.random.RandomState(2)
    labels = _labels(rng, 2, [2, 3], 3)
    proposals = np.clip(np.repeat(labels[:, :, 1:], 4, axis=1) + rng.normal(0, 0.05, (2, 12, 4)), 0, 1)
    proposals = np.concatenate([proposals, rng.uniform(0, 0.5, (2, 8, 4)) + [0, 0, 0.5, 0.5]], axis=1)
    scores = rng.rand(2, 20).astype(np.float32)
    scores[0, -3:] = -1                     # empty proposals never become regions
    out = [a.asnumpy() for a in sample_regions(mx.nd.array(proposals), mx.nd.array(scores), mx.nd.array(labels),
                                               num_samples=16, foreground_fraction=0.5)]
    regions, classes, weights, offsets, mask = out
    for b in range(2):
        real = labels[b][labels[b, :, 0] >= 0]
        candidates = np.concatenate([proposals[b][scores[b] >= 0], real[:, 1:]])
        iou = np_iou(regions[b], real[:, 1:])
        taken = weights[b] > 0
        foreground = taken & (iou.max(1) >= 0.5)
        # every sampled region is a usable candidate, at most half are foreground, 16 in all
        assert all(np.abs(candidates - r).max(1).min() < 1e-6 for r in regions[b][taken])
        assert taken.sum() == 16 and foreground.sum() <= 8 and (mask[b, :, 0] == foreground).all()
        np.testing.assert_array_equal(classes[b][foreground], real[iou[foreground].argmax(1), 0] + 1)
        assert (classes[b][~foreground] == 0).all()
        np.testing.assert_allclose(offsets[b][foreground],
                                   np_encode(regions[b][foreground], real[iou[foreground].argmax(1), 1:]),
                                   rtol=1e-4, atol=1e-4)


def test_losses_equal_their_formulas():
    rng = np.random.RandomState(3)
    B, A, S, C = 2, 30, 8, 3
    logits, rpn_offsets = rng.randn(B, A), rng.randn(B, A, 4)
    objectness = (rng.rand(B, A) < 0.3).astype(float)
    rpn_weights = np.maximum(objectness, rng.rand(B, A) < 0.5)
    rpn_target_offsets = rng.randn(B, A, 4) * objectness[..., None]
    class_scores, box_offsets = rng.randn(B, S, C + 1), rng.randn(B, S, C, 4)
    classes = rng.randint(0, C + 1, (B, S)).astype(float)
    weights = (rng.rand(B, S) < 0.8).astype(float)
    fg = ((classes > 0) * weights)[..., None]
    head_target_offsets = rng.randn(B, S, 4) * fg
    nd = lambda *arrays: [mx.nd.array(a) for a in arrays]  # noqa: E731
    got = rcnn_losses(*nd(logits, rpn_offsets), nd(objectness, rpn_weights, rpn_target_offsets,
                                                   objectness[..., None]),
                      *nd(class_scores, box_offsets), nd(classes, weights, head_target_offsets, fg), C)
    bce = np.log1p(np.exp(-logits)) + (1 - objectness) * logits
    np.testing.assert_allclose(got["rpn_class_loss"].asnumpy(), (bce * rpn_weights).sum(1) / rpn_weights.sum(1),
                               rtol=1e-5)
    smooth = lambda x: np.where(np.abs(x) < 1, 0.5 * x * x, np.abs(x) - 0.5)  # noqa: E731
    rpn_box = (smooth(rpn_offsets - rpn_target_offsets) * objectness[..., None]).sum((1, 2)) / objectness.sum(1)
    np.testing.assert_allclose(got["rpn_box_loss"].asnumpy(), rpn_box, rtol=1e-5)
    log_p = class_scores - np.log(np.exp(class_scores).sum(-1, keepdims=True))
    ce = -np.take_along_axis(log_p, classes[..., None].astype(int), -1)[..., 0]
    np.testing.assert_allclose(got["roi_class_loss"].asnumpy(), (ce * weights).sum(1) / weights.sum(1), rtol=1e-5)
    own = np.stack([[box_offsets[b, s, int(classes[b, s]) - 1] if classes[b, s] > 0 else np.zeros(4)
                     for s in range(S)] for b in range(B)])
    head_box = (smooth(own - head_target_offsets) * fg).sum((1, 2)) / np.maximum(fg.sum((1, 2)), 1)
    np.testing.assert_allclose(got["roi_box_loss"].asnumpy(), head_box, rtol=1e-5)


def test_task_and_model_arguments_are_checked():
    with pytest.raises(ValueError, match="roi_samples"):
        FasterRCNNTask(roi_samples=0)
    with pytest.raises(ValueError, match="foreground_fraction"):
        FasterRCNNTask(foreground_fraction=1.5)
    with pytest.raises(ValueError, match="pooling"):
        FasterRCNN(pooling="max")
    with pytest.raises(ValueError, match="topk"):
        FasterRCNN(num_classes=1, num_proposals=4, topk=5)
    decoded = FasterRCNNTask().decode([mx.nd.array([[[0.1, 0.2, 0.3, 0.4], [-1, -1, -1, -1]]]),
                                       mx.nd.array([[0.9, -1]]), mx.nd.array([[2, -1]])])
    assert decoded == {"detections": [[[2.0, 0.9, 0.1, 0.2, 0.3, 0.4]]]}


def test_faster_rcnn_learns_detection_digits_through_the_trainer():
    # calibrated (2-core CPU, about 15 s): 96 scenes of 64x64, 4 epochs of batch 16, Adam 0.005
    info = gluonx.get_model_info("faster_rcnn")
    assert info.task == "faster_rcnn" and isinstance(gluonx.get_task("faster_rcnn"), FasterRCNNTask)
    train = DigitsDetection(train=True, num_images=96, image_size=64)
    test = DigitsDetection(train=False, num_images=32, image_size=64)
    net = gluonx.get_model("faster_rcnn", num_classes=3)
    trainer = gluonx.Trainer(net, optimizer="adam", optimizer_params={"learning_rate": 0.005, "wd": 5e-4},
                             task=info.task, seed=0)
    before = trainer.evaluate(test, batch_size=32)
    epochs = trainer.fit(train, epochs=4, batch_size=16)
    after = trainer.evaluate(test, batch_size=32)
    first, last = epochs[0], epochs[-1]
    assert last["loss"] < 0.7 * first["loss"]
    for name in ("rpn_class_loss", "rpn_box_loss", "roi_class_loss"):
        assert last[name] < first[name], name
    assert after["val_loss"] < before["val_loss"]
    assert after["val_rpn_error"] < 0.5 * before["val_rpn_error"]
    assert after["val_roi_class_error"] < 0.5 * before["val_roi_class_error"]
