"""BLEU (Papineni et al. 2002): the corpus score used to report translation quality, and the per-sentence
variant of D2L 10.12.4.

Corpus BLEU sums clipped n-gram matches and n-gram counts over all sentences, then takes the geometric mean
of the n-gram precisions (n = 1..4) times the brevity penalty ``exp(min(0, 1 - r / c))`` with ``c`` the
hypothesis length and ``r`` the sum of the closest reference lengths (ties: the shorter). This follows
sacrebleu 2.x's ``corpus_bleu`` on already tokenized text (``tokenize='none'``), smoothing methods included,
so the two agree on the same tokens; the result here is a fraction in [0, 1] (sacrebleu reports x 100).
"""
import collections
import math

from gluonx._validate import check_positive

__all__ = ["SMOOTH_METHODS", "CorpusBLEU", "bleu_statistics", "book_bleu", "corpus_bleu"]

#: Smoothing of zero n-gram precisions, with the default value of ``smooth_value`` (sacrebleu's names):
#: ``'none'`` (a zero precision gives BLEU 0), ``'floor'`` (``smooth_value / total``), ``'add-k'`` (add k to
#: matches and counts for n > 1), ``'exp'`` (NIST mteval-v13a: ``1 / (2^k total)`` for the k-th zero).
SMOOTH_METHODS = {"none": None, "floor": 0.1, "add-k": 1, "exp": None}


def _ngrams(tokens, n):
    return collections.Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def _as_references(refs):
    if not refs:
        raise ValueError("every hypothesis needs at least one reference")
    if all(isinstance(t, str) for t in refs):
        return [list(refs)]  # one reference given as a token list
    return [list(r) for r in refs]


def _check_tokens(seq, what):
    if isinstance(seq, str):
        raise TypeError("{} must be a list of tokens, got a str (split it first)".format(what))
    return list(seq)


def bleu_statistics(hypotheses, references, max_order=4):
    """Sufficient statistics of corpus BLEU.

    Parameters
    ----------
    hypotheses : sequence of token lists
    references : sequence (one item per hypothesis) of a token list or of several token lists
    max_order : int

    Returns
    -------
    (list, list, int, int)
        Clipped matches per order, hypothesis n-gram counts per order, hypothesis length, reference length.
    """
    hypotheses = list(hypotheses)
    references = list(references)
    if len(hypotheses) != len(references):
        raise ValueError("got {} hypotheses but {} reference entries".format(len(hypotheses), len(references)))
    check_positive("max_order", max_order)
    correct = [0] * max_order
    total = [0] * max_order
    sys_len = ref_len = 0
    for hyp, refs in zip(hypotheses, references):
        hyp = _check_tokens(hyp, "a hypothesis")
        refs = [_check_tokens(r, "a reference") for r in _as_references(refs)]
        sys_len += len(hyp)
        ref_len += min((abs(len(r) - len(hyp)), len(r)) for r in refs)[1]
        for n in range(1, max_order + 1):
            hyp_counts = _ngrams(hyp, n)
            best = collections.Counter()
            for r in refs:
                best |= _ngrams(r, n)  # element-wise max over references
            correct[n - 1] += sum(min(c, best[g]) for g, c in hyp_counts.items())
            total[n - 1] += max(0, len(hyp) - n + 1)
    return correct, total, sys_len, ref_len


def _score(correct, total, sys_len, ref_len, smooth, smooth_value, effective_order):
    if smooth not in SMOOTH_METHODS:
        raise ValueError("smooth must be one of {}, got {!r}".format(sorted(SMOOTH_METHODS), smooth))
    if smooth_value is None:
        smooth_value = SMOOTH_METHODS[smooth]
    correct, total = list(correct), list(total)
    if sys_len < ref_len:
        brevity = math.exp(1 - ref_len / sys_len) if sys_len > 0 else 0.0
    else:
        brevity = 1.0
    if not any(correct):
        return 0.0
    max_order = len(correct)
    precisions = [0.0] * max_order
    zeros_seen = 1.0
    order = max_order
    for n in range(1, max_order + 1):
        if smooth == "add-k" and n > 1:
            correct[n - 1] += smooth_value
            total[n - 1] += smooth_value
        if total[n - 1] == 0:
            break
        if effective_order:
            order = n
        if correct[n - 1] == 0:
            if smooth == "exp":
                zeros_seen *= 2
                precisions[n - 1] = 1.0 / (zeros_seen * total[n - 1])
            elif smooth == "floor":
                precisions[n - 1] = smooth_value / total[n - 1]
        else:
            precisions[n - 1] = correct[n - 1] / total[n - 1]
    if any(p == 0.0 for p in precisions[:order]):
        return 0.0
    return brevity * math.exp(sum(math.log(p) for p in precisions[:order]) / order)


