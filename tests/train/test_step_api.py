"""The step API: custom steps for nets with several inputs (tuple and dict batches) keep the trainer's
device splitting, gradient accumulation and clipping; fit's cleanup hooks; seeding only when asked; one
optimizer name resolution."""
import random

import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, gluon
from mxnet.gluon import nn

import gluonx
from gluonx.data.arrays import ArrayDataset
from gluonx.train import EventHandler, NaNGuard, StepOutput, Trainer, TrainStep
from gluonx.train.splitting import split_structure

from trainer_helpers import random_batch, small_net


class MaskedMean(nn.HybridBlock):
    """A net with two inputs: features (N, T, 3) and valid lengths (N,); the mean of the valid steps -> Dense."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.dense = nn.Dense(2, in_units=3, flatten=False)

    def hybrid_forward(self, F, x, lengths):
        masked = F.SequenceMask(x, sequence_length=lengths, use_sequence_length=True, axis=1)
        return self.dense(F.broadcast_div(masked.sum(axis=1), lengths.reshape((-1, 1))))


def _masked_net():
    mx.random.seed(0)
    net = MaskedMean()
    net.initialize(mx.init.Xavier())
    return net


def _masked_batch(n, seed):
    rng = np.random.RandomState(seed)
    return {"x": rng.randn(n, 5, 3).astype(np.float32), "lengths": rng.randint(1, 6, size=n).astype(np.float32),
            "y": rng.randn(n, 2).astype(np.float32)}


class DictStep(TrainStep):
    """A custom step over dict batches with two net inputs."""

    def train_step(self, trainer, batch):
        shards = trainer.split(batch)
        with autograd.record():
            outputs = [trainer.net(s["x"], s["lengths"]) for s in shards]
            losses = [trainer.loss(out, s["y"]) for out, s in zip(outputs, shards)]
        autograd.backward(losses)
        trainer.update()
        return StepOutput([s["y"] for s in shards], outputs, losses)

    def eval_step(self, trainer, batch):
        shards = trainer.split(batch)
        outputs = [trainer.net(s["x"], s["lengths"]) for s in shards]
        return StepOutput([s["y"] for s in shards], outputs, [trainer.loss(o, s["y"]) for o, s in zip(outputs, shards)])


def _reference(batches, lr, clip=None):
    """Plain Gluon on one device: the mean gradient of all batches together, optionally clipped by norm."""
    net = _masked_net()
    named = net._collect_params_with_prefix()
    params = list(named.values())
    x = np.concatenate([b["x"] for b in batches])
    lengths = np.concatenate([b["lengths"] for b in batches])
    y = np.concatenate([b["y"] for b in batches])
    with autograd.record():
        loss = gluon.loss.L2Loss()(net(mx.nd.array(x), mx.nd.array(lengths)), mx.nd.array(y))
    loss.backward()
    grads = [p.grad().asnumpy() / len(y) for p in params]
    if clip is not None:
        norm = np.sqrt(sum((g.astype(np.float64) ** 2).sum() for g in grads))
        grads = [g * min(1.0, clip / norm) for g in grads]
    return {name: p.data().asnumpy() - lr * g for (name, p), g in zip(named.items(), grads)}


@pytest.mark.parametrize("clip", [None, 0.05])
def test_custom_dict_step_keeps_splitting_accumulation_and_clipping(clip):
    batches = [_masked_batch(5, seed=1), _masked_batch(3, seed=2)]  # 5 splits unevenly over 2 devices
    trainer = Trainer(_masked_net(), gluon.loss.L2Loss(), "sgd", {"learning_rate": 0.3}, ctx="cpu:0,cpu:1",
                      step=DictStep(), grad_accumulation=2, clip_global_norm=clip)
    assert trainer.metrics == []  # a custom step gets no default accuracy
    for batch in batches:
        trainer.train_batch(batch)
    assert trainer.state.step == 1 and trainer.state.samples == 8
    expected = _reference(batches, 0.3, clip)
    for name, param in trainer.net._collect_params_with_prefix().items():
        for copy in param.list_data():
            np.testing.assert_allclose(copy.asnumpy(), expected[name], rtol=1e-5, atol=1e-6)
    held_out = _masked_batch(6, seed=3)
    scores = trainer.evaluate(iter([held_out]))  # an iterable of dict batches, through eval_step
    direct = gluon.loss.L2Loss()(trainer.net(mx.nd.array(held_out["x"]), mx.nd.array(held_out["lengths"])),
                                 mx.nd.array(held_out["y"])).asnumpy().mean()
    assert set(scores) == {"val_loss"} and scores["val_loss"] == pytest.approx(float(direct), rel=1e-5)


def test_tuple_batches_with_several_inputs_use_num_inputs():
    data = _masked_batch(6, seed=4)
    batch = (data["x"], data["lengths"], data["y"])
    trainer = Trainer(_masked_net(), gluon.loss.L2Loss(), "sgd", {"learning_rate": 0.3}, ctx="cpu:0,cpu:1",
                      step=TrainStep(num_inputs=2))
    trainer.train_batch(*batch)
    expected = _reference([data], 0.3)
    for name, param in trainer.net._collect_params_with_prefix().items():
        np.testing.assert_allclose(param.data(mx.cpu(1)).asnumpy(), expected[name], rtol=1e-5, atol=1e-6)


def test_split_structure_splits_each_array_along_its_axis():
    tokens = np.arange(24).reshape(4, 6)            # (T, N): streams on axis 1
    mask = np.ones(4, dtype=np.float32)              # shared by every device
    shards, num = split_structure((tokens, mask), [mx.cpu(0), mx.cpu(1), mx.cpu(2), mx.cpu(3)], batch_axis=[1, None],
                                  scale_uint8=False)
    assert num == 6 and [s[0].shape for s in shards] == [(4, 2), (4, 2), (4, 1), (4, 1)]
    np.testing.assert_array_equal(np.concatenate([s[0].asnumpy() for s in shards], axis=1), tokens)
    assert all(s[1].shape == (4,) for s in shards)
    images = {"images": np.full((3, 1, 2, 2), 255, dtype=np.uint8), "boxes": np.zeros((3, 4, 4), dtype=np.uint8)}
    shards, _ = split_structure(images, [mx.cpu(0), mx.cpu(1)], scale=("images",))
    assert shards[0]["images"].dtype == np.float32 and float(shards[0]["images"].max().asscalar()) == 1.0
    assert shards[0]["boxes"].dtype == np.uint8 and shards[1]["boxes"].shape == (1, 4, 4)
    with pytest.raises(ValueError, match="disagree on the number of samples"):
        split_structure((np.zeros((4, 2)), np.zeros(3)), [mx.cpu()], scale_uint8=False)


# -- fit's cleanup ------------------------------------------------------------------------------------------
class Recorder(EventHandler):
    def __init__(self, fail_at=None):
        self.calls, self.fail_at = [], fail_at

    def batch_end(self, trainer):
        if trainer.state.batch == self.fail_at:
            raise RuntimeError("handler failed")

    def train_exception(self, trainer, error):
        self.calls.append(("exception", type(error).__name__))

    def train_end(self, trainer):
        self.calls.append(("end",))


def _nan_loss(output, label):
    return gluon.loss.SoftmaxCrossEntropyLoss()(output, label) * float("nan")


def test_train_end_and_exception_hooks_run_and_the_trainer_stays_usable():
    x, y = random_batch(32, seed=7)
    trainer = Trainer(small_net(), _nan_loss, "sgd", {"learning_rate": 0.1}, grad_accumulation=3)
    start = {name: p.data().copy() for name, p in trainer.net._collect_params_with_prefix().items()}
    recorder = Recorder()
    with pytest.raises(FloatingPointError):
        trainer.fit(ArrayDataset(x, y), epochs=1, batch_size=8, log_interval=2,
                    event_handlers=[NaNGuard("raise"), recorder])
    assert recorder.calls == [("exception", "FloatingPointError"), ("end",)]
    assert trainer.nan_policy is None  # NaNGuard's train_end ran in the finally
    # the unfinished accumulation window was dropped, so the next fit starts from clean gradients
    assert all(float(np.abs(p.grad().asnumpy()).sum()) == 0 for p in trainer.params)
    for name, param in trainer.net._collect_params_with_prefix().items():
        param.set_data(start[name])  # the NaN update of batch 3 went through ('raise' only reports)
    trainer.loss = gluon.loss.SoftmaxCrossEntropyLoss()
    failing = Recorder(fail_at=6)
    with pytest.raises(RuntimeError, match="handler failed"):
        trainer.fit(ArrayDataset(x, y), epochs=2, batch_size=8, event_handlers=[failing])
    assert failing.calls == [("exception", "RuntimeError"), ("end",)]
    epochs = trainer.fit(ArrayDataset(x, y), epochs=3, batch_size=8)
    assert np.isfinite(epochs[-1]["loss"]) and trainer.state.epoch == 3


# -- seeding ------------------------------------------------------------------------------------------------
def test_constructor_leaves_global_generators_alone_unless_seeded(tmp_path):
    net = small_net()
    random.seed(123)
    np.random.seed(123)
    expected = (random.random(), np.random.rand())
    random.seed(123)
    np.random.seed(123)
    trainer = Trainer(net, gluon.loss.SoftmaxCrossEntropyLoss())
    assert (random.random(), np.random.rand()) == expected and trainer.seed == 0
    Trainer(small_net(), gluon.loss.SoftmaxCrossEntropyLoss(), seed=123)
    assert (random.random(), np.random.rand()) == expected  # seed=123 reseeded both
    seeded = Trainer(small_net(), gluon.loss.SoftmaxCrossEntropyLoss(), seed=9)
    seeded.fit(ArrayDataset(*random_batch(16)), epochs=1, batch_size=8)
    from gluonx.train import save_checkpoint
    path = save_checkpoint(seeded, str(tmp_path))
    adopted = Trainer(small_net(), gluon.loss.SoftmaxCrossEntropyLoss())
    from gluonx.train import CheckpointError, load_checkpoint
    load_checkpoint(path, adopted)
    assert adopted.seed == 9
    with pytest.raises(CheckpointError, match="trained with seed 9, this trainer has seed 4"):
        load_checkpoint(path, Trainer(small_net(), gluon.loss.SoftmaxCrossEntropyLoss(), seed=4))


# -- one optimizer name resolution --------------------------------------------------------------------------
@pytest.mark.parametrize("name, expected", [("adam", "mxnet.optimizer.optimizer.Adam"),
                                            ("sgd", "mxnet.optimizer.optimizer.SGD"),
                                            ("gluonx_adam", "gluonx_optim.recipes.Adam"),
                                            ("adamw", "gluonx_optim.recipes.AdamW"),
                                            ("gluonx_adamw", "gluonx_optim.recipes.AdamW")])
def test_an_optimizer_name_means_one_implementation_everywhere(name, expected):
    def qualified(optimizer):
        return "{}.{}".format(type(optimizer).__module__, type(optimizer).__name__)
    net = nn.Dense(2, in_units=3)
    net.initialize()
    built = [gluonx.get_optimizer(name, learning_rate=0.01),
             Trainer(net, gluon.loss.L2Loss(), name, {"learning_rate": 0.01}, hybridize=False).optimizer,
             gluon.Trainer(net.collect_params(), name, {"learning_rate": 0.01})._optimizer]
    assert [qualified(o) for o in built] == [expected] * 3


def test_unknown_optimizer_name_lists_both_sides():
    with pytest.raises(KeyError, match=r"unknown optimizer 'adamm': MXNet has \[[^]]*'adam'[^]]*\]; gluonx plugins "
                                       r"add .*'adamw'"):
        gluonx.get_optimizer("adamm")
