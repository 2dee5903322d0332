"""The VAE's ELBO terms (DL 20.10.3) against SciPy's densities and the Gaussian KL formula."""
import mxnet as mx
import numpy as np
import pytest
from conftest import input_gradient
from scipy import stats

from gluonx.losses import BernoulliReconstructionLoss, GaussianKLLoss, GaussianReconstructionLoss

SHAPES = [(4, 3), (2, 3, 5), (1, 1)]


@pytest.mark.parametrize("shape", SHAPES)
def test_gaussian_kl_matches_the_two_gaussians_formula(evaluate, shape):
    """KL(N(m1, s1^2) || N(m2, s2^2)) = log(s2 / s1) + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2, per unit."""
    rng = np.random.RandomState(len(shape))
    mu = rng.normal(size=shape).astype("float32")
    log_var = rng.uniform(-3, 3, size=shape).astype("float32")
    s1 = np.exp(0.5 * log_var.astype(np.float64))
    per_unit = np.log(1.0 / s1) + (s1 ** 2 + mu.astype(np.float64) ** 2) / 2 - 0.5
    got = evaluate(GaussianKLLoss(), mu, log_var)
    np.testing.assert_allclose(got, per_unit.reshape(shape[0], -1).sum(axis=1), rtol=1e-5, atol=1e-6)


def test_gaussian_kl_is_zero_only_at_the_prior():
    zero = GaussianKLLoss()(mx.nd.zeros((1, 4)), mx.nd.zeros((1, 4))).asscalar()
    assert zero == 0.0
    assert GaussianKLLoss()(mx.nd.full((1, 4), 0.1), mx.nd.zeros((1, 4))).asscalar() > 0


@pytest.mark.parametrize("shape", SHAPES)
def test_bernoulli_reconstruction_is_minus_scipy_log_pmf(evaluate, shape):
    rng = np.random.RandomState(len(shape))
    logits = rng.uniform(-6, 6, size=shape).astype("float32")
    x = rng.randint(0, 2, size=shape).astype("float32")
    probs = 1 / (1 + np.exp(-logits.astype(np.float64)))
    want = -stats.bernoulli.logpmf(x, probs).reshape(shape[0], -1).sum(axis=1)
    np.testing.assert_allclose(evaluate(BernoulliReconstructionLoss(), logits, x), want, rtol=1e-5, atol=1e-5)


def test_bernoulli_reconstruction_grey_levels_and_extreme_logits(evaluate):
    """x in [0, 1] is the cross-entropy; logits of +-100 stay finite (no probability is formed)."""
    logits = np.array([[100.0, -100.0, 0.3, -2.0]])
    x = np.array([[0.0, 1.0, 0.25, 0.9]])
    log_p, log_not_p = -np.logaddexp(0, -logits), -np.logaddexp(0, logits)
    want = -(x * log_p + (1 - x) * log_not_p).sum(axis=1)
    np.testing.assert_allclose(evaluate(BernoulliReconstructionLoss(), logits, x), want, rtol=1e-6)
    assert np.isfinite(input_gradient(BernoulliReconstructionLoss(), logits, x)).all()


@pytest.mark.parametrize("log_var", [0.0, -2.0, 1.5])
@pytest.mark.parametrize("shape", SHAPES)
def test_gaussian_reconstruction_is_minus_scipy_log_pdf(evaluate, shape, log_var):
    rng = np.random.RandomState(len(shape))
    mean, x = rng.normal(size=shape).astype("float32"), rng.normal(size=shape).astype("float32")
    want = -stats.norm.logpdf(x, mean, np.exp(0.5 * log_var)).reshape(shape[0], -1).sum(axis=1)
    got = evaluate(GaussianReconstructionLoss(log_var=log_var), mean, x)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_gaussian_reconstruction_with_a_predicted_variance(evaluate):
    rng = np.random.RandomState(0)
    mean, x, log_var = (rng.normal(size=(3, 4)).astype("float32") for _ in range(3))
    want = -stats.norm.logpdf(x, mean, np.exp(0.5 * log_var.astype(np.float64))).sum(axis=1)
    got = evaluate(GaussianReconstructionLoss(), mean, x, log_var)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_negative_elbo_of_a_tiny_vae_step_is_finite_and_differentiable():
    """The three terms compose into -ELBO with the reparameterization z = mu + exp(log_var / 2) eps."""
    rng = np.random.RandomState(1)
    mu, log_var = mx.nd.array(rng.normal(size=(2, 3))), mx.nd.array(rng.normal(size=(2, 3)))
    decoder = mx.gluon.nn.Dense(5, in_units=3)
    decoder.initialize()
    x = mx.nd.array(rng.randint(0, 2, size=(2, 5)))
    for array in (mu, log_var):
        array.attach_grad()
    with mx.autograd.record():
        z = mu + mx.nd.exp(0.5 * log_var) * mx.nd.array(rng.normal(size=(2, 3)))
        negative_elbo = BernoulliReconstructionLoss()(decoder(z), x) + GaussianKLLoss()(mu, log_var)
    negative_elbo.backward()
    assert negative_elbo.shape == (2,) and np.isfinite(negative_elbo.asnumpy()).all()
    assert np.abs(mu.grad.asnumpy()).sum() > 0 and np.abs(log_var.grad.asnumpy()).sum() > 0
