"""Early stopping (DL 7.8)."""
import math

from .base import EventHandler


class EarlyStopping(EventHandler):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    Parameters
    ----------
    monitor : str
        An epoch scalar, e.g. ``"val_loss"`` or ``"val_accuracy"``.
    mode : {'auto', 'min', 'max'}
        'auto' maximizes names containing "accuracy" and minimizes the rest.
    patience : int
        Epochs without improvement before stopping.
    min_delta : float
        Smallest change that counts as an improvement.

    References
    ----------
    Goodfellow, Bengio & Courville, *Deep Learning*, section 7.8 (early stopping), algorithm 7.1.
    """

    priority = 50

    def __init__(self, monitor="val_loss", mode="auto", patience=3, min_delta=0.0):
        if mode not in ("auto", "min", "max"):
            raise ValueError("mode must be 'auto', 'min' or 'max', got {!r}".format(mode))
        if patience < 0:
            raise ValueError("patience must be >= 0, got {}".format(patience))
        self.monitor = monitor
        self.maximize = mode == "max" or (mode == "auto" and "acc" in monitor)
        self.patience = patience
        self.min_delta = abs(min_delta)
        self.best = None
        self.best_epoch = None
        self.wait = 0
        self.stopped_epoch = None

    def improved(self, value):
        if self.best is None:
            return True
        return value > self.best + self.min_delta if self.maximize else value < self.best - self.min_delta

    def epoch_end(self, trainer, scalars):
        if self.monitor not in scalars:
            raise KeyError("EarlyStopping monitors '{}', but the epoch scalars are {} (add val_data or a "
                           "ValidationHandler for val_* values)".format(self.monitor, sorted(scalars)))
        value = scalars[self.monitor]
        if math.isnan(value):
            return
        if self.improved(value):
            self.best, self.best_epoch, self.wait = value, scalars["epoch"], 0
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = scalars["epoch"]
            trainer.stop_training = True

    def state_dict(self):
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait}

    def load_state_dict(self, state):
        self.best, self.best_epoch, self.wait = state["best"], state["best_epoch"], state["wait"]
