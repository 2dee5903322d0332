"""The ``segmentation`` task: batching with crops, the per-pixel loss against NumPy, and training through
``gluonx.Trainer`` with the registered dataset, model and task."""
import math

import mxnet as mx
import numpy as np
import pytest

import gluonx
from gluonx_segmentation.task import PixelSoftmaxCELoss, SegmentationTask, collate_segmentation, crop_pair


def numpy_pixel_loss(scores, labels):
    """Per image: mean over labelled pixels (ids in [0, C)) of -log softmax(scores)[label]."""
    num_classes = scores.shape[1]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    out = []
    for image_scores, image_labels in zip(log_probs, labels):
        rows, cols = np.nonzero(image_labels < num_classes)
        picked = image_scores[image_labels[rows, cols], rows, cols]
        out.append(-picked.mean() if len(picked) else 0.0)
    return np.array(out)


def test_loss_matches_numpy_ignoring_255_and_all_ignore_images():
    rng = np.random.RandomState(0)
    scores = rng.normal(0, 2, (3, 5, 6, 7)).astype(np.float32)
    labels = rng.randint(0, 5, (3, 6, 7))
    labels[rng.uniform(size=labels.shape) < 0.3] = 255
    labels[2] = 255
    loss = PixelSoftmaxCELoss()
    got = loss(mx.nd.array(scores), mx.nd.array(labels, dtype="uint8")).asnumpy()
    np.testing.assert_allclose(got, numpy_pixel_loss(scores, labels), rtol=1e-5, atol=1e-6)
    assert got[2] == 0
    loss.hybridize()
    np.testing.assert_allclose(loss(mx.nd.array(scores), mx.nd.array(labels)).asnumpy(), got, rtol=1e-6)


def test_without_ignored_pixels_the_loss_is_the_books_mean_cross_entropy():
    rng = np.random.RandomState(1)
    scores, labels = mx.nd.array(rng.normal(size=(2, 4, 5, 5))), mx.nd.array(rng.randint(0, 4, (2, 5, 5)))
    book = mx.gluon.loss.SoftmaxCrossEntropyLoss(axis=1)(scores, labels)  # D2L 9.10.3
    np.testing.assert_allclose(PixelSoftmaxCELoss()(scores, labels).asnumpy(), book.asnumpy(), rtol=1e-5)


def test_crop_pads_with_ignore_and_is_reproducible():
    image = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
    mask = np.ones((4, 6), dtype=np.uint8)
    cropped_image, cropped_mask = crop_pair(image, mask, (6, 4))
    assert cropped_image.shape == (6, 4, 3) and cropped_mask.shape == (6, 4)
    assert (cropped_mask[4:] == 255).all() and (cropped_image[4:] == 0).all()
    np.testing.assert_array_equal(cropped_image[:4], image[:, 1:5])  # the centre columns
    a = crop_pair(image, mask, (3, 3), np.random.RandomState(5))
    b = crop_pair(image, mask, (3, 3), np.random.RandomState(5))
    np.testing.assert_array_equal(a[0], b[0])


def test_collate_needs_one_size_and_masks_of_their_images():
    image, mask = np.zeros((4, 5, 3), np.uint8), np.zeros((4, 5), np.uint8)
    images, masks = collate_segmentation([(image, mask), (image, mask)])
    assert images.shape == (2, 3, 4, 5) and images.dtype == np.uint8 and masks.shape == (2, 4, 5)
    with pytest.raises(ValueError, match="images of one size, got sizes .*give the task a crop_size"):
        collate_segmentation([(image, mask), (np.zeros((5, 5, 3), np.uint8), np.zeros((5, 5)))])
    with pytest.raises(ValueError, match=r"a mask of shape \(4, 4\) does not match its 4x5 image"):
        collate_segmentation([(image, np.zeros((4, 4)))])


def test_task_crops_datasets_of_mixed_sizes():
    data = [(np.full((h, w, 3), h, np.uint8), np.zeros((h, w), np.uint8)) for h, w in [(10, 12), (7, 9), (12, 8)]]
    source = SegmentationTask(crop_size=8).make_source(data, batch_size=3, shuffle=True, seed=0)
    (images, masks), = list(source.batches(0))
    assert images.shape == (3, 3, 8, 8) and masks.shape == (3, 8, 8)
    assert (masks[1, 7:] == 255).all() and (masks[1, :7, :8] == 0).all()


def test_task_registration_and_arguments():
    task = gluonx.get_task("segmentation")
    assert isinstance(task, SegmentationTask) and task.monitor == "val_miou" and task.higher_is_better
    assert gluonx.get_model_info("fcn_resnet18").task == "segmentation"
    with pytest.raises(ValueError, match="crop_size must be"):
        SegmentationTask(crop_size=(0, 4))
    decoded = task.decode(mx.nd.array(np.eye(3)[[[0, 2], [1, 1]]].transpose(2, 0, 1)[None]))
    assert decoded == {"masks": [[[0, 2], [1, 1]]]}


def test_short_training_through_the_trainer_learns_the_shapes():
    """Calibrated short run (about 30 s on 2 loaded cores): a small FCN on 160 scenes of 32x32 for 5 epochs
    moves from chance to clearly better than labelling every pixel 'background' on held-out scenes (held-out
    mIoU 0.28 here against 0.19 for all-background); the full recipe is checked by
    test_segmentation_recipe.py."""
    train = gluonx.get_dataset("segmentation_shapes", train=True, num_images=160, image_size=32)
    test = gluonx.get_dataset("segmentation_shapes", train=False, num_images=64, image_size=32)
    background = np.mean([(test[i][1] == 0).mean() for i in range(len(test))])
    net = gluonx.get_model("fcn_resnet18", num_classes=4, stem="small", channels=(16, 32, 32, 64), stem_channels=16)
    trainer = gluonx.Trainer(net, optimizer="adam", optimizer_params={"learning_rate": 0.003},
                             task=gluonx.get_task("segmentation"), seed=0)
    before = trainer.evaluate(test, batch_size=32)
    trainer.fit(train, epochs=5, batch_size=16)
    after = trainer.evaluate(test, batch_size=32)
    assert after["val_loss"] < 0.7 * before["val_loss"], (before, after)
    # all-background scores pixel accuracy `background` and mIoU background / 4 (one class of four right)
    assert after["val_pixel_accuracy"] > background, (background, after)
    assert after["val_miou"] > background / 4 + 0.05, (background, after)
    assert trainer.last_scalars["miou"] > after["val_miou"] - 0.2 and math.isfinite(after["val_miou"])
