"""Restricted Boltzmann machines (DL 16.7.1, 20.2): Bernoulli-Bernoulli and Gaussian-Bernoulli.

The energy-based pieces are written with ``F.*`` only (functions taking ``F`` first), so they run on NDArrays,
inside hybridized blocks and in exported symbols. A block's forward is the free energy ``F(v)`` of each
visible vector (per-sample, shape ``(B,)``): ``p(v) = exp(-F(v)) / Z`` (DL 16.7.1, 18.1); its methods give the
factorial conditionals ``p(h | v)``, ``p(v | h)`` and a block Gibbs step (DL 20.2.1, 17.4).

Parameters are laid out as scikit-learn's ``BernoulliRBM``: ``weight`` is ``(n_hidden, n_visible)``
(its ``components_``), ``hidden_bias`` (``intercept_hidden_``), ``visible_bias`` (``intercept_visible_``).
"""
import mxnet as mx
from mxnet.gluon import HybridBlock

from gluonx._validate import check_positive


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("{} must be a positive integer, got {!r}".format(name, value))
    return value


__all__ = ["BernoulliRBM", "GaussianBernoulliRBM", "RBMReconstruction", "bernoulli_free_energy",
           "gaussian_free_energy", "hidden_probs", "bernoulli_visible_probs", "sample_bernoulli"]


def hidden_probs(F, v, weight, hidden_bias, scale=1.0):
    """``p(h_j = 1 | v) = sigmoid(c_j + W_j v / scale)`` for every hidden unit (DL 20.2.1, eq. 20.14)."""
    scaled = v / scale if scale != 1.0 else v
    return F.sigmoid(F.broadcast_add(F.dot(scaled, weight, transpose_b=True), hidden_bias.expand_dims(0)))


def bernoulli_visible_probs(F, h, weight, visible_bias):
    """``p(v_i = 1 | h) = sigmoid(b_i + W_:i^T h)`` (DL 20.2.1, eq. 20.15)."""
    return F.sigmoid(F.broadcast_add(F.dot(h, weight), visible_bias.expand_dims(0)))


def sample_bernoulli(F, probs):
    """One Bernoulli draw per element of ``probs`` (as float 0/1)."""
    return F.broadcast_lesser(F.random.uniform_like(probs), probs)


def _softplus_sum(F, v, weight, hidden_bias):
    pre = F.broadcast_add(F.dot(v, weight, transpose_b=True), hidden_bias.expand_dims(0))
    return F.sum(F.Activation(pre, act_type="softrelu"), axis=1)


def bernoulli_free_energy(F, v, weight, hidden_bias, visible_bias):
    """``F(v) = -b^T v - sum_j softplus(c_j + W_j v)`` (DL 16.7.1 / 20.2: ``h`` summed out analytically)."""
    return -F.dot(v, visible_bias) - _softplus_sum(F, v, weight, hidden_bias)


def gaussian_free_energy(F, v, weight, hidden_bias, visible_bias, sigma):
    """``F(v) = |v - b|^2 / (2 sigma^2) - sum_j softplus(c_j + W_j v / sigma)`` of the Gaussian-Bernoulli RBM
    with energy ``E(v, h) = |v - b|^2 / (2 sigma^2) - c^T h - (v / sigma)^T W^T h`` (DL 20.5.1)."""
    quadratic = F.sum(F.square(F.broadcast_sub(v, visible_bias.expand_dims(0))), axis=1) / (2.0 * sigma ** 2)
    return quadratic - _softplus_sum(F, v / sigma, weight, hidden_bias)


