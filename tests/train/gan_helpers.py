"""A toy GAN on a 2-D Gaussian (D2L 17.1): the net, the data and a two-optimizer step, shared by tests and
the SIGKILL child process."""
import mxnet as mx
import numpy as np
from mxnet import autograd, gluon
from mxnet.gluon import nn

from gluonx.train import OptimizerGroup
from gluonx.train.step import StepOutput, TrainStep

#: D2L 17.1's data: N(0, I) mapped by A and shifted by b.
A = np.array([[1.0, 2.0], [-0.1, 0.5]], dtype=np.float32)
B = np.array([1.0, 2.0], dtype=np.float32)


def real_data(n=512, seed=0):
    return (np.random.RandomState(seed).normal(size=(n, 2)).astype(np.float32) @ A + B).astype(np.float32)


class Points:
    """A dataset of points only (the noise is drawn on the device): batches are 1-tuples."""

    def __init__(self, points):
        self.points = points

    def __len__(self):
        return len(self.points)

    def __getitem__(self, index):
        return (self.points[index],)

    def take(self, indices):
        return (self.points[indices],)


class ToyGAN(nn.HybridBlock):
    """Generator: one Dense(2) (an affine map of noise, as in D2L 17.1); discriminator: a small MLP."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.generator = nn.Dense(2, in_units=2)
            self.discriminator = nn.HybridSequential()
            self.discriminator.add(nn.Dense(5, in_units=2, activation="tanh"),
                                   nn.Dense(3, in_units=5, activation="tanh"), nn.Dense(1, in_units=3))

    def hybrid_forward(self, F, z):
        return self.generator(z)


def make_gan(seed=0):
    mx.random.seed(seed)
    net = ToyGAN()
    net.initialize(mx.init.Normal(0.02))
    return net


def optimizer_groups(schedule=True):
    """D2L 17.1's learning rates; the generator's on a step schedule (each optimizer its own)."""
    g_params = {"learning_rate": 0.02}
    if schedule:
        g_params["lr_scheduler"] = mx.lr_scheduler.FactorScheduler(step=20, factor=0.7, base_lr=0.02)
    return {"discriminator": OptimizerGroup("adam", {"learning_rate": 0.05}, params=r"^discriminator\."),
            "generator": OptimizerGroup("adam", g_params, params=r"^generator\.")}


class GANStep(TrainStep):
    """Alternating updates (DL 20.10.4, D2L 17.1): the discriminator on real and generated points, then the
    generator through the updated discriminator. Noise is drawn on each device from MXNet's stream."""

    def __init__(self):
        super().__init__()
        self.bce = gluon.loss.SigmoidBinaryCrossEntropyLoss()

    def train_step(self, trainer, batch):
        shards = trainer.split(batch, scale=())
        net = trainer.net
        noise = [mx.nd.random.normal(shape=x.shape, ctx=x.context) for (x,) in shards]
        with autograd.record():
            loss_d = []
            for (x,), z in zip(shards, noise):
                ones, zeros = mx.nd.ones((x.shape[0], 1), ctx=x.context), mx.nd.zeros((x.shape[0], 1), ctx=x.context)
                fake = net.generator(z).detach()
                loss_d.append((self.bce(net.discriminator(x), ones) + self.bce(net.discriminator(fake), zeros)) / 2)
        autograd.backward(loss_d)
        trainer.update(optimizer="discriminator")
        with autograd.record():
            loss_g = [self.bce(net.discriminator(net.generator(z)), mx.nd.ones((z.shape[0], 1), ctx=z.context))
                      for z in noise]
        autograd.backward(loss_g)
        trainer.update(optimizer="generator")
        return StepOutput(None, None, {"loss_d": loss_d, "loss_g": loss_g})

    def eval_step(self, trainer, batch):
        shards = trainer.split(batch, scale=())
        net = trainer.net
        losses = []
        for (x,) in shards:
            z = mx.nd.random.normal(shape=x.shape, ctx=x.context)
            losses.append(self.bce(net.discriminator(net.generator(z)), mx.nd.ones((x.shape[0], 1), ctx=x.context)))
        return StepOutput(None, None, {"loss_g": losses})
