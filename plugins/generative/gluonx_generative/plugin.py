"""Hook implementations of the generative plugin (lazy "module:attr" factories only; imports nothing heavy)."""
import gluonx
from gluonx import InputSpec

_RBM = "gluonx_generative.rbm:"
_BINARY = InputSpec((3, 12), low=0, high=1, name="visible")


@gluonx.hookimpl
def register_models(registry):
    """Restricted Boltzmann machines (DL 20.2, 20.5.1): the forward is the free energy of each visible row."""
    common = dict(task="generative", kwargs={"n_visible": 12, "n_hidden": 5}, inputs=[_BINARY], onnx=True)
    registry.register(
        "bernoulli_rbm", _RBM + "bernoulli_rbm", book_section="DL 20.2",
        description="Bernoulli-Bernoulli RBM; forward = free energy F(v) (B,); conditionals, block Gibbs, "
                    "pseudo-likelihood; trained by CD-k / persistent CD (ContrastiveDivergenceStep)", **common)
    registry.register(
        "gaussian_bernoulli_rbm", _RBM + "gaussian_bernoulli_rbm", book_section="DL 20.5.1",
        description="Gaussian-Bernoulli RBM with a fixed visible standard deviation; forward = free energy F(v)",
        **common)


@gluonx.hookimpl
def register_blocks(registry):
    """The deterministic round trip of a Bernoulli RBM (DL 20.2)."""
    registry.register(
        "rbm_reconstruction", _RBM + "RBMReconstruction", task="generative", book_section="DL 20.2",
        kwargs={"n_visible": 12, "n_hidden": 5}, inputs=[_BINARY], onnx=True,
        description="mean-field reconstruction p(v=1 | h=p(h=1 | v)) of a Bernoulli RBM, (B, n_visible)")


@gluonx.hookimpl
def register_tasks(registry):
    """Energy-based models trained by contrastive divergence (DL 18.2)."""
    registry.register(
        "generative", "gluonx_generative.task:GenerativeTask", primary_metric="loss", trainable=False,
        book_section="DL 18.2",
        description="models whose forward is a free energy, trained by CD-1 through gluonx.Trainer(task=...) "
                    "(Python API); `gluonx train` has no generative recipe or data path yet")


# Autoencoders, DBN/DBM, NCE, SBN, NADE/MADE: their hooks (by specname) live beside their code.
from .energy_plugin import (register_energy_blocks, register_energy_models, register_energy_recipes,  # noqa: E402,F401
                            register_energy_tasks)
from .directed_plugin import *  # noqa: E402,F401,F403  (VAE, GAN, GMMN: their own hook implementations)
