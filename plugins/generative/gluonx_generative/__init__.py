"""gluonx generative plugin: DL part III, first layer (restricted Boltzmann machines, DL 16.7, 18, 20.1-20.2).

Modules (importing this package imports none of them, nor MXNet):

- :mod:`~gluonx_generative.rbm` -- Bernoulli-Bernoulli and Gaussian-Bernoulli RBM blocks (free energy,
  conditionals, block Gibbs step) and :class:`RBMFreeEnergy`, the exportable forward;
- :mod:`~gluonx_generative.exact` -- exact log-partition, log-likelihood and pseudo-likelihood by enumeration
  (small models, NumPy);
- :mod:`~gluonx_generative.training` -- CD-k and persistent CD (SML) as a :class:`gluonx.train.step.TrainStep`;
- :mod:`~gluonx_generative.ais` -- annealed importance sampling of log Z;
- :mod:`~gluonx_generative.bridge` -- bridge sampling of log Z.

Directed models (DL 20.10): :mod:`~gluonx_generative.vae` (VAE, ELBO, importance-weighted bound),
:mod:`~gluonx_generative.gan` (GAN, DCGAN), :mod:`~gluonx_generative.gmmn` (MMD, GMMN), their tasks and steps
in :mod:`~gluonx_generative.directed_tasks`, data in :mod:`~gluonx_generative.directed_data`, the mode and
class coverage measures in :mod:`~gluonx_generative.mode_coverage`.
Documentation: ``docs/generative.md``.
"""
from gluonx.utils.lazy import lazy_getattr

_PUBLIC = {
    "BernoulliRBM": "gluonx_generative.rbm:BernoulliRBM",
    "GaussianBernoulliRBM": "gluonx_generative.rbm:GaussianBernoulliRBM",
    "ContrastiveDivergenceStep": "gluonx_generative.training:ContrastiveDivergenceStep",
    "exact": "gluonx_generative.exact",
    "ais_log_partition": "gluonx_generative.ais:ais_log_partition",
    "bridge_log_partition": "gluonx_generative.bridge:bridge_log_partition",
    "ContrastiveGraph": "gluonx_generative.training:ContrastiveGraph",
    "RBMReconstruction": "gluonx_generative.rbm:RBMReconstruction",
}

__all__ = sorted(_PUBLIC)


# Lazy: `import gluonx_generative` (done by plugin discovery) must not import MXNet.
__getattr__ = lazy_getattr(__name__, _PUBLIC)
