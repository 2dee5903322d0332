"""Markov chain Monte Carlo samplers and their mixing diagnostics (DL 17.3-17.5).

Samplers:

- :func:`run_chain` -- any block Gibbs transition (an RBM's or a DBM's ``gibbs_step``, DL 17.4) run for a
  number of steps with burn-in and thinning, recording a trace;
- :func:`block_gibbs` -- block Gibbs on a Bernoulli RBM's arrays (the baseline of the tempered samplers);
- :func:`tempered_transitions` -- Neal's tempered transitions for a Bernoulli RBM (DL 17.5.1): a sweep up to
  a high temperature and back, accepted by a Metropolis test, so a chain can cross between modes that block
  Gibbs at temperature 1 rarely leaves;
- :func:`parallel_tempering` -- replica exchange between chains at several temperatures (DL 17.5.1).

The tempered samplers work on the RBM's arrays in float64 NumPy (like :mod:`gluonx_generative.ais`), vectorized
over independent chains; the family of distributions is the RBM with every parameter scaled by ``beta``,
``p_beta(v) ~ exp(-F_{beta theta}(v))``, from the uniform distribution (``beta = 0``) to the model (``beta = 1``).

Diagnostics (DL 17.3.1, 17.5: a chain that mixes slowly gives correlated, unrepresentative samples):
:func:`autocorrelation`, :func:`integrated_autocorrelation_time`, :func:`effective_sample_size`,
:func:`r_hat` (Gelman-Rubin potential scale reduction over several chains) and :func:`mode_hopping_rate`.
"""
import numpy as np

__all__ = ["run_chain", "block_gibbs", "tempered_transitions", "parallel_tempering", "autocorrelation",
           "integrated_autocorrelation_time", "effective_sample_size", "r_hat", "mode_hopping_rate",
           "TemperedResult"]


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError("{} must be a positive integer, got {!r}".format(name, value))
    return int(value)


def run_chain(transition, start, steps, burn_in=0, thin=1, record=None):
    """Run a Markov chain ``x_{t+1} = transition(x_t)`` (DL 17.3).

    Parameters
    ----------
    transition : callable
        One transition that leaves the target distribution invariant, e.g. ``rbm.gibbs_step`` (a block Gibbs
        step, DL 17.4) or a DBM's ``gibbs_step``.
    start : state
        The initial state (an NDArray, a tuple of NDArrays...).
    steps : int
        Transitions after burn-in.
    burn_in : int
        Transitions run first and not recorded.
    thin : int
        Record every ``thin``-th state.
    record : callable, optional
        ``record(state)`` -> what is kept in the trace (default: the state as a NumPy array).

    Returns
    -------
    (final_state, trace) : the last state and the list of recorded values.
    """
    steps, thin = _positive_int("steps", steps), _positive_int("thin", thin)
    if int(burn_in) < 0:
        raise ValueError("burn_in must be non-negative, got {}".format(burn_in))
    record = record or (lambda state: state.asnumpy() if hasattr(state, "asnumpy") else np.asarray(state))
    from mxnet import autograd
    state, trace = start, []
    with autograd.pause():
        for _ in range(int(burn_in)):
            state = transition(state)
        for step in range(steps):
            state = transition(state)
            if (step + 1) % thin == 0:
                trace.append(record(state))
    return state, trace


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _arrays(weight, hidden_bias, visible_bias):
    return (np.asarray(weight, dtype=np.float64), np.asarray(hidden_bias, dtype=np.float64),
            np.asarray(visible_bias, dtype=np.float64))


def _log_unnormalized(v, beta, weight, hidden_bias, visible_bias):
    """``-F_{beta theta}(v)`` of the RBM with every parameter scaled by ``beta``."""
    return beta * (v @ visible_bias) + np.logaddexp(0.0, beta * (v @ weight.T + hidden_bias)).sum(axis=1)


def _gibbs(v, beta, weight, hidden_bias, visible_bias, rng):
    h = (rng.random((len(v), len(hidden_bias))) < _sigmoid(beta * (v @ weight.T + hidden_bias))).astype(float)
    return (rng.random(v.shape) < _sigmoid(beta * (h @ weight + visible_bias))).astype(float)


