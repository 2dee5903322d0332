"""Polyak, EMA and SWA averaging (DL 8.7.3) against NumPy averages of the iterates; swap-in and export."""
import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, gluon

from gluonx_optim import averaging
from gluonx_optim.averaging import AveragedOptimizer, ParameterAverage, averaged_arrays, swap_averages

from averaging_reference import reference_average

STEPS = 12
LR = 0.1


def sgd_iterates(w0, grads):
    """Plain SGD in NumPy: [w_0, w_1, ..., w_T]."""
    iterates = [w0]
    for g in grads:
        iterates.append(iterates[-1] - LR * g)
    return iterates


@pytest.mark.parametrize("method, settings", [
    ("polyak", {"start": 0}), ("polyak", {"start": 5}), ("ema", {"decay": 0.9}),
    ("ema", {"decay": 0.8, "start": 4}), ("swa", {"start": 3, "every": 3}), ("swa", {"start": 0, "every": 4}),
])
def test_averaged_optimizer_matches_numpy_averages(method, settings):
    rng = np.random.RandomState(0)
    w0 = rng.randn(3, 4)
    grads = [rng.randn(3, 4) for _ in range(STEPS)]
    opt = mx.optimizer.create("gluonx_" + method, optimizer="sgd", learning_rate=LR, **settings)
    weight = mx.nd.array(w0, dtype="float64")
    state = opt.create_state(0, weight)
    for g in grads:
        opt.update(0, weight, mx.nd.array(g, dtype="float64"), state)
    iterates = sgd_iterates(w0, grads)
    np.testing.assert_allclose(weight.asnumpy(), iterates[-1], rtol=1e-6)
    np.testing.assert_allclose(state[1].asnumpy(), reference_average(method, iterates, **settings), rtol=1e-6)


def _net(contexts):
    net = gluon.nn.Dense(2, in_units=3)
    net.initialize(mx.init.Xavier(), ctx=contexts)
    net.hybridize(static_alloc=True, static_shape=True)
    return net


def _train(net, trainer, contexts, steps=6):
    rng = np.random.RandomState(3)
    for _ in range(steps):
        x, y = mx.nd.array(rng.randn(4, 3)), mx.nd.array(rng.randn(4, 2))
        xs, ys = gluon.utils.split_and_load(x, contexts), gluon.utils.split_and_load(y, contexts)
        with autograd.record():
            losses = [gluon.loss.L2Loss()(net(a), b) for a, b in zip(xs, ys)]
        for loss in losses:
            loss.backward()
        trainer.step(4)
    mx.nd.waitall()


@pytest.mark.parametrize("update_on_kvstore", [True, False])
def test_swap_averages_under_a_two_context_trainer_and_export(tmp_path, update_on_kvstore):
    contexts = [mx.cpu(0), mx.cpu(1)]
    net = _net(contexts)
    trainer = gluon.Trainer(net.collect_params(), "gluonx_ema",
                            {"optimizer": "gluonx_momentum", "learning_rate": 0.05, "decay": 0.7},
                            update_on_kvstore=update_on_kvstore)
    _train(net, trainer, contexts)
    params = net.collect_params()
    trained = {name: p.data(contexts[1]).asnumpy() for name, p in params.items()}
    expected = {name: array.asnumpy() for name, array in averaged_arrays(trainer).items()}
    assert sorted(expected) == sorted(params)
    assert not np.allclose(expected[net.weight.name], trained[net.weight.name])
    with swap_averages(trainer):
        for name, param in params.items():
            for data in param.list_data():
                np.testing.assert_allclose(data.asnumpy(), expected[name], rtol=1e-6)
        net(mx.nd.ones((1, 3), ctx=contexts[0]))
        net.export(str(tmp_path / "averaged"))
    for name, param in params.items():
        np.testing.assert_array_equal(param.data(contexts[1]).asnumpy(), trained[name])
    exported = mx.nd.load(str(tmp_path / "averaged-0000.params"))
    np.testing.assert_allclose(exported["arg:" + net.weight.name].asnumpy(), expected[net.weight.name], rtol=1e-6)


