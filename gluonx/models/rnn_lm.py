"""Recurrent language models (vanilla RNN, GRU, LSTM; deep; tied or untied output) and a bidirectional
recurrent encoder, built on MXNet's fused ``RNN`` operator.

Every model takes its recurrent states as inputs and returns the new ones,
``logits, *states = model(tokens, *states)``, so an exported symbol runs step by step (one token per
call, the state fed back) as well as on whole sequences. Dropout is an ordinary ``Dropout`` block (and
the ``RNN`` op's own dropout between layers): identity in inference, so models with dropout hybridize
and export.

Tokens are integer ids in layout (T, N), time major like ``gluon.rnn``; states have shape
(num_layers * directions, N, hidden_size).
"""
import mxnet as mx
from mxnet.gluon import nn, rnn

__all__ = ["RNNLanguageModel", "BidirectionalRNNEncoder", "LANGUAGE_MODEL_PRESETS",
           "rnn_lm", "gru_lm", "lstm_lm", "tied_gru_lm", "tied_lstm_lm"]

_RNN_LAYERS = {"rnn_tanh": rnn.RNN, "rnn_relu": rnn.RNN, "gru": rnn.GRU, "lstm": rnn.LSTM}


def _check_positive(block, **values):
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError("{}: {} must be a positive integer, got {!r}".format(block, name, value))


