"""Periodic checkpoints with keep-last-k and keep-best."""
import json
import math
import os

from ...utils.atomic import fault_point, write_json
from .base import EventHandler


def _writes(trainer):
    # distributed training: rank 0 alone writes (see gluonx.dist)
    return getattr(trainer, "is_writer", True)


class CheckpointHandler(EventHandler):
    """Save exact-resume checkpoints (see :mod:`gluonx.train.checkpoint`) during training.

    Parameters
    ----------
    directory : str
        Folder of checkpoints; ``latest.json`` names the newest, ``best.json`` the best.
    every_n_epochs : int, optional
        Save at the end of every n-th epoch (default 1).
    every_n_batches : int, optional
        Also save every n batches (the metrics window is read first, so the logged curve resumes exactly).
    keep_last : int
        Checkpoints kept (older ones are deleted; the best one is always kept).
    monitor : str, optional
        Epoch scalar deciding the best checkpoint, e.g. ``"val_accuracy"``; ``None`` keeps no best.
    mode : {'auto', 'min', 'max'}
        Direction of ``monitor`` ('auto': names with "acc" are maximized).

    Notes
    -----
    Each run first removes the temporary folders and files a killed run left in ``directory`` (only
    gluonx's recognisable ``.NAME.XXXXXXXX.tmp`` names).

    In distributed training every worker runs this handler (so that all read their metrics at the same
    batches and keep the same best value) but only rank 0 writes and prunes.

    After each save the trainer's MXNet random stream is reseeded from ``(seed, batch)``; resuming reseeds
    identically, so dropout masks after a resume equal those of an uninterrupted run.
    """

    priority = 250

    def __init__(self, directory, every_n_epochs=1, every_n_batches=None, keep_last=3, monitor=None, mode="auto"):
        if keep_last < 1:
            raise ValueError("keep_last must be at least 1, got {}".format(keep_last))
        if mode not in ("auto", "min", "max"):
            raise ValueError("mode must be 'auto', 'min' or 'max', got {!r}".format(mode))
        self.directory = directory
        self.every_n_epochs = every_n_epochs
        self.every_n_batches = every_n_batches
        self.keep_last = keep_last
        self.monitor = monitor
        self.maximize = mode == "max" or (mode == "auto" and monitor is not None and "acc" in monitor)
        self.best_value = None
        self.best_path = None
        self.saved = []

    def train_begin(self, trainer):
        if self.every_n_batches and self.every_n_batches % trainer.grad_accumulation:
            raise ValueError("every_n_batches ({}) must be a multiple of grad_accumulation ({}) so that no "
                             "partial accumulation is lost".format(self.every_n_batches, trainer.grad_accumulation))
        if _writes(trainer):
            from ..checkpoint import clean_checkpoint_folder
            os.makedirs(self.directory, exist_ok=True)
            clean_checkpoint_folder(self.directory)  # what a killed run left half-written

    def _save(self, trainer, at_epoch_end, extra=None):
        from ..checkpoint import save_checkpoint
        path = save_checkpoint(trainer, self.directory, at_epoch_end=at_epoch_end, extra=extra)
        self.saved.append(path)
        trainer.reseed()
        return path

    def batch_end(self, trainer):
        if self.every_n_batches and trainer.state.batch % self.every_n_batches == 0 and \
                trainer.state.batch_in_epoch < self._epoch_length(trainer):
            trainer.read_window()
            self._save(trainer, at_epoch_end=False)
            self._prune(trainer)

    @staticmethod
    def _epoch_length(trainer):
        # the last batch of an epoch is saved by epoch_end instead (with the epoch's scalars)
        return getattr(trainer, "batches_per_epoch", None) or float("inf")

    def epoch_end(self, trainer, scalars):
        due = self.every_n_epochs and (trainer.state.epoch + 1) % self.every_n_epochs == 0
        value = scalars.get(self.monitor) if self.monitor else None
        better = value is not None and not math.isnan(value) and (
            self.best_value is None or (value > self.best_value if self.maximize else value < self.best_value))
        if not (due or better or trainer.stop_training):
            return
        if better:
            self.best_value = value
        path = self._save(trainer, at_epoch_end=True, extra={"monitor": self.monitor, "value": value})
        if better:
            self.best_path = path
            if _writes(trainer):
                write_json(os.path.join(self.directory, "best.json"), {
                    "checkpoint": os.path.basename(path), "monitor": self.monitor, "value": value})
                fault_point("checkpoint:best-written")
        self._prune(trainer)

    def _prune(self, trainer):
        from ..checkpoint import prune_checkpoints
        if not _writes(trainer):
            return
        prune_checkpoints(self.directory, self.keep_last, protect=[self.best_path] if self.best_path else [])

    def state_dict(self):
        return {"best_value": self.best_value,
                "best_path": os.path.basename(self.best_path) if self.best_path else None}

    def load_state_dict(self, state):
        self.best_value = state.get("best_value")
        best = state.get("best_path")
        self.best_path = os.path.join(self.directory, best) if best else None


def read_best(directory):
    """The ``best.json`` record of a checkpoint folder, or None."""
    path = os.path.join(directory, "best.json")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
