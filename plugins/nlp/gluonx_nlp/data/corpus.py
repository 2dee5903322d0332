"""Plain-text corpora and the Penn Treebank layout (D2L 6.3 reads a text as lines; D2L 10.3.1 reads PTB).

PTB (as in Mikolov's ``simple-examples/data``): ``ptb.train.txt``, ``ptb.valid.txt``, ``ptb.test.txt``, one
sentence per line, tokens separated by single spaces, rare words already replaced by ``<unk>``, numbers by
``N``. Every line gets an end-of-sentence token ``<eos>`` (as gluonnlp's PTB loader and the word-level LMs
of DL 12.4 do).
"""
import os

from .errors import TextFormatError, read_lines

__all__ = ["PTB_SPLITS", "PTBCorpus", "TextCorpus", "read_corpus"]

PTB_SPLITS = ("train", "valid", "test")


def read_corpus(path, tokenizer=None, skip_empty=True, eos=None):
    """Token lists of the lines of a UTF-8 text file.

    Parameters
    ----------
    path : str
        The file.
    tokenizer : callable, optional
        ``str -> list of str``; default: split on whitespace.
    skip_empty : bool
        Leave out lines with no tokens.
    eos : str, optional
        Token appended to every line kept (e.g. ``'<eos>'``).
    """
    tokenizer = tokenizer or str.split
    lines = []
    for _, line in read_lines(path, "text corpus"):
        tokens = list(tokenizer(line))
        if not tokens and skip_empty:
            continue
        if eos is not None:
            tokens.append(eos)
        lines.append(tokens)
    return lines


class _TokenLines:
    def __init__(self, lines):
        self.lines = lines

    def __len__(self):
        return len(self.lines)

    def __getitem__(self, idx):
        return self.lines[idx]

    def tokens(self):
        """All tokens, line after line (the stream a language model reads)."""
        return [token for line in self.lines for token in line]


class TextCorpus(_TokenLines):
    """A plain-text file as a dataset of token lists (one per non-empty line).

    Parameters
    ----------
    path : str
        UTF-8 text file.
    tokenizer : callable, optional
        ``str -> list of str`` (e.g. :class:`~gluonx_nlp.text.WordTokenizer`); default: whitespace split.
    eos : str, optional
        Token appended to every line.
    """

    def __init__(self, path, tokenizer=None, eos=None):
        self.path = path
        super().__init__(read_corpus(path, tokenizer=tokenizer, eos=eos))


class PTBCorpus(_TokenLines):
    """One split of the Penn Treebank language-modelling data (``ptb.{split}.txt`` under ``root``).

    Each sample is a sentence's tokens followed by ``<eos>``; empty lines are skipped. A line with a tab or
    with bytes that are not UTF-8 is not PTB: it raises :class:`~gluonx_nlp.data.errors.TextFormatError`
    naming the file and line.
    """

    def __init__(self, root, split="train", eos="<eos>"):
        if split not in PTB_SPLITS:
            raise ValueError("split must be one of {}, got {!r}".format(PTB_SPLITS, split))
        self.path = os.path.join(root, "ptb.{}.txt".format(split))
        lines = []
        for number, line in read_lines(self.path, "PTB split file"):
            if "\t" in line:
                raise TextFormatError(self.path, number, "PTB lines are space-separated tokens, found a tab")
            tokens = line.split()
            if tokens:
                lines.append(tokens + ([eos] if eos else []))
        super().__init__(lines)
