"""Tasks and train steps of the directed generative models: ``vae`` (DL 20.10.3), ``gan`` (DL 20.10.4) and
``gmmn`` (DL 20.10.5), and the handler that writes sample grids during training.

Each task has its own :class:`~gluonx.train.step.TrainStep`; the trainer keeps device splitting, clipping, the
NaN guard and checkpoints. Labels of labelled datasets are ignored.
"""
import math
import os

import numpy as np
from mxnet import autograd, gluon, nd

from gluonx.tasks.base import Task
from gluonx.train import EventHandler, OptimizerGroup, StepOutput, TrainStep

from .directed_common import batch_data, positive_count
from .gmmn import mmd2

__all__ = ["VAEStep", "VAETask", "GANStep", "GANTask", "GMMNStep", "GMMNTask", "SampleGridHandler",
           "independent_pixels_log_likelihood"]


def independent_pixels_log_likelihood(train, test, smoothing=1.0):
    """Mean log-likelihood (nats per image) of binary ``test`` rows under independent Bernoulli pixels whose
    rates are the (Laplace-smoothed) means of ``train``: the baseline a generative model of binary images
    must beat."""
    train = np.asarray(train, dtype=np.float64).reshape(len(train), -1)
    test = np.asarray(test, dtype=np.float64).reshape(len(test), -1)
    rate = (train.sum(0) + smoothing) / (len(train) + 2 * smoothing)
    return float((test * np.log(rate) + (1 - test) * np.log1p(-rate)).sum(1).mean())


class VAEStep(TrainStep):
    """Maximizes the ELBO (DL 20.10.3): loss = ``-ELBO`` per sample, one reparameterized draw each.

    Parameters
    ----------
    binarize : float or None
        Threshold applied to the data of a Bernoulli-decoder VAE (pixels ``>= binarize`` become 1), so
        grey-level images train as binary images; None feeds the data as it is.
    """

    def __init__(self, binarize=0.5):
        super().__init__(num_inputs=1)
        self.binarize = binarize

    def visible(self, net, shard):
        x = batch_data(shard)
        x = x.reshape((x.shape[0], -1))
        if self.binarize is not None and net.decoder.decoder == "bernoulli":
            x = (x >= self.binarize).astype("float32")
        return x

    def train_step(self, trainer, batch):
        xs = [self.visible(trainer.net, shard) for shard in trainer.split(batch)]
        with autograd.record():
            losses = [-trainer.net.elbo(x) for x in xs]
        autograd.backward(losses)
        trainer.update()
        return StepOutput(None, None, losses)

    def eval_step(self, trainer, batch):
        return StepOutput(None, None, [-trainer.net.elbo(self.visible(trainer.net, shard))
                                       for shard in trainer.split(batch)])


class _SamplingTask(Task):
    """What the generative tasks share: sample grids written during ``gluonx train``."""

    def __init__(self, sample_grid=True):
        self.sample_grid = bool(sample_grid)

    def event_handlers(self, out):
        return [SampleGridHandler(os.path.join(out, "samples"))] if self.sample_grid else []