def test_wrapper_forwards_learning_rate_and_rescale_to_the_wrapped_optimizer():
    net = _net([mx.cpu()])
    trainer = gluon.Trainer(net.collect_params(), "gluonx_polyak", {"optimizer": "gluonx_adam", "learning_rate": 0.01})
    trainer.set_learning_rate(0.02)
    assert trainer.learning_rate == 0.02 and trainer._optimizer.base.lr == 0.02
    _train(net, trainer, [mx.cpu()], steps=1)
    assert trainer._optimizer.base.rescale_grad == pytest.approx(0.25)
    assert trainer._optimizer.hyperparameters["method"] == "polyak"


def test_parameter_average_tracks_a_native_optimizer_and_round_trips():
    net = _net([mx.cpu()])
    params = net.collect_params()
    trainer = gluon.Trainer(params, "sgd", {"learning_rate": LR})
    average = ParameterAverage(params, "polyak")
    history = {name: [] for name in params}
    rng = np.random.RandomState(4)
    for _ in range(5):
        with autograd.record():
            loss = gluon.loss.L2Loss()(net(mx.nd.array(rng.randn(4, 3))), mx.nd.array(rng.randn(4, 2)))
        loss.backward()
        trainer.step(4)
        average.update()
        for name, p in params.items():
            history[name].append(p.data().asnumpy())
    with average.swap():
        for name, p in params.items():
            np.testing.assert_allclose(p.data().asnumpy(), np.mean(history[name], axis=0), rtol=1e-6)
    for name, p in params.items():
        np.testing.assert_array_equal(p.data().asnumpy(), history[name][-1])
    arrays, meta = average.state_dict()
    other = ParameterAverage(params, "polyak")
    other.load_state_dict(arrays, meta)
    assert other.num_updates == 5
    with pytest.raises(ValueError, match="expected method 'ema'"):
        ParameterAverage(params, "ema").load_state_dict(arrays, meta)


def test_bad_settings_name_the_optimizer():
    with pytest.raises(ValueError, match="optimizer 'gluonx_ema': decay must be in \\[0, 1\\), got 1.0"):
        mx.optimizer.create("gluonx_ema", decay=1.0)
    with pytest.raises(ValueError, match="every must be an integer >= 1"):
        mx.optimizer.create("gluonx_swa", every=0)
    with pytest.raises(TypeError, match="apply to an optimizer given by name only"):
        AveragedOptimizer(mx.optimizer.SGD(), learning_rate=0.1)
    with pytest.raises(TypeError, match="not an averaged optimizer"):
        averaged_arrays(gluon.Trainer(_net([mx.cpu()]).collect_params(), "sgd"))


def test_registered_wrappers_pickle_for_distributed_kvstores():
    import pickle
    opt = mx.optimizer.create("gluonx_swa", optimizer="gluonx_momentum", momentum=0.5, every=2)
    copy = pickle.loads(pickle.dumps(opt, 0))
    assert type(copy) is averaging.StochasticWeightAveraging
    assert copy.base.momentum == 0.5 and copy.every == 2


@pytest.mark.parametrize("method, settings", [
    ("polyak", {"start": 200}), ("ema", {"decay": 0.995, "start": 200}), ("swa", {"start": 200, "every": 5})])
def test_the_average_converges_where_noisy_iterates_keep_bouncing(method, settings):
    """DL 8.7.3's point: with noisy gradients the iterates hover around the minimum, their average settles
    much closer. Measured on the average the wrapper produces, checked against the NumPy average."""
    curvature, centre = np.array([1.0, 3.0]), np.array([0.5, -1.0])
    rng = np.random.RandomState(0)
    opt = mx.optimizer.create("gluonx_" + method, optimizer="sgd", learning_rate=LR, **settings)
    weight = mx.nd.zeros(2, dtype="float64")
    state = opt.create_state(0, weight)
    iterates = [weight.asnumpy()]
    for _ in range(1200):
        noisy_grad = curvature * (iterates[-1] - centre) + 2.0 * rng.randn(2)
        opt.update(0, weight, mx.nd.array(noisy_grad, dtype="float64"), state)
        iterates.append(weight.asnumpy())
    average = state[1].asnumpy()
    np.testing.assert_allclose(average, reference_average(method, iterates, **settings), rtol=1e-9, atol=1e-12)
    iterate_error = np.mean([np.linalg.norm(w - centre) for w in iterates[200:]])
    average_error = np.linalg.norm(average - centre)
    assert average_error < iterate_error / 3, (method, average_error, iterate_error)
