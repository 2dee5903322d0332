"""Subwords: byte-pair encoding learned from word frequencies (the English edition's D2L 14.6.2) and
fastText's character n-grams (D2L 10.4).

BPE starts from the characters of every word plus an end-of-word symbol ``_`` and repeatedly merges the most
frequent pair of adjacent symbols (ties: the pair met first, scanning words in the order given and each word
left to right, as the book's ``max`` over an insertion-ordered dict). Merges are applied to whole symbols
(the book replaces substrings of the space-joined word, which can in rare cases join across symbol
boundaries). Segmentation is the book's ``segment_BPE``: greedy longest match against the learned symbols,
``[UNK]`` for a rest that no symbol covers.
"""
import collections

from gluonx._validate import check_non_negative

__all__ = ["BPE", "char_ngrams"]


def char_ngrams(word, min_n=3, max_n=6):
    """fastText's subwords of ``word``: the n-grams (``min_n <= n <= max_n``) of ``'<' + word + '>'`` and the
    whole ``'<word>'`` itself (D2L 10.4: ``where`` -> ``<wh``, ``whe``, ..., ``<where>``)."""
    if not 1 <= int(min_n) <= int(max_n):
        raise ValueError("need 1 <= min_n <= max_n, got {} and {}".format(min_n, max_n))
    marked = "<" + word + ">"
    grams = [marked[i:i + n] for n in range(min_n, max_n + 1) for i in range(len(marked) - n + 1)]
    return [g for g in grams if g != marked] + [marked]


class BPE:
    """Byte-pair encoding (Sennrich et al. 2016) as in D2L 14.6.2 (English edition).

    Parameters
    ----------
    num_merges : int
        Number of merge operations to learn.
    end_of_word : str
        Symbol appended to every word so that suffixes differ from word-internal pieces.
    unknown : str
        Output of :meth:`segment` for a part of a word that no symbol covers.
    """

    def __init__(self, num_merges, end_of_word="_", unknown="[UNK]"):
        check_non_negative("num_merges", num_merges)
        self.num_merges = int(num_merges)
        self.end_of_word = end_of_word
        self.unknown = unknown
        self.merges = []
        self.symbols = []

    def fit(self, word_freqs):
        """Learn merges from ``{word: frequency}`` (a dict/Counter, or an iterable of words to count)."""
        if not isinstance(word_freqs, dict):
            word_freqs = collections.Counter(word_freqs)
        words = [(list(w) + [self.end_of_word], int(f)) for w, f in word_freqs.items()]
        symbols = []
        for chars, _ in words:
            for c in chars:
                if c not in symbols:
                    symbols.append(c)
        self.merges = []
        for _ in range(self.num_merges):
            pairs = {}
            for chars, freq in words:
                for pair in zip(chars, chars[1:]):
                    pairs[pair] = pairs.get(pair, 0) + freq
            if not pairs:
                break
            best = max(pairs, key=pairs.get)  # first of the most frequent, in order of appearance
            merged = best[0] + best[1]
            self.merges.append(best)
            if merged not in symbols:
                symbols.append(merged)
            words = [(self._merge(chars, best, merged), freq) for chars, freq in words]
        self.symbols = symbols
        self._symbol_set = set(symbols)
        return self

    @staticmethod
    def _merge(chars, pair, merged):
        out, i = [], 0
        while i < len(chars):
            if i + 1 < len(chars) and (chars[i], chars[i + 1]) == pair:
                out.append(merged)
                i += 2
            else:
                out.append(chars[i])
                i += 1
        return out

    def segment(self, word):
        """Subwords of one word (the end-of-word symbol appended first unless present): greedy longest match."""
        if not self.symbols:
            raise ValueError("BPE.segment needs fit() first")
        if not word.endswith(self.end_of_word):
            word = word + self.end_of_word
        start, end, out = 0, len(word), []
        while start < len(word) and start < end:
            if word[start:end] in self._symbol_set:
                out.append(word[start:end])
                start, end = end, len(word)
            else:
                end -= 1
        if start < len(word):
            out.append(self.unknown)
        return out

    def __call__(self, line):
        """Subwords of every whitespace-separated word of ``line``."""
        return [piece for word in line.split() for piece in self.segment(word)]