class _RBMBase(HybridBlock):
    def __init__(self, n_visible, n_hidden, weight_scale=0.01, **kwargs):
        super().__init__(**kwargs)
        self.n_visible = _positive_int(n_visible, "n_visible")
        self.n_hidden = _positive_int(n_hidden, "n_hidden")
        with self.name_scope():
            # Small Gaussian weights and zero biases, as scikit-learn's BernoulliRBM (DL 20.2 training).
            self.weight = self.params.get("weight", shape=(self.n_hidden, self.n_visible),
                                          init=mx.init.Normal(weight_scale))
            self.hidden_bias = self.params.get("hidden_bias", shape=(self.n_hidden,), init="zeros")
            self.visible_bias = self.params.get("visible_bias", shape=(self.n_visible,), init="zeros")

    def _check(self, v):
        if v.ndim != 2 or v.shape[1] != self.n_visible:
            raise ValueError("{}: expected visible vectors of shape (batch, {}), got {}".format(
                type(self).__name__, self.n_visible, v.shape))

    def _params_on(self, ctx):
        return self.weight.data(ctx), self.hidden_bias.data(ctx), self.visible_bias.data(ctx)

    _scale = 1.0

    def hidden_probs(self, v):
        """``p(h = 1 | v)``, shape ``(B, n_hidden)`` (NDArray in, NDArray out)."""
        self._check(v)
        weight, hidden_bias, _ = self._params_on(v.context)
        return hidden_probs(mx.nd, v, weight, hidden_bias, self._scale)

    def sample_hidden(self, v):
        """A draw of ``h ~ p(h | v)``."""
        return sample_bernoulli(mx.nd, self.hidden_probs(v))

    def gibbs_step(self, v):
        """One block Gibbs step ``v -> h ~ p(h | v) -> v' ~ p(v | h)`` (DL 17.4, 20.2.1); returns ``v'``."""
        return self.sample_visible(self.sample_hidden(v))

    def gibbs_chain(self, v, steps):
        """``steps`` block Gibbs steps from ``v`` (no gradient is recorded)."""
        steps = _positive_int(steps, "steps")
        with mx.autograd.pause():
            for _ in range(steps):
                v = self.gibbs_step(v)
        return v


class BernoulliRBM(_RBMBase):
    """Bernoulli-Bernoulli restricted Boltzmann machine (DL 16.7.1, 20.2).

    ``E(v, h) = -b^T v - c^T h - v^T W^T h`` with binary ``v`` (``n_visible``) and ``h`` (``n_hidden``);
    the forward returns the free energy ``F(v)`` of each row of ``v`` (shape ``(B,)``), so
    ``log p(v) = -F(v) - log Z``.

    Parameters
    ----------
    n_visible, n_hidden : int
        Numbers of visible and hidden units.
    weight_scale : float
        Standard deviation of the initial weights (biases start at zero).

    Examples
    --------
    >>> rbm = BernoulliRBM(6, 4); rbm.initialize()
    >>> v = mx.nd.array([[1, 0, 1, 1, 0, 0]])
    >>> rbm(v).shape, rbm.hidden_probs(v).shape, rbm.gibbs_step(v).shape
    ((1,), (1, 4), (1, 6))
    """

    def hybrid_forward(self, F, v, weight, hidden_bias, visible_bias):
        return bernoulli_free_energy(F, v, weight, hidden_bias, visible_bias)

    def free_energy_f(self, F, v, weight, hidden_bias, visible_bias):
        """The free energy with ``F`` and the parameters given (for graphs built around this RBM)."""
        return bernoulli_free_energy(F, v, weight, hidden_bias, visible_bias)

    def sample_visible_f(self, F, h, weight, visible_bias):
        """A draw of ``v ~ p(v | h)`` with ``F`` and the parameters given."""
        return sample_bernoulli(F, bernoulli_visible_probs(F, h, weight, visible_bias))

    def visible_probs(self, h):
        """``p(v = 1 | h)``, shape ``(B, n_visible)``."""
        weight, _, visible_bias = self._params_on(h.context)
        return bernoulli_visible_probs(mx.nd, h, weight, visible_bias)

    def sample_visible(self, h):
        """A draw of ``v ~ p(v | h)``."""
        return sample_bernoulli(mx.nd, self.visible_probs(h))

    def pseudo_log_likelihood(self, v, bits=None):
        """Log pseudo-likelihood of each row of binary ``v`` (DL 18.3): ``sum_i log p(v_i | v_-i)`` where
        ``p(v_i | v_-i) = sigmoid(F(v with bit i flipped) - F(v))``.

        ``bits`` (one index per row) gives scikit-learn's stochastic estimate ``n_visible * log p(v_i | v_-i)``
        for that one bit instead (an unbiased estimate of the full sum when ``i`` is uniform).
        """
        self._check(v)
        nd = mx.nd
        free = self(v)
        n, d = v.shape
        if bits is not None:
            flip = nd.one_hot(nd.array(bits, ctx=v.context), d, dtype=v.dtype)
            flipped = v + flip - 2 * v * flip
            return d * -nd.Activation(-(self(flipped) - free), act_type="softrelu")
        eye = nd.eye(d, ctx=v.context, dtype=v.dtype).expand_dims(0)             # (1, d, d): one flip per row
        vs = v.expand_dims(1)
        flipped = nd.broadcast_sub(nd.broadcast_add(vs, eye), 2 * nd.broadcast_mul(vs, eye)).reshape((-1, d))
        gaps = self(flipped).reshape((n, d)) - free.expand_dims(1)
        return -nd.sum(nd.Activation(-gaps, act_type="softrelu"), axis=1)


