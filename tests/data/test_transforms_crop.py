"""Crops and zoom-out: windows read back from the coordinate image, IoUs recomputed with NumPy, boxes
checked against where their painted mask pixels land (exact: crops and zoom-out do not resample)."""
import numpy as np
import pytest

from augment_samples import coordinate_sample, extent
from gluonx.data.transforms import RandomExpand, RandomIoUCrop, RandomResizedCrop, sample_rng


def _iou_numpy(boxes, window):
    ious = []
    for x0, y0, x1, y1 in boxes:
        inter_w = max(0.0, min(x1, window[2]) - max(x0, window[0]))
        inter_h = max(0.0, min(y1, window[3]) - max(y0, window[1]))
        inter = inter_w * inter_h
        union = (x1 - x0) * (y1 - y0) + (window[2] - window[0]) * (window[3] - window[1]) - inter
        ious.append(inter / union)
    return np.array(ious)


def _window(sample, out):
    """The crop window ``(left, top, right, bottom)`` read from the coordinate image."""
    left, top = int(out["image"][0, 0, 0]), int(out["image"][0, 0, 1])
    height, width = out["image"].shape[:2]
    np.testing.assert_array_equal(out["image"], sample["image"][top:top + height, left:left + width])
    return left, top, left + width, top + height


def _check_crop(sample, out):
    left, top, right, bottom = _window(sample, out)
    np.testing.assert_array_equal(out["mask"], sample["mask"][top:bottom, left:right])
    centre_x = (sample["boxes"][:, 0] + sample["boxes"][:, 2]) / 2
    centre_y = (sample["boxes"][:, 1] + sample["boxes"][:, 3]) / 2
    kept = (centre_x > left) & (centre_x < right) & (centre_y > top) & (centre_y < bottom)
    np.testing.assert_array_equal(out["labels"], sample["labels"][kept])
    for box, label in zip(out["boxes"], out["labels"]):
        np.testing.assert_array_equal(box, extent(out["mask"], int(label[0]) + 1))
    return np.array([left, top, right, bottom], dtype=np.float64), kept


@pytest.mark.parametrize("min_iou, count, least_crops", [(0.1, 3, 30), (0.3, 1, 25), (0.5, 1, 10), (0.7, 1, 3)])
def test_iou_crop_meets_its_constraint(min_iou, count, least_crops):
    # a patch covers at least 9 % of the image, so only boxes that are large relative to it can meet a high IoU
    crop = RandomIoUCrop(min_ious=(min_iou,), keep_original=False, allow_any=False)
    cropped = 0
    for seed in range(40):
        sample = coordinate_sample(count=count, seed=seed, min_side=16)
        out = crop(sample, sample_rng(seed, 0, 0))
        if out["image"].shape == sample["image"].shape:
            np.testing.assert_array_equal(out["boxes"], sample["boxes"])
            continue
        cropped += 1
        window, kept = _check_crop(sample, out)
        assert _iou_numpy(sample["boxes"], window).min() >= min_iou
        assert kept.any()
        side_scale = (window[2:] - window[:2]) / [80, 60]
        assert np.all(side_scale >= 0.3 - 1 / 60) and 0.5 <= (window[2] - window[0]) / (window[3] - window[1]) <= 2
    # within 50 trials a high IoU is found less often: the call then returns the sample unchanged
    assert cropped >= least_crops


def test_iou_crop_options_are_drawn_uniformly():
    sample = coordinate_sample(count=1, min_side=20)
    crop = RandomIoUCrop(min_ious=(0.1,), keep_original=True, allow_any=False)
    kept = [crop(sample, sample_rng(1, 0, i))["image"].shape == (60, 80, 3) for i in range(400)]
    # half the calls draw "keep the image"; a constrained 0.1 crop of one small box rarely is the whole image
    assert 0.4 < np.mean(kept) < 0.62


def test_iou_crop_without_boxes_is_an_unconstrained_patch():
    sample = {"image": coordinate_sample()["image"]}
    out = RandomIoUCrop(min_ious=(0.9,), keep_original=False, allow_any=False)(sample, sample_rng(0, 0, 3))
    assert out["image"].shape != sample["image"].shape
    _window(sample, out)


def test_crop_drops_labels_and_weights_with_their_boxes():
    sample = coordinate_sample(count=4, seed=2)
    sample["weights"] = np.array([1.0, 0.5, 0.25, 0.125], np.float32)
    for seed in range(30):
        out = RandomIoUCrop(min_ious=(0.1,), keep_original=False)(sample, sample_rng(seed, 0, 0))
        if len(out["boxes"]) < 4:
            np.testing.assert_array_equal(out["weights"], sample["weights"][out["labels"][:, 0].astype(int)])
            _check_crop(sample, out)
            return
    pytest.fail("no crop dropped a box in 30 draws")


@pytest.mark.parametrize("fill", [0, (7, 8, 9)])
def test_expand_places_the_image_on_a_filled_canvas(fill):
    sample = coordinate_sample(seed=4)
    for seed in range(5):
        out = RandomExpand(max_ratio=3.0, fill=fill, p=1.0)(sample, sample_rng(seed, 0, 0))
        height, width = out["image"].shape[:2]
        assert 60 <= height <= 180 and 80 <= width <= 240
        inside = out["image"][..., 2] == 255
        rows, cols = np.nonzero(inside)
        top, left = rows.min(), cols.min()
        np.testing.assert_array_equal(out["image"][top:top + 60, left:left + 80], sample["image"])
        assert inside.sum() == 60 * 80
        np.testing.assert_array_equal(out["image"][~inside], np.broadcast_to(fill, (np.sum(~inside), 3)))
        np.testing.assert_array_equal(out["mask"][~inside], 255)
        for k, box in enumerate(out["boxes"]):
            np.testing.assert_array_equal(box, extent(out["mask"], k + 1))


def test_random_resized_crop_draws_area_and_ratio_in_range():
    crop = RandomResizedCrop(32, scale=(0.2, 0.6), ratio=(0.5, 2.0))
    rng = sample_rng(0, 0, 0)
    for _ in range(200):
        top, left, height, width = crop.window(60, 80, rng)
        assert 0 <= top and top + height <= 60 and 0 <= left and left + width <= 80
        # rounding each side to whole pixels moves the area and ratio a little beyond the drawn values
        assert 0.2 * 0.85 <= height * width / 4800 <= 0.6 * 1.15
        assert 0.5 * 0.85 <= width / height <= 2.0 * 1.15


def test_random_resized_crop_boxes_follow_their_pixels():
    sample = coordinate_sample(seed=6)
    checked = 0
    for seed in range(10):
        out = RandomResizedCrop((40, 50), scale=(0.3, 1.0))(sample, sample_rng(seed, 0, 0))
        assert out["image"].shape == (40, 50, 3) and out["mask"].shape == (40, 50)
        for box, label in zip(out["boxes"], out["labels"]):
            np.testing.assert_allclose(box, extent(out["mask"], int(label[0]) + 1), atol=1.0)
            checked += 1
    assert checked >= 10
