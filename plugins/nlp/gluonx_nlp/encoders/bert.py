"""A BERT-style encoder (the English edition's D2L 14.8; Devlin et al. 2019) built from the core's
:class:`gluonx.nn.MultiHeadAttention`: token + segment + learned position embeddings, Transformer encoder blocks
(post-norm, ReLU feed-forward as the book), a masked-language-model head at every position and a
next-sentence head on the first token.

Inputs ``(tokens (N, T), segments (N, T), valid_length (N,))``: attention ignores keys past the valid length, so
the outputs at valid positions do not depend on the padding. Everything hybridizes and exports with dynamic batch
and sequence length (positions come from ``arange_like``, up to ``max_length``) to the MXNet symbol and ONNX
(LayerNorm converts at the pinned opset 13).
"""
from mxnet.gluon import nn

from gluonx._validate import check_positive
from gluonx.nn.attention import MultiHeadAttention

__all__ = ["BERTEncoder", "TransformerEncoderBlock", "bert_encoder"]


class TransformerEncoderBlock(nn.HybridBlock):
    """Multi-head self-attention and a position-wise ReLU feed-forward network, each followed by dropout, a
    residual connection and layer normalization (D2L 10.11 / 14.8's ``EncoderBlock``)."""

    def __init__(self, units, hidden_size, num_heads, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.attention = MultiHeadAttention(units, num_heads, dropout=dropout, use_bias=True, in_units=units)
            self.norm1 = nn.LayerNorm(in_channels=units)
            self.ffn_hidden = nn.Dense(hidden_size, activation="relu", flatten=False, in_units=units)
            self.ffn_output = nn.Dense(units, flatten=False, in_units=hidden_size)
            self.norm2 = nn.LayerNorm(in_channels=units)
            self.dropout = nn.Dropout(dropout)

    def hybrid_forward(self, F, x, valid_length):
        y = self.norm1(x + self.dropout(self.attention(x, x, x, valid_length)))
        return self.norm2(y + self.dropout(self.ffn_output(self.ffn_hidden(y))))


class BERTEncoder(nn.HybridBlock):
    """BERT-style encoder with masked-LM and next-sentence heads.

    Parameters
    ----------
    vocab_size : int
    units : int
        Model size (768 in BERT-base; small here by default).
    hidden_size : int
        Feed-forward size.
    num_heads, num_layers : int
    max_length : int
        Longest sequence (learned position embeddings).
    num_segments : int
        Segment (sentence A / B) embeddings.
    dropout : float

    Inputs: ``tokens`` (N, T) ids, ``segments`` (N, T) ids in ``[0, num_segments)``, ``valid_length`` (N,).
    Outputs: ``encoded`` (N, T, units), ``mlm_logits`` (N, T, vocab_size) (the masked-LM head at every position;
    the loss picks the masked ones), ``nsp_logits`` (N, 2) from the first token.

    References
    ----------
    D2L 14.8 (English edition: BERT input representation, encoder, masked LM, next-sentence prediction);
    D2L 10.11 (multi-head attention, Transformer encoder blocks).
    """

    def __init__(self, vocab_size, units=64, hidden_size=128, num_heads=2, num_layers=2, max_length=128,
                 num_segments=2, dropout=0.1, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        for label, value in (("vocab_size", vocab_size), ("units", units), ("hidden_size", hidden_size),
                             ("num_heads", num_heads), ("num_layers", num_layers), ("max_length", max_length),
                             ("num_segments", num_segments)):
            check_positive("{} {}".format(name, label), value)
        self._vocab_size = int(vocab_size)
        with self.name_scope():
            self.token_embedding = nn.Embedding(vocab_size, units)
            self.segment_embedding = nn.Embedding(num_segments, units)
            self.position_embedding = nn.Embedding(max_length, units)
            self.embedding_dropout = nn.Dropout(dropout)
            self.blocks = nn.HybridSequential(prefix="block_")
            with self.blocks.name_scope():
                for _ in range(num_layers):
                    self.blocks.add(TransformerEncoderBlock(units, hidden_size, num_heads, dropout))
            self.mlm_hidden = nn.Dense(units, activation="relu", flatten=False, in_units=units)
            self.mlm_norm = nn.LayerNorm(in_channels=units)
            self.mlm_output = nn.Dense(vocab_size, flatten=False, in_units=units)
            self.nsp_hidden = nn.Dense(units, activation="tanh", in_units=units)
            self.nsp_output = nn.Dense(2, in_units=units)

    def hybrid_forward(self, F, tokens, segments, valid_length):
        positions = F.contrib.arange_like(tokens, axis=1)                      # (T,), any sequence length
        x = F.broadcast_add(self.token_embedding(tokens) + self.segment_embedding(segments),
                            F.expand_dims(self.position_embedding(positions), axis=0))
        x = self.embedding_dropout(x)
        lengths = F.cast(valid_length, "float32")
        for block in self.blocks:
            x = block(x, lengths)
        mlm_logits = self.mlm_output(self.mlm_norm(self.mlm_hidden(x)))
        first = F.squeeze(F.slice_axis(x, axis=1, begin=0, end=1), axis=1)
        nsp_logits = self.nsp_output(self.nsp_hidden(first))
        return x, mlm_logits, nsp_logits


def bert_encoder(vocab_size, **kwargs):
    """Build a :class:`BERTEncoder` (uninitialized); keyword arguments are passed on.

    References
    ----------
    D2L 14.8 (English edition).
    """
    return BERTEncoder(vocab_size, **kwargs)
