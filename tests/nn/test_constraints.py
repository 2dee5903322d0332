"""Max-norm constraint (DL 7.2) against NumPy, in training, without sync points, on two devices."""
import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, gluon

from gluonx.nn import MaxNormConstraint, max_norm


def max_norm_reference(weight, max_value, axes):
    """w * min(1, c / ||w||) per vector, the norm taken over ``axes``."""
    norms = np.sqrt((weight.astype("float64") ** 2).sum(axis=axes, keepdims=True))
    with np.errstate(divide="ignore"):
        return weight * np.minimum(1.0, max_value / norms)


@pytest.mark.parametrize("shape, axis, axes", [
    ((6, 4), None, (1,)),              # Dense (units, in_units): one vector per unit
    ((6, 4), 0, (0,)),                 # the other orientation
    ((5, 3, 2, 2), None, (1, 2, 3)),   # Conv2D filters
    ((5, 3, 2, 2), (-2, -1), (2, 3)),
    ((7,), None, (0,)),
])
def test_max_norm_matches_numpy(shape, axis, axes):
    weight = np.random.RandomState(0).normal(scale=2.0, size=shape).astype("float32")
    got = max_norm(mx.nd.array(weight), 1.5, axis=axis).asnumpy()
    np.testing.assert_allclose(got, max_norm_reference(weight, 1.5, axes), rtol=1e-5, atol=1e-6)


def test_vectors_inside_the_ball_are_unchanged_and_zero_vectors_stay_zero():
    weight = np.array([[0.3, 0.4], [0.0, 0.0], [3.0, 4.0]], dtype="float32")
    got = max_norm(mx.nd.array(weight), 1.0).asnumpy()
    assert np.array_equal(got[:2], weight[:2])
    np.testing.assert_allclose(got[2], [0.6, 0.8], rtol=1e-6)


def _net():
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Conv2D(4, 3, in_channels=2), gluon.nn.Flatten(), gluon.nn.Dense(3, in_units=64))
    net.initialize(mx.init.Normal(1.0))
    return net


def _train_step(net, trainer, constraint, x, y):
    with autograd.record():
        loss = ((net(x) - y) ** 2).sum()
    loss.backward()
    constraint.step(trainer, x.shape[0])


def test_apply_projects_each_unit_after_the_optimizer_step_and_leaves_biases_alone():
    net = _net()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5})
    constraint = MaxNormConstraint(net, max_value=2.0)
    assert sorted(p.name for p in constraint.params) == sorted(
        p.name for p in net.collect_params().values() if p.name.endswith("weight"))
    rng = np.random.RandomState(0)
    x, y = mx.nd.array(rng.normal(size=(4, 2, 6, 6))), mx.nd.array(rng.normal(size=(4, 3)))
    with autograd.record():
        loss = ((net(x) - y) ** 2).sum()
    loss.backward()
    trainer.step(4)
    before = {name: p.data().asnumpy() for name, p in net.collect_params().items()}
    constraint.apply()
    for name, param in net.collect_params().items():
        after = param.data().asnumpy()
        if name.endswith("weight"):
            want = max_norm_reference(before[name], 2.0, tuple(range(1, after.ndim)))
            np.testing.assert_allclose(after, want, rtol=1e-5, atol=1e-6)
            assert (np.sqrt((before[name] ** 2).sum(axis=tuple(range(1, after.ndim)))) > 2.0).any()
        else:
            assert np.array_equal(after, before[name])


def test_training_keeps_every_unit_inside_the_ball():
    net = _net()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 1.0})
    constraint = MaxNormConstraint(net.collect_params(), max_value=1.0)
    rng = np.random.RandomState(1)
    for _ in range(3):
        _train_step(net, trainer, constraint, mx.nd.array(rng.normal(size=(4, 2, 6, 6))),
                    mx.nd.array(rng.normal(size=(4, 3))))
        for param in constraint.params:
            weight = param.data().asnumpy()
            assert np.sqrt((weight ** 2).sum(axis=tuple(range(1, weight.ndim)))).max() <= 1.0 + 1e-5


def test_apply_never_waits_for_the_engine(monkeypatch):
    net = _net()
    constraint = MaxNormConstraint(net, max_value=1.0)
    net(mx.nd.ones((1, 2, 6, 6)))

    def forbidden(*args, **kwargs):
        raise AssertionError("MaxNormConstraint.apply synchronized with the engine")

    for method in ("asnumpy", "asscalar", "wait_to_read"):
        monkeypatch.setattr(mx.nd.NDArray, method, forbidden)
    monkeypatch.setattr(mx.nd, "waitall", forbidden)
    constraint.apply()
    monkeypatch.undo()
    assert all(np.isfinite(p.data().asnumpy()).all() for p in constraint.params)


def test_every_device_copy_is_projected():
    contexts = [mx.cpu(0), mx.cpu(1)]
    net = gluon.nn.Dense(5, in_units=4)
    net.initialize(mx.init.Normal(3.0), ctx=contexts)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1}, update_on_kvstore=False)
    constraint = MaxNormConstraint(net, max_value=0.5)
    with autograd.record():
        losses = [net(mx.nd.ones((2, 4), ctx=ctx)).sum() for ctx in contexts]
    autograd.backward(losses)
    constraint.step(trainer, 4)
    mx.nd.waitall()  # reading a weight right after a multi-device step needs it (see docs/mxnet_quirks.md)
    first, second = (w.asnumpy() for w in net.weight.list_data())
    np.testing.assert_allclose(first, second)
    np.testing.assert_allclose(np.sqrt((first ** 2).sum(axis=1)), 0.5, rtol=1e-5)


def test_step_refuses_a_trainer_that_updates_on_the_kvstore():
    contexts = [mx.cpu(0), mx.cpu(1)]
    net = gluon.nn.Dense(2, in_units=3)
    net.initialize(ctx=contexts)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1}, kvstore="device",
                            update_on_kvstore=True)
    with autograd.record():
        losses = [net(mx.nd.ones((1, 3), ctx=ctx)).sum() for ctx in contexts]
    autograd.backward(losses)
    with pytest.raises(ValueError, match="update_on_kvstore=False"):
        MaxNormConstraint(net, 1.0).step(trainer, 2)
    mx.nd.waitall()


@pytest.mark.parametrize("kwargs, error, match", [
    ({"max_value": 0}, ValueError, "max_value must be a finite number > 0"),
    ({"max_value": float("inf")}, ValueError, "max_value must be a finite number > 0"),
    ({"select": "gamma"}, ValueError, "no parameter name matches select='gamma'"),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        MaxNormConstraint(gluon.nn.Dense(2, in_units=3), **kwargs)


def test_bad_axis_and_uninitialized_parameters_are_reported():
    with pytest.raises(ValueError, match="axis 2 is out of range for a weight of rank 2"):
        max_norm(mx.nd.ones((2, 3)), 1.0, axis=2)
    constraint = MaxNormConstraint(gluon.nn.Dense(2), 1.0)
    with pytest.raises(RuntimeError, match="MaxNormConstraint: parameter '.*weight' has no data yet"):
        constraint.apply()
    with pytest.raises(TypeError, match="expects a Block, a ParameterDict or Parameters"):
        MaxNormConstraint([mx.nd.ones(2)], 1.0)
