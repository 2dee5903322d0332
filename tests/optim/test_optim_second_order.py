"""Closure methods against scipy.optimize on L2-regularized logistic regression on load_digits.

The problem is binary (digits 0-4 against 5-9, all 1797 images, 65 parameters) so that dense BFGS and the
full-Hessian Newton stay fast on two cores; the multinomial problem (650 parameters) is the benchmark's
(benchmarks/optim.py).
"""
import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, gluon
from scipy import optimize
from sklearn.datasets import load_digits

from gluonx_optim import line_search
from gluonx_optim.second_order import (BFGS, LBFGS, LineSearchError, Newton, NonlinearCG, ParameterVector,
                                       hessian_vector_product)

L2 = 1e-3
GTOL = 1e-6


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, (y >= 5).astype(np.float64)


def numpy_objective(theta, X, y):
    """Mean logistic loss + L2/2 ||w||^2 (bias unpenalized) and its gradient, written from the formula."""
    w, b = theta[:-1], theta[-1]
    z = X @ w + b
    loss = np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * L2 * w @ w
    residual = (1.0 / (1.0 + np.exp(-z)) - y) / y.size
    return loss, np.concatenate([X.T @ residual + L2 * w, [residual.sum()]])


def numpy_hessian(theta, X):
    p = 1.0 / (1.0 + np.exp(-(X @ theta[:-1] + theta[-1])))
    Xb = np.hstack([X, np.ones((X.shape[0], 1))])
    H = Xb.T @ (Xb * (p * (1 - p))[:, None]) / X.shape[0]
    H[:-1, :-1] += L2 * np.eye(X.shape[1])
    return H


def make_problem(X, y, dtype="float64"):
    net = gluon.nn.Dense(1, in_units=X.shape[1], dtype=dtype)
    net.initialize(mx.init.Zero())
    data, label = mx.nd.array(X, dtype=dtype), mx.nd.array(y, dtype=dtype)
    loss_fn = gluon.loss.SigmoidBinaryCrossEntropyLoss()

    def closure():
        with autograd.record():
            loss = loss_fn(net(data).reshape((-1,)), label).mean() + 0.5 * L2 * (net.weight.data() ** 2).sum()
        loss.backward()
        return loss
    return net, closure


@pytest.fixture(scope="module")
def scipy_results(digits):
    X, y = digits
    start = np.zeros(X.shape[1] + 1)
    return {method: optimize.minimize(numpy_objective, start, args=(X, y), jac=True, method=method,
                                      options=dict(gtol=GTOL, maxiter=1000, **({"ftol": 1e-14} if method == "L-BFGS-B"
                                                                                 else {})))
            for method in ("L-BFGS-B", "BFGS")}


@pytest.mark.parametrize("method, reference", [(LBFGS, "L-BFGS-B"), (BFGS, "BFGS")])
def test_quasi_newton_matches_scipy(digits, scipy_results, method, reference):
    expected = scipy_results[reference]
    assert expected.success
    net, closure = make_problem(*digits)
    result = method(net.collect_params()).minimize(closure, max_iter=1000, gtol=GTOL)
    assert result.success, result.message
    assert abs(result.fun - expected.fun) <= 1e-6 * abs(expected.fun)
    # Measured: L-BFGS 55 against SciPy's 77, BFGS 152 against 151. Fewer iterations is not a failure.
    assert result.nit <= 1.5 * expected.nit, (result.nit, expected.nit)
    # The parameters hold the solution, which is scipy's.
    theta = np.concatenate([net.weight.data().asnumpy().ravel(), net.bias.data().asnumpy()])
    np.testing.assert_allclose(numpy_objective(theta, *digits)[0], result.fun, rtol=1e-12)


@pytest.mark.parametrize("method, kwargs", [
    (NonlinearCG, {"method": "polak-ribiere"}), (NonlinearCG, {"method": "fletcher-reeves"}),
    (Newton, {"solver": "cg"}), (Newton, {"solver": "full"}),
])
def test_conjugate_gradients_and_newton_reach_the_same_optimum(digits, scipy_results, method, kwargs):
    expected = scipy_results["L-BFGS-B"].fun
    net, closure = make_problem(*digits)
    result = method(net.collect_params(), **kwargs).minimize(closure, max_iter=500, gtol=GTOL)
    assert result.success, result.message
    assert abs(result.fun - expected) <= 1e-6 * abs(expected)
    if method is Newton:
        assert result.nit <= 15   # quadratic convergence near the optimum