def block_gibbs(weight, hidden_bias, visible_bias, start, steps=1, beta=1.0, seed=0, trace=None):
    """``steps`` block Gibbs steps ``v -> h ~ p(h | v) -> v ~ p(v | h)`` of a Bernoulli RBM (DL 17.4) at
    inverse temperature ``beta``, vectorized over chains (rows of ``start``); appends each state to ``trace``
    when given. Returns the final states."""
    arrays = _arrays(weight, hidden_bias, visible_bias)
    rng = np.random.default_rng(seed)
    v = np.asarray(start, dtype=np.float64).copy()
    for _ in range(_positive_int("steps", steps)):
        v = _gibbs(v, float(beta), *arrays, rng)
        if trace is not None:
            trace.append(v.copy())
    return v


def _check_betas(betas):
    betas = np.asarray(betas, dtype=np.float64)
    if betas.ndim != 1 or len(betas) < 1 or np.any(betas <= 0) or np.any(betas >= 1):
        raise ValueError("betas must be a non-empty list of inverse temperatures in (0, 1), got {}".format(
            betas.tolist()))
    return betas


class TemperedResult(tuple):
    """``(samples, acceptance_rate)``: the chains' final states and the fraction of accepted proposals."""

    __slots__ = ()

    def __new__(cls, samples, acceptance_rate):
        return tuple.__new__(cls, (samples, acceptance_rate))

    samples = property(lambda self: self[0])
    acceptance_rate = property(lambda self: self[1])


def tempered_transitions(weight, hidden_bias, visible_bias, start, betas, sweeps=1, seed=0, trace=None):
    """Neal's tempered transitions for a Bernoulli RBM (DL 17.5.1), vectorized over chains.

    One sweep heats the state through ``1 > betas[0] > ... > betas[-1]`` with one block Gibbs step at each
    level, cools it back through the same levels in reverse, and accepts the end state with probability
    ``min(1, prod_i p_i(x^_{i-1}) / p_{i-1}(x^_{i-1}) * prod_i p_{i-1}(x~_{i-1}) / p_i(x~_{i-1}))`` (hats on
    the way up, tildes on the way down); block Gibbs is reversible, so the sweep leaves ``p`` invariant.

    Parameters
    ----------
    weight, hidden_bias, visible_bias : numpy.ndarray
        The RBM (:func:`gluonx_generative.exact.rbm_arrays`).
    start : array of shape (chains, n_visible)
        Binary initial states.
    betas : sequence of float
        Decreasing inverse temperatures in (0, 1) (the ladder below ``beta = 1``).
    sweeps : int
    seed : int
    trace : list, optional
        When given, the state after each sweep is appended (for mixing diagnostics).

    Returns
    -------
    TemperedResult
    """
    arrays = _arrays(weight, hidden_bias, visible_bias)
    ladder = np.concatenate([[1.0], _check_betas(betas)])
    rng = np.random.default_rng(seed)
    v = np.asarray(start, dtype=np.float64).copy()
    accepted = 0
    sweeps = _positive_int("sweeps", sweeps)
    for _ in range(sweeps):
        log_ratio = np.zeros(len(v))
        x = v
        for i in range(1, len(ladder)):              # heating: x^_{i-1} -> x^_i under T_i
            log_ratio += _log_unnormalized(x, ladder[i], *arrays) - _log_unnormalized(x, ladder[i - 1], *arrays)
            x = _gibbs(x, ladder[i], *arrays, rng)
        for i in range(len(ladder) - 1, 0, -1):      # cooling: x~_i -> x~_{i-1} under T_i
            x = _gibbs(x, ladder[i], *arrays, rng)
            log_ratio += _log_unnormalized(x, ladder[i - 1], *arrays) - _log_unnormalized(x, ladder[i], *arrays)
        accept = np.log(rng.random(len(v))) < log_ratio
        v = np.where(accept[:, None], x, v)
        accepted += int(accept.sum())
        # A plain block Gibbs step at beta = 1 between sweeps keeps local moves cheap.
        v = _gibbs(v, 1.0, *arrays, rng)
        if trace is not None:
            trace.append(v.copy())
    return TemperedResult(v, accepted / float(sweeps * len(v)))


