"""Style-transfer losses (D2L 9.11.6) against the book's formulas written in NumPy (float64)."""
import mxnet as mx
import numpy as np
import pytest
from conftest import input_gradient

import gluonx
from gluonx.losses import ContentLoss, GramMatrix, StyleLoss, TotalVariationLoss, gram_matrix


def gram_reference(x):
    """The book's gram for each sample: X of shape (C, n), X X^T / (C * n)."""
    out = []
    for sample in np.asarray(x, np.float64):
        channels = sample.shape[0]
        flat = sample.reshape(channels, -1)
        out.append(flat @ flat.T / (channels * flat.shape[1]))
    return np.array(out)


def tv_reference(y):
    """The book's tv_loss per sample: 0.5 * (mean |Y[:, :, 1:, :] - Y[:, :, :-1, :]| + mean |...W...|)."""
    y = np.asarray(y, np.float64)
    return np.array([0.5 * (np.abs(s[:, 1:, :] - s[:, :-1, :]).mean() + np.abs(s[:, :, 1:] - s[:, :, :-1]).mean())
                     for s in y])


SHAPES = [(1, 3, 5, 4), (2, 4, 3, 7), (3, 1, 2, 2)]


@pytest.mark.parametrize("shape", SHAPES)
def test_gram_matrix_matches_the_book(shape):
    x = np.random.RandomState(sum(shape)).uniform(-2, 2, shape).astype("float32")
    block = GramMatrix()
    np.testing.assert_allclose(block(mx.nd.array(x)).asnumpy(), gram_reference(x), rtol=1e-5, atol=1e-6)
    block.hybridize(static_alloc=True, static_shape=True)
    np.testing.assert_allclose(block(mx.nd.array(x)).asnumpy(), gram_reference(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gram_matrix(mx.nd, mx.nd.array(x)).asnumpy(), gram_reference(x), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("shape", SHAPES)
def test_total_variation_matches_the_book(evaluate, shape):
    y = np.random.RandomState(len(shape) + shape[0]).uniform(-1, 1, shape).astype("float32")
    np.testing.assert_allclose(evaluate(TotalVariationLoss(), y), tv_reference(y), rtol=1e-5, atol=1e-7)


def test_total_variation_of_a_flat_image_is_zero_and_of_a_step_is_known():
    assert TotalVariationLoss()(mx.nd.ones((1, 3, 4, 4))).asscalar() == 0
    step = np.zeros((1, 1, 4, 4), "float32")
    step[..., 2:] = 1  # one vertical edge: no vertical change, a change of 1 in 4 of the 12 horizontal pairs
    np.testing.assert_allclose(TotalVariationLoss()(mx.nd.array(step)).asnumpy(), [0.5 * 4 / 12], rtol=1e-6)


@pytest.mark.parametrize("shape", SHAPES)
def test_content_loss_matches_the_book(evaluate, shape):
    rng = np.random.RandomState(7)
    y_hat, y = rng.randn(*shape).astype("float32"), rng.randn(*shape).astype("float32")
    expected = ((y_hat.astype(np.float64) - y) ** 2).reshape(shape[0], -1).mean(axis=1)
    np.testing.assert_allclose(evaluate(ContentLoss(), y_hat, y), expected, rtol=1e-5)


@pytest.mark.parametrize("shape", SHAPES)
def test_style_loss_matches_the_book(evaluate, shape):
    rng = np.random.RandomState(8)
    y_hat, y = rng.randn(*shape).astype("float32"), rng.randn(*shape).astype("float32")
    target = gram_reference(y).astype("float32")
    expected = ((gram_reference(y_hat) - target) ** 2).reshape(shape[0], -1).mean(axis=1)
    np.testing.assert_allclose(evaluate(StyleLoss(), y_hat, target), expected, rtol=1e-4, atol=1e-7)


def test_style_loss_gradient_matches_the_analytic_one():
    # d/dX mean((G - T)^2) with G = X X^T / (C n): 2 / C^2 * 2 (G - T) X / (C n)  (G symmetric)
    rng = np.random.RandomState(3)
    x = rng.randn(1, 3, 2, 3)
    target = gram_reference(rng.randn(1, 3, 2, 3))
    channels, n = 3, 6
    flat = x[0].reshape(channels, n)
    diff = gram_reference(x)[0] - target[0]
    expected = (2.0 / channels ** 2) * 2 * diff @ flat / (channels * n)
    got = input_gradient(StyleLoss(), x.astype("float32"), target.astype("float32"))
    np.testing.assert_allclose(got[0].reshape(channels, n), expected, rtol=1e-4, atol=1e-7)


def test_losses_are_registered_with_their_book_section():
    for name, cls in (("style_content", ContentLoss), ("style_gram", StyleLoss),
                      ("total_variation", TotalVariationLoss)):
        assert isinstance(gluonx.get_loss(name), cls)
        assert gluonx.get_loss_info(name).book_section == "D2L 9.11.6"
