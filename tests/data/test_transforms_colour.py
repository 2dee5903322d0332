"""ColorJitter against PIL's ImageEnhance (brightness, contrast, saturation) and OpenCV's HSV (hue).

Tolerances: PIL rounds to uint8 after computing grey (and rounds the mean grey level), so uint8 results
may differ by one grey level; OpenCV's float HSV conversion is exact up to float32 rounding (1e-4 on [0, 1]).
"""
import cv2
import mxnet as mx
import numpy as np
import pytest
from PIL import Image, ImageEnhance

from gluonx.data.transforms import ColorJitter, SampleError, sample_rng
from gluonx.data.transforms.colour import adjust_hue, hue_formula


def _photo(seed=0, height=40, width=50):
    rng = np.random.RandomState(seed)
    rows, cols = np.mgrid[0:height, 0:width]
    base = np.stack([cols * 5, rows * 6, 255 - cols * 3], -1) + rng.randint(-40, 40, (height, width, 3))
    return np.clip(base, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("factor", [0.3, 0.8, 1.4, 2.5])
@pytest.mark.parametrize("name, enhancer", [("brightness", ImageEnhance.Brightness),
                                            ("contrast", ImageEnhance.Contrast),
                                            ("saturation", ImageEnhance.Color)])
def test_enhancements_match_pil(name, enhancer, factor):
    image = _photo()
    out = ColorJitter(**{name: (factor, factor)})({"image": image}, sample_rng(0, 0, 0))["image"]
    reference = np.asarray(enhancer(Image.fromarray(image)).enhance(factor))
    assert out.dtype == np.uint8
    assert np.abs(out.astype(int) - reference).max() <= 1


@pytest.mark.parametrize("shift", [-0.5, -0.2, 0.05, 0.33])
def test_hue_matches_opencv_hsv(shift):
    image = _photo(1)
    floats = image.astype(np.float32) / 255
    hsv = cv2.cvtColor(floats, cv2.COLOR_RGB2HSV)
    hsv[..., 0] = np.mod(hsv[..., 0] + 360 * shift, 360)
    reference = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    jitter = ColorJitter(hue=(shift, shift))
    # float32 NumPy images use OpenCV's conversion itself; the closed form serves NDArrays and float64
    np.testing.assert_allclose(jitter({"image": floats}, sample_rng(0, 0, 0))["image"], reference, atol=1e-4)
    np.testing.assert_allclose(hue_formula(floats.astype(np.float64), shift), reference, atol=1e-4)
    np.testing.assert_allclose(hue_formula(mx.nd.array(floats), shift).asnumpy(), reference, atol=1e-4)
    # CPU NDArrays take MXNet's fused hue operator, on 0-255 values too
    np.testing.assert_allclose(adjust_hue(mx.nd.array(floats * 255), shift).asnumpy() / 255, reference, atol=1e-4)
    out = jitter({"image": image}, sample_rng(0, 0, 0))["image"]
    assert np.abs(out.astype(int) - np.floor(reference * 255 + 0.5)).max() <= 1


def test_hue_keeps_grey_pixels_and_a_full_turn_is_identity():
    image = _photo(2)
    image[:5] = 77
    floats = image.astype(np.float32) / 255
    out = ColorJitter(hue=(0.5, 0.5))({"image": floats}, sample_rng(0, 0, 0))["image"]
    np.testing.assert_allclose(out[:5], floats[:5], atol=1e-6)
    there = ColorJitter(hue=(0.3, 0.3))({"image": floats}, sample_rng(0, 0, 0))["image"]
    back = ColorJitter(hue=(-0.3, -0.3))({"image": there}, sample_rng(0, 0, 0))["image"]
    np.testing.assert_allclose(back, floats, atol=1e-5)


def test_float_images_are_clipped_to_max_value():
    floats = _photo().astype(np.float32) / 255
    out = ColorJitter(brightness=(3.0, 3.0))({"image": floats}, sample_rng(0, 0, 0))["image"]
    np.testing.assert_allclose(out, np.minimum(floats * 3, 1.0), rtol=1e-6)
    out = ColorJitter(brightness=(3.0, 3.0), max_value=255)({"image": floats * 255}, sample_rng(0, 0, 0))["image"]
    np.testing.assert_allclose(out, np.minimum(floats * 255 * 3, 255), rtol=1e-5)


def test_factors_are_drawn_in_range_and_order_varies():
    image = _photo() // 2  # dark enough that 1.4x never clips
    jitter = ColorJitter(brightness=0.4)
    means = [jitter({"image": image}, sample_rng(0, 0, i))["image"].mean() / image.mean() for i in range(200)]
    assert 0.6 - 0.02 < min(means) < 0.7 and 1.3 < max(means) < 1.4 + 0.02
    both = ColorJitter(brightness=(2.0, 2.0), contrast=(0.0, 0.0))
    bright = _photo()
    results = {both({"image": bright}, sample_rng(0, 0, i))["image"].tobytes() for i in range(20)}
    # both give a flat grey, which differs with the order because doubling first clips the bright pixels
    assert len(results) == 2


def test_boxes_and_mask_are_untouched():
    sample = {"image": _photo(), "boxes": np.array([[1.0, 2.0, 10.0, 12.0]]), "mask": np.ones((40, 50), np.uint8)}
    out = ColorJitter(0.4, 0.4, 0.4, 0.1)(sample, sample_rng(0, 0, 0))
    assert out["boxes"] is sample["boxes"] and out["mask"] is sample["mask"]


@pytest.mark.parametrize("kwargs, match", [({"hue": 0.7}, "hue must lie in"), ({"brightness": -1}, "non-negative"),
                                           ({"contrast": (2, 1)}, "pair"), ({"saturation": float("nan")}, "finite")])
def test_bad_ranges_are_explained(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ColorJitter(**kwargs)


def test_saturation_of_a_grey_image_is_explained():
    with pytest.raises(SampleError, match="need an RGB image, got 1 channels"):
        ColorJitter(saturation=0.5)({"image": np.zeros((4, 4, 1), np.uint8)}, sample_rng(0, 0, 0))


def test_ndarray_jitter_skipping_needless_clips_matches_numpy_on_many_draws():
    """The NDArray path clips only after steps that can leave [0, 255] (factors above one); over many draws
    (both orders of steps, factors on both sides of one, images touching 0 and 255) it matches NumPy's."""
    from gluonx.data.transforms import ColorJitter, sample_rng
    rng = np.random.RandomState(5)
    image = rng.randint(0, 256, size=(23, 29, 3)).astype(np.uint8)
    image[:3] = 255
    image[-3:] = 0
    jitter = ColorJitter(0.5, 0.5, 0.5, 0.2)
    for index in range(40):
        expected = jitter({"image": image}, sample_rng(11, 0, index))["image"]
        got = jitter({"image": mx.nd.array(image, dtype=np.uint8)}, sample_rng(11, 0, index))["image"].asnumpy()
        assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1, index


def _stepwise_reference(image, names, order, factors):
    """The jitter written out step by step in float64: PIL's blends (grey = ITU-R 601-2 luma), OpenCV's
    HSV for hue, a clip to [0, 255] after every step, rounding half up at the end."""
    x = image.astype(np.float64)
    for i in order:
        name, factor = names[i], factors[i]
        grey = x @ np.array([0.299, 0.587, 0.114])
        if name == "brightness":
            x = x * factor
        elif name == "contrast":
            x = (x - grey.mean()) * factor + grey.mean()
        elif name == "saturation":
            x = x * factor + grey[..., None] * (1 - factor)
        else:
            hsv = cv2.cvtColor((x / 255).astype(np.float32), cv2.COLOR_RGB2HSV)
            hsv[..., 0] = np.mod(hsv[..., 0] + 360 * factor, 360)
            x = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float64) * 255
        x = np.clip(x, 0, 255)
    return np.floor(x + 0.5)


@pytest.mark.parametrize("ranges", [
    dict(brightness=(0.2, 2.5), contrast=(0.2, 2.5), saturation=(0.2, 2.5), hue=(-0.3, 0.3)),
    dict(brightness=(0.3, 1.8), contrast=(1.2, 2.0)),
    dict(brightness=(1.5, 2.5), saturation=(0.1, 0.9), hue=(0.1, 0.2)),
    dict(brightness=(0.0, 0.0), contrast=(1.5, 1.5)),
])
def test_cpu_uint8_ndarray_jitter_matches_a_stepwise_reference(ranges):
    """uint8 CPU NDArrays take the fused path (brightness carried as a pending scale, clips deferred,
    one-operator casts); over many draws of order and factors, on factors far on both sides of one and an
    image touching 0 and 255, it equals clipping after every step."""
    from gluonx.data.transforms.colour import _uint8_codec
    assert _uint8_codec(mx.cpu()) is not None  # the fused path is the one under test
    rng = np.random.RandomState(3)
    image = rng.randint(0, 256, size=(21, 26, 3)).astype(np.uint8)
    image[:3] = 255
    image[-3:, :, 1:] = 0
    jitter = ColorJitter(**ranges)
    names = [name for name in ("brightness", "contrast", "saturation", "hue") if name in ranges]
    for index in range(30):
        draws = sample_rng(4, 0, index)  # ColorJitter draws the order, then one factor per step
        order = draws.permutation(len(names))
        factors = [draws.uniform(*ranges[name]) for name in names]
        expected = _stepwise_reference(image, names, order, factors)
        got = jitter({"image": mx.nd.array(image, dtype=np.uint8)}, sample_rng(4, 0, index))["image"]
        assert got.dtype == np.uint8 and got.context == mx.cpu()
        assert np.abs(got.asnumpy().astype(int) - expected).max() <= 1, (index, order, factors)
