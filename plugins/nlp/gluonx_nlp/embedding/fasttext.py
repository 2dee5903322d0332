"""fastText subword embeddings (D2L 10.4; Bojanowski et al. 2017): a word's vector is the sum of the vectors
of its character n-grams (``char_ngrams``: the n-grams of ``<word>`` with ``min_n <= n <= max_n``) and of
the special subword ``<word>`` itself, trained as skip-gram with negative sampling.

As fastText does, the vocabulary words keep rows of their own (row ``i`` for word ``i``, standing for the
whole ``<word>``) and the n-grams share ``num_buckets`` rows addressed by the 32-bit FNV-1a hash of their
UTF-8 bytes (bytes sign-extended, as fastText's ``hash``), modulo ``num_buckets``. A word outside the
vocabulary gets the sum of its n-gram vectors (:meth:`FastTextSkipGram.word_vector`).
"""
import mxnet as mx
import numpy as np

from gluonx._validate import check_positive

from ..text.subword import char_ngrams
from .word2vec import SkipGramNS

__all__ = ["FastTextSkipGram", "fasttext_hash", "subword_rows", "fasttext_skipgram"]


def fasttext_hash(text):
    """fastText's hash of a subword: 32-bit FNV-1a over the UTF-8 bytes, each byte sign-extended first."""
    value = 2166136261
    for byte in text.encode("utf-8"):
        value ^= (byte - 256 if byte > 127 else byte) & 0xFFFFFFFF
        value = (value * 16777619) & 0xFFFFFFFF
    return value


def subword_rows(word, num_words, num_buckets, min_n=3, max_n=6, word_id=None):
    """Rows of the subword table that make up ``word``: its own row ``word_id`` (if it is a vocabulary word)
    and ``num_words + hash(ngram) % num_buckets`` for each of its n-grams."""
    grams = char_ngrams(word, min_n, max_n)[:-1]  # the last is '<word>' itself, stood for by the word's row
    rows = [num_words + fasttext_hash(g) % num_buckets for g in grams]
    return ([int(word_id)] if word_id is not None else []) + rows


class FastTextSkipGram(SkipGramNS):
    """Skip-gram with negative sampling whose center vectors are sums of subword vectors (D2L 10.4).

    Inputs and outputs are those of :class:`SkipGramNS`.

    Parameters
    ----------
    vocab_size, embed_size : int
    idx_to_token : sequence of str, optional
        The vocabulary's words (``gluonx train`` passes the dataset's); default: placeholder words
        ``w0, w1, ...`` (for tests of the layer alone).
    min_n, max_n : int
        n-gram lengths (fastText's defaults 3 and 6).
    num_buckets : int
        Rows shared by the hashed n-grams (fastText uses 2,000,000; small corpora need far fewer).
    sparse_grad : bool
    """

    def __init__(self, vocab_size, embed_size=100, idx_to_token=None, min_n=3, max_n=6, num_buckets=20000,
                 sparse_grad=True, **kwargs):
        check_positive("num_buckets", num_buckets)
        vocab_size = int(vocab_size)
        self.num_buckets, self.min_n, self.max_n = int(num_buckets), int(min_n), int(max_n)
        if idx_to_token is None:
            idx_to_token = ["w{}".format(i) for i in range(vocab_size)]
        if len(idx_to_token) != vocab_size:
            raise ValueError("idx_to_token must have vocab_size={} words, got {}".format(
                vocab_size, len(idx_to_token)))
        self.idx_to_token = list(idx_to_token)
        rows = [subword_rows(w, vocab_size, self.num_buckets, min_n, max_n, word_id=i)
                for i, w in enumerate(self.idx_to_token)]
        width = max(len(r) for r in rows)
        # the subword table: the words' own rows, then the buckets; a word's vector sums ~width rows
        super().__init__(vocab_size, embed_size, sparse_grad, input_size=vocab_size + self.num_buckets,
                         input_scale=0.5 / int(embed_size) / width, **kwargs)
        ids = np.zeros((vocab_size, width), dtype=np.float32)
        mask = np.zeros((vocab_size, width), dtype=np.float32)
        for i, r in enumerate(rows):
            ids[i, :len(r)], mask[i, :len(r)] = r, 1
        with self.name_scope():
            self.subword_ids = self.params.get_constant("subword_ids", mx.nd.array(ids))
            self.subword_mask = self.params.get_constant("subword_mask", mx.nd.array(mask))

    def hybrid_forward(self, F, center, targets, subword_ids, subword_mask):
        rows = F.take(subword_ids, center)                                       # (B, G)
        vectors = F.broadcast_mul(self.embedding(rows), F.take(subword_mask, center).expand_dims(2))
        hidden = vectors.sum(axis=1)                                             # (B, E)
        return F.batch_dot(self.output(targets), hidden.expand_dims(2)).reshape((0, -1))

    def word_vector(self, word):
        """The vector of any word: for a vocabulary word the sum of its row and its n-grams' rows; for an
        out-of-vocabulary word the sum of its n-grams' rows (fastText's rule)."""
        table = self.embedding.weight.data().asnumpy()
        word_id = self.idx_to_token.index(word) if word in self.idx_to_token else None
        rows = subword_rows(word, len(self.idx_to_token), self.num_buckets, self.min_n, self.max_n, word_id)
        return table[rows].sum(axis=0)

    def embedding_matrix(self):
        """The ``(V, E)`` vectors of the vocabulary words (each the sum of its subword rows)."""
        table = self.embedding.weight.data().asnumpy()
        ids = self.subword_ids.data().asnumpy().astype(np.int64)
        return (table[ids] * self.subword_mask.data().asnumpy()[:, :, None]).sum(axis=1)


def fasttext_skipgram(vocab_size, embed_size=100, idx_to_token=None, min_n=3, max_n=6, num_buckets=20000,
                      sparse_grad=True, **kwargs):
    """fastText skip-gram with negative sampling (D2L 10.4)."""
    return FastTextSkipGram(vocab_size, embed_size, idx_to_token, min_n, max_n, num_buckets, sparse_grad,
                            **kwargs)
