"""DBN (DL 20.3), DBM (20.4) and sigmoid belief net with wake-sleep (20.10.1, 19.5) against brute-force
enumeration in NumPy: mean-field fixed point, exact log-likelihoods rising with training, Gibbs samples."""
import itertools

import mxnet as mx
import numpy as np

import gluonx
from gluonx.data.arrays import ArrayDataset
from gluonx_generative import exact
from gluonx_generative.dbm import DBMStep, DeepBoltzmannMachine
from gluonx_generative.dbn import DeepBeliefNetwork
from gluonx_generative.samplers import run_chain
from gluonx_generative.sbn import SigmoidBeliefNetwork, WakeSleepStep
from rbm_fixtures import chi_square_p_value
from test_rbm_training import _two_prototype_data


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _randomize(net, scale, seed):
    rng = np.random.RandomState(seed)
    for param in net.collect_params().values():
        param.set_data(mx.nd.array(scale * rng.randn(*param.shape)))


def _dbm_arrays(dbm):
    weights = [getattr(dbm, "weight{}".format(i)).data().asnumpy().astype(np.float64) for i in range(2)]
    biases = [getattr(dbm, "bias{}".format(i)).data().asnumpy().astype(np.float64) for i in range(3)]
    return weights, biases


def _dbm_log_joint_table(dbm):
    """log p~(v, h1, h2) over every joint state, by brute force (no analytic sum)."""
    (w0, w1), (b0, b1, b2) = _dbm_arrays(dbm)
    sizes = dbm.layer_sizes
    table = {}
    for v in itertools.product([0, 1], repeat=sizes[0]):
        for h1 in itertools.product([0, 1], repeat=sizes[1]):
            for h2 in itertools.product([0, 1], repeat=sizes[2]):
                v_, h1_, h2_ = (np.array(x, dtype=np.float64) for x in (v, h1, h2))
                table[(v, h1, h2)] = h1_ @ w0 @ v_ + h2_ @ w1 @ h1_ + b0 @ v_ + b1 @ h1_ + b2 @ h2_
    return table


def _dbm_visible_log_probs(dbm):
    table = _dbm_log_joint_table(dbm)
    states = [tuple(int(x) for x in row) for row in exact.all_binary_states(dbm.layer_sizes[0])]
    per_v = np.array([np.logaddexp.reduce([value for key, value in table.items() if key[0] == v]) for v in states])
    return per_v - np.logaddexp.reduce(per_v)


def test_dbm_mean_field_reaches_the_numpy_fixed_point():
    dbm = DeepBoltzmannMachine((5, 4, 3), mean_field_steps=50)
    dbm.initialize()
    _randomize(dbm, 0.7, 0)
    (w0, w1), (_, b1, b2) = _dbm_arrays(dbm)
    v = (np.random.RandomState(1).rand(4, 5) < 0.5).astype(np.float64)
    mu1, mu2 = np.full((4, 4), 0.5), np.full((4, 3), 0.5)
    for _ in range(200):    # the fixed-point equations of DL 20.4.2, from another start
        mu1 = _sigmoid(b1 + v @ w0.T + mu2 @ w1)
        mu2 = _sigmoid(b2 + mu1 @ w1.T)
    got = dbm.mean_field(mx.nd.array(v))
    np.testing.assert_allclose(got[1].asnumpy(), mu1, atol=1e-4)
    np.testing.assert_allclose(got[2].asnumpy(), mu2, atol=1e-4)
    np.testing.assert_allclose(dbm(mx.nd.array(v)).asnumpy(), mu2, atol=1e-4)   # the forward is mu_L


def test_dbm_block_gibbs_matches_the_enumerated_visible_distribution():
    dbm = DeepBoltzmannMachine((4, 3, 2))
    dbm.initialize()
    _randomize(dbm, 0.8, 2)
    mx.random.seed(3)
    final, _ = run_chain(dbm.gibbs_step, dbm.random_states(5000), steps=1, burn_in=30, record=lambda s: None)
    p = np.exp(_dbm_visible_log_probs(dbm))
    assert chi_square_p_value(final[0].asnumpy(), p) > 1e-3


