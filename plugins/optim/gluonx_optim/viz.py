"""2-D optimizer trajectories on the books' test functions, drawn over contour plots (PNG).

:data:`TEST_FUNCTIONS` holds the functions of D2L 7 (``x1^2 + 2 x2^2`` of 7.2, the ill-conditioned
``0.1 x1^2 + 2 x2^2`` of 7.4, the saddle ``x1^2 - x2^2`` of 7.1) and Rosenbrock's valley. Trajectories are
computed by the real optimizers -- any ``mx.optimizer`` name or instance (:func:`trajectory`) or a closure
method of :mod:`gluonx_optim.second_order` (:func:`closure_trajectory`) -- on a two-element parameter with
gradients from autograd.

Examples
--------
>>> paths = {name: trajectory("gluonx_" + name, "ill_conditioned", steps=40, learning_rate=0.4)
...          for name in ("sgd", "momentum")}                            # doctest: +SKIP
>>> plot_trajectories("ill_conditioned", paths, "momentum.png")        # doctest: +SKIP

References
----------
D2L 7.2-7.8 (the trajectories of each algorithm), D2L 7.1 (saddle points).
"""
import collections

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon

import gluonx  # noqa: F401  (installs the bridge: optimizers are given by their mx.optimizer names)
from gluonx.utils.figures import save_figure

__all__ = ["TestFunction", "TEST_FUNCTIONS", "trajectory", "closure_trajectory", "plot_trajectories"]

#: A 2-D objective written with arithmetic only (works on NumPy arrays and NDArrays), where to start, where
#: the minimum is (None for the saddle) and the plotting window.
TestFunction = collections.namedtuple("TestFunction", "name formula function start minimum window book_section")

TEST_FUNCTIONS = {f.name: f for f in [
    TestFunction("quadratic", "x1^2 + 2 x2^2", lambda x1, x2: x1 ** 2 + 2 * x2 ** 2, (-5.0, -2.0), (0.0, 0.0),
                 ((-5.5, 1.0), (-3.0, 1.0)), "D2L 7.2"),
    TestFunction("ill_conditioned", "0.1 x1^2 + 2 x2^2", lambda x1, x2: 0.1 * x1 ** 2 + 2 * x2 ** 2,
                 (-5.0, -2.0), (0.0, 0.0), ((-5.5, 1.0), (-3.0, 3.0)), "D2L 7.4"),
    TestFunction("rosenbrock", "(1 - x1)^2 + 100 (x2 - x1^2)^2",
                 lambda x1, x2: (1 - x1) ** 2 + 100 * (x2 - x1 ** 2) ** 2, (-1.2, 1.0), (1.0, 1.0),
                 ((-2.0, 2.0), (-1.0, 3.0)), "DL 4.3"),
    TestFunction("saddle", "x1^2 - x2^2", lambda x1, x2: x1 ** 2 - x2 ** 2, (-1.0, 0.01), None,
                 ((-1.2, 1.2), (-1.2, 1.2)), "D2L 7.1"),
]}


def _function(function):
    if isinstance(function, TestFunction):
        return function
    try:
        return TEST_FUNCTIONS[function]
    except KeyError:
        raise ValueError("unknown test function {!r}; known: {}".format(function, sorted(TEST_FUNCTIONS))) from None


def trajectory(optimizer, function="quadratic", start=None, steps=50, **optimizer_params):
    """Positions visited by ``optimizer`` on a 2-D test function, as a ``(steps + 1, 2)`` float64 array.

    Parameters
    ----------
    optimizer : str or mx.optimizer.Optimizer
        ``'gluonx_adam'``, ``'sgd'``..., or an instance (then no ``optimizer_params``).
    function : str or TestFunction
    start : pair of float, optional
        Default: the function's.
    steps : int
    **optimizer_params
        Passed to ``mx.optimizer.create``.
    """
    spec = _function(function)
    if isinstance(optimizer, str):
        optimizer = mx.optimizer.create(optimizer, **optimizer_params)
    elif optimizer_params:
        raise TypeError("trajectory: optimizer_params apply to an optimizer given by name only")
    weight = mx.nd.array(spec.start if start is None else start, dtype="float64")
    weight.attach_grad()
    state = optimizer.create_state_multi_precision(0, weight)
    points = [weight.asnumpy().copy()]
    for _ in range(int(steps)):
        with autograd.record():
            value = spec.function(weight[0], weight[1])
        value.backward()
        optimizer.update_multi_precision(0, weight, weight.grad, state)
        points.append(weight.asnumpy().copy())
    return np.array(points)


def closure_trajectory(optimizer_class, function="quadratic", start=None, steps=20, **kwargs):
    """Positions visited by a closure method (``second_order.LBFGS``, ``Newton``...) over ``steps`` iterations;
    ``kwargs`` go to its constructor."""
    spec = _function(function)
    param = gluon.Parameter("position", shape=(2,), dtype="float64")
    param.initialize(init=mx.init.Constant(0.0))
    param.set_data(mx.nd.array(spec.start if start is None else start, dtype="float64"))
    optimizer = optimizer_class([param], **kwargs)

    def closure():
        with autograd.record():
            data = param.data()
            value = spec.function(data[0], data[1])
        value.backward()
        return value

    from .second_order import LineSearchError
    points = [param.data().asnumpy().copy()]
    for _ in range(int(steps)):
        try:
            optimizer.step(closure)
        except LineSearchError:   # at the precision limit: converged
            break
        points.append(param.data().asnumpy().copy())
    return np.array(points)


def plot_trajectories(function, trajectories, path=None, ax=None, title=None, levels=30):
    """Draw trajectories (``{label: (k, 2) array}``) over the contours of ``function``.

    Saves a PNG when ``path`` is given; returns the matplotlib axes.
    """
    import matplotlib
    if ax is None and path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    spec = _function(function)
    figure = None
    if ax is None:
        figure, ax = plt.subplots(figsize=(5, 3.6), dpi=100)
    (x_low, x_high), (y_low, y_high) = spec.window
    grid_x, grid_y = np.meshgrid(np.linspace(x_low, x_high, 200), np.linspace(y_low, y_high, 200))
    values = spec.function(grid_x, grid_y)
    if spec.name == "rosenbrock":
        values = np.log1p(values)
    ax.contour(grid_x, grid_y, values, levels=levels, colors="0.75", linewidths=0.6)
    for number, (label, points) in enumerate(trajectories.items()):
        points = np.asarray(points)
        ax.plot(points[:, 0], points[:, 1], "-o", color="C{}".format(number % 10), ms=2.5, lw=1.2, label=label)
    if spec.minimum is not None:
        ax.plot(*spec.minimum, marker="*", color="k", ms=10, ls="none")
    ax.set_xlim(x_low, x_high)
    ax.set_ylim(y_low, y_high)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title or "f(x) = {}".format(spec.formula), fontsize=10)
    if trajectories:
        ax.legend(fontsize=7, loc="best")
    if figure is not None:
        figure.tight_layout()
        if path is not None:
            save_figure(figure, path)
    return ax
