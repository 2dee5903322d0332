"""VAE (DL 20.10.3): the analytic KL against Monte Carlo, the likelihoods against SciPy, the ELBO and the
importance-weighted bound against log p(x) by quadrature, and training through gluonx.Trainer on binarized
digits beating independent Bernoulli pixels."""
import mxnet as mx
import numpy as np
import pytest
from mxnet import nd
from scipy import stats

import gluonx
from gluonx_generative.directed_data import BinarizedDigits
from gluonx_generative.directed_tasks import VAETask, independent_pixels_log_likelihood
from gluonx_generative.vae import VAE, bernoulli_log_likelihood, gaussian_kl, gaussian_log_likelihood


def test_analytic_kl_matches_a_monte_carlo_estimate():
    rng = np.random.RandomState(0)
    mu, logvar = rng.normal(0, 1, (3, 4)), rng.normal(0, 0.7, (3, 4))
    analytic = gaussian_kl(nd, nd.array(mu), nd.array(logvar)).asnumpy()
    std = np.exp(0.5 * logvar)
    z = mu + std * rng.standard_normal((200000, 3, 4))
    log_q = stats.norm.logpdf(z, mu, std).sum(-1)
    log_p = stats.norm.logpdf(z).sum(-1)
    samples = log_q - log_p
    standard_error = samples.std(0) / np.sqrt(len(samples))
    np.testing.assert_array_less(np.abs(samples.mean(0) - analytic), 4 * standard_error)
    assert analytic.min() > 0.5  # not trivially zero


def test_log_likelihoods_match_scipy():
    rng = np.random.RandomState(1)
    x = (rng.rand(5, 7) > 0.5).astype(np.float32)
    logits = rng.normal(0, 3, (5, 7)).astype(np.float32)
    expected = stats.bernoulli.logpmf(x, 1 / (1 + np.exp(-logits.astype(np.float64)))).sum(1)
    np.testing.assert_allclose(bernoulli_log_likelihood(nd, nd.array(x), nd.array(logits)).asnumpy(), expected,
                               rtol=1e-5)
    y, mean, log_scale = rng.normal(size=(5, 7)), rng.normal(size=(5, 7)), rng.normal(0, 0.5, 7)
    expected = stats.norm.logpdf(y, mean, np.exp(log_scale)).sum(1)
    got = gaussian_log_likelihood(nd, nd.array(y), nd.array(mean), nd.array(log_scale)).asnumpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def _one_dimensional_vae(decoder="bernoulli"):
    mx.random.seed(3)
    net = VAE(n_visible=6, latent_dim=1, hidden=(5,), decoder=decoder)
    net.initialize(mx.init.Normal(1.0))
    # q(z | x) near the prior: importance sampling from it has bounded weights in one dimension, so the
    # bound with many samples is a tight, low-variance estimate (a random encoder's q can miss the posterior)
    for param in net.encoder.collect_params().values():
        param.set_data(param.data() * 0.1)
    return net


def _log_marginal_by_quadrature(net, x):
    """log p(x) = log ∫ p(x | z) N(z; 0, 1) dz on a fine grid (1-D latent): the exact reference."""
    grid = np.linspace(-9, 9, 6001)
    step = grid[1] - grid[0]
    z = nd.array(grid[:, None])
    out = []
    for row in x:
        tiled = nd.array(np.repeat(row[None], len(grid), 0))
        log_joint = net.decoder.log_likelihood(tiled, z).asnumpy().astype(np.float64) + stats.norm.logpdf(grid)
        top = log_joint.max()
        out.append(top + np.log(np.exp(log_joint - top).sum() * step))
    return np.array(out)


