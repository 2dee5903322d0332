"""Epoch-based learning-rate schedules (per-update schedules go in optimizer_params['lr_scheduler'])."""
from .base import EventHandler


class LRScheduleHandler(EventHandler):
    """Set the learning rate at the start of each epoch to ``schedule(epoch)``.

    Parameters
    ----------
    schedule : callable
        ``epoch -> learning rate``, e.g. ``lambda e: 0.1 * 0.5 ** (e // 10)`` (D2L 7.x step decay).
    """

    priority = -200

    def __init__(self, schedule):
        if not callable(schedule):
            raise TypeError("schedule must be callable: epoch -> learning rate")
        self.schedule = schedule

    def epoch_begin(self, trainer):
        trainer.set_learning_rate(float(self.schedule(trainer.state.epoch)))
