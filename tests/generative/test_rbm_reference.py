"""RBM energies against independent references: scikit-learn's BernoulliRBM and exact enumeration (DL 16.7,
18.1, 18.3, 20.2, 20.5.1)."""
import itertools

import mxnet as mx
import numpy as np
import pytest
from sklearn.neural_network import BernoulliRBM as SklearnRBM

from gluonx_generative import exact
from gluonx_generative.rbm import GaussianBernoulliRBM, RBMReconstruction
from rbm_fixtures import random_rbm


def _sklearn_twin(rbm, random_state):
    weight, hidden_bias, visible_bias = exact.rbm_arrays(rbm)
    twin = SklearnRBM(n_components=rbm.n_hidden, random_state=random_state)
    twin.components_, twin.intercept_hidden_, twin.intercept_visible_ = weight, hidden_bias, visible_bias
    return twin


def _binary(n, d, seed):
    return (np.random.RandomState(seed).rand(n, d) < 0.5).astype(np.float32)


@pytest.mark.parametrize("hybridize", [False, True])
def test_free_energy_equals_scikit_learn(hybridize):
    rbm = random_rbm(9, 5, seed=0)
    if hybridize:
        rbm.hybridize(static_alloc=True, static_shape=True)
    v = _binary(11, 9, seed=1)
    ours = rbm(mx.nd.array(v)).asnumpy()
    np.testing.assert_allclose(ours, _sklearn_twin(rbm, 0)._free_energy(v.astype(np.float64)), rtol=1e-5,
                               atol=1e-5)


def test_conditionals_equal_scikit_learn():
    rbm = random_rbm(7, 4, seed=2)
    twin = _sklearn_twin(rbm, 0)
    v = _binary(6, 7, seed=3)
    h = _binary(6, 4, seed=4)
    np.testing.assert_allclose(rbm.hidden_probs(mx.nd.array(v)).asnumpy(), twin._mean_hiddens(v), rtol=1e-5)
    visible = 1.0 / (1.0 + np.exp(-(h @ twin.components_ + twin.intercept_visible_)))
    np.testing.assert_allclose(rbm.visible_probs(mx.nd.array(h)).asnumpy(), visible, rtol=1e-5)


def test_one_bit_pseudo_likelihood_equals_scikit_learn_with_its_rng():
    rbm = random_rbm(10, 6, seed=5)
    v = _binary(40, 10, seed=6)
    # score_samples draws the flipped bit of each row with RandomState(random_state).randint(0, d, n).
    bits = np.random.RandomState(7).randint(0, 10, len(v))
    ours = rbm.pseudo_log_likelihood(mx.nd.array(v), bits=bits).asnumpy()
    np.testing.assert_allclose(ours, _sklearn_twin(rbm, 7).score_samples(v), rtol=1e-4, atol=1e-4)


def test_full_pseudo_likelihood_is_what_the_one_bit_estimate_averages_to():
    rbm = random_rbm(6, 4, seed=8)
    v = _binary(5, 6, seed=9)
    full = rbm.pseudo_log_likelihood(mx.nd.array(v)).asnumpy()
    one_bit = [rbm.pseudo_log_likelihood(mx.nd.array(v), bits=np.full(len(v), i)).asnumpy() for i in range(6)]
    np.testing.assert_allclose(np.mean(one_bit, axis=0), full, rtol=1e-5, atol=1e-5)
    # Independent reference: p(v_i | v_-i) = p(v) / (p(v) + p(v with bit i flipped)) from the exact p(v).
    p = exact.visible_distribution(*exact.rbm_arrays(rbm))
    codes = (v.astype(int) * (2 ** np.arange(5, -1, -1))).sum(axis=1)
    brute = sum(np.log(p[codes] / (p[codes] + p[codes ^ (1 << (5 - i))])) for i in range(6))
    np.testing.assert_allclose(full, brute, rtol=1e-4, atol=1e-4)


def test_log_partition_equals_the_sum_over_all_joint_states():
    rbm = random_rbm(6, 4, seed=10)
    weight, hidden_bias, visible_bias = exact.rbm_arrays(rbm)
    # Independent of the free energy: sum exp(-E(v, h)) over all 2^(6+4) joint states.
    energies = [-(v @ visible_bias + h @ hidden_bias + v @ weight.T @ h)
                for v in map(np.array, itertools.product([0, 1], repeat=6))
                for h in map(np.array, itertools.product([0, 1], repeat=4))]
    brute = np.log(np.sum(np.exp(-np.array(energies))))
    assert exact.log_partition(weight, hidden_bias, visible_bias) == pytest.approx(brute, abs=1e-9)
    assert exact.visible_distribution(weight, hidden_bias, visible_bias).sum() == pytest.approx(1.0)


def test_gaussian_rbm_free_energy_sums_the_hidden_units_out():
    sigma = 0.7
    rng = np.random.RandomState(11)
    rbm = GaussianBernoulliRBM(3, 4, sigma=sigma)
    rbm.initialize()
    weight, hidden_bias, visible_bias = rng.randn(4, 3), rng.randn(4), rng.randn(3)
    for param, value in zip((rbm.weight, rbm.hidden_bias, rbm.visible_bias), (weight, hidden_bias, visible_bias)):
        param.set_data(mx.nd.array(value))
    v = rng.randn(5, 3)
    hs = np.array(list(itertools.product([0, 1], repeat=4)), dtype=np.float64)
    # E(v, h) = |v - b|^2 / (2 sigma^2) - c^T h - (v / sigma)^T W^T h, enumerated over the 16 hidden states.
    energy = (((v - visible_bias) ** 2).sum(1)[:, None] / (2 * sigma ** 2) - (hs @ hidden_bias)[None, :]
              - (v / sigma) @ weight.T @ hs.T)
    free = -np.log(np.exp(-energy).sum(axis=1))
    np.testing.assert_allclose(rbm(mx.nd.array(v)).asnumpy(), free, rtol=1e-4, atol=1e-4)
    posterior = np.exp(-energy) / np.exp(-energy).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(rbm.hidden_probs(mx.nd.array(v)).asnumpy(), posterior @ hs, rtol=1e-4, atol=1e-5)
    mx.random.seed(0)
    h = mx.nd.array(np.tile([[1, 0, 1, 1]], (20000, 1)))
    draws = rbm.sample_visible(h).asnumpy()
    np.testing.assert_allclose(draws.mean(0), visible_bias + sigma * weight.T @ [1, 0, 1, 1], atol=0.03)
    np.testing.assert_allclose(draws.std(0), sigma, atol=0.02)


def test_mean_field_reconstruction_is_the_two_conditionals():
    rbm = random_rbm(8, 3, seed=12)
    block = RBMReconstruction(8, 3)
    block.initialize()
    for mine, theirs in zip(block.collect_params().values(), rbm.collect_params().values()):
        mine.set_data(theirs.data())
    v = mx.nd.array(_binary(4, 8, seed=13))
    np.testing.assert_allclose(block(v).asnumpy(), rbm.visible_probs(rbm.hidden_probs(v)).asnumpy(), rtol=1e-6)


def test_wrong_visible_width_is_one_clear_error():
    rbm = random_rbm(8, 3, seed=0)
    with pytest.raises(ValueError, match=r"expected visible vectors of shape \(batch, 8\), got \(2, 5\)"):
        rbm.hidden_probs(mx.nd.zeros((2, 5)))
