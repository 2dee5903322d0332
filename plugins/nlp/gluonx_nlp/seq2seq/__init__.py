"""Machine translation: encoder-decoders with attention (D2L 10.9-10.12, DL 12.4.5), the Transformer
(D2L 10.11.3), greedy and beam search (D2L 10.10) and the ``translation`` task.

Importing this package imports nothing heavy; the names below load their module on first use.
"""
from gluonx.utils.lazy import lazy_getattr

_PUBLIC = {
    "RNNSeq2Seq": "gluonx_nlp.seq2seq.rnn:RNNSeq2Seq",
    "TransformerSeq2Seq": "gluonx_nlp.seq2seq.transformer:TransformerSeq2Seq",
    "BeamSearchStep": "gluonx_nlp.seq2seq.beam_search:BeamSearchStep",
    "BeamSearchDecoder": "gluonx_nlp.seq2seq.beam_search:BeamSearchDecoder",
    "TranslationTask": "gluonx_nlp.seq2seq.task:TranslationTask",
    "MaskedSoftmaxCELoss": "gluonx_nlp.seq2seq.task:MaskedSoftmaxCELoss",
    "make_batch": "gluonx_nlp.seq2seq.task:make_batch",
}

__all__ = sorted(_PUBLIC)

__getattr__ = lazy_getattr(__name__, _PUBLIC)
