"""The conformance kit finds the faults it exists to find, and passes correct blocks."""
import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd
from mxnet.gluon import nn

from gluonx import InputSpec
from gluonx.testing import (check_export, check_gradient, check_hybridize, check_onnx, make_inputs,
                            run_isolated)
from gluonx.testing import export as export_module
from gluonx.testing import onnx_parity


def dense(units=3):
    net = nn.Dense(units)
    net.initialize(mx.init.Xavier())
    return net


def dense_reference(net, x):
    weight, bias = net.weight.data().asnumpy(), net.bias.data().asnumpy()
    return x.asnumpy() @ weight.T + bias


class Divergent(nn.HybridBlock):
    """Computes something else once hybridized: the fault check_hybridize must catch."""

    def hybrid_forward(self, F, x):
        return x * 2 if F is mx.nd else x * 3


class WrongGradient(mx.autograd.Function):
    def forward(self, x):
        self.save_for_backward(x)
        return x * x

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad * x  # should be 2 * x


class Square(nn.Block):
    def __init__(self, function_cls, **kwargs):
        super().__init__(**kwargs)
        self.function_cls = function_cls

    def forward(self, x):
        return self.function_cls()(x)


def test_make_inputs_follow_the_spec():
    specs = [InputSpec((2, 5), low=-1, high=1), InputSpec((7, 2), dtype="int32", low=0, high=4, batch_axis=1)]
    first, tokens = make_inputs(specs, batch_size=3, seed=1)
    assert first.shape == (3, 5) and first.dtype == np.float32
    assert tokens.shape == (7, 3) and tokens.dtype == np.int32
    assert 0 <= tokens.asnumpy().min() and tokens.asnumpy().max() < 4
    again = make_inputs(specs, batch_size=3, seed=1)
    np.testing.assert_array_equal(first.asnumpy(), again[0].asnumpy())
    assert make_inputs(specs, dtype="float64")[0].dtype == np.float64


def test_check_hybridize_passes_a_correct_block_on_several_batch_sizes():
    net = dense()
    batches = [[mx.nd.random.uniform(shape=(b, 4))] for b in (2, 1, 5)]
    outputs = check_hybridize(net, batches[0], batches[1:])
    for batch, out in zip(batches, outputs):
        np.testing.assert_allclose(out[0], dense_reference(net, batch[0]), rtol=1e-5, atol=1e-6)


def test_check_hybridize_catches_divergence():
    with pytest.raises(AssertionError, match="Divergent: hybridized vs imperative"):
        check_hybridize(Divergent(), [mx.nd.ones((2, 3))])


def test_check_export_reloads_without_gluonx():
    net = dense()
    x = mx.nd.random.uniform(shape=(2, 4))
    outputs = check_export(net, [x], [[mx.nd.random.uniform(shape=(3, 4))]])
    np.testing.assert_allclose(outputs[0][0], dense_reference(net, x), rtol=1e-5, atol=1e-6)


def test_check_export_catches_a_broken_export(monkeypatch):
    original = export_module.export_block

    def corrupt(block, inputs, path):
        symbol_file, params_file = original(block, inputs, path)
        params = mx.nd.load(params_file)
        mx.nd.save(params_file, {k: v * 0 for k, v in params.items()})
        return symbol_file, params_file
    monkeypatch.setattr(export_module, "export_block", corrupt)
    with pytest.raises(AssertionError, match="exported symbol"):
        check_export(dense(), [mx.nd.ones((2, 4))])


def test_isolated_process_cannot_import_gluonx():
    with pytest.raises(AssertionError, match="deliberately not importable"):
        run_isolated("import gluonx_optim")
    with pytest.raises(AssertionError, match="deliberately not importable"):
        run_isolated("import gluonx.testing")
    assert run_isolated("import mxnet; print('ok')").stdout.strip() == "ok"


def test_check_onnx_with_dynamic_batch():
    net = dense()
    x = mx.nd.random.uniform(shape=(2, 4))
    outputs = check_onnx(net, [x], [[mx.nd.random.uniform(shape=(5, 4))]], batch_axes=[0])
    np.testing.assert_allclose(outputs[0][0], dense_reference(net, x), rtol=1e-5, atol=1e-6)
    assert outputs[1][0].shape == (5, 3)


