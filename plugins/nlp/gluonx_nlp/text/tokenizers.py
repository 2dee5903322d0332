"""Word and character tokenizers (D2L 10.7.1 ``get_tokenized_imdb``; D2L 10.12.1's
preprocessing; D2L 6.3's characters)."""
from gluonx.deploy.text_preprocessing import tokenize

__all__ = ["CharTokenizer", "WordTokenizer"]


class WordTokenizer:
    """Split a line into words.

    Parameters
    ----------
    lower : bool
        Lower-case first (D2L 10.7.1's reviews and 10.12.1's translation data are).
    split_punctuation : bool
        ``False``: split on whitespace only (D2L 10.7.1). ``True``: every punctuation mark becomes its own
        token, as D2L 10.12.1 obtains by inserting a space before ``, . ! ?`` (here: every non-word character).
    """

    def __init__(self, lower=False, split_punctuation=False):
        self.lower = bool(lower)
        self.split_punctuation = bool(split_punctuation)

    def __call__(self, line):
        """Tokens of one line (a ``str``)."""
        if not isinstance(line, str):
            raise TypeError("WordTokenizer expects a str, got {}".format(type(line).__name__))
        return tokenize(line, self.spec())

    def spec(self):
        """The JSON description an export records (the core's :func:`gluonx.deploy.text_preprocessing.tokenize`
        runs it, so a deployment splits text exactly as training did)."""
        return {"type": "word", "lower": self.lower, "split_punctuation": self.split_punctuation}

    def __repr__(self):
        return "WordTokenizer(lower={}, split_punctuation={})".format(self.lower, self.split_punctuation)


class CharTokenizer:
    """Split a line into characters (D2L 6.3 indexes characters).

    Parameters
    ----------
    lower : bool
        Lower-case first.
    keep_spaces : bool
        Keep space characters as tokens (the book does, so a character LM learns word boundaries).
    """

    def __init__(self, lower=False, keep_spaces=True):
        self.lower = bool(lower)
        self.keep_spaces = bool(keep_spaces)

    def __call__(self, line):
        """Characters of one line (a ``str``), without the line break."""
        if not isinstance(line, str):
            raise TypeError("CharTokenizer expects a str, got {}".format(type(line).__name__))
        return tokenize(line, self.spec())

    def spec(self):
        """The JSON description an export records (see :meth:`WordTokenizer.spec`)."""
        return {"type": "char", "lower": self.lower, "keep_spaces": self.keep_spaces}

    def __repr__(self):
        return "CharTokenizer(lower={}, keep_spaces={})".format(self.lower, self.keep_spaces)
