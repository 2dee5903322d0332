"""Sigmoid belief network trained by the wake-sleep algorithm (DL 20.10.1, 19.5).

Generative model, top-down over layers ``h_0 = v, h_1, ..., h_L``:
``p(h_L) = prod sigmoid(b_L)``, ``p(h_{l-1} = 1 | h_l) = sigmoid(G_l h_l + b_{l-1})``. Its posterior is
intractable; wake-sleep (DL 19.5) trains an amortized recognition model
``q(h_l = 1 | h_{l-1}) = sigmoid(R_l h_{l-1} + r_l)`` alongside it:

- wake: draw ``h ~ q(h | v)`` for a data vector and raise ``log p(v, h)`` (the generative parameters);
- sleep: draw ``(v, h) ~ p`` from the generative model and raise ``log q(h | v)`` (the recognition parameters).

Both phases are one per-sample loss (``-log p(v, h_wake) - log q(h_sleep | v_sleep)``) with the samples held
constant; they touch disjoint parameters, so one optimizer does both updates.
"""
import mxnet as mx
import numpy as np
from mxnet import autograd
from mxnet.gluon import HybridBlock

from gluonx.train.step import StepOutput, TrainStep

from .autoregressive import bernoulli_log_likelihood
from .training import _visible

__all__ = ["SigmoidBeliefNetwork", "WakeSleepStep", "sigmoid_belief_network"]


