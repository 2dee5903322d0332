"""A tqdm progress bar with samples/s and the last metrics."""
from .base import EventHandler


class ProgressBar(EventHandler):
    """One tqdm bar per epoch; the postfix shows samples/s and the values of the last log read.

    The per-batch update only advances a counter (no NDArray is read).
    """

    priority = 200

    def __init__(self, total=None, disable=None, file=None):
        self.total = total
        self.disable = disable
        self.file = file
        self.bar = None

    def epoch_begin(self, trainer):
        from tqdm.auto import tqdm
        self.close()
        self.bar = tqdm(total=self.total, desc="epoch {}".format(trainer.state.epoch), unit="batch",
                        disable=self.disable, file=self.file, leave=True, dynamic_ncols=True)

    def batch_end(self, trainer):
        if self.bar is None:
            self.epoch_begin(trainer)
        self.bar.update(1)

    def log(self, trainer, scalars):
        if self.bar is not None:
            shown = {k: scalars[k] for k in ("loss", "accuracy", "samples_per_sec") if k in scalars}
            self.bar.set_postfix({k: "{:.4g}".format(v) for k, v in shown.items()}, refresh=False)

    def epoch_end(self, trainer, scalars):
        if self.bar is not None:
            shown = {k: "{:.4g}".format(v) for k, v in scalars.items()
                     if k in ("loss", "accuracy", "val_loss", "val_accuracy", "samples_per_sec")}
            self.bar.set_postfix(shown)
        self.close()

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def train_end(self, trainer):
        self.close()
