"""A word-level recurrent LM trained with the importance-sampled softmax, and its mixture with an n-gram LM
(DL 12.4.2-12.4.4).

:class:`SampledSoftmaxLM` (registered ``sampled_softmax_lm``) is an embedding, a GRU over batch-major tokens
(N, T) and an output layer whose full softmax is only computed for evaluation and export;
:class:`ShortlistLM` (``shortlist_lm``) replaces the output layer by a short list (DL 12.4.3.2). The
``sampled-language-model`` task (:mod:`gluonx_nlp.lm.task`) trains either through ``gluonx train``;
:func:`train_sampled_lm` trains a :class:`SampledSoftmaxLM` in a plain Gluon loop on sentences with :func:`importance_sampled_nll` (candidates from
the unigram^0.75 proposal, shared by the batch). Its per-word probabilities live in the same event space as
:class:`~gluonx_nlp.lm.KneserNeyLM`'s: each word of a sentence given the words before it, then the end of the
sentence.

DL 12.4.4 combines n-gram and neural models: :func:`fit_interpolation_weight` finds, by EM on held-out text, the
weight ``lambda`` of ``P(w | c) = lambda P_ngram(w | c) + (1 - lambda) P_neural(w | c)`` that maximises the
held-out likelihood; :func:`kneser_ney_word_probabilities` and :func:`neural_word_probabilities` give both parts
per word.
"""
import math

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon
from mxnet.gluon import nn

from .sampled_softmax import ShortlistOutput, draw_candidates, importance_sampled_nll, unigram_proposal

__all__ = ["SampledSoftmaxLM", "ShortlistLM", "sampled_softmax_lm", "shortlist_lm", "train_sampled_lm", "neural_word_probabilities", "kneser_ney_word_probabilities",
           "fit_interpolation_weight", "perplexity"]

BOS, EOS = "<bos>", "<eos>"


class _WordLM(nn.HybridBlock):
    """Embedding and one GRU layer over batch-major tokens (N, T); subclasses add the output layer."""

    def __init__(self, vocab_size, embed_size, hidden_size, **kwargs):
        super().__init__(**kwargs)
        self._vocab_size = int(vocab_size)
        with self.name_scope():
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.rnn = gluon.rnn.GRU(hidden_size, input_size=embed_size, layout="NTC")

    def features(self, tokens):
        """The (N, T, H) hidden states of ``tokens`` (N, T)."""
        return self.rnn(self.embedding(tokens))

    def token_nll(self, tokens, targets):
        """Exact ``-log P(target)`` (K,) of the positions whose ``targets`` (N, T) are >= 0 (``-1`` = padding),
        in row-major order, from the full output distribution (evaluation)."""
        keep = mx.nd.array(np.nonzero(targets.asnumpy().reshape(-1) >= 0)[0], ctx=targets.context)
        picked = mx.nd.pick(self(tokens), mx.nd.relu(targets.astype("float32")), axis=-1)
        return -mx.nd.take(picked.reshape((-1,)), keep)

    def _kept_features(self, tokens, targets):
        keep = mx.nd.array(np.nonzero(targets.asnumpy().reshape(-1) >= 0)[0], ctx=targets.context)
        features = self.features(tokens)
        return (mx.nd.take(features.reshape((-1, features.shape[-1])), keep),
                mx.nd.take(targets.reshape((-1,)), keep))


class SampledSoftmaxLM(_WordLM):
    """Embedding, one GRU layer, output layer: ``log_probs = model(tokens (N, T))`` -> (N, T, V), the full
    softmax (evaluation, export); training scores the (N, T, H) :meth:`features` against sampled candidates
    only (:meth:`training_loss`).

    References
    ----------
    DL 12.4.2 (neural language models), 12.4.3.3 (importance sampling).
    """

    def __init__(self, vocab_size, embed_size=64, hidden_size=128, **kwargs):
        super().__init__(vocab_size, embed_size, hidden_size, **kwargs)
        with self.name_scope():
            self.output_weight = self.params.get("output_weight", shape=(vocab_size, hidden_size))
            self.output_bias = self.params.get("output_bias", shape=(vocab_size,), init="zeros")

    def hybrid_forward(self, F, tokens, output_weight, output_bias):
        logits = F.FullyConnected(self.rnn(self.embedding(tokens)), output_weight, output_bias,
                                  num_hidden=self._vocab_size, flatten=False)
        return F.log_softmax(logits, axis=-1)

    def training_loss(self, tokens, targets, candidates, log_proposal):
        """Importance-sampled ``-log P(target)`` (K,) of the non-padding positions (DL 12.4.3.3)."""
        features, kept = self._kept_features(tokens, targets)
        return importance_sampled_nll(mx.nd, features, self.output_weight.data(features.context),
                                      self.output_bias.data(features.context), kept, candidates, log_proposal)


