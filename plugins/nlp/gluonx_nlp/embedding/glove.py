"""GloVe (D2L 10.5; Pennington et al. 2014): word vectors fitted by weighted least squares to the logarithm
of the co-occurrence counts.

Co-occurrence: within each sentence, every pair of words at distance ``d <= window`` adds ``1 / d`` to
``x_ij`` and to ``x_ji`` (GloVe's distance weighting; symmetric window). The model scores a pair as
``s_ij = u_i . v_j + b_i + c_j``; the loss of a pair is ``h(x_ij) (s_ij - log x_ij)^2`` with
``h(x) = min(1, (x / x_max)^alpha)`` (D2L 10.5.2's weight; GloVe's x_max=100, alpha=0.75). Training visits
the nonzero entries of the matrix in a random order, in batches, and keeps ``u + v`` as the word vectors.
"""
import mxnet as mx
import numpy as np
from mxnet.gluon import nn

from gluonx._validate import check_positive

__all__ = ["cooccurrence", "glove_weight", "GloVe", "GloVeSource", "glove"]


def cooccurrence(sentences, vocab_size, window=5):
    """Distance-weighted symmetric co-occurrence counts of word ids (sparse).

    Returns
    -------
    (rows, cols, values)
        NumPy arrays of the nonzero entries (``rows`` int32, ``cols`` int32, ``values`` float64), sorted by
        ``(row, col)``.
    """
    check_positive("window", window)
    vocab_size = int(vocab_size)
    lengths = np.array([len(s) for s in sentences], dtype=np.int64)
    if not len(lengths) or lengths.sum() == 0:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0)
    tokens = np.concatenate(sentences).astype(np.int64)
    sentence = np.repeat(np.arange(len(lengths)), lengths)
    keys, weights = [], []
    for distance in range(1, int(window) + 1):
        left, right = tokens[:-distance], tokens[distance:]
        same = sentence[:-distance] == sentence[distance:]
        pairs_l, pairs_r = left[same], right[same]
        # both directions: x_ij counts j around i on either side
        keys.append(pairs_l * vocab_size + pairs_r)
        keys.append(pairs_r * vocab_size + pairs_l)
        weights.append(np.full(2 * len(pairs_l), 1.0 / distance))
    keys, weights = np.concatenate(keys), np.concatenate(weights)
    unique, inverse = np.unique(keys, return_inverse=True)
    values = np.bincount(inverse, weights=weights)
    return (unique // vocab_size).astype(np.int32), (unique % vocab_size).astype(np.int32), values


def glove_weight(x, x_max=100.0, alpha=0.75):
    """GloVe's weighting ``h(x) = min(1, (x / x_max) ** alpha)`` (D2L 10.5.2)."""
    return np.minimum(1.0, (np.asarray(x, dtype=np.float64) / float(x_max)) ** float(alpha))


class GloVe(nn.HybridBlock):
    """The GloVe scorer ``s_ij = u_i . v_j + b_i + c_j`` (D2L 10.5.2).

    Inputs: ``rows`` ``(B,)`` and ``cols`` ``(B,)`` word ids; output ``(B,)`` scores.

    Parameters
    ----------
    vocab_size, embed_size : int
    sparse_grad : bool
        ``row_sparse`` gradients for the four tables (AdaGrad, GloVe's optimizer, updates them lazily).
    """

    def __init__(self, vocab_size, embed_size=100, sparse_grad=True, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size, self.embed_size = int(vocab_size), int(embed_size)
        scale = 0.5 / self.embed_size
        with self.name_scope():
            self.embedding = nn.Embedding(vocab_size, embed_size, sparse_grad=sparse_grad,
                                          weight_initializer=mx.init.Uniform(scale))
            self.context = nn.Embedding(vocab_size, embed_size, sparse_grad=sparse_grad,
                                        weight_initializer=mx.init.Uniform(scale))
            self.bias = nn.Embedding(vocab_size, 1, sparse_grad=sparse_grad, weight_initializer=mx.init.Zero())
            self.context_bias = nn.Embedding(vocab_size, 1, sparse_grad=sparse_grad,
                                             weight_initializer=mx.init.Zero())

    def hybrid_forward(self, F, rows, cols):
        dot = (self.embedding(rows) * self.context(cols)).sum(axis=1)
        return dot + self.bias(rows).reshape((-1,)) + self.context_bias(cols).reshape((-1,))

    def batch_inputs(self, batch):
        return batch["rows"], batch["cols"]

    def batch_loss(self, outputs, batch):
        """``h(x_ij) (s_ij - log x_ij)^2`` per pair (the weight and the log count come with the batch)."""
        return batch["weight"] * mx.nd.square(outputs - batch["log_count"])

    def embedding_matrix(self):
        """``u + v``, the vectors GloVe keeps (D2L 10.5.2: the two are equivalent up to initialization)."""
        return self.embedding.weight.data().asnumpy() + self.context.weight.data().asnumpy()


class GloVeSource:
    """Batches of the nonzero co-occurrences of a word-id corpus in a resumable random order.

    Batches are dicts of ``rows``, ``cols`` (float32 ids), ``log_count`` and ``weight`` (``h(x)``).
    """

    def __init__(self, corpus, batch_size, window=5, x_max=100.0, alpha=0.75, shuffle=True, seed=0,
                 last_batch="keep"):
        check_positive("batch_size", batch_size)
        rows, cols, values = cooccurrence(corpus.sentences, corpus.vocab_size, window)
        self.rows, self.cols = rows.astype(np.float32), cols.astype(np.float32)
        self.log_count = np.log(values).astype(np.float32)
        self.weight = glove_weight(values, x_max, alpha).astype(np.float32)
        self.batch_size, self.shuffle, self.seed, self.last_batch = int(batch_size), bool(shuffle), int(seed), \
            last_batch

    def __len__(self):
        full, rest = divmod(len(self.rows), self.batch_size)
        return full + (1 if rest and self.last_batch == "keep" else 0)

    def batches(self, epoch, start=0):
        rng = np.random.RandomState(np.random.SeedSequence([self.seed, int(epoch), 7]).generate_state(1)[0])
        order = rng.permutation(len(self.rows)) if self.shuffle else np.arange(len(self.rows))
        for number in range(start, len(self)):
            take = order[number * self.batch_size:(number + 1) * self.batch_size]
            yield {"rows": self.rows[take], "cols": self.cols[take], "log_count": self.log_count[take],
                   "weight": self.weight[take]}


def glove(vocab_size, embed_size=100, sparse_grad=True, **kwargs):
    """GloVe word vectors (D2L 10.5)."""
    return GloVe(vocab_size, embed_size, sparse_grad, **kwargs)
