"""Generative moment matching networks (DL 20.10.5): a generator trained to minimize the maximum mean
discrepancy between its samples and the data.

With a characteristic kernel ``k`` (here a sum of Gaussian kernels ``exp(-|x - y|^2 / (2 s^2))`` over several
bandwidths ``s``) the squared MMD ``E k(x, x') - 2 E k(x, y) + E k(y, y')`` is zero only when the two
distributions are equal, so matching all the moments the kernel sees needs no discriminator (DL 20.10.5).
:func:`mmd2` is the biased (V-statistic) minibatch estimate of Li et al. (2015): differentiable, never
negative.
"""
from mxnet.gluon import HybridBlock

from .directed_common import positive_count
from .gan import MLPGenerator

__all__ = ["mmd2", "MMDLoss", "GMMN", "gmmn", "DEFAULT_BANDWIDTHS"]

#: Bandwidths of the kernel sum: small ones see the modes, large ones the overall spread.
DEFAULT_BANDWIDTHS = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0)


def _squared_distances(F, a, b):
    aa = F.sum(F.square(a), axis=1, keepdims=True)
    bb = F.sum(F.square(b), axis=1, keepdims=True)
    return F.relu(F.broadcast_add(aa, F.transpose(bb)) - 2 * F.dot(a, b, transpose_b=True))


def _kernel_mean(F, distances, bandwidths):
    total = 0
    for s in bandwidths:
        total = total + F.mean(F.exp(distances * (-0.5 / (s * s))))
    return total


def mmd2(F, x, y, bandwidths=DEFAULT_BANDWIDTHS):
    """The biased estimate of the squared MMD between the rows of ``x`` and of ``y`` (flattened) with the sum
    of Gaussian kernels of the given ``bandwidths``: ``mean k(x, x) - 2 mean k(x, y) + mean k(y, y)``, a scalar
    (shape ``(1,)``).
    """
    x, y = F.flatten(x), F.flatten(y)
    return (_kernel_mean(F, _squared_distances(F, x, x), bandwidths)
            - 2 * _kernel_mean(F, _squared_distances(F, x, y), bandwidths)
            + _kernel_mean(F, _squared_distances(F, y, y), bandwidths))


class GMMN(HybridBlock):
    """A generator ``z -> x`` trained by :func:`mmd2` (DL 20.10.5); the forward is the generator.

    Parameters
    ----------
    data_dim : int
        Dimension of a sample.
    latent_dim : int
        Size of the noise ``z ~ N(0, I)``.
    hidden : tuple of int
        Hidden layers of the MLP generator.
    bandwidths : tuple of float
        Gaussian kernel bandwidths of the MMD.
    """

    def __init__(self, data_dim=2, latent_dim=4, hidden=(128, 128), bandwidths=DEFAULT_BANDWIDTHS, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = positive_count("latent_dim", latent_dim)
        self.bandwidths = tuple(float(s) for s in bandwidths)
        if not self.bandwidths or min(self.bandwidths) <= 0:
            raise ValueError("bandwidths must be positive numbers, got {!r}".format(bandwidths))
        with self.name_scope():
            self.generator = MLPGenerator(data_dim, tuple(hidden), self.latent_dim, prefix="generator_")

    def hybrid_forward(self, F, z):
        return self.generator(z)

    def inference_block(self):
        """What ``gluonx export`` writes: the generator, its noise as the input."""
        return self.generator


def gmmn(data_dim=2, latent_dim=4, hidden=(128, 128), bandwidths=DEFAULT_BANDWIDTHS):
    """A generative moment matching network (DL 20.10.5; Li et al., 2015) with an MLP generator.

    References
    ----------
    DL 20.10.5; Li, Swersky and Zemel (2015); Dziugaite, Roy and Ghahramani (2015).
    """
    return GMMN(data_dim, latent_dim, tuple(hidden), tuple(bandwidths))


class MMDLoss(HybridBlock):
    """The squared maximum mean discrepancy between two batches, ``loss(generated, data)`` (DL 20.10.5): a
    Gluon loss block around :func:`mmd2`, shape ``(1,)`` (one value per batch pair, not per sample).

    Parameters
    ----------
    bandwidths : tuple of float
        Gaussian kernel bandwidths.
    """

    def __init__(self, bandwidths=DEFAULT_BANDWIDTHS, **kwargs):
        super().__init__(**kwargs)
        self.bandwidths = tuple(float(s) for s in bandwidths)
        if not self.bandwidths or min(self.bandwidths) <= 0:
            raise ValueError("bandwidths must be positive numbers, got {!r}".format(bandwidths))

    def hybrid_forward(self, F, generated, data):
        return mmd2(F, generated, data, self.bandwidths)
