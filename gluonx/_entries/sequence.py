"""Registry table of the core's entries of this family (data only: lazy "module:attr" factories).

Imported by :mod:`gluonx._core_plugin`; must not import MXNet.
"""
from .._registry import InputSpec

# Small example sizes keep each conformance run to a few seconds.
_VOCAB, _STEPS, _BATCH, _HIDDEN, _LAYERS = 17, 5, 2, 6, 2
_LM_KWARGS = {"vocab_size": _VOCAB, "embed_size": _HIDDEN, "hidden_size": _HIDDEN, "num_layers": _LAYERS,
              "dropout": 0.2}
# The sequence length is dynamic: the conformance kit also runs these models at other lengths, and
# ONNX export (at opset 13, where the RNN op converts) keeps both the batch and the time axis dynamic.
_TOKENS = InputSpec((_STEPS, _BATCH), dtype="int32", vocab_size=_VOCAB, batch_axis=1, dynamic_axes={0: "time"},
                    name="tokens (T, N)")

#: preset name -> (description, book section, number of state arrays)
_LANGUAGE_MODELS = {
    "rnn_lm": ("Vanilla (tanh) RNN language model, untied output layer", "D2L 6.5", 1),
    "gru_lm": ("GRU language model, untied output layer", "D2L 6.7", 1),
    "lstm_lm": ("LSTM language model, untied output layer", "D2L 6.8", 2),
    "tied_gru_lm": ("GRU language model whose output layer reuses the embedding matrix", "D2L 6.7", 1),
    "tied_lstm_lm": ("LSTM language model whose output layer reuses the embedding matrix", "D2L 6.8", 2),
}


def _state_specs(count, directions=1, layers=_LAYERS):
    shape = (layers * directions, _BATCH, _HIDDEN)
    return [InputSpec(shape, low=-1, high=1, batch_axis=1, name="state {} (L*D, N, H)".format(i))
            for i in range(count)]


def register_models(registry):
    """Add this family's models to ``registry`` (a :class:`gluonx._registry.RegistryView`)."""
    for name, (description, section, states) in _LANGUAGE_MODELS.items():
        kwargs = dict(_LM_KWARGS)
        if not name.startswith("tied_"):
            # embedding size != hidden size in 2 layers: the layout MXNet 1.9.1's RNN converter got wrong
            kwargs["embed_size"] = _HIDDEN + 2
        registry.register(name, "gluonx.models.rnn_lm:" + name, task="language-model",
                          description=description, book_section=section,
                          inputs=[_TOKENS] + _state_specs(states), kwargs=kwargs,
                          onnx=True, tags=("rnn", "stateful"))
    # Any mode (rnn_tanh, rnn_relu, gru, lstm) through the ``mode`` argument; LSTM by default.
    registry.register("birnn_encoder", "gluonx.models.rnn_lm:BidirectionalRNNEncoder", task="sequence-encoder",
                      description="Bidirectional RNN/GRU/LSTM encoder of token ids: per-step features of both "
                                  "directions (T, N, 2H); ONNX through gluonx's RNN converter, any depth and mode "
                                  "(MXNet's own refuses a 2-layer bidirectional LSTM, the conformance example)",
                      book_section="D2L 6.10", inputs=[_TOKENS] + _state_specs(2, directions=2, layers=2),
                      kwargs=dict(_LM_KWARGS, mode="lstm", num_layers=2, embed_size=_HIDDEN + 2),
                      onnx=True, tags=("rnn", "stateful", "bidirectional"))


def register_blocks(registry):
    """Add this family's blocks to ``registry``."""
    sequence = InputSpec((_STEPS, _BATCH, 3), low=-1, high=1, batch_axis=1, name="x (T, N, C)")
    state = InputSpec((_BATCH, 4), low=-1, high=1, batch_axis=0, name="state (N, H)")
    registry.register("leaky_integrator_rnn", "gluonx.nn.recurrent:LeakyIntegratorRNN", task="recurrent",
                      description="Leaky-integrator units with learned per-unit time constants "
                                  "h_t = (1-1/tau) h_{t-1} + (1/tau) f(W x_t + U h_{t-1} + b)",
                      book_section="DL 10.9.2", inputs=[sequence, state],
                      kwargs={"hidden_size": 4, "seq_len": _STEPS, "time_constant": [1.5, 2.0, 4.0, 8.0],
                              "learn_time_constant": True},
                      onnx=True, gradient_check=True, tags=("rnn", "stateful"))
    registry.register("echo_state_network", "gluonx.nn.recurrent:EchoStateNetwork", task="recurrent",
                      description="Echo-state network: fixed random reservoir scaled to a spectral radius, "
                                  "trained linear readout",
                      book_section="DL 10.8", inputs=[sequence, InputSpec((_BATCH, 8), low=-1, high=1)],
                      kwargs={"hidden_size": 8, "seq_len": _STEPS, "input_size": 3, "output_size": 2,
                              "spectral_radius": 0.9, "seed": 0},
                      onnx=True, gradient_check=True, tags=("rnn", "stateful", "reservoir"))
    registry.register("skip_connection_rnn", "gluonx.nn.recurrent:SkipConnectionRNN", task="recurrent",
                      description="RNN with a skip connection through time: h_t = f(W x_t + U h_{t-1} + "
                                  "V h_{t-d} + b), state = window of the last d states",
                      book_section="DL 10.9.1",
                      inputs=[sequence, InputSpec((3, _BATCH, 4), low=-1, high=1, batch_axis=1,
                                                  name="state window (d, N, H)")],
                      kwargs={"hidden_size": 4, "seq_len": _STEPS, "delay": 3},
                      onnx=True, gradient_check=True, tags=("rnn", "stateful"))
