"""Interpolated Kneser-Ney LM (DL 12.4.1): same probabilities and perplexity as nltk.lm on the same data."""
import math

import numpy as np
import pytest

import gluonx
from gluonx_nlp.lm import KneserNeyLM

nltk_lm = pytest.importorskip("nltk.lm")
from nltk.lm.preprocessing import pad_both_ends, padded_everygram_pipeline  # noqa: E402
from nltk.util import ngrams  # noqa: E402


def _sentences():
    # Real English that ships with Python: the plugin's embedded word corpus (nltk's scoring is slow: 100).
    return list(gluonx.get_dataset("python_docs_words", max_sentences=100))


def _nltk(order, train, discount):
    lm = nltk_lm.KneserNeyInterpolated(order, discount=discount)
    grams, vocab = padded_everygram_pipeline(order, train)
    lm.fit(grams, vocab)
    return lm


@pytest.mark.parametrize("order,discount", [(2, 0.1), (3, 0.1), (3, 0.75), (4, 0.5)])
def test_perplexity_and_probabilities_equal_nltk(order, discount):
    sentences = _sentences()
    assert len(sentences) > 40
    train, held_out = sentences[:-10][:80], sentences[-10:]  # 80 sentences: nltk's scoring is slow
    vocab = {w for s in train for w in s}
    rng = np.random.RandomState(order)
    # Test sentences: held-out ones restricted to known words, and shuffled training sentences (unseen n-grams
    # that exercise the lower orders).
    test = [[w for w in s if w in vocab] for s in held_out]
    test = [s for s in test if s][:5] + [list(rng.permutation(s)) for s in train[:5]]
    ours = KneserNeyLM(order, discount=discount).fit(train)
    theirs = _nltk(order, train, discount)
    for sentence in test[:5]:
        for gram in ngrams(list(pad_both_ends(sentence, n=order)), order):
            assert ours.score(gram[-1], gram[:-1]) == pytest.approx(theirs.score(gram[-1], gram[:-1]), rel=1e-9)
    grams = [g for s in test for g in ngrams(list(pad_both_ends(s, n=order)), order)]
    expected = theirs.perplexity(grams)
    assert math.isfinite(expected) and expected > 1
    assert ours.perplexity(test) == pytest.approx(expected, rel=1e-9)
    # The model prefers real sentences to their shuffles.
    assert ours.perplexity(train[:5]) < ours.perplexity(test[-5:])


def test_unknown_words_and_bad_arguments():
    lm = KneserNeyLM(2).fit([["a", "b"], ["b", "a"]])
    assert lm.score("zzz", ("a",)) == 0.0 and lm.perplexity([["zzz"]]) == math.inf
    # Probabilities after a context sum to one here (every occurrence of a context has a predecessor).
    assert sum(lm.score(w, ("a",)) for w in ("a", "b", "</s>", "<s>")) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="order must be >= 2"):
        KneserNeyLM(1)
    with pytest.raises(ValueError, match="discount"):
        KneserNeyLM(3, discount=1.5)
    with pytest.raises(TypeError, match="token lists"):
        KneserNeyLM(2).fit(["a b"])