class _TokenRNN(nn.HybridBlock):
    """Embedding, dropout and a (possibly bidirectional, deep) recurrent layer; subclasses add a head."""

    def __init__(self, vocab_size, embed_size, hidden_size, num_layers, mode, dropout, bidirectional,
                 **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        _check_positive(name, vocab_size=vocab_size, embed_size=embed_size, hidden_size=hidden_size,
                        num_layers=num_layers)
        if mode not in _RNN_LAYERS:
            raise ValueError("{}: mode must be one of {}, got {!r}".format(name, sorted(_RNN_LAYERS), mode))
        if not 0 <= dropout < 1:
            raise ValueError("{}: dropout must be in [0, 1), got {!r}".format(name, dropout))
        self._vocab_size, self._embed_size, self._hidden_size = vocab_size, embed_size, hidden_size
        self._num_layers, self._mode, self._dropout = num_layers, mode, dropout
        self._directions = 2 if bidirectional else 1
        layer_kwargs = {"activation": mode[4:]} if mode.startswith("rnn_") else {}
        with self.name_scope():
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.embedding_dropout = nn.Dropout(dropout)
            self.rnn = _RNN_LAYERS[mode](hidden_size, num_layers=num_layers, dropout=dropout,
                                         bidirectional=bidirectional, input_size=embed_size, **layer_kwargs)
            self.output_dropout = nn.Dropout(dropout)

    @property
    def num_states(self):
        """Number of recurrent state arrays: 2 for an LSTM (h and c), else 1."""
        return 2 if self._mode == "lstm" else 1

    def state_shape(self, batch_size):
        """Shape of each recurrent state: (num_layers * directions, batch_size, hidden_size)."""
        return (self._num_layers * self._directions, batch_size, self._hidden_size)

    def begin_state(self, batch_size, ctx=None, dtype="float32"):
        """Zero states for ``batch_size`` sequences, as a list of ``num_states`` NDArrays."""
        return [mx.nd.zeros(self.state_shape(batch_size), ctx=ctx, dtype=dtype) for _ in range(self.num_states)]

    def forward(self, tokens, *states):
        if isinstance(tokens, mx.nd.NDArray):
            self._check_inputs(tokens, states)
        return super().forward(tokens, *states)

    def _check_inputs(self, tokens, states):
        name = type(self).__name__
        if tokens.ndim != 2:
            raise ValueError("{}: expected token ids of shape (T, N), got {}".format(name, tokens.shape))
        if states and len(states) != self.num_states:
            raise ValueError("{}: mode '{}' takes {} state array(s), got {}".format(
                name, self._mode, self.num_states, len(states)))
        want = self.state_shape(tokens.shape[1])
        for index, state in enumerate(states):
            if not isinstance(state, mx.nd.NDArray) or state.shape != want:
                got = state.shape if isinstance(state, mx.nd.NDArray) else type(state).__name__
                raise ValueError("{}: expected state {} of shape {} (num_layers * directions, N, hidden_size), "
                                 "got {}".format(name, index, want, got))

    def _zero_states(self, F, tokens):
        # (T, N) ids -> zeros (L * D, N, H) without reading a shape, so the graph keeps a dynamic batch.
        row = F.cast(F.zeros_like(F.slice_axis(tokens, axis=0, begin=0, end=1)), dtype="float32")
        zeros = F.broadcast_axis(F.expand_dims(row, axis=2), axis=(0, 2),
                                 size=(self._num_layers * self._directions, self._hidden_size))
        return [zeros] * self.num_states

    def _encode(self, F, tokens, states):
        states = list(states) if states else self._zero_states(F, tokens)
        embedded = self.embedding_dropout(self.embedding(tokens))
        features, new_states = self.rnn(embedded, states)
        return self.output_dropout(features), new_states


class RNNLanguageModel(_TokenRNN):
    """Recurrent language model: embedding, deep RNN/GRU/LSTM, and a linear layer to next-token logits.

    With ``tie_weights=True`` the output layer reuses the embedding matrix (one shared parameter), which
    needs ``hidden_size == embed_size``.

    Parameters
    ----------
    vocab_size : int
        Number of token ids.
    embed_size : int
        Embedding dimension.
    hidden_size : int
        Units per recurrent layer.
    num_layers : int
        Stacked recurrent layers.
    mode : str
        ``'rnn_tanh'``, ``'rnn_relu'``, ``'gru'`` or ``'lstm'``.
    tie_weights : bool
        Share the embedding matrix with the output layer.
    dropout : float
        Dropout on embeddings, between recurrent layers and before the output layer (training only).

    Inputs: ``tokens`` (T, N) integer ids, then optionally the states (1, or 2 for an LSTM), each of shape
    (num_layers, N, hidden_size); omitted states start at zero.
    Outputs: ``logits`` (T, N, vocab_size), then the new states.

    Examples
    --------
    >>> model = RNNLanguageModel(100, embed_size=16, hidden_size=16, num_layers=2, mode="lstm",
    ...                          tie_weights=True)
    >>> model.initialize()
    >>> logits, h, c = model(mx.nd.array([[1, 2], [3, 4], [5, 6]]), *model.begin_state(2))
    >>> logits.shape, h.shape
    ((3, 2, 100), (2, 2, 16))
    >>> step_logits, h, c = model(mx.nd.array([[7, 8]]), h, c)   # one more step, state fed back

    References
    ----------
    D2L 6.2-6.5 (RNN language models), 6.7 (GRU), 6.8 (LSTM), 6.9 (deep RNNs); DL 10.2, 10.5, 10.10.
    """

    def __init__(self, vocab_size, embed_size=200, hidden_size=200, num_layers=2, mode="lstm",
                 tie_weights=False, dropout=0.0, **kwargs):
        super().__init__(vocab_size, embed_size, hidden_size, num_layers, mode, dropout, bidirectional=False,
                         **kwargs)
        if tie_weights and hidden_size != embed_size:
            raise ValueError("{}: tie_weights=True reuses the ({}, {}) embedding matrix as the output layer, "
                             "so hidden_size must equal embed_size={}, got hidden_size={}".format(
                                 type(self).__name__, vocab_size, embed_size, embed_size, hidden_size))
        self._tie_weights = bool(tie_weights)
        with self.name_scope():
            if self._tie_weights:
                # The same Parameter object, registered twice: one array, saved and exported once.
                self.decoder_weight = self.embedding.weight
            else:
                self.decoder_weight = self.params.get("decoder_weight", shape=(vocab_size, hidden_size))
            self.decoder_bias = self.params.get("decoder_bias", shape=(vocab_size,), init="zeros")

    @property
    def tie_weights(self):
        """True when the output layer shares the embedding matrix."""
        return self._tie_weights

    def hybrid_forward(self, F, tokens, *states, decoder_weight=None, decoder_bias=None):
        features, new_states = self._encode(F, tokens, states)
        logits = F.FullyConnected(features, decoder_weight, decoder_bias, num_hidden=self._vocab_size,
                                  flatten=False)
        return (logits,) + tuple(new_states)


class BidirectionalRNNEncoder(_TokenRNN):
    """Bidirectional recurrent encoder of token sequences: per-step features from both directions.

    A bidirectional network sees the future, so it cannot predict the next token; it encodes a whole
    sequence for tagging, classification or as a sequence-to-sequence encoder.

    Parameters
    ----------
    vocab_size, embed_size, hidden_size, num_layers, dropout
        As in :class:`RNNLanguageModel`.
    mode : str
        ``'rnn_tanh'``, ``'rnn_relu'``, ``'gru'`` or ``'lstm'``.

    Inputs: ``tokens`` (T, N) integer ids, then optionally the states, each of shape
    (2 * num_layers, N, hidden_size).
    Outputs: ``features`` (T, N, 2 * hidden_size) (forward and backward halves concatenated), then the
    final states.

    Examples
    --------
    >>> encoder = BidirectionalRNNEncoder(100, embed_size=8, hidden_size=6, mode="gru")
    >>> encoder.initialize()
    >>> features, h = encoder(mx.nd.array([[1, 2], [3, 4], [5, 6]]))
    >>> features.shape, h.shape
    ((3, 2, 12), (2, 2, 6))

    References
    ----------
    D2L 6.10 (bidirectional recurrent networks); DL 10.3.
    """

    def __init__(self, vocab_size, embed_size=200, hidden_size=200, num_layers=1, mode="lstm", dropout=0.0,
                 **kwargs):
        super().__init__(vocab_size, embed_size, hidden_size, num_layers, mode, dropout, bidirectional=True,
                         **kwargs)

    def hybrid_forward(self, F, tokens, *states):
        features, new_states = self._encode(F, tokens, states)
        return (features,) + tuple(new_states)


#: Architecture arguments of every registered language-model preset (data: the factories below only look
#: them up). Arguments a preset does not fix pass through, e.g. ``rnn_lm(V, tie_weights=True)``.
LANGUAGE_MODEL_PRESETS = {
    "rnn_lm": (RNNLanguageModel, {"mode": "rnn_tanh"}),
    "gru_lm": (RNNLanguageModel, {"mode": "gru"}),
    "lstm_lm": (RNNLanguageModel, {"mode": "lstm"}),
    "tied_gru_lm": (RNNLanguageModel, {"mode": "gru", "tie_weights": True}),
    "tied_lstm_lm": (RNNLanguageModel, {"mode": "lstm", "tie_weights": True}),
}


def _create(preset, vocab_size, **kwargs):
    cls, architecture = LANGUAGE_MODEL_PRESETS[preset]
    clash = sorted(set(architecture) & set(kwargs))
    if clash:
        raise TypeError("{}: {} fixed by the preset ({}); build {} directly to change it".format(
            preset, clash, architecture, cls.__name__))
    return cls(vocab_size, **architecture, **kwargs)


def _preset_factory(preset):
    cls, architecture = LANGUAGE_MODEL_PRESETS[preset]

    def factory(vocab_size, **kwargs):
        return _create(preset, vocab_size, **kwargs)

    factory.__name__ = factory.__qualname__ = preset
    factory.forwards_kwargs_to = cls
    factory.__doc__ = ("Build a :class:`{}` with {} (uninitialized).\n\n"
                       "Other keyword arguments (embed_size, hidden_size, num_layers, dropout...) are passed on.\n\n"
                       "References\n----------\nD2L 6.5-6.9 (see :class:`{}`).\n"
                       .format(cls.__name__, ", ".join("{}={!r}".format(k, v) for k, v in architecture.items()),
                               cls.__name__))
    return factory


rnn_lm = _preset_factory("rnn_lm")
gru_lm = _preset_factory("gru_lm")
lstm_lm = _preset_factory("lstm_lm")
tied_gru_lm = _preset_factory("tied_gru_lm")
tied_lstm_lm = _preset_factory("tied_lstm_lm")
