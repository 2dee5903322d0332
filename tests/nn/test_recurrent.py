"""Leaky-integrator units, echo-state networks and skip connections through time (DL 10.8, 10.9) against
NumPy loops of the books' recurrences, gluon's built-in RNN cell, and their own state contract."""
import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon

from gluonx.nn.recurrent import (EchoStateNetwork, EchoStateReservoir, LeakyIntegratorRNN, SkipConnectionRNN,
                                 echo_state_weights)
from gluonx.testing import check_gradient, check_hybridize

RNG = np.random.RandomState(7)


def _nd(array):
    return mx.nd.array(array, dtype="float64")


def _built(layer, *inputs):
    """Initialize (random, float64), run once so deferred shapes are known, and return the layer."""
    mx.random.seed(3)
    layer.initialize(mx.init.Uniform(0.5))
    layer.cast("float64")
    layer(*inputs)
    return layer


def _np(param):
    return param.data().asnumpy()


def _activation(name, z):
    return {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0), "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
            "softrelu": lambda v: np.log1p(np.exp(v))}[name](z)


def leaky_reference(x, h, tau, W, b, U, f="tanh"):
    """DL 10.9.2: h_t = (1 - 1/tau) h_{t-1} + (1/tau) f(W x_t + U h_{t-1} + b), for (T, N, C) inputs."""
    outputs = []
    for x_t in x:
        h = (1 - 1 / tau) * h + (1 / tau) * _activation(f, x_t @ W.T + h @ U.T + b)
        outputs.append(h)
    return np.stack(outputs), h


def skip_reference(x, window, W, b, U, V, f="tanh"):
    """DL 10.9.1: h_t = f(W x_t + U h_{t-1} + V h_{t-d} + b); ``window`` = [h_{-d+1}, ..., h_0]."""
    history = list(window)
    d = len(window)
    outputs = []
    for x_t in x:
        h = _activation(f, x_t @ W.T + history[-1] @ U.T + history[-d] @ V.T + b)
        history.append(h)
        outputs.append(h)
    return np.stack(outputs), np.stack(history[-d:])


def reservoir_reference(x, h, W_in, W):
    """DL 10.8: h_t = tanh(W_in x_t + W h_{t-1})."""
    states = []
    for x_t in x:
        h = np.tanh(x_t @ W_in.T + h @ W.T)
        states.append(h)
    return np.stack(states), h


# ---------------------------------------------------------------------------------------------------------
# Leaky-integrator units