def parallel_tempering(weight, hidden_bias, visible_bias, start, betas, steps=1, seed=0, trace=None):
    """Parallel tempering (replica exchange, DL 17.5.1) for a Bernoulli RBM, vectorized over chains.

    Each chain keeps one replica per inverse temperature ``1 > betas[0] > ...``; every step does one block
    Gibbs step in every replica, then proposes swapping the states of neighbouring temperatures, accepted
    with probability ``min(1, p_i(x_j) p_j(x_i) / (p_i(x_i) p_j(x_j)))``; the ``beta = 1`` replica is a chain
    of the model.

    Returns
    -------
    TemperedResult
        The ``beta = 1`` replicas and the swap acceptance rate.
    """
    arrays = _arrays(weight, hidden_bias, visible_bias)
    ladder = np.concatenate([[1.0], _check_betas(betas)])
    rng = np.random.default_rng(seed)
    start = np.asarray(start, dtype=np.float64)
    replicas = [start.copy() for _ in ladder]
    accepted = proposed = 0
    for step in range(_positive_int("steps", steps)):
        replicas = [_gibbs(x, beta, *arrays, rng) for x, beta in zip(replicas, ladder)]
        # Alternate even and odd neighbour pairs so every pair is tried.
        for i in range(step % 2, len(ladder) - 1, 2):
            a, b = replicas[i], replicas[i + 1]
            log_ratio = (_log_unnormalized(b, ladder[i], *arrays) + _log_unnormalized(a, ladder[i + 1], *arrays)
                         - _log_unnormalized(a, ladder[i], *arrays) - _log_unnormalized(b, ladder[i + 1], *arrays))
            swap = np.log(rng.random(len(a))) < log_ratio
            replicas[i] = np.where(swap[:, None], b, a)
            replicas[i + 1] = np.where(swap[:, None], a, b)
            accepted += int(swap.sum())
            proposed += len(a)
        if trace is not None:
            trace.append(replicas[0].copy())
    return TemperedResult(replicas[0], accepted / float(max(proposed, 1)))


def autocorrelation(x, max_lag=None):
    """Normalized autocorrelation ``rho(t)`` of a scalar chain for lags ``0..max_lag`` (DL 17.3.1)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or len(x) < 2:
        raise ValueError("autocorrelation needs a 1-D chain of at least 2 values, got shape {}".format(x.shape))
    n = len(x)
    max_lag = n - 1 if max_lag is None else min(int(max_lag), n - 1)
    centered = x - x.mean()
    size = 1 << int(np.ceil(np.log2(2 * n)))         # zero padding: a linear, not circular, correlation
    spectrum = np.fft.rfft(centered, size)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), size)[:max_lag + 1]
    if acov[0] <= 0:
        return np.ones(max_lag + 1)                  # a constant chain: perfectly correlated
    return acov / acov[0]


def integrated_autocorrelation_time(x, window_factor=5.0):
    """``tau = 1 + 2 sum_t rho(t)`` with Sokal's automatic window (the smallest ``M`` with ``M >= c tau(M)``)."""
    rho = autocorrelation(x)
    taus = 2.0 * np.cumsum(rho) - 1.0
    window = np.arange(len(taus)) >= window_factor * taus
    index = int(np.argmax(window)) if window.any() else len(taus) - 1
    return float(taus[index])


def effective_sample_size(x):
    """``n / tau`` of a scalar chain, or the sum over chains of a ``(chains, n)`` array (DL 17.3.1)."""
    x = np.asarray(x, dtype=np.float64)
    chains = x[None] if x.ndim == 1 else x
    return float(sum(len(chain) / max(integrated_autocorrelation_time(chain), 1e-12) for chain in chains))


def r_hat(chains):
    """Gelman-Rubin potential scale reduction of ``(m chains, n draws)`` of a scalar: ``sqrt(V / W)`` with
    ``W`` the mean within-chain variance and ``V = (n - 1) / n W + B / n`` (``B / n`` the variance of the chain
    means). Values near 1 mean the chains agree; well above 1 (say > 1.1), they have not mixed."""
    chains = np.asarray(chains, dtype=np.float64)
    if chains.ndim != 2 or chains.shape[0] < 2 or chains.shape[1] < 2:
        raise ValueError("r_hat needs at least 2 chains of at least 2 draws, shape (m, n), got {}".format(
            chains.shape))
    n = chains.shape[1]
    within = chains.var(axis=1, ddof=1).mean()
    between_over_n = chains.mean(axis=1).var(ddof=1)
    pooled = (n - 1) / n * within + between_over_n
    return float(np.sqrt(pooled / within)) if within > 0 else float("inf")


def mode_hopping_rate(labels):
    """Fraction of transitions where the mode label changes, for ``(n,)`` or ``(chains, n)`` labels (DL 17.5:
    mixing between separated modes)."""
    labels = np.asarray(labels)
    labels = labels[None] if labels.ndim == 1 else labels
    if labels.shape[-1] < 2:
        raise ValueError("mode_hopping_rate needs at least 2 labels per chain, got {}".format(labels.shape))
    return float(np.mean(labels[:, 1:] != labels[:, :-1]))