def _dbm_mean_log_likelihood(dbm, data):
    log_p = _dbm_visible_log_probs(dbm)
    codes = (data.astype(int) * (2 ** np.arange(data.shape[1] - 1, -1, -1))).sum(axis=1)
    return log_p[codes].mean()


def test_dbm_pcd_training_raises_the_exact_log_likelihood():
    data = _two_prototype_data(n=200, d=6)
    dbm = DeepBoltzmannMachine((6, 4, 3), mean_field_steps=10)
    trainer = gluonx.Trainer(dbm, step=DBMStep(gibbs_steps=1), optimizer="sgd",
                             optimizer_params={"learning_rate": 0.3}, initializer=mx.init.Normal(0.01), seed=0)
    before = _dbm_mean_log_likelihood(dbm, data)
    trainer.fit(ArrayDataset(data, np.zeros(len(data), np.float32)), epochs=15, batch_size=20)
    after = _dbm_mean_log_likelihood(dbm, data)
    assert after > before + 1.0, (before, after)


def test_dbn_greedy_pretraining_raises_the_exact_log_likelihood():
    data = _two_prototype_data(n=200, d=8)
    mx.random.seed(0)
    dbn = DeepBeliefNetwork((8, 5, 3))
    dbn.initialize(mx.init.Normal(0.01))
    before = dbn.exact_log_likelihood(data).mean()
    dbn.pretrain(data, epochs=15, batch_size=20, learning_rate=0.3)
    after = dbn.exact_log_likelihood(data).mean()
    assert after > before + 1.5, (before, after)
    # enumeration check of exact_log_likelihood itself: it sums to one over all visible vectors
    np.testing.assert_allclose(np.exp(dbn.exact_log_likelihood(exact.all_binary_states(8))).sum(), 1.0, rtol=1e-6)
    # the forward is the upward mean-field pass through both RBMs
    w0, c0, _ = exact.rbm_arrays(dbn.rbms[0])
    w1, c1, _ = exact.rbm_arrays(dbn.rbms[1])
    np.testing.assert_allclose(dbn(mx.nd.array(data[:5])).asnumpy(),
                               _sigmoid(_sigmoid(data[:5] @ w0.T + c0) @ w1.T + c1), rtol=1e-4)
    assert dbn.sample(7, gibbs_steps=5, seed=0).shape == (7, 8)


def test_sbn_exact_log_likelihood_is_normalized_and_wake_sleep_raises_it():
    data = _two_prototype_data(n=200, d=8)
    sbn = SigmoidBeliefNetwork((8, 4, 2))
    trainer = gluonx.Trainer(sbn, step=WakeSleepStep(), optimizer="adam", optimizer_params={"learning_rate": 0.05},
                             initializer=mx.init.Normal(0.1), seed=0)
    np.testing.assert_allclose(np.exp(sbn.exact_log_likelihood(exact.all_binary_states(8))).sum(), 1.0, rtol=1e-6)
    before = sbn.exact_log_likelihood(data).mean()
    trainer.fit(ArrayDataset(data, np.zeros(len(data), np.float32)), epochs=20, batch_size=20)
    after = sbn.exact_log_likelihood(data).mean()
    assert after > before + 1.5, (before, after)
    # log_joint against a direct NumPy evaluation of p(v, h) for one dreamed sample
    states = sbn.dream(3)
    arrays = {p.name[len(sbn.prefix):]: p.data().asnumpy().astype(np.float64)
              for p in sbn.collect_params().values()}
    v, h1, h2 = (s.asnumpy().astype(np.float64) for s in states)

    def log_bernoulli(x, logits):
        return (x * np.log(_sigmoid(logits)) + (1 - x) * np.log(1 - _sigmoid(logits))).sum(axis=1)

    expected = (log_bernoulli(h2, np.broadcast_to(arrays["gen_bias2"], h2.shape))
                + log_bernoulli(h1, h2 @ arrays["gen_weight2"].T + arrays["gen_bias1"])
                + log_bernoulli(v, h1 @ arrays["gen_weight1"].T + arrays["gen_bias0"]))
    np.testing.assert_allclose(sbn.log_joint(states).asnumpy(), expected, rtol=1e-4)
