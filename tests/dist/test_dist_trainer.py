"""The trainer's distributed plumbing in one process: a fake backend stands in for the engines."""
import os

import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon

from gluonx.data.arrays import ArrayDataset
from gluonx.dist import DistributedBackend
from gluonx.dist.horovod import HorovodBackend
from gluonx.train import CheckpointHandler, EventHandler, HistoryHandler, LoggingHandler, Trainer
from gluonx.train import checkpoint as checkpoint_module
from gluonx.train import trainer as trainer_module

LOSS = gluon.loss.SoftmaxCrossEntropyLoss()


class FakeBackend(DistributedBackend):
    """A world of ``num_workers`` copies of this process: sums multiply by the number of workers."""

    kvstore = "dist_sync"

    def __init__(self, rank=0, num_workers=1, updates_on_servers=False):
        self.rank, self.num_workers = rank, num_workers
        self.updates_on_servers = updates_on_servers
        self.can_reduce = not updates_on_servers
        self.broadcasts = 0

    def make_trainer(self, params, optimizer):
        return gluon.Trainer(params, optimizer, kvstore=None, update_on_kvstore=False)

    def allreduce_sum(self, values):
        return np.asarray(values, dtype=np.float64) * self.num_workers

    def gather_ints(self, value):
        return [value] * self.num_workers

    def broadcast_parameters(self, trainer):
        self.broadcasts += 1


def data(n=32, seed=0):
    rng = np.random.RandomState(seed)
    return ArrayDataset(rng.uniform(size=(n, 6)).astype(np.float32), rng.randint(0, 3, size=n).astype(np.int32))


def fake_trainer(monkeypatch, backend, **kwargs):
    monkeypatch.setattr(trainer_module, "create_backend", lambda kvstore: backend)
    net = gluon.nn.Dense(3)  # deferred: the backend's synchronize completes it before broadcasting
    return Trainer(net, LOSS, "sgd", {"learning_rate": 0.1}, kvstore="dist_sync", **kwargs)


class Calls(EventHandler):
    def __init__(self, rank_zero_only=None):
        if rank_zero_only is not None:
            self.rank_zero_only = rank_zero_only
        self.calls = 0

    def epoch_end(self, trainer, scalars):
        self.calls += 1


@pytest.mark.parametrize("rank", [0, 1])
def test_only_rank_zero_writes_checkpoints_and_logs(monkeypatch, tmp_path, rank):
    backend = FakeBackend(rank=rank, num_workers=2)
    trainer = fake_trainer(monkeypatch, backend)
    lines, every, writer_only = [], Calls(), Calls(rank_zero_only=True)
    handlers = [CheckpointHandler(str(tmp_path / "ckpt"), monitor="loss"), HistoryHandler(str(tmp_path / "hist")),
                LoggingHandler(lines.append), every, writer_only]
    trainer.fit(data(), epochs=2, batch_size=8, event_handlers=handlers)
    assert backend.broadcasts == 1 and every.calls == 2
    written = sorted(os.listdir(tmp_path / "ckpt")) if (tmp_path / "ckpt").exists() else []
    if rank == 0:
        assert "latest.json" in written and "best.json" in written and len(written) == 4
        assert (tmp_path / "hist" / "history.csv").exists() and lines and writer_only.calls == 2
    else:
        assert written == [] and not (tmp_path / "hist" / "history.csv").exists()
        assert lines == [] and writer_only.calls == 0
        path = checkpoint_module.save_checkpoint(trainer, str(tmp_path / "other"))
        assert path.endswith("ckpt-e0002-b00000004") and not (tmp_path / "other").exists()


def test_each_worker_runs_its_shard_and_updates_with_the_global_batch(monkeypatch):
    trainer = fake_trainer(monkeypatch, FakeBackend(rank=1, num_workers=2), seed=0, metrics=[])
    seen = []
    trainer.train_batch = lambda x, y, original=trainer.train_batch: seen.append(np.asarray(y)) or original(x, y)
    trainer.fit(data(), epochs=1, batch_size=8, shuffle=False)
    # rank 1 of 2 reads the second half of each global batch of 16
    np.testing.assert_array_equal(np.concatenate(seen), np.concatenate([data().label[8:16], data().label[24:32]]))
    assert trainer.state.batch == 2 == trainer.batches_per_epoch and trainer.state.step == 2
    # the fake world sums (gradients are not summed by it): the update divides by 2 x 8 samples
    assert trainer.dist.update_batch_size(8) == 16 == trainer.dist.gradient_divisor(trainer, 8)


def test_dataset_sizes_must_agree_and_iterables_are_cut_to_the_shortest(monkeypatch):
    class Uneven(FakeBackend):
        def gather_ints(self, value):  # the other worker holds 4 more samples / 6 fewer batches
            return [value, {32: 36, 8: 2}[value]]

    trainer = fake_trainer(monkeypatch, Uneven(rank=0, num_workers=2))
    with pytest.raises(ValueError, match=r"datasets of different sizes \[32, 36\]"):
        trainer.fit(data(32), epochs=1, batch_size=4)
    x, y = data(32).data, data(32).label
    loader = gluon.data.DataLoader(gluon.data.ArrayDataset(x, y), batch_size=4)  # 8 batches
    trainer = fake_trainer(monkeypatch, Uneven(rank=0, num_workers=2))
    trainer.fit(loader, epochs=1)
    assert trainer.state.batch == 2


def test_options_the_engine_cannot_honour_are_refused(monkeypatch):
    with pytest.raises(ValueError, match="cannot be clipped or checked for NaN"):
        fake_trainer(monkeypatch, FakeBackend(updates_on_servers=True), clip_global_norm=1.0)
    trainer = fake_trainer(monkeypatch, FakeBackend(updates_on_servers=True))
    with pytest.raises(ValueError, match="give an lr_scheduler in optimizer_params"):
        trainer.set_learning_rate(0.5)
    horovod = HorovodBackend.__new__(HorovodBackend)
    horovod.rank, horovod.num_workers = 0, 2

    class Fake:
        ctx, clip_global_norm, nan_policy = [mx.cpu(0), mx.cpu(1)], None, None
    with pytest.raises(ValueError, match="one device per process"):
        horovod.check(Fake())


def test_dist_kvstores_need_the_launcher(monkeypatch):
    for name in ("DMLC_ROLE", "DMLC_PS_ROOT_URI", "DMLC_PS_ROOT_PORT", "DMLC_NUM_SERVER", "DMLC_NUM_WORKER"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="gluonx launch -n WORKERS"):
        Trainer(gluon.nn.Dense(3), LOSS, kvstore="dist_sync")
    monkeypatch.setenv("DMLC_ROLE", "worker")
    with pytest.raises(RuntimeError, match="launch with `gluonx launch --backend horovod`"):
        Trainer(gluon.nn.Dense(3), LOSS, kvstore="horovod")
    with pytest.raises(ValueError, match="'dist_sync', 'dist_device_sync', 'dist_async', 'horovod'"):
        Trainer(gluon.nn.Dense(3), LOSS, kvstore="dist_bogus")
