"""The multi-device trainer (D2L 11.5-11.6: training on multiple devices, concisely).

``Trainer`` wraps ``gluon.Trainer``: it splits each batch across devices, aggregates gradients through the
chosen kvstore, accumulates gradients over several batches, clips by global norm without blocking,
guards against non-finite gradients, keeps losses and metrics on the device and reads them once per log
interval, and calls event handlers. Checkpoints made through it resume exactly (see
:mod:`gluonx.train.checkpoint`).
"""
import copy
import dataclasses
import time
import warnings

import mxnet as mx
from mxnet import autograd, gluon

from ..dist.backend import DIST_KVSTORES, create_backend
from ..utils.seed import reseed_mxnet, seed_everything
from ..utils.sync import sync_point
from .handlers.base import overrides
from .metrics import Mean, create_metric
from .sources import make_source
from .splitting import split_batch


@dataclasses.dataclass
class TrainState:
    """Where training is; saved in checkpoints. ``step`` counts optimizer updates, ``batch`` batches."""

    epoch: int = 0
    batch_in_epoch: int = 0
    batch: int = 0
    step: int = 0
    samples: int = 0
    epoch_totals: dict = dataclasses.field(default_factory=dict)
    history: list = dataclasses.field(default_factory=list)
    epochs: list = dataclasses.field(default_factory=list)


def parse_contexts(ctx):
    """Contexts from a Context, a list of them, or text such as ``"cpu:0,cpu:1"`` / ``"gpu:0"``."""
    if ctx is None:
        return [mx.cpu()]
    if isinstance(ctx, mx.Context):
        return [ctx]
    if isinstance(ctx, str):
        ctx = [part.strip() for part in ctx.split(",") if part.strip()]
    out = []
    for item in ctx:
        if isinstance(item, mx.Context):
            out.append(item)
            continue
        kind, _, index = str(item).partition(":")
        if kind not in ("cpu", "gpu") or (index and not index.isdigit()):
            raise ValueError("bad device {!r}: expected 'cpu', 'cpu:N' or 'gpu:N'".format(item))
        out.append(mx.Context(kind, int(index or 0)))
    if not out:
        raise ValueError("no device given")
    if len(set(out)) != len(out):
        raise ValueError("a device is listed twice: {}".format(out))
    return out


