"""DL 12.4.3-12.4.4: the importance-sampled softmax loss tends to the full softmax's as candidates grow, the
short-list output is a normalised distribution, and an n-gram + neural mixture fitted on held-out text is no
worse than either part on other held-out text."""
import numpy as np
import pytest

from gluonx_nlp.data.embedded import PythonDocsSentences
from gluonx_nlp.lm import KneserNeyLM
from gluonx_nlp.lm.neural import (fit_interpolation_weight, kneser_ney_word_probabilities,
                                  neural_word_probabilities, perplexity, train_sampled_lm)
from gluonx_nlp.lm.sampled_softmax import (ShortlistOutput, draw_candidates, full_softmax_nll,
                                           importance_sampled_nll, unigram_proposal)
from gluonx_nlp.text import Vocabulary

mx = pytest.importorskip("mxnet")


def _numpy_nll(features, weight, bias, targets):
    logits = features @ weight.T + bias
    peak = logits.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(logits - peak).sum(axis=1)) + peak[:, 0]
    return log_z - logits[np.arange(len(targets)), targets]


def test_importance_sampled_loss_tends_to_the_full_softmax():
    rng = np.random.RandomState(0)
    V, H, N = 400, 16, 64
    features = rng.normal(size=(N, H)).astype("float32")
    weight = (rng.normal(size=(V, H)) * 0.3).astype("float32")
    bias = rng.normal(size=V).astype("float32")
    targets = rng.randint(0, V, N)
    exact = _numpy_nll(features, weight, bias, targets)
    nd = mx.nd
    full = full_softmax_nll(nd, nd.array(features), nd.array(weight), nd.array(bias), nd.array(targets)).asnumpy()
    np.testing.assert_allclose(full, exact, rtol=1e-4)
    proposal = unigram_proposal(1000.0 / np.arange(1, V + 1))       # Zipf-like counts
    errors = []
    for samples in (10, 100, 1000, 10000):
        gaps = []
        for _ in range(5):
            candidates = draw_candidates(proposal, samples, rng)
            loss = importance_sampled_nll(nd, nd.array(features), nd.array(weight), nd.array(bias),
                                          nd.array(targets), nd.array(candidates),
                                          nd.array(np.log(proposal[candidates]))).asnumpy()
            gaps.append(np.abs(loss - exact).mean())
        errors.append(np.mean(gaps))
    assert all(later < earlier for earlier, later in zip(errors, errors[1:])), errors
    assert errors[-1] < 0.05 and errors[0] > 10 * errors[-1], errors   # measured 0.78, 0.35, 0.099, 0.025


def test_shortlist_output_is_a_normalised_distribution():
    mx.random.seed(0)
    block = ShortlistOutput(vocab_size=30, shortlist_size=8, in_units=5)
    block.initialize(mx.init.Normal(0.5))
    features = mx.nd.random.normal(shape=(6, 5))
    log_probs = block(features).asnumpy()
    np.testing.assert_allclose(np.exp(log_probs).sum(axis=1), 1.0, rtol=1e-5)
    head = block.head(features).asnumpy()
    head = head - np.log(np.exp(head).sum(axis=1, keepdims=True))
    tail = block.tail(features).asnumpy()
    tail = tail - np.log(np.exp(tail).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(log_probs[:, :8], head[:, :8], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(log_probs[:, 8:], tail + head[:, 8:9], rtol=1e-5, atol=1e-6)
    targets = np.array([0, 7, 8, 29, 3, 15])
    picked = block.log_prob(features, mx.nd.array(targets)).asnumpy()
    np.testing.assert_allclose(picked, log_probs[np.arange(6), targets], rtol=1e-5, atol=1e-6)


def test_mixture_of_kneser_ney_and_neural_lm_is_no_worse_than_either_on_held_out_text():
    sentences = [s for s in PythonDocsSentences(max_sentences=1500) if len(s) <= 30]
    vocab = Vocabulary(sentences[:1100], min_freq=2)
    # words seen once in training and unknown held-out words become <unk> for both models (KN would give an
    # unseen word probability 0)
    sentences = [[w if w in vocab else "<unk>" for w in s] for s in sentences]
    train, rest = sentences[:1100], sentences[1100:]
    valid, test = rest[::2], rest[1::2]
    assert len(valid) > 100 and len(test) > 100
    ngram = KneserNeyLM(order=3, discount=0.75).fit(train)
    neural = train_sampled_lm(train, vocab, epochs=2, num_samples=200, embed_size=32, hidden_size=48)
    weight = fit_interpolation_weight(kneser_ney_word_probabilities(ngram, valid),
                                      neural_word_probabilities(neural, vocab, valid))
    assert 0 < weight < 1
    kn_test = kneser_ney_word_probabilities(ngram, test)
    neural_test = neural_word_probabilities(neural, vocab, test)
    mixed = [weight * a + (1 - weight) * b for a, b in zip(kn_test, neural_test)]
    perplexities = perplexity(kn_test), perplexity(neural_test), perplexity(mixed)
    assert perplexities[2] <= min(perplexities[:2]), perplexities
    # the KN probabilities here are the ones KneserNeyLM itself scores (same padding and contexts)
    assert np.isclose(kn_test[0][0], ngram.score(test[0][0], ("<s>", "<s>")))
