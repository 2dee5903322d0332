"""Conformance of every registered optimizer (any plugin), the optax way: a new optimizer is tested the moment
it is registered.

For each one: convergence on a convex quadratic and on Rosenbrock's function within a stated step budget,
states whose shapes, dtypes and contexts stay those of the weight (updated in place), and training under
``gluon.Trainer`` on two contexts equal to training on one. Hyper-parameters, budgets and tolerances come from
the optimizer class's ``examples`` attribute when it has one (gluonx_optim's catalog), else the defaults
below. A parameter-averaging wrapper (Polyak, EMA, SWA) is judged by the average it exists to produce, which
must also equal the NumPy average of the iterates, not by the wrapped optimizer's iterate.
"""
import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, gluon

import gluonx
from averaging_reference import reference_average

INFOS = [gluonx.get_optimizer_info(name) for name in gluonx.list_optimizers()]
IDS = [info.name for info in INFOS]
DEFAULTS = {"quadratic": {"steps": 300, "tolerance": 1e-3}, "rosenbrock": {"steps": 2000, "tolerance": 1e-2}}

# f(x) = 1/2 sum a (x - c)^2 on a 2x3 weight: curvatures 0.5..8, minimum soft-thresholded by an L1 penalty.
CURVATURE = np.array([[1.0, 2.0, 4.0], [8.0, 0.5, 3.0]])
CENTRE = np.array([[1.5, -2.0, 0.3], [-0.05, 1.0, -1.0]])
ROSENBROCK_START = (-1.2, 1.0)


def test_the_case_list_is_not_empty():
    """Parametrized over nothing, the tests below would pass while checking nothing."""
    assert len(INFOS) >= 5, "no optimizer is registered: plugin loading is broken"
    assert {"sgd", "adam"} <= set(IDS)


def _example(info, problem):
    cls = info.resolve()
    settings = dict(DEFAULTS[problem])
    settings.update(getattr(cls, "examples", {}).get(problem, {}))
    steps, tolerance = settings.pop("steps"), settings.pop("tolerance")
    return cls, settings, steps, tolerance


def _create(info, settings):
    if not info.mx_name:
        pytest.skip("{} is not known to mx.optimizer".format(info.name))
    return mx.optimizer.create(info.mx_name, **settings)


def _averaging(opt):
    """The averaging settings of a parameter-averaging wrapper (gluonx_optim), else None."""
    try:
        from gluonx_optim.averaging import AveragedOptimizer
    except ImportError:
        return None
    if not isinstance(opt, AveragedOptimizer):
        return None
    return {"method": opt.method, "decay": opt.decay, "start": opt.start, "every": opt.every}


def _result(opt, weight, state, iterates):
    """What an optimizer produces: the weight, or for an averaging wrapper the average it exists to produce,
    which must also equal the NumPy average of the iterates it saw."""
    averaging = _averaging(opt)
    if averaging is None:
        return weight.asnumpy()
    average = state[1].asnumpy()
    expected = reference_average(averaging.pop("method"), iterates, **averaging)
    np.testing.assert_allclose(average, expected, rtol=1e-4, atol=1e-6)
    return average


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("info", INFOS, ids=IDS)
def test_converges_on_a_convex_quadratic(info, dtype):
    _, settings, steps, tolerance = _example(info, "quadratic")
    opt = _create(info, settings)
    a, c = mx.nd.array(CURVATURE, dtype=dtype), mx.nd.array(CENTRE, dtype=dtype)
    weight = mx.nd.zeros(CURVATURE.shape, dtype=dtype)
    state = opt.create_state_multi_precision(0, weight)
    averaged = _averaging(opt) is not None
    iterates = [weight.asnumpy().astype(np.float64)] if averaged else None
    for _ in range(steps):
        opt.update_multi_precision(0, weight, a * (weight - c), state)
        if averaged:
            iterates.append(weight.asnumpy().astype(np.float64))
    l1 = getattr(opt, "l1", 0.0)
    minimum = np.sign(CENTRE) * np.maximum(np.abs(CENTRE) - l1 / CURVATURE, 0.0)
    error = np.abs(_result(opt, weight, state, iterates) - minimum).max()
    assert error <= tolerance, "{}: max |x - x*| = {:.2e} after {} steps (budget tolerance {})".format(
        info.name, error, steps, tolerance)


