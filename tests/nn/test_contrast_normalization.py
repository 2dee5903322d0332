"""Global contrast normalization (DL 12.2.1.1) against the book's formula in NumPy."""
import mxnet as mx
import numpy as np
import pytest

from gluonx.nn import GlobalContrastNormalization


def gcn_reference(x, scale, regularization, epsilon):
    """X' = s (X - mean X) / max(eps, sqrt(lambda + mean((X - mean X)^2))), per example."""
    flat = x.reshape(len(x), -1).astype("float64")
    centered = flat - flat.mean(axis=1, keepdims=True)
    contrast = np.maximum(epsilon, np.sqrt(regularization + (centered ** 2).mean(axis=1, keepdims=True)))
    return (scale * centered / contrast).reshape(x.shape)


@pytest.mark.parametrize("shape", [(3, 3, 8, 8), (2, 11), (2, 4, 5)])
@pytest.mark.parametrize("scale, regularization, epsilon", [(1.0, 0.0, 1e-8), (55.0, 10.0, 1e-8), (1.0, 0.0, 100.0)])
@pytest.mark.parametrize("hybridize", [False, True])
def test_matches_the_book_formula(shape, scale, regularization, epsilon, hybridize):
    x = np.random.RandomState(0).uniform(0, 255, size=shape).astype("float32")
    block = GlobalContrastNormalization(scale, regularization, epsilon)
    if hybridize:
        block.hybridize(static_alloc=True, static_shape=True)
    got = block(mx.nd.array(x)).asnumpy()
    np.testing.assert_allclose(got, gcn_reference(x, scale, regularization, epsilon), rtol=1e-4, atol=1e-4)


def test_each_example_gets_zero_mean_and_the_target_contrast():
    rng = np.random.RandomState(1)
    # Two images of very different brightness and contrast.
    x = np.stack([rng.uniform(0, 10, size=(3, 6, 6)), rng.uniform(100, 255, size=(3, 6, 6))]).astype("float32")
    out = GlobalContrastNormalization(scale=2.0)(mx.nd.array(x)).asnumpy().reshape(2, -1)
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=1), 2.0, rtol=1e-4)


def test_regularization_keeps_low_contrast_images_from_being_amplified():
    nearly_flat = 100 + np.random.RandomState(2).uniform(-0.01, 0.01, size=(1, 3, 4, 4)).astype("float32")
    plain = GlobalContrastNormalization()(mx.nd.array(nearly_flat)).asnumpy()
    regularized = GlobalContrastNormalization(regularization=10.0)(mx.nd.array(nearly_flat)).asnumpy()
    assert plain.std() > 0.99 and regularized.std() < 0.01


def test_constant_image_gives_zeros_not_nan():
    out = GlobalContrastNormalization()(mx.nd.full((2, 3, 4, 4), 7.0)).asnumpy()
    assert np.array_equal(out, np.zeros_like(out))


@pytest.mark.parametrize("kwargs, match", [
    ({"scale": 0}, "scale must be a finite number > 0"),
    ({"regularization": -1}, "regularization must be a finite number >= 0"),
    ({"epsilon": float("nan")}, "epsilon must be a finite number >= 0"),
    ({"regularization": 0, "epsilon": 0}, "regularization \\(lambda\\) and epsilon are both 0"),
])
def test_bad_arguments_name_the_block(kwargs, match):
    with pytest.raises(ValueError, match="GlobalContrastNormalization: " + match):
        GlobalContrastNormalization(**kwargs)


def test_rank_one_input_is_reported():
    with pytest.raises(ValueError, match=r"GlobalContrastNormalization expects input of shape \(batch, ...\) "
                                         r"with rank >= 2, got shape \(5,\)"):
        GlobalContrastNormalization()(mx.nd.ones((5,)))
