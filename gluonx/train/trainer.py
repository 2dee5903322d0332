"""The multi-device trainer (D2L 11.5-11.6: training on multiple devices, concisely).

``Trainer`` wraps ``gluon.Trainer``: it splits each batch across devices, aggregates gradients through the
chosen kvstore, accumulates gradients over several batches, clips by global norm without blocking,
guards against non-finite gradients, keeps losses and metrics on the device and reads them once per log
interval, and calls event handlers. Checkpoints made through it resume exactly (see
:mod:`gluonx.train.checkpoint`). What one batch does is a :class:`~gluonx.train.step.TrainStep` (default:
``loss(net(x), y)``); a :class:`~gluonx.tasks.base.Task` supplies loss, metrics, step and batching.
"""
import copy
import dataclasses
import time
import warnings

import mxnet as mx
from mxnet import gluon

from ..dist.backend import DIST_KVSTORES, create_backend
from ..utils.seed import reseed_mxnet, seed_everything
from ..utils.sync import sync_point
from .handlers.base import overrides
from .metrics import Mean, create_metric
from .optimizers import OptimizerGroup, assign_groups, make_optimizer
from .sources import make_source
from .splitting import split_batch, split_structure
from .step import TrainStep


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


class _Group:
    """One optimizer of the trainer, its Gluon trainer and the gradients waiting for an update."""

    __slots__ = ("name", "optimizer", "gluon_trainer", "params", "pending", "used", "nonfinite", "grad_norm")

    def __init__(self, name, optimizer, gluon_trainer, params):
        self.name = name
        self.optimizer = optimizer
        self.gluon_trainer = gluon_trainer
        self.params = params
        self.pending = 0
        self.used = set()
        self.nonfinite = None
        self.grad_norm = None


def _resolve_task(task):
    if task is None or not isinstance(task, str):
        return task
    import gluonx
    return gluonx.get_task(task)  # the tasks registry (a name -> a Task instance)


