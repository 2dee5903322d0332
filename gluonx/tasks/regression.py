"""Regression: squared loss, mean squared and absolute errors (D2L 3.1-3.3)."""
from mxnet import gluon

from ..train.metrics import MeanAbsoluteError, MeanSquaredError
from .base import Task, _as_numpy

__all__ = ["RegressionTask"]


class RegressionTask(Task):
    """Predict real values: ``L2Loss`` (``(y_hat - y)^2 / 2``), metrics ``mse`` and ``mae``.

    References
    ----------
    D2L 3.1 (linear regression, squared loss), 3.3 (concise implementation); DL 5.1.4.
    """

    name = "regression"
    monitor = "val_mse"
    higher_is_better = False
    primary_metric = "mse"

    def create_loss(self):
        return gluon.loss.L2Loss()

    def create_metrics(self):
        return [MeanSquaredError(), MeanAbsoluteError()]

    def decode(self, outputs):
        """``{"values": predictions}``."""
        return {"values": _as_numpy(outputs).tolist()}
