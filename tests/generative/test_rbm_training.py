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
    first = step.state_dict()["chain/0"].asnumpy()
    assert first.shape == (20, 8) and set(np.unique(first)) <= {0.0, 1.0}
    restored = ContrastiveDivergenceStep(k=2, persistent=True)
    restored.load_state_dict(step.state_dict(), trainer)
    np.testing.assert_array_equal(restored.state_dict()["chain/0"].asnumpy(), first)


def test_k_must_be_a_positive_integer():
    with pytest.raises(ValueError, match="k must be a positive integer, got 0"):
        ContrastiveDivergenceStep(k=0)
