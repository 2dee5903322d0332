"""Optimizer state saved without pickle: an interrupted run resumed from the file equals the uninterrupted one."""
import json
import pickletools

import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, gluon

from gluonx_optim import schedules, state_io


def _net(contexts, seed=0):
    mx.random.seed(seed)
    net = gluon.nn.HybridSequential()
    with net.name_scope():
        net.add(gluon.nn.Dense(4, in_units=3, activation="relu"), gluon.nn.Dense(2, in_units=4))
    net.initialize(mx.init.Xavier(), ctx=contexts)
    net.hybridize(static_alloc=True, static_shape=True)
    return net


def _steps(net, trainer, contexts, first, count):
    for step in range(first, first + count):
        rng = np.random.RandomState(step)
        x, y = mx.nd.array(rng.randn(4, 3)), mx.nd.array(rng.randn(4, 2))
        xs, ys = gluon.utils.split_and_load(x, contexts), gluon.utils.split_and_load(y, contexts)
        with autograd.record():
            losses = [gluon.loss.L2Loss()(net(a), b) for a, b in zip(xs, ys)]
        for loss in losses:
            loss.backward()
        trainer.step(4)
    mx.nd.waitall()


def _weights(net):
    return [[d.asnumpy() for d in p.list_data()] for p in net.collect_params().values()]


CASES = {
    "adam-cosine": ("gluonx_adam", lambda: {"learning_rate": 0.01,
                                            "lr_scheduler": schedules.CosineSchedule(20, base_lr=0.01)}),
    "momentum-factor": ("gluonx_momentum", lambda: {"learning_rate": 0.05, "momentum": 0.9,
                                                    "lr_scheduler": mx.lr_scheduler.FactorScheduler(2, 0.7)}),
    "ema-of-adamw": ("gluonx_ema", lambda: {"optimizer": "gluonx_adamw", "learning_rate": 0.01, "decay": 0.5}),
    "native-rmsprop": ("rmsprop", lambda: {"learning_rate": 0.01}),
}


@pytest.mark.parametrize("contexts, update_on_kvstore", [
    ([mx.cpu(0)], None), ([mx.cpu(0), mx.cpu(1)], True), ([mx.cpu(0), mx.cpu(1)], False),
], ids=["one-context", "two-contexts-kvstore", "two-contexts-device"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_resume_from_saved_states_equals_uninterrupted_training(tmp_path, case, contexts, update_on_kvstore):
    name, params = CASES[case]
    net = _net(contexts)
    trainer = gluon.Trainer(net.collect_params(), name, params(), update_on_kvstore=update_on_kvstore)
    _steps(net, trainer, contexts, 0, 3)
    net.save_parameters(str(tmp_path / "net.params"))
    state_io.save_states(trainer, str(tmp_path / "optimizer.states"))
    _steps(net, trainer, contexts, 3, 3)
    uninterrupted = _weights(net)

    resumed = _net(contexts, seed=1)
    resumed.load_parameters(str(tmp_path / "net.params"), ctx=contexts)
    trainer = gluon.Trainer(resumed.collect_params(), name, params(), update_on_kvstore=update_on_kvstore)
    meta = state_io.load_states(trainer, str(tmp_path / "optimizer.states"))
    assert meta["num_update"] == 3
    _steps(resumed, trainer, contexts, 3, 3)
    for expected, got in zip(uninterrupted, _weights(resumed)):
        for a, b in zip(expected, got):
            np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)


def _saved(tmp_path, optimizer="gluonx_adam"):
    net = _net([mx.cpu()])
    trainer = gluon.Trainer(net.collect_params(), optimizer, {"learning_rate": 0.01})
    _steps(net, trainer, [mx.cpu()], 0, 2)
    path = str(tmp_path / "optimizer.states")
    state_io.save_states(trainer, path)
    return path


def test_the_file_holds_arrays_and_json_but_no_pickle(tmp_path):
    path = _saved(tmp_path)
    loaded = mx.nd.load(path)
    assert all(isinstance(v, mx.nd.NDArray) for v in loaded.values())
    meta = json.loads(loaded["__gluonx_meta__"].asnumpy().astype(np.uint8).tobytes())
    assert meta["format"] == state_io.FORMAT and meta["optimizer"] == "gluonx_optim.recipes.Adam"
    raw = open(path, "rb").read()
    with pytest.raises(Exception):   # not a pickle stream at all
        list(pickletools.genops(raw))


def test_a_pickled_trainer_file_is_refused_without_being_unpickled(tmp_path):
    net = _net([mx.cpu()])
    trainer = gluon.Trainer(net.collect_params(), "gluonx_adam", {"learning_rate": 0.01})
    _steps(net, trainer, [mx.cpu()], 0, 1)
    trainer.save_states(str(tmp_path / "pickled.states"))
    with pytest.raises(ValueError, match="not an intact MXNet NDArray file"):
        state_io.load_states(trainer, str(tmp_path / "pickled.states"))


def test_truncated_file_is_refused(tmp_path):
    path = _saved(tmp_path)
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])
    net = _net([mx.cpu()])
    trainer = gluon.Trainer(net.collect_params(), "gluonx_adam", {"learning_rate": 0.01})
    with pytest.raises(ValueError, match="cannot read optimizer states"):
        state_io.load_states(trainer, path)