class Trainer:
    """Train a Gluon block on one or several devices.

    Parameters
    ----------
    net : mx.gluon.Block
        The model; initialized with ``initializer`` on ``ctx`` unless its parameters already are.
    loss : mx.gluon.loss.Loss
        Per-sample loss ``loss(output, label)``.
    optimizer : str or mx.optimizer.Optimizer
        An MXNet optimizer name, a gluonx registered optimizer name, or an instance.
    optimizer_params : dict, optional
        e.g. ``{"learning_rate": 0.1, "lr_scheduler": ...}``.
    ctx : mx.Context, list or str, optional
        Devices, e.g. ``[mx.cpu(0), mx.cpu(1)]`` or ``"gpu:0,gpu:1"`` (default ``mx.cpu()``).
    kvstore : str
        Gradient aggregation across devices: ``"device"`` or ``"local"`` on one machine; across machines
        ``"dist_sync"``, ``"dist_device_sync"``, ``"dist_async"`` (MXNet's parameter server) or
        ``"horovod"``, in processes started by ``gluonx launch`` (see :mod:`gluonx.dist`). Distributed, each
        worker trains on its own shard of a dataset with ``batch_size`` samples per batch, the update uses
        the mean gradient of all workers' batches, and only rank 0 writes checkpoints and logs.
    metrics : sequence of str or DeviceMetric
        Training metrics (``"accuracy"`` by default), accumulated on the device.
    grad_accumulation : int
        Batches whose gradients are summed before one update.
    clip_global_norm : float, optional
        Rescale gradients so that the global norm of the mean gradient is at most this (no sync).
    hybridize : bool
        Hybridize the net with ``static_alloc`` / ``static_shape``.
    seed : int
        Seed of initialization, data order and MXNet's random stream. Creating the trainer seeds Python's
        ``random``, NumPy's global generator and MXNet with it (their states are part of checkpoints).
    initializer : mx.init.Initializer, optional
        Default ``mx.init.Xavier()``.
    batch_axis : int
        Batch axis of the data (labels are split along axis 0).
    scale_uint8 : bool
        Turn uint8 inputs into float32 in [0, 1] on the device.

    Examples
    --------
    >>> import gluonx, mxnet as mx
    >>> from gluonx.data.digits import Digits
    >>> net = gluonx.get_model("lenet", num_classes=10)                       # doctest: +SKIP
    >>> trainer = gluonx.Trainer(net, mx.gluon.loss.SoftmaxCrossEntropyLoss(), "adam",
    ...                          {"learning_rate": 1e-3}, ctx="cpu:0")        # doctest: +SKIP
    >>> trainer.fit(Digits(train=True), epochs=5, batch_size=64,
    ...             val_data=Digits(train=False))                            # doctest: +SKIP

    References
    ----------
    D2L 11.5 (training on multiple GPUs), 11.6 (concise implementation), 11.7 (parameter servers); DL 8.1.3
    (batch and minibatch algorithms), DL 10.11.1 (clipping gradients).
    """

    def __init__(self, net, loss, optimizer="sgd", optimizer_params=None, ctx=None, kvstore="device",
                 metrics=("accuracy",), grad_accumulation=1, clip_global_norm=None, hybridize=True, seed=0,
                 initializer=None, batch_axis=0, scale_uint8=True):
        if int(grad_accumulation) < 1:
            raise ValueError("grad_accumulation must be at least 1, got {}".format(grad_accumulation))
        if clip_global_norm is not None and not clip_global_norm > 0:
            raise ValueError("clip_global_norm must be positive, got {}".format(clip_global_norm))
        if kvstore not in ("device", "local", None) + DIST_KVSTORES:
            raise ValueError("kvstore must be 'device' or 'local' on one machine, or one of {} across machines, "
                             "got {!r}".format(DIST_KVSTORES, kvstore))
        self.net = net
        self.loss = loss
        self.ctx = parse_contexts(ctx)
        self.seed = int(seed)
        self.grad_accumulation = int(grad_accumulation)
        self.clip_global_norm = clip_global_norm
        self.batch_axis = batch_axis
        self.scale_uint8 = scale_uint8
        self.metrics = [create_metric(m) for m in metrics]
        self.loss_metric = Mean("loss")
        self.state = TrainState()
        self.stop_training = False
        self.nan_policy = None  # set by the NaNGuard handler: "raise", "skip" or "stop"
        self.handlers = []
        self.last_scalars = {}
        self.batches_per_epoch = None
        self.dist = create_backend(kvstore) if kvstore in DIST_KVSTORES else None
        self.rank = self.dist.rank if self.dist else 0
        self.num_workers = self.dist.num_workers if self.dist else 1
        if self.dist:
            self.dist.check(self)
        seed_everything(self.seed)
        self._initialize(initializer)
        if hybridize:
            net.hybridize(static_alloc=True, static_shape=True)
        self.params = [p for p in net.collect_params().values() if p.grad_req != "null"]
        if self.grad_accumulation > 1:
            for param in self.params:
                param.grad_req = "add"
        self.optimizer = self._make_optimizer(optimizer, optimizer_params)
        if self.dist:
            self.gluon_trainer = self.dist.make_trainer(net.collect_params(), self.optimizer)
        else:
            self.gluon_trainer = gluon.Trainer(net.collect_params(), self.optimizer, kvstore=kvstore,
                                               update_on_kvstore=False)
        self._window_start = None
        self._reset_window()

    # -- set-up -----------------------------------------------------------------------------------------
    def _initialize(self, initializer):
        params = self.net.collect_params()
        fresh = [p for p in params.values() if p._data is None and p._deferred_init == ()]
        if fresh:
            self.net.initialize(initializer or mx.init.Xavier(), ctx=self.ctx)
        else:
            params.reset_ctx(self.ctx)

    @staticmethod
    def _make_optimizer(optimizer, params):
        params = dict(params or {})
        if isinstance(optimizer, mx.optimizer.Optimizer):
            if params:
                raise ValueError("optimizer_params are given but the optimizer is already an instance")
            return optimizer
        if not isinstance(optimizer, str):
            raise TypeError("optimizer must be a name or an mx.optimizer.Optimizer, got {!r}".format(optimizer))
        import gluonx
        # MXNet's own names ('sgd', 'adam', ...) keep MXNet's meaning; other names come from gluonx plugins
        if optimizer.lower() not in mx.optimizer.Optimizer.opt_registry and optimizer in gluonx.registry("optimizers"):
            return gluonx.get_optimizer(optimizer, **params)
        return mx.optimizer.create(optimizer, **params)

    @property
    def is_writer(self):
        """True in the process that writes checkpoints and logs (rank 0; always on one machine)."""
        return self.rank == 0

    @property
    def learning_rate(self):
        """The optimizer's current learning rate."""
        return self.gluon_trainer.learning_rate

    def parameters(self):
        """``{structural name: numpy array}`` of the net's parameters (device 0), read safely.

        Waits for all pending work first (a named sync point, ``"parameters"``).
        """
        with sync_point("parameters"):
            mx.nd.waitall()
            return {name: p.data(self.ctx[0]).asnumpy()
                    for name, p in self.net._collect_params_with_prefix().items()}

    def reseed(self):
        """Make MXNet's random stream from here a function of ``(seed, batch, rank)`` (called at epoch starts,
        after checkpoints and on resume, so an interrupted run continues with the same random numbers)."""
        reseed_mxnet(self.seed, self.state.batch, stream=self.rank)

    def set_learning_rate(self, lr):
        """Set the learning rate (used by schedule handlers)."""
        if self.dist:
            self.dist.before_learning_rate_change()
        self.gluon_trainer.set_learning_rate(lr)

    # -- the hot loop -----------------------------------------------------------------------------------
    def _reset_window(self):
        for metric in self.metrics + [self.loss_metric]:
            metric.reset()
        self._pending = 0
        self._used = set()
        self._nonfinite = None
        self._grad_norm = None
        self._window_samples = 0
        self._window_start = time.perf_counter()

    def train_batch(self, data, label):
        """Forward, backward and (every ``grad_accumulation`` batches) an update; never blocks."""
        shards = split_batch(data, label, self.ctx, self.batch_axis, self.scale_uint8)
        with autograd.record():
            outputs = [self.net(x) for _, x, _ in shards]
            losses = [self.loss(out, y) for out, (_, _, y) in zip(outputs, shards)]
        autograd.backward(losses)
        labels = [y for _, _, y in shards]
        for metric in self.metrics:
            metric.update(labels, outputs)
        self.loss_metric.update(labels, losses)
        count = int(label.shape[0])
        self._pending += count
        self._window_samples += count
        self._used.update(ctx for ctx, _, _ in shards)
        self.state.batch += 1
        self.state.batch_in_epoch += 1
        self.state.samples += count
        if self.state.batch % self.grad_accumulation == 0:
            self.step()
        return losses

    def step(self):
        """Aggregate gradients across devices, clip/guard them on the device, and update (no sync)."""
        if self._pending == 0:
            return
        unused = [ctx for ctx in self.ctx if ctx not in self._used]
        if unused:
            # a device that got no sample this step contributes zero gradient, and is still updated
            for param in self.params:
                for data, grad in zip(param.list_data(), param.list_grad()):
                    if grad.context in unused:
                        grad[:] = 0
                        data._fresh_grad = True
        if self.dist and self.dist.updates_on_servers:
            self.gluon_trainer.step(self._pending)  # dist_async: the servers run the optimizer
        else:
            self.gluon_trainer.allreduce_grads()
            # distributed: the aggregated gradient covers every worker's batch
            divisor = self.dist.gradient_divisor(self, self._pending) if self.dist else self._pending
            if self.clip_global_norm is not None or self.nan_policy is not None:
                self._scale_gradients(divisor)
            self.gluon_trainer.update(self.dist.update_batch_size(self._pending) if self.dist else self._pending)
        if self.grad_accumulation > 1:
            for param in self.params:
                param.zero_grad()
        self._pending = 0
        self._used = set()
        self.state.step += 1

    def _scale_gradients(self, batch_size):
        grads = [[param.list_grad()[i] for param in self.params] for i in range(len(self.ctx))]
        squares = mx.nd.multi_sum_sq(*grads[0], num_arrays=len(grads[0]))
        norm = mx.nd.sqrt(squares.sum()) / batch_size  # norm of the mean gradient
        self._grad_norm = norm
        finite = mx.nd.contrib.isfinite(norm)
        if self.nan_policy is not None:
            bad = 1 - finite
            self._nonfinite = bad if self._nonfinite is None else self._nonfinite + bad
        scale = None
        if self.clip_global_norm is not None:
            scale = mx.nd.minimum(mx.nd.ones_like(norm), self.clip_global_norm / (norm + 1e-12))
        if self.nan_policy == "skip":
            scale = finite if scale is None else scale * finite
        if scale is None:
            return
        for ctx, ctx_grads in zip(self.ctx, grads):
            factor = scale.as_in_context(ctx)
            for grad in ctx_grads:
                if self.nan_policy == "skip":
                    grad[:] = mx.nd.where(mx.nd.contrib.isfinite(grad), mx.nd.broadcast_mul(grad, factor),
                                          mx.nd.zeros_like(grad))
                else:
                    grad[:] = mx.nd.broadcast_mul(grad, factor)

    # -- reading values: the only sync points -----------------------------------------------------------
    def read_window(self, end_of_epoch=False):
        """Read the metrics accumulated since the last read (one named sync point, ``"log"``), fold them
        into the epoch totals, record them in ``state.history`` and call the handlers' ``log`` hooks."""
        with sync_point("log"):
            # drain the engine before any read: reading a weight or state while the multi-device update
            # is still running has crashed MXNet 1.9 (kvstore 'device', static graphs, MKLDNN)
            mx.nd.waitall()
            totals = {m.name: m.totals() for m in [self.loss_metric] + self.metrics}
            window_samples = self._window_samples
            if self.dist:  # every worker reads at the same batches: sum over workers
                totals, window_samples = self.dist.sum_totals(totals, window_samples)
            nonfinite = int(self._nonfinite.asscalar()) if self._nonfinite is not None else 0
            grad_norm = float(self._grad_norm.asscalar()) if self._grad_norm is not None else None
        elapsed = max(time.perf_counter() - self._window_start, 1e-9)
        history = self.state.history
        empty = window_samples == 0 and history and history[-1]["batch"] == self.state.batch
        scalars = dict(history[-1]) if empty else {
            "epoch": self.state.epoch, "batch": self.state.batch, "step": self.state.step,
            "lr": float(self.learning_rate), "samples_per_sec": window_samples / elapsed}
        scalars["end_of_epoch"] = end_of_epoch
        for name, (total, count) in totals.items():
            if count:
                scalars[name] = total / count
            epoch_total = self.state.epoch_totals.setdefault(name, [0.0, 0])
            epoch_total[0] += total
            epoch_total[1] += count
        if grad_norm is not None:
            scalars["grad_norm"] = grad_norm
        if nonfinite:
            scalars["nonfinite_steps"] = nonfinite
        if end_of_epoch:
            for name, (total, count) in self.state.epoch_totals.items():
                if count:
                    scalars[name] = total / count
        if not empty:  # the window was already read at this batch (log interval hit the epoch end)
            history.append({k: v for k, v in scalars.items() if k != "end_of_epoch"})
        self._reset_window()
        self.last_scalars = scalars
        if nonfinite and self.nan_policy == "raise":
            raise FloatingPointError("non-finite gradient norm in {} step(s) before batch {} (epoch {})".format(
                nonfinite, self.state.batch, self.state.epoch))
        if nonfinite and self.nan_policy == "stop":
            self.stop_training = True
        self._dispatch("log", scalars)
        return scalars

    # -- epochs -----------------------------------------------------------------------------------------
    def _local_handlers(self):
        # distributed: handlers that only print or write files run on rank 0 alone
        return [h for h in self.handlers if self.dist.runs_handler(h)] if self.dist else self.handlers

    def _dispatch(self, hook, *args):
        for handler in self._local_handlers():
            getattr(handler, hook)(self, *args)

    def fit(self, train_data, epochs, batch_size=None, val_data=None, event_handlers=(), log_interval=None,
            shuffle=True, last_batch="keep", resume=None):
        """Train for ``epochs`` epochs (counting those already done when resuming).

        Parameters
        ----------
        train_data : dataset or iterable of (data, label)
            A dataset (``__getitem__``/``__len__``, or gluonx's ``take``) batched by the trainer with a
            deterministic, resumable order — or any iterable of batches such as a ``gluon.data.DataLoader``
            (resumes at epoch boundaries).
        epochs : int
            Total number of epochs.
        batch_size : int, optional
            Required with a dataset.
        val_data : dataset or iterable, optional
            Evaluated at each epoch end (adds ``val_*`` scalars) unless a ValidationHandler is given.
        event_handlers : sequence of EventHandler
        log_interval : int, optional
            Read metrics every this many batches (and always at the end of an epoch).
        shuffle, last_batch
            Order of a dataset's batches (``last_batch`` 'keep' or 'discard').
        resume : str, optional
            A checkpoint folder (or a folder of checkpoints: the latest is used) to resume from.

        Returns
        -------
        list of dict
            ``state.epochs``: the scalars of each epoch (training averages and ``val_*``).
        """
        from .handlers.validation import ValidationHandler
        if epochs < 1:
            raise ValueError("epochs must be at least 1, got {}".format(epochs))
        if resume is None and self.state.epoch >= epochs:
            warnings.warn("fit(epochs={}) does nothing: this trainer has already trained {} epoch(s), and epochs "
                          "counts the total; pass a larger epochs to train more".format(epochs, self.state.epoch),
                          RuntimeWarning, stacklevel=2)
        source = make_source(train_data, batch_size, shuffle, last_batch, self.seed, self.batch_axis,
                             self.num_workers, self.rank)
        if self.dist:
            self.dist.agree_on_data(source)
        try:
            self.batches_per_epoch = len(source)
        except TypeError:
            self.batches_per_epoch = None
        handlers = list(event_handlers)
        if val_data is not None and not any(isinstance(h, ValidationHandler) for h in handlers):
            handlers.append(ValidationHandler(val_data, batch_size=batch_size))
        self.handlers = sorted(handlers, key=lambda h: h.priority)
        if resume is not None:
            from .checkpoint import load_checkpoint
            load_checkpoint(resume, self)  # every worker loads the same checkpoint
        batch_begin = [h for h in self._local_handlers() if overrides(h, "batch_begin")]
        batch_end = [h for h in self._local_handlers() if overrides(h, "batch_end")]
        self.stop_training = False
        self._dispatch("train_begin")
        if self.dist:
            self.dist.check(self)  # handlers may have set a NaN policy
            self.dist.synchronize(self, source)
        while self.state.epoch < epochs and not self.stop_training:
            if self.state.batch_in_epoch == 0:
                self.reseed()
                self.state.epoch_totals = {}
                self._dispatch("epoch_begin")
            self._reset_window()
            for data, label in source.batches(self.state.epoch, self.state.batch_in_epoch):
                for handler in batch_begin:
                    handler.batch_begin(self)
                self.train_batch(data, label)
                if log_interval and self.state.batch % log_interval == 0:
                    self.read_window()
                for handler in batch_end:
                    handler.batch_end(self)
                if self.stop_training:
                    break
            self.step()  # a partial accumulation at the end of the epoch
            scalars = self.read_window(end_of_epoch=True)
            self.state.epochs.append(scalars)  # handlers (validation first) add to it in place
            self._dispatch("epoch_end", scalars)
            scalars.pop("end_of_epoch", None)
            self.state.epoch += 1
            self.state.batch_in_epoch = 0
        self._dispatch("train_end")
        return self.state.epochs

    def evaluate(self, data, batch_size=None, metrics=None, prefix="val_"):
        """Loss and metrics on ``data`` (dataset or iterable of batches) with the net in inference mode.

        Reads the values once at the end (one sync point). Returns ``{prefix + name: value}``.
        """
        if metrics is None:
            metrics = [copy.copy(m) for m in self.metrics]
        metrics = [create_metric(m) for m in metrics]
        loss_metric = Mean("loss")
        for metric in metrics:
            metric.reset()
        source = make_source(data, batch_size, False, "keep", self.seed, self.batch_axis)
        for batch_data, batch_label in source.batches(0, 0):
            shards = split_batch(batch_data, batch_label, self.ctx, self.batch_axis, self.scale_uint8)
            outputs = [self.net(x) for _, x, _ in shards]
            labels = [y for _, _, y in shards]
            for metric in metrics:
                metric.update(labels, outputs)
            loss_metric.update(labels, [self.loss(out, y) for out, y in zip(outputs, labels)])
        return {prefix + name: value for name, value in (m.get() for m in [loss_metric] + metrics)}
