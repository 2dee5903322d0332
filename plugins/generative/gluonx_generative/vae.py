"""Variational autoencoders (DL 20.10.3) with Bernoulli and Gaussian decoders, and the importance-weighted bound.

The encoder ``q(z | x) = N(mu(x), diag(exp(logvar(x))))`` and the decoder ``p(x | z)`` are trained together by
maximizing the evidence lower bound (DL 19.1, 20.10.3)::

    ELBO(x) = E_q[log p(x | z)] - KL(q(z | x) || N(0, I)) <= log p(x)

with the reparameterization ``z = mu + exp(logvar / 2) * eps``, ``eps ~ N(0, I)`` (one sample per data point),
and the Gaussian KL in closed form ``0.5 * sum(exp(logvar) + mu**2 - 1 - logvar)``. The importance-weighted
bound (Burda et al., 2016) ``log (1/k) sum_i p(x, z_i) / q(z_i | x)`` with ``z_i ~ q(z | x)`` is a tighter
lower bound that rises with ``k`` towards ``log p(x)``; with many samples it is the test log-likelihood
estimate.

The registered forwards are deterministic (exportable): :class:`VAE` maps ``x`` to the decoder's mean at
``z = mu(x)`` (a reconstruction) with ``(mu, logvar)``, :class:`VAEEncoder` to ``(mu, logvar)``, :class:`VAEDecoder` ``z`` to the
decoder's mean (``sigmoid(logits)`` for Bernoulli pixels, the Gaussian mean otherwise): the sampling stays
outside the graph, so the decoder exports with the noise as its input.
"""
import math

import numpy as np
from mxnet import nd
from mxnet.gluon import HybridBlock, nn

from gluonx import InputSpec

from .directed_common import positive_count

__all__ = ["VAE", "VAEEncoder", "VAEDecoder", "gaussian_kl", "bernoulli_log_likelihood",
           "gaussian_log_likelihood", "vae", "DECODERS"]

DECODERS = ("bernoulli", "gaussian")
_LOG_2PI = math.log(2 * math.pi)


def gaussian_kl(F, mu, logvar):
    """``KL(N(mu, diag(exp(logvar))) || N(0, I))`` of each row, in closed form (DL 20.10.3), shape ``(B,)``."""
    return 0.5 * F.sum(F.exp(logvar) + F.square(mu) - 1 - logvar, axis=-1)


def bernoulli_log_likelihood(F, x, logits):
    """``log p(x | logits)`` of binary ``x`` under independent Bernoulli pixels, summed over the last axis.

    ``x * l - softplus(l)``, which is ``log sigmoid(l)`` for a one and ``log sigmoid(-l)`` for a zero without
    overflow for large ``|l|``.
    """
    return F.sum(x * logits - F.Activation(logits, act_type="softrelu"), axis=-1)


def gaussian_log_likelihood(F, x, mean, log_scale):
    """``log N(x; mean, diag(exp(log_scale))**2)`` summed over the last axis."""
    z = F.broadcast_div(x - mean, F.exp(log_scale))
    return -0.5 * F.sum(F.square(z), axis=-1) - F.sum(F.broadcast_add(log_scale, 0 * mean), axis=-1) \
        - 0.5 * _LOG_2PI * F.sum(F.ones_like(mean), axis=-1)


def _mlp(hidden, activation, in_units=0):
    body = nn.HybridSequential(prefix="")
    for units in hidden:
        body.add(nn.Dense(units, activation=activation, in_units=in_units))
        in_units = units
    return body