class SigmoidBeliefNetwork(HybridBlock):
    """A sigmoid belief net with its recognition model (DL 20.10.1, 19.5). The forward is the recognition
    model's mean-field upward pass, ``q(h_L = 1 | ...)`` (shape ``(B, layer_sizes[-1])``).

    Parameters
    ----------
    layer_sizes : sequence of int
        ``(n_visible, n_1, ..., n_L)``, at least two.
    """

    def __init__(self, layer_sizes=(64, 32, 16), weight_scale=0.1, **kwargs):
        super().__init__(**kwargs)
        sizes = tuple(int(size) for size in layer_sizes)
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError("layer_sizes must list at least two positive sizes, got {}".format(tuple(layer_sizes)))
        self.layer_sizes = sizes
        with self.name_scope():
            for index in range(1, len(sizes)):
                for name, shape in (("gen_weight{}".format(index), (sizes[index - 1], sizes[index])),
                                    ("rec_weight{}".format(index), (sizes[index], sizes[index - 1]))):
                    setattr(self, name, self.params.get(name, shape=shape, init=mx.init.Normal(weight_scale)))
                setattr(self, "rec_bias{}".format(index), self.params.get("rec_bias{}".format(index),
                                                                          shape=(sizes[index],), init="zeros"))
            for index, size in enumerate(sizes):
                setattr(self, "gen_bias{}".format(index), self.params.get("gen_bias{}".format(index), shape=(size,),
                                                                          init="zeros"))

    def hybrid_forward(self, F, v, **params):
        x = v
        for index in range(1, len(self.layer_sizes)):
            x = F.FullyConnected(x, params["rec_weight{}".format(index)], params["rec_bias{}".format(index)],
                                 num_hidden=self.layer_sizes[index])
            x = F.sigmoid(x)
        return x

    def _p(self, name, ctx):
        return getattr(self, name).data(ctx)

    def _rec_logits(self, index, below):
        return mx.nd.FullyConnected(below, self._p("rec_weight{}".format(index), below.context),
                                    self._p("rec_bias{}".format(index), below.context),
                                    num_hidden=self.layer_sizes[index])

    def _gen_logits(self, index, above):
        """Logits of ``h_{index-1}`` given ``h_index``."""
        return mx.nd.broadcast_add(mx.nd.dot(above, self._p("gen_weight{}".format(index), above.context),
                                             transpose_b=True),
                                   self._p("gen_bias{}".format(index - 1), above.context).expand_dims(0))

    @staticmethod
    def _draw(logits):
        return (mx.nd.random.uniform(shape=logits.shape, ctx=logits.context) < mx.nd.sigmoid(logits)).astype(
            "float32")

    def recognize(self, v):
        """A draw of ``[v, h_1, ..., h_L] ~ q(h | v)`` (no gradient)."""
        states = [v]
        with autograd.pause():
            for index in range(1, len(self.layer_sizes)):
                states.append(self._draw(self._rec_logits(index, states[-1])))
        return states

    def dream(self, num_samples, ctx=None):
        """An ancestral draw ``[v, h_1, ..., h_L] ~ p`` (no gradient)."""
        ctx = ctx or mx.cpu()
        top_bias = self._p("gen_bias{}".format(len(self.layer_sizes) - 1), ctx)
        states = [self._draw(mx.nd.broadcast_to(top_bias.expand_dims(0),
                                                shape=(int(num_samples), self.layer_sizes[-1])))]
        with autograd.pause():
            for index in range(len(self.layer_sizes) - 1, 0, -1):
                states.insert(0, self._draw(self._gen_logits(index, states[0])))
        return states

    def log_joint(self, states):
        """``log p(v, h)`` of each row of ``states = [v, h_1, ..., h_L]`` (differentiable)."""
        top = len(self.layer_sizes) - 1
        prior = self._p("gen_bias{}".format(top), states[0].context)
        total = bernoulli_log_likelihood(mx.nd, mx.nd.broadcast_like(prior.expand_dims(0), states[top]), states[top])
        for index in range(1, top + 1):
            total = total + bernoulli_log_likelihood(mx.nd, self._gen_logits(index, states[index]),
                                                     states[index - 1])
        return total

    def log_recognition(self, states):
        """``log q(h | v)`` of each row of ``states`` (differentiable)."""
        total = 0
        for index in range(1, len(self.layer_sizes)):
            total = total + bernoulli_log_likelihood(mx.nd, self._rec_logits(index, states[index - 1]),
                                                     states[index])
        return total

    def exact_log_likelihood(self, v):
        """``log p(v) = log sum_h p(v, h)`` by enumerating every hidden state (tiny nets; float64 NumPy)."""
        from .exact import all_binary_states
        sizes = self.layer_sizes
        hidden = all_binary_states(sum(sizes[1:]))
        arrays = {p.name[len(self.prefix):]: p.data().asnumpy().astype(np.float64)
                  for p in self.collect_params().values()}
        cuts = np.cumsum((0,) + sizes[1:])
        layers = [hidden[:, cuts[i]:cuts[i + 1]] for i in range(len(sizes) - 1)]        # h_1..h_L, (S, n)

        def log_bernoulli(x, logits):
            return (x * logits - np.logaddexp(0.0, logits)).sum(axis=-1)

        top = len(sizes) - 1
        log_h = log_bernoulli(layers[-1], arrays["gen_bias{}".format(top)][None, :])
        for index in range(2, top + 1):
            logits = layers[index - 1] @ arrays["gen_weight{}".format(index)].T + arrays["gen_bias{}".format(index - 1)]
            log_h = log_h + log_bernoulli(layers[index - 2], logits)
        logits_v = layers[0] @ arrays["gen_weight1"].T + arrays["gen_bias0"]                # (S, D)
        v = np.asarray(v, dtype=np.float64)
        log_v = v @ logits_v.T - np.logaddexp(0.0, logits_v).sum(axis=1)[None, :]          # (B, S)
        joint = log_v + log_h[None, :]
        peak = joint.max(axis=1, keepdims=True)
        return (peak + np.log(np.exp(joint - peak).sum(axis=1, keepdims=True)))[:, 0]


class WakeSleepStep(TrainStep):
    """One wake phase on the batch and one sleep phase on as many dreamed samples (DL 19.5)."""

    def __init__(self):
        super().__init__(num_inputs=1)

    def _losses(self, net, v):
        wake = net.recognize(v)
        sleep = net.dream(len(v), v.context)
        return -net.log_joint(wake) - net.log_recognition(sleep)

    def train_step(self, trainer, batch):
        net = trainer.net
        if not isinstance(net, SigmoidBeliefNetwork):
            raise TypeError("WakeSleepStep trains a SigmoidBeliefNetwork, got {}".format(type(net).__name__))
        visibles = [_visible(shard) for shard in trainer.split(batch)]
        with autograd.record():
            losses = [self._losses(net, v) for v in visibles]
        autograd.backward(losses)
        trainer.update()
        return StepOutput(None, None, losses)

    def eval_step(self, trainer, batch):
        return StepOutput(None, None, [self._losses(trainer.net, _visible(shard)) for shard in trainer.split(batch)])


def sigmoid_belief_network(layer_sizes=(64, 32, 16)):
    """Registry factory of :class:`SigmoidBeliefNetwork` (DL 20.10.1)."""
    return SigmoidBeliefNetwork(tuple(layer_sizes))
