"""Padding with valid lengths and length-bucketed batches (D2L 10.7.1 pads and truncates reviews; DL 10.2's
variable-length sequences).

A model masks with the valid lengths (``gluonx`` masked losses and attention take them); the bucketing sampler
keeps sequences of similar lengths together so that little of each batch is padding.
"""
import numpy as np

from gluonx._validate import check_non_negative, check_positive

__all__ = ["BucketBatchSampler", "pad_sequences", "padding_ratio"]


def pad_sequences(sequences, pad_value, max_len=None, dtype="int32"):
    """Pad (and truncate) index sequences to one length.

    Parameters
    ----------
    sequences : sequence of sequences of int
        Token indices, one sequence per example.
    pad_value : int
        Index of the padding token (``vocab.index_of('<pad>')``).
    max_len : int, optional
        Pad or truncate every sequence to this length (D2L 10.7.1); default: the longest sequence.
    dtype : str
        NumPy dtype of the padded array.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``(B, T)`` padded array and ``(B,)`` int32 valid lengths (after truncation).
    """
    sequences = [list(s) for s in sequences]
    if max_len is None:
        max_len = max((len(s) for s in sequences), default=0)
    else:
        check_non_negative("max_len", max_len)
    max_len = int(max_len)
    out = np.full((len(sequences), max_len), pad_value, dtype=dtype)
    lengths = np.zeros(len(sequences), dtype="int32")
    for i, seq in enumerate(sequences):
        seq = seq[:max_len]
        out[i, :len(seq)] = seq
        lengths[i] = len(seq)
    return out, lengths


def padding_ratio(lengths, batches):
    """Fraction of padding positions when every batch is padded to its longest sequence."""
    lengths = np.asarray(lengths)
    padded = real = 0
    for batch in batches:
        batch_lengths = lengths[np.asarray(batch, dtype=int)]
        padded += batch_lengths.max() * len(batch_lengths)
        real += batch_lengths.sum()
    return float(padded - real) / padded if padded else 0.0


class BucketBatchSampler:
    """Batches of indices whose sequences have similar lengths.

    Each epoch: shuffle the indices, cut them into windows of ``batch_size * window`` examples, sort each
    window by length, cut it into batches and shuffle the batch order. A larger ``window`` gives less padding
    and less randomness. The result is a ``batch_sampler`` for ``mxnet.gluon.data.DataLoader``.

    Parameters
    ----------
    lengths : sequence of int
        Length of every example.
    batch_size : int
        Examples per batch (the last batch of a window may be smaller unless ``last_batch='discard'``).
    window : int
        Batches sorted together.
    shuffle : bool
        Shuffle indices and batch order each epoch (``False``: one global sort, longest first; deterministic).
    last_batch : {'keep', 'discard'}
        Keep or drop incomplete batches.
    seed : int, optional
        Seed of the sampler's own random generator.
    """

    def __init__(self, lengths, batch_size, window=100, shuffle=True, last_batch="keep", seed=None):
        self.lengths = np.asarray(lengths, dtype=np.int64)
        if self.lengths.ndim != 1:
            raise ValueError("lengths must be a 1-D sequence, got shape {}".format(self.lengths.shape))
        check_positive("batch_size", batch_size)
        check_positive("window", window)
        if last_batch not in ("keep", "discard"):
            raise ValueError("last_batch must be 'keep' or 'discard', got {!r}".format(last_batch))
        self.batch_size = int(batch_size)
        self.window = int(window)
        self.shuffle = bool(shuffle)
        self.last_batch = last_batch
        self._rng = np.random.RandomState(seed)

    def _batches(self):
        n = len(self.lengths)
        if self.shuffle:
            order = self._rng.permutation(n)
            span = self.batch_size * self.window
        else:
            order = np.arange(n)
            span = max(n, 1)
        batches = []
        for start in range(0, n, span):
            chunk = order[start:start + span]
            chunk = chunk[np.argsort(-self.lengths[chunk], kind="stable")]
            for b in range(0, len(chunk), self.batch_size):
                batch = chunk[b:b + self.batch_size]
                if len(batch) == self.batch_size or self.last_batch == "keep":
                    batches.append(batch.tolist())
        if self.shuffle:
            batches = [batches[i] for i in self._rng.permutation(len(batches))]
        return batches

    def __iter__(self):
        return iter(self._batches())

    def __len__(self):
        n = len(self.lengths)
        if not self.shuffle:
            full, rest = divmod(n, self.batch_size)
            return full + (1 if rest and self.last_batch == "keep" else 0)
        span = self.batch_size * self.window
        count = 0
        for start in range(0, n, span):
            size = min(span, n - start)
            full, rest = divmod(size, self.batch_size)
            count += full + (1 if rest and self.last_batch == "keep" else 0)
        return count
