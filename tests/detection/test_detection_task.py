"""The detection task: batching of ragged labels, anchor targets, multibox loss and the book's metrics, each
against a NumPy reference (the book's code where it has one); then TinySSD trained through
``gluonx.Trainer(net, task="detection")``."""
import numpy as np
import pytest

mx = pytest.importorskip("mxnet")

import detection_book as book  # noqa: E402
import gluonx  # noqa: E402
from gluonx_detection.data.digits_scenes import DigitsDetection  # noqa: E402
from gluonx_detection.evaluation import evaluate_map  # noqa: E402
from gluonx_detection.task import (BoxMAE, ClassError, DetectionSource, DetectionTask, MultiBoxLoss,  # noqa: E402
                                   collate_detection)


def _scene(rng, size, count):
    image = rng.randint(0, 256, (size[0], size[1], 3)).astype(np.uint8)
    # objects of 20-60 % of each side, as in detection_digits (a box that overlaps no anchor at all is
    # matched by the book's argmax but not by MultiBoxTarget)
    extent = rng.uniform(0.2, 0.6, (count, 2))
    start = rng.uniform(0, 1 - extent)
    corners = np.concatenate([start, start + extent], axis=1) * [size[1], size[0], size[1], size[0]]
    label = np.concatenate([rng.randint(0, 3, (count, 1)), corners, np.zeros((count, 1))], axis=1)
    return image, label.astype(np.float32)


def test_collate_pads_normalizes_and_goes_channels_first():
    rng = np.random.RandomState(0)
    samples = [_scene(rng, (20, 30), n) for n in (1, 3, 0)]
    images, labels = collate_detection(samples, max_objects=4)
    assert images.dtype == np.uint8 and images.shape == (3, 3, 20, 30)
    for i, (image, label) in enumerate(samples):
        np.testing.assert_array_equal(images[i], image.transpose(2, 0, 1))
        n = len(label)
        np.testing.assert_array_equal(labels[i, :n, 0], label[:, 0])
        np.testing.assert_allclose(labels[i, :n, 1:], label[:, 1:5] / [30, 20, 30, 20], rtol=1e-6)
        assert (labels[i, n:] == -1).all()
    with pytest.raises(ValueError, match="more than max_objects=2"):
        collate_detection(samples, max_objects=2)
    with pytest.raises(ValueError, match="one size"):
        collate_detection([_scene(rng, (20, 30), 1), _scene(rng, (21, 30), 1)], max_objects=2)


def test_source_batches_every_sample_once_in_a_resumable_order():
    data = DigitsDetection(train=False, num_images=10, image_size=32)
    source = DetectionTask().make_source(data, batch_size=4, seed=3)
    assert isinstance(source, DetectionSource) and source.max_objects == data.max_objects and len(source) == 3
    first = list(source.batches(epoch=1))
    again = list(source.batches(epoch=1, start=1))
    np.testing.assert_array_equal(first[1][0], again[0][0])
    seen = sorted(tuple(label[label[:, 0] >= 0].ravel().round(5)) for _, labels in first for label in labels)
    expected = sorted(tuple(collate_detection([data[i]], data.max_objects)[1][0][:len(data[i][1])].ravel().round(5))
                      for i in range(10))
    assert seen == expected
    # a list of samples with a batch size is a dataset too; without one it is a list of ready batches
    assert isinstance(DetectionTask().make_source([data[i] for i in range(3)], 2), DetectionSource)
    assert not isinstance(DetectionTask().make_source(first, None), DetectionSource)


def _softmax_ce(logits, labels):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(log_probs, labels[..., None].astype(int), axis=-1)[..., 0]


def _smooth_l1(x):
    return np.where(np.abs(x) < 1, 0.5 * x * x, np.abs(x) - 0.5)


