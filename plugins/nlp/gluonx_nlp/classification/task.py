"""Text classification: batches of padded token ids with their valid lengths, cut from length buckets
(D2L 10.7-10.8; the bucketing limits padding, DL 10.2's variable-length sequences)."""
import numpy as np

from gluonx.tasks.classification import ClassificationTask
from gluonx.train.step import TrainStep
from gluonx.utils.seed import derived_seed

from ..text.batching import BucketBatchSampler, pad_sequences

__all__ = ["BucketedTextSource", "TextClassificationTask"]


class BucketedTextSource:
    """Batches ``(tokens (B, T) int32, valid_length (B,) int32, labels (B,) float32)`` of a text dataset.

    Each epoch draws its batches with a :class:`~gluonx_nlp.text.BucketBatchSampler` seeded by
    ``(seed, epoch)``, so a resumed epoch sees the same batches; evaluation (``shuffle=False``) sorts once by
    length. ``T`` is the longest review of the batch. A worker ``shard`` of ``num_shards`` takes every
    ``num_shards``-th batch.

    Parameters
    ----------
    dataset
        Samples ``(token ids, label)`` with ``lengths`` (one per sample) and ``pad_index`` attributes.
    batch_size : int
    shuffle : bool
    last_batch : {'keep', 'discard'}
    seed : int
    window : int
        Batches sorted together by the sampler (more: less padding, less randomness).
    """

    def __init__(self, dataset, batch_size, shuffle=True, last_batch="keep", seed=0, num_shards=1, shard=0,
                 window=20):
        if batch_size is None:
            raise ValueError("batch_size is required to batch a text dataset")
        for attribute in ("lengths", "pad_index"):
            if not hasattr(dataset, attribute):
                raise ValueError("a text-classification dataset needs a '{}' attribute ({} has none)".format(
                    attribute, type(dataset).__name__))
        self.dataset, self.batch_size, self.shuffle = dataset, int(batch_size), bool(shuffle)
        self.last_batch = "discard" if last_batch in ("discard", "rollover") else "keep"
        self.seed, self.num_shards, self.shard, self.window = seed, int(num_shards), int(shard), int(window)

    def _sampler(self, epoch):
        return BucketBatchSampler(np.asarray(self.dataset.lengths)[:len(self.dataset)], self.batch_size,
                                  window=self.window, shuffle=self.shuffle, last_batch=self.last_batch,
                                  seed=derived_seed(self.seed, epoch, stream=5))

    def __len__(self):
        return len(range(self.shard, len(self._sampler(0)), self.num_shards))

    def batches(self, epoch, start=0):
        batches = list(self._sampler(epoch))[self.shard::self.num_shards]
        for indices in batches[start:]:
            samples = [self.dataset[i] for i in indices]
            tokens, lengths = pad_sequences([s[0] for s in samples], pad_value=self.dataset.pad_index)
            labels = np.asarray([s[1] for s in samples], dtype=np.float32)
            yield tokens, lengths, labels


class TextClassificationTask(ClassificationTask):
    """Classify token sequences: the net takes ``(tokens (N, T), valid_length (N,))`` and returns logits (N, C).

    ``fit``/``evaluate`` take a dataset of ``(token ids, label)`` samples with ``lengths`` and ``pad_index``
    attributes (the embedded ``sentiment_grammar``) and batch it with :class:`BucketedTextSource`; ready batches
    ``(tokens, valid_length, labels)`` (a list or a DataLoader) are taken as they are. Loss and metric are the
    classification task's: softmax cross-entropy, accuracy.

    References
    ----------
    D2L 10.7-10.8 (sentiment analysis), 10.7.1 (padding to a common length).
    """

    name = "text-classification"

    def create_step(self, loss):
        return TrainStep(num_inputs=2)

    def make_source(self, data, batch_size, shuffle=True, last_batch="keep", seed=0, batch_axis=0, num_shards=1,
                    shard=0):
        if hasattr(data, "lengths") and hasattr(data, "pad_index") and hasattr(data, "__getitem__"):
            if batch_axis != 0:
                raise ValueError("text batches are along axis 0, got batch_axis={}".format(batch_axis))
            return BucketedTextSource(data, batch_size, shuffle, last_batch, seed, num_shards, shard)
        return super().make_source(data, batch_size, shuffle, last_batch, seed, batch_axis, num_shards, shard)

    def export_options(self, block):
        options = {"output_names": ["logits"],
                   "postprocessing": {"outputs": {"logits": {"kind": "class_scores"}}}}
        options.update(super().export_options(block))
        return options