def test_float32_model_reaches_the_optimum_to_float32_precision(digits, scipy_results):
    net, closure = make_problem(*digits, dtype="float32")
    result = LBFGS(net.collect_params()).minimize(closure, max_iter=500, gtol=1e-5)
    assert result.success, result.message
    assert abs(result.fun - scipy_results["L-BFGS-B"].fun) <= 1e-6 * scipy_results["L-BFGS-B"].fun


def test_finite_difference_hessian_vector_product_matches_the_analytic_hessian(digits):
    X, y = digits
    rng = np.random.RandomState(0)
    theta, v = 0.1 * rng.randn(X.shape[1] + 1), rng.randn(X.shape[1] + 1)
    got = hessian_vector_product(lambda t: numpy_objective(t, X, y), theta, v)
    np.testing.assert_allclose(got, numpy_hessian(theta, X) @ v, rtol=1e-6, atol=1e-8)


def test_step_runs_one_iteration_and_returns_the_loss_before_it(digits):
    net, closure = make_problem(*digits)
    opt = LBFGS(net.collect_params())
    losses = [opt.step(closure) for _ in range(5)]
    assert losses[0] == pytest.approx(np.log(2.0))   # zero weights: p = 1/2 everywhere
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert opt.nit == 5 and opt.nfev >= 6


def test_parameter_vector_round_trips_and_rejects_accumulating_gradients():
    net = gluon.nn.Dense(3, in_units=2)
    net.initialize()
    vector = ParameterVector(net.collect_params())
    values = np.arange(vector.size, dtype=np.float64)
    vector.set(values)
    np.testing.assert_array_equal(vector.get(), values)
    net.weight.grad_req = "add"
    with pytest.raises(ValueError, match="grad_req='add'"):
        ParameterVector(net.collect_params())


def test_bad_arguments_are_named():
    net = gluon.nn.Dense(1, in_units=2)
    net.initialize()
    with pytest.raises(ValueError, match="LBFGS: memory must be an integer >= 1, got 0"):
        LBFGS(net.collect_params(), memory=0)
    with pytest.raises(ValueError, match="NonlinearCG: method must be one of"):
        NonlinearCG(net.collect_params(), method="hestenes")
    with pytest.raises(ValueError, match="Newton: solver must be 'cg' or 'full'"):
        Newton(net.collect_params(), solver="exact")


def test_strong_wolfe_step_satisfies_both_conditions():
    # phi(a) = f(x + a d) for f(x) = x^4 - 3x^2 + x at x = 2, d = -f'(2).
    f = lambda x: x ** 4 - 3 * x ** 2 + x
    df = lambda x: 4 * x ** 3 - 6 * x + 1
    x0 = 2.0
    d = -df(x0)
    result = line_search.strong_wolfe(lambda a: (f(x0 + a * d), df(x0 + a * d) * d), f(x0), df(x0) * d,
                                      step=1.0, c1=1e-4, c2=0.1)
    assert result.success
    assert result.value <= f(x0) + 1e-4 * result.step * df(x0) * d
    assert abs(result.derivative) <= 0.1 * abs(df(x0) * d)
    with pytest.raises(ValueError, match="not a descent direction"):
        line_search.strong_wolfe(lambda a: (0.0, 0.0), 0.0, 1.0)


def test_a_closure_that_cannot_decrease_raises_line_search_error():
    param = gluon.Parameter("x", shape=(1,), dtype="float64")
    param.initialize(init=mx.init.Constant(1.0))

    def lying_closure():   # reports a gradient that is not the loss's
        with autograd.record():
            loss = (param.data() * 0.0).sum() + 1.0
        loss.backward()
        param.grad()[:] = 1.0
        return loss

    with pytest.raises(LineSearchError):
        BFGS([param]).step(lying_closure)
