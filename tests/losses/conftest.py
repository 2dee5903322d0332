"""Helpers of the loss tests: run a loss imperatively or hybridized, and take its input gradients."""
import mxnet as mx
import numpy as np
import pytest


def as_nd(array):
    """float arrays become float32 NDArrays, integer arrays keep their dtype."""
    array = np.asarray(array)
    dtype = "float32" if np.issubdtype(array.dtype, np.floating) else array.dtype
    return mx.nd.array(array, dtype=dtype)


@pytest.fixture(params=[False, True], ids=["imperative", "hybridized"])
def evaluate(request):
    """``evaluate(loss, *arrays)``: the loss's output as NumPy, imperatively and hybridized (static)."""
    def run(loss, *arrays):
        if request.param:
            loss.hybridize(static_alloc=True, static_shape=True)
        return loss(*[as_nd(a) for a in arrays]).asnumpy()
    return run


def input_gradient(loss, *arrays, wrt=0):
    """Gradient of ``sum(loss(*arrays))`` with respect to input ``wrt``, as NumPy."""
    inputs = [as_nd(a) for a in arrays]
    inputs[wrt].attach_grad()
    with mx.autograd.record():
        total = loss(*inputs).sum()
    total.backward()
    return inputs[wrt].grad.asnumpy()


def log_softmax(logits):
    """Stable NumPy log-softmax over the last axis, in float64."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softplus(x):
    """log(1 + exp(x)) in float64, stable for any x."""
    return np.logaddexp(0.0, np.asarray(x, dtype=np.float64))
