"""Bridge sampling of a Bernoulli RBM's log partition function (DL 18.7.2).

Bridges the factorial base model ``p_0*(v) = exp(b_A^T v)`` (known ``Z_0 = prod_i (1 + exp(b_A,i))``) and the
RBM ``p_1*(v) = exp(-F(v))`` with the optimal bridge of Bennett / Meng and Wong, found by fixed-point
iteration on ``r = Z_1 / Z_0``::

    r <- mean_{v ~ p_0}[ w(v) / (s_1 w(v) + s_0 r) ] / mean_{v ~ p_1}[ 1 / (s_1 w(v) + s_0 r) ]

with ``w = p_1* / p_0*`` and ``s_k`` the fractions of samples from each side. Unlike AIS it needs samples of
the RBM itself (e.g. long block Gibbs chains), and it is accurate only when the two distributions overlap.
"""
import numpy as np

from .ais import base_rate_bias
from .exact import free_energy

__all__ = ["bridge_log_partition"]


def _logmeanexp(x):
    top = np.max(x)
    return top + np.log(np.mean(np.exp(x - top)))


def bridge_log_partition(weight, hidden_bias, visible_bias, model_samples, base_bias=None, num_base_samples=None,
                         iterations=200, seed=0):
    """Estimate ``log Z`` of a Bernoulli RBM by bridge sampling from a factorial base model (DL 18.7.2).

    Parameters
    ----------
    weight, hidden_bias, visible_bias : numpy.ndarray
        The RBM (see :func:`gluonx_generative.exact.rbm_arrays`).
    model_samples : array of shape (n, n_visible)
        Binary samples of the RBM (e.g. the final states of independent block Gibbs chains).
    base_bias : numpy.ndarray, optional
        Visible biases of the base model; default :func:`gluonx_generative.ais.base_rate_bias` of
        ``model_samples`` (the factorial model closest to the RBM's marginals).
    num_base_samples : int, optional
        Exact samples drawn from the base model (default: as many as ``model_samples``).
    iterations : int
        Fixed-point iterations (the iteration converges in a few dozen).
    seed : int

    Returns
    -------
    float
    """
    weight = np.asarray(weight, dtype=np.float64)
    hidden_bias = np.asarray(hidden_bias, dtype=np.float64)
    visible_bias = np.asarray(visible_bias, dtype=np.float64)
    samples = np.asarray(model_samples, dtype=np.float64)
    n_visible = weight.shape[1]
    if samples.ndim != 2 or samples.shape[1] != n_visible or len(samples) < 1:
        raise ValueError("model_samples must have shape (n, {}) with n >= 1, got {}".format(n_visible,
                                                                                          samples.shape))
    base_bias = base_rate_bias(samples) if base_bias is None else np.asarray(base_bias, dtype=np.float64)
    count = len(samples) if num_base_samples is None else int(num_base_samples)
    rng = np.random.default_rng(seed)
    base = (rng.random((count, n_visible)) < 1.0 / (1.0 + np.exp(-base_bias))).astype(np.float64)
    arrays = (weight, hidden_bias, visible_bias)
    log_w_base = -free_energy(base, *arrays) - base @ base_bias
    log_w_model = -free_energy(samples, *arrays) - samples @ base_bias
    log_s0, log_s1 = np.log(count / (count + len(samples))), np.log(len(samples) / (count + len(samples)))
    log_r = _logmeanexp(log_w_base)  # the importance-sampling estimate as a start
    for _ in range(int(iterations)):
        numerator = _logmeanexp(log_w_base - np.logaddexp(log_s1 + log_w_base, log_s0 + log_r))
        denominator = _logmeanexp(-np.logaddexp(log_s1 + log_w_model, log_s0 + log_r))
        log_r = numerator - denominator
    return float(np.logaddexp(0.0, base_bias).sum() + log_r)
