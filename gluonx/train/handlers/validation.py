"""Validation at the end of epochs."""
from .base import EventHandler


class ValidationHandler(EventHandler):
    """Evaluate on ``data`` every ``every`` epochs; adds ``val_loss`` and ``val_<metric>`` to the epoch scalars.

    Runs before other handlers (priority -100) so early stopping and keep-best checkpoints see the values.
    """

    priority = -100

    def __init__(self, data, batch_size=None, every=1):
        if every < 1:
            raise ValueError("ValidationHandler every must be at least 1, got {}".format(every))
        self.data = data
        self.batch_size = batch_size
        self.every = every

    def epoch_end(self, trainer, scalars):
        if (trainer.state.epoch + 1) % self.every == 0 or trainer.stop_training:
            scalars.update(trainer.evaluate(self.data, batch_size=self.batch_size))
