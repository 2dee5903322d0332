"""RoI pooling and RoI alignment (D2L 9.8.2) against the book's worked example and NumPy references written
here from the definitions: max over integer bins (Fast R-CNN), mean of bilinear samples (Mask R-CNN)."""
import math

import numpy as np
import pytest

mx = pytest.importorskip("mxnet")

import gluonx  # noqa: E402
from gluonx_detection.ops.roi import RoIAlign, RoIPooling, roi_align, roi_pooling  # noqa: E402


def _round(value):
    """C's round (half away from zero), which RoI pooling uses for region corners."""
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


def numpy_roi_pooling(features, rois, pooled, scale):
    """Fast R-CNN's RoI pooling: rounded corners, a region of ``h x w`` feature pixels cut into bins from
    ``floor(i * h / ph)`` to ``ceil((i + 1) * h / ph)``, the maximum of each (0 for an empty bin)."""
    _, channels, height, width = features.shape
    out = np.zeros((len(rois), channels) + pooled, dtype=np.float64)
    for r, (index, x1, y1, x2, y2) in enumerate(rois):
        x1, y1, x2, y2 = (_round(v * scale) for v in (x1, y1, x2, y2))
        h, w = max(y2 - y1 + 1, 1), max(x2 - x1 + 1, 1)
        for i in range(pooled[0]):
            top = min(max(math.floor(i * h / pooled[0]) + y1, 0), height)
            bottom = min(max(math.ceil((i + 1) * h / pooled[0]) + y1, 0), height)
            for j in range(pooled[1]):
                left = min(max(math.floor(j * w / pooled[1]) + x1, 0), width)
                right = min(max(math.ceil((j + 1) * w / pooled[1]) + x1, 0), width)
                if bottom > top and right > left:
                    out[r, :, i, j] = features[int(index), :, top:bottom, left:right].max(axis=(1, 2))
    return out


def _bilinear(plane, y, x):
    height, width = plane.shape
    if y < -1 or y > height or x < -1 or x > width:
        return 0.0
    y, x = max(y, 0.0), max(x, 0.0)
    y0, x0 = int(y), int(x)
    if y0 >= height - 1:
        y0 = y1 = height - 1
        y = float(y0)
    else:
        y1 = y0 + 1
    if x0 >= width - 1:
        x0 = x1 = width - 1
        x = float(x0)
    else:
        x1 = x0 + 1
    ly, lx = y - y0, x - x0
    return ((1 - ly) * (1 - lx) * plane[y0, x0] + (1 - ly) * lx * plane[y0, x1]
            + ly * (1 - lx) * plane[y1, x0] + ly * lx * plane[y1, x1])


def numpy_roi_align(features, rois, pooled, scale, sample_ratio):
    """RoIAlign (He et al. 2017): unrounded corners, regions at least one pixel, each bin the mean of a
    ``n x n`` grid of bilinear samples at the centres of the grid's cells (``n = sample_ratio``, or
    ``ceil(bin size)`` when adaptive)."""
    _, channels, _, _ = features.shape
    out = np.zeros((len(rois), channels) + pooled, dtype=np.float64)
    for r, (index, x1, y1, x2, y2) in enumerate(rois):
        x1, y1, x2, y2 = (v * scale for v in (x1, y1, x2, y2))
        bin_h, bin_w = max(y2 - y1, 1.0) / pooled[0], max(x2 - x1, 1.0) / pooled[1]
        grid_h = sample_ratio if sample_ratio > 0 else math.ceil(bin_h)
        grid_w = sample_ratio if sample_ratio > 0 else math.ceil(bin_w)
        for c in range(channels):
            plane = features[int(index), c]
            for i in range(pooled[0]):
                for j in range(pooled[1]):
                    samples = [_bilinear(plane, y1 + i * bin_h + (a + 0.5) * bin_h / grid_h,
                                         x1 + j * bin_w + (b + 0.5) * bin_w / grid_w)
                               for a in range(grid_h) for b in range(grid_w)]
                    out[r, c, i, j] = np.mean(samples)
    return out


BOOK_X = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
BOOK_ROIS = np.array([[0, 0, 0, 20, 20], [0, 0, 10, 30, 30]], dtype=np.float32)


def test_roi_pooling_gives_the_books_worked_example():
    # D2L 9.8.2: a 4x4 input, regions (0, 0)-(20, 20) and (0, 10)-(30, 30) at spatial scale 0.1, 2x2 output
    block = RoIPooling((2, 2), spatial_scale=0.1)
    block.hybridize()
    got = block(mx.nd.array(BOOK_X), mx.nd.array(BOOK_ROIS)).asnumpy()
    np.testing.assert_array_equal(got, [[[[5, 6], [9, 10]]], [[[9, 11], [13, 15]]]])   # the book's print-out
    np.testing.assert_array_equal(got, numpy_roi_pooling(BOOK_X, BOOK_ROIS, (2, 2), 0.1))


