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
    """

    def __init__(self, min_words=3, max_sentences=None):
        self.sentences = []
        for sentence in _SENTENCE_END.split(python_docs_text().lower()):
            words = _WORD.findall(sentence)
            if len(words) >= int(min_words):
                self.sentences.append(words)
                if max_sentences is not None and len(self.sentences) == int(max_sentences):
                    break

    def __len__(self):
        return len(self.sentences)

    def __getitem__(self, idx):
        return self.sentences[idx]

    def tokens(self):
        """All words, sentence after sentence."""
        return [w for s in self.sentences for w in s]
