"""Where training batches come from: a dataset batched in a resumable order, or any iterable of batches."""
import numpy as np

from ..data.sampler import EpochBatchSampler


class DatasetSource:
    """Batches of a dataset in the order of an :class:`EpochBatchSampler` (resumable mid-epoch)."""

    def __init__(self, dataset, batch_size, shuffle, last_batch, seed, num_shards=1, shard=0):
        if batch_size is None:
            raise ValueError("batch_size is required when training on a dataset (not a DataLoader)")
        self.dataset = dataset
        self.sampler = EpochBatchSampler(len(dataset), batch_size, shuffle, last_batch, seed, num_shards, shard)

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
    """Batches of any re-iterable (a DataLoader) -- tuples or dicts of arrays: resumable at epoch boundaries
    only.

    ``max_batches`` cuts every epoch short (distributed training sets it to the shortest worker's length,
    so that no worker waits for the gradients of a worker that ran out of data).
    """

    def __init__(self, iterable, max_batches=None):
        self.iterable = iterable
        self.max_batches = max_batches

    def __len__(self):
        length = len(self.iterable)
        return length if self.max_batches is None else min(length, self.max_batches)

    def batches(self, epoch, start=0):
        for number, batch in enumerate(self.iterable):
            if self.max_batches is not None and number >= self.max_batches:
                break
            if number < start:
                continue
            if not isinstance(batch, (list, tuple, dict)):
                raise ValueError("each batch must be a tuple, list or dict of arrays (e.g. (data, label)), got {}"
                                 .format(type(batch).__name__))
            yield batch


def make_source(data, batch_size, shuffle, last_batch, seed, batch_axis=0, num_shards=1, shard=0):
    """A dataset (``__getitem__`` + ``__len__``, not a DataLoader) or an iterable of batches (a list without
    a ``batch_size`` is a list of batches).

    A dataset is split into ``num_shards`` disjoint shards (this worker reads shard ``shard``); an iterable
    is taken as this worker's own data.
    """
    from mxnet.gluon.data import DataLoader
    if isinstance(data, (DatasetSource, IterableSource)):
        return data
    if batch_size is None and isinstance(data, list):
        return IterableSource(data)  # a list of ready batches (a dataset needs a batch size)
    if hasattr(data, "__getitem__") and hasattr(data, "__len__") and not isinstance(data, DataLoader):
        if batch_axis != 0:
            raise ValueError("datasets are batched along axis 0; give a DataLoader for batch_axis={}"
                             .format(batch_axis))
        return DatasetSource(data, batch_size, shuffle, last_batch, seed, num_shards, shard)
    return IterableSource(data)


def is_sample_dataset(data, batch_size, batch_axis=0, kind="this task's"):
    """True when ``data`` is a dataset of samples that a task batches itself (its own collation: ragged
    detection labels, segmentation crops); False for ready batches, iterables, DataLoaders and sources, which
    :func:`make_source` takes as they are.

    Raises ``ValueError`` for a sample dataset given with ``batch_axis != 0`` or without ``batch_size``;
    ``kind`` names the task in that message.
    """
    from mxnet.gluon.data import DataLoader
    if isinstance(data, (DatasetSource, IterableSource)) or isinstance(data, DataLoader):
        return False
    if not (hasattr(data, "__getitem__") and hasattr(data, "__len__")):
        return False
    if isinstance(data, list) and batch_size is None:  # a list without a batch size is a list of ready batches
        return False
    if batch_axis != 0:
        raise ValueError("{} batches are along axis 0, got batch_axis={}".format(kind, batch_axis))
    if batch_size is None:
        raise ValueError("batch_size is required when training on a {} dataset".format(kind))
    return True



def image_input_shapes(dataset):
    """``[(1, C, H, W)]`` for a dataset whose samples start with an ``(H, W, C)`` picture (detection,
    segmentation), from its first sample; None for an empty dataset or another kind of sample.

    A task's ``input_shapes`` returns it so ``gluonx export RUN`` exports at the size the net was trained on.
    """
    import numpy as np
    if len(dataset) == 0:
        return None
    image = np.asarray(dataset[0][0])
    if image.ndim != 3:
        return None
    return [(1, int(image.shape[2]), int(image.shape[0]), int(image.shape[1]))]