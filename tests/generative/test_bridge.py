"""Bridge sampling of log Z (DL 18.7.2) against exact enumeration, from exact and from block Gibbs samples."""
import mxnet as mx
import numpy as np
import pytest

from gluonx_generative import exact
from gluonx_generative.bridge import bridge_log_partition
from rbm_fixtures import random_rbm

SEEDS = [41, 42, 43]


def test_there_are_several_random_models():
    assert len(SEEDS) >= 3


@pytest.mark.parametrize("seed", SEEDS)
def test_bridge_sampling_from_exact_samples_is_within_a_tenth_of_a_nat(seed):
    arrays = exact.rbm_arrays(random_rbm(10, 8, seed=seed, scale=1.0))
    states = exact.all_binary_states(10)
    samples = states[np.random.RandomState(seed).choice(len(states), 2000, p=exact.visible_distribution(*arrays))]
    assert abs(bridge_log_partition(*arrays, samples, seed=seed) - exact.log_partition(*arrays)) < 0.1


def test_bridge_sampling_from_block_gibbs_chains_is_within_a_tenth_of_a_nat():
    rbm = random_rbm(10, 8, seed=44, scale=0.7)
    mx.random.seed(0)
    start = mx.nd.array((np.random.RandomState(0).rand(2000, 10) < 0.5).astype(np.float32))
    samples = rbm.gibbs_chain(start, 50).asnumpy()
    arrays = exact.rbm_arrays(rbm)
    assert abs(bridge_log_partition(*arrays, samples) - exact.log_partition(*arrays)) < 0.1


def test_samples_of_another_model_give_an_estimate_the_check_rejects():
    arrays = exact.rbm_arrays(random_rbm(10, 8, seed=41, scale=1.0))
    other = exact.rbm_arrays(random_rbm(10, 8, seed=51, scale=1.0))
    states = exact.all_binary_states(10)
    samples = states[np.random.RandomState(0).choice(len(states), 2000, p=exact.visible_distribution(*other))]
    assert abs(bridge_log_partition(*arrays, samples) - exact.log_partition(*arrays)) > 0.1


def test_samples_of_the_wrong_width_are_one_clear_error():
    arrays = exact.rbm_arrays(random_rbm(4, 2, seed=0))
    with pytest.raises(ValueError, match=r"model_samples must have shape \(n, 4\) with n >= 1, got \(3, 5\)"):
        bridge_log_partition(*arrays, np.zeros((3, 5)))
