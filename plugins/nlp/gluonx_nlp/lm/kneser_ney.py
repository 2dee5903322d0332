"""Interpolated Kneser-Ney n-gram language model (DL 12.4.1; Kneser & Ney 1995, Chen & Goodman 1999).

``P(w | c) = max(N(c, w) - d, 0) / N(c) + d * T(c) / N(c) * P(w | c[1:])`` where, at the highest order,
``N`` are raw counts; at lower orders ``N(c, w)`` is the continuation count ``#{x : count(x, c, w) > 0}`` and
``N(c)`` its sum over ``w``; ``T(c)`` is the number of distinct words seen after ``c``. The unigram level is
the continuation probability ``#{x : count(x, w) > 0} / #{bigram types}``. A context never seen gives all its
weight to the next lower order.

These are exactly the definitions of ``nltk.lm.KneserNeyInterpolated`` (one absolute discount ``d`` for all
orders, default 0.1; sentences padded with ``order - 1`` ``<s>`` and ``</s>``), so both give the same
probabilities and perplexities. Two consequences of those definitions, kept for parity:

- at the lower orders ``T(c)`` counts the raw followers of ``c`` while ``N(c)`` counts continuations, so
  the probabilities of a context sum to one only when every occurrence of ``c`` has a predecessor;
- a word that never follows another word (an out-of-vocabulary word, mapped to ``<UNK>``; ``<s>`` in a bigram
  model) gets probability 0 at the unigram level: a test sentence with an unknown word has infinite
  perplexity.
"""
import collections
import math

__all__ = ["KneserNeyLM"]

BOS, EOS, UNK = "<s>", "</s>", "<UNK>"


def _pad(sentence, order):
    return [BOS] * (order - 1) + list(sentence) + [EOS] * (order - 1)


class KneserNeyLM:
    """Interpolated Kneser-Ney LM of a given order.

    Parameters
    ----------
    order : int
        n of the n-grams (>= 2).
    discount : float
        Absolute discount ``d`` in (0, 1).
    """

    def __init__(self, order=3, discount=0.1):
        if int(order) < 2:
            raise ValueError("order must be >= 2, got {}".format(order))
        if not 0 < float(discount) < 1:
            raise ValueError("discount must be in (0, 1), got {}".format(discount))
        self.order = int(order)
        self.discount = float(discount)
        self.vocab = set()

    def fit(self, sentences):
        """Count the n-grams (n = 1..order) of padded token lists; returns ``self``."""
        order = self.order
        # followers[c][w] = count(c, w) for every context length 0..order-1
        self._followers = collections.defaultdict(collections.Counter)
        for sentence in sentences:
            if isinstance(sentence, str):
                raise TypeError("fit expects token lists, got a str (split it first)")
            padded = _pad(sentence, order)
            self.vocab.update(padded)
            for n in range(1, order + 1):
                for i in range(len(padded) - n + 1):
                    gram = tuple(padded[i:i + n])
                    self._followers[gram[:-1]][gram[-1]] += 1
        if not self._followers:
            raise ValueError("no sentences to fit")
        # Continuation counts of every context shorter than order - 1: cont[c][w] = #{x: count(x, c, w) > 0}.
        self._continuation = collections.defaultdict(collections.Counter)
        self._continuation_total = collections.Counter()
        for prefix, words in self._followers.items():
            if len(prefix) == 0:
                continue
            context = prefix[1:]
            for word in words:
                self._continuation[context][word] += 1
            self._continuation_total[context] += len(words)
        self._total = {c: sum(words.values()) for c, words in self._followers.items()}
        return self

    def _lookup(self, word):
        return word if word in self.vocab else UNK

    def _score(self, word, context):
        if not context:
            total = self._continuation_total[()]
            return self._continuation[()][word] / total if total else 0.0
        followers = self._followers.get(context)
        if not followers:
            return self._score(word, context[1:])
        if len(context) + 1 == self.order:
            count, total = followers[word], self._total[context]
        else:
            count, total = self._continuation[context][word], self._continuation_total[context]
        alpha = max(count - self.discount, 0.0) / total
        gamma = self.discount * len(followers) / total
        return alpha + gamma * self._score(word, context[1:])

    def score(self, word, context=()):
        """``P(word | context)``; only the last ``order - 1`` context words are used."""
        context = tuple(self._lookup(w) for w in context)[-(self.order - 1):] if context else ()
        return self._score(self._lookup(word), context)

    def logscore(self, word, context=()):
        """``log2 P(word | context)`` (``-inf`` for probability 0)."""
        p = self.score(word, context)
        return math.log2(p) if p > 0 else -math.inf

    def perplexity(self, sentences):
        """``2 ** (mean over the padded test n-grams of -log2 P)``, the n-grams being those of each sentence
        padded with ``order - 1`` ``<s>`` and ``</s>`` (the form ``nltk.lm``'s ``perplexity`` is given)."""
        logs = []
        for sentence in sentences:
            padded = _pad(sentence, self.order)
            for i in range(len(padded) - self.order + 1):
                gram = padded[i:i + self.order]
                logs.append(self.logscore(gram[-1], gram[:-1]))
        if not logs:
            raise ValueError("no n-grams to score")
        return math.pow(2.0, -sum(logs) / len(logs))
