"""Training criteria for RBMs that avoid the partition function (DL 18.3-18.5), as one train step.

- pseudo-likelihood (DL 18.3): maximize ``sum_i log p(v_i | v_-i)``, each conditional a ratio of
  unnormalized probabilities (``Z`` cancels);
- ratio matching (DL 18.5, eq. 18.26), for binary data: minimize
  ``sum_i (1 / (1 + p~(v) / p~(f(v, i))))^2 = sum_i sigmoid(F(v) - F(f(v, i)))^2`` with ``f(v, i)`` the vector
  with bit ``i`` flipped;
- score matching (DL 18.4, eq. 18.22-18.25), for continuous data (the Gaussian-Bernoulli RBM): minimize
  ``sum_i [1/2 (d log p~ / d v_i)^2 + d^2 log p~ / d v_i^2]``, written in closed form for
  ``log p~ = -F(v)`` (``dF/dv = (v - b)/s^2 - W^T sigmoid(c + W v/s)/s``,
  ``d^2F/dv_i^2 = 1/s^2 - sum_j W_ji^2 h_j (1 - h_j) / s^2``) so autograd needs only first derivatives.

Each criterion is a per-sample loss of NDArrays differentiable in the RBM's parameters;
:class:`CriterionStep` minimizes one of them through :class:`gluonx.Trainer`.
"""
import mxnet as mx
from mxnet import autograd

from gluonx.train.step import StepOutput, TrainStep

from .training import _visible

__all__ = ["pseudo_likelihood_loss", "ratio_matching_loss", "score_matching_loss", "CriterionStep",
           "PerSampleLossStep", "CRITERIA"]


def _flips(v):
    """All single-bit flips of each row: ``(B * D, D)``, row ``b * D + i`` is ``v_b`` with bit ``i`` flipped."""
    n, d = v.shape
    eye = mx.nd.eye(d, ctx=v.context, dtype=v.dtype).expand_dims(0)
    rows = v.expand_dims(1)
    return mx.nd.broadcast_sub(mx.nd.broadcast_add(rows, eye), 2 * mx.nd.broadcast_mul(rows, eye)).reshape((-1, d))


def _free_energy_gaps(rbm, v):
    """``F(f(v, i)) - F(v)`` for every row and bit, shape ``(B, D)``."""
    n, d = v.shape
    return rbm(_flips(v)).reshape((n, d)) - rbm(v).expand_dims(1)


def pseudo_likelihood_loss(rbm, v):
    """``-sum_i log p(v_i | v_-i)`` per row of binary ``v`` (DL 18.3); ``p(v_i | v_-i) = sigmoid(gap_i)``."""
    return mx.nd.sum(mx.nd.Activation(-_free_energy_gaps(rbm, v), act_type="softrelu"), axis=1)


def ratio_matching_loss(rbm, v):
    """Ratio matching (DL 18.5, eq. 18.26) per row of binary ``v``:
    ``sum_i sigmoid(F(v) - F(f(v, i)))^2 = sum_i (1 / (1 + p~(v) / p~(f(v, i))))^2``."""
    return mx.nd.sum(mx.nd.square(mx.nd.sigmoid(-_free_energy_gaps(rbm, v))), axis=1)


def score_matching_loss(rbm, v):
    """Score matching (DL 18.4) per row of real-valued ``v`` for a Gaussian-Bernoulli RBM, in closed form."""
    if not hasattr(rbm, "sigma"):
        raise TypeError("score matching needs a model of continuous data (GaussianBernoulliRBM), got {}".format(
            type(rbm).__name__))
    nd, sigma = mx.nd, rbm.sigma
    weight, hidden_bias, visible_bias = (p.data(v.context) for p in (rbm.weight, rbm.hidden_bias,
                                                                     rbm.visible_bias))
    hidden = nd.sigmoid(nd.broadcast_add(nd.dot(v / sigma, weight, transpose_b=True), hidden_bias.expand_dims(0)))
    grad_free = nd.broadcast_sub(v, visible_bias.expand_dims(0)) / sigma ** 2 - nd.dot(hidden, weight) / sigma
    curvature = 1.0 / sigma ** 2 - nd.dot(hidden * (1.0 - hidden), nd.square(weight)) / sigma ** 2
    # d log p~/dv = -dF/dv and d^2 log p~/dv^2 = -d^2F/dv^2
    return nd.sum(0.5 * nd.square(grad_free) - curvature, axis=1)


#: Criterion name -> per-sample loss ``loss(rbm, v)``.
CRITERIA = {"pseudo_likelihood": pseudo_likelihood_loss, "ratio_matching": ratio_matching_loss,
            "score_matching": score_matching_loss}


class PerSampleLossStep(TrainStep):
    """A step minimizing ``self._loss(net, visible)``, a per-sample loss of the batch's visible rows
    differentiable in the net's parameters, with the trainer's optimizer (the base of :class:`CriterionStep`
    and of NCE's step). Subclasses set ``_loss``."""

    def __init__(self):
        super().__init__(num_inputs=1)

    def train_step(self, trainer, batch):
        visibles = [_visible(shard) for shard in trainer.split(batch)]
        with autograd.record():
            losses = [self._loss(trainer.net, v) for v in visibles]
        autograd.backward(losses)
        trainer.update()
        return StepOutput(None, None, losses)

    def eval_step(self, trainer, batch):
        return StepOutput(None, None, [self._loss(trainer.net, _visible(shard)) for shard in trainer.split(batch)])


class CriterionStep(PerSampleLossStep):
    """Train an RBM by minimizing one of :data:`CRITERIA` (DL 18.3-18.5) with the trainer's optimizer.

    Parameters
    ----------
    criterion : {"pseudo_likelihood", "ratio_matching", "score_matching"}
    """

    def __init__(self, criterion="pseudo_likelihood"):
        super().__init__()
        if criterion not in CRITERIA:
            raise ValueError("criterion must be one of {}, got {!r}".format(", ".join(sorted(CRITERIA)),
                                                                            criterion))
        self.criterion = criterion
        self._loss = CRITERIA[criterion]

