"""Block Gibbs sampling of an RBM (DL 17.4, 20.2.1): the empirical distribution of visible states matches the
exact one (chi-square goodness of fit, fixed seed, significance 0.001), and the test can tell a wrong model."""
import mxnet as mx
import numpy as np

from gluonx_generative import exact
from rbm_fixtures import chi_square_p_value, random_rbm

N_VISIBLE, CHAINS, STEPS = 5, 4000, 40
ALPHA = 1e-3


def _gibbs_samples(rbm, seed):
    mx.random.seed(seed)
    # Independent chains from random starts: their final states are independent draws (after burn-in).
    start = mx.nd.array((np.random.RandomState(seed).rand(CHAINS, N_VISIBLE) < 0.5).astype(np.float32))
    return rbm.gibbs_chain(start, STEPS).asnumpy()


def test_block_gibbs_matches_the_exact_visible_distribution():
    rbm = random_rbm(N_VISIBLE, 3, seed=21, scale=0.8)
    p_value = chi_square_p_value(_gibbs_samples(rbm, seed=0), exact.visible_distribution(*exact.rbm_arrays(rbm)))
    assert p_value > ALPHA, p_value


def test_the_chi_square_check_rejects_another_models_distribution():
    samples = _gibbs_samples(random_rbm(N_VISIBLE, 3, seed=21, scale=0.8), seed=0)
    other = random_rbm(N_VISIBLE, 3, seed=22, scale=0.8)
    assert chi_square_p_value(samples, exact.visible_distribution(*exact.rbm_arrays(other)), null=False) < ALPHA