def test_check_onnx_catches_a_mismatch(monkeypatch):
    original = onnx_parity.run_onnx
    monkeypatch.setattr(onnx_parity, "run_onnx", lambda *args: [o + 1e-2 for o in original(*args)])
    with pytest.raises(AssertionError, match="onnxruntime vs MXNet"):
        check_onnx(dense(), [mx.nd.ones((2, 4))])


def test_check_onnx_needs_batch_axes_for_other_shapes():
    with pytest.raises(ValueError, match="batch_axes"):
        check_onnx(dense(), [mx.nd.ones((2, 4))], [[mx.nd.ones((3, 4))]])


def test_check_gradient_passes_correct_layers():
    net = nn.HybridSequential()
    net.add(nn.Dense(5, activation="tanh"), nn.Dense(2))
    net.initialize(mx.init.Xavier())
    check_gradient(net, [mx.nd.random.uniform(-1, 1, shape=(3, 4))])
    assert net[0].weight.data().dtype == np.float64


def test_check_gradient_catches_a_wrong_backward():
    with pytest.raises(AssertionError, match="gradient of input 0"):
        check_gradient(Square(WrongGradient), [mx.nd.random.uniform(0.5, 1, shape=(2, 3))])


def test_check_gradient_uses_inference_mode():
    net = nn.HybridSequential()
    net.add(nn.Dense(4), nn.Dropout(0.5), nn.Dense(2))
    net.initialize()
    check_gradient(net, [mx.nd.random.uniform(shape=(2, 3))])  # dropout off: finite differences agree
    with autograd.record():
        assert autograd.is_training()


def test_make_inputs_respect_vocabulary_valid_lengths_and_axis_sizes():
    specs = [InputSpec((3, 5), dtype="int32", vocab_size=7, dynamic_axes={1: "time"}),
             InputSpec((3,), dtype="int32", low=1, length_of=(0, 1))]
    for steps in (1, 5, 40):
        tokens, lengths = make_inputs(specs, sizes={"time": steps}, seed=steps)
        assert tokens.shape == (3, steps) and tokens.dtype == np.int32
        assert 0 <= tokens.asnumpy().min() and tokens.asnumpy().max() < 7
        assert 1 <= lengths.asnumpy().min() and lengths.asnumpy().max() <= steps
    with pytest.raises(ValueError, match="needs an integer dtype"):
        InputSpec((2, 3), vocab_size=5)
    with pytest.raises(ValueError, match="batch axis"):
        InputSpec((2, 3), dynamic_axes={0: "time"})


class BakedLength(nn.HybridBlock):
    """Flattens (N, T, E) with T fixed at 5: the time axis is not really dynamic."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.embedding = nn.Embedding(7, 2)
            self.dense = nn.Dense(3, in_units=10)

    def hybrid_forward(self, F, tokens):
        return self.dense(F.reshape(self.embedding(tokens), (-1, 10)))


def test_check_entry_runs_other_sequence_lengths_and_catches_a_baked_length():
    from gluonx import ModelInfo
    from gluonx.testing import check_entry, entry_dynamic_axes, entry_inputs
    tokens = InputSpec((2, 5), dtype="int32", vocab_size=7, dynamic_axes={1: "time"})
    info = ModelInfo("baked", BakedLength, plugin="test", inputs=[tokens], onnx=True)
    inputs, more = entry_inputs(info)
    assert [tuple(batch[0].shape) for batch in more] == [(1, 5), (3, 5), (2, 2), (2, 10)]
    assert entry_dynamic_axes(info) == [[0, 1]]
    with pytest.raises(Exception):  # MXNet's own shape error at sequence length 2
        check_entry(info, checks=("hybridize",))
    # the same block passes when it does not claim a dynamic length: the failure above is the time axis
    fixed = ModelInfo("fixed", BakedLength, plugin="test", inputs=[InputSpec((2, 5), dtype="int32", vocab_size=7)],
                      onnx=True)
    assert check_entry(fixed, checks=("hybridize", "onnx")) == ["hybridize", "onnx"]
