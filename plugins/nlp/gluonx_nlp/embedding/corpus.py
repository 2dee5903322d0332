"""Word-id corpora for embedding training (D2L 10.3.1): a vocabulary of the words seen at least ``min_count``
times, every sentence as an array of word ids with the rarer words dropped, and the word counts that the
noise distribution, subsampling and the Huffman tree are built from.
"""
import numpy as np

from gluonx._validate import check_positive

from ..text.vocab import Vocabulary, count_tokens

__all__ = ["WordIdCorpus", "PythonDocsWordIds", "subsample"]


class WordIdCorpus:
    """Sentences of word ids over a vocabulary without reserved tokens (index 0 is the unknown word, which
    never occurs: words below ``min_count`` are removed from the sentences, as word2vec and the book do).

    Parameters
    ----------
    sentences : iterable of list of str
        Tokenized sentences.
    min_count : int
        Words seen fewer times are dropped.
    vocab : Vocabulary, optional
        A vocabulary to reuse (the held-out split shares the training split's).

    Attributes
    ----------
    vocab : Vocabulary
    sentences : list of numpy.ndarray
        int32 ids, sentences that lost every word left out.
    token_counts : list of int
        Count of each vocabulary index in the text the vocabulary was built from (0 for ``<unk>``).
    """

    def __init__(self, sentences, min_count=5, vocab=None):
        sentences = [list(s) for s in sentences]
        if vocab is None:
            check_positive("min_count", min_count)
            vocab = Vocabulary(count_tokens(sentences), min_freq=min_count, reserved_tokens=())
        self.vocab = vocab
        lookup = vocab.token_to_idx
        self.sentences = []
        for sentence in sentences:
            ids = [lookup[w] for w in sentence if lookup.get(w, 0) != 0]
            if ids:
                self.sentences.append(np.asarray(ids, dtype=np.int32))
        self.token_counts = [0] + [int(vocab.token_freqs[t]) for t in vocab.idx_to_token[1:]]

    @property
    def vocab_size(self):
        return len(self.vocab)

    @property
    def idx_to_token(self):
        return list(self.vocab.idx_to_token)

    @property
    def num_tokens(self):
        return int(sum(len(s) for s in self.sentences))

    def __len__(self):
        return len(self.sentences)

    def __getitem__(self, idx):
        return self.sentences[idx]


class PythonDocsWordIds(WordIdCorpus):
    """The embedded ``python_docs_words`` sentences as word ids, split into a training part and a held-out
    part (the last ``held_out`` fraction of the sentences); the vocabulary comes from the training part.

    Parameters
    ----------
    train : bool
        The training part, or the held-out part.
    min_count : int
        Minimum count of a vocabulary word (in the training part).
    held_out : float
        Fraction of the sentences held out, in [0, 1).
    max_sentences : int, optional
        Use only the first sentences.
    """

    def __init__(self, train=True, min_count=5, held_out=0.1, max_sentences=None):
        from ..data.embedded import PythonDocsSentences
        if not 0 <= float(held_out) < 1:
            raise ValueError("held_out must be in [0, 1), got {}".format(held_out))
        sentences = PythonDocsSentences(max_sentences=max_sentences).sentences
        cut = len(sentences) - int(round(len(sentences) * float(held_out)))
        training = WordIdCorpus(sentences[:cut], min_count=min_count)
        super().__init__(sentences[:cut] if train else sentences[cut:], vocab=training.vocab)
        self.token_counts = training.token_counts


def subsample(sentences, counts, threshold, rng):
    """Drop frequent words at random (D2L 10.3.2): a word ``w`` with relative frequency ``f(w)`` is kept with
    probability ``min(1, sqrt(threshold / f(w)))``.

    Parameters
    ----------
    sentences : list of numpy.ndarray
        Word ids.
    counts : array-like
        Count of every word id.
    threshold : float
        ``t`` of the formula (the book and word2vec use 1e-4 / 1e-3); 0 keeps every word.
    rng : numpy.random.RandomState

    Returns
    -------
    list of numpy.ndarray
        The kept ids of each sentence (sentences may become empty).
    """
    if not threshold or not sentences:
        return [np.asarray(s, dtype=np.int32) for s in sentences]
    counts = np.asarray(counts, dtype=np.float64)
    lengths = np.fromiter((len(s) for s in sentences), dtype=np.int64, count=len(sentences))
    tokens = np.concatenate(sentences).astype(np.int32)
    frequency = counts[tokens] / counts.sum()
    keep = rng.uniform(size=len(tokens)) < np.sqrt(float(threshold) / np.maximum(frequency, 1e-300))
    bounds = np.cumsum(lengths)[:-1]
    return [part[keep_part] for part, keep_part in zip(np.split(tokens, bounds), np.split(keep, bounds))]
