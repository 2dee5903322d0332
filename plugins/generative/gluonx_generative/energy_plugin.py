"""Registrations of the autoencoders, deep Boltzmann models, NCE, the sigmoid belief net and NADE/MADE.

Hook implementations named by ``specname`` so that ``plugin.py`` takes them in with one import line, next to
its own hooks of the same names. Lazy ``"module:attr"`` factories only: importing this imports nothing heavy.
"""
import gluonx
from gluonx import InputSpec

_PKG = "gluonx_generative."
_REAL = InputSpec((3, 12), low=0, high=1, name="inputs")
_BINARY8 = InputSpec((3, 8), low=0, high=1, name="visible")
_AE = dict(task="autoencoder", kwargs={"n_inputs": 12, "n_hidden": 5}, inputs=[_REAL], onnx=True)

#: (name, factory, book section, description) of the autoencoders (DL 14).
AUTOENCODERS = (
    ("autoencoder", "autoencoder", "DL 14.1",
     "undercomplete autoencoder: sigmoid code, Bernoulli (cross-entropy) or Gaussian decoder; forward = g(f(x))"),
    ("sparse_autoencoder", "sparse_autoencoder", "DL 14.2.1",
     "sparse autoencoder: reconstruction + KL(rho || mean activation) or L1 penalty on the code"),
    ("denoising_autoencoder", "denoising_autoencoder", "DL 14.2.2",
     "denoising autoencoder: reconstructs x from masking or Gaussian corruption C(x~ | x)"),
    ("contractive_autoencoder", "contractive_autoencoder", "DL 14.7",
     "contractive autoencoder: closed-form ||df/dx||_F^2 penalty for sigmoid / tanh encoders"),
    ("predictive_sparse_decomposition", "predictive_sparse_decomposition", "DL 14.8",
     "predictive sparse decomposition: ISTA-inferred sparse codes, linear decoder, encoder predicting the codes"),
)


@gluonx.hookimpl(specname="register_models")
def register_energy_models(registry):
    """Autoencoders (DL 14), DBN (20.3), DBM (20.4), sigmoid belief net (20.10.1), NADE and MADE (20.10.10)."""
    for name, factory, section, description in AUTOENCODERS:
        registry.register(name, _PKG + "autoencoders:" + factory, book_section=section, description=description,
                          **_AE)
    registry.register(
        "nade", _PKG + "autoregressive:nade", task="density", book_section="DL 20.10.10",
        kwargs={"n_inputs": 8, "n_hidden": 6}, inputs=[_BINARY8], onnx=True,
        description="NADE: exact autoregressive density of binary vectors with shared hidden weights; "
                    "forward = log p(v) (B,)")
    registry.register(
        "made", _PKG + "autoregressive:made", task="density", book_section="DL 20.10.10",
        kwargs={"n_inputs": 8, "hidden_sizes": [10]}, inputs=[_BINARY8], onnx=True,
        description="MADE: masked autoencoder whose outputs are the autoregressive conditionals; "
                    "forward = log p(v) (B,)")
    registry.register(
        "deep_belief_network", _PKG + "dbn:deep_belief_network", task="generative", book_section="DL 20.3",
        kwargs={"layer_sizes": [8, 6, 4]}, inputs=[_BINARY8], onnx=True,
        description="DBN: stack of Bernoulli RBMs trained greedily (pretrain); forward = upward "
                    "p(h_L = 1 | v)")
    registry.register(
        "deep_boltzmann_machine", _PKG + "dbm:deep_boltzmann_machine", task="generative", book_section="DL 20.4",
        kwargs={"layer_sizes": [8, 6, 4], "mean_field_steps": 5}, inputs=[_BINARY8], onnx=True,
        description="DBM: mean-field posterior of the top layer (forward), block Gibbs, PCD training (DBMStep)")
    registry.register(
        "sigmoid_belief_network", _PKG + "sbn:sigmoid_belief_network", task="generative",
        book_section="DL 20.10.1", kwargs={"layer_sizes": [8, 6, 4]}, inputs=[_BINARY8], onnx=True,
        description="sigmoid belief net with a recognition model, trained by wake-sleep (WakeSleepStep); "
                    "forward = recognition q(h_L = 1 | v)")


@gluonx.hookimpl(specname="register_blocks")
def register_energy_blocks(registry):
    """The RBM with a learned log partition function of noise-contrastive estimation (DL 18.6)."""
    registry.register(
        "nce_rbm", _PKG + "nce:nce_rbm", task="generative", book_section="DL 18.6",
        kwargs={"n_visible": 8, "n_hidden": 5}, inputs=[_BINARY8], onnx=True,
        description="Bernoulli RBM with log Z as a parameter; forward = log p_model(v) = -F(v) - log Z, "
                    "trained by NoiseContrastiveStep")


@gluonx.hookimpl(specname="register_tasks")
def register_energy_tasks(registry):
    """Models trained on their own per-sample objective."""
    registry.register(
        "autoencoder", _PKG + "objective_tasks:AutoencoderTask", primary_metric="loss", book_section="DL 14",
        description="autoencoders: reconstruction loss + regularizer per sample (inputs flattened, uint8 "
                    "scaled to [0, 1])")
    registry.register(
        "density", _PKG + "objective_tasks:DensityTask", primary_metric="loss", book_section="DL 20.10.10",
        description="exact density models (NADE, MADE) by maximum likelihood on inputs binarized at 0.5; "
                    "loss = negative log-likelihood per sample")


@gluonx.hookimpl(specname="register_recipes")
def register_energy_recipes(registry):
    """One recipe per autoencoder on the 28x28 digits (784 inputs, 64-unit code)."""
    for name, _, section, _ in AUTOENCODERS:
        registry.register(
            "{}-digits".format(name), model=name, dataset="digits", optimizer="adam", lr=0.003, epochs=10,
            batch_size=64, model_args={"n_hidden": 64}, threads=1, book_section=section,
            description="Adam 0.003, 10 epochs of batch 64 on the 28x28 digits; reconstructions in "
                        "docs/generative.md")
