"""High-dimensional outputs of neural language models (DL 12.4.3): importance-sampled softmax and short lists.

**Importance sampling** (DL 12.4.3.3, Bengio & Senécal 2008). The softmax's normaliser ``Z = sum_w exp(s_w)``
costs a pass over the vocabulary. Drawing ``K`` candidates ``w_1..w_K`` from a proposal ``Q`` (a unigram
distribution, often raised to a power) gives the estimate ``Z ~ (1/K) sum_k exp(s_{w_k}) / Q(w_k)`` (the log-Q
correction), so the negative log-likelihood becomes ``-s_y + log (1/K) sum_k exp(s_{w_k} - log Q(w_k))``. Its
gradient is the book's self-normalised importance-sampling estimate of the softmax's negative phase, and the
loss tends to the full softmax's as ``K`` grows (tested). The candidates are shared by the whole batch, so
one ``(N, H) x (H, K)`` product replaces the ``(N, H) x (H, V)`` one.

**Short list** (DL 12.4.3.2, Schwenk & Gauvain 2002): the ``S`` most frequent words get a softmax of their own,
together with one more output, the class "rare word"; a rare word's probability is ``P(rare | h) P(w | rare, h)``
with a second softmax over the rare words only. The probabilities of all words still sum to one; the frequent
words (most tokens of a text) need only the ``S + 1``-way softmax.
"""
import numpy as np
from mxnet.gluon import nn

__all__ = ["unigram_proposal", "draw_candidates", "importance_sampled_nll", "full_softmax_nll",
           "ShortlistOutput"]


def unigram_proposal(counts, power=0.75):
    """Proposal ``Q(w) ~ count(w) ** power`` (word2vec's 0.75), every word given at least count 1."""
    weights = np.maximum(np.asarray(counts, dtype=np.float64), 1.0) ** float(power)
    return weights / weights.sum()


def draw_candidates(proposal, num_samples, rng):
    """``num_samples`` word ids drawn with replacement from ``proposal`` (a NumPy ``RandomState``)."""
    return rng.choice(len(proposal), size=int(num_samples), p=proposal).astype(np.int32)


def importance_sampled_nll(F, features, weight, bias, targets, candidates, log_proposal):
    """Per-example ``-log P(target)`` with the softmax normaliser estimated from shared ``candidates``.

    Parameters
    ----------
    F : module
        ``mx.nd`` or ``mx.sym``.
    features : (N, H)
        Hidden states.
    weight, bias : (V, H), (V,)
        The output layer.
    targets : (N,)
        True word ids.
    candidates : (K,)
        Word ids drawn from the proposal.
    log_proposal : (K,)
        ``log Q`` of each candidate.

    Returns
    -------
    (N,) losses: ``-s_y + logsumexp_k(s_k - log Q_k) - log K``.
    """
    true_scores = F.sum(features * F.take(weight, targets), axis=1) + F.take(bias, targets)
    sampled = F.dot(features, F.take(weight, candidates), transpose_b=True)                 # (N, K)
    shift = F.reshape(F.take(bias, candidates) - log_proposal, (1, -1))                      # bias - log Q
    corrected = F.broadcast_add(sampled, shift)
    peak = F.max(corrected, axis=1, keepdims=True)
    log_z = F.log(F.mean(F.exp(F.broadcast_sub(corrected, peak)), axis=1)) + F.reshape(peak, (-1,))
    return log_z - true_scores


def full_softmax_nll(F, features, weight, bias, targets):
    """Per-example ``-log softmax(features W^T + b)[target]`` (the exact loss the estimate approximates)."""
    logits = F.broadcast_add(F.dot(features, weight, transpose_b=True), F.reshape(bias, (1, -1)))
    return -F.pick(F.log_softmax(logits, axis=1), targets, axis=1)


class ShortlistOutput(nn.HybridBlock):
    """Output layer with a short list: a softmax over the ``shortlist_size`` most frequent words plus a "rare"
    class, and a softmax over the rare words (DL 12.4.3.2).

    Word ids must be ordered by decreasing frequency (``Vocabulary`` puts the reserved tokens first, then the
    words by frequency): ids ``< shortlist_size`` are the short list.

    Parameters
    ----------
    vocab_size, shortlist_size, in_units : int

    Inputs: ``features`` (N, H). Output: log-probabilities (N, vocab_size) of every word (for evaluation;
    :meth:`log_prob` scores only the targets).
    """

    def __init__(self, vocab_size, shortlist_size, in_units, **kwargs):
        super().__init__(**kwargs)
        if not 0 < int(shortlist_size) < int(vocab_size):
            raise ValueError("ShortlistOutput: need 0 < shortlist_size < vocab_size, got {} and {}".format(
                shortlist_size, vocab_size))
        self._shortlist = int(shortlist_size)
        self._rare = int(vocab_size) - self._shortlist
        with self.name_scope():
            self.head = nn.Dense(self._shortlist + 1, in_units=in_units, flatten=False)
            self.tail = nn.Dense(self._rare, in_units=in_units, flatten=False)

    def hybrid_forward(self, F, features):
        head = F.log_softmax(self.head(features), axis=-1)
        frequent = F.slice_axis(head, axis=-1, begin=0, end=self._shortlist)
        rare_class = F.slice_axis(head, axis=-1, begin=self._shortlist, end=self._shortlist + 1)
        rare = F.broadcast_add(F.log_softmax(self.tail(features), axis=-1), rare_class)
        return F.concat(frequent, rare, dim=-1)

    def log_prob(self, features, targets):
        """``log P(target)`` per example, computing the rare-word softmax only for rows whose target is rare
        (imperative: the point of the short list is to skip it for frequent words)."""
        from mxnet import nd
        head = nd.log_softmax(self.head(features), axis=-1)
        out = nd.pick(head, nd.minimum(targets, self._shortlist), axis=-1)
        rare_rows = np.nonzero(targets.asnumpy() >= self._shortlist)[0]
        if len(rare_rows):
            rows = nd.array(rare_rows, ctx=features.context)
            tail = nd.log_softmax(self.tail(nd.take(features, rows)), axis=-1)
            scores = nd.pick(tail, nd.take(targets, rows) - self._shortlist, axis=-1)
            out = out + nd.scatter_nd(scores, nd.reshape(rows, (1, -1)), out.shape)
        return out
