"""CD-k and persistent CD (DL 18.2) through gluonx.Trainer raise the exact log-likelihood (enumeration)."""
import mxnet as mx
import numpy as np
import pytest

import gluonx
from gluonx.data.arrays import ArrayDataset
from gluonx_generative import exact
from gluonx_generative.rbm import BernoulliRBM
from gluonx_generative.training import ContrastiveDivergenceStep


def _two_prototype_data(n=200, d=8, seed=0):
    """Noisy copies of two binary prototypes: a distribution far from the initial near-uniform model."""
    rng = np.random.RandomState(seed)
    prototypes = np.array([[1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 1, 1, 1, 1, 0, 1]], dtype=np.float32)[:, :d]
    data = prototypes[rng.randint(0, 2, n)]
    flips = rng.rand(n, d) < 0.05
    return np.where(flips, 1 - data, data).astype(np.float32)


def _mean_log_likelihood(rbm, data):
    return exact.log_likelihood(data, *exact.rbm_arrays(rbm)).mean()


@pytest.mark.parametrize("step", [ContrastiveDivergenceStep(k=1), ContrastiveDivergenceStep(k=1, persistent=True)],
                         ids=["cd1", "pcd1"])
def test_contrastive_divergence_raises_the_exact_log_likelihood(step):
    data = _two_prototype_data()
    mx.random.seed(0)
    rbm = BernoulliRBM(8, 6)
    trainer = gluonx.Trainer(rbm, step=step, optimizer="sgd", optimizer_params={"learning_rate": 0.5},
                             initializer=mx.init.Normal(0.01), seed=0)
    before = _mean_log_likelihood(rbm, data)
    trainer.fit(ArrayDataset(data, np.zeros(len(data), np.float32)), epochs=15, batch_size=20)
    after = _mean_log_likelihood(rbm, data)
    # The initial model is about uniform (8 log 2 = 5.55 nats per sample); the data's entropy is about 2.3 nats.
    assert before < -5.4
    assert after > before + 1.5, (before, after)


def test_the_generative_task_trains_with_cd1():
    data = _two_prototype_data(n=100)
    rbm = gluonx.get_model("bernoulli_rbm", n_visible=8, n_hidden=4)
    trainer = gluonx.Trainer(rbm, task="generative", optimizer="sgd", optimizer_params={"learning_rate": 0.5},
                             initializer=mx.init.Normal(0.01), seed=0)
    assert isinstance(trainer.batch_step, ContrastiveDivergenceStep) and not trainer.batch_step.persistent
    before = _mean_log_likelihood(rbm, data)
    trainer.fit(ArrayDataset(data, np.zeros(len(data), np.float32)), epochs=8, batch_size=20)
    assert _mean_log_likelihood(rbm, data) > before + 0.5


def test_persistent_chains_are_carried_and_saved():
    step = ContrastiveDivergenceStep(k=2, persistent=True)
    rbm = BernoulliRBM(8, 4)
    trainer = gluonx.Trainer(rbm, step=step, optimizer="sgd", optimizer_params={"learning_rate": 0.05}, seed=0)
    data = _two_prototype_data(n=40)
    trainer.train_batch(mx.nd.array(data[:20]), mx.nd.zeros(20))
    chain = step.state_dict()["chain/0"]
    first = chain.asnumpy()
    assert first.shape == (20, 8) and set(np.unique(first)) <= {0.0, 1.0}
    trainer.train_batch(mx.nd.array(data[20:]), mx.nd.zeros(20))
    # The next batch continues the chain in new arrays (a cached graph must not overwrite the carried one).
    np.testing.assert_array_equal(chain.asnumpy(), first)
    assert not np.array_equal(step.state_dict()["chain/0"].asnumpy(), first)
    restored = ContrastiveDivergenceStep(k=2, persistent=True)
    restored.load_state_dict(step.state_dict(), trainer)
    np.testing.assert_array_equal(restored.state_dict()["chain/0"].asnumpy(),
                                  step.state_dict()["chain/0"].asnumpy())