@pytest.mark.parametrize("info", INFOS, ids=IDS)
def test_converges_on_rosenbrock(info):
    _, settings, steps, tolerance = _example(info, "rosenbrock")
    opt = _create(info, settings)
    weight = mx.nd.array(ROSENBROCK_START, dtype="float32")
    state = opt.create_state_multi_precision(0, weight)
    iterates = []
    for _ in range(steps):
        # The gradient on the host: for two numbers, one read beats a dozen tiny engine operations.
        x, y = weight.asnumpy().astype(np.float64)
        iterates.append(np.array([x, y]))
        valley = y - x * x
        grad = mx.nd.array([2 * x - 2 - 400 * x * valley, 200 * valley], dtype="float32")
        opt.update_multi_precision(0, weight, grad, state)
    iterates.append(weight.asnumpy().astype(np.float64))
    x, y = _result(opt, weight, state, iterates)
    error = max(abs(x - 1), abs(y - 1))
    assert error <= tolerance, "{}: max |x - (1, 1)| = {:.2e} after {} steps (f = {:.3g}, tolerance {})".format(
        info.name, error, steps, (1 - x) ** 2 + 100 * (y - x * x) ** 2, tolerance)


def _describe(state):
    if isinstance(state, mx.nd.NDArray):
        return [(id(state), state.shape, np.dtype(state.dtype).name, state.context)]
    if isinstance(state, (tuple, list)):
        return [item for part in state for item in _describe(part)]
    return [type(state).__name__]


@pytest.mark.parametrize("dtype, multi_precision", [("float32", False), ("float64", False), ("float16", True)])
@pytest.mark.parametrize("info", INFOS, ids=IDS)
def test_states_keep_shapes_dtypes_and_identity(info, dtype, multi_precision):
    _, settings, _, _ = _example(info, "quadratic")
    opt = _create(info, dict(settings, multi_precision=multi_precision))
    rng = np.random.RandomState(0)
    for index, shape in enumerate([(5,), (2, 3, 4)]):
        weight = mx.nd.array(rng.randn(*shape), dtype=dtype)
        state = opt.create_state_multi_precision(index, weight)
        before = _describe(state)
        arrays = [entry for entry in before if isinstance(entry, tuple)]
        # With multi_precision, float16 weights get a float32 master copy and float32 states.
        expected_dtype = "float32" if multi_precision else dtype
        for entry in arrays:
            assert entry[2] == expected_dtype, "{}: state dtype {} for {} weights".format(info.name, entry[2], dtype)
            assert entry[3] == weight.context
        for _ in range(4):
            opt.update_multi_precision(index, weight, mx.nd.array(rng.randn(*shape), dtype=dtype), state)
        assert _describe(state) == before, "{}: state objects, shapes or dtypes changed".format(info.name)
        assert weight.dtype == np.dtype(dtype) and np.all(np.isfinite(weight.asnumpy()))


def _train(info, settings, contexts, update_on_kvstore, steps=3):
    mx.random.seed(1)
    net = gluon.nn.HybridSequential()
    with net.name_scope():
        net.add(gluon.nn.Dense(5, in_units=4, activation="tanh"), gluon.nn.Dense(2, in_units=5))
    net.initialize(mx.init.Xavier(), ctx=contexts)
    net.hybridize(static_alloc=True, static_shape=True)
    trainer = gluon.Trainer(net.collect_params(), info.mx_name, dict(settings), kvstore="device",
                            update_on_kvstore=update_on_kvstore if len(contexts) > 1 else None)
    rng = np.random.RandomState(2)
    x, y = rng.randn(8, 4).astype("float32"), rng.randn(8, 2).astype("float32")
    loss_fn = gluon.loss.L2Loss()
    for _ in range(steps):
        parts_x = gluon.utils.split_and_load(mx.nd.array(x), contexts)
        parts_y = gluon.utils.split_and_load(mx.nd.array(y), contexts)
        with autograd.record():
            losses = [loss_fn(net(px), py) for px, py in zip(parts_x, parts_y)]
        for loss in losses:
            loss.backward()
        trainer.step(8)
    # Reading weights right after a multi-context step can crash MXNet 1.9.1 without this (docs/mxnet_quirks.md).
    mx.nd.waitall()
    # By position: each network gets new parameter names.
    return [[d.asnumpy() for d in p.list_data()] for p in net.collect_params().values()]


@pytest.mark.parametrize("update_on_kvstore", [True, False], ids=["kvstore-update", "device-update"])
@pytest.mark.parametrize("info", INFOS, ids=IDS)
def test_trains_under_gluon_trainer_on_two_contexts(info, update_on_kvstore):
    _, settings, _, _ = _example(info, "quadratic")
    if not info.mx_name:
        pytest.skip("{} is not known to mx.optimizer".format(info.name))
    single = _train(info, settings, [mx.cpu(0)], None)
    double = _train(info, settings, [mx.cpu(0), mx.cpu(1)], update_on_kvstore)
    initial = _train(info, settings, [mx.cpu(0)], None, steps=0)
    for position, ((expected,), (first, second), (start,)) in enumerate(zip(single, double, initial)):
        where = "{}, parameter {}".format(info.name, position)
        np.testing.assert_array_equal(first, second, err_msg=where + ": the two contexts disagree")
        np.testing.assert_allclose(first, expected, rtol=1e-5, atol=1e-6, err_msg=where + ": 2 contexts vs 1")
        assert not np.allclose(expected, start), where + " did not train"