class GaussianBernoulliRBM(_RBMBase):
    """Gaussian-Bernoulli RBM for real-valued visible units (DL 20.5.1), with a fixed standard deviation.

    ``E(v, h) = |v - b|^2 / (2 sigma^2) - c^T h - (v / sigma)^T W^T h``, so ``p(h_j = 1 | v) =
    sigmoid(c_j + W_j v / sigma)`` and ``p(v | h) = N(b + sigma W^T h, sigma^2 I)``. The forward returns the free
    energy ``F(v)`` (shape ``(B,)``).

    Parameters
    ----------
    n_visible, n_hidden : int
    sigma : float
        Standard deviation of every visible unit (data are usually standardized and ``sigma = 1``).
    weight_scale : float
    """

    def __init__(self, n_visible, n_hidden, sigma=1.0, weight_scale=0.01, **kwargs):
        super().__init__(n_visible, n_hidden, weight_scale=weight_scale, **kwargs)
        self.sigma = float(check_positive("sigma", sigma))
        self._scale = self.sigma

    def hybrid_forward(self, F, v, weight, hidden_bias, visible_bias):
        return gaussian_free_energy(F, v, weight, hidden_bias, visible_bias, self.sigma)

    def free_energy_f(self, F, v, weight, hidden_bias, visible_bias):
        """The free energy with ``F`` and the parameters given (for graphs built around this RBM)."""
        return gaussian_free_energy(F, v, weight, hidden_bias, visible_bias, self.sigma)

    def sample_visible_f(self, F, h, weight, visible_bias):
        """A draw of ``v ~ p(v | h)`` with ``F`` and the parameters given."""
        mean = F.broadcast_add(self.sigma * F.dot(h, weight), visible_bias.expand_dims(0))
        return mean + self.sigma * F.random.normal_like(mean)

    def visible_mean(self, h):
        """``E[v | h] = b + sigma W^T h``."""
        weight, _, visible_bias = self._params_on(h.context)
        return mx.nd.broadcast_add(self.sigma * mx.nd.dot(h, weight), visible_bias.expand_dims(0))

    def sample_visible(self, h):
        """A draw of ``v ~ N(b + sigma W^T h, sigma^2 I)``."""
        mean = self.visible_mean(h)
        return mean + self.sigma * mx.nd.random.normal_like(mean)


class RBMReconstruction(BernoulliRBM):
    """Mean-field reconstruction ``p(v = 1 | h = p(h = 1 | v))`` of a Bernoulli RBM (DL 20.2): a deterministic
    forward (shape ``(B, n_visible)``) for exporting a trained RBM as a denoiser/feature round trip."""

    def hybrid_forward(self, F, v, weight, hidden_bias, visible_bias):
        return bernoulli_visible_probs(F, hidden_probs(F, v, weight, hidden_bias), weight, visible_bias)


def bernoulli_rbm(n_visible=64, n_hidden=32, **kwargs):
    """Registry factory of :class:`BernoulliRBM`."""
    return BernoulliRBM(n_visible, n_hidden, **kwargs)


def gaussian_bernoulli_rbm(n_visible=64, n_hidden=32, **kwargs):
    """Registry factory of :class:`GaussianBernoulliRBM`."""
    return GaussianBernoulliRBM(n_visible, n_hidden, **kwargs)
