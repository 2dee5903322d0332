"""The BERT-style encoder (D2L 14.8, English edition): one block equals a NumPy Transformer encoder block, valid
positions do not depend on padding, and the heads have the book's shapes."""
import numpy as np
import pytest

import gluonx

mx = pytest.importorskip("mxnet")


def _net():
    mx.random.seed(0)
    net = gluonx.get_model("bert_encoder", vocab_size=30, units=8, hidden_size=16, num_heads=2, num_layers=2,
                           max_length=20, dropout=0.0)
    net.initialize(mx.init.Xavier())
    return net


def _layer_norm(x, gamma, beta):
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5) * gamma + beta


def _dense(layer, x):
    return x @ layer.weight.data().asnumpy().T + layer.bias.data().asnumpy()


def test_first_block_equals_numpy_transformer_block():
    net = _net()
    rng = np.random.RandomState(0)
    tokens, segments, length = rng.randint(0, 30, (1, 5)), rng.randint(0, 2, (1, 5)), 4
    x = (net.token_embedding.weight.data().asnumpy()[tokens[0]] + net.segment_embedding.weight.data().asnumpy()[
        segments[0]] + net.position_embedding.weight.data().asnumpy()[:5])                     # (T, units)
    block = net.blocks[0]
    attention = block.attention
    q, k, v = (_dense(p, x) for p in (attention.query_projection, attention.key_projection,
                                      attention.value_projection))
    heads = []
    for h in range(2):
        part = slice(4 * h, 4 * h + 4)
        scores = q[:, part] @ k[:, part].T / 2.0
        scores[:, length:] = -np.inf                                                          # masked keys
        weights = np.exp(scores - scores.max(1, keepdims=True))
        heads.append((weights / weights.sum(1, keepdims=True)) @ v[:, part])
    attended = _dense(attention.output_projection, np.concatenate(heads, 1))
    y = _layer_norm(x + attended, block.norm1.gamma.data().asnumpy(), block.norm1.beta.data().asnumpy())
    ffn = _dense(block.ffn_output, np.maximum(_dense(block.ffn_hidden, y), 0))
    expected = _layer_norm(y + ffn, block.norm2.gamma.data().asnumpy(), block.norm2.beta.data().asnumpy())
    embedded = (net.token_embedding(mx.nd.array(tokens)) + net.segment_embedding(mx.nd.array(segments))
                + net.position_embedding(mx.nd.arange(5)).expand_dims(0))
    got = block(embedded, mx.nd.array([length])).asnumpy()[0]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("hybridize", [False, True])
def test_valid_positions_do_not_depend_on_padding(hybridize):
    net = _net()
    if hybridize:
        net.hybridize(static_alloc=True, static_shape=True)
    rng = np.random.RandomState(1)
    tokens, segments, lengths = rng.randint(0, 30, (2, 6)), rng.randint(0, 2, (2, 6)), np.array([4, 6])
    encoded, mlm, nsp = net(mx.nd.array(tokens), mx.nd.array(segments), mx.nd.array(lengths))
    assert encoded.shape == (2, 6, 8) and mlm.shape == (2, 6, 30) and nsp.shape == (2, 2)
    padded_tokens = np.concatenate([tokens, rng.randint(0, 30, (2, 5))], 1)
    padded_segments = np.concatenate([segments, rng.randint(0, 2, (2, 5))], 1)
    again = net(mx.nd.array(padded_tokens), mx.nd.array(padded_segments), mx.nd.array(lengths))
    for row, length in enumerate(lengths):
        np.testing.assert_allclose(again[1].asnumpy()[row, :length], mlm.asnumpy()[row, :length], rtol=1e-5,
                                   atol=1e-5)
    np.testing.assert_allclose(again[2].asnumpy(), nsp.asnumpy(), rtol=1e-5, atol=1e-5)
