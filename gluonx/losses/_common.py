"""What every loss of :mod:`gluonx.losses` shares: the per-sample reductions and argument checks.

Every loss returns one value per sample (shape ``(batch,)``, the batch on axis 0), like MXNet's Gluon losses,
so ``gluonx.Trainer`` and hand-written loops can average or weight them.
"""
from mxnet.gluon.loss import Loss

from .._validate import UsageError, check_finite


def per_sample_sum(F, values):
    """Sum over every axis but the batch axis 0: ``(batch, ...) -> (batch,)``."""
    # reshape + sum(axis=1) rather than sum(axis=0, exclude=True): the ONNX converter drops `exclude`.
    return F.sum(F.reshape(values, (0, -1)), axis=1)


def per_sample_mean(F, values):
    """Mean over every axis but the batch axis 0: ``(batch, ...) -> (batch,)``."""
    # A sum divided by a count, because the ONNX converter writes ReduceMean in a form newer opsets reject.
    flat = F.reshape(values, (0, -1))
    return F.sum(flat, axis=1) / F.sum(F.ones_like(flat), axis=1)


def masked_per_sample_mean(F, values, mask):
    """Mean of ``values`` over the positions where ``mask`` is 1, per sample.

    A sample with no valid position gets 0 (not NaN), so a fully padded row adds nothing to a batch mean.
    """
    return per_sample_sum(F, values * mask) / F.maximum(per_sample_sum(F, mask), 1)


def check_unit_interval(name, value, closed=True):
    """Return ``value`` as a float if it is in [0, 1] (or [0, 1) with ``closed=False``)."""
    value = check_finite(name, value)
    if not (0 <= value <= 1 if closed else 0 <= value < 1):
        raise UsageError("{} must be in [0, 1{}, got {}".format(name, "]" if closed else ")", value))
    return value


class PerSampleLoss(Loss):
    """Base of the losses here: one value per sample, batch on axis 0, an optional global ``weight``.

    Parameters
    ----------
    weight : float, optional
        Scale of the loss (as in every Gluon loss).
    """

    def __init__(self, weight=None, **kwargs):
        if weight is not None:
            weight = check_finite("weight", weight)
        super().__init__(weight, 0, **kwargs)

    def _weighted(self, loss):
        return loss if self._weight is None else loss * self._weight
