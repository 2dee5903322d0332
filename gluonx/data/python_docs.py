"""CPython's help text as a character-level language-modelling dataset (real English, ships with Python).

The first 90 % of the text is the training part and defines the vocabulary; the held-out part is the next
``held_out_chars`` characters (D2L 6.3's sequential corpus, with a held-out tail for perplexity).
"""
import numpy as np

from .text_corpus import CharacterVocabulary, python_docs_text

__all__ = ["PythonDocs"]


class PythonDocs:
    """The corpus as a 1-D stream of character ids; ``np.asarray(dataset)`` gives the ids.

    Language-model tasks cut it into parallel streams and windows themselves, so a sample is one character
    id (``len`` counts characters).

    Parameters
    ----------
    train : bool
        The training part (the first ``train_fraction`` of the text) or the held-out part after it.
    train_fraction : float
        Share of the text used for training (and for the vocabulary).
    held_out_chars : int
        Length of the held-out part.

    Attributes
    ----------
    vocab : gluonx.data.text_corpus.CharacterVocabulary
        Built on the training part; ``vocab_size`` is its length.
    ids : numpy.ndarray
        int32 character ids.
    """

    def __init__(self, train=True, train_fraction=0.9, held_out_chars=20000):
        if not 0 < train_fraction < 1:
            raise ValueError("PythonDocs train_fraction must be in (0, 1), got {!r}".format(train_fraction))
        if int(held_out_chars) < 1:
            raise ValueError("PythonDocs held_out_chars must be at least 1, got {!r}".format(held_out_chars))
        text = python_docs_text()
        cut = int(len(text) * train_fraction)
        self.vocab = CharacterVocabulary(text[:cut])
        part = text[:cut] if train else text[cut:cut + int(held_out_chars)]
        self.ids = self.vocab.encode(part)

    @property
    def vocab_size(self):
        """Number of character ids (the unknown id included)."""
        return len(self.vocab)

    def __len__(self):
        return len(self.ids)

    def __array__(self, dtype=None):
        return self.ids if dtype is None else self.ids.astype(dtype)
