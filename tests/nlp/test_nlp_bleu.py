"""Corpus BLEU equals sacrebleu's on the same tokens; the book's per-sentence BLEU (D2L 10.12.4) by hand."""
import math

import numpy as np
import pytest

import gluonx
from gluonx_nlp.metrics import SMOOTH_METHODS, CorpusBLEU, book_bleu, corpus_bleu

sacrebleu = pytest.importorskip("sacrebleu")


def _sacre(hyps, refs, smooth="exp", **kwargs):
    """sacrebleu on the same tokens; ``refs`` is one list (per hypothesis) of reference token lists."""
    streams = [[" ".join(r[k]) for r in refs] for k in range(len(refs[0]))]
    score = sacrebleu.corpus_bleu([" ".join(h) for h in hyps], streams, tokenize="none",
                                  smooth_method=smooth, **kwargs)
    return score.score / 100.0


def _random_corpus(rng, n, vocab, num_refs, max_len=12, empty=False):
    def sentence(lo=1):
        return ["w{}".format(rng.randint(vocab)) for _ in range(rng.randint(lo, max_len))]
    hyps = [sentence(0 if empty else 1) for _ in range(n)]
    refs = [[sentence() for _ in range(num_refs)] for _ in range(n)]
    return hyps, refs


CASES = [(seed, smooth, num_refs) for seed in range(4) for smooth in sorted(SMOOTH_METHODS) for num_refs in (1, 3)]


@pytest.mark.parametrize("seed,smooth,num_refs", CASES)
def test_random_corpora_equal_sacrebleu(seed, smooth, num_refs):
    rng = np.random.RandomState(seed)
    # A small vocabulary makes 3- and 4-gram matches rare but possible, so smoothing matters.
    hyps, refs = _random_corpus(rng, n=30, vocab=6 + 4 * seed, num_refs=num_refs, empty=seed == 3)
    ours = corpus_bleu(hyps, refs, smooth=smooth)
    assert ours == pytest.approx(_sacre(hyps, refs, smooth=smooth), abs=1e-6)
    if smooth == "exp":
        assert 0 < ours < 1


def test_edge_cases_equal_sacrebleu():
    ref = [["the", "cat", "sat", "on", "the", "mat"]]
    cases = {
        "zero matches": ([["a", "b", "c", "d"]], [ref]),
        "perfect": ([ref[0]], [ref]),
        "short hypothesis (brevity penalty)": ([["the", "cat", "sat"]], [ref]),
        "no 4-grams in the hypothesis": ([["the", "cat"]], [ref]),
        "empty hypothesis": ([[]], [ref]),
        "empty and perfect hypotheses": ([[], ref[0]], [ref, ref]),
        "unigram matches only": ([["mat", "the", "on", "sat", "cat", "the"]], [ref]),
        "repeated words are clipped": ([["the"] * 7], [ref]),
        "longer than the reference": ([ref[0] + ["today", "again"]], [ref]),
    }
    for name, (hyps, refs) in cases.items():
        for smooth in sorted(SMOOTH_METHODS):
            for effective_order in (False, True):
                expected = _sacre(hyps, refs, smooth=smooth, use_effective_order=effective_order)
                got = corpus_bleu(hyps, refs, smooth=smooth, effective_order=effective_order)
                assert got == pytest.approx(expected, abs=1e-6), (name, smooth, effective_order)
    assert corpus_bleu([ref[0]], [ref]) == 1.0 and corpus_bleu([["a", "b", "c", "d"]], [ref]) == 0.0
    # Brevity penalty alone: 3 of 6 tokens, all n-grams matching -> exp(1 - 6/3) times precisions 1 (n <= 3).
    assert corpus_bleu([["the", "cat", "sat"]], [ref], effective_order=True) == pytest.approx(math.exp(-1))


def test_streaming_metric_through_the_registry_equals_one_call():
    rng = np.random.RandomState(7)
    hyps, refs = _random_corpus(rng, n=40, vocab=8, num_refs=2)
    metric = gluonx.get_metric("corpus_bleu")
    for start in range(0, 40, 15):
        metric.update(hyps[start:start + 15], refs[start:start + 15])
    name, value = metric.get()
    assert name == "bleu" and value == pytest.approx(corpus_bleu(hyps, refs), abs=1e-12) and value > 0
    metric.reset()
    assert metric.get()[1] == 0.0


def test_bad_arguments():
    with pytest.raises(ValueError, match="2 hypotheses but 1 reference"):
        corpus_bleu([["a"], ["b"]], [[["a"]]])
    with pytest.raises(TypeError, match="list of tokens, got a str"):
        corpus_bleu(["a b"], [["a", "b"]])
    with pytest.raises(ValueError, match="smooth must be one of"):
        CorpusBLEU(smooth="lin")
    with pytest.raises(ValueError, match="max_order must be positive"):
        corpus_bleu([["a"]], [["a"]], max_order=0)
    with pytest.raises(ValueError, match="k must be positive"):
        book_bleu("a", "a", k=0)


def test_book_bleu_by_hand():
    # D2L 10.12.4: exp(min(0, 1 - len_label/len_pred)) * prod_n p_n^(1/2^n), k = 2 in the book's examples.
    # "il est riche ." vs "il est calme .": p1 = 3/4, p2 = 1/3 ("il est" only) -> (3/4)^(1/2) * (1/3)^(1/4).
    assert book_bleu("il est riche .", "il est calme .") == pytest.approx(math.sqrt(0.75) * (1 / 3) ** 0.25)
    # Identical sentences score 1; a prediction without any matching word scores 0.
    assert book_bleu("je suis chez moi .", "je suis chez moi .", k=4) == pytest.approx(1.0)
    assert book_bleu("va !", "j'ai perdu .") == 0.0
    # Short prediction: penalty exp(1 - 4/2); "il est" matches fully -> p1 = p2 = 1.
    assert book_bleu("il est", "il est calme .") == pytest.approx(math.exp(-1))
    # Clipping: "le le le" vs "le chat": p1 = 1/3, p2 = 0/2 -> 0; with k = 1: 1/3^(1/2), no penalty.
    assert book_bleu("le le le", "le chat") == 0.0
    assert book_bleu("le le le", "le chat", k=1) == pytest.approx((1 / 3) ** 0.5)
    # Where the book divides by zero (empty prediction, or shorter than k) the score is 0.
    assert book_bleu([], ["a"]) == 0.0 and book_bleu(["a"], ["a"], k=2) == 0.0