def test_step_targets_loss_and_metrics_equal_the_book():
    rng = np.random.RandomState(1)
    mx.random.seed(1)
    net = gluonx.get_model("tiny_ssd", num_classes=3)
    trainer = gluonx.Trainer(net, optimizer="sgd", task="detection", hybridize=False, seed=0)
    samples = [_scene(rng, (64, 64), n) for n in (2, 1, 3)]
    batch = collate_detection(samples, max_objects=3)
    out = trainer.batch_step.eval_step(trainer, batch)
    (class_labels, box_labels, box_masks), = [[a.asnumpy() for a in label] for label in out.labels]
    anchors, class_preds, box_preds = [a.asnumpy() for a in out.outputs[0]]
    for i, (_, label) in enumerate(samples):
        # the book's multibox_target on this image's real rows only (it knows no padding)
        offsets, mask, classes = book.multibox_target(anchors, batch[1][i:i + 1, :len(label)])
        np.testing.assert_array_equal(class_labels[i], classes[0])
        np.testing.assert_array_equal(box_masks[i], mask[0])
        np.testing.assert_allclose(box_labels[i], offsets[0], rtol=1e-4, atol=1e-4)
    assert class_labels.max() > 0
    positives = np.maximum(box_masks.sum(axis=1), 1)
    expected = (_softmax_ce(class_preds, class_labels).mean(axis=1)
                + (_smooth_l1((box_preds - box_labels) * box_masks) * box_masks).sum(axis=1) / positives)
    np.testing.assert_allclose(out.losses[0].asnumpy(), expected, rtol=1e-4)
    # the book's cls_eval / bbox_eval (D2L 9.7.2)
    error = ClassError()
    error.update(out.labels, out.outputs)
    mae = BoxMAE()
    mae.update(out.labels, out.outputs)
    assert error.get()[1] == pytest.approx(1 - (class_preds.argmax(-1) == class_labels).sum() / class_labels.size)
    assert mae.get()[1] == pytest.approx(np.abs((box_labels - box_preds) * box_masks).sum() / box_labels.size,
                                         rel=1e-5)


def test_focal_class_loss_equals_its_formula():
    rng = np.random.RandomState(2)
    preds = rng.randn(2, 7, 4).astype(np.float32)
    classes = rng.randint(0, 4, (2, 7)).astype(np.float32)
    zeros = np.zeros((2, 28), np.float32)
    loss = MultiBoxLoss(class_loss="focal", focal_alpha=0.25, focal_gamma=2.0)
    got = loss(*[mx.nd.array(a) for a in (preds, zeros, classes, zeros, zeros)]).asnumpy()
    p = 1 / (1 + np.exp(-preds[..., 1:]))
    target = (classes[..., None] - 1) == np.arange(3)
    per_class = np.where(target, -0.25 * (1 - p) ** 2 * np.log(p), -0.75 * p ** 2 * np.log(1 - p))
    np.testing.assert_allclose(got, per_class.sum(-1).mean(-1), rtol=1e-4)


def test_task_arguments_are_checked():
    with pytest.raises(ValueError, match="class_loss"):
        DetectionTask(class_loss="hinge")
    with pytest.raises(ValueError, match="max_objects"):
        DetectionTask(max_objects=0)
    lines = DetectionTask().result_lines({"val_class_error": 0.01, "val_box_mae": 0.002, "val_loss": 0.3})
    assert lines == ["test class error: 0.0100", "test box mae: 0.002", "test loss: 0.3000"]


def _positive_share(trainer, data):
    """Class error of a detector that says "background" everywhere: the share of positive anchors."""
    positive = total = 0
    for batch in trainer.make_source(data, 32, shuffle=False).batches(0):
        for class_labels, _, _ in trainer.batch_step.eval_step(trainer, batch).labels:
            positive += float((class_labels > 0).sum().asscalar())
            total += class_labels.size
    return positive / total


def test_tiny_ssd_learns_detection_digits_through_the_trainer():
    # calibrated (2-core CPU, about 25 s): 200 scenes of 64x64, 6 epochs of batch 16, Adam 0.01
    train = DigitsDetection(train=True, num_images=200, image_size=64)
    test = DigitsDetection(train=False, num_images=64, image_size=64)
    net = gluonx.get_model("tiny_ssd", num_classes=3)
    trainer = gluonx.Trainer(net, optimizer="adam", optimizer_params={"learning_rate": 0.01, "wd": 5e-4},
                             task="detection", seed=0)
    before = trainer.evaluate(test, batch_size=32)
    share = _positive_share(trainer, test)
    epochs = trainer.fit(train, epochs=6, batch_size=16, val_data=test)
    assert epochs[-1]["loss"] < 0.5 * epochs[0]["loss"]
    # an untrained net errs on most anchors; after training it does at least as well as "all background"
    # (within 3 %), which the untrained net is far from
    assert before["val_class_error"] > 0.3
    assert epochs[-1]["val_class_error"] < 1.03 * share < 0.1
    assert epochs[-1]["val_box_mae"] < 0.92 * before["val_box_mae"]   # measured: 0.87x