class VAETask(_SamplingTask):
    """Variational autoencoders (DL 20.10.3): loss ``-ELBO`` (nats per image); after training, the test
    importance-weighted log-likelihood with ``iwae_samples`` draws per image.

    Parameters
    ----------
    binarize : float or None
        See :class:`VAEStep`.
    iwae_samples : int
        Importance samples of the test log-likelihood.
    sample_grid : bool
        Write ``OUT/samples/epoch_N.png`` during ``gluonx train``.
    """

    name = "vae"
    primary_metric = "iwae_log_likelihood"

    def __init__(self, binarize=0.5, iwae_samples=500, sample_grid=True):
        super().__init__(sample_grid)
        self.binarize = binarize
        self.iwae_samples = positive_count("iwae_samples", iwae_samples)

    def create_step(self, loss):
        return VAEStep(self.binarize)

    def final_scalars(self, net, data, ctx=None):
        """Test ELBO and importance-weighted log-likelihood (nats per image), and the independent-pixels
        baseline fitted on the test images themselves (the best that baseline can do on them)."""
        step = VAEStep(self.binarize)
        rows = [data[i][0] if isinstance(data[i], tuple) else data[i] for i in range(len(data))]
        images = np.stack([np.asarray(r, dtype=np.float32) for r in rows])
        if images.dtype == np.uint8 or images.max() > 1:
            images = images / 255.0
        x = step.visible(net, nd.array(images, ctx=ctx))
        bounds, elbos = [], []
        for start in range(0, len(images), 100):
            part = x[start:start + 100]
            bounds.append(net.iwae_bound(part, self.iwae_samples).asnumpy())
            elbos.append(net.elbo(part).asnumpy())
        scalars = {"iwae_log_likelihood": float(np.concatenate(bounds).mean()),
                   "elbo": float(np.concatenate(elbos).mean())}
        if net.decoder.decoder == "bernoulli":
            binary = x.asnumpy()
            scalars["independent_pixels_log_likelihood"] = independent_pixels_log_likelihood(binary, binary)
        return scalars

    def result_lines(self, scalars, prefix="val_", label="test"):
        lines = []
        for key, text in (("iwae_log_likelihood", "importance-weighted log-likelihood ({} samples)".format(
                self.iwae_samples)), ("elbo", "ELBO"),
                ("independent_pixels_log_likelihood", "independent-pixels baseline (fitted on the test set)")):
            if prefix + key in scalars:
                lines.append("{} {}: {:.3f} nats/image".format(label, text, scalars[prefix + key]))
        return lines


class GANStep(TrainStep):
    """Alternating updates of a GAN (DL 20.10.4): the discriminator on real against generated samples (the
    generated ones detached), then the generator on the non-saturating loss ``-log sigmoid(d(g(z)))``
    through the updated discriminator; the trainer's optimizers ``discriminator`` and ``generator``.

    Losses reported: ``loss_d`` (the mean of the two cross-entropies) and ``loss_g``.
    """

    def __init__(self):
        super().__init__(num_inputs=1)
        self.bce = gluon.loss.SigmoidBinaryCrossEntropyLoss()

    def _losses(self, net, real, noise):
        ones, zeros = nd.ones((len(real), 1), ctx=real.context), nd.zeros((len(real), 1), ctx=real.context)
        fake = net.generator(noise)
        loss_d = (self.bce(net.discriminator(real), ones) + self.bce(net.discriminator(fake.detach()), zeros)) / 2
        return loss_d, ones

    def train_step(self, trainer, batch):
        net = trainer.net
        reals = [batch_data(shard) for shard in trainer.split(batch)]
        noises = [net.noise(len(x), x.context) for x in reals]
        with autograd.record():
            results = [self._losses(net, x, z) for x, z in zip(reals, noises)]
        loss_d = [loss for loss, _ in results]
        autograd.backward(loss_d)
        trainer.update(optimizer="discriminator")
        with autograd.record():
            loss_g = [self.bce(net.discriminator(net.generator(z)), ones) for z, (_, ones) in zip(noises, results)]
        autograd.backward(loss_g)
        trainer.update(optimizer="generator")
        return StepOutput(None, None, {"loss_d": loss_d, "loss_g": loss_g})

    def eval_step(self, trainer, batch):
        net = trainer.net
        reals = [batch_data(shard) for shard in trainer.split(batch)]
        loss_d, loss_g = [], []
        for x in reals:
            z = net.noise(len(x), x.context)
            d, ones = self._losses(net, x, z)
            loss_d.append(d)
            loss_g.append(self.bce(net.discriminator(net.generator(z)), ones))
        return StepOutput(None, None, {"loss_d": loss_d, "loss_g": loss_g})


