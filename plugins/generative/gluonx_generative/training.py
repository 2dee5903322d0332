"""Contrastive divergence and persistent contrastive divergence (SML) for RBMs (DL 18.2), as a train step.

The log-likelihood gradient of an energy-based model is a positive phase on the data minus a negative phase
under the model (DL 18.1-18.2): for an RBM with free energy ``F``,
``d log p(v) / d theta = -dF(v)/d theta + E_model[dF(v~)/d theta]``. The step estimates the negative phase
with ``k`` block Gibbs steps started at the data (CD-k) or at persistent chains carried across batches
(persistent CD, stochastic maximum likelihood), and lets autograd differentiate the surrogate loss
``F(v) - F(v~)`` with the samples ``v~`` held constant: its gradient is exactly the CD/SML estimate, with the
hidden units' expectations in closed form (as scikit-learn's ``BernoulliRBM``).
"""
from mxnet import autograd

from gluonx.train.step import StepOutput, TrainStep

from .rbm import _positive_int

__all__ = ["ContrastiveDivergenceStep"]


def _visible(shard):
    # Batches may be (data, label) from a labelled dataset, or the data alone; images are flattened.
    x = shard[0] if isinstance(shard, (tuple, list)) else shard
    return x.reshape((0, -1)) if x.ndim != 2 else x


class ContrastiveDivergenceStep(TrainStep):
    """CD-k (``persistent=False``) or persistent CD / SML (``persistent=True``) for an RBM block whose forward
    is the free energy and which has ``gibbs_chain(v, steps)`` (DL 18.2).

    The per-sample loss reported is the free-energy gap ``F(v) - F(v~)`` (it goes to about zero when the
    chains' samples look like the data; it is not the log-likelihood, see
    :func:`gluonx_generative.exact.log_likelihood` and :func:`gluonx_generative.ais.ais_log_partition`).

    Parameters
    ----------
    k : int
        Gibbs steps per update.
    persistent : bool
        Keep one fantasy chain per training sample slot and continue it at the next batch (SML) instead of
        restarting from the data.

    Examples
    --------
    >>> trainer = gluonx.Trainer(rbm, step=ContrastiveDivergenceStep(k=1), optimizer="sgd",
    ...                          optimizer_params={"learning_rate": 0.1})
    >>> trainer.fit(binary_data, epochs=5, batch_size=20)     # doctest: +SKIP
    """

    def __init__(self, k=1, persistent=False):
        super().__init__(num_inputs=1)
        self.k = _positive_int(k, "k")
        self.persistent = bool(persistent)
        self._chains = None

    def _negatives(self, net, visibles):
        if not self.persistent:
            return [net.gibbs_chain(v, self.k) for v in visibles]
        chains = self._chains if self._chains is not None and len(self._chains) == len(visibles) else None
        negatives = []
        for index, v in enumerate(visibles):
            start = chains[index] if chains is not None and chains[index].shape == v.shape else v
            negatives.append(net.gibbs_chain(start.as_in_context(v.context), self.k))
        self._chains = negatives
        return negatives

    def train_step(self, trainer, batch):
        shards = trainer.split(batch)
        visibles = [_visible(shard) for shard in shards]
        negatives = self._negatives(trainer.net, visibles)
        with autograd.record():
            losses = [trainer.net(v) - trainer.net(neg) for v, neg in zip(visibles, negatives)]
        autograd.backward(losses)
        trainer.update()
        return StepOutput(None, None, losses)

    def eval_step(self, trainer, batch):
        shards = trainer.split(batch)
        visibles = [_visible(shard) for shard in shards]
        losses = [trainer.net(v) - trainer.net(trainer.net.gibbs_chain(v, self.k)) for v in visibles]
        return StepOutput(None, None, losses)

    def state_dict(self):
        if not self._chains:
            return {}
        return {"chain/{}".format(i): chain for i, chain in enumerate(self._chains)}

    def load_state_dict(self, arrays, trainer):
        if not arrays:
            self._chains = None
            return
        count = len(arrays)
        self._chains = [arrays["chain/{}".format(i)].as_in_context(trainer.ctx[i % len(trainer.ctx)])
                        for i in range(count)]
