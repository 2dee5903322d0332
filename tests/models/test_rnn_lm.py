"""RNN language models and the bidirectional encoder against a NumPy loop of the books' recurrences, plus
weight tying, state shapes, step-wise inference (also of the exported symbol) and dropout."""
import os

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd

import gluonx
from gluonx.models.rnn_lm import (LANGUAGE_MODEL_PRESETS, BidirectionalRNNEncoder, RNNLanguageModel, gru_lm,
                                  tied_lstm_lm)

V, E, H, T, N = 13, 6, 6, 5, 3
RNG = np.random.RandomState(11)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _cell(mode, x, h, c, Wi, Wh, bi, bh):
    """One step of MXNet's (cuDNN-convention) cells; gate order i,f,g,o (LSTM) and r,z,n (GRU)."""
    if mode == "lstm":
        i, f, g, o = np.split(x @ Wi.T + bi + h @ Wh.T + bh, 4, axis=-1)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        return _sigmoid(o) * np.tanh(c), c
    if mode == "gru":
        xr, xz, xn = np.split(x @ Wi.T + bi, 3, axis=-1)
        hr, hz, hn = np.split(h @ Wh.T + bh, 3, axis=-1)
        r, z = _sigmoid(xr + hr), _sigmoid(xz + hz)
        # Reset gate after the recurrent product (cuDNN's variant; D2L 6.7 applies it before).
        n = np.tanh(xn + r * hn)
        return (1 - z) * n + z * h, c
    act = np.tanh if mode == "rnn_tanh" else (lambda v: np.maximum(v, 0))
    return act(x @ Wi.T + bi + h @ Wh.T + bh), c


def _params(layer, name):
    return getattr(layer, name).data().asnumpy().astype("float64")


