"""Label-smoothing cross-entropy (DL 7.5.1) against the smoothed-target formula in NumPy."""
import mxnet as mx
import numpy as np
import pytest
from conftest import input_gradient, log_softmax

from gluonx.losses import LabelSmoothingCELoss


def reference(logits, labels, smoothing):
    """-sum_k q_k log p_k with q = (1 - eps) one_hot + eps / C, mean over the positions of each sample."""
    classes = logits.shape[-1]
    target = (1 - smoothing) * (labels[..., None] == np.arange(classes)) + smoothing / classes
    per_position = -(target * log_softmax(logits)).sum(axis=-1)
    return per_position.reshape(len(per_position), -1).mean(axis=1)


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.5, 0.99])
@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 7), (1, 2)])
def test_matches_numpy(evaluate, shape, smoothing):
    rng = np.random.RandomState(shape[-1])
    logits = rng.uniform(-6, 6, size=shape).astype("float32")
    labels = rng.randint(0, shape[-1], size=shape[:-1]).astype("int32")
    got = evaluate(LabelSmoothingCELoss(smoothing=smoothing), logits, labels)
    np.testing.assert_allclose(got, reference(logits, labels, smoothing), rtol=1e-5, atol=1e-5)


def test_no_smoothing_is_mxnet_softmax_cross_entropy():
    rng = np.random.RandomState(0)
    logits, labels = mx.nd.array(rng.normal(size=(6, 9))), mx.nd.array(rng.randint(0, 9, size=6))
    ours = LabelSmoothingCELoss(smoothing=0.0)(logits, labels)
    np.testing.assert_allclose(ours.asnumpy(), mx.gluon.loss.SoftmaxCrossEntropyLoss()(logits, labels).asnumpy(),
                               rtol=1e-5)


def test_smoothing_keeps_logits_finite_at_the_optimum():
    """The gradient vanishes at a finite margin, log((1 - eps + eps/C) / (eps/C)), not at infinity."""
    eps, classes = 0.1, 4
    gap = np.log((1 - eps + eps / classes) / (eps / classes))
    at_optimum = np.array([[gap, 0.0, 0.0, 0.0]])
    grad = input_gradient(LabelSmoothingCELoss(smoothing=eps), at_optimum, np.array([0], "int32"))
    np.testing.assert_allclose(grad, 0, atol=1e-5)     # float32 rounding
    beyond = input_gradient(LabelSmoothingCELoss(smoothing=eps), 2 * at_optimum, np.array([0], "int32"))
    assert beyond[0, 0] > 1e-3          # pushed back towards the finite optimum


def test_extreme_logits(evaluate):
    logits = np.array([[3e4, -3e4, 0.0], [-1e4, 1e4, 1e4]])
    labels = np.array([0, 0], "int32")
    got = evaluate(LabelSmoothingCELoss(smoothing=0.1), logits, labels)
    np.testing.assert_allclose(got, reference(logits, labels, 0.1), rtol=1e-6)
