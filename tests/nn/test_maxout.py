"""Maxout (DL 6.3.3) against a NumPy implementation of the book's formula."""
import mxnet as mx
import numpy as np
import pytest

from gluonx.nn import Maxout


def maxout_reference(x, weight, bias, units, num_pieces):
    """h_i = max_j z_(i*k + j), z = W x + b (x flattened per example)."""
    z = x.reshape(len(x), -1) @ weight.T + bias
    return z.reshape(len(x), units, num_pieces).max(axis=2)


def _layer(units, num_pieces, seed=0, **kwargs):
    mx.random.seed(seed)
    layer = Maxout(units, num_pieces, **kwargs)
    layer.initialize(mx.init.Uniform(1.0))
    return layer


@pytest.mark.parametrize("shape, units, num_pieces", [((5, 7), 4, 3), ((3, 2, 3), 2, 1), ((2, 6), 1, 5)])
@pytest.mark.parametrize("hybridize", [False, True])
def test_matches_numpy_formula(shape, units, num_pieces, hybridize):
    layer = _layer(units, num_pieces)
    x = np.random.RandomState(1).uniform(-2, 2, size=shape).astype("float32")
    if hybridize:
        layer.hybridize(static_alloc=True, static_shape=True)
    got = layer(mx.nd.array(x)).asnumpy()
    weight, bias = layer.affine.weight.data().asnumpy(), layer.affine.bias.data().asnumpy()
    np.testing.assert_allclose(got, maxout_reference(x, weight, bias, units, num_pieces), rtol=1e-5, atol=1e-6)


def test_one_piece_is_the_affine_map_and_pieces_are_consecutive():
    layer = _layer(3, 2, use_bias=False, in_units=2)
    # Unit i owns rows 2i and 2i+1: with these rows the output is max(x0, x1), max(-x0, -x1), max(x0, -x0).
    layer.affine.weight.set_data(mx.nd.array([[1, 0], [0, 1], [-1, 0], [0, -1], [1, 0], [-1, 0]]))
    x = np.array([[0.5, -2.0]], dtype="float32")
    np.testing.assert_allclose(layer(mx.nd.array(x)).asnumpy(), [[0.5, 2.0, 0.5]])


def test_output_is_convex_in_the_input():
    # A maxout unit is a convex piecewise-linear function: f((a+b)/2) <= (f(a)+f(b))/2.
    layer = _layer(6, 4, in_units=3)
    rng = np.random.RandomState(2)
    a, b = (mx.nd.array(rng.uniform(-3, 3, size=(50, 3))) for _ in range(2))
    middle = layer((a + b) / 2).asnumpy()
    assert np.all(middle <= (layer(a).asnumpy() + layer(b).asnumpy()) / 2 + 1e-5)


@pytest.mark.parametrize("kwargs, match", [
    ({"units": 0, "num_pieces": 2}, "units must be an integer >= 1"),
    ({"units": 3, "num_pieces": 0}, "num_pieces must be an integer >= 1"),
    ({"units": 3, "num_pieces": 2.5}, "num_pieces"),
    ({"units": 3, "num_pieces": 2, "in_units": -1}, "in_units"),
])
def test_bad_arguments_name_the_block(kwargs, match):
    with pytest.raises(ValueError, match="Maxout: " + match):
        Maxout(**kwargs)


def test_bad_input_shapes_are_reported_with_expected_and_received():
    layer = _layer(2, 2, in_units=4)
    with pytest.raises(ValueError, match=r"Maxout expects input of shape \(batch, features, ...\), got shape \(4,\)"):
        layer(mx.nd.ones((4,)))
    with pytest.raises(ValueError, match=r"Maxout expects 4 input features \(in_units\), got shape \(2, 5\)"):
        layer(mx.nd.ones((2, 5)))
    layer.hybridize()
    with pytest.raises(ValueError, match="got shape"):
        layer(mx.nd.ones((2, 5)))
