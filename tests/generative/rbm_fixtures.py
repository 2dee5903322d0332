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


def state_codes(samples):
    """Index of each binary row in the order of :func:`gluonx_generative.exact.all_binary_states`."""
    samples = np.asarray(samples).astype(int)
    return (samples * (2 ** np.arange(samples.shape[1] - 1, -1, -1))).sum(axis=1)


def chi_square_p_value(samples, probabilities, null=True):
    """p-value of Pearson's chi-square goodness of fit of binary ``samples`` to the exact ``probabilities`` of
    every state (SciPy). Under the null hypothesis (``null``) the expected counts must all exceed 5 for the
    approximation to hold; a check meant to reject another distribution skips that condition."""
    from scipy import stats
    counts = np.bincount(state_codes(samples), minlength=len(probabilities))
    expected = len(samples) * np.asarray(probabilities)
    assert not null or expected.min() > 5, "too few samples for the chi-square approximation"
    return stats.chisquare(counts, expected)[1]
