"""Word similarity and analogy with word vectors (D2L 10.6): cosine nearest neighbours and the 3CosAdd
analogy ``a : b :: c : ?`` (the word closest in cosine to ``b - a + c``, the three query words excluded).

Works on any ``(N, D)`` matrix with its words: a trained model's ``embedding_matrix()`` with its vocabulary,
or a GloVe / fastText text file (:meth:`WordEmbedding.from_file`).
"""
import numpy as np

from gluonx._validate import check_positive
from gluonx.utils.atomic import atomic_write

__all__ = ["WordEmbedding"]


class WordEmbedding:
    """Words and their vectors, with cosine k-NN and analogies.

    Parameters
    ----------
    words : sequence of str
        One word per row (a ``Vocabulary``'s ``idx_to_token``); must be distinct.
    vectors : array-like
        ``(N, D)`` vectors.
    skip : sequence of str
        Words never returned as neighbours or answers (e.g. ``<unk>`` and reserved tokens).
    """

    def __init__(self, words, vectors, skip=("<unk>", "<pad>", "<bos>", "<eos>")):
        vectors = np.array(vectors, dtype=np.float32)  # a copy: later edits of the caller's array do not leak
        words = list(words)
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise ValueError("expected one vector row per word: {} words, vectors of shape {}".format(
                len(words), vectors.shape))
        self.words, self.vectors = words, vectors
        self.index = {w: i for i, w in enumerate(words)}
        if len(self.index) != len(words):
            raise ValueError("the words must be distinct")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.unit = vectors / np.maximum(norms, 1e-12)  # zero rows stay zero (similarity 0)
        self.skip = np.zeros(len(words), dtype=bool)
        for word in skip:
            if word in self.index:
                self.skip[self.index[word]] = True

    @classmethod
    def from_vocab(cls, vocab, vectors, **kwargs):
        """From a :class:`~gluonx_nlp.text.Vocabulary` and its ``(len(vocab), D)`` matrix; the unknown and
        reserved tokens are skipped."""
        skip = (vocab.unknown_token,) + tuple(vocab.reserved_tokens)
        return cls(vocab.idx_to_token, vectors, skip=kwargs.pop("skip", skip), **kwargs)

    @classmethod
    def from_file(cls, path, **kwargs):
        """From a GloVe ``.txt`` or fastText ``.vec`` file (``gluonx_nlp.data.load_text_vectors``)."""
        from ..data.vectors import load_text_vectors
        words, vectors = load_text_vectors(path)
        return cls(words, vectors, **kwargs)

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.index

    def vector(self, word):
        if word not in self.index:
            raise KeyError("{!r} has no vector".format(word))
        return self.vectors[self.index[word]]

    def similarity(self, first, second):
        """Cosine similarity of two words."""
        return float(self.unit[self._row(first)] @ self.unit[self._row(second)])

    def _row(self, word):
        if word not in self.index:
            raise KeyError("{!r} has no vector (not among the {} words)".format(word, len(self.words)))
        return self.index[word]

    def _top(self, query, k, exclude):
        check_positive("k", k)
        query = np.asarray(query, dtype=np.float32)
        scores = self.unit @ (query / max(float(np.linalg.norm(query)), 1e-12))
        scores[self.skip] = -np.inf
        scores[list(exclude)] = -np.inf
        k = min(int(k), int(np.isfinite(scores).sum()))
        top = np.argpartition(-scores, k - 1)[:k] if k else np.zeros(0, int)
        top = top[np.lexsort((top, -scores[top]))]  # by score, ties by row
        return [(self.words[i], float(scores[i])) for i in top]

    def nearest(self, word, k=5):
        """The ``k`` words of highest cosine similarity to ``word`` (itself excluded): ``[(word, cos)]``."""
        row = self._row(word)
        return self._top(self.unit[row], k, [row])

    def nearest_to_vector(self, vector, k=5):
        """The ``k`` words of highest cosine similarity to any vector (e.g. an out-of-vocabulary word's)."""
        return self._top(vector, k, [])

    def analogy(self, a, b, c, k=1):
        """3CosAdd (D2L 10.6.2): the words closest in cosine to ``unit(b) - unit(a) + unit(c)``, the three
        query words excluded (``analogy('man', 'woman', 'son')`` -> ``[('daughter', ...)]``)."""
        rows = [self._row(a), self._row(b), self._row(c)]
        query = self.unit[rows[1]] - self.unit[rows[0]] + self.unit[rows[2]]
        return self._top(query, k, rows)

    def save(self, path, skip_tokens=True):
        """Write a fastText ``.vec`` text file (header ``count dim``), atomically; the skipped tokens are left
        out unless ``skip_tokens=False``."""
        rows = [i for i in range(len(self.words)) if not (skip_tokens and self.skip[i])]
        with atomic_write(path, "w", encoding="utf-8") as handle:
            handle.write("{} {}\n".format(len(rows), self.vectors.shape[1]))
            for i in rows:
                handle.write(self.words[i] + " " + " ".join("{:.6g}".format(v) for v in self.vectors[i]) + "\n")
        return path
