"""Word and character tokenizers (D2L 10.7.1 ``get_tokenized_imdb``; D2L 10.12.1's
preprocessing; D2L 6.3's characters)."""
import re

__all__ = ["CharTokenizer", "WordTokenizer"]

# Words (letters, digits, apostrophes inside words) or one punctuation mark each.
_WORDS_AND_PUNCTUATION = re.compile(r"\w+(?:'\w+)*|[^\w\s]", re.UNICODE)
# Non-breaking spaces of the Tatoeba sentence pairs (fra.txt), replaced as D2L 10.12.1 does.
_NON_BREAKING = str.maketrans({"\u202f": " ", "\xa0": " "})


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
        line = line.translate(_NON_BREAKING)
        if self.lower:
            line = line.lower()
        if self.split_punctuation:
            return _WORDS_AND_PUNCTUATION.findall(line)
        return line.split()

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
        line = line.rstrip("\r\n")
        if self.lower:
            line = line.lower()
        return [c for c in line if self.keep_spaces or not c.isspace()]

    def __repr__(self):
        return "CharTokenizer(lower={}, keep_spaces={})".format(self.lower, self.keep_spaces)
