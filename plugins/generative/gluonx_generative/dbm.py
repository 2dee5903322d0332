"""Deep Boltzmann machine with mean-field inference and persistent contrastive divergence (DL 20.4).

Layers ``h_0 = v, h_1, ..., h_L`` of binary units, connected only between neighbours:

    ``E(h_0, ..., h_L) = -sum_l h_l^T W_l^T h_{l+1} - sum_l b_l^T h_l``

with ``W_l`` of shape ``(n_{l+1}, n_l)`` (the RBM layout). Each layer's conditional given its neighbours is
factorial, ``p(h_l = 1 | h_{l-1}, h_{l+1}) = sigmoid(b_l + W_{l-1} h_{l-1} + W_l^T h_{l+1})``, so the odd
layers are independent given the even ones and vice versa: block Gibbs alternates the two halves
(DL 20.4.1). The posterior ``p(h | v)`` is intractable; mean-field inference (DL 20.4.2, 19.4) iterates the
fixed-point equations ``mu_l = sigmoid(b_l + W_{l-1} mu_{l-1} + W_l^T mu_{l+1})`` with ``v`` clamped.
Training (DL 20.4.4) maximizes the variational lower bound: positive statistics from the mean-field
posterior, negative statistics from persistent Gibbs chains (SML / PCD).
"""
import mxnet as mx
import numpy as np
from mxnet import autograd
from mxnet.gluon import HybridBlock

from gluonx.train.step import StepOutput, TrainStep

from .training import _visible

__all__ = ["DeepBoltzmannMachine", "DBMStep", "deep_boltzmann_machine"]


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError("{} must be a positive integer, got {!r}".format(name, value))
    return int(value)


class DeepBoltzmannMachine(HybridBlock):
    """A deep Boltzmann machine (DL 20.4); the forward is the mean-field posterior of the top hidden layer
    given ``v`` after ``mean_field_steps`` sweeps (shape ``(B, layer_sizes[-1])``).

    Parameters
    ----------
    layer_sizes : sequence of int
        ``(n_visible, n_1, ..., n_L)``, at least three (two hidden layers; two layers are an RBM).
    mean_field_steps : int
        Sweeps of the fixed-point iteration in the forward and in training.

    Examples
    --------
    >>> dbm = DeepBoltzmannMachine((12, 8, 4)); dbm.initialize()
    >>> dbm(mx.nd.ones((2, 12))).shape
    (2, 4)
    """

    def __init__(self, layer_sizes=(64, 32, 16), mean_field_steps=10, weight_scale=0.01, **kwargs):
        super().__init__(**kwargs)
        sizes = tuple(int(size) for size in layer_sizes)
        if len(sizes) < 3 or min(sizes) < 1:
            raise ValueError("layer_sizes must list a visible and at least two hidden sizes, got {}".format(
                tuple(layer_sizes)))
        self.layer_sizes = sizes
        self.mean_field_steps = _positive_int("mean_field_steps", mean_field_steps)
        self._weight_names, self._bias_names = [], []
        with self.name_scope():
            for index, (below, above) in enumerate(zip(sizes, sizes[1:])):
                name = "weight{}".format(index)
                setattr(self, name, self.params.get(name, shape=(above, below), init=mx.init.Normal(weight_scale)))
                self._weight_names.append(name)
            for index, size in enumerate(sizes):
                name = "bias{}".format(index)
                setattr(self, name, self.params.get(name, shape=(size,), init="zeros"))
                self._bias_names.append(name)

    # -- conditionals written with F, shared by the forward, inference and sampling
    def _pre(self, F, layer, states, weights, biases):
        terms = []
        if layer > 0:
            terms.append(F.dot(states[layer - 1], weights[layer - 1], transpose_b=True))
        if layer < len(self.layer_sizes) - 1:
            terms.append(F.dot(states[layer + 1], weights[layer]))
        pre = terms[0] if len(terms) == 1 else terms[0] + terms[1]
        return F.broadcast_add(pre, biases[layer].expand_dims(0))

    def _mean_field(self, F, v, weights, biases, steps):
        states = [v]
        for layer in range(1, len(self.layer_sizes)):          # bottom-up start (top-down input ignored)
            states.append(F.sigmoid(F.broadcast_add(F.dot(states[-1], weights[layer - 1], transpose_b=True),
                                                    biases[layer].expand_dims(0))))
        for _ in range(steps):
            for layer in range(1, len(self.layer_sizes)):
                states[layer] = F.sigmoid(self._pre(F, layer, states, weights, biases))
        return states

    def hybrid_forward(self, F, v, **params):
        weights = [params[name] for name in self._weight_names]
        biases = [params[name] for name in self._bias_names]
        return self._mean_field(F, v, weights, biases, self.mean_field_steps)[-1]

    def _arrays(self, ctx):
        return ([getattr(self, name).data(ctx) for name in self._weight_names],
                [getattr(self, name).data(ctx) for name in self._bias_names])

    def mean_field(self, v, steps=None):
        """The mean-field posterior ``[v, mu_1, ..., mu_L]`` (NDArrays) after ``steps`` sweeps (DL 20.4.2)."""
        steps = self.mean_field_steps if steps is None else _positive_int("steps", steps)
        weights, biases = self._arrays(v.context)
        with autograd.pause():
            return self._mean_field(mx.nd, v, weights, biases, steps)

    def gibbs_step(self, states):
        """One block Gibbs sweep over ``[v, h_1, ..., h_L]``: odd layers given the even ones, then the even
        layers (``v`` included) given the odd ones (DL 20.4.1). Returns the new list of states."""
        weights, biases = self._arrays(states[0].context)
        states = list(states)
        with autograd.pause():
            for parity in (1, 0):
                for layer in range(parity, len(self.layer_sizes), 2):
                    probs = mx.nd.sigmoid(self._pre(mx.nd, layer, states, weights, biases))
                    states[layer] = mx.nd.random.uniform(shape=probs.shape, ctx=probs.context) < probs
        return states

    def random_states(self, num_chains, ctx=None):
        """Uniformly random binary states of every layer (the start of fantasy chains)."""
        ctx = ctx or mx.cpu()
        return [(mx.nd.random.uniform(shape=(int(num_chains), size), ctx=ctx) < 0.5).astype("float32")
                for size in self.layer_sizes]

    def energy(self, states):
        """``E(h_0, ..., h_L)`` of each row (NDArrays; differentiable in the parameters)."""
        weights, biases = self._arrays(states[0].context)
        nd = mx.nd
        total = 0
        for index, weight in enumerate(weights):
            total = total - nd.sum(nd.dot(states[index], weight, transpose_b=True) * states[index + 1], axis=1)
        for state, bias in zip(states, biases):
            total = total - nd.dot(state, bias)
        return total


