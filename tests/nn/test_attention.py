"""Attention (D2L 10.11): masked softmax, dot-product, additive and multi-head attention against NumPy."""
import os

import mxnet as mx
import numpy as np
import pytest

import gluonx
from gluonx.nn import AdditiveAttention, DotProductAttention, MultiHeadAttention, masked_softmax
from gluonx.testing import build_entry, export_block, flatten_outputs, make_inputs, run_onnx

B, TQ, TK, D, DV = 3, 4, 6, 8, 5
VALID_LENS = [2, 6, 1]


def softmax_reference(scores, valid_lens):
    """Softmax over the last axis; keys at positions >= valid_lens[b] are excluded (weight 0)."""
    keep = np.arange(scores.shape[-1]) < np.asarray(valid_lens).reshape((-1,) + (1,) * (scores.ndim - 1))
    scores = np.where(keep, scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return weights / weights.sum(axis=-1, keepdims=True)


def dot_product_reference(q, k, v, valid_lens):
    weights = softmax_reference(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]), valid_lens)
    return weights @ v, weights


def _inputs(dq=D, seed=0):
    rng = np.random.RandomState(seed)
    return tuple(rng.uniform(-1, 1, size=shape).astype("float32") for shape in ((B, TQ, dq), (B, TK, D), (B, TK, DV)))


def _run(block, arrays, valid_lens, hybridize, lens_dtype="int32"):
    block.initialize(mx.init.Uniform(0.5))
    if hybridize:
        block.hybridize(static_alloc=True, static_shape=True)
    args = [mx.nd.array(a) for a in arrays]
    if valid_lens is not None:
        args.append(mx.nd.array(valid_lens, dtype=lens_dtype))
    output, weights = block(*args)
    return output.asnumpy(), weights.asnumpy()


def _dense(layer):
    weight = layer.weight.data().asnumpy()
    bias = layer.bias.data().asnumpy() if layer.bias is not None else 0
    return lambda x: x @ weight.T + bias


