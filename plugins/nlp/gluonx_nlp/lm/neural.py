"""A word-level recurrent LM trained with the importance-sampled softmax, and its mixture with an n-gram LM
(DL 12.4.2-12.4.4).

:class:`SampledSoftmaxLM` is an embedding, a GRU and an output layer whose full softmax is only computed for
evaluation; :func:`train_sampled_lm` trains it on sentences with :func:`importance_sampled_nll` (candidates from
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

from .sampled_softmax import draw_candidates, importance_sampled_nll, unigram_proposal

__all__ = ["SampledSoftmaxLM", "train_sampled_lm", "neural_word_probabilities", "kneser_ney_word_probabilities",
           "fit_interpolation_weight", "perplexity"]

BOS, EOS = "<bos>", "<eos>"


class SampledSoftmaxLM(nn.HybridBlock):
    """Embedding, one GRU layer, output layer: ``log_probs = model(tokens (T, N))`` -> (T, N, V) for evaluation;
    :meth:`features` gives the (T, N, H) states that training scores against sampled candidates only.

    References
    ----------
    DL 12.4.2 (neural language models), 12.4.3.3 (importance sampling).
    """

    def __init__(self, vocab_size, embed_size=64, hidden_size=128, **kwargs):
        super().__init__(**kwargs)
        self._vocab_size = int(vocab_size)
        with self.name_scope():
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.rnn = gluon.rnn.GRU(hidden_size, input_size=embed_size)
            self.output_weight = self.params.get("output_weight", shape=(vocab_size, hidden_size))
            self.output_bias = self.params.get("output_bias", shape=(vocab_size,), init="zeros")

    def features(self, tokens):
        return self.rnn(self.embedding(tokens))

    def hybrid_forward(self, F, tokens, output_weight, output_bias):
        logits = F.FullyConnected(self.rnn(self.embedding(tokens)), output_weight, output_bias,
                                  num_hidden=self._vocab_size, flatten=False)
        return F.log_softmax(logits, axis=-1)


def _batches(sentences, vocab, batch_size, rng=None):
    """(inputs, targets) of shape (T, N): ``<bos>`` + words -> words + ``<eos>``, targets -1 on padding; in a
    random order with ``rng``, else in the given order."""
    order = rng.permutation(len(sentences)) if rng is not None else np.arange(len(sentences))
    bos, eos = vocab[BOS], vocab[EOS]
    for start in range(0, len(order), batch_size):
        chosen = [sentences[i] for i in order[start:start + batch_size]]
        width = max(len(s) for s in chosen) + 1
        inputs = np.full((width, len(chosen)), eos, np.int32)
        targets = np.full((width, len(chosen)), -1, np.int32)
        for column, sentence in enumerate(chosen):
            ids = vocab[list(sentence)]
            inputs[:len(ids) + 1, column] = [bos] + ids
            targets[:len(ids) + 1, column] = ids + [eos]
        yield inputs, targets


def train_sampled_lm(sentences, vocab, epochs=2, batch_size=32, num_samples=200, lr=0.01, seed=0,
                     embed_size=64, hidden_size=128):
    """Train a :class:`SampledSoftmaxLM` on token lists with the importance-sampled softmax.

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
    counts = np.zeros(len(vocab))
    for sentence in sentences:
        np.add.at(counts, vocab[list(sentence)] + [vocab[EOS]], 1)
    proposal = unigram_proposal(counts)
    net = SampledSoftmaxLM(len(vocab), embed_size, hidden_size)
    net.initialize(mx.init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": lr, "clip_gradient": 5.0})
    for _ in range(int(epochs)):
        for inputs, targets in _batches(sentences, vocab, batch_size, rng):
            candidates = draw_candidates(proposal, num_samples, rng)
            flat_targets = targets.reshape(-1)
            keep = np.nonzero(flat_targets >= 0)[0]
            with autograd.record():
                features = net.features(mx.nd.array(inputs, dtype="int32"))
                features = mx.nd.take(features.reshape((-1, features.shape[-1])), mx.nd.array(keep))
                loss = importance_sampled_nll(mx.nd, features, net.output_weight.data(), net.output_bias.data(),
                                              mx.nd.array(flat_targets[keep]), mx.nd.array(candidates),
                                              mx.nd.array(np.log(proposal[candidates])))
            loss.backward()
            trainer.step(len(keep))
    return net


def neural_word_probabilities(net, vocab, sentences):
    """``P(w_i | w_<i)`` of every word of every sentence, then of the sentence's end, under ``net``."""
    out = []
    for inputs, targets in _batches(sentences, vocab, 64):
        log_probs = net(mx.nd.array(inputs, dtype="int32")).asnumpy()
        for column in range(inputs.shape[1]):
            rows = np.nonzero(targets[:, column] >= 0)[0]
            out.append(np.exp(log_probs[rows, column, targets[rows, column]]))
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
