"""Autoencoders (DL 14): undercomplete, sparse, denoising, contractive and predictive sparse decomposition.

Every autoencoder's forward is the deterministic reconstruction ``g(f(x))`` of the flattened input (shape
``(B, n_inputs)``), so it hybridizes and exports. Training goes through :meth:`Autoencoder.objective`, the
per-sample loss ``L(x, g(f(x~))) + Omega`` of the book (``x~`` is ``x`` itself except for the denoising
autoencoder), which the ``autoencoder`` task's step (:mod:`gluonx_generative.autoencoder_task`) minimizes.

Reconstruction losses: ``output="sigmoid"`` treats the inputs as Bernoulli means in ``[0, 1]`` and uses the
cross-entropy ``-sum_i [x_i log y_i + (1 - x_i) log(1 - y_i)]`` computed from the logits (DL 14.1, 6.2.2.2);
``output="linear"`` uses ``0.5 |x - y|^2`` (a Gaussian decoder).
"""
import mxnet as mx
import numpy as np
from mxnet import autograd
from mxnet.gluon import HybridBlock, nn

from gluonx._validate import check_positive

__all__ = ["Autoencoder", "SparseAutoencoder", "DenoisingAutoencoder", "ContractiveAutoencoder",
           "PredictiveSparseDecomposition", "contractive_penalty", "kl_sparsity_penalty",
           "autoencoder", "sparse_autoencoder", "denoising_autoencoder", "contractive_autoencoder",
           "predictive_sparse_decomposition"]

_ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
_OUTPUTS = ("sigmoid", "linear")


def _choice(name, value, choices):
    if value not in choices:
        raise ValueError("{} must be one of {}, got {!r}".format(name, ", ".join(choices), value))
    return value


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError("{} must be a positive integer, got {!r}".format(name, value))
    return int(value)


def _fraction(name, value):
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise ValueError("{} must be in [0, 1), got {}".format(name, value))
    return value


def reconstruction_loss(F, logits, x, output):
    """Per-sample reconstruction loss from the decoder's pre-activations (``(B, D)`` -> ``(B,)``)."""
    if output == "sigmoid":
        # -[x log sigmoid(z) + (1 - x) log(1 - sigmoid(z))] = softplus(z) - x z, stable for any z
        return F.sum(F.Activation(logits, act_type="softrelu") - x * logits, axis=1)
    return 0.5 * F.sum(F.square(logits - x), axis=1)


def kl_sparsity_penalty(F, code, sparsity):
    """``sum_j KL(rho || rho_hat_j)`` with ``rho_hat_j`` the batch mean of sigmoid unit ``j`` (DL 14.2.1)."""
    rho_hat = F.clip(F.mean(code, axis=0), 1e-6, 1.0 - 1e-6)
    rho = sparsity
    return F.sum(rho * F.log(rho / rho_hat) + (1.0 - rho) * F.log((1.0 - rho) / (1.0 - rho_hat)))


def contractive_penalty(F, code, weight, activation):
    """``||d h / d x||_F^2`` per sample, in closed form for ``h = act(W x + b)`` (DL 14.7, eq. 14.18).

    The Jacobian is ``diag(act'(a)) W``, so its squared Frobenius norm is ``sum_j act'(a_j)^2 |W_j|^2`` with
    ``act' = h (1 - h)`` for the sigmoid and ``1 - h^2`` for tanh: no second-order autograd is needed (MXNet's
    higher-order gradients cover few operators).
    """
    slope = code * (1.0 - code) if activation == "sigmoid" else 1.0 - F.square(code)
    return F.dot(F.square(slope), F.sum(F.square(weight), axis=1))


def _dense_activation(name):
    return None if name in (None, "linear") else name


