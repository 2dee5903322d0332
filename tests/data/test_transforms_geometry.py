"""Resize, flips and rotation against OpenCV, PIL and SciPy, with boxes checked against the moved pixels.

Tolerances: OpenCV's bilinear resize of uint8 rounds fixed-point weights (up to 1 grey level off an exact
bilinear value); its ``warpAffine`` quantizes source positions to 1/32 pixel (up to ~5 grey levels on
noise), so rotation is checked exactly against SciPy's bilinear ``map_coordinates`` and only on average
against OpenCV. Box checks: after a transform, the mask pixels painted with a box's id must span that box
(exactly for flips, within one pixel where the mask is resampled).
"""
import cv2
import mxnet as mx
import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from augment_samples import coordinate_sample, extent
from gluonx.data.transforms import (RandomExpand, RandomHorizontalFlip, RandomIoUCrop, RandomResizedCrop,
                                    RandomRotation, RandomVerticalFlip, Resize, resize_bilinear, resize_nearest,
                                    sample_rng)
from gluonx.data.transforms.geometry import bilinear_formula, rotate_sample

SIZES = [(20, 90), (97, 31), (100, 128), (48, 64), (7, 5)]


def _images(height=48, width=64):
    rng = np.random.RandomState(0)
    rows, cols = np.mgrid[0:height, 0:width]
    smooth = np.stack([128 + 100 * np.sin(cols / 7.0), 128 + 100 * np.cos(rows / 5.0), (3 * cols + 2 * rows) % 256], -1)
    return [smooth.astype(np.uint8), rng.randint(0, 256, (height, width, 3)).astype(np.uint8)]


@pytest.mark.parametrize("size", SIZES)
def test_resize_bilinear_matches_opencv(size):
    # NumPy uint8/float32 images take cv2.resize itself and NDArrays mx.nd.image.resize; the array formula
    # (NDArrays of other dtypes, NumPy without OpenCV) is checked here against OpenCV independently
    height, width = size
    for image in _images():
        reference = cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)
        assert np.abs(bilinear_formula(image, size).astype(int) - reference).max() <= 1
        nd_image = mx.nd.array(image, dtype=np.uint8)
        assert np.abs(bilinear_formula(nd_image, size).asnumpy().astype(int) - reference).max() <= 1
        assert np.abs(resize_bilinear(nd_image, size).asnumpy().astype(int) - reference).max() <= 1
        assert np.abs(resize_bilinear(image, size).astype(int) - reference).max() <= 1
        floats = image.astype(np.float32)
        reference = cv2.resize(floats, (width, height), interpolation=cv2.INTER_LINEAR)
        np.testing.assert_allclose(bilinear_formula(floats.astype(np.float64), size), reference, atol=1e-3)
        np.testing.assert_allclose(resize_bilinear(mx.nd.array(floats), size).asnumpy(), reference, atol=1e-3)


def test_resize_bilinear_align_corners_matches_scipy():
    image = np.random.RandomState(1).rand(8, 11)
    out = resize_bilinear(image, (29, 17), align_corners=True)
    rows, cols = np.meshgrid(np.linspace(0, 7, 29), np.linspace(0, 10, 17), indexing="ij")
    np.testing.assert_allclose(out, ndimage.map_coordinates(image, [rows, cols], order=1), atol=1e-12)


@pytest.mark.parametrize("size", SIZES)
def test_resize_nearest_matches_pil_except_exact_ties(size):
    height, width = size
    image = _images()[1]
    out = resize_nearest(image, size)
    reference = np.asarray(Image.fromarray(image).resize((width, height), Image.NEAREST))
    # where (i + 0.5) * H / h is an exact integer, PIL and OpenCV themselves disagree: compare elsewhere
    row_tie = (2 * np.arange(height) + 1) * image.shape[0] % (2 * height) == 0
    col_tie = (2 * np.arange(width) + 1) * image.shape[1] % (2 * width) == 0
    clean = ~row_tie[:, None] & ~col_tie[None, :]
    assert clean.mean() > 0.5
    np.testing.assert_array_equal(out[clean], reference[clean])


