"""GaussianNoise (DL 7.5): identity in inference, x + N(0, stddev^2) in training, also when hybridized."""
import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd
from scipy import stats

from gluonx.nn import GaussianNoise

NUM_SAMPLES = 40000


def _noise(stddev, hybridize):
    block = GaussianNoise(stddev)
    block.initialize()
    if hybridize:
        block.hybridize(static_alloc=True, static_shape=True)
    return block


@pytest.mark.parametrize("hybridize", [False, True])
def test_identity_in_inference(hybridize):
    block = _noise(0.7, hybridize)
    x = mx.nd.array(np.random.RandomState(0).uniform(-3, 3, size=(4, 5)))
    assert np.array_equal(block(x).asnumpy(), x.asnumpy())
    with autograd.predict_mode():
        assert np.array_equal(block(x).asnumpy(), x.asnumpy())


@pytest.mark.parametrize("hybridize", [False, True])
@pytest.mark.parametrize("stddev", [0.1, 2.0])
def test_training_adds_zero_mean_gaussian_noise_of_the_given_stddev(hybridize, stddev):
    mx.random.seed(3)
    block = _noise(stddev, hybridize)
    x = mx.nd.array(np.linspace(-1, 1, NUM_SAMPLES).reshape(200, -1))
    with autograd.train_mode():
        noise = (block(x) - x).asnumpy().ravel()
    # Standard errors: mean stddev/sqrt(n), stddev about stddev/sqrt(2n) (0.35 % here).
    assert abs(noise.mean()) < 4 * stddev / np.sqrt(NUM_SAMPLES)
    assert abs(noise.std() / stddev - 1) < 0.02
    # The shape of the distribution, not only its moments (fixed seed: deterministic).
    assert stats.kstest(noise / stddev, "norm").pvalue > 1e-3


def test_hybridized_graph_switches_mode_at_run_time():
    # A Python `if autograd.is_training()` would be frozen into the cached graph at its first call.
    block = _noise(1.0, hybridize=True)
    x = mx.nd.zeros((3, 4))
    assert block(x).abs().sum().asscalar() == 0
    with autograd.record():
        assert block(x).abs().min().asscalar() > 0
    assert block(x).abs().sum().asscalar() == 0


def test_mode_switch_inside_a_hybridized_parent_and_fresh_noise_each_call():
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Dense(6, in_units=4), GaussianNoise(0.5))
    net.initialize()
    net.hybridize(static_alloc=True, static_shape=True)
    x = mx.nd.ones((2, 4))
    clean = net(x).asnumpy()
    with autograd.train_mode():
        first, second = net(x).asnumpy(), net(x).asnumpy()
    assert not np.allclose(first, clean) and not np.allclose(first, second)
    assert np.array_equal(net(x).asnumpy(), clean)


def test_gradient_is_identity_in_training():
    block = _noise(0.3, hybridize=True)
    x = mx.nd.array(np.random.RandomState(1).normal(size=(5, 3)))
    x.attach_grad()
    weights = mx.nd.array(np.random.RandomState(2).normal(size=(5, 3)))
    with autograd.record():
        loss = (block(x) * weights).sum()
    loss.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), weights.asnumpy(), rtol=1e-6)


def test_zero_stddev_is_identity_in_training_and_dtype_is_kept():
    block = _noise(0.0, hybridize=False)
    x = mx.nd.array(np.arange(6).reshape(2, 3), dtype="float64")
    with autograd.train_mode():
        out = block(x)
    assert out.dtype == np.float64
    assert np.array_equal(out.asnumpy(), x.asnumpy())


@pytest.mark.parametrize("stddev", [-0.1, float("nan"), float("inf"), "0.1", True])
def test_bad_stddev_is_rejected(stddev):
    with pytest.raises(ValueError, match=r"GaussianNoise: stddev must be a finite number >= 0, got"):
        GaussianNoise(stddev)
