"""The ``generative`` task: energy-based models trained by their own step (DL 18.2)."""
from gluonx.tasks.base import Task

from .training import ContrastiveDivergenceStep

__all__ = ["GenerativeTask"]


class GenerativeTask(Task):
    """Models whose forward is a free energy, trained by CD-1 (:class:`ContrastiveDivergenceStep`).

    No loss and no metrics: the step's free-energy gap is the ``loss`` scalar. Pass ``step=`` to the trainer for
    CD-k or persistent CD.
    """

    name = "generative"

    def create_step(self, loss):
        return ContrastiveDivergenceStep(k=1)