@pytest.mark.parametrize("transform, code", [(RandomHorizontalFlip(p=1.0), 1), (RandomVerticalFlip(p=1.0), 0)])
def test_flips_match_opencv_and_boxes_follow_their_pixels(transform, code):
    sample = coordinate_sample()
    out = transform(sample, sample_rng(0, 0, 0))
    np.testing.assert_array_equal(out["image"], cv2.flip(sample["image"], code))
    np.testing.assert_array_equal(out["mask"], cv2.flip(sample["mask"], code))
    for k, box in enumerate(out["boxes"]):
        np.testing.assert_array_equal(box, extent(out["mask"], k + 1))
    np.testing.assert_array_equal(out["labels"], sample["labels"])


def test_flip_probability_zero_and_one():
    sample = coordinate_sample()
    assert RandomHorizontalFlip(p=0.0)(sample, sample_rng(0, 0, 0))["image"] is sample["image"]
    flipped = [not np.array_equal(RandomHorizontalFlip()(sample, sample_rng(0, 0, i))["image"], sample["image"])
               for i in range(400)]
    assert 0.4 < np.mean(flipped) < 0.6


@pytest.mark.parametrize("size", [(45, 110), (120, 80), (61, 61)])
def test_resize_boxes_follow_their_pixels(size):
    sample = coordinate_sample(seed=3)
    out = Resize(size)(sample, sample_rng(0, 0, 0))
    assert out["image"].shape == size + (3,) and out["mask"].shape == size
    for k, box in enumerate(out["boxes"]):
        np.testing.assert_allclose(box, extent(out["mask"], k + 1), atol=1.0)
    scale = np.array([size[1] / 80, size[0] / 60] * 2)
    np.testing.assert_allclose(out["boxes"], sample["boxes"] * scale, rtol=1e-6)


def _rotation_source_grid(height, width, degrees):
    """Source coordinates of every output pixel, from OpenCV's own rotation matrix, inverted."""
    matrix = cv2.invertAffineTransform(cv2.getRotationMatrix2D(((width - 1) / 2, (height - 1) / 2), degrees, 1.0))
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    return (matrix[1, 0] * cols + matrix[1, 1] * rows + matrix[1, 2],
            matrix[0, 0] * cols + matrix[0, 1] * rows + matrix[0, 2])


@pytest.mark.parametrize("degrees", [7.0, -33.3, 90.0, 123.0])
def test_rotation_matches_scipy_exactly_and_opencv_on_average(degrees):
    fill = 10
    for image in _images():
        height, width = image.shape[:2]
        src_rows, src_cols = _rotation_source_grid(height, width, degrees)
        exact = np.stack([ndimage.map_coordinates(image[..., c].astype(np.float64), [src_rows, src_cols], order=1,
                                                  mode="grid-constant", cval=fill) for c in range(3)], axis=-1)
        out_float = rotate_sample({"image": image.astype(np.float32)}, degrees, fill)["image"]
        np.testing.assert_allclose(out_float, exact, atol=5e-3)
        out = rotate_sample({"image": image}, degrees, fill)["image"]
        assert np.abs(out.astype(int) - np.floor(exact + 0.5)).max() <= 1
        matrix = cv2.getRotationMatrix2D(((width - 1) / 2, (height - 1) / 2), degrees, 1.0)
        opencv = cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=(fill,) * 3)
        assert np.abs(out.astype(int) - opencv).mean() <= 1.0
        if degrees == 90.0:
            np.testing.assert_array_equal(out, opencv)