class Autoencoder(HybridBlock):
    """Undercomplete autoencoder ``h = f(x) = act(W x + b)``, ``r = g(h)`` with ``n_hidden < n_inputs``
    (DL 14.1).

    Parameters
    ----------
    n_inputs : int
        Size of the flattened input (784 for 28x28 images).
    n_hidden : int
        Code size.
    activation : {"sigmoid", "tanh", "relu", "linear"}
        Encoder non-linearity (a linear encoder and decoder with the squared error span the principal
        subspace, DL 14.1).
    output : {"sigmoid", "linear"}
        Decoder output: Bernoulli means with the cross-entropy loss, or real values with the squared error.

    Examples
    --------
    >>> ae = Autoencoder(12, 4); ae.initialize()
    >>> x = mx.nd.random.uniform(shape=(3, 12))
    >>> ae(x).shape, ae.encode(x).shape, ae.objective(x).shape
    ((3, 12), (3, 4), (3,))
    """

    def __init__(self, n_inputs=784, n_hidden=64, activation="sigmoid", output="sigmoid", **kwargs):
        super().__init__(**kwargs)
        self.n_inputs = _positive_int("n_inputs", n_inputs)
        self.n_hidden = _positive_int("n_hidden", n_hidden)
        self.activation = _choice("activation", activation, _ACTIVATIONS)
        self.output = _choice("output", output, _OUTPUTS)
        with self.name_scope():
            self.encoder = nn.Dense(self.n_hidden, in_units=self.n_inputs, activation=_dense_activation(
                self.activation), prefix="encoder_")
            self.decoder = nn.Dense(self.n_inputs, in_units=self.n_hidden, prefix="decoder_")

    def _decode(self, F, logits):
        return F.sigmoid(logits) if self.output == "sigmoid" else logits

    def hybrid_forward(self, F, x):
        return self._decode(F, self.decoder(self.encoder(F.flatten(x))))

    def _flat(self, x):
        x = x.reshape((0, -1))
        if x.shape[1] != self.n_inputs:
            raise ValueError("{}: expected {} input values per sample, got {}".format(
                type(self).__name__, self.n_inputs, x.shape[1]))
        return x

    def encode(self, x):
        """The code ``h = f(x)``, shape ``(B, n_hidden)``."""
        return self.encoder(self._flat(x))

    def corrupt(self, x):
        """The input the encoder sees during training (``x`` itself; the denoising autoencoder overrides)."""
        return x

    def penalty(self, x, code):
        """The regularizer ``Omega`` per sample, shape ``(B,)`` (none here)."""
        return None

    def objective(self, x, training=True):
        """Per-sample training loss ``L(x, g(f(x~))) + Omega(h, x)`` (``(B,)``), differentiable."""
        x = self._flat(x)
        code = self.encoder(self.corrupt(x) if training else x)
        loss = reconstruction_loss(mx.nd, self.decoder(code), x, self.output)
        extra = self.penalty(x, code)
        return loss if extra is None else loss + extra


class SparseAutoencoder(Autoencoder):
    """Sparse autoencoder (DL 14.2.1): the reconstruction loss plus a sparsity penalty on the code.

    ``penalty="l1"``: ``Omega(h) = lam sum_j |h_j|`` (eq. 14.2, the Laplace prior's log, DL 14.2.1);
    ``penalty="kl"``: ``Omega = lam sum_j KL(rho || rho_hat_j)`` with ``rho_hat_j`` the mean activation of
    sigmoid unit ``j`` over the batch (each sample carries the batch's penalty, so the batch mean of the
    objective is the reconstruction mean plus ``lam`` times the KL term).

    Parameters
    ----------
    penalty : {"kl", "l1"}
    weight : float
        ``lam``.
    sparsity : float
        Target mean activation ``rho`` of the KL penalty (needs the sigmoid encoder).
    """

    def __init__(self, n_inputs=784, n_hidden=64, penalty="kl", weight=0.1, sparsity=0.05, activation="sigmoid",
                 output="sigmoid", **kwargs):
        super().__init__(n_inputs, n_hidden, activation=activation, output=output, **kwargs)
        self.penalty_kind = _choice("penalty", penalty, ("kl", "l1"))
        self.weight = float(check_positive("weight", weight))
        self.sparsity = float(sparsity)
        if not 0.0 < self.sparsity < 1.0:
            raise ValueError("sparsity must be in (0, 1), got {}".format(sparsity))
        if penalty == "kl" and activation != "sigmoid":
            raise ValueError("the KL sparsity penalty needs activation='sigmoid' (mean activations in (0, 1)), "
                             "got {!r}".format(activation))

    def penalty(self, x, code):
        if self.penalty_kind == "l1":
            return self.weight * mx.nd.sum(mx.nd.abs(code), axis=1)
        kl = kl_sparsity_penalty(mx.nd, code, self.sparsity)
        return self.weight * mx.nd.broadcast_to(kl.reshape((1,)), shape=(code.shape[0],))


