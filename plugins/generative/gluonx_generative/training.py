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
from mxnet.gluon import HybridBlock

from gluonx.train.step import StepOutput, TrainStep

from .rbm import _positive_int, hidden_probs, sample_bernoulli

__all__ = ["ContrastiveGraph", "ContrastiveGradientGraph", "ContrastiveDivergenceStep"]


def _visible(shard):
    # Batches may be (data, label) from a labelled dataset, or the data alone; images are flattened.
    x = shard[0] if isinstance(shard, (tuple, list)) else shard
    return x.reshape((0, -1)) if x.ndim != 2 else x


class ContrastiveGraph(HybridBlock):
    """``(F(v) - F(v~), v~)`` for an RBM in one hybridized graph: ``v~`` is ``k`` block Gibbs steps from
    ``start`` with the gradient stopped, so one cached-graph call replaces a dozen imperative operators.

    It shares the RBM's parameters (same prefix and parameter dictionary): updating one updates the other.
    """

    def __init__(self, rbm, k):
        super().__init__(prefix=rbm.prefix, params=rbm.params)
        # Bound methods, not the RBM itself: a Block attribute would register it as a child.
        self._free_energy, self._sample_visible, self._scale = rbm.free_energy_f, rbm.sample_visible_f, rbm._scale
        self.k = k
        with self.name_scope():
            self.weight = self.params.get("weight")
            self.hidden_bias = self.params.get("hidden_bias")
            self.visible_bias = self.params.get("visible_bias")

    def hybrid_forward(self, F, v, start, weight, hidden_bias, visible_bias):
        sample = start
        for _ in range(self.k):
            hidden = sample_bernoulli(F, hidden_probs(F, sample, weight, hidden_bias, self._scale))
            sample = self._sample_visible(F, hidden, weight, visible_bias)
        sample = F.stop_gradient(sample)
        gap = (self._free_energy(F, v, weight, hidden_bias, visible_bias)
               - self._free_energy(F, sample, weight, hidden_bias, visible_bias))
        return gap, sample


class ContrastiveGradientGraph(ContrastiveGraph):
    """The CD/SML gradient itself in one hybridized graph, without autograd: ``(gap, v~, dW, dc, db)``.

    ``d F(v) / d W = -p(h | v) (v / s)^T``, ``d F / d c = -p(h | v)`` and ``d F / d b = -v`` (Bernoulli) or
    ``-(v - b) / s^2`` (Gaussian visible units with standard deviation ``s``), summed over the batch for the data
    minus the same for the samples: exactly what autograd computes from :class:`ContrastiveGraph`'s gap, with
    no recorded graph and no backward pass (a third of the per-batch dispatch at small sizes).
    """

    def __init__(self, rbm, k):
        super().__init__(rbm, k)
        self._gaussian = hasattr(rbm, "sigma")

    def _statistics(self, F, v, weight, hidden_bias, visible_bias):
        probs = hidden_probs(F, v, weight, hidden_bias, self._scale)
        scaled = v / self._scale if self._scale != 1.0 else v
        visible_term = (F.broadcast_sub(v, visible_bias.expand_dims(0)) / self._scale ** 2 if self._gaussian
                        else v)
        return F.dot(probs, scaled, transpose_a=True), F.sum(probs, axis=0), F.sum(visible_term, axis=0)

    def hybrid_forward(self, F, v, start, weight, hidden_bias, visible_bias):
        gap, sample = super().hybrid_forward(F, v, start, weight, hidden_bias, visible_bias)
        data_w, data_c, data_b = self._statistics(F, v, weight, hidden_bias, visible_bias)
        model_w, model_c, model_b = self._statistics(F, sample, weight, hidden_bias, visible_bias)
        return gap, sample, model_w - data_w, model_c - data_c, model_b - data_b


class ContrastiveDivergenceStep(TrainStep):
    """CD-k (``persistent=False``) or persistent CD / SML (``persistent=True``) for gluonx_generative's RBMs
    (DL 18.2), one fused :class:`ContrastiveGraph` call per device and batch.

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
    closed_form : bool
        Compute the gradient in the graph (:class:`ContrastiveGradientGraph`) and write it into the
        parameters' gradients, instead of recording the graph and running autograd's backward pass (same
        values; fewer operator calls per batch).

    Examples
    --------
    >>> trainer = gluonx.Trainer(rbm, step=ContrastiveDivergenceStep(k=1), optimizer="sgd",
    ...                          optimizer_params={"learning_rate": 0.1})
    >>> trainer.fit(binary_data, epochs=5, batch_size=20)     # doctest: +SKIP
    """

    def __init__(self, k=1, persistent=False, closed_form=True):
        super().__init__(num_inputs=1)
        self.k = _positive_int(k, "k")
        self.persistent = bool(persistent)
        self.closed_form = bool(closed_form)
        self._chains = None
        self._graph = None

    def _graph_for(self, net):
        if not hasattr(net, "sample_visible_f"):
            raise TypeError("ContrastiveDivergenceStep trains gluonx_generative's RBMs (BernoulliRBM, "
                            "GaussianBernoulliRBM), got {}".format(type(net).__name__))
        if self._graph is None or self._graph.weight is not net.weight:
            self._graph = (ContrastiveGradientGraph if self.closed_form else ContrastiveGraph)(net, self.k)
            self._graph.hybridize(static_alloc=True)
        return self._graph

    def _starts(self, visibles):
        if not self.persistent:
            return visibles
        chains = self._chains if self._chains is not None and len(self._chains) == len(visibles) else None
        return [chains[i].as_in_context(v.context) if chains is not None and chains[i].shape == v.shape else v
                for i, v in enumerate(visibles)]

    def train_step(self, trainer, batch):
        shards = trainer.split(batch)
        visibles = [_visible(shard) for shard in shards]
        graph = self._graph_for(trainer.net)
        starts = self._starts(visibles)
        if self.closed_form:
            results = [graph(v, start) for v, start in zip(visibles, starts)]
            params = (graph.weight, graph.hidden_bias, graph.visible_bias)
            for v, result in zip(visibles, results):
                for param, grad in zip(params, result[2:]):
                    if param.grad_req == "add":      # gradient accumulation over several batches
                        param.grad(v.context)[:] += grad
                    else:
                        grad.copyto(param.grad(v.context))
                    # what autograd's backward sets: this gradient is new for the optimizer
                    param.data(v.context)._fresh_grad = True
        else:
            with autograd.record():
                results = [graph(v, start) for v, start in zip(visibles, starts)]
            autograd.backward([result[0] for result in results])
        losses = [result[0] for result in results]
        trainer.update()
        if self.persistent:
            # A copy: the cached graph (static_alloc) writes its next outputs into the same memory.
            self._chains = [result[1].copy() for result in results]
        return StepOutput(None, None, losses)

    def eval_step(self, trainer, batch):
        shards = trainer.split(batch)
        graph = self._graph_for(trainer.net)
        # Chains restarted at the data: evaluation leaves the persistent chains alone.
        return StepOutput(None, None, [graph(v, v)[0].copy() for v in (_visible(shard) for shard in shards)])

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