@pytest.mark.parametrize("degrees", [15.0, -40.0, 90.0, 180.0])
def test_rotated_mask_matches_opencv_and_boxes_enclose_their_pixels(degrees):
    sample = coordinate_sample(seed=5)
    height, width = sample["mask"].shape
    out = rotate_sample(dict(sample), degrees)
    matrix = cv2.getRotationMatrix2D(((width - 1) / 2, (height - 1) / 2), degrees, 1.0)
    reference = cv2.warpAffine(sample["mask"], matrix, (width, height), flags=cv2.INTER_NEAREST,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    assert (out["mask"] != reference).mean() <= 0.005
    # a box survives iff its rotated centre (OpenCV's matrix, pixel-centre coordinates) stays in the image
    centres = np.stack([(sample["boxes"][:, 0] + sample["boxes"][:, 2]) / 2 - 0.5,
                        (sample["boxes"][:, 1] + sample["boxes"][:, 3]) / 2 - 0.5, np.ones(len(sample["boxes"]))])
    moved = (matrix @ centres).T + 0.5
    inside = (moved[:, 0] > 0) & (moved[:, 0] < width) & (moved[:, 1] > 0) & (moved[:, 1] < height)
    np.testing.assert_array_equal(out["labels"], sample["labels"][inside])
    assert inside.any()
    for box, label in zip(out["boxes"], out["labels"]):
        np.testing.assert_allclose(box, extent(out["mask"], int(label[0]) + 1), atol=1.0)


def test_random_rotation_draws_its_angle_from_the_range():
    sample = coordinate_sample()
    rng = sample_rng(4, 0, 0)
    out = RandomRotation((20, 30))(sample, rng)
    angle = sample_rng(4, 0, 0)
    angle.uniform()
    np.testing.assert_array_equal(out["image"], rotate_sample(dict(sample), angle.uniform(20, 30))["image"])


PAINT = np.array([(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)], dtype=np.float64)
# bilinear resampling blends the borders; a rotated box's extreme points are sharp corners, which the
# blend dims below half-way for up to two pixels
EXACT, RESAMPLED, ROTATED = 0.0, 1.5, 2.5


@pytest.mark.parametrize("transform, tolerance", [
    (RandomHorizontalFlip(p=1.0), EXACT), (RandomVerticalFlip(p=1.0), EXACT), (Resize((45, 110)), RESAMPLED),
    (RandomRotation((25, 25)), ROTATED), (RandomRotation((-70, -70)), ROTATED),
    (RandomIoUCrop(min_ious=(0.1,), keep_original=False), EXACT), (RandomExpand(p=1.0), EXACT),
    (RandomResizedCrop((50, 70), scale=(0.4, 1.0)), RESAMPLED),
], ids=lambda value: type(value).__name__ if not isinstance(value, float) else str(value))
def test_boxes_match_the_painted_image_pixels(transform, tolerance):
    """Box k's region painted in its own colour on black: after the transform, the pixels at least half-way
    to that colour must span the box (bilinear blends the borders, hence the tolerance where it resamples)."""
    checked = 0
    for seed in range(4):
        sample = coordinate_sample(count=4, seed=seed, min_side=10)
        image = np.zeros((60, 80, 3), np.uint8)
        for k, (x0, y0, x1, y1) in enumerate(sample["boxes"].astype(int)):
            image[y0:y1, x0:x1] = PAINT[k]
        sample["image"] = image
        out = transform(sample, sample_rng(seed, 0, 0))
        for box, label in zip(out["boxes"], out["labels"]):
            colour = PAINT[int(label[0])]
            near = np.linalg.norm(out["image"].astype(np.float64) - colour, axis=-1) < np.linalg.norm(colour) / 2
            np.testing.assert_allclose(box, extent(near, True), atol=tolerance)
            checked += 1
    assert checked >= 8


@pytest.mark.parametrize("shape", [(6, 8, 3), (7, 9, 3), (6, 9, 1), (7, 8, 1)])
def test_ndarray_flips_match_opencv_on_even_and_odd_extents(shape):
    """CPU NDArrays use MXNet's image flips on even extents and nd.flip otherwise: all equal cv2.flip."""
    rng = np.random.RandomState(shape[0] + shape[1])
    image = rng.randint(0, 256, size=shape).astype(np.uint8)
    mask = rng.randint(0, 5, size=shape[:2]).astype(np.uint8)
    for transform, code in ((RandomHorizontalFlip(p=1.0), 1), (RandomVerticalFlip(p=1.0), 0)):
        sample = {"image": mx.nd.array(image, dtype=np.uint8), "mask": mx.nd.array(mask, dtype=np.uint8)}
        out = transform(sample, sample_rng(0, 0, 0))
        np.testing.assert_array_equal(out["image"].asnumpy(), cv2.flip(image, code).reshape(shape))
        np.testing.assert_array_equal(out["mask"].asnumpy(), cv2.flip(mask, code))
