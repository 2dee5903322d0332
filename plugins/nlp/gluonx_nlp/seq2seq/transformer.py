"""Transformer encoder-decoder (D2L 10.11.3; Vaswani et al. 2017) from the core's attention blocks
(:class:`gluonx.nn.MultiHeadAttention`, :class:`gluonx.nn.PositionalEncoding`), with the source masked by its
valid length and the decoder's self-attention masked causally.

Post-norm blocks as in the paper and D2L: ``x = LayerNorm(x + Dropout(sublayer(x)))``. The decoder step
re-reads the whole prefix (its state is the tokens decoded so far), which keeps the step a single graph with a
dynamic length that exports; sentences here are short, so the quadratic cost does not matter.
"""
import numbers

from mxnet.gluon import nn

from gluonx.nn.attention import MASKED_SCORE, MultiHeadAttention
from gluonx.nn.positional_encoding import PositionalEncoding

from .rnn import Seq2SeqDecoderStep, Seq2SeqEncoder

__all__ = ["CausalSelfAttention", "TransformerSeq2Seq"]


class CausalSelfAttention(MultiHeadAttention):
    """Multi-head self-attention where position ``i`` attends to positions ``<= i`` only (the decoder's
    autoregressive mask, D2L 10.11.3): ``block(x)`` with ``x`` of shape ``(batch, steps, units)``."""

    def forward(self, x):
        return super(MultiHeadAttention, self).forward(x, x, x)  # skip the key-valid-length check

    def hybrid_forward(self, F, queries, keys, values, valid_lens=None):
        queries = self._split_heads(F, self.query_projection(queries))
        keys = self._split_heads(F, self.key_projection(keys))
        values = self._split_heads(F, self.value_projection(values))
        scores = F.batch_dot(F.contrib.div_sqrt_dim(queries), keys, transpose_b=True)   # (B, h, T, T)
        rows = F.reshape(F.contrib.arange_like(scores, axis=2), shape=(-1, 1))
        cols = F.reshape(F.contrib.arange_like(scores, axis=3), shape=(1, -1))
        allowed = F.expand_dims(F.expand_dims(F.broadcast_lesser_equal(cols, rows), axis=0), axis=0)
        # a second comparison rather than ``1 - allowed``: MXNet 1.9.1's ONNX converter of ``_rminus_scalar``
        # is wrong on some inputs
        future = F.expand_dims(F.expand_dims(F.broadcast_greater(cols, rows), axis=0), axis=0)
        scores = F.broadcast_add(F.broadcast_mul(scores, allowed), future * MASKED_SCORE)
        weights = F.softmax(scores, axis=-1)
        if self.dropout is not None:
            weights = self.dropout(weights)
        merged = F.reshape(F.transpose(F.batch_dot(weights, values), axes=(0, 2, 1, 3)), shape=(0, 0, -1))
        return self.output_projection(merged)


