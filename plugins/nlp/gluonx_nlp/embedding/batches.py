"""Training batches of word2vec (D2L 10.3.3-10.3.4), made with vectorized NumPy.

One sample is one center word (a position of the subsampled corpus) with every context word within a random
window of ``1..window`` positions on each side, inside its sentence, and ``negatives`` noise words per
context slot drawn from the unigram distribution raised to the power 0.75. A batch is a dict of float32
arrays (ids are exact in float32 below 2**24):

- ``center`` ``(B,)``; ``contexts`` ``(B, 2 * window)`` with ``mask`` ``(B, 2 * window)`` (1 for a real
  context, 0 for padding);
- ``negatives`` ``(B, 2 * window * negatives)``: the noise words of context slot ``j`` are columns
  ``j * negatives .. (j + 1) * negatives - 1``.

Skip-gram uses every column; CBOW uses the contexts as its input and the first ``negatives`` columns as the
noise words of the center.
"""
import numpy as np

from gluonx._validate import check_non_negative, check_positive

from .corpus import subsample

__all__ = ["Word2VecSource", "noise_distribution", "NoiseSampler"]


def noise_distribution(counts, power=0.75):
    """Unigram counts raised to ``power`` and normalized (D2L 10.3.3): the noise distribution of negative
    sampling; words never counted get probability 0."""
    weights = np.asarray(counts, dtype=np.float64) ** float(power)
    weights[np.asarray(counts) <= 0] = 0
    total = weights.sum()
    if not total > 0:
        raise ValueError("the noise distribution needs at least one word with a positive count")
    return weights / total


class NoiseSampler:
    """Draws word ids from a discrete distribution through word2vec's unigram table: each word fills a share of
    ``table_size`` slots (default 100 per word, within 1e5..1e7) proportional to its probability, and a draw
    picks a slot uniformly (a gather per batch; twice as fast as ``searchsorted`` on the cumulative
    distribution, measured). Shares are rounded to whole slots, so a probability is off by at most
    ``1 / table_size``.
    """

    def __init__(self, probabilities, table_size=None):
        probabilities = np.asarray(probabilities, dtype=np.float64)
        size = int(table_size or min(10 ** 7, max(10 ** 5, 100 * len(probabilities))))
        # slot boundaries by rounding the cumulative distribution, so the slots add up to the table exactly
        bounds = np.round(np.cumsum(probabilities) / probabilities.sum() * size).astype(np.int64)
        self.table = np.repeat(np.arange(len(probabilities), dtype=np.int32), np.diff(bounds, prepend=0))

    def draw(self, rng, shape):
        return self.table[rng.randint(0, len(self.table), size=shape)]


def _epoch_rng(seed, epoch, stream):
    return np.random.RandomState(np.random.SeedSequence([int(seed), int(epoch), stream]).generate_state(1)[0])


class Word2VecSource:
    """Batches of center words with their random-window contexts and noise words, in a resumable order.

    The corpus is subsampled once (as the book does) with a generator seeded by ``seed``; each epoch draws
    its order, window sizes and noise words from ``(seed, epoch)``, so batch ``k`` of an epoch is the same
    whether the epoch started at 0 or resumed at ``k``.

    Parameters
    ----------
    corpus : WordIdCorpus
        Sentences of ids and ``token_counts``.
    batch_size : int
        Center words per batch.
    window : int
        Maximum context window on each side.
    negatives : int
        Noise words per context slot (0: no noise words, for hierarchical softmax).
    sample : float
        Subsampling threshold ``t`` (0: keep every word).
    shuffle : bool
        Shuffle the center words every epoch.
    seed : int
    last_batch : {'keep', 'discard'}
    """

    def __init__(self, corpus, batch_size, window=5, negatives=5, sample=1e-4, shuffle=True, seed=0,
                 last_batch="keep"):
        check_positive("batch_size", batch_size)
        check_positive("window", window)
        check_non_negative("negatives", negatives)
        check_non_negative("sample", sample)
        if last_batch not in ("keep", "discard"):
            raise ValueError("last_batch must be 'keep' or 'discard', got {!r}".format(last_batch))
        self.batch_size, self.window, self.negatives = int(batch_size), int(window), int(negatives)
        self.shuffle, self.seed, self.last_batch = bool(shuffle), int(seed), last_batch
        counts = np.asarray(corpus.token_counts, dtype=np.float64)
        self.noise = NoiseSampler(noise_distribution(counts)) if self.negatives else None
        kept = subsample(list(corpus.sentences), counts, sample, _epoch_rng(seed, 0, 1))
        kept = [s for s in kept if len(s) > 1]  # a one-word sentence has no context at any window size
        lengths = np.array([len(s) for s in kept], dtype=np.int64)
        self.tokens = np.concatenate(kept).astype(np.int32) if kept else np.zeros(0, np.int32)
        self.sentence = np.repeat(np.arange(len(kept)), lengths)
        self.offsets = np.concatenate([np.arange(-self.window, 0), np.arange(1, self.window + 1)])

    @property
    def num_centers(self):
        return len(self.tokens)

    def __len__(self):
        full, rest = divmod(self.num_centers, self.batch_size)
        return full + (1 if rest and self.last_batch == "keep" else 0)

    def make_batch(self, positions, spans, rng):
        """The batch of the center words at corpus ``positions`` with window sizes ``spans``."""
        where = positions[:, None] + self.offsets[None, :]
        inside = (where >= 0) & (where < len(self.tokens))
        where = np.clip(where, 0, max(len(self.tokens) - 1, 0))
        mask = inside & (self.sentence[where] == self.sentence[positions][:, None]) & \
            (np.abs(self.offsets)[None, :] <= spans[:, None])
        batch = {"center": self.tokens[positions].astype(np.float32),
                 "contexts": np.where(mask, self.tokens[where], 0).astype(np.float32),
                 "mask": mask.astype(np.float32)}
        if self.negatives:
            batch["negatives"] = self.noise.draw(rng, (len(positions), len(self.offsets) * self.negatives)
                                                 ).astype(np.float32)
        return batch

    def batches(self, epoch, start=0):
        rng = _epoch_rng(self.seed, epoch, 2)
        count = self.num_centers
        order = rng.permutation(count) if self.shuffle else np.arange(count)
        spans = rng.randint(1, self.window + 1, size=count)
        for number in range(len(self)):
            positions = order[number * self.batch_size:(number + 1) * self.batch_size]
            # noise words come from a generator per batch, so skipping batches on resume draws nothing
            batch_rng = _epoch_rng(self.seed, epoch, 3 + number)
            if number >= start:
                yield self.make_batch(positions, spans[positions], batch_rng)
