"""Bidirectional recurrent sentiment classifier (D2L 10.7) that masks by valid lengths.

The book encodes a review with a deep bidirectional LSTM and classifies the concatenation of the outputs at the
first and the last time step. Padded batches break that: the backward direction would start on padding, and "the
last step" would be a pad. MXNet 1.9.1's fused ``RNN`` operator takes ``use_sequence_length`` but ignores the
lengths on the CPU (measured: the backward half of a bidirectional LSTM runs over the padding), so each layer
here is a forward RNN plus a second forward RNN run on the sequence reversed within its valid length
(``SequenceReverse``) and reversed back. The features are then the outputs at step 0 and at step
``valid_length - 1``, and padding, whatever its tokens, does not change the logits.

Both operators export: ``SequenceReverse`` to ONNX ``ReverseSequence`` and the RNN op through gluonx's converter
(:mod:`gluonx.deploy.onnx_rnn`), with dynamic batch and sequence length.
"""
from mxnet.gluon import nn, rnn

from gluonx._validate import check_positive

__all__ = ["BiRNNClassifier", "valid_reverse"]

_LAYERS = {"lstm": rnn.LSTM, "gru": rnn.GRU}


def valid_reverse(F, sequence, lengths):
    """``sequence`` (T, N, ...) with the first ``lengths[n]`` steps of each column reversed; padding stays."""
    return F.SequenceReverse(sequence, lengths, use_sequence_length=True)


def zero_state(F, sequence, hidden_size):
    """Zeros (1, N, hidden_size) from a (T, N, C) sequence without reading its shape (dynamic batch)."""
    column = F.zeros_like(F.slice_axis(F.slice_axis(sequence, axis=0, begin=0, end=1), axis=2, begin=0, end=1))
    return F.broadcast_axis(column, axis=2, size=hidden_size)


class BiRNNClassifier(nn.HybridBlock):
    """Embedding, deep bidirectional LSTM/GRU masked by valid lengths, linear layer on (first, last) outputs.

    Parameters
    ----------
    vocab_size : int
        Number of token ids.
    num_classes : int
        Output classes.
    embed_size : int
        Embedding dimension (100 in the book, with GloVe 100d vectors).
    hidden_size : int
        Units per direction and layer (100 in the book).
    num_layers : int
        Stacked bidirectional layers (2 in the book).
    mode : {'lstm', 'gru'}
        Recurrent cell.
    dropout : float
        Dropout on the embeddings and on the features (training only; the book uses none).

    Inputs: ``tokens`` (N, T) integer ids and ``valid_length`` (N,) with ``1 <= valid_length <= T``.
    Output: logits (N, num_classes).

    Examples
    --------
    >>> net = BiRNNClassifier(vocab_size=50, num_classes=2, embed_size=8, hidden_size=8)
    >>> net.initialize()
    >>> net(mx.nd.array([[4, 5, 6, 1]]), mx.nd.array([3])).shape   # the pad (id 1) is ignored
    (1, 2)

    References
    ----------
    D2L 10.7 (sentiment analysis with recurrent networks), 6.10 (bidirectional RNNs); DL 10.3.
    """

    def __init__(self, vocab_size, num_classes=2, embed_size=100, hidden_size=100, num_layers=2, mode="lstm",
                 dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        for label, value in (("vocab_size", vocab_size), ("num_classes", num_classes), ("embed_size", embed_size),
                             ("hidden_size", hidden_size), ("num_layers", num_layers)):
            check_positive("{} {}".format(name, label), value)
        if mode not in _LAYERS:
            raise ValueError("{}: mode must be one of {}, got {!r}".format(name, sorted(_LAYERS), mode))
        if not 0 <= dropout < 1:
            raise ValueError("{}: dropout must be in [0, 1), got {!r}".format(name, dropout))
        self._hidden_size, self._mode, self._num_layers = int(hidden_size), mode, int(num_layers)
        with self.name_scope():
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.dropout = nn.Dropout(dropout)
            self.forward_layers = nn.HybridSequential(prefix="forward_")
            self.backward_layers = nn.HybridSequential(prefix="backward_")
            for layer in range(num_layers):
                size = embed_size if layer == 0 else 2 * hidden_size
                self.forward_layers.add(_LAYERS[mode](hidden_size, input_size=size))
                self.backward_layers.add(_LAYERS[mode](hidden_size, input_size=size))
            self.decoder = nn.Dense(num_classes, in_units=4 * hidden_size)

    def encode(self, F, tokens, valid_length):
        """Per-step features (T, N, 2 * hidden_size) of both directions, valid steps unaffected by padding."""
        lengths = F.cast(valid_length, "float32")
        sequence = self.dropout(self.embedding(F.transpose(tokens)))  # (T, N, E), time major as the book
        for forward, backward in zip(self.forward_layers, self.backward_layers):
            states = [zero_state(F, sequence, self._hidden_size)] * (2 if self._mode == "lstm" else 1)
            ahead, _ = forward(sequence, states)
            behind, _ = backward(valid_reverse(F, sequence, lengths), states)
            sequence = F.concat(ahead, valid_reverse(F, behind, lengths), dim=2)
        return sequence

    def hybrid_forward(self, F, tokens, valid_length):
        features = self.encode(F, tokens, valid_length)
        first = F.squeeze(F.slice_axis(features, axis=0, begin=0, end=1), axis=0)
        last_first = valid_reverse(F, features, F.cast(valid_length, "float32"))
        last = F.squeeze(F.slice_axis(last_first, axis=0, begin=0, end=1), axis=0)
        return self.decoder(self.dropout(F.concat(first, last, dim=1)))

    def embeddings(self):
        """The embedding layers that pretrained vectors go into (:func:`load_pretrained_vectors`)."""
        return [self.embedding]


def birnn_classifier(vocab_size, num_classes=2, **kwargs):
    """Build a :class:`BiRNNClassifier` (uninitialized); keyword arguments are passed on.

    References
    ----------
    D2L 10.7.
    """
    return BiRNNClassifier(vocab_size, num_classes=num_classes, **kwargs)
