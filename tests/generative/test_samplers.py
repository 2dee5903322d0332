"""Samplers as library pieces (DL 17): every sampler's empirical distribution matches the exact one on a small
model (Pearson chi-square, fixed seeds, significance 0.001); tempering hops between modes that block Gibbs
rarely leaves; the mixing diagnostics against direct NumPy formulas and an AR(1) process's known values."""
import mxnet as mx
import numpy as np
import pytest

from gluonx_generative import exact
from gluonx_generative.samplers import (autocorrelation, block_gibbs, effective_sample_size,
                                        integrated_autocorrelation_time, mode_hopping_rate, parallel_tempering,
                                        r_hat, run_chain, tempered_transitions)
from rbm_fixtures import chi_square_p_value, random_rbm

ALPHA = 1e-3
CHAINS = 5000
LADDER = [0.8, 0.6, 0.4, 0.2]


@pytest.fixture(scope="module")
def small_rbm():
    rbm = random_rbm(5, 3, seed=21, scale=0.8)
    return rbm, exact.visible_distribution(*exact.rbm_arrays(rbm))


def _random_start(n, d, seed):
    return (np.random.RandomState(seed).rand(n, d) < 0.5).astype(np.float64)


def test_numpy_block_gibbs_matches_the_exact_distribution(small_rbm):
    rbm, p = small_rbm
    samples = block_gibbs(*exact.rbm_arrays(rbm), start=_random_start(CHAINS, 5, 4), steps=30, seed=5)
    assert chi_square_p_value(samples, p) > ALPHA


def test_run_chain_with_block_gibbs_matches_the_exact_distribution(small_rbm):
    rbm, p = small_rbm
    mx.random.seed(1)
    final, trace = run_chain(rbm.gibbs_step, mx.nd.array(_random_start(CHAINS, 5, 1)), steps=10, burn_in=20,
                             thin=5)
    assert len(trace) == 2
    assert chi_square_p_value(final.asnumpy(), p) > ALPHA


@pytest.mark.parametrize("sampler", [tempered_transitions, parallel_tempering], ids=["tempered", "parallel"])
def test_tempered_samplers_match_the_exact_distribution(small_rbm, sampler):
    rbm, p = small_rbm
    arrays = exact.rbm_arrays(rbm)
    kwargs = {"sweeps": 20} if sampler is tempered_transitions else {"steps": 40}
    result = sampler(*arrays, start=_random_start(CHAINS, 5, 2), betas=LADDER, seed=3, **kwargs)
    assert 0.2 < result.acceptance_rate <= 1.0
    assert chi_square_p_value(result.samples, p) > ALPHA
    other = exact.visible_distribution(*exact.rbm_arrays(random_rbm(5, 3, seed=22, scale=0.8)))
    assert chi_square_p_value(result.samples, other, null=False) < ALPHA    # the check can fail


def _bimodal_rbm():
    """8 visible units, one hidden unit: modes at all-zeros and all-ones with equal mass, separated by a valley
    (p(4 ones) / p(0 ones) ~ 1e-5), where block Gibbs hops rarely (DL 17.5)."""
    weight = np.full((1, 8), 6.0)
    return weight, np.array([-24.0]), np.full(8, -3.0)


def test_tempering_hops_between_modes_that_block_gibbs_rarely_leaves():
    arrays = _bimodal_rbm()
    start = np.zeros((20, 8))
    gibbs_trace, tempered_trace = [], []
    block_gibbs(*arrays, start=start, steps=300, seed=0, trace=gibbs_trace)
    tempered_transitions(*arrays, start=start, betas=np.linspace(0.9, 0.05, 12), sweeps=300, seed=0,
                         trace=tempered_trace)
    gibbs_modes = (np.stack(gibbs_trace, axis=1).sum(axis=2) >= 4).astype(int)     # (chains, steps)
    tempered_modes = (np.stack(tempered_trace, axis=1).sum(axis=2) >= 4).astype(int)
    gibbs_rate, tempered_rate = mode_hopping_rate(gibbs_modes), mode_hopping_rate(tempered_modes)
    assert tempered_rate > 0.05 and tempered_rate > 20 * gibbs_rate, (gibbs_rate, tempered_rate)
    # both modes have mass 1/2: tempered chains visit both, the Gibbs chains stay where they started
    assert 0.3 < tempered_modes.mean() < 0.7 and gibbs_modes.mean() < 0.05
    # R-hat flags Gibbs chains started in different modes as unmixed, and tempered ones as mixed
    both = np.repeat([[0.0] * 8, [1.0] * 8], 10, axis=0)
    stuck, mixed = [], []
    block_gibbs(*arrays, start=both, steps=200, seed=1, trace=stuck)
    tempered_transitions(*arrays, start=both, betas=np.linspace(0.9, 0.05, 12), sweeps=200, seed=1, trace=mixed)
    assert r_hat(np.stack(stuck, axis=1).mean(axis=2)) > 1.5
    assert r_hat(np.stack(mixed, axis=1).mean(axis=2)) < 1.1


def _ar1(rho, n, seed):
    rng = np.random.RandomState(seed)
    x = np.empty(n)
    x[0] = rng.randn()
    noise = rng.randn(n) * np.sqrt(1 - rho ** 2)
    for t in range(1, n):
        x[t] = rho * x[t - 1] + noise[t]
    return x


def test_autocorrelation_matches_the_direct_sum():
    x = _ar1(0.7, 500, 0)
    centered = x - x.mean()
    direct = [np.dot(centered[:len(x) - t], centered[t:]) / np.dot(centered, centered) for t in range(20)]
    np.testing.assert_allclose(autocorrelation(x, max_lag=19), direct, rtol=1e-9, atol=1e-12)


def test_integrated_autocorrelation_time_and_ess_of_an_ar1_process():
    rho = 0.8
    chains = np.stack([_ar1(rho, 20000, seed) for seed in range(4)])
    tau = (1 + rho) / (1 - rho)                       # 1 + 2 sum_t rho^t
    for chain in chains:
        assert abs(integrated_autocorrelation_time(chain) - tau) < 0.15 * tau
    assert abs(effective_sample_size(chains) - 4 * 20000 / tau) < 0.15 * 4 * 20000 / tau
    iid = np.random.RandomState(9).randn(20000)
    assert abs(effective_sample_size(iid) - 20000) < 0.1 * 20000


def test_r_hat_is_one_for_agreeing_chains_and_large_for_separated_ones():
    rng = np.random.RandomState(0)
    agreeing = rng.randn(4, 2000)
    assert r_hat(agreeing) < 1.01
    separated = agreeing + np.arange(4)[:, None] * 2.0
    assert r_hat(separated) > 1.5
    # the book formula on a hand-sized case: means 0 and 2, within variances 1 and 1, n = 3
    chains = np.array([[-1.0, 0.0, 1.0], [1.0, 2.0, 3.0]])
    within, between_over_n = 1.0, 2.0
    assert r_hat(chains) == pytest.approx(np.sqrt((2 / 3 * within + between_over_n) / within))


def test_bad_arguments_fail_with_one_line():
    with pytest.raises(ValueError, match="betas must be"):
        tempered_transitions(*_bimodal_rbm(), start=np.zeros((2, 8)), betas=[1.5])
    with pytest.raises(ValueError, match="at least 2 chains"):
        r_hat(np.zeros((1, 10)))
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        run_chain(lambda s: s, np.zeros(3), steps=0)
