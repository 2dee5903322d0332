"""Autoregressive models of binary vectors: NADE and MADE (DL 20.10.10).

Both factor ``p(v) = prod_d p(v_d | v_<d)`` in the natural order of the units, each conditional a Bernoulli,
so the log-likelihood is exact and normalized by construction; the forward returns ``log p(v)`` of each row
(shape ``(B,)``) and :meth:`objective` its negative (the training loss of the ``density`` task).
"""
import mxnet as mx
import numpy as np
from mxnet import autograd
from mxnet.gluon import HybridBlock

__all__ = ["NADE", "MADE", "bernoulli_log_likelihood", "nade", "made"]


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError("{} must be a positive integer, got {!r}".format(name, value))
    return int(value)


def bernoulli_log_likelihood(F, logits, v):
    """``sum_d [v_d log sigmoid(a_d) + (1 - v_d) log(1 - sigmoid(a_d))] = sum_d [v_d a_d - softplus(a_d)]``."""
    return F.sum(v * logits - F.Activation(logits, act_type="softrelu"), axis=1)


class _Autoregressive(HybridBlock):
    def _check(self, v):
        if v.ndim != 2 or v.shape[1] != self.n_inputs:
            raise ValueError("{}: expected binary vectors of shape (batch, {}), got {}".format(
                type(self).__name__, self.n_inputs, v.shape))

    def objective(self, v, training=True):
        """Per-sample negative log-likelihood ``-log p(v)`` (the training loss)."""
        self._check(v)
        return -self(v)

    def sample(self, num_samples, ctx=None, seed=None):
        """``num_samples`` exact ancestral samples, one unit at a time in order (DL 20.10.10), NumPy."""
        if seed is not None:
            mx.random.seed(seed)
        ctx = ctx or mx.cpu()
        v = mx.nd.zeros((_positive_int("num_samples", num_samples), self.n_inputs), ctx=ctx)
        with autograd.pause():
            for d in range(self.n_inputs):
                probs = mx.nd.sigmoid(self.logits(v))[:, d]
                v[:, d] = (mx.nd.random.uniform(shape=probs.shape, ctx=ctx) < probs).astype(v.dtype)
        return v.asnumpy()

    def logits(self, v):
        """The conditionals' logits ``a_d(v_<d)``, shape ``(B, D)`` (NDArray)."""
        params = [p.data(v.context) for p in self._ordered_params()]
        return self._logits(mx.nd, v, *params)

    def hybrid_forward(self, F, v, *args, **params):
        ordered = [params[name] for name in self._param_names]
        return bernoulli_log_likelihood(F, self._logits(F, v, *ordered), v)

    def _ordered_params(self):
        return [getattr(self, name) for name in self._param_names]


class NADE(_Autoregressive):
    """Neural autoregressive density estimator (DL 20.10.10; Larochelle & Murray 2011).

    ``h_d = sigmoid(c + W_{:, <d} v_<d)`` shares one weight matrix across all conditionals and
    ``p(v_d = 1 | v_<d) = sigmoid(b_d + V_d . h_d)``. All ``D`` hidden vectors are computed in one batched
    product with a strictly lower-triangular mask (cost ``O(B D^2 H)``, fine for the 64 pixels of 8x8 images).

    Parameters
    ----------
    n_inputs : int
        ``D``, the number of binary units.
    n_hidden : int
        ``H``.

    Examples
    --------
    >>> nade = NADE(6, 5); nade.initialize()
    >>> nade(mx.nd.ones((2, 6))).shape
    (2,)
    """

    _param_names = ("mask", "weight", "hidden_bias", "out_weight", "out_bias")

    def __init__(self, n_inputs=64, n_hidden=64, **kwargs):
        super().__init__(**kwargs)
        self.n_inputs = _positive_int("n_inputs", n_inputs)
        self.n_hidden = _positive_int("n_hidden", n_hidden)
        d, h = self.n_inputs, self.n_hidden
        with self.name_scope():
            # mask[d, i] = 1 when i < d: conditional d sees the units before it only.
            self.mask = self.params.get_constant("mask", np.tril(np.ones((d, d), dtype=np.float32), -1))
            self.weight = self.params.get("weight", shape=(h, d), init=mx.init.Normal(0.05))
            self.hidden_bias = self.params.get("hidden_bias", shape=(h,), init="zeros")
            self.out_weight = self.params.get("out_weight", shape=(d, h), init=mx.init.Normal(0.05))
            self.out_bias = self.params.get("out_bias", shape=(d,), init="zeros")

    def _logits(self, F, v, mask, weight, hidden_bias, out_weight, out_bias):
        seen = F.broadcast_mul(v.expand_dims(1), mask.expand_dims(0))                 # (B, D, D)
        hidden = F.sigmoid(F.broadcast_add(F.dot(seen, weight, transpose_b=True),   # (B, D, H)
                                           hidden_bias.reshape((1, 1, -1))))
        return F.broadcast_add(F.sum(F.broadcast_mul(hidden, out_weight.expand_dims(0)), axis=2),
                               out_bias.expand_dims(0))


