"""RBM training criteria without the partition function (DL 18.3-18.6) against enumeration and NumPy:
pseudo-likelihood, ratio matching, score matching (Gaussian-Bernoulli RBM), noise-contrastive estimation."""
import itertools

import mxnet as mx
import numpy as np
import pytest

import gluonx
from gluonx.data.arrays import ArrayDataset
from gluonx_generative import exact
from gluonx_generative.criteria import (CriterionStep, pseudo_likelihood_loss, ratio_matching_loss,
                                        score_matching_loss)
from gluonx_generative.nce import NCERBM, NoiseContrastiveStep
from gluonx_generative.rbm import BernoulliRBM, GaussianBernoulliRBM
from rbm_fixtures import random_rbm
from test_rbm_training import _two_prototype_data


def _unlabelled(x):
    return ArrayDataset(x.astype(np.float32), np.zeros(len(x), np.float32))


def test_pseudo_likelihood_loss_is_minus_the_enumerated_pseudo_likelihood():
    rbm = random_rbm(6, 4, seed=3)
    v = exact.all_binary_states(6)[::5]
    p = exact.visible_distribution(*exact.rbm_arrays(rbm))
    states = exact.all_binary_states(6)
    index = {tuple(s): i for i, s in enumerate(states)}
    expected = []
    for row in v:   # sum_i log p(v) / (p(v) + p(v with bit i flipped)) from the exact distribution
        total = 0.0
        for i in range(6):
            flipped = row.copy()
            flipped[i] = 1 - flipped[i]
            total += np.log(p[index[tuple(row)]] / (p[index[tuple(row)]] + p[index[tuple(flipped)]]))
        expected.append(-total)
    np.testing.assert_allclose(pseudo_likelihood_loss(rbm, mx.nd.array(v)).asnumpy(), expected, rtol=1e-4)


def test_ratio_matching_loss_matches_eq_18_26_on_the_exact_distribution():
    rbm = random_rbm(5, 3, seed=4)
    p = exact.visible_distribution(*exact.rbm_arrays(rbm))
    states = exact.all_binary_states(5)
    index = {tuple(s): i for i, s in enumerate(states)}
    expected = []
    for row in states:
        total = 0.0
        for i in range(5):
            flipped = row.copy()
            flipped[i] = 1 - flipped[i]
            total += (1.0 / (1.0 + p[index[tuple(row)]] / p[index[tuple(flipped)]])) ** 2
        expected.append(total)
    np.testing.assert_allclose(ratio_matching_loss(rbm, mx.nd.array(states)).asnumpy(), expected, rtol=1e-4)


def _gaussian_free_energy(v, weight, hidden_bias, visible_bias, sigma):
    """F(v) by enumerating the hidden states: -log sum_h exp(-E(v, h))."""
    energies = []
    for h in itertools.product([0.0, 1.0], repeat=len(hidden_bias)):
        h = np.array(h)
        energies.append(((v - visible_bias) ** 2).sum() / (2 * sigma ** 2) - hidden_bias @ h
                        - (v / sigma) @ weight.T @ h)
    energies = -np.array(energies)
    return -(energies.max() + np.log(np.exp(energies - energies.max()).sum()))


