"""Annealed importance sampling of a Bernoulli RBM's log partition function (DL 18.7.1).

The base distribution is the RBM with no weights and visible biases ``b_A`` (a factorial "base rate" model,
usually fitted to the data's marginals); the intermediate distributions use all parameters scaled by
``beta``::

    p*_beta(v) = exp((1 - beta) b_A^T v + beta b^T v) * prod_j (1 + exp(beta (c_j + W_j v)))

(Salakhutdinov & Murray's construction, which DL 18.7.1 describes), with a linear ``beta`` schedule from 0 to 1.
Each transition is one block Gibbs step that leaves ``p*_beta`` invariant. The result is ``log Z_A`` plus the
log of the mean importance weight (a stochastic lower bound of ``log Z`` in expectation, by Jensen).
"""
import collections

import numpy as np

__all__ = ["AISResult", "base_rate_bias", "ais_log_partition"]

#: ``log_z``: the estimate; ``log_weights``: one log importance weight per chain (their spread is the
#: diagnostic the book suggests: a few dominant weights mean the schedule is too short).
AISResult = collections.namedtuple("AISResult", ["log_z", "log_weights"])


def base_rate_bias(data, smoothing=1e-3):
    """Visible biases of the factorial model matching the data's marginals: ``log(p / (1 - p))``."""
    p = np.clip(np.asarray(data, dtype=np.float64).mean(axis=0), smoothing, 1.0 - smoothing)
    return np.log(p) - np.log1p(-p)


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _log_unnormalized(v, beta, weight, hidden_bias, visible_bias, base_bias):
    return (v @ ((1.0 - beta) * base_bias + beta * visible_bias)
            + np.logaddexp(0.0, beta * (v @ weight.T + hidden_bias)).sum(axis=1))


def ais_log_partition(weight, hidden_bias, visible_bias, base_bias=None, num_betas=1000, num_chains=100, seed=0):
    """Estimate ``log Z`` of a Bernoulli RBM by annealed importance sampling (DL 18.7.1).

    Parameters
    ----------
    weight, hidden_bias, visible_bias : numpy.ndarray
        The RBM's ``(n_hidden, n_visible)`` weights and biases (see :func:`gluonx_generative.exact.rbm_arrays`).
    base_bias : numpy.ndarray, optional
        Visible biases of the base model (default zeros: the uniform distribution);
        :func:`base_rate_bias` of the training data makes a much closer start.
    num_betas : int
        Number of inverse temperatures in the linear schedule ``0 = beta_0 < ... < beta_K = 1``.
    num_chains : int
        Independent annealing runs averaged in the estimate.
    seed : int

    Returns
    -------
    AISResult
    """
    weight = np.asarray(weight, dtype=np.float64)
    hidden_bias = np.asarray(hidden_bias, dtype=np.float64)
    visible_bias = np.asarray(visible_bias, dtype=np.float64)
    n_hidden, n_visible = weight.shape
    base_bias = np.zeros(n_visible) if base_bias is None else np.asarray(base_bias, dtype=np.float64)
    if base_bias.shape != (n_visible,):
        raise ValueError("base_bias must have shape ({},), got {}".format(n_visible, base_bias.shape))
    if int(num_betas) < 2 or int(num_chains) < 1:
        raise ValueError("num_betas must be at least 2 and num_chains at least 1, got {} and {}".format(
            num_betas, num_chains))
    rng = np.random.default_rng(seed)
    betas = np.linspace(0.0, 1.0, int(num_betas))
    v = (rng.random((int(num_chains), n_visible)) < _sigmoid(base_bias)).astype(np.float64)
    log_w = np.zeros(int(num_chains))
    args = (weight, hidden_bias, visible_bias, base_bias)
    for previous, beta in zip(betas[:-1], betas[1:]):
        log_w += _log_unnormalized(v, beta, *args) - _log_unnormalized(v, previous, *args)
        h = (rng.random((len(v), n_hidden)) < _sigmoid(beta * (v @ weight.T + hidden_bias))).astype(np.float64)
        field = (1.0 - beta) * base_bias + beta * (visible_bias + h @ weight)
        v = (rng.random(v.shape) < _sigmoid(field)).astype(np.float64)
    log_z_base = n_hidden * np.log(2.0) + np.logaddexp(0.0, base_bias).sum()
    top = log_w.max()
    return AISResult(log_z_base + top + np.log(np.mean(np.exp(log_w - top))), log_w)
