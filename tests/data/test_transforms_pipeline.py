"""Determinism, NDArrays on any context, pickling, data-loader workers, the SSD preset and bad input."""
import pickle

import mxnet as mx
import numpy as np
import pytest

from augment_samples import coordinate_sample
from gluonx.data import transforms as T

TRANSFORMS = [
    T.RandomHorizontalFlip(p=1.0), T.RandomVerticalFlip(p=1.0), T.Resize((37, 53)), T.RandomRotation(25),
    T.RandomResizedCrop(32, scale=(0.3, 1.0)), T.RandomIoUCrop(), T.RandomExpand(p=1.0, fill=(10, 20, 30)),
    T.ColorJitter(0.4, 0.4, 0.4, 0.1), T.Cutout(p=1.0, mask_fill=255), T.detection_augmentation(48),
    T.Compose([T.RandomRotation(10), T.RandomResizedCrop((30, 40))]),
]


def _ids(transforms):
    return [type(t).__name__ for t in transforms]


def _to_nd(sample, ctx):
    return {k: mx.nd.array(v, ctx=ctx, dtype=v.dtype) for k, v in sample.items()}


def _assert_same(out_numpy, out_nd, ctx):
    assert set(out_numpy) == set(out_nd)
    for key, value in out_numpy.items():
        assert isinstance(out_nd[key], mx.nd.NDArray) and out_nd[key].context == ctx, key
        assert out_nd[key].dtype == value.dtype, key
        # the image may differ by one grey level where float32 sums round differently
        np.testing.assert_allclose(out_nd[key].asnumpy(), value, atol=1 if key == "image" else 1e-5, err_msg=key)


def test_transform_list_is_not_empty():
    assert len(TRANSFORMS) >= 10


@pytest.mark.parametrize("transform", TRANSFORMS, ids=_ids(TRANSFORMS))
@pytest.mark.parametrize("ctx", [mx.cpu(0), mx.cpu(1)], ids=["cpu0", "cpu1"])
def test_ndarrays_stay_on_their_context_and_match_numpy(transform, ctx):
    for index in range(3):
        sample = coordinate_sample(seed=index, min_side=12)
        out_numpy = transform(sample, T.sample_rng(7, 0, index))
        out_nd = transform(_to_nd(sample, ctx), T.sample_rng(7, 0, index))
        _assert_same(out_numpy, out_nd, ctx)


@pytest.mark.parametrize("transform", TRANSFORMS, ids=_ids(TRANSFORMS))
def test_deterministic_under_a_seed_and_after_pickling(transform):
    sample = coordinate_sample(seed=1, min_side=12)
    first = transform(sample, T.sample_rng(3, 2, 1))
    again = pickle.loads(pickle.dumps(transform))(sample, T.sample_rng(3, 2, 1))
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
    np.testing.assert_array_equal(sample["image"], coordinate_sample(seed=1, min_side=12)["image"])


def test_sample_rng_streams_are_reproducible_and_distinct():
    draws = {(s, e, i): T.sample_rng(s, e, i).integers(0, 2 ** 62) for s in range(3) for e in range(3) for i in range(3)}
    assert len(set(draws.values())) == len(draws)
    assert T.sample_rng(1, 2, 0).integers(0, 2 ** 62) == draws[(1, 2, 0)]
    for bad in (-1, 1.5, True, "0"):
        with pytest.raises(T.SampleError, match="must be a non-negative integer"):
            T.sample_rng(bad, 0, 0)


def keep_samples(samples):
    """A picklable batchify function that keeps the list of samples."""
    return samples


class _Scenes:
    def __len__(self):
        return 12

    def __getitem__(self, index):
        sample = coordinate_sample(seed=index, min_side=12)
        return sample["image"], np.concatenate([sample["labels"][:, :1], sample["boxes"],
                                                np.zeros((len(sample["boxes"]), 1), np.float32)], axis=1)


def _load(num_workers, epoch):
    dataset = T.AugmentedDataset(_Scenes(), T.detection_augmentation(40), seed=5,
                                 to_sample=T.detection_to_sample, from_sample=T.sample_to_detection)
    dataset.set_epoch(epoch)
    loader = mx.gluon.data.DataLoader(dataset, batch_size=4, num_workers=num_workers, batchify_fn=keep_samples)
    return [item for batch in loader for item in batch]


