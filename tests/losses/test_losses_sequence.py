"""Masked softmax cross-entropy of padded sequences (D2L 10.12.3) against a NumPy formula."""
import mxnet as mx
import numpy as np
import pytest
from conftest import input_gradient, log_softmax

from gluonx.losses import MaskedSoftmaxCELoss


def reference(logits, labels, valid_lens, smoothing=0.0):
    """Per sample: mean over t < valid_len of -sum_k q_k log softmax(logits[t])_k, q the smoothed one-hot."""
    log_probs = log_softmax(logits)
    vocab = logits.shape[-1]
    out = []
    for b in range(logits.shape[0]):
        terms = []
        for t in range(min(int(valid_lens[b]), logits.shape[1])):
            target = np.full(vocab, smoothing / vocab)
            target[labels[b, t]] += 1 - smoothing
            terms.append(-(target * log_probs[b, t]).sum())
        out.append(np.mean(terms) if terms else 0.0)
    return np.array(out)


CASES = [  # (batch, steps, vocab), valid lengths: an all-padded row, a full row, longer than the steps
    ((3, 4, 6), [0, 4, 2]),
    ((1, 1, 2), [1]),
    ((4, 7, 11), [7, 1, 9, 0]),
]


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("shape, valid_lens", CASES)
def test_matches_numpy(evaluate, shape, valid_lens, smoothing):
    rng = np.random.RandomState(len(valid_lens))
    logits = rng.uniform(-4, 4, size=shape)
    labels = rng.randint(0, shape[-1], size=shape[:2]).astype("int32")
    got = evaluate(MaskedSoftmaxCELoss(smoothing=smoothing), logits, labels, np.array(valid_lens, "int32"))
    np.testing.assert_allclose(got, reference(logits.astype("float32"), labels, valid_lens, smoothing),
                               rtol=1e-5, atol=1e-5)


def test_float_lengths_and_mxnet_cross_entropy_on_full_rows():
    """With every step valid it is Gluon's SoftmaxCrossEntropyLoss (a mean over the steps)."""
    rng = np.random.RandomState(3)
    logits = mx.nd.array(rng.normal(size=(3, 5, 4)))
    labels = mx.nd.array(rng.randint(0, 4, size=(3, 5)), dtype="int32")
    ours = MaskedSoftmaxCELoss()(logits, labels, mx.nd.array([5, 5, 5]))   # float lengths
    gluon = mx.gluon.loss.SoftmaxCrossEntropyLoss()(logits, labels)
    np.testing.assert_allclose(ours.asnumpy(), gluon.asnumpy(), rtol=1e-5)


def test_padding_does_not_count(evaluate):
    """Changing logits and labels past the valid length changes nothing; their gradient is exactly 0."""
    rng = np.random.RandomState(0)
    logits = rng.normal(size=(2, 5, 7))
    labels = rng.randint(0, 7, size=(2, 5)).astype("int32")
    valid = np.array([2, 0], "int32")
    other_logits, other_labels = logits.copy(), labels.copy()
    other_logits[0, 2:] = rng.normal(size=(3, 7)) * 50
    other_logits[1] = rng.normal(size=(5, 7))
    other_labels[0, 2:] = (labels[0, 2:] + 1) % 7
    loss = MaskedSoftmaxCELoss()
    np.testing.assert_array_equal(evaluate(loss, logits, labels, valid),
                                  evaluate(loss, other_logits, other_labels, valid))
    grad = input_gradient(MaskedSoftmaxCELoss(), logits, labels, valid)
    assert np.all(grad[0, 2:] == 0) and np.all(grad[1] == 0)
    assert np.all(np.abs(grad[0, :2]).sum(axis=-1) > 0)


def test_extreme_logits_stay_finite(evaluate):
    logits = np.array([[[1e4, -1e4, 0.0], [-1e4, 1e4, 3e3]]])
    labels = np.array([[1, 0]], "int32")
    got = evaluate(MaskedSoftmaxCELoss(), logits, labels, np.array([2], "int32"))
    np.testing.assert_allclose(got, reference(logits, labels, [2]), rtol=1e-6)
    assert np.isfinite(input_gradient(MaskedSoftmaxCELoss(), logits, labels, np.array([2], "int32"))).all()


@pytest.mark.parametrize("smoothing", [-0.1, 1.0, float("nan")])
def test_rejects_bad_smoothing(smoothing):
    with pytest.raises(ValueError, match="smoothing"):
        MaskedSoftmaxCELoss(smoothing=smoothing)