class Trainer:
    """Train a Gluon block on one or several devices.

    Parameters
    ----------
    net : mx.gluon.Block
        The model; initialized with ``initializer`` on ``ctx`` unless its parameters already are.
    loss : mx.gluon.loss.Loss, optional
        Per-sample loss ``loss(output, label)``; default: the task's (required without a task, unless the
        step computes its own).
    optimizer : str, mx.optimizer.Optimizer or dict
        A name (MXNet's names are MXNet's optimizers, ``"gluonx_<name>"`` and other gluonx registry names
        are gluonx's -- the same rule as ``gluonx.get_optimizer`` and ``gluon.Trainer``), an instance, or
        ``{name: OptimizerGroup}`` for several optimizers over disjoint parameter subsets, stepped when the
        step calls ``trainer.update(optimizer=name)`` (a GAN's discriminator and generator).
    optimizer_params : dict, optional
        e.g. ``{"learning_rate": 0.1, "lr_scheduler": ...}`` (single optimizer only).
    ctx : mx.Context, list or str, optional
        Devices, e.g. ``[mx.cpu(0), mx.cpu(1)]`` or ``"gpu:0,gpu:1"`` (default ``mx.cpu()``).
    kvstore : str
        Gradient aggregation across devices: ``"device"`` or ``"local"`` on one machine; across machines
        ``"dist_sync"``, ``"dist_device_sync"``, ``"dist_async"`` (MXNet's parameter server) or
        ``"horovod"``, in processes started by ``gluonx launch`` (see :mod:`gluonx.dist`). Distributed, each
        worker trains on its own shard of a dataset with ``batch_size`` samples per batch, the update uses
        the mean gradient of all workers' batches, and only rank 0 writes checkpoints and logs.
    metrics : sequence of str or DeviceMetric, optional
        Training metrics, accumulated on the device; default: the task's, else ``("accuracy",)`` with the
        default step and none with a custom step.
    grad_accumulation : int
        Batches whose gradients are summed before one update.
    clip_global_norm : float, optional
        Rescale gradients so that the global norm of the mean gradient is at most this (no sync); with
        several optimizers, each optimizer's gradients separately.
    hybridize : bool
        Hybridize the net with ``static_alloc`` / ``static_shape``.
    seed : int, optional
        When given, the constructor seeds Python's ``random``, NumPy's global generator and MXNet with it
        (so initialization is reproducible). Either way the trainer's data order and MXNet's stream during
        ``fit`` derive from ``trainer.seed`` (``seed``, or 0), which checkpoints record; resuming with
        ``seed=None`` adopts the checkpoint's.
    initializer : mx.init.Initializer, optional
        Default ``mx.init.Xavier()``.
    batch_axis : int
        Batch axis of the data (labels are split along axis 0).
    scale_uint8 : bool
        Turn uint8 inputs into float32 in [0, 1] on the device.
    task : gluonx.tasks.Task or str, optional
        Supplies the loss, metrics, step and batching not given here (a registered name or an instance).
    step : gluonx.train.step.TrainStep, optional
        How one batch becomes losses and metric inputs (default: the task's, else ``loss(net(x), y)``).

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
    (batch and minibatch algorithms), DL 10.11.1 (clipping gradients), DL 20.10.4 (alternating updates).
    """

    def __init__(self, net, loss=None, optimizer="sgd", optimizer_params=None, ctx=None, kvstore="device",
                 metrics=None, grad_accumulation=1, clip_global_norm=None, hybridize=True, seed=None,
                 initializer=None, batch_axis=0, scale_uint8=True, task=None, step=None):
        if int(grad_accumulation) < 1:
            raise ValueError("grad_accumulation must be at least 1, got {}".format(grad_accumulation))
        if clip_global_norm is not None and not clip_global_norm > 0:
            raise ValueError("clip_global_norm must be positive, got {}".format(clip_global_norm))
        if kvstore not in ("device", "local", None) + DIST_KVSTORES:
            raise ValueError("kvstore must be 'device' or 'local' on one machine, or one of {} across machines, "
                             "got {!r}".format(DIST_KVSTORES, kvstore))
        if step is not None and not isinstance(step, TrainStep):
            raise TypeError("step must be a gluonx.train.step.TrainStep, got {!r}".format(step))
        self.task = _resolve_task(task)
        if loss is None and self.task is not None:
            loss = self.task.create_loss()
        if step is None:
            step = self.task.create_step(loss) if self.task is not None else None
            if step is None and loss is None:
                raise ValueError("Trainer needs a loss, a task or a step (got none of them)")
        if metrics is None:
            if self.task is not None:
                metrics = self.task.create_metrics()
            else:
                metrics = ("accuracy",) if step is None else ()
        self.batch_step = step if step is not None else TrainStep()
        self.net = net
        self.loss = loss
        self.ctx = parse_contexts(ctx)
        self.seed = 0 if seed is None else int(seed)
        self.seed_given = seed is not None
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
        if self.seed_given:
            seed_everything(self.seed)
        self._initialize(initializer)
        if hybridize:
            net.hybridize(static_alloc=True, static_shape=True)
        self.params = [p for p in net.collect_params().values() if p.grad_req != "null"]
        if self.grad_accumulation > 1:
            for param in self.params:
                param.grad_req = "add"
        self._groups = self._make_groups(optimizer, optimizer_params, kvstore)
        self._group_by_name = {g.name: g for g in self._groups}
        self._default_group = self._groups[0]
        self._loss_metrics = {"loss": self.loss_metric}
        self._closes_window = False
        self._batch_used = ()
        self._batch_samples = 0
        self._updated = False
        self._window_start = None
        self._reset_window()

    # -- set-up -----------------------------------------------------------------------------------------
    def _initialize(self, initializer):
        params = self.net.collect_params()
        fresh = [p for p in params.values() if p._data is None and p._deferred_init == ()]
        if len(fresh) == len(list(params.values())):
            self.net.initialize(initializer or mx.init.Xavier(), ctx=self.ctx)
            return
        # A partly loaded net (fine-tuning: a new output layer on loaded weights): initialize only the rest,
        # as net.initialize would (each parameter's own init first), without re-initializing loaded ones.
        for param in fresh:
            param.initialize(None, ctx=self.ctx, default_init=initializer or mx.init.Xavier())
        params.reset_ctx(self.ctx)

    def _make_groups(self, optimizer, optimizer_params, kvstore):
        if not isinstance(optimizer, dict):
            built = make_optimizer(optimizer, optimizer_params)
            if self.dist:
                gluon_trainer = self.dist.make_trainer(self.net.collect_params(), built)
            else:
                gluon_trainer = gluon.Trainer(self.net.collect_params(), built, kvstore=kvstore,
                                              update_on_kvstore=False)
            return [_Group("default", built, gluon_trainer, self.params)]
        if optimizer_params:
            raise ValueError("with several optimizers, give each its optimizer_params in its OptimizerGroup")
        if not optimizer or not all(isinstance(g, OptimizerGroup) for g in optimizer.values()):
            raise TypeError("optimizer as a dict must map names to gluonx.train.OptimizerGroup, got {!r}"
                            .format(optimizer))
        if self.dist:
            raise ValueError("several optimizers are not supported with kvstore {!r} (one parameter-server key "
                             "space per run): train on one machine".format(self.dist.kvstore))
        if self.grad_accumulation > 1 and len(optimizer) > 1:
            raise ValueError("grad_accumulation > 1 with several optimizers is not supported: the loss of one "
                             "optimizer's step also adds gradients to the other's parameters")
        assigned = assign_groups(optimizer, self.net)
        groups = []
        for name, spec in optimizer.items():
            built = make_optimizer(spec.optimizer, spec.optimizer_params)
            gluon_trainer = gluon.Trainer(assigned[name], built, kvstore=kvstore, update_on_kvstore=False)
            groups.append(_Group(name, built, gluon_trainer, assigned[name]))
        return groups

    @property
    def optimizer(self):
        """The (first) optimizer."""
        return self._default_group.optimizer

    @property
    def gluon_trainer(self):
        """The ``gluon.Trainer`` of the (first) optimizer."""
        return self._default_group.gluon_trainer

    @property
    def optimizers(self):
        """``{name: mx.optimizer.Optimizer}`` in stepping order (``"default"`` for a single optimizer)."""
        return {g.name: g.optimizer for g in self._groups}

    @property
    def gluon_trainers(self):
        """``{name: gluon.Trainer}`` in the order of :attr:`optimizers`."""
        return {g.name: g.gluon_trainer for g in self._groups}

    @property
    def is_writer(self):
        """True in the process that writes checkpoints and logs (rank 0; always on one machine)."""
        return self.rank == 0

    @property
    def learning_rate(self):
        """The (first) optimizer's current learning rate."""
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

    def set_learning_rate(self, lr, optimizer=None):
        """Set the learning rate of one optimizer, or of all (``optimizer=None``; used by schedule handlers)."""
        if self.dist:
            self.dist.before_learning_rate_change()
        for group in ([self._group(optimizer)] if optimizer is not None else self._groups):
            group.gluon_trainer.set_learning_rate(lr)

    def _group(self, name):
        if name is None:
            return self._default_group
        try:
            return self._group_by_name[name]
        except KeyError:
            raise KeyError("no optimizer called {!r}; this trainer has {}".format(
                name, list(self._group_by_name))) from None

    # -- the step API: what a TrainStep calls -------------------------------------------------------------
    def split(self, batch, batch_axis=None, scale=None):
        """Split a batch across the devices: a list of per-device batches with the batch's structure.

        Parameters
        ----------
        batch : tuple, list or dict of arrays, or one array (NumPy or NDArray)
        batch_axis : int, sequence or dict, optional
            Batch axis of every array (one int), or per array (``None``: give the whole array to every
            device). Default: the trainer's ``batch_axis`` for the first array, 0 for the others.
        scale : sequence, optional
            Positions/keys of uint8 images to scale to [0, 1] on the device (default: position 0).

        A batch of ``n`` samples uses ``min(n, len(ctx))`` devices; devices without samples contribute a
        zero gradient at the next update.
        """
        contexts = self.ctx
        if batch_axis is None and scale is None and type(batch) is tuple and len(batch) == 2:
            # the common (data, label) batch: the fast path of the original trainer
            shards = split_batch(batch[0], batch[1], contexts, self.batch_axis, self.scale_uint8)
            self._batch_used = [ctx for ctx, _, _ in shards]
            self._batch_samples = int(batch[1].shape[0])
            return [(x, y) for _, x, y in shards]
        if batch_axis is None:
            if isinstance(batch, (tuple, list)):
                batch_axis = [self.batch_axis] + [0] * (len(batch) - 1)
            elif isinstance(batch, dict):
                batch_axis = 0
            else:
                batch_axis = self.batch_axis
        shards, num = split_structure(batch, contexts, batch_axis, self.scale_uint8, scale)
        self._batch_used = contexts[:len(shards)]
        self._batch_samples = int(num)
        return shards

    def update(self, num_samples=None, optimizer=None):
        """Count this batch's gradients for ``optimizer`` (a name; default the first) and, at the end of
        each ``grad_accumulation`` window, aggregate them across devices, clip/guard and update (no sync).

        ``num_samples`` (default: the samples of the last :meth:`split`) divides the summed gradient, so the
        update uses the mean gradient per sample.
        """
        group = self._default_group if optimizer is None else self._group(optimizer)
        group.pending += self._batch_samples if num_samples is None else int(num_samples)
        group.used.update(self._batch_used)
        if self._closes_window:
            self._apply(group)
            self._updated = True

    # -- the hot loop -----------------------------------------------------------------------------------
    def _reset_window(self):
        for metric in self.metrics:
            metric.reset()
        for metric in self._loss_metrics.values():
            metric.reset()
        for group in self._groups:
            group.nonfinite = None
            group.grad_norm = None
        self._window_samples = 0
        self._window_start = time.perf_counter()

    def _record(self, out):
        labels, outputs, losses = out
        if labels is not None and outputs is not None:
            for metric in self.metrics:
                metric.update(labels, outputs)
        if losses is None:
            return
        if isinstance(losses, dict):
            for name, values in losses.items():
                metric = self._loss_metrics.get(name)
                if metric is None:
                    metric = self._loss_metrics[name] = Mean(name)
                metric.update(values, values)
        else:
            self.loss_metric.update(losses, losses)

    def train_batch(self, *batch):
        """Run the step on one batch (``train_batch(data, label)`` or ``train_batch(batch)``); never blocks.

        Updates happen in the step's :meth:`update` calls at the end of every ``grad_accumulation`` window.
        """
        if len(batch) == 1:
            batch = batch[0]
        self._closes_window = (self.state.batch + 1) % self.grad_accumulation == 0
        self._updated = False
        self._batch_samples = 0
        out = self.batch_step.train_step(self, batch)
        if out is not None:
            self._record(out)
        count = self._batch_samples
        self._window_samples += count
        state = self.state
        state.batch += 1
        state.batch_in_epoch += 1
        state.samples += count
        if self._updated:
            state.step += 1
        return out

    def step(self):
        """Apply every optimizer's pending (partially accumulated) gradients now, in order (no sync)."""
        applied = False
        for group in self._groups:
            if group.pending:
                self._apply(group)
                applied = True
        if applied:
            self.state.step += 1

    def _discard_pending(self):
        for group in self._groups:
            if group.pending and self.grad_accumulation > 1:
                for param in group.params:
                    param.zero_grad()
            group.pending = 0
            group.used = set()

    def _apply(self, group):
        """Aggregate one optimizer's gradients across devices, clip/guard them on the device, update."""
        pending = group.pending
        if pending == 0:
            return
        if len(group.used) < len(self.ctx):
            unused = [ctx for ctx in self.ctx if ctx not in group.used]
            # a device that got no sample this step contributes zero gradient, and is still updated
            for param in group.params:
                for data, grad in zip(param.list_data(), param.list_grad()):
                    if grad.context in unused:
                        grad[:] = 0
                        data._fresh_grad = True
        gluon_trainer = group.gluon_trainer
        if self.dist and self.dist.updates_on_servers:
            gluon_trainer.step(pending)  # dist_async: the servers run the optimizer
        else:
            gluon_trainer.allreduce_grads()
            # distributed: the aggregated gradient covers every worker's batch
            divisor = self.dist.gradient_divisor(self, pending) if self.dist else pending
            if self.clip_global_norm is not None or self.nan_policy is not None:
                self._scale_gradients(group, divisor)
            gluon_trainer.update(self.dist.update_batch_size(pending) if self.dist else pending)
        if self.grad_accumulation > 1:
            for param in group.params:
                param.zero_grad()
        group.pending = 0
        group.used = set()

    def _scale_gradients(self, group, batch_size):
        params = group.params
        grads = [[param.list_grad()[i] for param in params] for i in range(len(self.ctx))]
        dense = [grad for grad in grads[0] if grad.stype == "default"]
        total = mx.nd.multi_sum_sq(*dense, num_arrays=len(dense)).sum() if dense else None
        for grad in grads[0]:
            if grad.stype == "row_sparse":  # only the stored rows: multi_sum_sq would densify the table
                rows = mx.nd._internal._square_sum(grad, axis=1).sum()
                total = rows if total is None else total + rows
        norm = mx.nd.sqrt(total) / batch_size  # norm of the mean gradient
        group.grad_norm = norm
        finite = mx.nd.contrib.isfinite(norm)
        if self.nan_policy is not None:
            bad = 1 - finite
            group.nonfinite = bad if group.nonfinite is None else group.nonfinite + bad
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
    def _all_metrics(self):
        return list(self._loss_metrics.values()) + self.metrics

    def read_window(self, end_of_epoch=False):
        """Read the metrics accumulated since the last read (one named sync point, ``"log"``), fold them
        into the epoch totals, record them in ``state.history`` and call the handlers' ``log`` hooks."""
        metrics = self._all_metrics()
        with sync_point("log"):
            # drain the engine before any read: reading a weight or state while the multi-device update
            # is still running has crashed MXNet 1.9 (kvstore 'device', static graphs, MKLDNN)
            mx.nd.waitall()
            totals = {m.name: m.totals() for m in metrics}
            window_samples = self._window_samples
            if self.dist:  # every worker reads at the same batches: sum over workers
                totals, window_samples = self.dist.sum_totals(totals, window_samples)
            nonfinite = sum(int(g.nonfinite.asscalar()) for g in self._groups if g.nonfinite is not None)
            grad_norms = {g.name: float(g.grad_norm.asscalar()) for g in self._groups if g.grad_norm is not None}
        elapsed = max(time.perf_counter() - self._window_start, 1e-9)
        by_name = {m.name: m for m in metrics}
        history = self.state.history
        empty = window_samples == 0 and history and history[-1]["batch"] == self.state.batch
        if empty:
            scalars = dict(history[-1])
        else:
            scalars = {"epoch": self.state.epoch, "batch": self.state.batch, "step": self.state.step,
                       "lr": float(self.learning_rate), "samples_per_sec": window_samples / elapsed}
            if len(self._groups) > 1:
                for group in self._groups:
                    scalars["lr_" + group.name] = float(group.gluon_trainer.learning_rate)
        scalars["end_of_epoch"] = end_of_epoch
        for name, (total, count) in totals.items():
            if count:
                scalars[name] = by_name[name].value(total, count)
            epoch_total = self.state.epoch_totals.setdefault(name, [0.0, 0])
            epoch_total[0] += total
            epoch_total[1] += count
        for name, norm in grad_norms.items():
            scalars["grad_norm" if len(self._groups) == 1 else "grad_norm_" + name] = norm
        if nonfinite:
            scalars["nonfinite_steps"] = nonfinite
        if end_of_epoch:
            for name, (total, count) in self.state.epoch_totals.items():
                if count:
                    metric = by_name.get(name)
                    scalars[name] = metric.value(total, count) if metric is not None else total / count
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

    def _dispatch_all(self, hook, *args):
        """Call ``hook`` on every handler even if one raises; then raise the first error."""
        first = None
        for handler in self._local_handlers():
            try:
                getattr(handler, hook)(self, *args)
            except Exception as error:  # the others still get the hook (cleanup must run)
                first = first or error
        if first is not None:
            raise first

    def make_source(self, data, batch_size=None, shuffle=True, last_batch="keep"):
        """The batches of ``data`` as the task (or the default batching) cuts them."""
        kwargs = dict(shuffle=shuffle, last_batch=last_batch, seed=self.seed, batch_axis=self.batch_axis)
        if self.task is not None:
            return self.task.make_source(data, batch_size, num_shards=self.num_workers, shard=self.rank, **kwargs)
        return make_source(data, batch_size, num_shards=self.num_workers, shard=self.rank, **kwargs)

    def fit(self, train_data, epochs, batch_size=None, val_data=None, event_handlers=(), log_interval=None,
            shuffle=True, last_batch="keep", resume=None):
        """Train for ``epochs`` epochs (counting those already done when resuming).

        Parameters
        ----------
        train_data : dataset or iterable of batches
            A dataset (``__getitem__``/``__len__``, or gluonx's ``take``) batched by the trainer (or the
            task) with a deterministic, resumable order — or any iterable of batches such as a
            ``gluon.data.DataLoader`` (resumes at epoch boundaries).
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

        Notes
        -----
        ``train_end`` runs in a ``finally`` (after ``train_exception`` when a batch or a handler raised),
        so handlers always clean up and the trainer stays usable after an error; gradients of an
        unfinished accumulation window are dropped then.
        """
        from .handlers.validation import ValidationHandler
        if epochs < 1:
            raise ValueError("epochs must be at least 1, got {}".format(epochs))
        if resume is None and self.state.epoch >= epochs:
            warnings.warn("fit(epochs={}) does nothing: this trainer has already trained {} epoch(s), and epochs "
                          "counts the total; pass a larger epochs to train more".format(epochs, self.state.epoch),
                          RuntimeWarning, stacklevel=2)
        handlers = list(event_handlers)
        if val_data is not None and not any(isinstance(h, ValidationHandler) for h in handlers):
            handlers.append(ValidationHandler(val_data, batch_size=batch_size))
        self.handlers = sorted(handlers, key=lambda h: h.priority)
        if resume is not None:
            from .checkpoint import load_checkpoint
            load_checkpoint(resume, self)  # every worker loads the same checkpoint (and adopts its seed)
        source = self.make_source(train_data, batch_size, shuffle, last_batch)
        if self.dist:
            self.dist.agree_on_data(source)
        try:
            self.batches_per_epoch = len(source)
        except TypeError:
            self.batches_per_epoch = None
        batch_begin = [h for h in self._local_handlers() if overrides(h, "batch_begin")]
        batch_end = [h for h in self._local_handlers() if overrides(h, "batch_end")]
        self.stop_training = False
        try:
            self._dispatch("train_begin")
            if self.dist:
                self.dist.check(self)  # handlers may have set a NaN policy
                self.dist.synchronize(self, source)
            self._epochs(source, epochs, log_interval, batch_begin, batch_end)
        except BaseException as error:
            if self.dist:
                # tell `gluonx launch` first: a handler below may block in a collective on a failing worker
                from ..dist import report_failure
                report_failure(error)
            self._discard_pending()
            self._dispatch_all("train_exception", error)
            raise
        finally:
            self._dispatch_all("train_end")
        return self.state.epochs

    def _epochs(self, source, epochs, log_interval, batch_begin, batch_end):
        train_batch = self.train_batch
        while self.state.epoch < epochs and not self.stop_training:
            if self.state.batch_in_epoch == 0:
                self.reseed()
                self.state.epoch_totals = {}
                self.batch_step.epoch_begin(self)
                self._dispatch("epoch_begin")
            self._reset_window()
            for batch in source.batches(self.state.epoch, self.state.batch_in_epoch):
                for handler in batch_begin:
                    handler.batch_begin(self)
                if type(batch) is tuple or isinstance(batch, list):
                    train_batch(*batch)
                else:
                    train_batch(batch)
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

    def evaluate(self, data, batch_size=None, metrics=None, prefix="val_"):
        """Loss and metrics on ``data`` (dataset or iterable of batches) with the net in inference mode,
        through the step's ``eval_step``.

        Reads the values once at the end (one sync point). Returns ``{prefix + name: value}``.
        """
        if metrics is None:
            metrics = [copy.copy(m) for m in self.metrics]
        metrics = [create_metric(m) for m in metrics]
        loss_metrics = {"loss": Mean("loss")}
        for metric in metrics:
            metric.reset()
        kwargs = dict(shuffle=False, last_batch="keep", seed=self.seed, batch_axis=self.batch_axis)
        source = (self.task.make_source(data, batch_size, **kwargs) if self.task is not None
                  else make_source(data, batch_size, **kwargs))
        step = self.batch_step
        step.eval_begin(self)
        for batch in source.batches(0, 0):
            out = step.eval_step(self, batch)
            if out is None:
                continue
            labels, outputs, losses = out
            if labels is not None and outputs is not None:
                for metric in metrics:
                    metric.update(labels, outputs)
            if isinstance(losses, dict):
                for name, values in losses.items():
                    loss_metrics.setdefault(name, Mean(name)).update(values, values)
            elif losses is not None:
                loss_metrics["loss"].update(losses, losses)
        used = [m for m in loss_metrics.values() if m._count] or [loss_metrics["loss"]]
        return {prefix + name: value for name, value in (m.get() for m in used + metrics)}