def test_other_optimizer_or_other_model_is_refused(tmp_path):
    path = _saved(tmp_path)
    net = _net([mx.cpu()])
    other = gluon.Trainer(net.collect_params(), "gluonx_sgd", {"learning_rate": 0.01})
    with pytest.raises(ValueError, match="saved from optimizer gluonx_optim.recipes.Adam, but the trainer uses "
                                         "gluonx_optim.recipes.SGD"):
        state_io.load_states(other, path)
    wider = gluon.nn.Dense(3, in_units=3)
    wider.initialize()
    mismatched = gluon.Trainer(wider.collect_params(), "gluonx_adam", {"learning_rate": 0.01})
    with pytest.raises(ValueError, match="does not fit the optimizer|the trainer has parameters"):
        state_io.load_states(mismatched, path)


def test_tampered_metadata_is_refused(tmp_path):
    arrays, meta = state_io.state_dict(gluon.Trainer(_net([mx.cpu()]).collect_params(), "gluonx_adam"))
    net = _net([mx.cpu()])
    trainer = gluon.Trainer(net.collect_params(), "gluonx_adam")
    _steps(net, trainer, [mx.cpu()], 0, 1)
    arrays, meta = state_io.state_dict(trainer)
    broken = json.loads(json.dumps(meta))
    broken["states"]["0"] = {"exec": "print('hi')"}
    with pytest.raises(ValueError, match="malformed state entry"):
        state_io.load_state_dict(trainer, arrays, broken)
    del broken["update_counts"]
    broken["states"] = meta["states"]
    with pytest.raises(ValueError, match="malformed optimizer-state metadata"):
        state_io.load_state_dict(trainer, arrays, broken)
    with pytest.raises(ValueError, match="not a gluonx optimizer-state file"):
        state_io.load_state_dict(trainer, arrays, {"format": "pickle"})


def test_gluonx_trainer_checkpoints_resume_gluonx_optimizers_exactly(tmp_path):
    # The core trainer's own no-pickle checkpoints (gluonx.train.checkpoint) carry these optimizers' nested
    # states, the averaging wrapper's forwarded counters and a stateless schedule.
    from gluonx.train.checkpoint import load_checkpoint, save_checkpoint
    from gluonx.train.trainer import Trainer
    contexts = [mx.cpu(0), mx.cpu(1)]

    def make():
        net = gluon.nn.HybridSequential()
        net.add(gluon.nn.Dense(4, in_units=3, activation="relu"), gluon.nn.Dense(2, in_units=4))
        return Trainer(net, gluon.loss.L2Loss(), "gluonx_ema",
                       {"optimizer": "gluonx_adamw", "learning_rate": 0.01, "decay": 0.5,
                        "lr_scheduler": schedules.CosineSchedule(20, base_lr=0.01)},
                       ctx=contexts, metrics=(), seed=0)

    def run(trainer, first, count):
        for step in range(first, first + count):
            rng = np.random.RandomState(step)
            trainer.train_batch(mx.nd.array(rng.randn(4, 3)), mx.nd.array(rng.randn(4, 2)))
        mx.nd.waitall()

    trainer = make()
    run(trainer, 0, 3)
    path = save_checkpoint(trainer, str(tmp_path))
    run(trainer, 3, 3)
    uninterrupted = _weights(trainer.net)
    resumed = make()
    load_checkpoint(path, resumed)
    run(resumed, 3, 3)
    for expected, got in zip(uninterrupted, _weights(resumed.net)):
        for a, b in zip(expected, got):
            np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)
