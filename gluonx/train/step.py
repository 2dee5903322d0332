"""How one batch becomes losses and metric inputs: the step API (Keras's ``train_step``, Lightning's
``training_step``).

A :class:`TrainStep` says what the model does with one batch; the :class:`~gluonx.train.Trainer` keeps
everything around it for every step: splitting the batch across devices (:meth:`Trainer.split`), gradient
accumulation, clipping, the NaN guard, kvstore aggregation (:meth:`Trainer.update`), metrics read once per
log interval, checkpoints and exact resume.

A step receives the batch as the data source yields it (a tuple of arrays, a dict of arrays or one array),
does forward and backward under ``autograd.record()``, calls ``trainer.update(...)`` once per optimizer (in
the order the updates must happen), and returns a :class:`StepOutput` whose labels/outputs feed the metrics
and whose losses feed the ``loss`` scalars.

References
----------
D2L 11.5-11.6 (one step on several devices); D2L 8.7 / 6.4-6.5 (truncated backpropagation through time,
state carried and detached between batches); DL 20.10.4 (alternating updates of a GAN).
"""
import collections

from mxnet import autograd

__all__ = ["StepOutput", "TrainStep", "TBPTTStep"]

#: What a step returns: per-device lists of ``labels`` and ``outputs`` (given to every metric as
#: ``metric.update(labels, outputs)``; ``None`` for none) and ``losses``: a per-device list of per-sample
#: losses (the ``loss`` scalar), or a dict ``{name: per-device list}`` for several (e.g. a GAN's
#: ``{"loss_d": ..., "loss_g": ...}``).
StepOutput = collections.namedtuple("StepOutput", ["labels", "outputs", "losses"])


class TrainStep:
    """The default step: ``loss(net(*inputs), *labels)`` on each device, one optimizer update.

    Parameters
    ----------
    num_inputs : int
        How many leading arrays of a tuple batch go to the net; the rest go to the loss after the output
        (default 1: today's ``(data, label)`` batch).

    Subclass it and override :meth:`train_step` / :meth:`eval_step` for models with several inputs and
    outputs, several optimizers, or state carried across batches. The other hooks are optional:
    :meth:`epoch_begin` and :meth:`eval_begin` (reset carried state), :meth:`state_dict` /
    :meth:`load_state_dict` (NDArrays saved in checkpoints for an exact resume).

    Examples
    --------
    A step for a net that takes tokens and their valid lengths:

    >>> class MaskedStep(TrainStep):
    ...     def train_step(self, trainer, batch):
    ...         shards = trainer.split(batch)            # (tokens, lengths, labels) on each device
    ...         with autograd.record():
    ...             outputs = [trainer.net(tokens, lengths) for tokens, lengths, _ in shards]
    ...             losses = [trainer.loss(out, y) for out, (_, _, y) in zip(outputs, shards)]
    ...         autograd.backward(losses)
    ...         trainer.update()                         # the batch's sample count, the one optimizer
    ...         return StepOutput([y for *_, y in shards], outputs, losses)
    """

    def __init__(self, num_inputs=1):
        if isinstance(num_inputs, bool) or not isinstance(num_inputs, int) or num_inputs < 1:
            raise ValueError("num_inputs must be a positive integer, got {!r}".format(num_inputs))
        self.num_inputs = num_inputs

    def _forward(self, trainer, shards):
        n = self.num_inputs
        net, loss = trainer.net, trainer.loss
        if n == 1:
            outputs = [net(shard[0]) for shard in shards]
        else:
            outputs = [net(*shard[:n]) for shard in shards]
        losses = [loss(out, *shard[n:]) for out, shard in zip(outputs, shards)]
        return outputs, losses

    def _labels(self, shards):
        n = self.num_inputs
        return [shard[n] if len(shard) > n else None for shard in shards]

    def train_step(self, trainer, batch):
        """Forward and backward on every device, then one update; returns the :class:`StepOutput`."""
        shards = trainer.split(batch)
        with autograd.record():
            outputs, losses = self._forward(trainer, shards)
        autograd.backward(losses)
        trainer.update()
        return StepOutput(self._labels(shards), outputs, losses)

    def eval_step(self, trainer, batch):
        """Forward in inference mode (no gradients); returns the :class:`StepOutput`."""
        shards = trainer.split(batch)
        outputs, losses = self._forward(trainer, shards)
        return StepOutput(self._labels(shards), outputs, losses)

    def epoch_begin(self, trainer):
        """Called at the start of each training epoch (not when resuming mid-epoch)."""

    def eval_begin(self, trainer):
        """Called before each evaluation pass."""

    def state_dict(self):
        """``{name: NDArray}`` carried across batches, saved in checkpoints (default: none)."""
        return {}

    def load_state_dict(self, arrays, trainer):
        """Restore what :meth:`state_dict` returned (arrays on the CPU; move them to ``trainer.ctx``)."""


