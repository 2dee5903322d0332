"""Recurrent encoder-decoder with attention (D2L 10.9-10.11, DL 12.4.5): a GRU or LSTM encoder over the source,
a GRU or LSTM decoder over the target, and attention over the encoder's outputs masked by the source's valid
length (additive, Bahdanau's score, or scaled dot product).

The attention reads the decoder's current output and its result is combined with it before the output layer
(Luong et al. 2015, "global attention"): the whole target then runs through the fused recurrent operator in
one call during teacher forcing, so training needs no Python loop over time. D2L 10.9 instead feeds the
context into the decoder's recurrent input (Bahdanau et al. 2015), which forces a step-by-step loop.

Every block here hybridizes with a dynamic batch and sequence length. Recurrent states are batch-first,
``(batch, num_layers, hidden)``, so that beam search (ours and gluonnlp's ``BeamSearchSampler``) and export
treat axis 0 as the batch everywhere.
"""
import numbers

from mxnet.gluon import nn, rnn

from gluonx.nn.attention import AdditiveAttention, DotProductAttention

__all__ = ["RNNEncoder", "AttentionRNNDecoder", "RNNSeq2Seq", "Seq2SeqEncoder", "Seq2SeqDecoderStep"]

_MODES = ("gru", "lstm")
_ATTENTIONS = ("additive", "dot")