class _Oracle(mx.gluon.HybridBlock):
    """Anchors on given normalized boxes, zero offsets, a confident score for given classes."""

    def __init__(self, boxes, classes, num_classes=3):
        super().__init__()
        self._anchors = mx.nd.array(boxes).reshape((1, -1, 4))
        self._scores = mx.nd.one_hot(mx.nd.array(classes) + 1, num_classes + 1) * 10

    def hybrid_forward(self, F, x):
        batch = F.ones_like(F.slice_axis(F.reshape(x, (0, -1)), axis=1, begin=0, end=1)).reshape((-1, 1, 1))
        class_preds = F.broadcast_mul(batch, self._scores.expand_dims(0))
        box_preds = F.zeros_like(F.broadcast_mul(batch, self._anchors)).reshape((0, -1))
        return self._anchors, class_preds, box_preds


def test_evaluate_map_scores_an_oracle_one_and_wrong_classes_zero():
    rng = np.random.RandomState(3)
    image, label = _scene(rng, (40, 50), 3)
    label[:, 0] = [0, 1, 2]
    data = [(image, label)] * 3
    boxes = label[:, 1:5] / [50, 40, 50, 40]
    assert evaluate_map(_Oracle(boxes, label[:, 0]), data, topk=3)[1] == pytest.approx(1.0)
    assert evaluate_map(_Oracle(boxes, (label[:, 0] + 1) % 3), data, topk=3)[1] == pytest.approx(0.0)


def test_augmentation_is_applied_per_sample_from_seed_epoch_and_index():
    from gluonx.data.transforms import AugmentedDataset, detection_augmentation, detection_to_sample, \
        sample_to_detection
    data = DigitsDetection(train=False, num_images=10, image_size=48)
    task = DetectionTask(augment={"min_ious": (0.3, 0.5)})
    source = task.make_source(data, batch_size=4, seed=7)
    assert isinstance(source, DetectionSource) and source.augment is not None
    # the core's worker-safe wrapper with the same preset, seed and epoch is the reference
    reference = AugmentedDataset(data, detection_augmentation(48, min_ious=(0.3, 0.5)), seed=7,
                                 to_sample=detection_to_sample, from_sample=sample_to_detection)
    changed = 0
    for epoch in (0, 1):
        reference.set_epoch(epoch)
        order = [i for indices in source.sampler.batches(epoch) for i in indices]
        images = np.concatenate([batch[0] for batch in source.batches(epoch)])
        labels = np.concatenate([batch[1] for batch in source.batches(epoch)])
        for row, index in enumerate(order):
            image, label = reference[int(index)]
            expected_images, expected_labels = collate_detection([(image, label)], data.max_objects)
            np.testing.assert_array_equal(images[row], expected_images[0])
            np.testing.assert_allclose(labels[row], expected_labels[0], rtol=1e-6)
            changed += not np.array_equal(image, data[int(index)][0])
        # resuming mid-epoch gives the same augmented batches
        np.testing.assert_array_equal(list(source.batches(epoch, start=1))[0][0], list(source.batches(epoch))[1][0])
    assert changed >= 10
    # evaluation batches (shuffle=False, as Trainer.evaluate makes them) are not augmented
    plain = task.make_source(data, batch_size=10, shuffle=False)
    np.testing.assert_array_equal(next(plain.batches(0))[0], collate_detection([data[i] for i in range(10)], 4)[0])


def test_augmentation_option_is_checked_and_reaches_the_task_from_a_recipe():
    from gluonx.train.cli import _task
    with pytest.raises(ValueError, match="augment must be"):
        DetectionTask(augment="ssd")
    with pytest.raises(ValueError, match="not arguments of detection_augmentation"):
        DetectionTask(augment={"zoom": 2})
    task = _task("detection", {"augmentation": {"flip_p": 0.5}, "seq_len": 35})
    assert task.augment == {"flip_p": 0.5} and task.augments