def test_score_matching_loss_matches_finite_differences_of_the_enumerated_free_energy():
    mx.random.seed(0)
    rbm = GaussianBernoulliRBM(4, 3, sigma=0.8)
    rbm.initialize(mx.init.Normal(0.7))
    arrays = [p.data().asnumpy().astype(np.float64) for p in (rbm.weight, rbm.hidden_bias, rbm.visible_bias)]
    rbm.visible_bias.set_data(mx.nd.array([0.3, -0.2, 0.1, 0.5]))
    arrays[2] = np.array([0.3, -0.2, 0.1, 0.5])
    v = np.random.RandomState(1).randn(5, 4)
    eps = 1e-4
    expected = []
    for row in v:
        total = 0.0
        f0 = _gaussian_free_energy(row, *arrays, 0.8)
        for i in range(4):
            e = np.eye(4)[i] * eps
            up, down = _gaussian_free_energy(row + e, *arrays, 0.8), _gaussian_free_energy(row - e, *arrays, 0.8)
            score = -(up - down) / (2 * eps)                  # d log p~ / dv_i
            curvature = -(up - 2 * f0 + down) / eps ** 2      # d^2 log p~ / dv_i^2
            total += 0.5 * score ** 2 + curvature
        expected.append(total)
    np.testing.assert_allclose(score_matching_loss(rbm, mx.nd.array(v)).asnumpy(), expected, rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("criterion", ["pseudo_likelihood", "ratio_matching"])
def test_pseudo_likelihood_and_ratio_matching_raise_the_exact_log_likelihood(criterion):
    data = _two_prototype_data()
    rbm = BernoulliRBM(8, 6)
    trainer = gluonx.Trainer(rbm, step=CriterionStep(criterion), optimizer="adam",
                             optimizer_params={"learning_rate": 0.05}, initializer=mx.init.Normal(0.01), seed=0)
    before = exact.log_likelihood(data, *exact.rbm_arrays(rbm)).mean()
    trainer.fit(_unlabelled(data), epochs=15, batch_size=20)
    after = exact.log_likelihood(data, *exact.rbm_arrays(rbm)).mean()
    assert after > before + 2.0, (before, after)


def _gaussian_log_likelihood(v, weight, hidden_bias, visible_bias, sigma):
    """Exact log p(v) of a Gaussian-Bernoulli RBM: Z = sum_h (2 pi s^2)^(D/2) exp(c.h + b.W^T h / s + |W^T h|^2 / 2)."""
    d = len(visible_bias)
    terms = []
    for h in itertools.product([0.0, 1.0], repeat=len(hidden_bias)):
        wh = np.array(h) @ weight
        terms.append(hidden_bias @ np.array(h) + visible_bias @ wh / sigma + 0.5 * wh @ wh)
    terms = np.array(terms)
    log_z = 0.5 * d * np.log(2 * np.pi * sigma ** 2) + terms.max() + np.log(np.exp(terms - terms.max()).sum())
    return np.array([-_gaussian_free_energy(row, weight, hidden_bias, visible_bias, sigma) for row in v]) - log_z


def test_score_matching_raises_the_exact_log_likelihood_of_a_gaussian_rbm():
    rng = np.random.RandomState(0)
    # two clusters in 3-D: a Gaussian-Bernoulli RBM with 2 hidden units can place a mode on each
    data = np.concatenate([rng.randn(150, 3) * 0.5 + [1.5, 1.5, -1.0], rng.randn(150, 3) * 0.5 + [-1.0, 0.5, 1.5]])
    rbm = GaussianBernoulliRBM(3, 2, sigma=1.0)
    trainer = gluonx.Trainer(rbm, step=CriterionStep("score_matching"), optimizer="adam",
                             optimizer_params={"learning_rate": 0.05}, initializer=mx.init.Normal(0.01), seed=0)

    def mean_log_likelihood():
        arrays = [p.data().asnumpy().astype(np.float64) for p in (rbm.weight, rbm.hidden_bias, rbm.visible_bias)]
        return _gaussian_log_likelihood(data, *arrays, 1.0).mean()

    before = mean_log_likelihood()
    trainer.fit(_unlabelled(data), epochs=20, batch_size=30)
    after = mean_log_likelihood()
    assert after > before + 0.5, (before, after)


def test_nce_learns_the_log_partition_function():
    """DL 18.6: the log Z learned as a parameter approaches the exact log Z of the learned model."""
    teacher = random_rbm(6, 4, seed=7, scale=1.0)
    p = exact.visible_distribution(*exact.rbm_arrays(teacher))
    rng = np.random.RandomState(0)
    data = exact.all_binary_states(6)[rng.choice(len(p), size=3000, p=p)]
    net = NCERBM(6, 4)
    step = NoiseContrastiveStep(data.mean(axis=0), noise_ratio=4)
    trainer = gluonx.Trainer(net, step=step, optimizer="adam", optimizer_params={"learning_rate": 0.1},
                             initializer=mx.init.Normal(0.1), seed=0)
    start_gap = abs(exact.log_partition(*exact.rbm_arrays(net.rbm)) - net.log_partition.data().asscalar())
    before = exact.log_likelihood(data, *exact.rbm_arrays(net.rbm)).mean()
    trainer.fit(_unlabelled(data), epochs=30, batch_size=250)   # measured gap: 0.03 nats
    learned = float(net.log_partition.data().asscalar())
    true = exact.log_partition(*exact.rbm_arrays(net.rbm))
    assert start_gap > 3.0                     # log Z starts at 0, the model's true log Z near 6 log 2
    assert abs(learned - true) < 0.1, (learned, true)
    # and the model itself learned the data: its exact log-likelihood is close to the teacher's
    model_ll = exact.log_likelihood(data, *exact.rbm_arrays(net.rbm)).mean()
    teacher_ll = exact.log_likelihood(data, *exact.rbm_arrays(teacher)).mean()
    assert model_ll > before + 1.0 and abs(model_ll - teacher_ll) < 0.1, (before, model_ll, teacher_ll)