class VAEEncoder(HybridBlock):
    """``x -> (mu, logvar)`` of the Gaussian ``q(z | x)`` (DL 20.10.3); images are flattened.

    Parameters
    ----------
    latent_dim : int
        Size of ``z``.
    hidden : tuple of int
        Hidden layer sizes of the MLP.
    activation : str
        Activation of the hidden layers.
    n_visible : int
        Pixels per image.
    """

    def __init__(self, latent_dim=16, hidden=(200,), activation="tanh", n_visible=64, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = positive_count("latent_dim", latent_dim)
        hidden = tuple(hidden)
        with self.name_scope():
            self.body = _mlp(hidden, activation, in_units=positive_count("n_visible", n_visible))
            last = hidden[-1] if hidden else n_visible
            self.mean = nn.Dense(latent_dim, prefix="mean_", in_units=last)
            self.logvar = nn.Dense(latent_dim, prefix="logvar_", in_units=last)

    def hybrid_forward(self, F, x):
        h = self.body(F.flatten(x))
        return self.mean(h), self.logvar(h)


class VAEDecoder(HybridBlock):
    """``z -> `` the mean of ``p(x | z)``: Bernoulli probabilities ``sigmoid(logits)`` or the Gaussian mean
    (with a learned per-pixel ``log_scale``), shaped ``(B, n_visible)`` or ``(B, *image_shape)``.

    Parameters
    ----------
    n_visible : int
        Number of pixels.
    hidden : tuple of int
        Hidden layer sizes.
    decoder : {"bernoulli", "gaussian"}
        The observation model.
    image_shape : tuple of int, optional
        Shape of one image (``(1, 28, 28)``) to reshape the output to.
    activation : str
        Activation of the hidden layers.
    latent_dim : int
        Size of ``z``.
    """

    def __init__(self, n_visible=64, hidden=(200,), decoder="bernoulli", image_shape=None, activation="tanh",
                 latent_dim=16, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = positive_count("latent_dim", latent_dim)
        if decoder not in DECODERS:
            raise ValueError("decoder must be one of {}, got {!r}".format(DECODERS, decoder))
        self.n_visible = positive_count("n_visible", n_visible)
        self.decoder = decoder
        self.image_shape = tuple(int(s) for s in image_shape) if image_shape else None
        if self.image_shape and int(np.prod(self.image_shape)) != self.n_visible:
            raise ValueError("image_shape {} holds {} pixels, n_visible is {}".format(
                self.image_shape, int(np.prod(self.image_shape)), self.n_visible))
        with self.name_scope():
            self.body = _mlp(hidden, activation, in_units=self.latent_dim)
            self.out = nn.Dense(n_visible, prefix="out_")
            if decoder == "gaussian":
                self.log_scale = self.params.get("log_scale", shape=(n_visible,), init="zeros")

    def raw(self, z):
        """The unbounded output on a batch of codes (NDArray): logits (Bernoulli) or the mean (Gaussian)."""
        return self.out(self.body(z))

    def hybrid_forward(self, F, z, log_scale=None):
        raw = self.out(self.body(z))
        mean = F.sigmoid(raw) if self.decoder == "bernoulli" else raw
        return mean.reshape((-1,) + self.image_shape) if self.image_shape else mean

    def log_likelihood(self, x, z):
        """``log p(x | z)`` of each row of flattened ``x`` (NDArray), shape ``(B,)``."""
        raw = self.raw(z)
        if self.decoder == "bernoulli":
            return bernoulli_log_likelihood(nd, x, raw)
        return gaussian_log_likelihood(nd, x, raw, self.log_scale.data(raw.context))

    def export_options(self):
        """A generator export: its input is noise, its output images in [0, 1] (Bernoulli) (see export.md)."""
        entry = {"kind": "image", "noise": "normal"}  # a Gaussian decoder's means are clipped in the grid
        return {"output_names": ["images"], "postprocessing": {"outputs": {"images": entry}},
                "inputs": [InputSpec((2, self.latent_dim), low=-2, high=2, name="noise")]}


class VAE(HybridBlock):
    """A variational autoencoder (DL 20.10.3): :class:`VAEEncoder` + :class:`VAEDecoder`.

    The forward is ``(reconstruction, mu, logvar)``: the decoder's mean at ``z = mu(x)`` and the parameters of
    ``q(z | x)``, all deterministic; training uses :meth:`elbo`
    (the ``vae`` task's step), evaluation :meth:`iwae_bound`.

    Parameters
    ----------
    n_visible : int
        Pixels per image (64 for 8x8 digits, 784 for 28x28).
    latent_dim : int
        Size of the code ``z``.
    hidden : int or tuple of int
        Hidden layer sizes of the encoder; the decoder mirrors them.
    decoder : {"bernoulli", "gaussian"}
        Observation model ``p(x | z)``.
    image_shape : tuple of int, optional
        Shape of one image, for reconstructions and samples shaped like the data.

    Examples
    --------
    >>> net = gluonx.get_model("vae", n_visible=64, latent_dim=8)
    >>> net.initialize()
    >>> elbo = net.elbo(binary_batch)                 # (B,), one reparameterized sample each
    >>> bound = net.iwae_bound(binary_batch, k=100)   # (B,), >= elbo on average
    """

    def __init__(self, n_visible=64, latent_dim=16, hidden=(200,), decoder="bernoulli", image_shape=None,
                 activation="tanh", **kwargs):
        super().__init__(**kwargs)
        hidden = (hidden,) if isinstance(hidden, int) else tuple(hidden)
        with self.name_scope():
            self.encoder = VAEEncoder(latent_dim, hidden, activation, n_visible, prefix="encoder_")
            self.decoder = VAEDecoder(n_visible, tuple(reversed(hidden)), decoder, image_shape, activation,
                                      latent_dim, prefix="decoder_")
        self.latent_dim = self.encoder.latent_dim

    def hybrid_forward(self, F, x):
        mean, logvar = self.encoder(x)
        return self.decoder(mean), mean, logvar

    def inference_block(self):
        """What ``gluonx export`` writes for a trained VAE: the decoder (a generator of noise ``z``)."""
        return self.decoder

    def _flat(self, x):
        return x.reshape((x.shape[0], -1))

    def elbo(self, x, eps=None):
        """The ELBO of each row (DL 20.10.3), one reparameterized sample and the analytic KL, shape ``(B,)``.

        Differentiable under ``autograd.record()``. ``eps`` (``(B, latent_dim)``) fixes the noise.
        """
        x = self._flat(x)
        mu, logvar = self.encoder(x)
        if eps is None:
            eps = nd.random.normal(shape=mu.shape, ctx=mu.context)
        z = mu + nd.exp(0.5 * logvar) * eps
        return self.decoder.log_likelihood(x, z) - gaussian_kl(nd, mu, logvar)

    def log_weights(self, x, k, chunk=None):
        """``log p(x, z_i) - log q(z_i | x)`` for ``k`` draws ``z_i ~ q(z | x)``, shape ``(k, B)``."""
        x = self._flat(x)
        k = positive_count("k", k)
        mu, logvar = self.encoder(x)
        batch, latent = mu.shape
        std = nd.exp(0.5 * logvar)
        chunk = chunk or max(1, 8192 // max(batch, 1))  # rows decoded at once: bounds the memory
        rows = []
        for start in range(0, k, chunk):
            count = min(chunk, k - start)
            eps = nd.random.normal(shape=(count, batch, latent), ctx=mu.context)
            z = nd.broadcast_add(mu.expand_dims(0), nd.broadcast_mul(std.expand_dims(0), eps))
            flat_z = z.reshape((-1, latent))
            tiled = nd.broadcast_to(x.expand_dims(0), (count,) + x.shape).reshape((-1, x.shape[1]))
            log_px = self.decoder.log_likelihood(tiled, flat_z).reshape((count, batch))
            log_pz = -0.5 * (nd.square(z).sum(axis=-1) + latent * _LOG_2PI)
            log_qz = -0.5 * (nd.square(eps).sum(axis=-1) + latent * _LOG_2PI) - 0.5 * logvar.sum(axis=-1)
            rows.append(log_px + log_pz - log_qz)
        return nd.concat(*rows, dim=0)

    def iwae_bound(self, x, k=100):
        """The importance-weighted bound ``log (1/k) sum_i w_i`` of each row, shape ``(B,)``: equal to the ELBO
        in expectation for ``k = 1``, rising with ``k`` towards ``log p(x)``."""
        weights = self.log_weights(x, k)
        top = weights.max(axis=0)
        return top + nd.log(nd.exp(nd.broadcast_sub(weights, top.expand_dims(0))).mean(axis=0))

    def sample(self, num, ctx=None):
        """``num`` images: ``z ~ N(0, I)`` decoded to the mean of ``p(x | z)``."""
        z = nd.random.normal(shape=(num, self.latent_dim), ctx=ctx or self.decoder.out.weight.list_ctx()[0])
        return self.decoder(z)


def vae(n_visible=64, latent_dim=16, hidden=(200,), decoder="bernoulli", image_shape=None, activation="tanh"):
    """A :class:`VAE` (DL 20.10.3); ``decoder="gaussian"`` for real-valued data.

    References
    ----------
    DL 20.10.3 (variational autoencoder), DL 19.4 (reparameterization); Burda et al. (2016) for the
    importance-weighted bound.
    """
    return VAE(n_visible, latent_dim, hidden, decoder, image_shape, activation)
