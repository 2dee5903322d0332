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
    num_shards, shard : int
        Distributed training (D2L 11.7): every worker walks the same permutation in global batches of
        ``batch_size * num_shards`` samples and takes the ``shard``-th slice of each, so the workers read
        disjoint samples, the same number of batches, and together exactly the batches of one process
        with batch ``batch_size * num_shards``. The incomplete last global batch is always dropped.
    """

    def __init__(self, num_samples, batch_size, shuffle=True, last_batch="keep", seed=0, num_shards=1, shard=0):
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
        if int(num_shards) < 1 or not 0 <= int(shard) < int(num_shards):
            raise ValueError("shard must be in [0, num_shards), got shard={} num_shards={}".format(
                shard, num_shards))
        self.num_shards = int(num_shards)
        self.shard = int(shard)
        if self.num_shards > 1 and len(self) == 0:
            raise ValueError("{} samples make no global batch of {} workers x {}: use a smaller batch_size".format(
                self.num_samples, self.num_shards, self.batch_size))

    def order(self, epoch):
        """The sample order of ``epoch``."""
        if not self.shuffle:
            return np.arange(self.num_samples)
        return np.random.RandomState((self.seed + 7919 * epoch) % (2 ** 32)).permutation(self.num_samples)

    def __len__(self):
        if self.num_shards > 1:
            return self.num_samples // (self.batch_size * self.num_shards)
        full, rest = divmod(self.num_samples, self.batch_size)
        return full + (1 if rest and self.last_batch == "keep" else 0)

    def batches(self, epoch, start=0):
        """Yield the index arrays of ``epoch``, skipping the first ``start`` batches."""
        order = self.order(epoch)
        step = self.batch_size * self.num_shards
        offset = self.shard * self.batch_size
        for number in range(start, len(self)):
            begin = number * step + offset
            yield order[begin:begin + self.batch_size]