class GANTask(_SamplingTask):
    """GANs (DL 20.10.4): two optimizers, ``discriminator`` then ``generator``, each built from the run's
    optimizer settings (:meth:`optimizer_groups`); losses ``loss_d`` and ``loss_g``. Keep-best checkpoints
    are off (no GAN loss says which generator is best): exports take the last checkpoint."""

    name = "gan"
    monitor = None
    primary_metric = "loss_g"

    def create_step(self, loss):
        return GANStep()

    def optimizer_groups(self, optimizer, optimizer_params):
        """The two optimizers of ``gluonx train``: the same settings for the discriminator and the generator."""
        return {"discriminator": OptimizerGroup(optimizer, dict(optimizer_params), params=r"^discriminator\."),
                "generator": OptimizerGroup(optimizer, dict(optimizer_params), params=r"^generator\.")}

    def result_lines(self, scalars, prefix="val_", label="test"):
        return ["{} {}: {:.4f}".format(label, name.replace("_", " "), scalars[prefix + name])
                for name in ("loss_d", "loss_g") if prefix + name in scalars]


class GMMNStep(TrainStep):
    """Generative moment matching (DL 20.10.5): the generator minimizes the squared MMD between a batch of its
    samples and the data batch (one per device), :func:`gluonx_generative.gmmn.mmd2`."""

    def _losses(self, net, real):
        fake = net.generator(nd.random.normal(shape=(len(real), net.latent_dim), ctx=real.context))
        return mmd2(nd, fake, real.reshape((len(real), -1)), net.bandwidths)

    def train_step(self, trainer, batch):
        reals = [batch_data(shard) for shard in trainer.split(batch)]
        with autograd.record():
            losses = [self._losses(trainer.net, x) for x in reals]
        autograd.backward(losses)
        trainer.update(num_samples=len(reals))
        return StepOutput(None, None, losses)

    def eval_step(self, trainer, batch):
        return StepOutput(None, None, [self._losses(trainer.net, batch_data(shard))
                                       for shard in trainer.split(batch)])


class GMMNTask(Task):
    """Generative moment matching networks (DL 20.10.5): loss = the minibatch squared MMD (one value per
    device and batch)."""

    name = "gmmn"
    primary_metric = "loss"

    def create_step(self, loss):
        return GMMNStep()

    def result_lines(self, scalars, prefix="val_", label="test"):
        return ["{} squared MMD (one batch against the data): {:.5f}".format(label, scalars[prefix + "loss"])] \
            if prefix + "loss" in scalars else []


class SampleGridHandler(EventHandler):
    """Writes a grid of ``num`` generated images to ``directory/epoch_N.png`` (atomically) at the end of every
    ``every``-th epoch, from the same noise each time (so the pictures show the training's progress).

    Works with nets that have ``sample``-like generators: a GAN with image outputs, a VAE (its decoder's means).
    Nets whose samples are not images (a 2-D GAN) are skipped.
    """

    def __init__(self, directory, every=1, num=64, seed=0, scale=3):
        self.directory = directory
        self.every = positive_count("every", every)
        self.num, self.seed, self.scale = positive_count("num", num), int(seed), int(scale)

    def epoch_end(self, trainer, scalars):
        from gluonx.deploy.image_grid import save_image_grid
        epoch = trainer.state.epoch + 1  # the epoch just finished, counted from 1
        if epoch % self.every:
            return
        images = generated_images(trainer.net, self.num, self.seed, trainer.ctx[0])
        if images is None:
            return
        os.makedirs(self.directory, exist_ok=True)
        save_image_grid(os.path.join(self.directory, "epoch_{}.png".format(epoch)), images, scale=self.scale)


def generated_images(net, num, seed, ctx):
    """``num`` images from a generator net (fixed noise from ``seed``), NumPy ``N x C x H x W``, or None when
    its samples are not images."""
    decoder = getattr(net, "decoder", None)
    if decoder is not None and hasattr(decoder, "image_shape"):
        generator, latent, shape = decoder, net.latent_dim, decoder.image_shape
    elif hasattr(net, "generator") and hasattr(net, "noise"):
        generator, latent, shape = net.generator, net.latent_dim, None
    else:
        return None
    z = nd.array(np.random.RandomState(seed).standard_normal((num, latent)), ctx=ctx)
    with autograd.predict_mode():
        images = generator(z).asnumpy()
    if images.ndim == 2:
        if shape is None:
            side = int(math.isqrt(images.shape[1]))
            if side * side != images.shape[1]:
                return None
            shape = (1, side, side)
        images = images.reshape((num,) + tuple(shape))
    return images if images.ndim == 4 else None