def _check_positive(name, label, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError("{}: {} must be a positive integer, got {!r}".format(name, label, value))


def _recurrent_layer(mode, hidden_size, num_layers, dropout, input_size):
    layer = rnn.GRU if mode == "gru" else rnn.LSTM
    return layer(hidden_size, num_layers=num_layers, layout="NTC", dropout=dropout, input_size=input_size)


class RNNEncoder(nn.HybridBlock):
    """Embedding and a unidirectional GRU/LSTM over ``(batch, steps)`` source ids (D2L 10.9.1).

    Returns the outputs ``(batch, steps, hidden)`` and the decoder's initial states, batch-first
    ``(batch, num_layers, hidden)``: every layer starts from the encoder's top output at the last *valid* step
    , so padding never reaches the decoder; an LSTM's cell starts at 0.
    """

    def __init__(self, vocab_size, embed_size, hidden_size, num_layers=1, mode="gru", dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self._mode, self._num_layers = mode, num_layers
        with self.name_scope():
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.rnn = _recurrent_layer(mode, hidden_size, num_layers, dropout, embed_size)

    def hybrid_forward(self, F, src, src_valid_len):
        outputs = self.rnn(self.embedding(src))
        # the output at step valid_len - 1, as a masked sum (SequenceLast has no ONNX converter)
        positions = F.reshape(F.contrib.arange_like(outputs, axis=1), shape=(1, -1))
        is_last = F.broadcast_equal(positions, F.reshape(src_valid_len.astype("float32") - 1, shape=(-1, 1)))
        last = F.sum(F.broadcast_mul(outputs, F.expand_dims(is_last, axis=2)), axis=1)
        hidden = F.broadcast_axis(F.expand_dims(last, axis=1), axis=1, size=self._num_layers)
        states = [hidden] if self._mode == "gru" else [hidden, F.zeros_like(hidden)]
        return [outputs] + states


class AttentionRNNDecoder(nn.HybridBlock):
    """GRU/LSTM decoder with attention over the encoder outputs (D2L 10.10-10.11).

    ``decoder(tgt_in, memory, src_valid_len, *states)`` -> ``(logits (batch, steps, vocab), *new_states)``:
    ``h_t`` from the recurrent layer, ``c_t = attention(h_t, memory, memory, src_valid_len)``,
    ``logits_t = W_o tanh(W_c [h_t; c_t])``.
    """

    def __init__(self, vocab_size, embed_size, hidden_size, num_layers=1, mode="gru", attention="additive",
                 dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.rnn = _recurrent_layer(mode, hidden_size, num_layers, dropout, embed_size)
            if attention == "additive":
                self.attention = AdditiveAttention(hidden_size, query_units=hidden_size, key_units=hidden_size)
            else:
                self.attention = DotProductAttention()
            self.combine = nn.Dense(hidden_size, activation="tanh", flatten=False, in_units=2 * hidden_size)
            self.dropout = nn.Dropout(dropout) if dropout else None
            self.output = nn.Dense(vocab_size, flatten=False, in_units=hidden_size)

    def hybrid_forward(self, F, tgt_in, memory, src_valid_len, *states):
        layer_first = [F.transpose(s, axes=(1, 0, 2)) for s in states]
        outputs, new_states = self.rnn(self.embedding(tgt_in), layer_first)
        context = self.attention(outputs, memory, memory, src_valid_len)
        combined = self.combine(F.concat(outputs, context, dim=2))
        if self.dropout is not None:
            combined = self.dropout(combined)
        return [self.output(combined)] + [F.transpose(s, axes=(1, 0, 2)) for s in new_states]


def _share_parts(block, parts, model):
    """Register the model's children that ``block`` uses, so that it holds exactly the parameters its graph
    reads (export and the hybridized graph see no unused parameter)."""
    for name in parts:
        block.register_child(getattr(model, name), name)


class Seq2SeqEncoder(nn.HybridBlock):
    """The inference encoder of a seq2seq model: ``(src, src_valid_len)`` -> ``(memory, *initial states)``
    (shares the model's parameters; exported on its own for deployment)."""

    def __init__(self, model, **kwargs):
        super().__init__(**kwargs)
        _share_parts(self, model.encoder_parts, model)
        self._encode = model.encode  # a bound method: the model itself stays unregistered here

    def hybrid_forward(self, F, src, src_valid_len):
        return self._encode(F, src, src_valid_len)


class Seq2SeqDecoderStep(nn.HybridBlock):
    """One decoding step: ``(token (batch,), memory, src_valid_len, *states)`` ->
    ``(log-probabilities (batch, vocab), *new states)``: the scorer beam search calls once per step."""

    def __init__(self, model, **kwargs):
        super().__init__(**kwargs)
        _share_parts(self, model.decoder_parts, model)
        self._decode_step = model.decode_step

    def hybrid_forward(self, F, token, memory, src_valid_len, *states):
        return self._decode_step(F, token, memory, src_valid_len, *states)


class RNNSeq2Seq(nn.HybridBlock):
    """Encoder-decoder with attention for machine translation (D2L 10.9-10.12, DL 12.4.5).

    Parameters
    ----------
    vocab_size : int
        Size of the (shared) source and target vocabulary.
    embed_size, hidden_size : int
        Embedding and recurrent sizes of both sides.
    num_layers : int
        Recurrent layers of the encoder and of the decoder.
    mode : {'gru', 'lstm'}
    attention : {'additive', 'dot'}
        Additive (Bahdanau's MLP score, D2L 10.11.1) or scaled dot-product attention.
    dropout : float
        Dropout between recurrent layers and before the output layer.

    Inputs: ``src (batch, S)`` ids, ``src_valid_len (batch,)``, ``tgt_in (batch, T)`` ids (``<bos>`` then the
    target: teacher forcing). Output: logits ``(batch, T, vocab_size)``.

    :meth:`encoder` and :meth:`decoder_step` return blocks sharing the parameters for inference and export;
    :attr:`num_states` is the number of recurrent state arrays (1 for a GRU, 2 for an LSTM).

    Examples
    --------
    >>> import mxnet as mx
    >>> net = RNNSeq2Seq(vocab_size=20, embed_size=8, hidden_size=16); net.initialize()
    >>> net(mx.nd.ones((2, 5)), mx.nd.array([5, 3]), mx.nd.ones((2, 4))).shape
    (2, 4, 20)

    References
    ----------
    D2L 10.9 (encoder-decoder), 10.10 (beam search), 10.11 (attention), 10.12 (machine translation);
    DL 12.4.5; Luong, Pham & Manning (2015), global attention.
    """

    def __init__(self, vocab_size, embed_size=64, hidden_size=128, num_layers=1, mode="gru", attention="additive",
                 dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        for label, value in (("vocab_size", vocab_size), ("embed_size", embed_size), ("hidden_size", hidden_size),
                             ("num_layers", num_layers)):
            _check_positive(name, label, value)
        if mode not in _MODES:
            raise ValueError("{}: mode must be one of {}, got {!r}".format(name, _MODES, mode))
        if attention not in _ATTENTIONS:
            raise ValueError("{}: attention must be one of {}, got {!r}".format(name, _ATTENTIONS, attention))
        if not isinstance(dropout, numbers.Real) or not 0 <= dropout < 1:
            raise ValueError("{}: dropout must be a number in [0, 1), got {!r}".format(name, dropout))
        self.vocab_size = vocab_size
        self.num_states = 1 if mode == "gru" else 2
        self.encoder_parts, self.decoder_parts = ("source",), ("target",)
        with self.name_scope():
            self.source = RNNEncoder(vocab_size, embed_size, hidden_size, num_layers, mode, dropout)
            self.target = AttentionRNNDecoder(vocab_size, embed_size, hidden_size, num_layers, mode, attention,
                                              dropout)

    def hybrid_forward(self, F, src, src_valid_len, tgt_in):
        memory, *states = self.source(src, src_valid_len)
        return self.target(tgt_in, memory, src_valid_len, *states)[0]

    def encode(self, F, src, src_valid_len):
        return self.source(src, src_valid_len)

    def decode_step(self, F, token, memory, src_valid_len, *states):
        logits, *new_states = self.target(F.expand_dims(token, axis=1), memory, src_valid_len, *states)
        return [F.log_softmax(F.reshape(logits, shape=(-1, self.vocab_size)), axis=-1)] + new_states

    def encoder(self):
        """A block ``(src, src_valid_len)`` -> ``(memory, *states)`` sharing this model's parameters."""
        return Seq2SeqEncoder(self)

    def decoder_step(self):
        """A block ``(token, memory, src_valid_len, *states)`` -> ``(log_probs, *states)`` sharing the parameters."""
        return Seq2SeqDecoderStep(self)