@pytest.mark.parametrize("hybridize", [False, True])
@pytest.mark.parametrize("lens_dtype", ["int32", "float32"])
def test_dot_product_attention_matches_numpy_with_masking(hybridize, lens_dtype):
    q, k, v = _inputs()
    output, weights = _run(DotProductAttention(return_weights=True), (q, k, v), VALID_LENS, hybridize, lens_dtype)
    want_output, want_weights = dot_product_reference(q, k, v, VALID_LENS)
    np.testing.assert_allclose(weights, want_weights, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(output, want_output, rtol=1e-5, atol=1e-6)
    for b, length in enumerate(VALID_LENS):
        assert np.all(weights[b, :, length:] == 0.0)     # exactly zero, not merely small
    np.testing.assert_allclose(weights.sum(axis=-1), 1, rtol=1e-6)


def test_without_valid_lens_every_key_counts():
    q, k, v = _inputs()
    output, weights = _run(DotProductAttention(return_weights=True), (q, k, v), None, hybridize=True)
    want_output, want_weights = dot_product_reference(q, k, v, [TK] * B)
    np.testing.assert_allclose(weights, want_weights, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(output, want_output, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("hybridize", [False, True])
def test_additive_attention_matches_numpy(hybridize):
    q, k, v = _inputs(dq=7)
    block = AdditiveAttention(units=6, return_weights=True)
    output, weights = _run(block, (q, k, v), VALID_LENS, hybridize)
    w_v = block.score.weight.data().asnumpy()[0]
    features = np.tanh(_dense(block.query_projection)(q)[:, :, None, :] + _dense(block.key_projection)(k)[:, None])
    want_weights = softmax_reference(features @ w_v, VALID_LENS)
    np.testing.assert_allclose(weights, want_weights, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(output, want_weights @ v, rtol=1e-5, atol=1e-6)
    assert weights[2, :, 1:].max() == 0.0


@pytest.mark.parametrize("hybridize", [False, True])
def test_multi_head_attention_matches_numpy_with_the_same_weights(hybridize):
    q, k, _ = _inputs()
    v = np.random.RandomState(5).uniform(-1, 1, size=(B, TK, 6)).astype("float32")
    heads, units = 2, 8
    block = MultiHeadAttention(units=units, num_heads=heads, use_bias=True, return_weights=True)
    output, weights = _run(block, (q, k, v), VALID_LENS, hybridize)

    def split(x):  # (B, T, units) -> (B, heads, T, units / heads)
        return x.reshape(x.shape[0], x.shape[1], heads, -1).transpose(0, 2, 1, 3)

    per_head, want_weights = dot_product_reference(split(_dense(block.query_projection)(q)),
                                                   split(_dense(block.key_projection)(k)),
                                                   split(_dense(block.value_projection)(v)), VALID_LENS)
    merged = per_head.transpose(0, 2, 1, 3).reshape(B, TQ, units)
    np.testing.assert_allclose(weights, want_weights, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(output, _dense(block.output_projection)(merged), rtol=1e-5, atol=1e-5)
    assert weights.shape == (B, heads, TQ, TK) and weights[0, :, :, 2:].max() == 0.0


def test_masked_softmax_on_symbols_and_rank_four_scores():
    scores = np.random.RandomState(3).normal(size=(2, 3, 4, 5)).astype("float32")
    lens = [5, 3]
    data, lengths = mx.sym.var("scores"), mx.sym.var("lens")
    graph = masked_softmax(mx.sym, data, lengths, rank=4)
    got = graph.eval(scores=mx.nd.array(scores), lens=mx.nd.array(lens))[0].asnumpy()
    np.testing.assert_allclose(got, softmax_reference(scores, lens), rtol=1e-5, atol=1e-6)


def test_dropout_acts_on_the_weights_only_in_training():
    q, k, v = (mx.nd.array(a) for a in _inputs())
    block = DotProductAttention(dropout=0.5)
    block.initialize()
    block.hybridize()
    lens = mx.nd.array(VALID_LENS)
    np.testing.assert_allclose(block(q, k, v, lens).asnumpy(),
                               dot_product_reference(*_inputs(), VALID_LENS)[0], rtol=1e-5, atol=1e-6)
    with mx.autograd.train_mode():
        assert not np.allclose(block(q, k, v, lens).asnumpy(), block(q, k, v, lens).asnumpy())


def _onnx_parity(name, directory):
    """Export as the kit does, but give mx.onnx the shapes in the graph's input order (it binds them so)."""
    info = gluonx.get_block_info(name)
    block = build_entry(info)
    inputs = make_inputs(info.inputs)
    symbol_file, params_file = export_block(block, inputs, os.path.join(directory, "model"))
    names = ["data%d" % i for i in range(len(inputs))]
    order = [names.index(n) for n in mx.sym.load(symbol_file).list_inputs() if n in names]
    mx.onnx.export_model(symbol_file, params_file, in_shapes=[inputs[i].shape for i in order],
                         in_types=[np.dtype(inputs[i].dtype) for i in order],
                         onnx_file_path=os.path.join(directory, "model.onnx"))
    got = run_onnx(os.path.join(directory, "model.onnx"), inputs)
    for have, want in zip(got, flatten_outputs(block(*inputs))):
        np.testing.assert_allclose(have, want, rtol=1e-4, atol=1e-5)


@pytest.mark.filterwarnings("ignore:Cannot decide type")   # SymbolBlock.imports on any multi-input graph
def test_export_with_float_valid_lens_reloads(tmp_path):
    # The conformance kit exports with int32 lengths in a fresh process; float lengths must load too.
    block = MultiHeadAttention(units=8, num_heads=2)
    block.initialize()
    block.hybridize(static_alloc=True, static_shape=True)
    arrays = [mx.nd.array(a) for a in _inputs()[:2]] + [mx.nd.array(_inputs()[1]), mx.nd.array(VALID_LENS)]
    want = block(*arrays).asnumpy()
    block.export(str(tmp_path / "attention"))
    loaded = mx.gluon.SymbolBlock.imports(str(tmp_path / "attention-symbol.json"), ["data0", "data1", "data2", "data3"],
                                          str(tmp_path / "attention-0000.params"))
    np.testing.assert_allclose(loaded(*arrays).asnumpy(), want, rtol=1e-6)


@pytest.mark.parametrize("name", ["dot_product_attention", "additive_attention", "multi_head_attention"])
def test_onnx_parity(name, tmp_path):
    _onnx_parity(name, str(tmp_path))


@pytest.mark.parametrize("shapes, lens_shape, match", [
    (((B, D), (B, TK, D), (B, TK, DV)), (B,), r"queries of shape \(batch, steps, features\), got shape \(3, 8\)"),
    (((B, TQ, D), (B, TK, D), (B, TK + 1, DV)), (B,),
     r".* with the same batch and number of keys, got shapes \(3, 4, 8\), \(3, 6, 8\), \(3, 7, 5\)"),
    (((B, TQ, 4), (B, TK, D), (B, TK, DV)), (B,), r"queries and keys of the same feature size"),
    (((B, TQ, D), (B, TK, D), (B, TK, DV)), (B, 1), r"valid_lens of shape \(3,\) \(one length per example\), "
                                                    r"got shape \(3, 1\)"),
])
def test_bad_input_shapes_are_reported_with_expected_and_received(shapes, lens_shape, match):
    block = DotProductAttention()
    block.hybridize()
    with pytest.raises(ValueError, match="DotProductAttention expects " + match):
        block(*[mx.nd.ones(s) for s in shapes], mx.nd.ones(lens_shape))


def test_bad_arguments_name_the_block():
    with pytest.raises(ValueError, match=r"MultiHeadAttention: units \(10\) must be divisible by num_heads \(4\)"):
        MultiHeadAttention(10, 4)
    with pytest.raises(ValueError, match="AdditiveAttention: units must be an integer >= 1, got 0"):
        AdditiveAttention(0)
    with pytest.raises(ValueError, match=r"DotProductAttention: dropout must be a number in \[0, 1\), got 1"):
        DotProductAttention(dropout=1)
    block = AdditiveAttention(4, query_units=3, key_units=D)
    block.initialize()
    with pytest.raises(ValueError, match=r"AdditiveAttention expects queries with 3 features, got shape \(3, 4, 8\)"):
        block(*[mx.nd.ones(s) for s in ((B, TQ, D), (B, TK, D), (B, TK, DV))])
