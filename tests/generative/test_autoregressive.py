"""NADE and MADE (DL 20.10.10): normalized over all 2^D binary vectors, conditionals against a NumPy loop,
the autoregressive property, and a short training run on binarized digits that beats independent pixels."""
import mxnet as mx
import numpy as np
import pytest
from sklearn.datasets import load_digits

import gluonx
from gluonx.data.arrays import ArrayDataset
from gluonx_generative import exact
from gluonx_generative.autoregressive import MADE, NADE


def _randomize(net, scale, seed):
    """Random N(0, scale^2) values for every trainable parameter (their own initializers are small)."""
    rng = np.random.RandomState(seed)
    for param in net.collect_params().values():
        if param.grad_req != "null":
            param.set_data(mx.nd.array(scale * rng.randn(*param.shape)))


@pytest.mark.parametrize("build", [lambda: NADE(7, 5), lambda: MADE(7, (9, 6))], ids=["nade", "made"])
def test_probabilities_over_all_binary_vectors_sum_to_one(build):
    mx.random.seed(0)
    net = build()
    net.initialize()
    _randomize(net, 1.0, 0)
    states = exact.all_binary_states(7)
    log_p = net(mx.nd.array(states)).asnumpy().astype(np.float64)
    assert np.exp(log_p).sum() == pytest.approx(1.0, abs=1e-4)
    assert np.std(log_p) > 0.5          # not the uniform distribution: the check is not trivial


def test_nade_conditionals_match_a_numpy_loop():
    mx.random.seed(1)
    nade = NADE(6, 4)
    nade.initialize()
    _randomize(nade, 0.8, 1)
    w, c, v_out, b = (getattr(nade, n).data().asnumpy().astype(np.float64)
                      for n in ("weight", "hidden_bias", "out_weight", "out_bias"))
    x = (np.random.RandomState(0).rand(5, 6) < 0.5).astype(np.float64)
    expected = []
    for row in x:
        total = 0.0
        for d in range(6):
            h = 1 / (1 + np.exp(-(c + w[:, :d] @ row[:d])))
            p = 1 / (1 + np.exp(-(b[d] + v_out[d] @ h)))
            total += np.log(p if row[d] else 1 - p)
        expected.append(total)
    np.testing.assert_allclose(nade(mx.nd.array(x)).asnumpy(), expected, rtol=1e-5)


def test_made_output_d_depends_only_on_earlier_inputs():
    mx.random.seed(2)
    made = MADE(6, (12,))
    made.initialize()
    _randomize(made, 1.0, 2)
    x = mx.nd.array(np.random.RandomState(1).rand(1, 6))
    for d in range(6):
        x.attach_grad()
        with mx.autograd.record():
            logit = made.logits(x)[0, d]
        logit.backward()
        grad = x.grad.asnumpy()[0]
        assert np.all(grad[d:] == 0), (d, grad)
        if d > 0:
            assert np.any(grad[:d] != 0)


def test_nade_samples_follow_its_distribution():
    from rbm_fixtures import chi_square_p_value
    mx.random.seed(3)
    nade = NADE(4, 3)
    nade.initialize()
    _randomize(nade, 1.0, 3)
    p = np.exp(nade(mx.nd.array(exact.all_binary_states(4))).asnumpy().astype(np.float64))
    samples = nade.sample(4000, seed=4)
    assert chi_square_p_value(samples, p / p.sum()) > 1e-3


def test_nade_on_binarized_digits_beats_independent_pixels():
    digits = load_digits()
    binary = (digits.data >= 8).astype(np.float32)
    train, test = binary[:1500], binary[1500:]
    marginals = (train.sum(axis=0) + 1) / (len(train) + 2)
    baseline = (test * np.log(marginals) + (1 - test) * np.log(1 - marginals)).sum(axis=1).mean()
    nade = gluonx.get_model("nade", n_inputs=64, n_hidden=32)
    trainer = gluonx.Trainer(nade, task="density", optimizer="adam", optimizer_params={"learning_rate": 0.01},
                             initializer=mx.init.Normal(0.05), seed=0)
    trainer.fit(ArrayDataset(train, np.zeros(len(train), np.float32)), epochs=4, batch_size=50)
    test_ll = nade(mx.nd.array(test)).asnumpy().mean()
    assert test_ll > baseline + 2.0  # measured: +2.7 nats after 4 epochs, (test_ll, baseline)
