"""Deterministic, resumable batch order."""
import numpy as np


class EpochBatchSampler:
    """Batches of indices whose order is a pure function of ``(seed, epoch)``.

    Because the order can be recomputed, a checkpoint needs only the epoch and the number of batches
    already consumed to resume on exactly the same batches.

    Parameters
    ----------
    num_samples : int
        Dataset size.
    batch_size : int
        Samples per batch.
    shuffle : bool
        Shuffle each epoch (``numpy.random.RandomState(seed + epoch)``); otherwise sequential.
    last_batch : {'keep', 'discard'}
        Keep or drop the final incomplete batch.
    seed : int
        Base seed.
    """

    def __init__(self, num_samples, batch_size, shuffle=True, last_batch="keep", seed=0):
        if num_samples < 1:
            raise ValueError("EpochBatchSampler needs at least one sample, got {}".format(num_samples))
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1, got {}".format(batch_size))
        if last_batch not in ("keep", "discard"):
            raise ValueError("last_batch must be 'keep' or 'discard', got {!r}".format(last_batch))
        self.num_samples = int(num_samples)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.last_batch = last_batch
        self.seed = int(seed)

    def order(self, epoch):
        """The sample order of ``epoch``."""
        if not self.shuffle:
            return np.arange(self.num_samples)
        return np.random.RandomState((self.seed + 7919 * epoch) % (2 ** 32)).permutation(self.num_samples)

    def __len__(self):
        full, rest = divmod(self.num_samples, self.batch_size)
        return full + (1 if rest and self.last_batch == "keep" else 0)

    def batches(self, epoch, start=0):
        """Yield the index arrays of ``epoch``, skipping the first ``start`` batches."""
        order = self.order(epoch)
        for number in range(start, len(self)):
            yield order[number * self.batch_size:(number + 1) * self.batch_size]
