"""MixUp and Cutout against the formulas written out with NumPy."""
import numpy as np
import pytest

from augment_samples import coordinate_sample, extent
from gluonx.data.transforms import Cutout, MixUp, SampleError, sample_rng


def test_mixup_blends_on_a_shared_canvas_and_weights_the_boxes():
    a = coordinate_sample(60, 80, count=2, seed=0)
    b = coordinate_sample(70, 50, count=3, seed=1)
    b["image"] = 255 - b["image"]
    out = MixUp(alpha=1.5)(a, b, sample_rng(0, 0, 0))
    reference_rng = sample_rng(0, 0, 0)
    reference_rng.uniform()
    lam = reference_rng.beta(1.5, 1.5)
    assert out["mixup_lambda"] == pytest.approx(lam) and 0 < lam < 1
    canvas_a, canvas_b = np.zeros((70, 80, 3)), np.zeros((70, 80, 3))
    canvas_a[:60, :80], canvas_b[:70, :50] = a["image"], b["image"]
    expected = np.floor(lam * canvas_a + (1 - lam) * canvas_b + 0.5)
    assert np.abs(out["image"].astype(float) - expected).max() <= 1
    np.testing.assert_array_equal(out["boxes"], np.concatenate([a["boxes"], b["boxes"]]))
    np.testing.assert_array_equal(out["labels"], np.concatenate([a["labels"], b["labels"]]))
    np.testing.assert_allclose(out["weights"], [lam] * 2 + [1 - lam] * 3, rtol=1e-6)
    dominant = a if lam >= 0.5 else b
    height, width = dominant["mask"].shape
    np.testing.assert_array_equal(out["mask"][:height, :width], dominant["mask"])
    assert (out["mask"] == 255).sum() == 70 * 80 - height * width


def test_mixup_multiplies_existing_weights_and_p_zero_keeps_a():
    a, b = coordinate_sample(count=2, seed=0), coordinate_sample(count=1, seed=1)
    a["weights"] = np.array([0.5, 1.0], np.float32)
    b["weights"] = np.array([0.25], np.float32)
    out = MixUp()(a, b, sample_rng(0, 0, 1))
    lam = out["mixup_lambda"]
    np.testing.assert_allclose(out["weights"], [0.5 * lam, lam, 0.25 * (1 - lam)], rtol=1e-6)
    kept = MixUp(p=0.0)(a, b, sample_rng(0, 0, 1))
    np.testing.assert_array_equal(kept["image"], a["image"])
    np.testing.assert_array_equal(kept["boxes"], a["boxes"])
    np.testing.assert_array_equal(kept["weights"], a["weights"])


def test_mixup_needs_boxes_on_both_or_neither():
    a, b = coordinate_sample(), coordinate_sample(seed=1)
    del b["boxes"], b["labels"]
    with pytest.raises(SampleError, match="either both samples have boxes or neither"):
        MixUp()(a, b, sample_rng(0, 0, 0))


def test_cutout_fills_one_rectangle_and_keeps_the_rest():
    sample = coordinate_sample(seed=2)
    for index in range(20):
        out = Cutout(scale=(0.2, 0.5), fill=(1, 2, 3), mask_fill=255, p=1.0)(sample, sample_rng(0, 0, index))
        changed = np.any(out["image"] != sample["image"], axis=-1)
        box = extent(changed, True)
        assert box is not None
        x0, y0, x1, y1 = box.astype(int)
        assert changed[y0:y1, x0:x1].all() and changed.sum() == (x1 - x0) * (y1 - y0)
        np.testing.assert_array_equal(out["image"][changed], np.broadcast_to((1, 2, 3), (changed.sum(), 3)))
        np.testing.assert_array_equal(out["mask"][changed], 255)
        np.testing.assert_array_equal(out["mask"][~changed], sample["mask"][~changed])
        np.testing.assert_array_equal(out["boxes"], sample["boxes"])
        assert (x1 - x0) <= 0.5 * 80 + 1 and (y1 - y0) <= 0.5 * 60 + 1
