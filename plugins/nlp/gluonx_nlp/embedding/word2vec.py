"""word2vec: skip-gram and continuous bag of words (D2L 10.1), trained with negative sampling or hierarchical
softmax (D2L 10.2), on the batches of :class:`~gluonx_nlp.embedding.batches.Word2VecSource` (D2L 10.3).

Every model keeps two tables: ``embedding`` (the word vectors one keeps: the center words' for skip-gram, the
context words' for CBOW) and ``output`` (context-word vectors for negative sampling, inner-node vectors of the
Huffman tree for hierarchical softmax). Both are ``nn.Embedding(sparse_grad=True)`` by default: a batch's
gradient is ``row_sparse`` with only the rows the batch looked up, and an optimizer with lazy updates (MXNet's
SGD, Adam, AdaGrad...) changes only those rows.

The forward passes are hybridizable and export: negative-sampling models return the scores (dot products)
of the targets; hierarchical-softmax models return ``log p(word | input)`` computed along each word's path,
whose nodes, codes and mask are constant ``(V, depth)`` parameters of the model. ``batch_inputs`` and
``batch_loss`` turn a training batch into the forward's inputs and a per-center loss (used by the task's step).
"""
import mxnet as mx
from mxnet.gluon import nn

from .huffman import HuffmanTree

__all__ = ["SkipGramNS", "CBOWNS", "SkipGramHS", "CBOWHS", "skipgram_ns", "cbow_ns", "skipgram_hs", "cbow_hs"]


def log_sigmoid(F, x):
    """``log(sigmoid(x)) = -softplus(-x)``, finite for large ``|x|``."""
    return -F.Activation(-x, act_type="softrelu")


def _embedding(rows, embed_size, sparse_grad, scale):
    # word2vec's initialization: small uniform vectors, so that the initial scores are near 0
    return nn.Embedding(rows, embed_size, weight_initializer=mx.init.Uniform(scale), sparse_grad=sparse_grad)


class _Word2Vec(nn.HybridBlock):
    """The two tables and what every word2vec model shares."""

    def __init__(self, vocab_size, embed_size=100, sparse_grad=True, output_size=None, input_size=None,
                 input_scale=None, **kwargs):
        super().__init__(**kwargs)
        if int(vocab_size) < 2:
            raise ValueError("vocab_size must be at least 2, got {}".format(vocab_size))
        self.vocab_size, self.embed_size, self.sparse_grad = int(vocab_size), int(embed_size), bool(sparse_grad)
        with self.name_scope():
            self.embedding = _embedding(input_size or self.vocab_size, self.embed_size, sparse_grad,
                                        input_scale or 0.5 / self.embed_size)
            self.output = _embedding(output_size or self.vocab_size, self.embed_size, sparse_grad,
                                     0.5 / self.embed_size)

    def embedding_matrix(self):
        """The ``(V, E)`` word vectors as NumPy (what :class:`WordEmbedding` and ``.vec`` files hold)."""
        return self.embedding.weight.data().asnumpy()

    def _context_mean(self, F, contexts, mask):
        vectors = F.broadcast_mul(self.embedding(contexts), mask.expand_dims(2))
        return F.broadcast_div(vectors.sum(axis=1), F.maximum(mask.sum(axis=1, keepdims=True), 1))


def _mean_over_contexts(F, pair_losses, mask):
    """Per center word: the loss summed over its (context, noise) terms, divided by its number of contexts."""
    return pair_losses.sum(axis=1) / F.maximum(mask.sum(axis=1), 1)


class SkipGramNS(_Word2Vec):
    """Skip-gram with negative sampling (D2L 10.1.3, 10.2.1): ``score(c, o) = u_o . v_c``.

    Inputs: ``center`` ``(B,)`` ids and ``targets`` ``(B, T)`` ids; output: ``(B, T)`` scores.

    Parameters
    ----------
    vocab_size, embed_size : int
    sparse_grad : bool
        ``row_sparse`` gradients for both tables.
    """

    def hybrid_forward(self, F, center, targets):
        return F.batch_dot(self.output(targets), self.embedding(center).expand_dims(2)).reshape((0, -1))

    def batch_inputs(self, batch):
        return batch["center"], mx.nd.concat(batch["contexts"], batch["negatives"], dim=1)

    def batch_loss(self, outputs, batch):
        mask = batch["mask"]
        width = mask.shape[1]
        negatives = batch["negatives"].shape[1] // width
        positive = -log_sigmoid(mx.nd, outputs[:, :width]) * mask
        negative = -log_sigmoid(mx.nd, -outputs[:, width:]) * mask.repeat(negatives, axis=1)
        return (positive.sum(axis=1) + negative.sum(axis=1)) / mx.nd.maximum(mask.sum(axis=1), 1)


class CBOWNS(_Word2Vec):
    """Continuous bag of words with negative sampling (D2L 10.1.4, 10.2.1): the mean of the context vectors
    scores the center word and the noise words.

    Inputs: ``contexts`` ``(B, C)`` ids, ``mask`` ``(B, C)`` and ``targets`` ``(B, T)`` ids; output ``(B, T)``.
    """

    def hybrid_forward(self, F, contexts, mask, targets):
        hidden = self._context_mean(F, contexts, mask)
        return F.batch_dot(self.output(targets), hidden.expand_dims(2)).reshape((0, -1))

    def batch_inputs(self, batch):
        negatives = batch["negatives"].shape[1] // batch["mask"].shape[1]
        noise = batch["negatives"][:, :negatives]
        return batch["contexts"], batch["mask"], mx.nd.concat(batch["center"].expand_dims(1), noise, dim=1)

    def batch_loss(self, outputs, batch):
        return -log_sigmoid(mx.nd, outputs[:, 0]) - log_sigmoid(mx.nd, -outputs[:, 1:]).sum(axis=1)