@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_leaky_units_match_the_book_recurrence(activation):
    tau = np.array([1.0, 2.0, 5.0, 30.0, 1.5])
    x, h0 = RNG.uniform(-1, 1, (6, 3, 4)), RNG.uniform(-1, 1, (3, 5))
    layer = _built(LeakyIntegratorRNN(5, seq_len=6, time_constant=tau, activation=activation), _nd(x), _nd(h0))
    outputs, last = layer(_nd(x), _nd(h0))
    want, want_last = leaky_reference(x, h0, tau, _np(layer.i2h_weight), _np(layer.i2h_bias),
                                      _np(layer.h2h_weight), activation)
    np.testing.assert_allclose(outputs.asnumpy(), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(last.asnumpy(), want_last, rtol=1e-10, atol=1e-12)


def test_leaky_units_ntc_layout_and_zero_default_state():
    x = RNG.uniform(-1, 1, (2, 4, 3))  # (N, T, C)
    layer = _built(LeakyIntegratorRNN(3, seq_len=4, time_constant=3.0, layout="NTC"), _nd(x))
    outputs, last = layer(_nd(x))
    want, want_last = leaky_reference(x.transpose(1, 0, 2), np.zeros((2, 3)), np.full(3, 3.0),
                                      _np(layer.i2h_weight), _np(layer.i2h_bias), _np(layer.h2h_weight))
    np.testing.assert_allclose(outputs.asnumpy(), want.transpose(1, 0, 2), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(last.asnumpy(), want_last, rtol=1e-10, atol=1e-12)
    check_hybridize(layer, [_nd(x)], [[_nd(x[:1])]], rtol=1e-10, atol=1e-12)


def test_leaky_units_with_unit_time_constant_are_gluons_rnn_cell():
    x, h0 = RNG.uniform(-1, 1, (5, 2, 3)), RNG.uniform(-1, 1, (2, 4))
    layer = _built(LeakyIntegratorRNN(4, seq_len=5, time_constant=1.0), _nd(x), _nd(h0))
    cell = gluon.rnn.RNNCell(4, input_size=3)
    cell.initialize()
    cell.cast("float64")
    cell.i2h_weight.set_data(layer.i2h_weight.data())
    cell.i2h_bias.set_data(layer.i2h_bias.data())
    cell.h2h_weight.set_data(layer.h2h_weight.data())
    cell.h2h_bias.set_data(mx.nd.zeros(4, dtype="float64"))
    want, want_states = cell.unroll(5, _nd(x), begin_state=[_nd(h0)], layout="TNC", merge_outputs=True)
    outputs, last = layer(_nd(x), _nd(h0))
    np.testing.assert_allclose(outputs.asnumpy(), want.asnumpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(last.asnumpy(), want_states[0].asnumpy(), rtol=1e-10, atol=1e-12)


def test_leaky_units_learned_time_constants_start_where_asked_and_train():
    tau = np.array([1.25, 3.0, 10.0])
    x, h0 = RNG.uniform(-1, 1, (4, 2, 2)), RNG.uniform(-1, 1, (2, 3))
    layer = _built(LeakyIntegratorRNN(3, seq_len=4, time_constant=tau, learn_time_constant=True),
                   _nd(x), _nd(h0))
    np.testing.assert_allclose(layer.time_constants().asnumpy(), tau, rtol=1e-6)
    outputs, _ = layer(_nd(x), _nd(h0))
    learned = layer.time_constants().asnumpy()  # tau as stored (rho was initialized in float32)
    want, _ = leaky_reference(x, h0, learned, _np(layer.i2h_weight), _np(layer.i2h_bias),
                              _np(layer.h2h_weight))
    np.testing.assert_allclose(outputs.asnumpy(), want, rtol=1e-10, atol=1e-12)
    with autograd.record():
        loss = layer(_nd(x), _nd(h0))[0].sum()
    loss.backward()
    assert np.all(layer.time_constant_offset.grad().asnumpy() != 0)
    # Any offset, however negative, keeps tau above 1 (a unit never leaks more than its state).
    layer.time_constant_offset.set_data(_nd([-50.0, 0.0, 50.0]))
    assert np.all(layer.time_constants().asnumpy() >= 1.0)


def test_leaky_units_fixed_time_constants_are_not_trained():
    layer = LeakyIntegratorRNN(3, seq_len=2, time_constant=[2.0, 3.0, 4.0])
    layer.initialize()
    layer(mx.nd.ones((2, 1, 2)))
    assert layer.time_constant.grad_req == "null"
    trainable = [name for name, p in layer.collect_params().items() if p.grad_req != "null"]
    assert not any("time_constant" in name for name in trainable)
    np.testing.assert_allclose(layer.time_constants().asnumpy(), [2.0, 3.0, 4.0])


def test_leaky_units_fixed_time_constants_gradients():
    x, h0 = RNG.uniform(-1, 1, (3, 2, 2)), RNG.uniform(-1, 1, (2, 3))
    layer = _built(LeakyIntegratorRNN(3, seq_len=3, time_constant=[1.0, 2.0, 6.0]), _nd(x), _nd(h0))
    check_gradient(layer, [_nd(x), _nd(h0)])


@pytest.mark.parametrize("kwargs, message", [
    ({"time_constant": 0.5}, ">= 1"),
    ({"time_constant": 1.0, "learn_time_constant": True}, "> 1 when learned"),
    ({"time_constant": [2.0, 3.0]}, "one per unit"),
    ({"time_constant": float("nan")}, "finite"),
    ({"activation": "swish"}, "activation must be one of"),
    ({"layout": "TCN"}, "layout must be one of"),
])
def test_leaky_units_reject_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match="LeakyIntegratorRNN") as info:
        LeakyIntegratorRNN(4, seq_len=3, **kwargs)
    assert message in str(info.value)


@pytest.mark.parametrize("hidden_size, seq_len", [(0, 3), (4, 0), (4, 2.5), (True, 3)])
def test_unrolled_layers_reject_bad_sizes(hidden_size, seq_len):
    for cls in (LeakyIntegratorRNN, SkipConnectionRNN):
        with pytest.raises(ValueError, match=cls.__name__):
            cls(hidden_size, seq_len=seq_len)


def test_unrolled_layers_name_expected_and_received_shapes():
    layer = LeakyIntegratorRNN(4, seq_len=3, input_size=2)
    layer.initialize()
    with pytest.raises(ValueError, match=r"LeakyIntegratorRNN: expected input of shape \(seq_len=3, N, "
                                         r"input_size=2\) in layout TNC, got \(5, 1, 2\)"):
        layer(mx.nd.ones((5, 1, 2)))
    with pytest.raises(ValueError, match=r"expected input .* got \(3, 1\)"):
        layer(mx.nd.ones((3, 1)))
    with pytest.raises(ValueError, match=r"expected a state of shape \(1, 4\), got \(2, 4\)"):
        layer(mx.nd.ones((3, 1, 2)), mx.nd.ones((2, 4)))
    layer.hybridize()
    with pytest.raises(ValueError, match=r"expected input of shape"):
        layer(mx.nd.ones((2, 1, 2)))


# ---------------------------------------------------------------------------------------------------------
# Echo-state networks

@pytest.mark.parametrize("radius, connectivity", [(0.9, 1.0), (1.3, 0.3)])
def test_echo_state_reservoir_has_the_requested_spectral_radius(radius, connectivity):
    reservoir = EchoStateReservoir(40, seq_len=2, input_size=3, spectral_radius=radius,
                                   connectivity=connectivity, seed=1)
    reservoir.initialize()
    weights = reservoir.reservoir_weight.data().asnumpy().astype("float64")
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(weights)).max(), radius, rtol=1e-5)
    assert reservoir.spectral_radius == pytest.approx(radius, rel=1e-10)
    if connectivity < 1:
        assert 0.15 < np.mean(weights != 0) < 0.45
    # Deterministic per seed, and re-initializing never redraws: the weights are part of the model.
    again = EchoStateReservoir(40, seq_len=2, input_size=3, spectral_radius=radius,
                               connectivity=connectivity, seed=1)
    again.initialize(mx.init.Xavier())
    np.testing.assert_array_equal(again.reservoir_weight.data().asnumpy(), weights.astype("float32"))
    reservoir.initialize(mx.init.Xavier(), force_reinit=True)
    np.testing.assert_array_equal(reservoir.reservoir_weight.data().asnumpy(), weights.astype("float32"))