class _FeedForward(nn.HybridBlock):
    def __init__(self, units, hidden_size, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.hidden = nn.Dense(hidden_size, activation="relu", flatten=False, in_units=units)
            self.output = nn.Dense(units, flatten=False, in_units=hidden_size)

    def hybrid_forward(self, F, x):
        return self.output(self.hidden(x))


class _AddNorm(nn.HybridBlock):
    def __init__(self, units, dropout, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.dropout = nn.Dropout(dropout) if dropout else None
            self.norm = nn.LayerNorm(in_channels=units)

    def hybrid_forward(self, F, x, y):
        return self.norm(x + (self.dropout(y) if self.dropout is not None else y))


class _EncoderLayer(nn.HybridBlock):
    def __init__(self, units, hidden_size, num_heads, dropout, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.attention = MultiHeadAttention(units, num_heads, dropout=dropout, in_units=units)
            self.norm1 = _AddNorm(units, dropout)
            self.ffn = _FeedForward(units, hidden_size)
            self.norm2 = _AddNorm(units, dropout)

    def hybrid_forward(self, F, x, valid_len):
        x = self.norm1(x, self.attention(x, x, x, valid_len))
        return self.norm2(x, self.ffn(x))


class _DecoderLayer(nn.HybridBlock):
    def __init__(self, units, hidden_size, num_heads, dropout, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.self_attention = CausalSelfAttention(units, num_heads, dropout=dropout, in_units=units)
            self.norm1 = _AddNorm(units, dropout)
            self.cross_attention = MultiHeadAttention(units, num_heads, dropout=dropout, in_units=units)
            self.norm2 = _AddNorm(units, dropout)
            self.ffn = _FeedForward(units, hidden_size)
            self.norm3 = _AddNorm(units, dropout)

    def hybrid_forward(self, F, x, memory, src_valid_len):
        x = self.norm1(x, self.self_attention(x))
        x = self.norm2(x, self.cross_attention(x, memory, memory, src_valid_len))
        return self.norm3(x, self.ffn(x))


class TransformerSeq2Seq(nn.HybridBlock):
    """Transformer encoder-decoder for translation (D2L 10.11.3).

    Parameters
    ----------
    vocab_size : int
        Shared source/target vocabulary size.
    units, hidden_size, num_heads, num_layers : int
        Model size ``d``, feed-forward size, heads, layers of the encoder and of the decoder.
    dropout : float

    Inputs: ``src (batch, S)``, ``src_valid_len (batch,)``, ``tgt_in (batch, T)``; output logits
    ``(batch, T, vocab_size)``. The decoder step's state is the prefix decoded so far as float ids
    ``(batch, 1 + t)`` (a leading placeholder column, so that the initial state is not empty).

    Examples
    --------
    >>> import mxnet as mx
    >>> net = TransformerSeq2Seq(vocab_size=20, units=16, hidden_size=32, num_heads=2); net.initialize()
    >>> net(mx.nd.ones((2, 5)), mx.nd.array([5, 3]), mx.nd.ones((2, 4))).shape
    (2, 4, 20)
    """

    num_states = 1
    encoder_parts = ("source_embedding", "position", "encoder_layers")
    decoder_parts = ("target_embedding", "position", "decoder_layers", "output")

    def __init__(self, vocab_size, units=64, hidden_size=128, num_heads=4, num_layers=2, dropout=0.1, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        for label, value in (("vocab_size", vocab_size), ("units", units), ("hidden_size", hidden_size),
                             ("num_heads", num_heads), ("num_layers", num_layers)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError("{}: {} must be a positive integer, got {!r}".format(name, label, value))
        if units % num_heads:
            raise ValueError("{}: units ({}) must be divisible by num_heads ({})".format(name, units, num_heads))
        self.vocab_size, self._units = vocab_size, units
        with self.name_scope():
            self.source_embedding = nn.Embedding(vocab_size, units)
            self.target_embedding = nn.Embedding(vocab_size, units)
            self.position = PositionalEncoding(units, dropout=dropout)
            self.encoder_layers = nn.HybridSequential()
            self.decoder_layers = nn.HybridSequential()
            for _ in range(num_layers):
                self.encoder_layers.add(_EncoderLayer(units, hidden_size, num_heads, dropout))
                self.decoder_layers.add(_DecoderLayer(units, hidden_size, num_heads, dropout))
            self.output = nn.Dense(vocab_size, flatten=False, in_units=units)

    def _encode(self, F, src, src_valid_len):
        x = self.position(self.source_embedding(src) * (self._units ** 0.5))
        for layer in self.encoder_layers:
            x = layer(x, src_valid_len)
        return x

    def _decode(self, F, tgt_in, memory, src_valid_len):
        x = self.position(self.target_embedding(tgt_in) * (self._units ** 0.5))
        for layer in self.decoder_layers:
            x = layer(x, memory, src_valid_len)
        return self.output(x)

    def hybrid_forward(self, F, src, src_valid_len, tgt_in):
        return self._decode(F, tgt_in, self._encode(F, src, src_valid_len), src_valid_len)

    def encode(self, F, src, src_valid_len):
        placeholder = F.zeros_like(F.slice_axis(src, axis=1, begin=0, end=1)).astype("float32")
        return [self._encode(F, src, src_valid_len), placeholder]

    def decode_step(self, F, token, memory, src_valid_len, prefix):
        full = F.concat(prefix, F.expand_dims(token.astype("float32"), axis=1), dim=1)
        logits = self._decode(F, F.slice_axis(full, axis=1, begin=1, end=None), memory, src_valid_len)
        last = F.reshape(F.slice_axis(logits, axis=1, begin=-1, end=None), shape=(-1, self.vocab_size))
        return [F.log_softmax(last, axis=-1), full]

    def encoder(self):
        """A block ``(src, src_valid_len)`` -> ``(memory, prefix)`` sharing this model's parameters."""
        return Seq2SeqEncoder(self)

    def decoder_step(self):
        """A block ``(token, memory, src_valid_len, prefix)`` -> ``(log_probs, prefix)`` sharing the parameters."""
        return Seq2SeqDecoderStep(self)