def corpus_bleu(hypotheses, references, max_order=4, smooth="exp", smooth_value=None, effective_order=False):
    """Corpus BLEU in [0, 1] (sacrebleu's ``corpus_bleu(..., tokenize='none').score / 100``).

    Parameters
    ----------
    hypotheses : sequence of token lists
        The system's outputs, tokenized.
    references : sequence of token lists, or of lists of token lists
        One reference (or several) per hypothesis.
    max_order : int
        Longest n-gram (4 in the standard score).
    smooth : {'exp', 'floor', 'add-k', 'none'}
        Treatment of zero precisions (see :data:`SMOOTH_METHODS`); ``'exp'`` is sacrebleu's default.
    smooth_value : float, optional
        ``floor``'s epsilon or ``add-k``'s k (defaults 0.1 and 1).
    effective_order : bool
        Average only the orders the hypotheses contain (useful for single short sentences).
    """
    stats = bleu_statistics(hypotheses, references, max_order=max_order)
    return _score(*stats, smooth=smooth, smooth_value=smooth_value, effective_order=effective_order)


def book_bleu(prediction, label, k=2):
    """Per-sentence BLEU of D2L 10.12.4:
    ``exp(min(0, 1 - len_label / len_pred)) * prod_{n=1..k} p_n ** (1 / 2**n)``.

    ``p_n`` is the clipped n-gram precision. The weights ``1/2**n`` give long n-gram matches more weight
    (a precision below one raised to a smaller power is larger). Where the book divides by zero (an empty
    prediction, or one shorter than ``n``), the score here is 0: such a prediction has no n-grams to match.

    Parameters
    ----------
    prediction, label : list of str or str
        Token lists (a str is split on single spaces, as in the book).
    k : int
        Longest n-gram.
    """
    pred = prediction.split(" ") if isinstance(prediction, str) else list(prediction)
    ref = label.split(" ") if isinstance(label, str) else list(label)
    check_positive("k", k)
    if len(pred) < k or not ref:
        return 0.0
    score = math.exp(min(0.0, 1.0 - len(ref) / len(pred)))
    for n in range(1, k + 1):
        ref_counts = _ngrams(ref, n)
        matches = sum(min(c, ref_counts[g]) for g, c in _ngrams(pred, n).items())
        score *= math.pow(matches / (len(pred) - n + 1), math.pow(0.5, n))
    return score


class CorpusBLEU:
    """Streaming corpus BLEU: :meth:`update` with batches of hypotheses and references, :meth:`get` the score.

    Parameters are those of :func:`corpus_bleu`.
    """

    def __init__(self, max_order=4, smooth="exp", smooth_value=None, effective_order=False):
        if smooth not in SMOOTH_METHODS:
            raise ValueError("smooth must be one of {}, got {!r}".format(sorted(SMOOTH_METHODS), smooth))
        self.max_order = int(max_order)
        self.smooth = smooth
        self.smooth_value = smooth_value
        self.effective_order = effective_order
        self.reset()

    def reset(self):
        self._correct = [0] * self.max_order
        self._total = [0] * self.max_order
        self._sys_len = self._ref_len = 0

    def update(self, hypotheses, references):
        correct, total, sys_len, ref_len = bleu_statistics(hypotheses, references, self.max_order)
        self._correct = [a + b for a, b in zip(self._correct, correct)]
        self._total = [a + b for a, b in zip(self._total, total)]
        self._sys_len += sys_len
        self._ref_len += ref_len

    def get(self):
        """``('bleu', score in [0, 1])``."""
        return "bleu", _score(self._correct, self._total, self._sys_len, self._ref_len, self.smooth,
                              self.smooth_value, self.effective_order)
