"""Hook implementations of the directed generative models (VAE, GAN/DCGAN, GMMN; DL 20.9-20.10.5).

``plugin.py`` takes them in with one star import; each function names the hook it implements
(``specname``), so they sit beside the plugin's other implementations of the same hooks. Lazy
``"module:attr"`` factories only: nothing heavy is imported here.
"""
import gluonx
from gluonx import InputSpec

__all__ = ["register_directed_models", "register_directed_blocks", "register_directed_losses",
           "register_directed_datasets", "register_directed_tasks", "register_directed_recipes"]

_VAE = "gluonx_generative.vae:"
_GAN = "gluonx_generative.gan:"
_GMMN = "gluonx_generative.gmmn:"
_DATA = "gluonx_generative.directed_data:"
_TASKS = "gluonx_generative.directed_tasks:"
_PIXELS = InputSpec((3, 1, 4, 4), low=0, high=1, name="images")
_CODES = InputSpec((3, 4), low=-2, high=2, name="noise")
_POINTS = InputSpec((3, 2), low=-2, high=2, name="noise")


@gluonx.hookimpl(specname="register_models")
def register_directed_models(registry):
    """VAE, MLP GAN, DCGAN and GMMN; the GANs' and GMMN's forward is the generator (noise in)."""
    registry.register(
        "vae", _VAE + "vae", task="vae", book_section="DL 20.10.3", inputs=[_PIXELS], onnx=True,
        kwargs={"n_visible": 16, "latent_dim": 4, "hidden": (8,), "image_shape": (1, 4, 4)},
        description="variational autoencoder, Bernoulli or Gaussian decoder; forward = (reconstruction at the "
                    "posterior mean, mu, logvar); elbo (analytic KL) and iwae_bound; exports its decoder (noise in)")
    registry.register(
        "mlp_gan", _GAN + "mlp_gan", task="gan", book_section="DL 20.10.4", inputs=[_POINTS], onnx=True,
        kwargs={"data_dim": 2, "latent_dim": 2, "hidden": (8,)},
        description="GAN with MLP generator and discriminator for low-dimensional data; forward = generator "
                    "(noise in); alternating updates with two optimizers")
    registry.register(
        "dcgan", _GAN + "dcgan", task="gan", book_section="DL 20.10.4", inputs=[_CODES], onnx=True,
        kwargs={"image_size": 8, "latent_dim": 4, "width": 4},
        description="deep convolutional GAN (transposed convolutions, batch norm); forward = generator, noise "
                    "(B, latent_dim) to images in [0, 1]")
    registry.register(
        "gmmn", _GMMN + "gmmn", task="gmmn", book_section="DL 20.10.5", inputs=[_CODES], onnx=True,
        kwargs={"data_dim": 2, "latent_dim": 4, "hidden": (8,)},
        description="generative moment matching network: MLP generator trained by the Gaussian-kernel MMD; "
                    "forward = generator (noise in)")


@gluonx.hookimpl(specname="register_blocks")
def register_directed_blocks(registry):
    """The VAE's encoder and decoder as blocks of their own (both export)."""
    registry.register(
        "vae_encoder", _VAE + "VAEEncoder", task="vae", book_section="DL 20.10.3", inputs=[_PIXELS], onnx=True,
        kwargs={"latent_dim": 4, "hidden": (8,), "n_visible": 16},
        description="VAE encoder: images (flattened) to the mean and log-variance of q(z | x)")
    registry.register(
        "vae_decoder", _VAE + "VAEDecoder", task="vae", book_section="DL 20.10.3", inputs=[_CODES], onnx=True,
        kwargs={"n_visible": 16, "hidden": (8,), "image_shape": (1, 4, 4), "latent_dim": 4},
        description="VAE decoder: codes z to Bernoulli pixel probabilities or the Gaussian mean")


@gluonx.hookimpl(specname="register_losses")
def register_directed_losses(registry):
    """The Gaussian-kernel MMD of generative moment matching (DL 20.10.5)."""
    registry.register(
        "gaussian_mmd", _GMMN + "MMDLoss", task="loss", book_section="DL 20.10.5", onnx=True,
        inputs=[InputSpec((5, 2), low=-2, high=2, name="generated"), InputSpec((4, 2), low=-2, high=2, name="data")],
        kwargs={}, gradient_check=True,
        description="squared maximum mean discrepancy with a sum of Gaussian kernels (biased estimate), (1,)")