class ShortlistLM(_WordLM):
    """Embedding, one GRU layer and a short-list output (DL 12.4.3.2): ``model(tokens (N, T))`` -> (N, T, V)
    log-probabilities; training computes the rare-word softmax only for positions whose target is rare
    (:meth:`ShortlistOutput.log_prob`, exact: no sampling).

    Word ids must be ordered by decreasing frequency (:class:`~gluonx_nlp.text.Vocabulary` is): ids below
    ``shortlist_size`` are the short list.
    """

    def __init__(self, vocab_size, embed_size=64, hidden_size=128, shortlist_size=500, **kwargs):
        super().__init__(vocab_size, embed_size, hidden_size, **kwargs)
        with self.name_scope():
            self.output = ShortlistOutput(vocab_size, min(int(shortlist_size), int(vocab_size) - 1), hidden_size)

    def hybrid_forward(self, F, tokens):
        return self.output(self.rnn(self.embedding(tokens)))

    def training_loss(self, tokens, targets, candidates=None, log_proposal=None):
        """Exact ``-log P(target)`` (K,) of the non-padding positions; the candidates are not used."""
        features, kept = self._kept_features(tokens, targets)
        return -self.output.log_prob(features, kept)


def sampled_softmax_lm(vocab_size, embed_size=64, hidden_size=128, **kwargs):
    """A :class:`SampledSoftmaxLM` (registered ``sampled_softmax_lm``)."""
    return SampledSoftmaxLM(vocab_size, embed_size, hidden_size, **kwargs)


def shortlist_lm(vocab_size, embed_size=64, hidden_size=128, shortlist_size=500, **kwargs):
    """A :class:`ShortlistLM` (registered ``shortlist_lm``); ``shortlist_size`` is capped at
    ``vocab_size - 1`` so small vocabularies still have a rare class."""
    return ShortlistLM(vocab_size, embed_size, hidden_size, shortlist_size, **kwargs)


def pad_sentences(id_lists, bos, eos):
    """``(inputs, targets)`` of shape (N, T) from word-id lists: ``<bos>`` + words -> words + ``<eos>``,
    inputs padded with ``eos`` and targets with -1 (left out of every loss)."""
    width = max(len(ids) for ids in id_lists) + 1
    inputs = np.full((len(id_lists), width), eos, np.int32)
    targets = np.full((len(id_lists), width), -1, np.int32)
    for row, ids in enumerate(id_lists):
        inputs[row, :len(ids) + 1] = [bos] + list(ids)
        targets[row, :len(ids) + 1] = list(ids) + [eos]
    return inputs, targets


def _batches(sentences, vocab, batch_size, rng=None):
    """(inputs, targets) of shape (N, T) of token lists, in a random order with ``rng``, else as given."""
    order = rng.permutation(len(sentences)) if rng is not None else np.arange(len(sentences))
    for start in range(0, len(order), batch_size):
        yield pad_sentences([vocab[list(sentences[i])] for i in order[start:start + batch_size]],
                            vocab[BOS], vocab[EOS])


def target_counts(id_lists, vocab_size, eos):
    """How often each id is a target: every word of every sentence, and one ``<eos>`` per sentence."""
    counts = np.zeros(int(vocab_size))
    for ids in id_lists:
        np.add.at(counts, np.asarray(ids, dtype=np.int64), 1)
    counts[eos] += len(id_lists)
    return counts


