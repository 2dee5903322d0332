"""Multi-class (squared) hinge (DL 5.7.2) and contrastive losses against NumPy formulas."""
import mxnet as mx
import numpy as np
import pytest
from conftest import input_gradient

import gluonx
from gluonx.losses import ContrastiveLoss, MultiClassHingeLoss


def hinge_reference(scores, labels, margin, squared):
    """Loop over the wrong classes of every position: sum_{j != y} max(0, s_j - s_y + margin)^p."""
    flat_scores = scores.reshape(-1, scores.shape[-1]).astype(np.float64)
    losses = []
    for row, y in zip(flat_scores, labels.reshape(-1)):
        terms = [max(0.0, row[j] - row[y] + margin) for j in range(len(row)) if j != y]
        losses.append(sum(t ** 2 if squared else t for t in terms))
    return np.array(losses).reshape(len(scores), -1).mean(axis=1)


@pytest.mark.parametrize("squared", [False, True])
@pytest.mark.parametrize("margin", [0.0, 1.0, 2.5])
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 6), (1, 2)])
def test_hinge_matches_numpy(evaluate, shape, margin, squared):
    rng = np.random.RandomState(shape[-1])
    scores = rng.uniform(-3, 3, size=shape).astype("float32")
    labels = rng.randint(0, shape[-1], size=shape[:-1]).astype("int32")
    got = evaluate(MultiClassHingeLoss(margin=margin, squared=squared), scores, labels)
    np.testing.assert_allclose(got, hinge_reference(scores, labels, margin, squared), rtol=1e-5, atol=1e-6)


def test_hinge_is_zero_once_the_margin_holds():
    scores = np.array([[5.0, 3.9, -2.0], [0.0, 0.5, 1.4]])
    labels = np.array([0, 2], "int32")
    loss = MultiClassHingeLoss(margin=1.0)
    np.testing.assert_allclose(loss(mx.nd.array(scores), mx.nd.array(labels)).asnumpy(), [0, 0.1],
                               atol=1e-6)
    grad = input_gradient(MultiClassHingeLoss(margin=1.0), scores, labels)
    np.testing.assert_array_equal(grad, [[0, 0, 0], [0, 1, -1]])


def contrastive_reference(a, b, label, margin):
    distance = np.linalg.norm(a.astype(np.float64) - b, axis=-1)
    return label * distance ** 2 / 2 + (1 - label) * np.maximum(0, margin - distance) ** 2 / 2


@pytest.mark.parametrize("margin", [0.5, 2.0])
@pytest.mark.parametrize("shape", [(6, 3), (1, 10)])
def test_contrastive_matches_numpy(evaluate, shape, margin):
    rng = np.random.RandomState(shape[-1])
    a, b = rng.normal(size=shape).astype("float32"), rng.normal(size=shape).astype("float32")
    label = rng.randint(0, 2, size=shape[0]).astype("float32")
    got = evaluate(ContrastiveLoss(margin=margin), a, b, label)
    np.testing.assert_allclose(got, contrastive_reference(a, b, label, margin), rtol=1e-5, atol=1e-6)


def test_contrastive_identical_pairs_have_finite_gradients(evaluate):
    """At distance 0 the square root's gradient is infinite: the clipped distance keeps it finite."""
    a = np.ones((2, 4))
    label = np.array([1.0, 0.0])
    # the distance is clipped at 1e-6, which moves the loss by about margin * 1e-6
    np.testing.assert_allclose(evaluate(ContrastiveLoss(margin=1.5), a, a, label), [0.0, 1.5 ** 2 / 2],
                               rtol=1e-5)
    grad = input_gradient(ContrastiveLoss(margin=1.5), a, a, label)
    assert np.isfinite(grad).all()


@pytest.mark.parametrize("cls", [MultiClassHingeLoss, ContrastiveLoss])
def test_rejects_negative_margin(cls):
    with pytest.raises(ValueError, match="margin"):
        cls(margin=-1)


def test_squared_hinge_by_name_is_squared():
    scores, labels = mx.nd.array([[0.0, 2.0, 1.0]]), mx.nd.array([0])
    by_name = gluonx.get_loss("multiclass_squared_hinge")(scores, labels).asscalar()
    assert by_name == pytest.approx(3.0 ** 2 + 2.0 ** 2)