def test_echo_state_network_matches_the_book_recurrence_and_readout():
    x, h0 = RNG.uniform(-1, 1, (7, 3, 2)), RNG.uniform(-1, 1, (3, 10))
    net = _built(EchoStateNetwork(10, seq_len=7, input_size=2, output_size=4, input_scale=0.5, seed=2),
                 _nd(x), _nd(h0))
    outputs, last = net(_nd(x), _nd(h0))
    states, want_last = reservoir_reference(x, h0, _np(net.reservoir.input_weight),
                                            _np(net.reservoir.reservoir_weight))
    want = states @ _np(net.readout.weight).T + _np(net.readout.bias)
    np.testing.assert_allclose(outputs.asnumpy(), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(last.asnumpy(), want_last, rtol=1e-10, atol=1e-12)
    assert np.abs(_np(net.reservoir.input_weight)).max() <= 0.5


def test_echo_state_network_trains_only_its_readout():
    net = EchoStateNetwork(12, seq_len=5, input_size=1, output_size=1, seed=0)
    net.initialize(mx.init.Xavier())
    fixed = {name: p.data().copy() for name, p in net.reservoir.collect_params().items()}
    readout = net.readout.weight.data().copy()
    assert all(p.grad_req == "null" for p in net.reservoir.collect_params().values())
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5})
    x = mx.nd.array(RNG.uniform(-1, 1, (5, 4, 1)))
    for _ in range(3):
        with autograd.record():
            loss = ((net(x)[0] - x) ** 2).mean()
        loss.backward()
        trainer.step(1)
    for name, value in fixed.items():
        np.testing.assert_array_equal(net.reservoir.collect_params()[name].data().asnumpy(), value.asnumpy())
    assert np.abs(net.readout.weight.data().asnumpy() - readout.asnumpy()).max() > 0