class _HierarchicalSoftmax(_Word2Vec):
    """The Huffman tree as constant parameters and ``log p(word | hidden)`` along the paths (D2L 10.2.2)."""

    def __init__(self, vocab_size, embed_size=100, token_counts=None, sparse_grad=True, **kwargs):
        super().__init__(vocab_size, embed_size, sparse_grad, output_size=max(int(vocab_size) - 1, 1), **kwargs)
        if token_counts is None:
            token_counts = [1] * self.vocab_size  # a balanced tree: the counts come with the corpus
        if len(token_counts) != self.vocab_size:
            raise ValueError("token_counts must have vocab_size={} entries, got {}".format(
                self.vocab_size, len(token_counts)))
        self.tree = HuffmanTree(token_counts)
        with self.name_scope():
            self.path_nodes = self.params.get_constant("path_nodes", mx.nd.array(self.tree.nodes))
            self.path_codes = self.params.get_constant("path_codes", mx.nd.array(self.tree.codes))
            self.path_mask = self.params.get_constant("path_mask", mx.nd.array(self.tree.mask))

    def _log_prob(self, F, hidden, words, path_nodes, path_codes, path_mask):
        """``log p(words | hidden)`` for ``words`` ``(B, C)`` given ``hidden`` ``(B, E)``: ``(B, C)``."""
        nodes = F.take(path_nodes, words)                                           # (B, C, D)
        vectors = self.output(nodes).reshape((0, -1, self.embed_size))              # (B, C*D, E)
        scores = F.reshape_like(F.batch_dot(vectors, hidden.expand_dims(2)), nodes)  # (B, C, D)
        signs = 1 - 2 * F.take(path_codes, words)
        return (log_sigmoid(F, scores * signs) * F.take(path_mask, words)).sum(axis=2)


class SkipGramHS(_HierarchicalSoftmax):
    """Skip-gram with hierarchical softmax (D2L 10.2.2).

    Inputs: ``center`` ``(B,)`` and ``contexts`` ``(B, C)`` ids; output ``(B, C)``: ``log p(context | center)``.

    Parameters
    ----------
    vocab_size, embed_size : int
    token_counts : sequence of int, optional
        Word counts the Huffman tree is built from (``gluonx train`` passes the dataset's); default: equal
        counts (a balanced tree).
    sparse_grad : bool
    """

    def hybrid_forward(self, F, center, contexts, path_nodes, path_codes, path_mask):
        return self._log_prob(F, self.embedding(center), contexts, path_nodes, path_codes, path_mask)

    def batch_inputs(self, batch):
        return batch["center"], batch["contexts"]

    def batch_loss(self, outputs, batch):
        mask = batch["mask"]
        return -(outputs * mask).sum(axis=1) / mx.nd.maximum(mask.sum(axis=1), 1)


class CBOWHS(_HierarchicalSoftmax):
    """CBOW with hierarchical softmax (D2L 10.2.2).

    Inputs: ``contexts`` ``(B, C)`` ids, ``mask`` ``(B, C)`` and ``center`` ``(B,)`` ids; output ``(B,)``:
    ``log p(center | contexts)``.
    """

    def hybrid_forward(self, F, contexts, mask, center, path_nodes, path_codes, path_mask):
        hidden = self._context_mean(F, contexts, mask)
        return self._log_prob(F, hidden, center.expand_dims(1), path_nodes, path_codes, path_mask).reshape((-1,))

    def batch_inputs(self, batch):
        return batch["contexts"], batch["mask"], batch["center"]

    def batch_loss(self, outputs, batch):
        return -outputs


def skipgram_ns(vocab_size, embed_size=100, sparse_grad=True, **kwargs):
    """Skip-gram with negative sampling (D2L 10.1.3, 10.2.1)."""
    return SkipGramNS(vocab_size, embed_size, sparse_grad, **kwargs)


def cbow_ns(vocab_size, embed_size=100, sparse_grad=True, **kwargs):
    """CBOW with negative sampling (D2L 10.1.4, 10.2.1)."""
    return CBOWNS(vocab_size, embed_size, sparse_grad, **kwargs)


def skipgram_hs(vocab_size, embed_size=100, token_counts=None, sparse_grad=True, **kwargs):
    """Skip-gram with hierarchical softmax over a Huffman tree of ``token_counts`` (D2L 10.2.2)."""
    return SkipGramHS(vocab_size, embed_size, token_counts, sparse_grad, **kwargs)


def cbow_hs(vocab_size, embed_size=100, token_counts=None, sparse_grad=True, **kwargs):
    """CBOW with hierarchical softmax over a Huffman tree of ``token_counts`` (D2L 10.2.2)."""
    return CBOWHS(vocab_size, embed_size, token_counts, sparse_grad, **kwargs)
