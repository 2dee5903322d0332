"""An embedded English corpus at the word level: CPython's help text (``pydoc_data.topics``, the text of the
core's character-level ``python_docs`` dataset), split into sentences of lower-case words.

It ships with Python, so demos and tests run offline. Its exact text depends on the Python version: use it
for examples and for comparisons made within one run (gluonx against a reference library on the same
sentences), never for fixed numbers.
"""
import re

from gluonx.data.text_corpus import python_docs_text

__all__ = ["PythonDocsSentences"]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


class PythonDocsSentences:
    """Sentences of CPython's help topics as lower-case word lists (letters and inner apostrophes only).

    Parameters
    ----------
    min_words : int
        Sentences with fewer words are left out (code lines and headings mostly).
    max_sentences : int, optional
        Keep only the first sentences (topics in sorted order).
    train : bool, optional
        None (default): every sentence. True: the first ``1 - held_out`` of them; False: the rest (the test
        split ``gluonx train`` evaluates on).
    held_out : float
        Fraction of the sentences in the test split, in (0, 1).
    min_freq : int
        Minimum count of a :attr:`vocab` word in the training split.

    Attributes
    ----------
    vocab : gluonx_nlp.text.Vocabulary
        The words seen ``min_freq`` times in the training split (``<unk>``, ``<pad>``, ``<bos>``, ``<eos>``
        first, then by decreasing frequency), the same for both splits; ``vocab_size`` is its length.
    """

    def __init__(self, min_words=3, max_sentences=None, train=None, held_out=0.1, min_freq=2):
        from ..text.vocab import Vocabulary, count_tokens
        if not 0 < float(held_out) < 1:
            raise ValueError("held_out must be in (0, 1), got {!r}".format(held_out))
        sentences = []
        for sentence in _SENTENCE_END.split(python_docs_text().lower()):
            words = _WORD.findall(sentence)
            if len(words) >= int(min_words):
                sentences.append(words)
                if max_sentences is not None and len(sentences) == int(max_sentences):
                    break
        cut = int(round(len(sentences) * (1 - float(held_out))))
        self.vocab = Vocabulary(count_tokens(sentences[:cut]), min_freq=int(min_freq))
        self.sentences = sentences if train is None else sentences[:cut] if train else sentences[cut:]

    @property
    def vocab_size(self):
        return len(self.vocab)

    def __len__(self):
        return len(self.sentences)

    def __getitem__(self, idx):
        return self.sentences[idx]

    def tokens(self):
        """All words, sentence after sentence."""
        return [w for s in self.sentences for w in s]