def made_masks(n_inputs, hidden_sizes):
    """MADE's connectivity masks for the natural ordering (Germain et al. 2015): input degrees ``1..D``,
    hidden degrees cycling through ``1..D-1`` (so every unit is used), ``W`` masks ``m(k) >= m(d)`` between
    layers and ``m(d) > m(k)`` into the outputs. Returns one ``(out, in)`` float32 mask per layer."""
    degrees = [np.arange(1, n_inputs + 1)]
    for size in hidden_sizes:
        degrees.append(np.arange(size) % max(n_inputs - 1, 1) + 1)
    masks = [(later[:, None] >= earlier[None, :]).astype(np.float32) for earlier, later in zip(degrees, degrees[1:])]
    masks.append((degrees[0][:, None] > degrees[-1][None, :]).astype(np.float32))
    return masks


class MADE(_Autoregressive):
    """Masked autoencoder for distribution estimation (DL 20.10.10; Germain et al. 2015): a feed-forward net
    whose weight masks make output ``d`` depend on inputs ``< d`` only, so its sigmoid outputs are the
    conditionals ``p(v_d = 1 | v_<d)`` and one pass gives all of them.

    Parameters
    ----------
    n_inputs : int
    hidden_sizes : sequence of int
        Widths of the masked hidden layers (ReLU).
    """

    def __init__(self, n_inputs=64, hidden_sizes=(128,), **kwargs):
        super().__init__(**kwargs)
        self.n_inputs = _positive_int("n_inputs", n_inputs)
        self.hidden_sizes = tuple(_positive_int("hidden_sizes", size) for size in hidden_sizes)
        if not self.hidden_sizes:
            raise ValueError("hidden_sizes must name at least one hidden layer")
        masks = made_masks(self.n_inputs, self.hidden_sizes)
        names = []
        with self.name_scope():
            for index, mask in enumerate(masks):
                out_units, in_units = mask.shape
                setattr(self, "mask{}".format(index), self.params.get_constant("mask{}".format(index), mask))
                setattr(self, "weight{}".format(index), self.params.get(
                    "weight{}".format(index), shape=(out_units, in_units), init=mx.init.Xavier()))
                setattr(self, "bias{}".format(index), self.params.get("bias{}".format(index), shape=(out_units,),
                                                                      init="zeros"))
                names += ["mask{}".format(index), "weight{}".format(index), "bias{}".format(index)]
        self._param_names = tuple(names)

    def _logits(self, F, v, *params):
        x = v
        layers = len(params) // 3
        for index in range(layers):
            mask, weight, bias = params[3 * index: 3 * index + 3]
            x = F.FullyConnected(x, weight * mask, bias, num_hidden=self._widths[index])
            if index < layers - 1:
                x = F.relu(x)
        return x

    @property
    def _widths(self):
        return self.hidden_sizes + (self.n_inputs,)


def nade(n_inputs=64, n_hidden=64):
    """Registry factory of :class:`NADE` (DL 20.10.10)."""
    return NADE(n_inputs, n_hidden)


def made(n_inputs=64, hidden_sizes=(128,)):
    """Registry factory of :class:`MADE` (DL 20.10.10)."""
    return MADE(n_inputs, tuple(hidden_sizes))
