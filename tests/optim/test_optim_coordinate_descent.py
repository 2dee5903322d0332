"""Coordinate descent against scikit-learn's Lasso / ElasticNet and NumPy's linear solver."""
import mxnet as mx
import numpy as np
import pytest
from sklearn.datasets import load_diabetes
from sklearn.linear_model import ElasticNet, Lasso

from gluonx_optim.coordinate_descent import fit_dense, lasso, minimize_quadratic


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X, y


@pytest.mark.parametrize("alpha, l1_ratio", [(0.1, 1.0), (0.01, 1.0), (0.05, 0.5), (0.05, 0.1)])
def test_matches_scikit_learn(diabetes, alpha, l1_ratio):
    X, y = diabetes
    ours = lasso(X, y, alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=100000)
    model = Lasso(alpha=alpha, tol=1e-12, max_iter=100000) if l1_ratio == 1.0 else \
        ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=100000)
    model.fit(X, y)
    assert ours.converged
    np.testing.assert_allclose(ours.coef, model.coef_, rtol=1e-6, atol=1e-6 * np.abs(model.coef_).max())
    assert ours.intercept == pytest.approx(model.intercept_, rel=1e-8)
    if l1_ratio == 1.0 and alpha >= 0.1:
        assert np.sum(ours.coef == 0.0) >= 1   # the L1 penalty zeroes coordinates exactly


def test_pure_l2_penalty_gives_the_ridge_closed_form(diabetes):
    X, y = diabetes
    ours = lasso(X, y, alpha=0.05, l1_ratio=0.0, tol=1e-12, max_iter=100000)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    n = X.shape[0]
    ridge = np.linalg.solve(Xc.T @ Xc / n + 0.05 * np.eye(X.shape[1]), Xc.T @ yc / n)
    np.testing.assert_allclose(ours.coef, ridge, rtol=1e-6, atol=1e-6 * np.abs(ridge).max())


def test_quadratic_coordinate_minimization_solves_the_linear_system():
    rng = np.random.RandomState(0)
    M = rng.randn(6, 6)
    A, b = M @ M.T + 6 * np.eye(6), rng.randn(6)
    result = minimize_quadratic(A, b)
    assert result.converged
    np.testing.assert_allclose(result.coef, np.linalg.solve(A, b), rtol=1e-8)


def test_fit_dense_writes_the_solution_into_a_gluon_layer(diabetes):
    X, y = diabetes
    dense = mx.gluon.nn.Dense(1, in_units=X.shape[1], dtype="float64")
    dense.initialize()
    result = fit_dense(dense, mx.nd.array(X, dtype="float64"), mx.nd.array(y, dtype="float64"), alpha=0.1)
    predicted = dense(mx.nd.array(X, dtype="float64")).asnumpy().ravel()
    np.testing.assert_allclose(predicted, X @ result.coef + result.intercept, rtol=1e-10)


@pytest.mark.parametrize("call, message", [
    (lambda: lasso(np.ones((3, 2)), np.ones(4), 0.1), "X has 3 rows but y has 4 entries"),
    (lambda: lasso(np.ones(3), np.ones(3), 0.1), "X must be 2-D, got shape (3,)"),
    (lambda: lasso(np.ones((3, 2)), np.ones(3), -1.0), "expected alpha >= 0"),
    (lambda: lasso(np.full((3, 2), np.nan), np.ones(3), 0.1), "X contains NaN"),
    (lambda: minimize_quadratic(np.ones((2, 3)), np.ones(2)), "A must be a symmetric (2, 2) matrix"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)
