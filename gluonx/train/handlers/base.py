"""The one base class of training event handlers."""


class EventHandler:
    """Base of every training event handler: each hook is a no-op unless overridden.

    The trainer calls the per-batch hooks (:meth:`batch_begin`, :meth:`batch_end`) only on handlers that
    override them, so handlers that do not need them cost nothing in the hot loop. A per-batch hook must
    not read NDArray values (that would block MXNet's asynchronous engine every batch); read values in
    :meth:`log`, which receives the scalars the trainer read at the log interval.

    Handlers run in ascending ``priority`` (ties: the order given). To stop training, set
    ``trainer.stop_training = True``.

    Hooks
    -----
    train_begin(trainer), epoch_begin(trainer), batch_begin(trainer), batch_end(trainer),
    log(trainer, scalars) — at every log interval and at the end of each epoch (``scalars["end_of_epoch"]``),
    epoch_end(trainer, scalars) — after validation handlers added ``val_*`` scalars,
    train_exception(trainer, error) — when a batch, the step or a handler raised (then the error propagates),
    train_end(trainer) — always, in a ``finally``, after an error too (release resources, reset state).

    ``state_dict()`` / ``load_state_dict(state)`` (JSON-able) let a handler resume from a checkpoint.
    """

    priority = 0

    def train_begin(self, trainer):
        pass

    def epoch_begin(self, trainer):
        pass

    def batch_begin(self, trainer):
        pass

    def batch_end(self, trainer):
        pass

    def log(self, trainer, scalars):
        pass

    def epoch_end(self, trainer, scalars):
        pass

    def train_exception(self, trainer, error):
        pass

    def train_end(self, trainer):
        pass

    def state_dict(self):
        """JSON-able state saved in checkpoints (default: none)."""
        return {}

    def load_state_dict(self, state):
        """Restore what :meth:`state_dict` returned."""


def overrides(handler, hook):
    """True if ``handler``'s class overrides ``hook`` of :class:`EventHandler`."""
    return getattr(type(handler), hook, None) is not getattr(EventHandler, hook)
