"""Character-level text corpora for language models: a real English corpus that ships with Python, a
character vocabulary, and the sequential (T, N) batching of D2L 6.3.

The embedded corpus is CPython's own help text (``pydoc_data.topics``, the pages ``help('TOPIC')``
shows: about 465,000 characters of English prose and code), so language-model demos and tests run
offline.

Examples
--------
>>> text = python_docs_text()
>>> vocab = CharacterVocabulary(text)
>>> stream = batchify(vocab.encode(text[:1000]), batch_size=4)
>>> stream.shape
(250, 4)
"""
import numpy as np

__all__ = ["python_docs_text", "read_text_corpus", "CharacterVocabulary", "batchify", "bptt_batches"]


def python_docs_text():
    """The text of CPython's help topics (``pydoc_data.topics``), topics in sorted order.

    Raises
    ------
    RuntimeError
        If this Python was installed without ``pydoc_data`` (some distributions strip it).
    """
    try:
        from pydoc_data.topics import topics
    except ImportError as err:
        raise RuntimeError("python_docs_text: this Python has no pydoc_data module (stripped by the "
                           "distribution?); read another corpus with read_text_corpus(path)") from err
    return "\n".join(topics[key] for key in sorted(topics))


def read_text_corpus(path, encoding="utf-8"):
    """Read a plain-text corpus file, rejecting undecodable or empty files with a clear error.

    Raises
    ------
    ValueError
        Naming the file and the byte offset that does not decode, or saying that it holds no text.
    """
    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as err:
        raise ValueError("read_text_corpus: {} is not valid {} text (byte {} of {}: {})".format(
            path, encoding, err.start, len(raw), err.reason)) from None
    if not text.strip():
        raise ValueError("read_text_corpus: {} holds no text ({} bytes)".format(path, len(raw)))
    return text


class CharacterVocabulary:
    """Characters of a text, most frequent first, with id 0 for characters not seen when it was built.

    Parameters
    ----------
    text : str
        The text that defines the vocabulary (use the training part only).
    min_count : int
        Characters seen fewer times map to the unknown id.
    """

    unknown_id = 0

    def __init__(self, text, min_count=1):
        if not text:
            raise ValueError("CharacterVocabulary: expected a non-empty text, got {!r}".format(text))
        chars, counts = np.unique(np.array(list(text)), return_counts=True)
        order = np.lexsort((chars, -counts))
        kept = [str(chars[i]) for i in order if counts[i] >= min_count]
        self.index_to_char = ["\ufffd"] + kept
        self.char_to_index = {char: index for index, char in enumerate(self.index_to_char) if index}

    def __len__(self):
        return len(self.index_to_char)

    def encode(self, text):
        """Character ids of ``text`` as an int32 array (unknown characters -> 0)."""
        return np.fromiter((self.char_to_index.get(char, 0) for char in text), dtype=np.int32, count=len(text))

    def decode(self, ids):
        """The text of a sequence of ids."""
        return "".join(self.index_to_char[int(i)] for i in np.asarray(ids).ravel())


def batchify(ids, batch_size):
    """Cut a stream of ids into ``batch_size`` consecutive parallel streams: an array (T, batch_size).

    Column ``j`` is the ``j``-th contiguous piece of the stream, so a recurrent state carried from one
    window to the next continues the same text (sequential partitioning, D2L 6.3.3). The tail that does
    not fill a row is dropped.
    """
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise ValueError("batchify: expected a 1-D stream of ids, got shape {}".format(ids.shape))
    length = len(ids) // batch_size
    if length < 2:
        raise ValueError("batchify: {} ids are too few for {} streams of at least 2 ids".format(
            len(ids), batch_size))
    return ids[:length * batch_size].reshape(batch_size, length).T.copy()


def bptt_batches(stream, num_steps):
    """Consecutive windows of a (T, N) stream for truncated backpropagation through time.

    Yields
    ------
    inputs, targets : numpy.ndarray
        (steps, N) each, ``targets`` being ``inputs`` shifted one step ahead; ``steps`` is ``num_steps``
        except for a shorter last window.
    """
    for start in range(0, len(stream) - 1, num_steps):
        steps = min(num_steps, len(stream) - 1 - start)
        yield stream[start:start + steps], stream[start + 1:start + 1 + steps]
