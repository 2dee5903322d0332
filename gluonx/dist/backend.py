"""What the trainer asks of a distributed engine, and how a ``kvstore`` name picks one.

:class:`gluonx.Trainer` talks to one :class:`DistributedBackend`: MXNet's parameter server
(:mod:`gluonx.dist.ps`, kvstores ``dist_sync`` / ``dist_device_sync`` / ``dist_async``) or Horovod
(:mod:`gluonx.dist.horovod`, kvstore ``horovod``). A backend tells which worker this process is, builds the
``gluon.Trainer`` that aggregates gradients, gives every worker rank 0's initial parameters, and sums the
few numbers that the workers must agree on (metric totals at log reads, data lengths). gluonx adds no
communication of its own: every byte goes through the engine.

References
----------
D2L 11.7 (parameter servers), 11.5-11.6 (data parallelism); DL 12.1.3 (large-scale distributed
implementations).
"""
import numpy as np

PS_KVSTORES = ("dist_sync", "dist_device_sync", "dist_async")
DIST_KVSTORES = PS_KVSTORES + ("horovod",)
HOROVOD_INSTALL_HINT = ("Horovod with MXNet support is built from source: run `make horovod`, or "
                        "HOROVOD_WITH_MXNET=1 HOROVOD_WITHOUT_TENSORFLOW=1 HOROVOD_WITHOUT_PYTORCH=1 "
                        "HOROVOD_WITH_GLOO=1 pip install --no-build-isolation horovod==0.28.1")
#: Handlers that only print or write files: in distributed training they run on rank 0 alone.
RANK_ZERO_HANDLERS = ("HistoryHandler", "LoggingHandler", "ProgressBar", "TensorBoardHandler")