class DenoisingAutoencoder(Autoencoder):
    """Denoising autoencoder (DL 14.2.2, 14.5): minimizes ``L(x, g(f(x~)))`` with ``x~ ~ C(x~ | x)``.

    Parameters
    ----------
    corruption : {"mask", "gaussian"}
        Masking noise (each input set to 0 with probability ``noise``) or additive ``N(0, noise^2)``.
    noise : float
    """

    def __init__(self, n_inputs=784, n_hidden=64, corruption="mask", noise=0.25, activation="sigmoid",
                 output="sigmoid", **kwargs):
        super().__init__(n_inputs, n_hidden, activation=activation, output=output, **kwargs)
        self.corruption = _choice("corruption", corruption, ("mask", "gaussian"))
        self.noise = _fraction("noise", noise) if corruption == "mask" else float(check_positive("noise", noise))

    def corrupt(self, x):
        """A draw of ``C(x~ | x)`` (no gradient flows into the noise)."""
        with autograd.pause():
            if self.corruption == "mask":
                keep = mx.nd.random.uniform(shape=x.shape, ctx=x.context, dtype=x.dtype) >= self.noise
                return x * keep
            return x + self.noise * mx.nd.random.normal(shape=x.shape, ctx=x.context, dtype=x.dtype)


class ContractiveAutoencoder(Autoencoder):
    """Contractive autoencoder (DL 14.7): ``Omega(h, x) = lam ||d f(x) / d x||_F^2``, in closed form for the
    sigmoid and tanh encoders (:func:`contractive_penalty`).

    Parameters
    ----------
    weight : float
        ``lam``.
    activation : {"sigmoid", "tanh"}
    """

    def __init__(self, n_inputs=784, n_hidden=64, weight=0.1, activation="sigmoid", output="sigmoid", **kwargs):
        _choice("activation", activation, ("sigmoid", "tanh"))
        super().__init__(n_inputs, n_hidden, activation=activation, output=output, **kwargs)
        self.weight = float(check_positive("weight", weight))

    def jacobian_penalty(self, x):
        """``||d h / d x||_F^2`` of each sample, shape ``(B,)``."""
        x = self._flat(x)
        return contractive_penalty(mx.nd, self.encoder(x), self.encoder.weight.data(x.context), self.activation)

    def penalty(self, x, code):
        return self.weight * contractive_penalty(mx.nd, code, self.encoder.weight.data(code.context),
                                                 self.activation)