class DBMStep(TrainStep):
    """PCD training of a :class:`DeepBoltzmannMachine` (DL 20.4.4): the surrogate loss
    ``E(v, mu(v)) - E(chains)`` with the mean-field posterior ``mu`` and the fantasy chains held constant has
    the gradient of the negative variational bound (positive phase minus negative phase).

    Parameters
    ----------
    gibbs_steps : int
        Gibbs sweeps of the persistent chains per update.
    """

    def __init__(self, gibbs_steps=1):
        super().__init__(num_inputs=1)
        self.gibbs_steps = _positive_int("gibbs_steps", gibbs_steps)
        self._chains = None

    def _net(self, trainer):
        if not isinstance(trainer.net, DeepBoltzmannMachine):
            raise TypeError("DBMStep trains a DeepBoltzmannMachine, got {}".format(type(trainer.net).__name__))
        return trainer.net

    def train_step(self, trainer, batch):
        net = self._net(trainer)
        visibles = [_visible(shard) for shard in trainer.split(batch)]
        if self._chains is None or len(self._chains) != len(visibles):
            self._chains = [net.random_states(len(v), v.context) for v in visibles]
        positives = [net.mean_field(v) for v in visibles]
        for index, chain in enumerate(self._chains):
            for _ in range(self.gibbs_steps):
                chain = net.gibbs_step(chain)
            self._chains[index] = [state.astype("float32") for state in chain]
        with autograd.record():
            losses = [net.energy(positive) - net.energy(chain).mean()
                      for positive, chain in zip(positives, self._chains)]
        autograd.backward(losses)
        trainer.update()
        return StepOutput(None, None, losses)

    def eval_step(self, trainer, batch):
        net = self._net(trainer)
        # The mean-field free energy of the data is the reported scalar (lower is better for a fixed model).
        return StepOutput(None, None, [net.energy(net.mean_field(_visible(shard))) for shard in trainer.split(batch)])

    def state_dict(self):
        if not self._chains:
            return {}
        return {"chain{}/layer{}".format(i, j): state for i, chain in enumerate(self._chains)
                for j, state in enumerate(chain)}

    def load_state_dict(self, arrays, trainer):
        if not arrays:
            self._chains = None
            return
        count = 1 + max(int(key.split("/")[0][len("chain"):]) for key in arrays)
        layers = 1 + max(int(key.split("/")[1][len("layer"):]) for key in arrays)
        self._chains = [[arrays["chain{}/layer{}".format(i, j)].as_in_context(trainer.ctx[i % len(trainer.ctx)])
                         for j in range(layers)] for i in range(count)]


def deep_boltzmann_machine(layer_sizes=(64, 32, 16), mean_field_steps=10):
    """Registry factory of :class:`DeepBoltzmannMachine` (DL 20.4)."""
    return DeepBoltzmannMachine(tuple(layer_sizes), mean_field_steps=mean_field_steps)