def test_data_loader_workers_give_the_same_samples():
    serial, parallel = _load(0, epoch=1), _load(2, epoch=1)
    assert len(serial) == len(parallel) == 12
    for (image_a, label_a), (image_b, label_b) in zip(serial, parallel):
        np.testing.assert_array_equal(image_a, image_b)
        np.testing.assert_array_equal(label_a, label_b)
    other_epoch = _load(0, epoch=2)
    assert any(not np.array_equal(a[0], b[0]) for a, b in zip(serial, other_epoch))


def test_epoch_index_keys_equal_set_epoch():
    dataset = T.AugmentedDataset(_Scenes(), T.detection_augmentation(40), seed=5, to_sample=T.detection_to_sample,
                                 from_sample=T.sample_to_detection)
    dataset.set_epoch(3)
    np.testing.assert_array_equal(dataset[4][0], dataset[(3, 4)][0])
    assert not np.array_equal(dataset[4][0], dataset[(4, 4)][0])


def test_detection_labels_follow_their_boxes_through_the_preset():
    image, label = _Scenes()[2]
    augment = T.detection_augmentation(50, fill=(1, 2, 3))
    for index in range(30):
        out_image, out_label = T.sample_to_detection(augment(T.detection_to_sample(image, label), T.sample_rng(0, 0, index)))
        assert out_image.shape == (50, 50, 3) and out_label.shape[1] == 6
        assert np.all(out_label[:, 1:5] >= 0) and np.all(out_label[:, 1:5] <= 50)
        assert np.all(out_label[:, 3] > out_label[:, 1]) and np.all(out_label[:, 4] > out_label[:, 2])
        assert set(out_label[:, 0]) <= set(label[:, 0])
    empty = T.detection_to_sample(image, np.zeros((0, 6), np.float32))
    out_image, out_label = T.sample_to_detection(augment(empty, T.sample_rng(0, 0, 0)))
    assert out_label.shape == (0, 6)


@pytest.mark.parametrize("sample, match", [
    ({"boxes": np.zeros((1, 4))}, "expected a sample dict with an 'image' key"),
    ({"image": np.zeros((4, 4))}, r"expected an \(H, W, C\) image, got shape \(4, 4\)"),
    ({"image": np.zeros((4, 4, 3)), "boxes": np.zeros((2, 5))}, r"expected boxes of shape \(N, 4\), got \(2, 5\)"),
    ({"image": np.zeros((4, 4, 3)), "boxes": np.zeros((2, 4)), "labels": np.zeros((3, 1))}, "labels has 3 rows but boxes have 2"),
    ({"image": np.zeros((4, 4, 3)), "mask": np.zeros((4, 5))}, r"expected an \(H, W\) mask of the image's size"),
])
def test_bad_samples_are_explained(sample, match):
    with pytest.raises(T.SampleError, match="RandomHorizontalFlip: " + match):
        T.RandomHorizontalFlip()(sample, T.sample_rng(0, 0, 0))


def test_bad_rng_and_parameters_are_explained():
    with pytest.raises(T.SampleError, match="expected a numpy.random.Generator"):
        T.Resize(4)({"image": np.zeros((4, 4, 3))}, np.random.RandomState(0))
    with pytest.raises(ValueError, match="p must be a probability in"):
        T.RandomHorizontalFlip(p=1.5)
    with pytest.raises(ValueError, match="Resize size must be a positive int"):
        T.Resize((0, 3))
    with pytest.raises(ValueError, match="max_ratio must be at least 1"):
        T.RandomExpand(max_ratio=0.5)
    with pytest.raises(ValueError, match="min_ious must lie in"):
        T.RandomIoUCrop(min_ious=(1.5,))
    with pytest.raises(ValueError, match="expected a detection label of shape"):
        T.detection_to_sample(np.zeros((4, 4, 3)), np.zeros((2, 3)))


def test_without_opencv_the_numpy_formulas_give_the_same_images(monkeypatch):
    from gluonx.data.transforms import _backend
    sample = coordinate_sample(seed=4, min_side=12)
    pipelines = [T.Resize((41, 57)), T.ColorJitter(0.4, 0.4, 0.4, 0.2), T.detection_augmentation(50)]
    with_opencv = [p(sample, T.sample_rng(2, 0, 0)) for p in pipelines]
    monkeypatch.setattr(_backend, "_OPENCV", None)
    for pipeline, expected in zip(pipelines, with_opencv):
        out = pipeline(sample, T.sample_rng(2, 0, 0))
        assert np.abs(out["image"].astype(int) - expected["image"]).max() <= 1
        np.testing.assert_allclose(out["boxes"], expected["boxes"], rtol=1e-6)
