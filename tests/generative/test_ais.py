"""Annealed importance sampling of log Z (DL 18.7.1) against exact enumeration on several random RBMs."""
import numpy as np
import pytest

from gluonx_generative import exact
from gluonx_generative.ais import ais_log_partition, base_rate_bias
from rbm_fixtures import random_rbm

SEEDS = [31, 32, 33, 34, 35]


def test_there_are_several_random_models():
    assert len(SEEDS) >= 3


@pytest.mark.parametrize("seed", SEEDS)
def test_ais_log_partition_is_within_a_tenth_of_a_nat_of_enumeration(seed):
    rbm = random_rbm(12, 10, seed=seed, scale=1.0)
    arrays = exact.rbm_arrays(rbm)
    # The base-rate model from data drawn from the RBM itself (exactly, from the enumerated distribution).
    states = exact.all_binary_states(12)
    rng = np.random.RandomState(seed)
    data = states[rng.choice(len(states), size=500, p=exact.visible_distribution(*arrays))]
    result = ais_log_partition(*arrays, base_bias=base_rate_bias(data), num_betas=1000, num_chains=100, seed=seed)
    assert abs(result.log_z - exact.log_partition(*arrays)) < 0.1
    assert result.log_weights.shape == (100,)


def test_without_annealing_the_estimate_misses_by_more_than_the_tolerance():
    # Two betas = plain importance sampling from the uniform base: the check above would fail on it.
    arrays = exact.rbm_arrays(random_rbm(12, 10, seed=31, scale=1.0))
    truth = exact.log_partition(*arrays)
    assert abs(ais_log_partition(*arrays, num_betas=2, num_chains=100, seed=0).log_z - truth) > 0.1
    assert abs(ais_log_partition(*arrays, num_betas=1000, num_chains=100, seed=0).log_z - truth) < 0.1


def test_bad_base_bias_is_one_clear_error():
    arrays = exact.rbm_arrays(random_rbm(4, 2, seed=0))
    with pytest.raises(ValueError, match=r"base_bias must have shape \(4,\), got \(3,\)"):
        ais_log_partition(*arrays, base_bias=np.zeros(3))
