"""Where training batches come from: a dataset batched in a resumable order, or any iterable of batches."""
import numpy as np

from ..data.sampler import EpochBatchSampler


class DatasetSource:
    """Batches of a dataset in the order of an :class:`EpochBatchSampler` (resumable mid-epoch)."""

    def __init__(self, dataset, batch_size, shuffle, last_batch, seed):
        if batch_size is None:
            raise ValueError("batch_size is required when training on a dataset (not a DataLoader)")
        self.dataset = dataset
        self.sampler = EpochBatchSampler(len(dataset), batch_size, shuffle, last_batch, seed)

    def _take(self, indices):
        if hasattr(self.dataset, "take"):
            return self.dataset.take(indices)
        samples = [self.dataset[int(i)] for i in indices]
        data = np.stack([np.asarray(s[0].asnumpy() if hasattr(s[0], "asnumpy") else s[0]) for s in samples])
        label = np.asarray([np.asarray(s[1].asnumpy() if hasattr(s[1], "asnumpy") else s[1]) for s in samples])
        return data, label

    def __len__(self):
        return len(self.sampler)

    def batches(self, epoch, start=0):
        for indices in self.sampler.batches(epoch, start):
            yield self._take(indices)


class IterableSource:
    """Batches of any re-iterable (a DataLoader): resumable at epoch boundaries only."""

    def __init__(self, iterable):
        self.iterable = iterable

    def __len__(self):
        return len(self.iterable)

    def batches(self, epoch, start=0):
        for number, batch in enumerate(self.iterable):
            if number < start:
                continue
            if not isinstance(batch, (list, tuple)) or len(batch) != 2:
                raise ValueError("each batch must be a (data, label) pair, got {}".format(type(batch).__name__))
            yield batch


def make_source(data, batch_size, shuffle, last_batch, seed, batch_axis=0):
    """A dataset (``__getitem__`` + ``__len__``, not a DataLoader) or an iterable of batches."""
    from mxnet.gluon.data import DataLoader
    if isinstance(data, (DatasetSource, IterableSource)):
        return data
    if hasattr(data, "__getitem__") and hasattr(data, "__len__") and not isinstance(data, DataLoader):
        if batch_axis != 0:
            raise ValueError("datasets are batched along axis 0; give a DataLoader for batch_axis={}"
                             .format(batch_axis))
        return DatasetSource(data, batch_size, shuffle, last_batch, seed)
    return IterableSource(data)