class DistributedBackend:
    """The interface between :class:`gluonx.Trainer` and a distributed engine.

    Attributes
    ----------
    kvstore : str
        The trainer's ``kvstore`` name.
    rank, num_workers : int
        This worker and the number of workers.
    updates_on_servers : bool
        The optimizer runs on parameter servers (``dist_async``): the trainer calls ``gluon.Trainer.step``
        and cannot change gradients on the worker (no clipping, no NaN guard).
    can_reduce : bool
        Workers can sum numbers together (not in ``dist_async``, where servers apply every push at once).
    """

    kvstore = None
    rank = 0
    num_workers = 1
    updates_on_servers = False
    can_reduce = True

    @property
    def is_writer(self):
        """True on the worker that writes checkpoints and logs (rank 0)."""
        return self.rank == 0

    # -- engine-specific --------------------------------------------------------------------------------
    def make_trainer(self, params, optimizer):
        """The ``gluon.Trainer`` that aggregates gradients across workers."""
        raise NotImplementedError

    @staticmethod
    def with_heartbeat(gluon_trainer):
        """``gluon_trainer`` whose ``step`` and ``update`` tell the launcher that this worker makes progress
        (see ``gluonx launch --inactivity-timeout``; one clock read per call, a file touch per second)."""
        from .worker import heartbeat
        for name in ("step", "update"):
            method = getattr(gluon_trainer, name)

            def beating(*args, _method=method, **kwargs):
                result = _method(*args, **kwargs)
                heartbeat()
                return result
            setattr(gluon_trainer, name, beating)
        return gluon_trainer

    def update_batch_size(self, local_batch):
        """The ``batch_size`` to give ``gluon.Trainer.update`` after the gradients were aggregated, so that
        the update uses the mean gradient of the global batch (``local_batch * num_workers`` samples)."""
        return local_batch * self.num_workers

    def gradient_divisor(self, trainer, local_batch):
        """What divides the aggregated gradient to give the mean gradient of the global batch."""
        return local_batch * self.num_workers

    def before_learning_rate_change(self):
        """Raise if a new learning rate cannot reach the optimizer (it runs on the servers)."""
        if self.updates_on_servers:
            raise ValueError("kvstore {!r} runs the optimizer on the parameter servers, which never see a learning "
                             "rate set later on a worker: give an lr_scheduler in optimizer_params instead"
                             .format(self.kvstore))

    def allreduce_sum(self, values):
        """Element-wise sum of a float64 vector over all workers (every worker must call it)."""
        raise NotImplementedError

    def broadcast_parameters(self, trainer):
        """Give every worker the parameters of rank 0 (all parameters are initialized)."""
        raise NotImplementedError

    # -- shared -----------------------------------------------------------------------------------------
    def check(self, trainer):
        """Raise ``ValueError`` for trainer options this engine cannot honour."""
        if self.updates_on_servers and (trainer.clip_global_norm is not None or trainer.nan_policy is not None):
            raise ValueError("kvstore {!r} updates the weights on the parameter servers, so gradients cannot be "
                             "clipped or checked for NaN on the worker: drop clip_global_norm / NaNGuard, or use "
                             "kvstore='dist_sync'".format(self.kvstore))

    def synchronize(self, trainer, source):
        """Before the first batch: finish deferred initialization, then broadcast rank 0's parameters."""
        from mxnet import autograd

        from ..train.splitting import split_batch
        from ..utils.seed import reseed_mxnet
        params = trainer.net.collect_params().values()
        if any(p._deferred_init for p in params):
            sample = next(iter(source.batches(0, 0)), None)
            if sample is None:
                raise ValueError("the training data of worker {} is empty".format(self.rank))
            shards = split_batch(sample[0], sample[1], trainer.ctx, trainer.batch_axis, trainer.scale_uint8)
            # draw the initial values from the stream a one-process run draws them from (its first batch)
            reseed_mxnet(trainer.seed, trainer.state.batch)
            # a training-mode forward, as the first batch's: an inference forward lets MKLDNN reorder conv
            # weights in place, and the kvstore then cannot send them ("can't generate TBlob for MKLDNN data")
            with autograd.record():
                trainer.net(shards[0][1])  # infers the deferred shapes; the output is not used
        self.broadcast_parameters(trainer)

    def agree_on_data(self, source):
        """Make every worker run the same number of batches per epoch (see :func:`agree_on_lengths`)."""
        agree_on_lengths(self, source)

    def sum_totals(self, totals, samples):
        """Metric ``{name: (total, count)}`` and a sample count summed over all workers."""
        if not self.can_reduce:
            return totals, samples
        names = sorted(totals)
        vector = np.array([value for name in names for value in totals[name]] + [samples], dtype=np.float64)
        summed = self.allreduce_sum(vector)
        return ({name: (float(summed[2 * i]), int(round(summed[2 * i + 1]))) for i, name in enumerate(names)},
                int(round(summed[-1])))

    def gather_ints(self, value):
        """``value`` of every worker, as a list indexed by rank."""
        vector = np.zeros(self.num_workers, dtype=np.float64)
        vector[self.rank] = value
        return [int(round(v)) for v in self.allreduce_sum(vector)]

    def runs_handler(self, handler):
        """False for handlers that only print or write files, on every worker but rank 0.

        A handler class decides with a ``rank_zero_only`` attribute; gluonx's writers need none.
        """
        if self.is_writer:
            return True
        flag = getattr(handler, "rank_zero_only", None)
        if flag is not None:
            return not flag
        return type(handler).__name__ not in RANK_ZERO_HANDLERS


def agree_on_lengths(backend, source):
    """Check or cut the epoch length of ``source`` so that every worker runs the same number of batches.

    A dataset is sharded by the trainer, so all workers must hold the same dataset (its length is
    checked). Any other iterable (a DataLoader) is this worker's own data: every epoch is cut to the
    shortest worker's length, so no worker waits forever for the gradients of one that ran out of data.
    """
    from ..train.sources import DatasetSource, IterableSource
    try:
        length = len(source.dataset) if isinstance(source, DatasetSource) else len(source.iterable)
    except TypeError:
        raise TypeError("distributed training needs data with a length (len()) so that every worker runs the "
                        "same number of batches; got {}".format(type(source.iterable).__name__)) from None
    if not backend.can_reduce:
        return  # dist_async: a worker that finishes early waits for nobody
    lengths = backend.gather_ints(length)
    if isinstance(source, DatasetSource):
        if len(set(lengths)) > 1:
            raise ValueError("workers hold datasets of different sizes {} (by rank): give every worker the same "
                             "dataset (gluonx shards it), or a DataLoader of its own shard".format(lengths))
    elif isinstance(source, IterableSource):
        source.max_batches = min(lengths)


def create_backend(kvstore):
    """The backend of a distributed ``kvstore`` name (see :data:`DIST_KVSTORES`)."""
    if kvstore in PS_KVSTORES:
        from .ps import ParameterServerBackend
        return ParameterServerBackend(kvstore)
    if kvstore == "horovod":
        from .horovod import HorovodBackend
        return HorovodBackend()
    raise ValueError("{!r} is not a distributed kvstore: expected one of {}".format(kvstore, DIST_KVSTORES))
