"""Tab-separated parallel corpora: the Tatoeba / manythings.org ``fra.txt`` of D2L 10.12.1 (``fra-eng``).

One pair per line: ``source<TAB>target`` or, in the current downloads, ``source<TAB>target<TAB>attribution``
(``CC-BY 2.0 (France) Attribution: tatoeba.org #... (user) & #... (user)``). The attribution is kept in
:attr:`ParallelCorpus.attributions` (CC-BY requires it when the data is redistributed).
"""
from .errors import TextFormatError, read_lines

__all__ = ["ParallelCorpus", "read_parallel_tsv"]


def read_parallel_tsv(path):
    """``[(source, target, attribution or None)]`` of a tab-separated parallel corpus.

    A line with fewer than 2 or more than 3 tab-separated fields, or with an empty side, raises
    :class:`~gluonx_nlp.data.errors.TextFormatError` naming the file and line. Empty lines are skipped.
    """
    pairs = []
    for number, line in read_lines(path, "parallel corpus"):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) not in (2, 3):
            raise TextFormatError(path, number, "expected 'source<TAB>target[<TAB>attribution]', found {} "
                                                "tab-separated field(s)".format(len(fields)))
        source, target = fields[0].strip(), fields[1].strip()
        if not source or not target:
            raise TextFormatError(path, number, "the {} sentence is empty".format("source" if not source
                                                                                 else "target"))
        pairs.append((source, target, fields[2].strip() if len(fields) == 3 else None))
    return pairs


class ParallelCorpus:
    """A parallel corpus as ``(source tokens, target tokens)`` samples.

    Parameters
    ----------
    path : str
        The ``.txt``/``.tsv`` file (e.g. ``fra-eng/fra.txt``: English first, French second).
    tokenizer : callable, optional
        ``str -> list of str`` for both sides; default
        ``WordTokenizer(lower=True, split_punctuation=True)`` (D2L 10.12.1's preprocessing).
    max_pairs : int, optional
        Read only the first pairs (the book keeps 600 for its example).
    """

    def __init__(self, path, tokenizer=None, max_pairs=None):
        if tokenizer is None:
            from ..text.tokenizers import WordTokenizer
            tokenizer = WordTokenizer(lower=True, split_punctuation=True)
        pairs = read_parallel_tsv(path)
        if max_pairs is not None:
            pairs = pairs[:int(max_pairs)]
        self.path = path
        self.raw = [(s, t) for s, t, _ in pairs]
        self.attributions = [a for _, _, a in pairs]
        self.source = [tokenizer(s) for s, _ in self.raw]
        self.target = [tokenizer(t) for _, t in self.raw]

    def __len__(self):
        return len(self.source)

    def __getitem__(self, idx):
        return self.source[idx], self.target[idx]
