"""gluonx generative plugin: DL part III, first layer (restricted Boltzmann machines, DL 16.7, 18, 20.1-20.2).

Modules (importing this package imports none of them, nor MXNet):

- :mod:`~gluonx_generative.rbm` -- Bernoulli-Bernoulli and Gaussian-Bernoulli RBM blocks (free energy,
  conditionals, block Gibbs step) and :class:`RBMFreeEnergy`, the exportable forward;
- :mod:`~gluonx_generative.exact` -- exact log-partition, log-likelihood and pseudo-likelihood by enumeration
  (small models, NumPy);
- :mod:`~gluonx_generative.training` -- CD-k and persistent CD (SML) as a :class:`gluonx.train.step.TrainStep`;
- :mod:`~gluonx_generative.ais` -- annealed importance sampling of log Z;
- :mod:`~gluonx_generative.bridge` -- bridge sampling of log Z;
- :mod:`~gluonx_generative.autoencoders` -- undercomplete, sparse, denoising, contractive autoencoders and
  predictive sparse decomposition (DL 14), trained by the tasks of :mod:`~gluonx_generative.objective_tasks`;
- :mod:`~gluonx_generative.criteria` -- pseudo-likelihood, ratio matching, score matching (DL 18.3-18.5);
- :mod:`~gluonx_generative.nce` -- noise-contrastive estimation with a learned log Z (DL 18.6);
- :mod:`~gluonx_generative.samplers` -- block Gibbs, tempered transitions, parallel tempering, mixing
  diagnostics (DL 17);
- :mod:`~gluonx_generative.dbn`, :mod:`~gluonx_generative.dbm`, :mod:`~gluonx_generative.sbn`,
  :mod:`~gluonx_generative.autoregressive` -- DBN, DBM, sigmoid belief net with wake-sleep, NADE / MADE (DL 20).

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
    "ContrastiveGradientGraph": "gluonx_generative.training:ContrastiveGradientGraph",
    # DL 14, 17, 18.3-18.6, 20.3-20.4, 20.10 (energy-based and autoregressive pieces)
    "Autoencoder": "gluonx_generative.autoencoders:Autoencoder",
    "SparseAutoencoder": "gluonx_generative.autoencoders:SparseAutoencoder",
    "DenoisingAutoencoder": "gluonx_generative.autoencoders:DenoisingAutoencoder",
    "ContractiveAutoencoder": "gluonx_generative.autoencoders:ContractiveAutoencoder",
    "PredictiveSparseDecomposition": "gluonx_generative.autoencoders:PredictiveSparseDecomposition",
    "CriterionStep": "gluonx_generative.criteria:CriterionStep",
    "NCERBM": "gluonx_generative.nce:NCERBM",
    "NoiseContrastiveStep": "gluonx_generative.nce:NoiseContrastiveStep",
    "DeepBeliefNetwork": "gluonx_generative.dbn:DeepBeliefNetwork",
    "DeepBoltzmannMachine": "gluonx_generative.dbm:DeepBoltzmannMachine",
    "DBMStep": "gluonx_generative.dbm:DBMStep",
    "SigmoidBeliefNetwork": "gluonx_generative.sbn:SigmoidBeliefNetwork",
    "WakeSleepStep": "gluonx_generative.sbn:WakeSleepStep",
    "NADE": "gluonx_generative.autoregressive:NADE",
    "MADE": "gluonx_generative.autoregressive:MADE",
    "samplers": "gluonx_generative.samplers",
}

__all__ = sorted(_PUBLIC)


# Lazy: `import gluonx_generative` (done by plugin discovery) must not import MXNet.
__getattr__ = lazy_getattr(__name__, _PUBLIC)
