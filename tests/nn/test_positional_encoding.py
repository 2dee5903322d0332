"""Sinusoidal positional encoding (D2L 10.11.3) against the formula in NumPy."""
import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd

from gluonx.nn import PositionalEncoding


def encoding_reference(steps, units):
    """P[i, 2j] = sin(i / 10000^(2j/d)), P[i, 2j+1] = cos(i / 10000^(2j/d))."""
    table = np.zeros((steps, units))
    positions = np.arange(steps).reshape(-1, 1)
    for column in range(units):
        angle = positions[:, 0] / np.power(10000.0, (column - column % 2) / units)
        table[:, column] = np.sin(angle) if column % 2 == 0 else np.cos(angle)
    return table


@pytest.mark.parametrize("units", [8, 7, 1])
@pytest.mark.parametrize("hybridize", [False, True])
def test_adds_the_sinusoidal_code(units, hybridize):
    block = PositionalEncoding(units)
    block.initialize()
    if hybridize:
        block.hybridize(static_alloc=True, static_shape=True)
    x = np.random.RandomState(0).uniform(-1, 1, size=(2, 9, units)).astype("float32")
    got = block(mx.nd.array(x)).asnumpy()
    np.testing.assert_allclose(got, x + encoding_reference(9, units), rtol=1e-5, atol=1e-5)


def test_any_length_with_one_hybridized_graph():
    block = PositionalEncoding(16)
    block.initialize()
    block.hybridize(static_alloc=True, static_shape=True)
    for steps in (3, 200, 1):
        code = block(mx.nd.zeros((1, steps, 16))).asnumpy()[0]
        # float32 angles up to 200 rad: a few ulps of error in the argument.
        np.testing.assert_allclose(code, encoding_reference(steps, 16), atol=2e-5)


def test_dropout_only_in_training():
    block = PositionalEncoding(4, dropout=0.5)
    block.initialize()
    block.hybridize()
    x = mx.nd.ones((2, 50, 4))
    np.testing.assert_allclose(block(x).asnumpy(), 1 + encoding_reference(50, 4)[None].repeat(2, axis=0),
                               rtol=1e-5, atol=1e-5)
    with autograd.train_mode():
        dropped = block(x).asnumpy()
    assert (dropped == 0).mean() > 0.3


def test_bad_arguments_and_inputs_name_the_block():
    with pytest.raises(ValueError, match="PositionalEncoding: units must be an integer >= 1, got 0"):
        PositionalEncoding(0)
    with pytest.raises(ValueError, match=r"PositionalEncoding: dropout must be a number in \[0, 1\)"):
        PositionalEncoding(4, dropout=-0.1)
    block = PositionalEncoding(4)
    block.initialize()
    for shape in [(2, 5, 3), (5, 4)]:
        with pytest.raises(ValueError, match=r"PositionalEncoding expects input of shape \(batch, steps, 4\), "
                                             r"got shape \({}".format(shape[0])):
            block(mx.nd.ones(shape))