def rnn_reference(rnn_layer, mode, inputs, h0, c0, num_layers, directions=1):
    """Deep (and bidirectional) recurrence in NumPy with the weights of a gluon RNN layer (D2L 6.9, 6.10)."""
    x = inputs
    hs, cs = [], []
    for layer in range(num_layers):
        outputs = []
        for d, side in enumerate("lr"[:directions]):
            k = layer * directions + d
            weights = [_params(rnn_layer, "{}{}_{}".format(side, layer, n))
                       for n in ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias")]
            h, c = h0[k], c0[k]
            steps = range(len(x)) if side == "l" else reversed(range(len(x)))
            out = [None] * len(x)
            for t in steps:
                h, c = _cell(mode, x[t], h, c, *weights)
                out[t] = h
            outputs.append(np.stack(out))
            hs.append(h)
            cs.append(c)
        x = np.concatenate(outputs, axis=-1)
    return x, np.stack(hs), np.stack(cs)


def _tokens(steps=T, batch=N):
    return mx.nd.array(RNG.randint(0, V, (steps, batch)), dtype="int32")


def _states(model, batch=N):
    return [mx.nd.array(RNG.uniform(-1, 1, model.state_shape(batch))) for _ in range(model.num_states)]


def _model(mode="gru", num_layers=2, tie_weights=False, dropout=0.0, cls=RNNLanguageModel, **kwargs):
    mx.random.seed(1)
    if cls is RNNLanguageModel:
        kwargs["tie_weights"] = tie_weights
    model = cls(V, embed_size=E, hidden_size=H, num_layers=num_layers, mode=mode, dropout=dropout, **kwargs)
    model.initialize(mx.init.Xavier())
    return model


@pytest.mark.parametrize("mode", ["rnn_tanh", "rnn_relu", "gru", "lstm"])
@pytest.mark.parametrize("tie_weights", [False, True], ids=["untied", "tied"])
def test_language_model_matches_numpy_recurrence(mode, tie_weights):
    model = _model(mode, num_layers=2, tie_weights=tie_weights)
    tokens, states = _tokens(), _states(model)
    logits, *new_states = model(tokens, *states)
    embedded = _params(model.embedding, "weight")[tokens.asnumpy()]
    h0 = states[0].asnumpy().astype("float64")
    c0 = states[1].asnumpy().astype("float64") if mode == "lstm" else np.zeros_like(h0)
    features, h, c = rnn_reference(model.rnn, mode, embedded, h0, c0, num_layers=2)
    decoder = _params(model.embedding if tie_weights else model, "weight" if tie_weights else "decoder_weight")
    want = features @ decoder.T + _params(model, "decoder_bias")
    np.testing.assert_allclose(logits.asnumpy(), want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(new_states[0].asnumpy(), h, rtol=1e-4, atol=1e-5)
    if mode == "lstm":
        np.testing.assert_allclose(new_states[1].asnumpy(), c, rtol=1e-4, atol=1e-5)
    assert len(new_states) == model.num_states


@pytest.mark.parametrize("mode", ["gru", "lstm"])
def test_bidirectional_encoder_matches_numpy_recurrence(mode):
    encoder = _model(mode, num_layers=2, cls=BidirectionalRNNEncoder)
    tokens, states = _tokens(), _states(encoder)
    features, *new_states = encoder(tokens, *states)
    assert features.shape == (T, N, 2 * H)
    assert all(s.shape == (2 * 2, N, H) for s in new_states)
    embedded = _params(encoder.embedding, "weight")[tokens.asnumpy()]
    h0 = states[0].asnumpy().astype("float64")
    c0 = states[1].asnumpy().astype("float64") if mode == "lstm" else np.zeros_like(h0)
    want, h, _ = rnn_reference(encoder.rnn, mode, embedded, h0, c0, num_layers=2, directions=2)
    np.testing.assert_allclose(features.asnumpy(), want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(new_states[0].asnumpy(), h, rtol=1e-4, atol=1e-5)


def test_bidirectional_features_see_past_and_future():
    encoder = _model("gru", num_layers=1, cls=BidirectionalRNNEncoder)
    tokens = _tokens()
    changed = tokens.copy()
    changed[2] = (changed[2] + 1) % V
    before, after = encoder(tokens)[0].asnumpy(), encoder(changed)[0].asnumpy()
    moved = np.abs(before - after).max(axis=(1,))  # (T, 2H): which steps and halves changed
    forward, backward = moved[:, :H], moved[:, H:]
    assert np.all(forward[:2] == 0) and np.all(forward[2:].max(axis=1) > 0)  # forward half: past only
    assert np.all(backward[3:] == 0) and np.all(backward[:3].max(axis=1) > 0)  # backward half: future only


def test_tied_weights_are_one_parameter():
    tied, untied = _model(tie_weights=True), _model(tie_weights=False)
    assert tied.decoder_weight is tied.embedding.weight
    tied_names, untied_names = set(tied.collect_params().keys()), set(untied.collect_params().keys())
    assert len(untied_names) == len(tied_names) + 1
    assert not any(name.endswith("decoder_weight") for name in tied_names)
    # Both uses of the shared matrix add into its one gradient: it differs from the embedding-only one.
    tokens = _tokens()
    with autograd.record():
        loss = tied(tokens)[0].sum()
    loss.backward()
    grad = tied.embedding.weight.grad().asnumpy()
    unused_rows = np.setdiff1d(np.arange(V), tokens.asnumpy())
    assert len(unused_rows) and np.abs(grad[unused_rows]).max() > 0  # rows reached only through the output


def test_tying_needs_equal_hidden_and_embedding_sizes():
    with pytest.raises(ValueError, match=r"RNNLanguageModel: tie_weights=True .* hidden_size must equal "
                                         r"embed_size=8, got hidden_size=6"):
        RNNLanguageModel(V, embed_size=8, hidden_size=6, tie_weights=True)


@pytest.mark.parametrize("mode, num_layers, states", [("rnn_tanh", 1, 1), ("gru", 3, 1), ("lstm", 2, 2)])
def test_state_shapes(mode, num_layers, states):
    model = _model(mode, num_layers=num_layers)
    begin = model.begin_state(4)
    assert [s.shape for s in begin] == [(num_layers, 4, H)] * states
    logits, *new_states = model(_tokens(batch=4), *begin)
    assert logits.shape == (T, 4, V)
    assert [s.shape for s in new_states] == [(num_layers, 4, H)] * states
    # Omitted states start at zero.
    np.testing.assert_allclose(model(_tokens(batch=4))[0].asnumpy().shape, (T, 4, V))


def _stepwise(model, tokens, states):
    logits = []
    for t in range(tokens.shape[0]):
        out = model(tokens[t:t + 1], *states)
        logits.append(out[0].asnumpy())
        states = list(out[1:])
    return np.concatenate(logits), [s.asnumpy() for s in states]


@pytest.mark.parametrize("mode", ["gru", "lstm"])
def test_stepwise_inference_equals_full_sequence(mode):
    model = _model(mode, num_layers=2, dropout=0.3)
    tokens, states = _tokens(), _states(model)
    full, *full_states = model(tokens, *states)
    model.hybridize(static_alloc=True, static_shape=True)
    logits, last = _stepwise(model, tokens, states)
    np.testing.assert_allclose(logits, full.asnumpy(), rtol=1e-5, atol=1e-6)
    for got, want in zip(last, full_states):
        np.testing.assert_allclose(got, want.asnumpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.filterwarnings("ignore:Cannot decide type")  # int32 token input of SymbolBlock.imports
def test_exported_symbol_runs_step_by_step(tmp_path):
    model = _model("lstm", num_layers=2, tie_weights=True, dropout=0.2)
    tokens, states = _tokens(), _states(model)
    full, *full_states = model(tokens, *states)
    model.hybridize(static_alloc=True, static_shape=True)
    model(tokens[:1], *states)
    prefix = str(tmp_path / "lm")
    model.export(prefix)
    names = ["data0", "data1", "data2"]
    with open(prefix + "-symbol.json") as handle:
        assert "dropout" in handle.read().lower()  # dropout is in the graph, identity at inference
    params = mx.nd.load(prefix + "-0000.params")
    assert sum(key.endswith("embedding0_weight") for key in params) == 1
    assert not any(key.endswith("decoder_weight") for key in params)
    loaded = mx.gluon.SymbolBlock.imports(prefix + "-symbol.json", names, prefix + "-0000.params")
    logits, last = _stepwise(loaded, tokens, states)
    np.testing.assert_allclose(logits, full.asnumpy(), rtol=1e-5, atol=1e-6)
    for got, want in zip(last, full_states):
        np.testing.assert_allclose(got, want.asnumpy(), rtol=1e-5, atol=1e-6)
    assert os.path.getsize(prefix + "-symbol.json") < 50000


def test_dropout_is_active_in_training_only():
    model = _model("gru", num_layers=2, dropout=0.5)
    tokens = _tokens()
    first, second = model(tokens)[0].asnumpy(), model(tokens)[0].asnumpy()
    np.testing.assert_array_equal(first, second)
    with autograd.train_mode():
        training = model(tokens)[0].asnumpy()
    assert np.abs(training - first).max() > 1e-3
    model.hybridize(static_alloc=True, static_shape=True)
    np.testing.assert_allclose(model(tokens)[0].asnumpy(), first, rtol=1e-5, atol=1e-6)


def test_bad_inputs_name_the_model_expected_and_received():
    model = _model("lstm", num_layers=2)
    with pytest.raises(ValueError, match=r"RNNLanguageModel: expected token ids of shape \(T, N\), got "
                                         r"\(5, 3, 1\)"):
        model(mx.nd.zeros((5, 3, 1)))
    with pytest.raises(ValueError, match=r"mode 'lstm' takes 2 state array\(s\), got 1"):
        model(_tokens(), model.begin_state(N)[0])
    with pytest.raises(ValueError, match=r"expected state 1 of shape \(2, 3, 6\) .* got \(2, 4, 6\)"):
        model(_tokens(), model.begin_state(N)[0], model.begin_state(4)[1])
    model.hybridize()
    with pytest.raises(ValueError, match=r"expected token ids of shape"):
        model(mx.nd.zeros((5,)))


@pytest.mark.parametrize("kwargs, message", [
    ({"mode": "elman"}, "mode must be one of"),
    ({"num_layers": 0}, "num_layers must be a positive integer"),
    ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match="RNNLanguageModel: " + message):
        RNNLanguageModel(V, **kwargs)


def test_presets_are_registered_and_build_their_architecture():
    for name, (cls, architecture) in LANGUAGE_MODEL_PRESETS.items():
        info = gluonx.get_model_info(name)
        assert info.factory == "gluonx.models.rnn_lm:" + name
        model = gluonx.get_model(name, vocab_size=V, embed_size=E, hidden_size=H, num_layers=1)
        assert type(model) is cls
        assert model._mode == architecture["mode"]
        if cls is RNNLanguageModel:
            assert model.tie_weights is architecture.get("tie_weights", False)
    assert gru_lm(V, embed_size=E, hidden_size=H)._mode == "gru"
    assert tied_lstm_lm(V, embed_size=E, hidden_size=E).tie_weights
    assert gluonx.get_model("rnn_lm", vocab_size=V, embed_size=E, hidden_size=E, tie_weights=True).tie_weights
    encoder = gluonx.get_model("birnn_encoder", vocab_size=V, embed_size=E, hidden_size=H, mode="gru")
    assert type(encoder) is BidirectionalRNNEncoder and encoder._mode == "gru"
    with pytest.raises(TypeError, match=r"tied_lstm_lm: \['mode'\] fixed by the preset"):
        tied_lstm_lm(V, mode="gru")
