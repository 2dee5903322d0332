"""Factories of the registered translation models (each a preset of :class:`RNNSeq2Seq` or
:class:`TransformerSeq2Seq`)."""
from .rnn import RNNSeq2Seq
from .transformer import TransformerSeq2Seq

__all__ = ["seq2seq_gru", "seq2seq_lstm", "transformer_seq2seq"]


def seq2seq_gru(vocab_size, embed_size=64, hidden_size=128, num_layers=1, attention="additive", dropout=0.0,
                **kwargs):
    """GRU encoder-decoder with additive (Bahdanau-score) attention by default (D2L 10.9-10.11)."""
    return RNNSeq2Seq(vocab_size, embed_size, hidden_size, num_layers, "gru", attention, dropout, **kwargs)


def seq2seq_lstm(vocab_size, embed_size=64, hidden_size=128, num_layers=1, attention="dot", dropout=0.0, **kwargs):
    """LSTM encoder-decoder with scaled dot-product attention by default (D2L 10.9-10.11, DL 12.4.5)."""
    return RNNSeq2Seq(vocab_size, embed_size, hidden_size, num_layers, "lstm", attention, dropout, **kwargs)


def transformer_seq2seq(vocab_size, units=64, hidden_size=128, num_heads=4, num_layers=2, dropout=0.1, **kwargs):
    """Transformer encoder-decoder (D2L 10.11.3)."""
    return TransformerSeq2Seq(vocab_size, units, hidden_size, num_heads, num_layers, dropout, **kwargs)
