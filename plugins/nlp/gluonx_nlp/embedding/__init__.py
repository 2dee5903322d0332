"""Word embeddings (D2L 10.1-10.6): word2vec skip-gram and CBOW with negative sampling or hierarchical
softmax, fastText subword vectors, GloVe, and cosine similarity / analogies.

Importing this package imports nothing heavy; the modules import MXNet.
"""
from gluonx.utils.lazy import lazy_getattr

_PUBLIC = {
    "WordIdCorpus": "gluonx_nlp.embedding.corpus:WordIdCorpus",
    "PythonDocsWordIds": "gluonx_nlp.embedding.corpus:PythonDocsWordIds",
    "Word2VecSource": "gluonx_nlp.embedding.batches:Word2VecSource",
    "HuffmanTree": "gluonx_nlp.embedding.huffman:HuffmanTree",
    "SkipGramNS": "gluonx_nlp.embedding.word2vec:SkipGramNS",
    "CBOWNS": "gluonx_nlp.embedding.word2vec:CBOWNS",
    "SkipGramHS": "gluonx_nlp.embedding.word2vec:SkipGramHS",
    "CBOWHS": "gluonx_nlp.embedding.word2vec:CBOWHS",
    "FastTextSkipGram": "gluonx_nlp.embedding.fasttext:FastTextSkipGram",
    "GloVe": "gluonx_nlp.embedding.glove:GloVe",
    "WordEmbedding": "gluonx_nlp.embedding.similarity:WordEmbedding",
    "Word2VecTask": "gluonx_nlp.embedding.tasks:Word2VecTask",
    "GloVeTask": "gluonx_nlp.embedding.tasks:GloVeTask",
}

__all__ = sorted(_PUBLIC)

__getattr__ = lazy_getattr(__name__, _PUBLIC)
