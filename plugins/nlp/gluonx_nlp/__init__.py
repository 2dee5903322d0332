"""gluonx NLP plugin: the text pipeline (D2L 6.3, 10.7.1, 10.12.1), real text formats, embeddings, classifiers,
translation, BLEU (D2L 10.12.4) and n-gram and neural language models (DL 12.4).

Modules (importing this package imports none of them, nor MXNet):

- :mod:`~gluonx_nlp.plugin` -- the hook implementations (lazy ``"module:attr"`` entries);
- :mod:`~gluonx_nlp.text` -- word, character and BPE subword tokenizers, :class:`Vocabulary`, padding with valid lengths
  and a length-bucketing batch sampler;
- :mod:`~gluonx_nlp.data` -- plain-text / PTB corpora, IMDb ``aclImdb`` folders, tab-separated parallel
  corpora (``fra.txt``), GloVe / fastText ``.vec`` vectors, SNLI JSONL;
- :mod:`~gluonx_nlp.metrics` -- corpus BLEU (as sacrebleu) and the book's per-sentence BLEU;
- :mod:`~gluonx_nlp.classification` -- sentiment BiRNN and textCNN masked by valid lengths, the
  ``text-classification`` task, pretrained vectors, the bag-of-words baseline (D2L 10.7-10.8);
- :mod:`~gluonx_nlp.lm` -- Kneser-Ney, importance-sampled softmax, short lists, n-gram + neural mixtures
  (DL 12.4);
- :mod:`~gluonx_nlp.seq2seq` -- encoder-decoders with attention, the Transformer, greedy and beam search, the
  ``translation`` task and translator export (D2L 10.9-10.12, DL 12.4.5);
- :mod:`~gluonx_nlp.embedding` -- word2vec, fastText and GloVe embeddings, similarity and analogy (D2L 10.1-10.6).

What is not built yet is listed in ``docs/nlp.md``.
"""
from gluonx.utils.lazy import lazy_getattr

_PUBLIC = {
    "text": "gluonx_nlp.text",
    "data": "gluonx_nlp.data",
    "metrics": "gluonx_nlp.metrics",
    "embedding": "gluonx_nlp.embedding",
    "Vocabulary": "gluonx_nlp.text.vocab:Vocabulary",
    "WordTokenizer": "gluonx_nlp.text.tokenizers:WordTokenizer",
    "CharTokenizer": "gluonx_nlp.text.tokenizers:CharTokenizer",
    "BPE": "gluonx_nlp.text.subword:BPE",
    "pad_sequences": "gluonx_nlp.text.batching:pad_sequences",
    "BucketBatchSampler": "gluonx_nlp.text.batching:BucketBatchSampler",
    "corpus_bleu": "gluonx_nlp.metrics.bleu:corpus_bleu",
    "book_bleu": "gluonx_nlp.metrics.bleu:book_bleu",
    "CorpusBLEU": "gluonx_nlp.metrics.bleu:CorpusBLEU",
}

__all__ = sorted(_PUBLIC)


# Lazy: `import gluonx_nlp` (done by plugin discovery) must not import MXNet.
__getattr__ = lazy_getattr(__name__, _PUBLIC)