class PredictiveSparseDecomposition(Autoencoder):
    """Predictive sparse decomposition (DL 14.8): a linear decoder ``g(h) = D h + d``, a parametric encoder
    ``f(x)`` and codes ``h`` inferred per batch by minimizing

        ``||x - g(h)||^2 + lam |h|_1 + gamma ||h - f(x)||^2``

    over ``h`` (ISTA: proximal gradient steps from ``h = f(x)``), then one gradient step on the same objective
    over the encoder and decoder with ``h`` held fixed. The forward is ``g(f(x))``: after training the encoder
    predicts the sparse codes, so no optimization is needed at inference.

    Parameters
    ----------
    weight : float
        ``lam`` (sparsity of the codes).
    gamma : float
        Weight of the prediction term.
    inference_steps : int
        ISTA iterations per batch.
    activation : {"tanh", "sigmoid", "relu", "linear"}
        Encoder non-linearity.
    """

    def __init__(self, n_inputs=784, n_hidden=64, weight=0.1, gamma=1.0, inference_steps=20, activation="tanh",
                 **kwargs):
        HybridBlock.__init__(self, **kwargs)
        self.n_inputs = _positive_int("n_inputs", n_inputs)
        self.n_hidden = _positive_int("n_hidden", n_hidden)
        self.activation = _choice("activation", activation, _ACTIVATIONS)
        self.output = "linear"
        self.weight = float(check_positive("weight", weight))
        self.gamma = float(gamma)
        if self.gamma < 0:
            raise ValueError("gamma must be non-negative, got {}".format(gamma))
        self.inference_steps = _positive_int("inference_steps", inference_steps)
        with self.name_scope():
            self.encoder = nn.Dense(self.n_hidden, in_units=self.n_inputs,
                                    activation=_dense_activation(self.activation), prefix="encoder_")
            self.decoder = nn.Dense(self.n_inputs, in_units=self.n_hidden, prefix="decoder_")

    def code_objective(self, x, code, prediction):
        """``||x - g(h)||^2 + lam |h|_1 + gamma ||h - f(x)||^2`` per sample."""
        residual = x - self.decoder(code)
        return (mx.nd.sum(mx.nd.square(residual), axis=1) + self.weight * mx.nd.sum(mx.nd.abs(code), axis=1)
                + self.gamma * mx.nd.sum(mx.nd.square(code - prediction), axis=1))

    def infer_code(self, x, steps=None, start=None):
        """The sparse codes minimizing :meth:`code_objective` for fixed parameters, by ISTA from ``f(x)`` (or
        ``start``); shape ``(B, n_hidden)``, no gradient recorded."""
        x = self._flat(x)
        steps = self.inference_steps if steps is None else _positive_int("steps", steps)
        nd = mx.nd
        with autograd.pause():
            prediction = self.encoder(x)
            dictionary = self.decoder.weight.data(x.context)         # (n_inputs, n_hidden)
            bias = self.decoder.bias.data(x.context)
            # Lipschitz constant of the smooth part's gradient: 2 (||D||_2^2 + gamma).
            lipschitz = 2.0 * (float(np.linalg.norm(dictionary.asnumpy().astype(np.float64), 2)) ** 2
                               + self.gamma)
            step = 1.0 / lipschitz
            target = nd.broadcast_sub(x, bias.expand_dims(0))
            code = prediction.copy() if start is None else start.copy()
            for _ in range(steps):
                grad = (2.0 * nd.dot(nd.dot(code, dictionary, transpose_b=True) - target, dictionary)
                        + 2.0 * self.gamma * (code - prediction))
                moved = code - step * grad
                code = nd.sign(moved) * nd.relu(nd.abs(moved) - step * self.weight)
        return code

    def objective(self, x, training=True):
        x = self._flat(x)
        code = self.infer_code(x)
        return self.code_objective(x, code, self.encoder(x))


def autoencoder(n_inputs=784, n_hidden=64, activation="sigmoid", output="sigmoid"):
    """Registry factory of :class:`Autoencoder` (DL 14.1)."""
    return Autoencoder(n_inputs, n_hidden, activation=activation, output=output)


def sparse_autoencoder(n_inputs=784, n_hidden=64, penalty="kl", weight=0.1, sparsity=0.05, activation="sigmoid",
                       output="sigmoid"):
    """Registry factory of :class:`SparseAutoencoder` (DL 14.2.1)."""
    return SparseAutoencoder(n_inputs, n_hidden, penalty=penalty, weight=weight, sparsity=sparsity,
                             activation=activation, output=output)


def denoising_autoencoder(n_inputs=784, n_hidden=64, corruption="mask", noise=0.25, activation="sigmoid",
                          output="sigmoid"):
    """Registry factory of :class:`DenoisingAutoencoder` (DL 14.2.2)."""
    return DenoisingAutoencoder(n_inputs, n_hidden, corruption=corruption, noise=noise, activation=activation,
                                output=output)


def contractive_autoencoder(n_inputs=784, n_hidden=64, weight=0.1, activation="sigmoid", output="sigmoid"):
    """Registry factory of :class:`ContractiveAutoencoder` (DL 14.7)."""
    return ContractiveAutoencoder(n_inputs, n_hidden, weight=weight, activation=activation, output=output)


def predictive_sparse_decomposition(n_inputs=784, n_hidden=64, weight=0.1, gamma=1.0, inference_steps=20,
                                    activation="tanh"):
    """Registry factory of :class:`PredictiveSparseDecomposition` (DL 14.8)."""
    return PredictiveSparseDecomposition(n_inputs, n_hidden, weight=weight, gamma=gamma,
                                         inference_steps=inference_steps, activation=activation)
