"""Pretrained word vectors in text form: GloVe ``.txt`` and fastText ``.vec`` (D2L 10.6, "word similarity
and analogy", loads both).

Format: one word per line, the word then its ``D`` numbers separated by spaces. fastText files start with a
header line ``<count> <D>``; GloVe files have none (the dimension is read from the first line). A word may
contain spaces (some GloVe 840B entries do): the last ``D`` fields are the vector. A repeated word keeps its
first vector (as gluonnlp does).

Out-of-vocabulary policy of :func:`embedding_matrix`: a vocabulary token that the file lacks (including the
unknown and reserved tokens) gets a zero vector (``oov='zeros'``, the default), the mean of the file's vectors
(``oov='mean'``) or a normal draw with the file's per-dimension standard deviation (``oov='random'``,
seeded). Words of the file that the vocabulary lacks are ignored.
"""
import numpy as np

from .errors import TextFormatError, read_lines

__all__ = ["OOV_POLICIES", "TextVectors", "embedding_matrix", "load_text_vectors"]

OOV_POLICIES = ("zeros", "mean", "random")


def _is_header(fields):
    return len(fields) == 2 and all(f.isdigit() for f in fields)


def load_text_vectors(path):
    """Read a GloVe or fastText text-vector file.

    Returns
    -------
    (list of str, numpy.ndarray)
        The words and their ``(N, D)`` float32 vectors, in file order (repeats dropped).
    """
    words, rows, seen = [], [], set()
    dim = expected_count = None
    count = 0
    for number, line in read_lines(path, "word-vector file"):
        fields = line.rstrip().split(" ")
        if number == 1 and _is_header(fields):
            expected_count, dim = int(fields[0]), int(fields[1])
            if dim < 1:
                raise TextFormatError(path, number, "the fastText header's dimension must be >= 1")
            continue
        if not line.strip():
            continue
        if dim is None:
            dim = len(fields) - 1
            if dim < 1:
                raise TextFormatError(path, number, "expected a word followed by its vector, found one field")
        if len(fields) < dim + 1:
            raise TextFormatError(path, number, "expected a word and {} numbers, found {} field(s)".format(
                dim, len(fields)))
        word = " ".join(fields[:len(fields) - dim])
        try:
            vector = np.array(fields[len(fields) - dim:], dtype=np.float32)
        except ValueError:
            raise TextFormatError(path, number, "the last {} fields must be numbers".format(dim)) from None
        if not np.isfinite(vector).all():
            raise TextFormatError(path, number, "the vector of {!r} is not finite".format(word))
        count += 1
        if word in seen:
            continue
        seen.add(word)
        words.append(word)
        rows.append(vector)
    if dim is None:
        raise TextFormatError(path, 1, "no vectors found")
    if expected_count is not None and expected_count != count:
        raise TextFormatError(path, 1, "the header announces {} vectors, the file holds {}".format(
            expected_count, count))
    matrix = np.stack(rows) if rows else np.zeros((0, dim), np.float32)
    return words, matrix


class TextVectors:
    """Word vectors of a GloVe / fastText text file: ``vectors[word]`` and :meth:`embedding_matrix`."""

    def __init__(self, path):
        self.path = path
        self.words, self.vectors = load_text_vectors(path)
        self.index = {w: i for i, w in enumerate(self.words)}

    @property
    def dim(self):
        return self.vectors.shape[1]

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.index

    def __getitem__(self, word):
        return self.vectors[self.index[word]]

    def embedding_matrix(self, vocab, oov="zeros", seed=0):
        """``(len(vocab), D)`` matrix for ``vocab``; see :func:`embedding_matrix`."""
        return embedding_matrix(vocab, self.words, self.vectors, oov=oov, seed=seed)


def embedding_matrix(vocab, words, vectors, oov="zeros", seed=0):
    """Rows of ``vectors`` arranged by the vocabulary's indices, ready for ``nn.Embedding.weight.set_data``.

    Parameters
    ----------
    vocab : Vocabulary
        Anything with ``idx_to_token``.
    words, vectors : list of str, (N, D) array
        As returned by :func:`load_text_vectors`.
    oov : {'zeros', 'mean', 'random'}
        Vector of a vocabulary token absent from ``words`` (see the module docstring).
    seed : int
        Seed of ``oov='random'``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The ``(len(vocab), D)`` float32 matrix and a boolean mask of the tokens found in the file.
    """
    if oov not in OOV_POLICIES:
        raise ValueError("oov must be one of {}, got {!r}".format(OOV_POLICIES, oov))
    vectors = np.asarray(vectors, dtype=np.float32)
    index = {w: i for i, w in enumerate(words)}
    tokens = list(vocab.idx_to_token)
    found = np.array([t in index for t in tokens], dtype=bool)
    dim = vectors.shape[1]
    if oov == "zeros" or len(words) == 0:
        out = np.zeros((len(tokens), dim), np.float32)
    elif oov == "mean":
        out = np.tile(vectors.mean(axis=0), (len(tokens), 1)).astype(np.float32)
    else:
        std = vectors.std(axis=0)
        out = (np.random.RandomState(seed).standard_normal((len(tokens), dim)) * std).astype(np.float32)
    rows = [index[t] for t in tokens if t in index]
    out[found] = vectors[rows]
    return out, found
