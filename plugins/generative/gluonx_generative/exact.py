"""Exact quantities of small Bernoulli RBMs by enumeration (DL 16.2.2, 18.1), in float64 NumPy.

These are the references the estimators are checked against: the partition function over all ``2**n_visible``
visible vectors, exact log-likelihoods, the model's distribution over visible states and the full
pseudo-likelihood (DL 18.3). Enumeration is feasible up to about 20 visible units.
"""
import numpy as np

__all__ = ["MAX_ENUMERATED", "rbm_arrays", "all_binary_states", "free_energy", "log_partition",
           "log_likelihood", "visible_distribution", "pseudo_log_likelihood"]

#: Enumeration refuses larger models (2**20 states of float64 free energies is 8 MB).
MAX_ENUMERATED = 20


def rbm_arrays(rbm):
    """``(weight, hidden_bias, visible_bias)`` of a :class:`~gluonx_generative.rbm.BernoulliRBM` as float64."""
    return tuple(p.data().asnumpy().astype(np.float64) for p in (rbm.weight, rbm.hidden_bias, rbm.visible_bias))


def all_binary_states(n):
    """All ``2**n`` binary vectors of length ``n``, shape ``(2**n, n)``; row ``k`` is ``k`` in binary."""
    if not 0 < n <= MAX_ENUMERATED:
        raise ValueError("enumeration needs 1 to {} units, got {}".format(MAX_ENUMERATED, n))
    codes = np.arange(2 ** n)[:, None]
    return ((codes >> np.arange(n)[::-1]) & 1).astype(np.float64)


def free_energy(v, weight, hidden_bias, visible_bias):
    """``F(v) = -b^T v - sum_j log(1 + exp(c_j + W_j v))`` (float64)."""
    v = np.asarray(v, dtype=np.float64)
    return -v @ visible_bias - np.logaddexp(0.0, v @ weight.T + hidden_bias).sum(axis=1)


def _logsumexp(x):
    top = np.max(x)
    return top + np.log(np.sum(np.exp(x - top)))


def log_partition(weight, hidden_bias, visible_bias):
    """Exact ``log Z = log sum_v exp(-F(v))`` over all visible vectors."""
    return _logsumexp(-free_energy(all_binary_states(weight.shape[1]), weight, hidden_bias, visible_bias))


def log_likelihood(v, weight, hidden_bias, visible_bias):
    """Exact ``log p(v) = -F(v) - log Z`` of each row of ``v``."""
    return -free_energy(v, weight, hidden_bias, visible_bias) - log_partition(weight, hidden_bias, visible_bias)


def visible_distribution(weight, hidden_bias, visible_bias):
    """``p(v)`` of every visible vector, in the order of :func:`all_binary_states`."""
    log_p = -free_energy(all_binary_states(weight.shape[1]), weight, hidden_bias, visible_bias)
    log_p -= _logsumexp(log_p)
    return np.exp(log_p)


def pseudo_log_likelihood(v, weight, hidden_bias, visible_bias):
    """``sum_i log p(v_i | v_-i)`` of each row of binary ``v`` (DL 18.3), with
    ``p(v_i | v_-i) = sigmoid(F(v^(i)) - F(v))`` where ``v^(i)`` has bit ``i`` flipped."""
    v = np.asarray(v, dtype=np.float64)
    base = free_energy(v, weight, hidden_bias, visible_bias)
    total = np.zeros(len(v))
    for i in range(v.shape[1]):
        flipped = v.copy()
        flipped[:, i] = 1.0 - flipped[:, i]
        total -= np.logaddexp(0.0, -(free_energy(flipped, weight, hidden_bias, visible_bias) - base))
    return total