def test_roi_align_on_the_books_example_averages_bilinear_samples():
    block = RoIAlign((2, 2), spatial_scale=0.1, sample_ratio=2)
    got = block(mx.nd.array(BOOK_X), mx.nd.array(BOOK_ROIS)).asnumpy()
    # the first region covers feature pixels 0..2 unrounded: bin (0, 0) averages the map (linear in x and y)
    # at its four sample points, i.e. its value at the bin's centre (0.5, 0.5): 4 * 0.5 + 0.5
    assert got[0, 0, 0, 0] == pytest.approx(2.5)
    np.testing.assert_allclose(got, numpy_roi_align(BOOK_X, BOOK_ROIS, (2, 2), 0.1, 2), rtol=1e-6)


def _random_case(seed, batch=3, channels=4, height=9, width=11, count=12, scale=0.5):
    rng = np.random.RandomState(seed)
    features = rng.randn(batch, channels, height, width).astype(np.float32)
    start = rng.uniform(-4, 2 * width, (count, 2))
    size = rng.uniform(0, 2 * width, (count, 2))
    rois = np.concatenate([rng.randint(0, batch, (count, 1)), start, start + size], axis=1).astype(np.float32)
    # a few hand-made regions: one pixel, one past the map, one reversed
    rois[:3, 1:] = [[4, 4, 4, 4], [2 * width - 2, 2 * height - 2, 3 * width, 3 * height], [10, 8, 2, 1]]
    return features, rois, scale


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("pooled", [(2, 2), (3, 5)])
def test_roi_pooling_equals_the_numpy_reference(seed, pooled):
    features, rois, scale = _random_case(seed)
    block = RoIPooling(pooled, spatial_scale=scale)
    got = block(mx.nd.array(features), mx.nd.array(rois)).asnumpy()
    np.testing.assert_allclose(got, numpy_roi_pooling(features, rois, pooled, scale), rtol=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("pooled, ratio", [((2, 2), 2), ((3, 5), 1), ((4, 3), -1)])
def test_roi_align_equals_the_numpy_reference(seed, pooled, ratio):
    features, rois, scale = _random_case(seed)
    block = RoIAlign(pooled, spatial_scale=scale, sample_ratio=ratio)
    block.hybridize()
    got = block(mx.nd.array(features), mx.nd.array(rois)).asnumpy()
    np.testing.assert_allclose(got, numpy_roi_align(features, rois, pooled, scale, ratio), rtol=1e-5, atol=1e-5)


def test_roi_align_moves_smoothly_where_roi_pooling_snaps():
    # RoIAlign's point of existing (D2L 9.8.4): shifting a region by a fraction of a pixel changes its output,
    # while RoI pooling rounds the shift away
    features = mx.nd.array(np.random.RandomState(3).rand(1, 2, 8, 8))
    rois = mx.nd.array([[0, 1.0, 1.0, 5.0, 5.0], [0, 1.2, 1.2, 5.2, 5.2]])
    pooled = roi_pooling(mx.nd, features, rois, (2, 2)).asnumpy()
    aligned = roi_align(mx.nd, features, rois, (2, 2)).asnumpy()
    np.testing.assert_array_equal(pooled[0], pooled[1])
    assert np.abs(aligned[0] - aligned[1]).max() > 1e-3


def test_roi_align_gradient_spreads_the_bilinear_weights():
    features = mx.nd.array(np.random.RandomState(4).rand(1, 1, 6, 6))
    rois = mx.nd.array([[0, 0.5, 1.0, 4.0, 3.5]])
    features.attach_grad()
    with mx.autograd.record():
        out = roi_align(mx.nd, features, rois, (2, 2), sample_ratio=2).sum()
    out.backward()
    # the output is linear in the features, so the gradient is the sum of each pixel's bilinear weights:
    # probe the reference with unit images
    expected = np.zeros((6, 6))
    for y in range(6):
        for x in range(6):
            unit = np.zeros((1, 1, 6, 6))
            unit[0, 0, y, x] = 1
            expected[y, x] = numpy_roi_align(unit, rois.asnumpy(), (2, 2), 1.0, 2).sum()
    np.testing.assert_allclose(features.grad.asnumpy()[0, 0], expected, rtol=1e-5, atol=1e-7)


def test_bad_arguments_get_one_clear_error():
    with pytest.raises(ValueError, match="pooled_size"):
        RoIPooling((2, 0))
    with pytest.raises(ValueError, match="spatial_scale"):
        RoIAlign(2, spatial_scale=0)
    with pytest.raises(ValueError, match="spatial_scale must be in"):
        RoIPooling(2, spatial_scale=2)
    with pytest.raises(ValueError, match="sample_ratio"):
        RoIAlign(2, sample_ratio=0)


@pytest.mark.parametrize("name", ["roi_pooling", "roi_align"])
def test_registered_blocks_build_with_their_example(name):
    info = gluonx.get_block_info(name)
    assert info.onnx and info.task == "detection" and info.book_section.startswith("D2L 9.8")
    block = gluonx.get_block(name)
    assert isinstance(block, RoIPooling if name == "roi_pooling" else RoIAlign)