def test_echo_state_property_forgets_the_initial_state():
    # Below spectral radius 1 two different start states converge under the same input (DL 10.8).
    reservoir = EchoStateReservoir(30, seq_len=60, input_size=1, spectral_radius=0.8, seed=3)
    reservoir.initialize()
    x = mx.nd.array(RNG.uniform(-1, 1, (60, 1, 1)))
    first, _ = reservoir(x, mx.nd.array(RNG.uniform(-1, 1, (1, 30))))
    second, _ = reservoir(x, mx.nd.array(RNG.uniform(-1, 1, (1, 30))))
    gap = np.abs(first.asnumpy() - second.asnumpy()).max(axis=(1, 2))
    assert gap[0] > 1e-2 and gap[-1] < 1e-4 * gap[0]


def test_echo_state_arguments_are_checked():
    with pytest.raises(ValueError, match="EchoStateReservoir: input_size must be given"):
        EchoStateReservoir(10, seq_len=3, input_size=0)
    with pytest.raises(ValueError, match=r"EchoStateReservoir: spectral_radius must be a number in \(0"):
        EchoStateReservoir(10, seq_len=3, input_size=2, spectral_radius=0)
    with pytest.raises(ValueError, match=r"connectivity must be a number in \(0, 1.0\]"):
        EchoStateReservoir(10, seq_len=3, input_size=2, connectivity=1.5)
    with pytest.raises(ValueError, match="spectral radius 0"):
        echo_state_weights(1, 1, connectivity=1e-9, seed=0)
    net = EchoStateNetwork(6, seq_len=3, input_size=2, output_size=1, seed=0)
    net.initialize()
    net.hybridize()
    with pytest.raises(ValueError, match=r"EchoStateReservoir: expected input of shape \(seq_len=3, N, "
                                         r"input_size=2\) in layout TNC, got \(3, 1, 5\)"):
        net(mx.nd.ones((3, 1, 5)))


# ---------------------------------------------------------------------------------------------------------
# Skip connections through time

@pytest.mark.parametrize("seq_len, delay", [(6, 2), (6, 3), (2, 4)])
def test_skip_connections_match_the_book_recurrence(seq_len, delay):
    x, window = RNG.uniform(-1, 1, (seq_len, 3, 2)), RNG.uniform(-1, 1, (delay, 3, 4))
    layer = _built(SkipConnectionRNN(4, seq_len=seq_len, delay=delay), _nd(x), _nd(window))
    outputs, new_window = layer(_nd(x), _nd(window))
    want, want_window = skip_reference(x, window, _np(layer.i2h_weight), _np(layer.i2h_bias),
                                       _np(layer.h2h_weight), _np(layer.skip_weight))
    np.testing.assert_allclose(outputs.asnumpy(), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(new_window.asnumpy(), want_window, rtol=1e-10, atol=1e-12)
    if seq_len >= delay:
        np.testing.assert_array_equal(new_window.asnumpy(), outputs.asnumpy()[-delay:])


def test_skip_connections_reject_delay_one():
    with pytest.raises(ValueError, match=r"SkipConnectionRNN: delay must be an integer >= 2, got 1"):
        SkipConnectionRNN(4, seq_len=3, delay=1)


# ---------------------------------------------------------------------------------------------------------
# The state contract shared by all three: two chunks with the state carried = one long sequence

@pytest.mark.parametrize("make", [
    lambda T, **kw: LeakyIntegratorRNN(4, seq_len=T, time_constant=[1.0, 2.0, 4.0, 8.0], input_size=2, **kw),
    lambda T, **kw: SkipConnectionRNN(4, seq_len=T, delay=3, input_size=2, **kw),
    lambda T, **kw: EchoStateNetwork(4, seq_len=T, input_size=2, output_size=3, seed=5, **kw),
], ids=["leaky", "skip", "echo_state"])
def test_chunked_run_with_carried_state_equals_one_long_run(make):
    long_layer = make(6)
    long_layer.initialize(mx.init.Xavier())
    chunk_layer = make(3, params=long_layer.collect_params())  # the same parameters, unrolled over 3 steps
    x = mx.nd.array(RNG.uniform(-1, 1, (6, 2, 2)))
    want, want_state = long_layer(x)
    chunk_layer.hybridize(static_alloc=True, static_shape=True)
    first, state = chunk_layer(x[:3], chunk_layer.begin_state(2))
    second, state = chunk_layer(x[3:], state)
    np.testing.assert_allclose(np.concatenate([first.asnumpy(), second.asnumpy()]), want.asnumpy(),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(state.asnumpy(), want_state.asnumpy(), rtol=1e-5, atol=1e-6)
