"""Block Gibbs sampling of an RBM (DL 17.4, 20.2.1): the empirical distribution of visible states matches the
exact one (chi-square goodness of fit, fixed seed, significance 0.001), and the test can tell a wrong model."""
import mxnet as mx
import numpy as np
from scipy import stats

from gluonx_generative import exact
from rbm_fixtures import random_rbm

N_VISIBLE, CHAINS, STEPS = 5, 4000, 40
ALPHA = 1e-3


def _gibbs_state_counts(rbm, seed):
    mx.random.seed(seed)
    # Independent chains from random starts: their final states are independent draws (after burn-in).
    start = mx.nd.array((np.random.RandomState(seed).rand(CHAINS, N_VISIBLE) < 0.5).astype(np.float32))
    samples = rbm.gibbs_chain(start, STEPS).asnumpy().astype(int)
    codes = (samples * (2 ** np.arange(N_VISIBLE - 1, -1, -1))).sum(axis=1)   # order of all_binary_states
    return np.bincount(codes, minlength=2 ** N_VISIBLE)


def test_block_gibbs_matches_the_exact_visible_distribution():
    rbm = random_rbm(N_VISIBLE, 3, seed=21, scale=0.8)
    counts = _gibbs_state_counts(rbm, seed=0)
    expected = CHAINS * exact.visible_distribution(*exact.rbm_arrays(rbm))
    assert expected.min() > 5  # the chi-square approximation holds
    _, p_value = stats.chisquare(counts, expected)
    assert p_value > ALPHA, p_value


def test_the_chi_square_check_rejects_another_models_distribution():
    counts = _gibbs_state_counts(random_rbm(N_VISIBLE, 3, seed=21, scale=0.8), seed=0)
    other = random_rbm(N_VISIBLE, 3, seed=22, scale=0.8)
    _, p_value = stats.chisquare(counts, CHAINS * exact.visible_distribution(*exact.rbm_arrays(other)))
    assert p_value < ALPHA
