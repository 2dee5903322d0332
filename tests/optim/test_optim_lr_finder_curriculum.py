"""LR range test (divergence where gradient descent theory says) and the curriculum sampler."""
import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon

from gluonx_optim.curriculum import PACING, CurriculumSampler, loss_difficulty
from gluonx_optim.lr_finder import find_learning_rate


def _regression(seed=0, n=64, p=5):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, p) * np.linspace(0.5, 2.0, p)
    y = X @ rng.randn(p) + 0.1 * rng.randn(n)
    return X.astype("float32"), y.astype("float32")


def test_lr_finder_diverges_just_past_two_over_the_largest_curvature(tmp_path):
    X, y = _regression()
    # Full-batch gradient descent on the mean of 1/2 (Xw + b - y)^2 is unstable beyond lr = 2 / lambda_max of the
    # Hessian [X 1]' [X 1] / n. The loss cannot blow up before that rate, and blows up within a factor 3 after
    # it: the unstable component grows by |1 - lr lambda_max| per step from near zero.
    Xb = np.hstack([X, np.ones((X.shape[0], 1))]).astype(np.float64)
    critical = 2.0 / np.linalg.eigvalsh(Xb.T @ Xb / X.shape[0]).max()
    net = gluon.nn.Dense(1, in_units=X.shape[1])
    net.initialize(mx.init.Zero())
    before = [p.data().asnumpy().copy() for p in net.collect_params().values()]
    batches = [(mx.nd.array(X), mx.nd.array(y).reshape((-1, 1)))]
    result = find_learning_rate(net, gluon.loss.L2Loss(), batches, "gluonx_sgd", start_lr=1e-3, end_lr=10.0,
                                num_steps=200, smoothing=0.3)
    assert result.diverged_at is not None
    assert critical <= result.diverged_at <= 3.0 * critical, (result.diverged_at, critical)
    assert result.suggestion < critical and result.min_loss_lr < result.diverged_at
    assert len(result.lrs) == len(result.losses) < 200
    for param, value in zip(net.collect_params().values(), before):
        np.testing.assert_array_equal(param.data().asnumpy(), value)   # parameters restored
    result.plot(str(tmp_path / "lr_finder.png"))
    assert (tmp_path / "lr_finder.png").stat().st_size > 1000


def test_lr_finder_rejects_a_bad_range():
    net = gluon.nn.Dense(1, in_units=2)
    net.initialize()
    with pytest.raises(ValueError, match="expected 0 < start_lr < end_lr, got 1.0 and 0.1"):
        find_learning_rate(net, gluon.loss.L2Loss(), [], start_lr=1.0, end_lr=0.1)


def test_curriculum_admits_the_easiest_fraction_then_everything():
    difficulty = np.random.RandomState(0).rand(100)
    easiest = np.argsort(difficulty)
    sampler = CurriculumSampler(difficulty, pacing="linear", start_fraction=0.2, full_epoch=4, seed=3)
    sizes = []
    for epoch in range(6):
        sampler.set_epoch(epoch)
        drawn = list(sampler)
        fraction = min(1.0, 0.2 + 0.8 * epoch / 4)
        assert len(drawn) == len(sampler) == int(np.ceil(fraction * 100 - 1e-9))
        assert sorted(drawn) == sorted(easiest[:len(drawn)].tolist())
        sizes.append(len(drawn))
    assert sizes == sorted(sizes) and sizes[-1] == 100
    sampler.set_epoch(2)
    assert list(sampler) == list(sampler)   # reproducible per epoch with a seed


@pytest.mark.parametrize("pacing", sorted(PACING))
def test_pacing_functions_start_at_start_fraction_and_end_at_one(pacing):
    sampler = CurriculumSampler(np.arange(50), pacing=pacing, start_fraction=0.1, full_epoch=5)
    assert sampler.fraction(0) == pytest.approx(0.1)
    assert sampler.fraction(5) == 1.0 and sampler.fraction(9) == 1.0
    fractions = [sampler.fraction(e) for e in range(6)]
    assert fractions == sorted(fractions)


def test_stochastic_curriculum_mixes_in_the_whole_data_set():
    sampler = CurriculumSampler(np.arange(1000), start_fraction=0.1, full_epoch=10, mix=0.5, seed=0)
    drawn = np.array(list(sampler))
    assert len(drawn) == 100
    assert 25 <= np.sum(drawn >= 100) <= 50   # about half of the mixed half lies outside the easy 10%


def test_sampler_drives_a_dataloader_and_loss_scores_difficulty():
    X, y = _regression(n=40)
    dataset = gluon.data.ArrayDataset(X, y.reshape(-1, 1))
    net = gluon.nn.Dense(1, in_units=X.shape[1])
    net.initialize()
    scores = loss_difficulty(net, gluon.loss.L2Loss(), dataset, batch_size=16)
    expected = 0.5 * (net(mx.nd.array(X)).asnumpy().ravel() - y) ** 2
    np.testing.assert_allclose(scores, expected, rtol=1e-5)
    sampler = CurriculumSampler(scores, start_fraction=0.25, full_epoch=2, seed=1)
    loader = gluon.data.DataLoader(dataset, batch_size=4, sampler=sampler)
    assert sum(x.shape[0] for x, _ in loader) == 10


@pytest.mark.parametrize("kwargs, message", [
    ({"difficulty": []}, "difficulty must be a non-empty 1-D sequence"),
    ({"difficulty": [1.0, np.nan]}, "difficulty contains NaN"),
    ({"difficulty": [1.0], "pacing": "cubic"}, "pacing must be one of"),
    ({"difficulty": [1.0], "start_fraction": 0.0}, "start_fraction must be in (0, 1], got 0.0"),
    ({"difficulty": [1.0], "mix": 1.0}, "mix must be in [0, 1), got 1.0"),
])
def test_bad_sampler_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError) as info:
        CurriculumSampler(**kwargs)
    assert message in str(info.value)
