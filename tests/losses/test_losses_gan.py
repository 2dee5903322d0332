"""The GAN's losses from logits (DL 20.10.4) against the value function written in NumPy."""
import mxnet as mx
import numpy as np
import pytest
from conftest import input_gradient, softplus

from gluonx.losses import GANDiscriminatorLoss, GANGeneratorLoss


def sigmoid(x):
    return 1 / (1 + np.exp(-np.asarray(x, dtype=np.float64)))


def per_sample_mean(values):
    return values.reshape(len(values), -1).mean(axis=1)


@pytest.mark.parametrize("shape", [(5, 1), (3,), (2, 4, 4)])
def test_discriminator_is_minus_the_value_function(evaluate, shape):
    rng = np.random.RandomState(len(shape))
    real, fake = rng.uniform(-6, 6, size=shape).astype("float32"), rng.uniform(-6, 6, size=shape).astype("float32")
    want = per_sample_mean(-np.log(sigmoid(real)) - np.log(1 - sigmoid(fake)))
    np.testing.assert_allclose(evaluate(GANDiscriminatorLoss(), real, fake), want, rtol=1e-5, atol=1e-6)


def test_discriminator_is_mxnet_binary_cross_entropy():
    """-log D(x) - log(1 - D(G(z))) = BCE(real, 1) + BCE(fake, 0) with Gluon's SigmoidBCELoss."""
    rng = np.random.RandomState(0)
    real, fake = mx.nd.array(rng.normal(scale=3, size=(6, 2))), mx.nd.array(rng.normal(scale=3, size=(6, 2)))
    bce = mx.gluon.loss.SigmoidBCELoss()
    want = bce(real, mx.nd.ones_like(real)) + bce(fake, mx.nd.zeros_like(fake))
    np.testing.assert_allclose(GANDiscriminatorLoss()(real, fake).asnumpy(), want.asnumpy(), rtol=1e-5)


@pytest.mark.parametrize("non_saturating", [True, False])
@pytest.mark.parametrize("shape", [(5, 1), (2, 3, 3)])
def test_generator_losses(evaluate, shape, non_saturating):
    fake = np.random.RandomState(4).uniform(-6, 6, size=shape).astype("float32")
    d = sigmoid(fake)
    want = per_sample_mean(-np.log(d) if non_saturating else np.log(1 - d))
    got = evaluate(GANGeneratorLoss(non_saturating=non_saturating), fake)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_saturated_discriminator_gives_finite_losses(evaluate):
    """Logits of +-100: log(sigmoid) would give -inf in float32; the softrelu form is exact."""
    real, fake = np.array([[-100.0], [100.0]]), np.array([[100.0], [-100.0]])
    np.testing.assert_allclose(evaluate(GANDiscriminatorLoss(), real, fake),
                               (softplus(-real) + softplus(fake))[:, 0], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(evaluate(GANGeneratorLoss(), fake), softplus(-fake)[:, 0], rtol=1e-6, atol=1e-6)
    for loss, arrays in ((GANDiscriminatorLoss(), (real, fake)), (GANGeneratorLoss(), (fake,))):
        assert np.isfinite(input_gradient(loss, *arrays)).all()


def test_non_saturating_loss_keeps_its_gradient_when_the_discriminator_wins():
    """DL 20.10.4: with D(G(z)) near 0, log(1 - D) has a vanishing gradient; -log D does not."""
    rejected = np.array([[-8.0]])
    strong = input_gradient(GANGeneratorLoss(non_saturating=True), rejected)
    weak = input_gradient(GANGeneratorLoss(non_saturating=False), rejected)
    np.testing.assert_allclose(strong, -(1 - sigmoid(rejected)), rtol=1e-5)
    np.testing.assert_allclose(weak, -sigmoid(rejected), rtol=1e-4)
    assert abs(strong[0, 0]) > 1000 * abs(weak[0, 0])
