"""Joint image/mask augmentation in segmentation training (D2L 9.1 on D2L 9.9 data): a painted region moves with
its mask label; the draws are a function of (seed, epoch, index), the same in the trainer's source and in a
DataLoader with 0 or 2 workers."""
import numpy as np
import pytest

import gluonx
from gluonx.data.transforms import sample_rng
from gluonx_segmentation.augment import augment_pair, augmented_dataset, segmentation_augmentation
from gluonx_segmentation.task import SegmentationTask

GEOMETRY = dict(brightness=0, contrast=0, saturation=0, hue=0)


def painted(height=48, width=64):
    """Black picture with a red rectangle labelled 2 and a green one labelled 1 (asymmetric, so a flip shows)."""
    image = np.zeros((height, width, 3), np.uint8)
    mask = np.zeros((height, width), np.uint8)
    image[5:20, 4:30, 0] = 255
    mask[5:20, 4:30] = 2
    image[28:44, 40:50, 1] = 255
    mask[28:44, 40:50] = 1
    return image, mask


def test_a_flip_moves_the_image_and_the_mask_together():
    image, mask = painted()
    transform = segmentation_augmentation(image.shape[:2], scale=(1, 1), ratio=(64 / 48, 64 / 48), **GEOMETRY)
    flipped = []
    for index in range(16):
        got_image, got_mask = augment_pair(transform, image, mask, sample_rng(0, 0, index))
        if np.array_equal(got_mask, mask):
            np.testing.assert_array_equal(got_image, image)
            flipped.append(False)
        else:
            np.testing.assert_array_equal(got_mask, mask[:, ::-1])
            np.testing.assert_array_equal(got_image, image[:, ::-1])
            flipped.append(True)
    assert 0 < sum(flipped) < len(flipped)


def test_painted_regions_keep_their_labels_through_crops_and_colour():
    image, mask = painted()
    transform = segmentation_augmentation(image.shape[:2], scale=(0.2, 1.0))
    moved = 0
    for index in range(24):
        got_image, got_mask = augment_pair(transform, image, mask, sample_rng(1, 2, index))
        assert got_image.shape == image.shape and got_mask.shape == mask.shape and got_image.dtype == np.uint8
        assert set(np.unique(got_mask)) <= {0, 1, 2, 255}
        # the colour a pixel shows is its label's colour: red where 2, green where 1 (resampling blurs
        # the edges by one pixel at most, hence the share rather than equality)
        red = got_image[..., 0].astype(int) > got_image[..., 1].astype(int) + 40
        green = got_image[..., 1].astype(int) > got_image[..., 0].astype(int) + 40
        assert ((got_mask == 2) == red).mean() > 0.97
        assert ((got_mask == 1) == green).mean() > 0.97
        moved += not np.array_equal(got_mask, mask)
    assert moved > 20


def _source_samples(task, dataset, seed, epoch):
    source = task.make_source(dataset, batch_size=4, shuffle=True, seed=seed)
    images, masks = {}, {}
    for indices, (batch_images, batch_masks) in zip(source.sampler.batches(epoch), source.batches(epoch)):
        for row, index in enumerate(indices):
            images[int(index)] = batch_images[row].transpose(1, 2, 0)
            masks[int(index)] = batch_masks[row]
    return images, masks


def test_trainer_source_and_loader_workers_agree_under_the_seed():
    from mxnet.gluon.data import DataLoader
    dataset = gluonx.get_dataset("segmentation_shapes", train=True, num_images=8)
    task = SegmentationTask(augment=True)
    images, masks = _source_samples(task, dataset, seed=5, epoch=1)
    again, _ = _source_samples(task, dataset, seed=5, epoch=1)
    other, _ = _source_samples(task, dataset, seed=6, epoch=1)
    assert all(np.array_equal(images[i], again[i]) for i in images)
    assert not all(np.array_equal(images[i], other[i]) for i in images)
    plain = [dataset[i] for i in range(len(dataset))]
    assert not all(np.array_equal(images[i], plain[i][0]) for i in images), "nothing was augmented"
    augmented = augmented_dataset(dataset, True, seed=5)
    augmented.set_epoch(1)
    for workers in (0, 2):
        loader = DataLoader(augmented, batch_size=4, shuffle=False, num_workers=workers)
        batches = [(x.asnumpy(), y.asnumpy()) for x, y in loader]
        got_images = np.concatenate([x for x, _ in batches])
        got_masks = np.concatenate([y for _, y in batches])
        for index in range(len(dataset)):
            np.testing.assert_array_equal(got_images[index], images[index])
            np.testing.assert_array_equal(got_masks[index], masks[index])


def test_evaluation_batches_are_not_augmented():
    dataset = gluonx.get_dataset("segmentation_shapes", train=False, num_images=4)
    source = SegmentationTask(augment=True).make_source(dataset, batch_size=4, shuffle=False)
    images, masks = next(iter(source.batches(0)))
    for index in range(4):
        np.testing.assert_array_equal(images[index].transpose(1, 2, 0), dataset[index][0])
        np.testing.assert_array_equal(masks[index], dataset[index][1])


def test_bad_augmentation_arguments_fail_at_once():
    with pytest.raises(ValueError, match="not arguments of segmentation_augmentation"):
        SegmentationTask(augment={"sharpness": 2})
    with pytest.raises(ValueError, match="augment must be"):
        SegmentationTask(augment="yes")


def test_gluonx_train_hands_a_recipes_augmentation_to_the_task():
    from gluonx.train.cli import _task
    task = _task("segmentation", {"augmentation": {"flip_p": 1.0, "scale": (1, 1), "ratio": (1, 1)}, "seq_len": 35})
    assert task.augments and task.augment == {"flip_p": 1.0, "scale": (1, 1), "ratio": (1, 1)}
    dataset = gluonx.get_dataset("segmentation_shapes", train=True, num_images=2)
    images, masks = next(iter(task.make_source(dataset, batch_size=2, shuffle=True, seed=0).batches(0)))
    order = [int(i) for i in next(iter(task.make_source(dataset, batch_size=2, shuffle=True, seed=0)
                                       .sampler.batches(0)))]
    for row, index in enumerate(order):  # colour jitter changes pixel values; the masks show the flip exactly
        np.testing.assert_array_equal(masks[row], dataset[index][1][:, ::-1])
