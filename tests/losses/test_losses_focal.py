"""Focal loss (Lin et al. 2017; D2L 9.7 exercises) against the paper's formula written in NumPy."""
import mxnet as mx
import numpy as np
import pytest
from conftest import input_gradient, softplus

from gluonx.losses import FocalLoss


def reference(logits, targets, alpha, gamma, keep=None):
    """-alpha_t (1 - p_t)^gamma log p_t per class, summed over classes, mean over kept positions."""
    logits = np.asarray(logits, dtype=np.float64)
    p = np.exp(-softplus(-logits))
    p_t = np.where(targets == 1, p, 1 - p)
    log_p_t = np.where(targets == 1, -softplus(-logits), -softplus(logits))
    alpha_t = 1.0 if alpha is None else np.where(targets == 1, alpha, 1 - alpha)
    per_position = (-alpha_t * (1 - p_t) ** gamma * log_p_t).sum(axis=-1)
    per_position = per_position.reshape(per_position.shape[0], -1)
    keep = np.ones_like(per_position) if keep is None else keep.reshape(per_position.shape)
    return (per_position * keep).sum(axis=1) / np.maximum(keep.sum(axis=1), 1)


def one_hot(ids, classes):
    """Rows of zeros for negative ids (background and ignored positions)."""
    return (np.asarray(ids)[..., None] == np.arange(classes)).astype(np.float64)


CASES = [  # logits shape (batch, ..., classes)
    (4, 3),
    (2, 5, 4),
    (3, 2, 3, 6),
]


@pytest.mark.parametrize("alpha, gamma", [(0.25, 2.0), (None, 0.0), (0.75, 0.5), (0.5, 5.0)])
@pytest.mark.parametrize("shape", CASES)
def test_sparse_labels_with_background_and_ignored(evaluate, shape, alpha, gamma):
    rng = np.random.RandomState(sum(shape))
    logits = rng.uniform(-5, 5, size=shape).astype("float32")
    ids = rng.randint(-2, shape[-1], size=shape[:-1]).astype("int32")      # -1 background, -2 ignored
    got = evaluate(FocalLoss(alpha=alpha, gamma=gamma, ignore_label=-2), logits, ids)
    want = reference(logits, one_hot(ids, shape[-1]), alpha, gamma, keep=(ids != -2).astype(float))
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("shape", CASES)
def test_dense_targets_equal_sparse_ids(evaluate, shape):
    rng = np.random.RandomState(7)
    logits = rng.normal(scale=3, size=shape).astype("float32")
    ids = rng.randint(-1, shape[-1], size=shape[:-1]).astype("int32")
    dense = evaluate(FocalLoss(sparse_label=False), logits, one_hot(ids, shape[-1]))
    np.testing.assert_allclose(dense, reference(logits, one_hot(ids, shape[-1]), 0.25, 2.0), rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(dense, FocalLoss()(mx.nd.array(logits), mx.nd.array(ids, dtype="int32")).asnumpy(),
                               rtol=1e-5, atol=1e-7)


def test_without_focusing_it_is_mxnet_sigmoid_cross_entropy():
    """gamma = 0 and no alpha: Gluon's SigmoidBCELoss (a mean over classes) times the number of classes."""
    rng = np.random.RandomState(1)
    logits = mx.nd.array(rng.normal(scale=4, size=(5, 6)))
    ids = rng.randint(0, 6, size=5)
    ours = FocalLoss(alpha=None, gamma=0.0)(logits, mx.nd.array(ids, dtype="int32"))
    gluon = mx.gluon.loss.SigmoidBCELoss()(logits, mx.nd.array(one_hot(ids, 6)))
    np.testing.assert_allclose(ours.asnumpy(), 6 * gluon.asnumpy(), rtol=1e-5)


def test_all_ignored_sample_is_zero_and_has_no_gradient(evaluate):
    logits = np.random.RandomState(2).normal(size=(2, 3, 4))
    ids = np.array([[-2, -2, -2], [0, -1, 3]], "int32")
    got = evaluate(FocalLoss(ignore_label=-2), logits, ids)
    assert got[0] == 0.0 and got[1] > 0
    grad = input_gradient(FocalLoss(ignore_label=-2), logits, ids)
    assert np.all(grad[0] == 0) and np.all(np.isfinite(grad))


def test_extreme_logits_give_finite_values_and_gradients(evaluate):
    logits = np.array([[[200.0, -200.0, 60.0], [-150.0, 150.0, 0.0]]])
    ids = np.array([[1, 1]], "int32")     # confidently wrong, then confidently right
    got = evaluate(FocalLoss(), logits, ids)
    np.testing.assert_allclose(got, reference(logits, one_hot(ids, 3), 0.25, 2.0), rtol=1e-5)
    assert np.isfinite(input_gradient(FocalLoss(), logits, ids)).all()


def test_easy_examples_are_down_weighted():
    """The point of the focal term: a well-classified example costs far less than under cross-entropy."""
    easy = mx.nd.array([[4.0]])
    positive = mx.nd.array([0], dtype="int32")
    focal = FocalLoss(alpha=None, gamma=2.0)(easy, positive).asscalar()
    cross_entropy = FocalLoss(alpha=None, gamma=0.0)(easy, positive).asscalar()
    assert focal < 1e-3 * cross_entropy


@pytest.mark.parametrize("kwargs, word", [({"gamma": -1}, "gamma"), ({"alpha": 1.5}, "alpha"),
                                          ({"ignore_label": 0}, "ignore_label"),
                                          ({"ignore_label": -1.5}, "ignore_label")])
def test_rejects_bad_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        FocalLoss(**kwargs)