def test_a_net_that_is_not_an_rbm_is_one_clear_error():
    net = mx.gluon.nn.Dense(1)
    trainer = gluonx.Trainer(net, step=ContrastiveDivergenceStep(), optimizer="sgd")
    with pytest.raises(TypeError, match="ContrastiveDivergenceStep trains gluonx_generative's RBMs"):
        trainer.train_batch(mx.nd.ones((2, 3)), mx.nd.zeros(2))


def test_k_must_be_a_positive_integer():
    with pytest.raises(ValueError, match="k must be a positive integer, got 0"):
        ContrastiveDivergenceStep(k=0)


@pytest.mark.parametrize("kind", ["bernoulli", "gaussian"])
def test_the_fused_graph_gives_the_closed_form_cd_gradient(kind):
    from gluonx_generative.rbm import GaussianBernoulliRBM
    from gluonx_generative.training import ContrastiveGraph
    sigma = 0.8
    rbm = BernoulliRBM(6, 4) if kind == "bernoulli" else GaussianBernoulliRBM(6, 4, sigma=sigma)
    rbm.initialize(mx.init.Normal(0.5))
    graph = ContrastiveGraph(rbm, k=2)
    graph.hybridize(static_alloc=True)
    v = mx.nd.array(_two_prototype_data(n=10, d=6, seed=3)[:, :6])
    with mx.autograd.record():
        gap, sample = graph(v, v)
    gap.backward()
    np.testing.assert_allclose(gap.asnumpy(), (rbm(v) - rbm(sample)).asnumpy(), rtol=1e-5, atol=1e-5)
    # d/dW of F(v) - F(v~) summed over rows = sum(h(v~) v~^T) - sum(h(v) v^T) with h the hidden expectations,
    # on v / sigma for the Gaussian RBM (DL 18.2's positive and negative phases).
    scale = 1.0 if kind == "bernoulli" else sigma
    pos, neg = v.asnumpy() / scale, sample.asnumpy() / scale
    weight, hidden_bias = rbm.weight.data().asnumpy(), rbm.hidden_bias.data().asnumpy()
    expect = lambda x: 1.0 / (1.0 + np.exp(-(x @ weight.T + hidden_bias)))
    np.testing.assert_allclose(rbm.weight.grad().asnumpy(), expect(neg).T @ neg - expect(pos).T @ pos,
                               rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("gaussian", [False, True], ids=["bernoulli", "gaussian"])
def test_the_closed_form_gradient_equals_autograd_of_the_free_energy_gap(gaussian):
    from gluonx_generative.rbm import GaussianBernoulliRBM
    from gluonx_generative.training import ContrastiveGradientGraph
    rbm = GaussianBernoulliRBM(6, 4, sigma=0.7) if gaussian else BernoulliRBM(6, 4)
    rbm.initialize(mx.init.Normal(0.5))
    rng = np.random.RandomState(0)
    v = mx.nd.array(rng.rand(5, 6) if gaussian else (rng.rand(5, 6) < 0.5))
    start = mx.nd.array(rng.rand(5, 6) if gaussian else (rng.rand(5, 6) < 0.5))
    mx.random.seed(1)
    gap, sample, *grads = ContrastiveGradientGraph(rbm, 1)(v, start)
    # autograd of sum(F(v) - F(sample)) with the same sample held fixed
    with mx.autograd.record():
        loss = (rbm(v) - rbm(sample)).sum()
    loss.backward()
    for param, grad in zip((rbm.weight, rbm.hidden_bias, rbm.visible_bias), grads):
        np.testing.assert_allclose(grad.asnumpy(), param.grad().asnumpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gap.asnumpy(), (rbm(v) - rbm(sample)).asnumpy(), rtol=1e-5, atol=1e-5)
