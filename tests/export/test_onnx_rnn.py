"""The core's ONNX converters of the fused ``RNN`` operator and of ``SequenceReverse``: onnxruntime matches MXNet
on every layout (modes, 1-3 layers, one or two directions, input size different from the hidden size), at other
batch sizes and sequence lengths of one exported file. MXNet 1.9.1's own RNN converter fails or is silently wrong
on most of these cases (see ``gluonx/deploy/onnx_rnn.py``)."""
import numpy as np
import pytest

mx = pytest.importorskip("mxnet")
pytest.importorskip("onnxruntime")

from mxnet.gluon import rnn  # noqa: E402

from gluonx.deploy.onnx_rnn import CONVERTERS, GATE_ORDER  # noqa: E402
from gluonx.testing import check_onnx  # noqa: E402

_LAYERS = {"lstm": rnn.LSTM, "gru": rnn.GRU, "rnn_tanh": rnn.RNN, "rnn_relu": rnn.RNN}

# (mode, layers, bidirectional, input size, hidden size)
CASES = [("lstm", 2, False, 5, 3),      # MXNet's converter: outputs silently wrong
         ("gru", 2, False, 5, 3),       # MXNet's converter: onnxruntime refuses the weights
         ("rnn_relu", 2, False, 5, 3),
         ("rnn_tanh", 1, True, 4, 3),   # MXNet's converter: refused (bidirectional non-LSTM)
         ("gru", 3, True, 5, 4),        # refused (3 layers)
         ("lstm", 2, True, 3, 4),       # refused (bidirectional, 2 layers)
         ("lstm", 1, False, 4, 4)]


def test_every_mode_has_a_case():
    assert {case[0] for case in CASES} == set(GATE_ORDER)


class Recurrent(mx.gluon.HybridBlock):
    """One gluon RNN layer called with explicit states, returning the sequence and the final states."""

    def __init__(self, mode, layers, bidirectional, input_size, hidden, **kwargs):
        super().__init__(**kwargs)
        extra = {"activation": mode[4:]} if mode.startswith("rnn_") else {}
        with self.name_scope():
            self.layer = _LAYERS[mode](hidden, num_layers=layers, bidirectional=bidirectional, input_size=input_size,
                                       **extra)

    def hybrid_forward(self, F, x, *states):
        out, new_states = self.layer(x, list(states))
        return (out,) + tuple(new_states)


@pytest.mark.parametrize("mode, layers, bidirectional, input_size, hidden", CASES,
                         ids=["{}-{}l-{}-i{}h{}".format(m, n, "bi" if b else "uni", i, h) for m, n, b, i, h in CASES])
def test_onnxruntime_matches_the_rnn_operator(mode, layers, bidirectional, input_size, hidden):
    mx.random.seed(0)
    net = Recurrent(mode, layers, bidirectional, input_size, hidden)
    net.initialize(mx.init.Uniform(0.5))
    rng = np.random.RandomState(1)
    directions = 2 if bidirectional else 1

    def inputs(steps, batch):
        x = rng.uniform(-1, 1, (steps, batch, input_size)).astype("float32")
        states = [rng.uniform(-1, 1, (layers * directions, batch, hidden)).astype("float32")
                  for _ in range(2 if mode == "lstm" else 1)]
        return [x] + states

    outputs = check_onnx(net, inputs(4, 2), [inputs(7, 3), inputs(1, 1)],
                         dynamic_axes=[[0, 1]] + [[1]] * (2 if mode == "lstm" else 1))
    assert outputs[1][0].shape == (7, 3, directions * hidden)


class Reverse(mx.gluon.HybridBlock):
    def __init__(self, with_lengths, **kwargs):
        super().__init__(**kwargs)
        self._with_lengths = with_lengths

    def hybrid_forward(self, F, x, lengths):
        if self._with_lengths:
            return F.SequenceReverse(x, lengths, use_sequence_length=True)
        return F.broadcast_add(F.SequenceReverse(x), F.sum(lengths) * 0)  # lengths unused, still an input


@pytest.mark.parametrize("with_lengths", [True, False])
def test_sequence_reverse_matches_numpy(with_lengths):
    assert "SequenceReverse" in CONVERTERS
    x = np.arange(5 * 3 * 2, dtype="float32").reshape(5, 3, 2)
    lengths = np.array([5, 2, 1], dtype="float32")
    net = Reverse(with_lengths)
    net.initialize()
    got = check_onnx(net, [x, lengths], [[x[:4, :2], np.array([3, 4], "float32")]], dynamic_axes=[[0, 1], [0]])
    expected = x[::-1].copy()
    if with_lengths:
        expected = x.copy()
        for column, length in enumerate(lengths.astype(int)):
            expected[:length, column] = x[:length, column][::-1]
    np.testing.assert_array_equal(got[0][0], expected)


def test_sequence_lengths_in_the_rnn_operator_are_refused_with_the_reason(tmp_path):
    class Masked(mx.gluon.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.layer = rnn.LSTM(3, input_size=2, use_sequence_length=True)

        def hybrid_forward(self, F, x, lengths):
            return self.layer(x, None, lengths)

    import gluonx
    net = Masked()
    net.initialize()
    with pytest.raises(gluonx.deploy.ExportError, match="ignores the lengths"):
        gluonx.export(net, str(tmp_path / "e"), [np.zeros((4, 2, 2), "float32"), np.array([4, 2], "float32")],
                      batch_axes=[1, 0])