def train_sampled_lm(sentences, vocab, epochs=2, batch_size=32, num_samples=200, lr=0.01, seed=0,
                     embed_size=64, hidden_size=128):
    """Train a :class:`SampledSoftmaxLM` on token lists with the importance-sampled softmax (a plain Gluon
    loop; ``gluonx train sampled_softmax_lm`` does the same through the ``sampled-language-model`` task).

    Each batch draws ``num_samples`` candidates from the unigram^0.75 proposal of the training targets;
    padding positions (target -1) are left out of the loss.

    Returns
    -------
    SampledSoftmaxLM
    """
    mx.random.seed(seed)
    rng = np.random.RandomState(seed)
    # the proposal counts every target the model predicts, <eos> and <unk> included (a rare-looking but frequent
    # target would get a huge weight exp(s) / Q whenever it is drawn)
    proposal = unigram_proposal(target_counts([vocab[list(s)] for s in sentences], len(vocab), vocab[EOS]))
    net = SampledSoftmaxLM(len(vocab), embed_size, hidden_size)
    net.initialize(mx.init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": lr, "clip_gradient": 5.0})
    for _ in range(int(epochs)):
        for inputs, targets in _batches(sentences, vocab, batch_size, rng):
            candidates = draw_candidates(proposal, num_samples, rng)
            with autograd.record():
                loss = net.training_loss(mx.nd.array(inputs, dtype="int32"), mx.nd.array(targets, dtype="int32"),
                                         mx.nd.array(candidates), mx.nd.array(np.log(proposal[candidates])))
            loss.backward()
            trainer.step(loss.shape[0])
    return net


def neural_word_probabilities(net, vocab, sentences, ctx=None, batch_size=32):
    """``P(w_i | w_<i)`` of every word of every sentence, then of the sentence's end, under ``net`` (a model
    returning (N, T, V) log-probabilities of batch-major tokens)."""
    ctx = ctx or mx.cpu()
    out = []
    for inputs, targets in _batches(sentences, vocab, batch_size):
        # picked on the device: only (N, T) values are copied out, not the (N, T, V) distribution
        log_probs = mx.nd.pick(net(mx.nd.array(inputs, dtype="int32", ctx=ctx)),
                               mx.nd.array(np.maximum(targets, 0), ctx=ctx), axis=-1).asnumpy()
        for row in range(inputs.shape[0]):
            out.append(np.exp(log_probs[row, targets[row] >= 0].astype(np.float64)))
    return out


def kneser_ney_word_probabilities(lm, sentences):
    """``P(w_i | previous order-1 words)`` of every word of every sentence, then of ``</s>``, under a
    :class:`KneserNeyLM` (context padded with ``<s>``, as its ``perplexity``)."""
    out = []
    for sentence in sentences:
        padded = ["<s>"] * (lm.order - 1) + list(sentence) + ["</s>"]
        out.append(np.array([lm.score(padded[i], tuple(padded[i - lm.order + 1:i]))
                             for i in range(lm.order - 1, len(padded))]))
    return out


def _flat(probabilities):
    return np.concatenate([np.asarray(p, dtype=np.float64) for p in probabilities])


def fit_interpolation_weight(first, second, iterations=200, tol=1e-10):
    """The ``lambda`` in [0, 1] maximising ``sum log(lambda first + (1 - lambda) second)`` over held-out words, by
    EM (each step: the mean posterior responsibility of the first model). ``first``/``second``: per-word
    probabilities (arrays, or lists of arrays per sentence) of the same words."""
    first, second = _flat(first), _flat(second)
    weight = 0.5
    for _ in range(int(iterations)):
        mixed = weight * first + (1 - weight) * second
        updated = float(np.mean(weight * first / np.maximum(mixed, 1e-300)))
        if abs(updated - weight) < tol:
            return updated
        weight = updated
    return weight


def perplexity(probabilities):
    """``exp`` of the mean negative log-probability of per-word probabilities."""
    flat = _flat(probabilities)
    with np.errstate(divide="ignore"):
        return float(math.exp(-np.mean(np.log(flat))))