@gluonx.hookimpl(specname="register_datasets")
def register_directed_datasets(registry):
    """A 2-D mixture of 8 Gaussians and binarized 8x8 digits (both embedded)."""
    registry.register(
        "eight_gaussians", _DATA + "EightGaussians", task="gan", embedded=True, sample_shape=(2,),
        book_section="DL 20.10.4",
        description="2-D points of 8 Gaussians (std 0.05) on a circle of radius 2, labelled by mode")
    registry.register(
        "binarized_digits", _DATA + "BinarizedDigits", task="vae", embedded=True, num_classes=10,
        sample_shape=(1, 8, 8), extra="data", book_section="DL 20.10.3",
        description="scikit-learn's digits with pixels >= 8 of 16 set to 1 (float32 1x8x8; the core digits "
                    "split)")


@gluonx.hookimpl(specname="register_tasks")
def register_directed_tasks(registry):
    """Tasks with their own train steps."""
    registry.register("vae", _TASKS + "VAETask", primary_metric="iwae_log_likelihood", book_section="DL 20.10.3",
                      description="VAEs: loss -ELBO; test importance-weighted log-likelihood after training")
    registry.register("gan", _TASKS + "GANTask", primary_metric="loss_g", book_section="DL 20.10.4",
                      description="GANs: alternating discriminator / generator updates with two optimizers")
    registry.register("gmmn", _TASKS + "GMMNTask", primary_metric="loss", book_section="DL 20.10.5",
                      description="generative moment matching: minibatch Gaussian-kernel MMD")


@gluonx.hookimpl(specname="register_recipes")
def register_directed_recipes(registry):
    """`gluonx train vae|dcgan --dataset digits` and the 2-D recipes."""
    registry.register(
        "vae-digits", model="vae", dataset="digits", optimizer="adam", lr=0.003, epochs=30, batch_size=32,
        model_args={"n_visible": 784, "latent_dim": 16, "hidden": [200], "image_shape": [1, 28, 28]},
        threads=1, book_section="DL 20.10.3",
        description="Bernoulli VAE on the 28x28 digits binarized at 0.5 (by the task)")
    registry.register(
        "vae-binarized_digits", model="vae", dataset="binarized_digits", optimizer="adam", lr=0.003, epochs=30,
        batch_size=32, model_args={"n_visible": 64, "latent_dim": 8, "hidden": [128], "image_shape": [1, 8, 8]},
        threads=1, book_section="DL 20.10.3",
        description="Bernoulli VAE on binarized 8x8 digits; test log-likelihood against independent pixels")
    registry.register(
        "dcgan-digits", model="dcgan", dataset="digits", optimizer="adam", lr=0.001, epochs=30, batch_size=32,
        optimizer_params={"beta1": 0.5}, model_args={"image_size": 28, "latent_dim": 32, "width": 32},
        threads=1, book_section="DL 20.10.4",
        description="DCGAN on the 28x28 digits (Adam beta1 0.5, Radford et al.); sample grids in OUT/samples")
    registry.register(
        "mlp_gan-eight_gaussians", model="mlp_gan", dataset="eight_gaussians", optimizer="adam", lr=0.002,
        epochs=15, batch_size=128, optimizer_params={"beta1": 0.5},
        model_args={"data_dim": 2, "latent_dim": 2, "hidden": [128, 128]}, threads=1, book_section="DL 20.10.4",
        description="GAN on the 8-Gaussian mixture; covers all 8 modes")
    registry.register(
        "gmmn-eight_gaussians", model="gmmn", dataset="eight_gaussians", optimizer="adam", lr=0.001, epochs=10,
        batch_size=256, model_args={"data_dim": 2, "latent_dim": 4, "hidden": [128, 128]}, threads=1,
        book_section="DL 20.10.5", description="GMMN on the 8-Gaussian mixture")
