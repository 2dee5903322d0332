"""Small random Bernoulli RBMs shared by the generative tests (their exact quantities are enumerable)."""
import mxnet as mx
import numpy as np

from gluonx_generative.rbm import BernoulliRBM


def random_rbm(n_visible, n_hidden, seed, scale=1.0):
    """A BernoulliRBM with N(0, scale^2) weights and biases (seeded), initialized on the CPU."""
    rng = np.random.RandomState(seed)
    rbm = BernoulliRBM(n_visible, n_hidden)
    rbm.initialize()
    rbm.weight.set_data(mx.nd.array(scale * rng.randn(n_hidden, n_visible)))
    rbm.hidden_bias.set_data(mx.nd.array(scale * rng.randn(n_hidden)))
    rbm.visible_bias.set_data(mx.nd.array(scale * rng.randn(n_visible)))
    return rbm
