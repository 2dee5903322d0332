"""Generative adversarial networks (DL 20.10.4): an MLP GAN for low-dimensional data and a DCGAN for images.

A GAN is two nets: a generator ``g(z)`` that maps noise to samples and a discriminator ``d(x)`` (one logit per
sample) trained to tell data from generated samples. They are trained by alternating updates (DL 20.10.4):
the discriminator on ``-log sigmoid(d(x)) - log(1 - sigmoid(d(g(z))))``, then the generator on the
non-saturating ``-log sigmoid(d(g(z)))`` (the heuristic of DL 20.10.4 that keeps its gradient large when the
discriminator wins); :class:`gluonx_generative.directed_tasks.GANStep` does both through the trainer's two
optimizers ``discriminator`` and ``generator``.

The forward of :class:`GAN` is the generator: noise ``(B, latent_dim)`` in, samples out. Random operators
have no ONNX converter, so the noise is an input of the exported graph and the caller draws it.
"""
from mxnet import nd
from mxnet.gluon import HybridBlock, nn

from gluonx import InputSpec

from .directed_common import positive_count

__all__ = ["GAN", "MLPGenerator", "MLPDiscriminator", "DCGANGenerator", "DCGANDiscriminator", "mlp_gan",
           "dcgan"]


class MLPGenerator(HybridBlock):
    """``z -> x``: an MLP with ReLU hidden layers and a linear output (DL 20.10.4)."""

    def __init__(self, data_dim=2, hidden=(128, 128), latent_dim=2, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = positive_count("latent_dim", latent_dim)
        with self.name_scope():
            self.body = nn.HybridSequential(prefix="")
            units_in = self.latent_dim
            for units in hidden:
                self.body.add(nn.Dense(units, activation="relu", in_units=units_in))
                units_in = units
            self.body.add(nn.Dense(positive_count("data_dim", data_dim), in_units=units_in))

    def hybrid_forward(self, F, z):
        return self.body(z)

    def export_options(self):
        """Exported with its noise as the input; the samples are features (not images)."""
        return {"output_names": ["samples"], "postprocessing": {"outputs": {"samples": {"kind": "features"}}},
                "inputs": [noise_spec(self.latent_dim)]}


def noise_spec(latent_dim):
    """The example input of a generator: a batch of standard normal noise ``(2, latent_dim)`` named ``noise``."""
    return InputSpec((2, latent_dim), low=-2, high=2, name="noise")


class MLPDiscriminator(HybridBlock):
    """``x -> `` one logit per sample: an MLP with leaky ReLU hidden layers."""

    def __init__(self, data_dim=2, hidden=(128, 128), **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.body = nn.HybridSequential(prefix="")
            units_in = positive_count("data_dim", data_dim)
            for units in hidden:
                self.body.add(nn.Dense(units, in_units=units_in), nn.LeakyReLU(0.2))
                units_in = units
            self.body.add(nn.Dense(1, in_units=units_in))

    def hybrid_forward(self, F, x):
        return self.body(F.flatten(x))


class DCGANGenerator(HybridBlock):
    """``z -> `` images in [0, 1] (Radford et al., 2016): a dense layer to a ``(2C, S/4, S/4)`` map, then two
    stride-2 transposed convolutions with batch normalization and ReLU, a 3x3 convolution to the image's
    channels and a sigmoid.

    Parameters
    ----------
    image_size : int
        Side of the images, divisible by 4 (28 for the ``digits`` dataset).
    channels : int
        Image channels.
    width : int
        Feature maps of the last hidden layer (the first has twice as many).
    """

    def __init__(self, image_size=28, channels=1, width=32, latent_dim=32, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = positive_count("latent_dim", latent_dim)
        image_size = positive_count("image_size", image_size)
        if image_size % 4:
            raise ValueError("DCGAN image_size must be divisible by 4, got {}".format(image_size))
        self.base = (2 * width, image_size // 4, image_size // 4)
        with self.name_scope():
            self.project = nn.Dense(self.base[0] * self.base[1] * self.base[2], in_units=self.latent_dim)
            self.project_bn = nn.BatchNorm(in_channels=self.base[0])
            self.up = nn.HybridSequential(prefix="")
            half = max(width // 2, 8)
            self.up.add(nn.Conv2DTranspose(width, 4, strides=2, padding=1, use_bias=False, in_channels=self.base[0]),
                        nn.BatchNorm(in_channels=width), nn.Activation("relu"),
                        nn.Conv2DTranspose(half, 4, strides=2, padding=1, use_bias=False, in_channels=width),
                        nn.BatchNorm(in_channels=half), nn.Activation("relu"),
                        # A 3x3 convolution makes the channels: MKL-DNN's backward of a transposed
                        # convolution with one output channel after another one fails in MXNet 1.9.1
                        # ("could not create a primitive descriptor for a reorder primitive").
                        nn.Conv2D(positive_count("channels", channels), 3, padding=1, in_channels=half))

    def hybrid_forward(self, F, z):
        h = F.relu(self.project_bn(self.project(z).reshape((-1,) + self.base)))
        return F.sigmoid(self.up(h))

    def export_options(self):
        """An image generator: noise in, images in [0, 1] out (``gluonx predict EXPORT --samples N``)."""
        return {"output_names": ["images"],
                "postprocessing": {"outputs": {"images": {"kind": "image", "noise": "normal"}}},
                "inputs": [noise_spec(self.latent_dim)]}


class DCGANDiscriminator(HybridBlock):
    """Images ``-> `` one logit: two stride-2 convolutions with leaky ReLU (batch normalization on the second),
    then a dense layer (Radford et al., 2016)."""

    def __init__(self, image_size=28, channels=1, width=32, **kwargs):
        super().__init__(**kwargs)
        side = positive_count("image_size", image_size) // 4
        with self.name_scope():
            self.body = nn.HybridSequential(prefix="")
            self.body.add(nn.Conv2D(width, 4, strides=2, padding=1, in_channels=positive_count("channels", channels)),
                          nn.LeakyReLU(0.2),
                          nn.Conv2D(2 * width, 4, strides=2, padding=1, use_bias=False, in_channels=width),
                          nn.BatchNorm(in_channels=2 * width), nn.LeakyReLU(0.2),
                          nn.Dense(1, in_units=2 * width * side * side))

    def hybrid_forward(self, F, x):
        return self.body(x)


class GAN(HybridBlock):
    """A generator and a discriminator (DL 20.10.4); the forward is the generator, ``z -> x``.

    Parameters
    ----------
    generator, discriminator : HybridBlock
        The two nets; their parameters are named ``generator.*`` and ``discriminator.*`` (the two optimizer
        groups of the ``gan`` task).
    latent_dim : int
        Size of the noise ``z ~ N(0, I)``.
    """

    def __init__(self, generator, discriminator, latent_dim, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = positive_count("latent_dim", latent_dim)
        with self.name_scope():
            self.generator = generator
            self.discriminator = discriminator

    def hybrid_forward(self, F, z):
        return self.generator(z)

    def noise(self, num, ctx):
        """``num`` draws of ``z ~ N(0, I)`` on ``ctx``."""
        return nd.random.normal(shape=(num, self.latent_dim), ctx=ctx)

    def sample(self, num, ctx=None):
        """``num`` generated samples (NDArray)."""
        ctx = ctx or self.collect_params().list_ctx()[0]
        return self.generator(self.noise(num, ctx))

    def inference_block(self):
        """What ``gluonx export`` writes: the generator, its noise as the input."""
        return self.generator


def mlp_gan(data_dim=2, latent_dim=2, hidden=(128, 128)):
    """An MLP GAN for low-dimensional data (the 2-D mixture of 8 Gaussians, DL 20.10.4).

    References
    ----------
    DL 20.10.4; Goodfellow et al. (2014).
    """
    hidden = (hidden,) if isinstance(hidden, int) else tuple(hidden)
    return GAN(MLPGenerator(data_dim, hidden, latent_dim, prefix="generator_"),
               MLPDiscriminator(data_dim, hidden, prefix="discriminator_"), latent_dim)


def dcgan(image_size=28, in_channels=1, latent_dim=32, width=32):
    """A deep convolutional GAN (DL 20.10.4; Radford et al., 2016) for ``in_channels x image_size x image_size``
    images in [0, 1].

    Examples
    --------
    >>> net = gluonx.get_model("dcgan", image_size=28)
    >>> net.initialize(); images = net.sample(16)      # (16, 1, 28, 28)
    """
    return GAN(DCGANGenerator(image_size, in_channels, width, latent_dim, prefix="generator_"),
                    DCGANDiscriminator(image_size, in_channels, width, prefix="discriminator_"), latent_dim)
