"""Smooth-L1 box loss under an anchor mask (D2L 9.7.2) against NumPy and MXNet's smooth_l1 operator."""
import mxnet as mx
import numpy as np
import pytest
from conftest import input_gradient

from gluonx.losses import MaskedSmoothL1Loss


def reference(pred, label, mask, sigma):
    """Piecewise smooth L1 of the masked differences, mean over the unmasked entries of each sample."""
    diff = np.abs((pred - label) * mask).astype(np.float64)
    cut = 1.0 / sigma ** 2
    values = np.where(diff < cut, 0.5 * (sigma * diff) ** 2, diff - 0.5 * cut) * mask
    flat_values, flat_mask = values.reshape(len(values), -1), mask.reshape(len(mask), -1)
    return flat_values.sum(axis=1) / np.maximum(flat_mask.sum(axis=1), 1)


@pytest.mark.parametrize("sigma", [0.5, 1.0, 3.0])
@pytest.mark.parametrize("shape", [(2, 8), (3, 5, 4), (1, 40)])
def test_matches_numpy(evaluate, shape, sigma):
    rng = np.random.RandomState(shape[-1])
    pred, label = rng.normal(scale=2, size=shape), rng.normal(scale=2, size=shape)
    mask = (rng.uniform(size=shape) < 0.5).astype("float32")
    mask[0] = 0                                                   # an image without positive anchors
    got = evaluate(MaskedSmoothL1Loss(sigma=sigma), pred, label, mask)
    np.testing.assert_allclose(got, reference(pred.astype("float32"), label.astype("float32"), mask, sigma),
                               rtol=1e-5, atol=1e-6)
    assert got[0] == 0.0


@pytest.mark.parametrize("sigma", [0.5, 1.0, 3.0])
def test_equals_mxnet_smooth_l1_operator(sigma):
    """With every entry unmasked: the mean of MXNet's own smooth_l1 operator."""
    rng = np.random.RandomState(0)
    pred, label = mx.nd.array(rng.normal(size=(4, 12))), mx.nd.array(rng.normal(size=(4, 12)))
    ours = MaskedSmoothL1Loss(sigma=sigma)(pred, label, mx.nd.ones((4, 12)))
    native = mx.nd.smooth_l1(pred - label, scalar=sigma).mean(axis=1)
    np.testing.assert_allclose(ours.asnumpy(), native.asnumpy(), rtol=1e-5, atol=1e-7)


def test_masked_entries_neither_count_nor_get_gradient(evaluate):
    rng = np.random.RandomState(1)
    pred, label = rng.normal(size=(2, 8)), rng.normal(size=(2, 8))
    mask = np.tile([1, 1, 1, 1, 0, 0, 0, 0], (2, 1)).astype("float32")
    moved = pred.copy()
    moved[:, 4:] += 100
    loss = MaskedSmoothL1Loss()
    np.testing.assert_array_equal(evaluate(loss, pred, label, mask), evaluate(loss, moved, label, mask))
    grad = input_gradient(MaskedSmoothL1Loss(), pred, label, mask)
    assert np.all(grad[:, 4:] == 0) and np.all(grad[:, :4] != 0)


@pytest.mark.parametrize("sigma", [0, -1, float("inf")])
def test_rejects_bad_sigma(sigma):
    with pytest.raises(ValueError, match="sigma"):
        MaskedSmoothL1Loss(sigma=sigma)