class TBPTTStep(TrainStep):
    """Truncated backpropagation through time: the recurrent state is carried from one batch to the next
    and detached, so gradients flow within a window only (D2L 8.7; D2L 6.4-6.5 in the MXNet edition).

    For nets called as ``net(tokens, *states)`` that return ``(logits, *new_states)`` (gluonx's ``rnn_lm``
    family); batches are ``(inputs, targets)`` of shape (T, N) from a sequential partitioning of the
    corpus (:class:`gluonx.tasks.language_model.SequentialSource`), so column ``j`` of one batch continues
    column ``j`` of the previous one. The state starts at zero at every epoch start (and for every
    evaluation pass) and is saved in checkpoints, so a resumed run continues with the same state.

    Parameters
    ----------
    batch_axis : int
        Axis of the streams in the (T, N) token arrays (1, time major like ``gluon.rnn``).
    detach : bool
        Detach the state between batches (truncation). ``False`` is only sensible for batches that are
        independent (then the state is simply reset each batch).
    """

    def __init__(self, batch_axis=1, detach=True):
        super().__init__(num_inputs=1)
        self.batch_axis = batch_axis
        self.detach = detach
        self._states = None
        self._eval_states = None

    def _begin_states(self, net, shard_input, ctx):
        n = shard_input.shape[self.batch_axis]
        if hasattr(net, "begin_state"):
            return list(net.begin_state(n, ctx=ctx))
        return []

    def _run(self, trainer, shards, carried):
        net, loss = trainer.net, trainer.loss
        if carried is None or len(carried) != len(shards):
            carried = [None] * len(shards)
        outputs, losses, new_carried = [], [], []
        for index, (x, y) in enumerate(shards):
            states = carried[index]
            if states is None or (states and states[0].shape[1] != x.shape[self.batch_axis]):
                states = self._begin_states(net, x, trainer.ctx[index])
            result = net(x, *states)
            logits, new_states = result[0], list(result[1:])
            outputs.append(logits)
            losses.append(loss(logits, y))
            new_carried.append([s.detach() for s in new_states] if self.detach else None)
        return outputs, losses, new_carried

    def train_step(self, trainer, batch):
        shards = trainer.split(batch, batch_axis=self.batch_axis)
        with autograd.record():
            outputs, losses, self._states = self._run(trainer, shards, self._states)
        autograd.backward(losses)
        trainer.update()
        return StepOutput([y for _, y in shards], outputs, losses)

    def eval_step(self, trainer, batch):
        shards = trainer.split(batch, batch_axis=self.batch_axis)
        outputs, losses, self._eval_states = self._run(trainer, shards, self._eval_states)
        return StepOutput([y for _, y in shards], outputs, losses)

    def epoch_begin(self, trainer):
        self._states = None

    def eval_begin(self, trainer):
        self._eval_states = None

    def state_dict(self):
        if not self._states:
            return {}
        return {"{}/{}".format(device, i): state for device, states in enumerate(self._states)
                for i, state in enumerate(states or [])}

    def load_state_dict(self, arrays, trainer):
        if not arrays:
            self._states = None
            return
        devices = 1 + max(int(key.split("/")[0]) for key in arrays)
        count = 1 + max(int(key.split("/")[1]) for key in arrays)
        if devices != len(trainer.ctx):
            raise ValueError("the checkpoint carries recurrent state for {} device(s), this trainer has {}: "
                             "resume on as many devices".format(devices, len(trainer.ctx)))
        self._states = [[arrays["{}/{}".format(d, i)].as_in_context(ctx) for i in range(count)]
                        for d, ctx in enumerate(trainer.ctx)]
