"""Coordinate descent: minimize over one coordinate at a time, for the models where each coordinate's problem
has a closed form -- lasso and elastic-net linear regression, and convex quadratics.

The lasso objective is scikit-learn's, ``1/(2n) ||y - X w - b||^2 + alpha l1_ratio ||w||_1
+ alpha (1 - l1_ratio)/2 ||w||^2``; each coordinate update is a soft-thresholding. Updates use the Gram
matrix ``X'X`` (one ``p``-vector product per coordinate), so the cost per sweep is ``O(p^2)`` whatever
the number of samples. :func:`fit_dense` writes the solution into a Gluon ``Dense`` layer.

Examples
--------
>>> import numpy as np
>>> X = np.random.randn(100, 5); y = X @ np.array([2.0, 0, 0, -1.0, 0]) + 0.01 * np.random.randn(100)
>>> result = lasso(X, y, alpha=0.05)
>>> result.coef.round(1)                                              # doctest: +SKIP
array([ 1.9,  0. , -0. , -0.9,  0. ])

References
----------
DL 8.7.2 (coordinate descent), DL 7.1.2 (L1 regularization), DL 4.5 (linear least squares).
"""
import dataclasses

import numpy as np

__all__ = ["CoordinateDescentResult", "lasso", "minimize_quadratic", "fit_dense"]


@dataclasses.dataclass
class CoordinateDescentResult:
    """Solution of a coordinate-descent run."""

    coef: np.ndarray
    intercept: float
    n_iter: int
    objective: float
    converged: bool


def _as_numpy(array, name, ndim):
    if hasattr(array, "asnumpy"):
        array = array.asnumpy()
    array = np.asarray(array, dtype=np.float64)
    if array.ndim != ndim:
        raise ValueError("coordinate descent: {} must be {}-D, got shape {}".format(name, ndim, array.shape))
    if not np.all(np.isfinite(array)):
        raise ValueError("coordinate descent: {} contains NaN or infinity".format(name))
    return array


def _soft_threshold(value, threshold):
    return np.sign(value) * max(abs(value) - threshold, 0.0)


def lasso(X, y, alpha, l1_ratio=1.0, fit_intercept=True, max_iter=1000, tol=1e-8, coef=None):
    """Lasso / elastic net by cyclic coordinate descent.

    Parameters
    ----------
    X : array-like or NDArray, shape (n, p)
    y : array-like or NDArray, shape (n,)
    alpha : float
        Regularization strength (>= 0).
    l1_ratio : float
        Share of L1 in the penalty, in [0, 1] (1: lasso).
    fit_intercept : bool
        Fit an unpenalized intercept (by centring ``X`` and ``y``).
    max_iter : int
        Maximum number of sweeps over the coordinates.
    tol : float
        Stop when no coordinate moved more than ``tol`` times the largest coefficient in a sweep.
    coef : array-like, optional
        Starting coefficients (warm start).

    Returns
    -------
    CoordinateDescentResult
    """
    X = _as_numpy(X, "X", 2)
    y = _as_numpy(y, "y", 1)
    n, p = X.shape
    if y.shape[0] != n:
        raise ValueError("lasso: X has {} rows but y has {} entries".format(n, y.shape[0]))
    if alpha < 0 or not 0.0 <= l1_ratio <= 1.0:
        raise ValueError("lasso: expected alpha >= 0 and l1_ratio in [0, 1], got alpha={!r}, l1_ratio={!r}".format(
            alpha, l1_ratio))
    x_mean = X.mean(axis=0) if fit_intercept else np.zeros(p)
    y_mean = y.mean() if fit_intercept else 0.0
    Xc, yc = X - x_mean, y - y_mean
    gram = Xc.T @ Xc / n
    correlation = Xc.T @ yc / n
    l1, l2 = alpha * l1_ratio, alpha * (1.0 - l1_ratio)
    w = np.zeros(p) if coef is None else _as_numpy(coef, "coef", 1).copy()
    converged = False
    iteration = 0
    for iteration in range(1, max_iter + 1):
        largest_change = 0.0
        for j in range(p):
            if gram[j, j] == 0:
                continue
            # Partial residual correlation with coordinate j left out: rho_j = (X_j' r + G_jj w_j) / n.
            rho = correlation[j] - gram[j] @ w + gram[j, j] * w[j]
            new = _soft_threshold(rho, l1) / (gram[j, j] + l2)
            largest_change = max(largest_change, abs(new - w[j]))
            w[j] = new
        if largest_change <= tol * max(np.abs(w).max(), 1e-12):
            converged = True
            break
    residual = yc - Xc @ w
    objective = residual @ residual / (2 * n) + l1 * np.abs(w).sum() + 0.5 * l2 * w @ w
    return CoordinateDescentResult(coef=w, intercept=float(y_mean - x_mean @ w), n_iter=iteration,
                                   objective=float(objective), converged=converged)


def minimize_quadratic(A, b, x0=None, max_iter=1000, tol=1e-10):
    """Minimize ``1/2 x'Ax - b'x`` (``A`` symmetric positive definite) one coordinate at a time.

    Each coordinate is set to its exact minimizer given the others (Gauss-Seidel), the book's example of
    coordinate descent on a function whose coordinates interact.

    Returns
    -------
    CoordinateDescentResult
        ``intercept`` is 0; ``objective`` is the final value.
    """
    A = _as_numpy(A, "A", 2)
    b = _as_numpy(b, "b", 1)
    if A.shape != (b.size, b.size) or not np.allclose(A, A.T):
        raise ValueError("minimize_quadratic: A must be a symmetric ({0}, {0}) matrix, got shape {1}".format(
            b.size, A.shape))
    if np.any(np.diag(A) <= 0):
        raise ValueError("minimize_quadratic: A must be positive definite (its diagonal has entries <= 0)")
    x = np.zeros(b.size) if x0 is None else _as_numpy(x0, "x0", 1).copy()
    converged = False
    iteration = 0
    for iteration in range(1, max_iter + 1):
        largest_change = 0.0
        for j in range(b.size):
            new = (b[j] - A[j] @ x + A[j, j] * x[j]) / A[j, j]
            largest_change = max(largest_change, abs(new - x[j]))
            x[j] = new
        if largest_change <= tol * max(np.abs(x).max(), 1e-12):
            converged = True
            break
    return CoordinateDescentResult(coef=x, intercept=0.0, n_iter=iteration,
                                   objective=float(0.5 * x @ A @ x - b @ x), converged=converged)


def fit_dense(dense, X, y, alpha, **kwargs):
    """Fit a Gluon ``Dense(1)`` layer (initialized, ``in_units`` = number of features) by :func:`lasso`.

    Returns the :class:`CoordinateDescentResult`; the layer's weight and bias hold the solution.
    """
    import mxnet as mx
    result = lasso(X, y, alpha, **kwargs)
    weight = dense.weight
    if tuple(weight.shape) != (1, result.coef.size):
        raise ValueError("fit_dense: expected a Dense layer with weight shape (1, {}), got {}".format(
            result.coef.size, weight.shape))
    weight.set_data(mx.nd.array(result.coef[None, :], dtype=weight.dtype))
    if dense.bias is not None:
        dense.bias.set_data(mx.nd.array([result.intercept], dtype=dense.bias.dtype))
    return result