@pytest.mark.parametrize("decoder", ["bernoulli", "gaussian"])
def test_elbo_and_importance_weighted_bound_against_the_exact_log_likelihood(decoder):
    net = _one_dimensional_vae(decoder)
    rng = np.random.RandomState(2)
    x = (rng.rand(4, 6) > 0.5).astype(np.float32) if decoder == "bernoulli" else rng.normal(size=(4, 6)).astype(
        np.float32)
    exact = _log_marginal_by_quadrature(net, x)
    mx.random.seed(4)
    draws = 4000
    tiled = nd.array(np.tile(x, (draws, 1)))
    elbo = net.elbo(tiled).asnumpy().reshape(draws, len(x))
    iwae_1 = net.iwae_bound(tiled, 1).asnumpy().reshape(draws, len(x))
    iwae_5000 = net.iwae_bound(nd.array(x), 5000).asnumpy()
    # k = 1: the same expectation as the ELBO, computed another way (log q - log p(z) sampled, not the
    # analytic KL): equal within 4 standard errors of the difference
    error = np.sqrt(elbo.var(0) / draws + iwae_1.var(0) / draws)
    np.testing.assert_array_less(np.abs(iwae_1.mean(0) - elbo.mean(0)), 4 * error + 1e-3)
    assert np.all(elbo.mean(0) < exact - 0.01), (elbo.mean(0), exact)     # a strict lower bound here
    assert np.all(iwae_5000 > elbo.mean(0))
    np.testing.assert_allclose(iwae_5000, exact, atol=0.05)                # tight with many samples


@pytest.fixture(scope="module")
def trained_vae():
    """A VAE trained through gluonx.Trainer with the `vae` task on binarized 8x8 digits (fixed seed)."""
    train, test = BinarizedDigits(train=True), BinarizedDigits(train=False)
    net = gluonx.get_model("vae", n_visible=64, latent_dim=8, hidden=(128,), image_shape=(1, 8, 8))
    trainer = gluonx.Trainer(net, optimizer="adam", optimizer_params={"learning_rate": 0.003}, task="vae", seed=0)
    before = trainer.evaluate(test, batch_size=256)["val_loss"]
    epochs = trainer.fit(train, epochs=8, batch_size=32, val_data=test)
    return net, train, test, before, epochs


def test_training_raises_the_elbo(trained_vae):
    net, train, test, before, epochs = trained_vae
    assert before > 40          # -ELBO of the untrained model, nats per image
    assert epochs[-1]["val_loss"] < 23, epochs[-1]
    assert epochs[-1]["val_loss"] < before - 15


def test_importance_weighted_bound_rises_with_k_and_beats_independent_pixels(trained_vae):
    net, train, test, _, _ = trained_vae
    x = nd.array(test.data.reshape(len(test), -1))
    mx.random.seed(0)
    elbo = net.elbo(x).asnumpy().mean()
    bounds = {k: net.iwae_bound(x, k).asnumpy().mean() for k in (1, 10, 100, 1000)}
    assert abs(bounds[1] - elbo) < 0.3
    assert bounds[1] < bounds[10] < bounds[100] < bounds[1000], bounds
    baseline = independent_pixels_log_likelihood(train.data, test.data)
    assert -26 < baseline < -24                          # the measured -25.1 nats per image
    # full recipe (30 epochs): -18.9 against -25.1; after 8 epochs about -20.5
    assert bounds[1000] > baseline + 3, (bounds, baseline)


def test_the_task_reports_the_test_log_likelihood(trained_vae):
    net, train, test, _, _ = trained_vae
    scalars = VAETask(iwae_samples=50).final_scalars(net, test, ctx=mx.cpu())
    assert scalars["iwae_log_likelihood"] > scalars["elbo"]
    # the baseline fitted on the test images themselves: the best independent pixels can do there
    assert scalars["independent_pixels_log_likelihood"] > independent_pixels_log_likelihood(train.data, test.data)
    assert scalars["iwae_log_likelihood"] > scalars["independent_pixels_log_likelihood"] + 2
    lines = VAETask(iwae_samples=50).result_lines({"val_" + k: v for k, v in scalars.items()})
    assert lines[0].startswith("test importance-weighted log-likelihood (50 samples): -")


def test_independent_pixels_baseline_matches_scipy():
    rng = np.random.RandomState(0)
    train, test = (rng.rand(30, 5) < 0.3).astype(float), (rng.rand(10, 5) < 0.3).astype(float)
    rate = (train.sum(0) + 1) / (len(train) + 2)
    expected = stats.bernoulli.logpmf(test, rate).sum(1).mean()
    assert independent_pixels_log_likelihood(train, test) == pytest.approx(expected)


def test_binarized_digits_threshold_at_half_grey():
    from sklearn.datasets import load_digits
    from gluonx.data.digits import digits_split
    data = BinarizedDigits(train=False)
    _, test_index = digits_split()
    expected = (load_digits().data[test_index] >= 8).astype(np.float32).reshape(-1, 1, 8, 8)
    np.testing.assert_array_equal(data.data, expected)
