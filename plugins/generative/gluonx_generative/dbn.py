"""Deep belief network trained by greedy layer-wise pretraining (DL 20.3).

A DBN with layers ``v, h1, ..., hL`` has an undirected RBM between its top two layers and directed sigmoid
connections pointing down everywhere else: ``p(h_{l-1} | h_l) = sigmoid(b_{l-1} + W_l^T h_l)``. It is
trained greedily (DL 20.3, 15.1): an RBM on the data, then an RBM on the first RBM's hidden activations, and
so on; each RBM's weights then serve both as the generative weights of its layer and as the approximate
upward inference.
"""
import mxnet as mx
import numpy as np
from mxnet import autograd
from mxnet.gluon import HybridBlock

from .rbm import BernoulliRBM, hidden_probs
from .training import ContrastiveDivergenceStep

__all__ = ["DeepBeliefNetwork", "deep_belief_network"]


class HiddenProbabilities(HybridBlock):
    """``p(h = 1 | v)`` of an RBM as a block sharing its parameters (for graphs built from several RBMs)."""

    def __init__(self, rbm):
        super().__init__(prefix=rbm.prefix, params=rbm.params)
        with self.name_scope():
            self.weight = self.params.get("weight")
            self.hidden_bias = self.params.get("hidden_bias")

    def hybrid_forward(self, F, v, weight, hidden_bias):
        return hidden_probs(F, v, weight, hidden_bias)


class DeepBeliefNetwork(HybridBlock):
    """A stack of Bernoulli RBMs (DL 20.3); the forward is the mean-field upward pass, the probabilities of
    the top layer's units given ``v`` (shape ``(B, layer_sizes[-1])``), the features a DBN gives a classifier.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``(n_visible, n_hidden_1, ..., n_hidden_L)``, at least two.

    Examples
    --------
    >>> dbn = DeepBeliefNetwork((12, 8, 4)); dbn.initialize()
    >>> dbn(mx.nd.ones((2, 12))).shape
    (2, 4)
    """

    def __init__(self, layer_sizes=(64, 32, 16), **kwargs):
        super().__init__(**kwargs)
        sizes = tuple(int(size) for size in layer_sizes)
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError("layer_sizes must list at least two positive sizes (visible, hidden...), got {}"
                             .format(tuple(layer_sizes)))
        self.layer_sizes = sizes
        self.rbms = []
        with self.name_scope():
            for index, (below, above) in enumerate(zip(sizes, sizes[1:])):
                rbm = BernoulliRBM(below, above, prefix="rbm{}_".format(index))
                self.register_child(rbm, "rbm{}".format(index))
                self.rbms.append(rbm)

    def hybrid_forward(self, F, v):
        x = v
        # Built per call and never kept (the RBMs own the parameters); hybridized, this runs once per shape.
        for rbm in self.rbms:
            x = HiddenProbabilities(rbm)(x)
        return x

    def pretrain(self, data, epochs=10, batch_size=20, learning_rate=0.1, k=1, persistent=True, seed=0,
                 sample_inputs=False):
        """Greedy layer-wise pretraining (DL 20.3): each RBM is trained by CD-k / PCD through
        :class:`gluonx.Trainer` on the layer below's hidden probabilities (or samples, ``sample_inputs``).

        Returns the list of each layer's last training epoch scalars.
        """
        import gluonx
        from gluonx.data.arrays import ArrayDataset
        inputs = np.asarray(data, dtype=np.float32).reshape((len(data), -1))
        history = []
        for index, rbm in enumerate(self.rbms):
            trainer = gluonx.Trainer(rbm, step=ContrastiveDivergenceStep(k=k, persistent=persistent),
                                     optimizer="sgd", optimizer_params={"learning_rate": learning_rate},
                                     seed=seed + index, hybridize=False)
            unlabelled = ArrayDataset(inputs, np.zeros(len(inputs), np.float32))
            epochs_run = trainer.fit(unlabelled, epochs=epochs, batch_size=batch_size)
            history.append(epochs_run[-1] if epochs_run else {})
            with autograd.pause():
                probs = rbm.hidden_probs(mx.nd.array(inputs)).asnumpy()
            inputs = ((np.random.RandomState(seed + index).rand(*probs.shape) < probs).astype(np.float32)
                      if sample_inputs else probs.astype(np.float32))
        return history

    def sample(self, num_samples, gibbs_steps=200, seed=None, ctx=None):
        """Samples of ``v``: block Gibbs in the top RBM, then one ancestral pass down (DL 20.3); NumPy."""
        if seed is not None:
            mx.random.seed(seed)
        ctx = ctx or mx.cpu()
        top = self.rbms[-1]
        state = (mx.nd.random.uniform(shape=(int(num_samples), top.n_visible), ctx=ctx) < 0.5).astype("float32")
        with autograd.pause():
            state = top.gibbs_chain(state, gibbs_steps)
            for rbm in reversed(self.rbms[:-1]):
                state = rbm.sample_visible(state)
        return state.asnumpy()

    def exact_log_likelihood(self, v):
        """``log p(v)`` of a two-hidden-layer DBN by enumerating ``h1`` (small models only; float64 NumPy):
        ``p(v) = sum_h1 p(v | h1) p_top(h1)`` with ``p_top`` the top RBM's marginal of its visible layer."""
        from . import exact
        if len(self.rbms) != 2:
            raise ValueError("exact_log_likelihood enumerates two-hidden-layer DBNs only, this one has {}".format(
                len(self.rbms)))
        bottom, top = (exact.rbm_arrays(rbm) for rbm in self.rbms)
        h1 = exact.all_binary_states(self.layer_sizes[1])
        log_top = -exact.free_energy(h1, *top) - exact.log_partition(*top)                # (S,)
        weight, _, visible_bias = bottom
        logits = h1 @ weight + visible_bias                                                # (S, D)
        v = np.asarray(v, dtype=np.float64)
        # log p(v | h1) for every (row, h1): sum_i [v_i a_i - softplus(a_i)]
        log_cond = v @ logits.T - np.logaddexp(0.0, logits).sum(axis=1)[None, :]          # (B, S)
        joint = log_cond + log_top[None, :]
        top_value = joint.max(axis=1, keepdims=True)
        return (top_value + np.log(np.exp(joint - top_value).sum(axis=1, keepdims=True)))[:, 0]


def deep_belief_network(layer_sizes=(64, 32, 16)):
    """Registry factory of :class:`DeepBeliefNetwork` (DL 20.3)."""
    return DeepBeliefNetwork(tuple(layer_sizes))
