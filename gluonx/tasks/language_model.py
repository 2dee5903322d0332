"""Language modelling with truncated backpropagation through time over a sequentially partitioned corpus
(D2L 8.3.3-8.3.4 and 8.7; D2L 6.3-6.5 in the MXNet edition), perplexity computed on the device (D2L 8.4.4).
"""
import numpy as np
from mxnet import gluon

from ..data.text_corpus import batchify
from ..train.metrics import Perplexity
from ..train.step import TBPTTStep
from ..utils.seed import derived_seed
from .base import Task, _as_numpy

__all__ = ["LanguageModelTask", "SequentialSource"]


class SequentialSource:
    """Windows ``(inputs, targets)`` of shape (T, N) over ``N`` consecutive streams of a token corpus.

    Column ``j`` of each window continues column ``j`` of the previous one, so a recurrent state carried
    across batches reads the text in order (sequential partitioning). With ``random_offset`` each epoch
    starts at an offset in ``[0, num_steps)`` drawn from ``(seed, epoch)``, so epochs see differently cut
    windows (D2L 8.3.4) and a resumed epoch the same ones. ``num_shards``/``shard`` give a worker every
    ``num_shards``-th stream.

    Parameters
    ----------
    ids : 1-D array of int
        The corpus as token ids.
    batch_size : int
        Streams ``N`` per batch (of each worker).
    num_steps : int
        Time steps ``T`` per window.
    random_offset : bool
    drop_last : bool
        Drop the shorter last window (keeps every training batch the same shape).
    """

    def __init__(self, ids, batch_size, num_steps, seed=0, random_offset=True, drop_last=True, num_shards=1,
                 shard=0):
        ids = np.asarray(ids)
        if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
            raise ValueError("a language-model corpus must be a 1-D array of integer token ids, got {} {}"
                             .format(ids.dtype, ids.shape))
        if batch_size is None or int(batch_size) < 1:
            raise ValueError("batch_size (number of parallel streams) must be a positive integer, got {!r}"
                             .format(batch_size))
        if int(num_steps) < 1:
            raise ValueError("num_steps must be a positive integer, got {!r}".format(num_steps))
        self.ids, self.batch_size, self.num_steps = ids, int(batch_size), int(num_steps)
        self.seed, self.random_offset, self.drop_last = seed, random_offset, drop_last
        self.num_shards, self.shard = num_shards, shard
        self.streams = self.batch_size * num_shards  # every worker reads batch_size of them
        # the shortest stream any offset leaves: every epoch has this many windows
        shortest = (len(ids) - (self.num_steps - 1 if random_offset else 0)) // self.streams
        if shortest < 2:
            raise ValueError("a corpus of {} tokens is too short for {} streams of {} steps".format(
                len(ids), batch_size, num_steps))
        windows = (shortest - 1) / self.num_steps
        self._length = int(windows) if drop_last else int(np.ceil(windows))
        self._stream_length = shortest
        if self._length < 1:
            raise ValueError("a corpus of {} tokens gives no full window of {} steps over {} streams".format(
                len(ids), num_steps, batch_size))

    def __len__(self):
        return self._length

    def offset(self, epoch):
        """The number of tokens skipped at the start of ``epoch``."""
        if not self.random_offset:
            return 0
        return int(np.random.RandomState(derived_seed(self.seed, epoch, stream=3)).randint(self.num_steps))

    def batches(self, epoch, start=0):
        offset = self.offset(epoch)
        stream = batchify(self.ids[offset:offset + self._stream_length * self.streams], self.streams)
        stream = stream[:, self.shard::self.num_shards]
        for index in range(start, self._length):
            begin = index * self.num_steps
            steps = min(self.num_steps, len(stream) - 1 - begin)
            yield (np.ascontiguousarray(stream[begin:begin + steps], dtype=np.int32),
                   np.ascontiguousarray(stream[begin + 1:begin + 1 + steps], dtype=np.float32))


class LanguageModelTask(Task):
    """Next-token prediction with a recurrent model carrying its state across batches (TBPTT).

    The net is called ``net(tokens, *states)`` and returns ``(logits, *new_states)`` (gluonx's
    ``rnn_lm``, ``gru_lm``, ``lstm_lm``...); the loss is the softmax cross-entropy of each next token, the
    metric the perplexity. ``fit``/``evaluate`` take the corpus as a 1-D array of token ids, cut into
    ``batch_size`` parallel streams and windows of ``num_steps`` (:class:`SequentialSource`); the state is
    detached between windows and reset at each epoch start.

    Parameters
    ----------
    num_steps : int
        Time steps per window (the truncation length).
    random_offset : bool
        Start each training epoch at a random offset drawn from ``(seed, epoch)`` (resumable).

    Examples
    --------
    >>> import gluonx
    >>> from gluonx.data.text_corpus import CharacterVocabulary, python_docs_text
    >>> from gluonx.tasks import LanguageModelTask
    >>> text = python_docs_text()
    >>> vocab = CharacterVocabulary(text)                                         # doctest: +SKIP
    >>> net = gluonx.get_model("gru_lm", vocab_size=len(vocab), embed_size=32, hidden_size=128, num_layers=1)
    ...                                                                           # doctest: +SKIP
    >>> trainer = gluonx.Trainer(net, optimizer="adam", optimizer_params={"learning_rate": 0.01},
    ...                          task=LanguageModelTask(num_steps=32))            # doctest: +SKIP
    >>> trainer.fit(vocab.encode(text[:400000]), epochs=1, batch_size=32,
    ...             val_data=vocab.encode(text[400000:]))                         # doctest: +SKIP

    References
    ----------
    D2L 8.3 (language models, sequential partitioning), 8.4.4 (perplexity), 8.7 (backpropagation through
    time, truncation); DL 10.2.2.
    """

    name = "language-model"
    monitor = "val_perplexity"
    higher_is_better = False
    primary_metric = "perplexity"

    def __init__(self, num_steps=35, random_offset=True):
        if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 1:
            raise ValueError("num_steps must be a positive integer, got {!r}".format(num_steps))
        self.num_steps = num_steps
        self.random_offset = random_offset

    def create_loss(self):
        # logits (T, N, V), targets (T, N): one mean over time per stream
        return gluon.loss.SoftmaxCrossEntropyLoss(axis=-1, batch_axis=1)

    def create_metrics(self):
        return [Perplexity()]

    def create_step(self, loss):
        return TBPTTStep(batch_axis=1)

    def make_source(self, data, batch_size, shuffle=True, last_batch="keep", seed=0, batch_axis=0, num_shards=1,
                    shard=0):
        """Training (``shuffle=True``): random offset per epoch, full windows only; evaluation: every token
        from the start, the last window shorter if need be."""
        if isinstance(data, SequentialSource):
            return data
        return SequentialSource(data, batch_size, self.num_steps, seed=seed,
                                random_offset=self.random_offset and shuffle, drop_last=shuffle,
                                num_shards=num_shards, shard=shard)

    def decode(self, outputs):
        """``{"next_token": ids (T, N) of the most likely next token}`` from logits (or ``(logits, *states)``)."""
        logits = _as_numpy(outputs)
        return {"next_token": logits.argmax(axis=-1).tolist()}
