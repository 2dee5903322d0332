"""Checkpoints: exact resume after a real kill, keep-last/keep-best, and rejection of bad files."""
import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time

import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon

from gluonx.data.arrays import ArrayDataset
from gluonx.train import CheckpointError, CheckpointHandler, EventHandler, Trainer, load_checkpoint, save_checkpoint
from gluonx.train.checkpoint import list_checkpoints, read_checkpoint

from trainer_helpers import random_batch, small_net

HERE = os.path.dirname(os.path.abspath(__file__))
LOSS = gluon.loss.SoftmaxCrossEntropyLoss()

CHILD = textwrap.dedent('''
    import json, sys, time
    import mxnet as mx
    import numpy as np
    mode, out, here = sys.argv[1], sys.argv[2], sys.argv[3]
    sys.path.insert(0, here)
    from trainer_helpers import random_batch, small_net
    from gluonx.data.arrays import ArrayDataset
    from gluonx.train import CheckpointHandler, EventHandler, Trainer

    class Freeze(EventHandler):
        """Announce batch 20, then hang until the parent kills the process."""
        def batch_end(self, trainer):
            if trainer.state.batch == 20:
                open(out + "/ready", "w").close()
                time.sleep(600)

    x, y = random_batch(96, seed=1)
    scheduler = mx.lr_scheduler.FactorScheduler(step=10, factor=0.5, base_lr=0.01)
    trainer = Trainer(small_net(dropout=0.3), mx.gluon.loss.SoftmaxCrossEntropyLoss(), "adam",
                      {"learning_rate": 0.01, "lr_scheduler": scheduler}, ctx="cpu:0,cpu:1", seed=7)
    handlers = [CheckpointHandler(out + "/ckpt", every_n_batches=6, keep_last=10)]
    if mode == "victim":
        handlers.append(Freeze())
    trainer.fit(ArrayDataset(x, y), epochs=4, batch_size=8, log_interval=3, event_handlers=handlers,
                resume=out + "/ckpt" if mode == "resume" else None)
    np.savez(out + "/params.npz", **trainer.parameters())
    with open(out + "/history.json", "w") as handle:
        json.dump(trainer.state.history, handle)
''')


def run_child(mode, out):
    return subprocess.Popen([sys.executable, "-c", CHILD, mode, str(out), HERE],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_resume_after_kill_equals_straight_run(tmp_path):
    straight, victim = tmp_path / "straight", tmp_path / "victim"
    straight.mkdir()
    victim.mkdir()
    proc = run_child("straight", straight)
    killed = run_child("victim", victim)
    assert proc.wait(timeout=300) == 0, proc.stderr.read()
    deadline = time.time() + 300
    while not (victim / "ready").exists():
        assert killed.poll() is None, killed.stderr.read()
        assert time.time() < deadline
        time.sleep(0.05)
    killed.send_signal(signal.SIGKILL)  # a real kill: no handler, no flush
    assert killed.wait(timeout=60) == -signal.SIGKILL
    assert os.path.basename(list_checkpoints(str(victim / "ckpt"))[-1]) == "ckpt-e0001-b00000018"
    resumed = run_child("resume", victim)
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read()

    with np.load(straight / "params.npz") as a, np.load(victim / "params.npz") as b:
        assert sorted(a.files) == sorted(b.files)
        for key in a.files:
            np.testing.assert_allclose(b[key], a[key], rtol=1e-5, atol=1e-6, err_msg=key)
    history_a = json.loads((straight / "history.json").read_text())
    history_b = json.loads((victim / "history.json").read_text())
    assert [h["batch"] for h in history_a] == [h["batch"] for h in history_b] == list(range(3, 49, 3))
    for a, b in zip(history_a, history_b):
        assert (a["step"], a["epoch"]) == (b["step"], b["epoch"])
        assert b["loss"] == pytest.approx(a["loss"], rel=1e-5)
        assert b["accuracy"] == pytest.approx(a["accuracy"])
        assert b["lr"] == pytest.approx(a["lr"])


def _trained(tmp_path, epochs=1, net=None):
    x, y = random_batch(32, seed=2)
    trainer = Trainer(net or small_net(), LOSS, "sgd", {"learning_rate": 0.1, "momentum": 0.9},
                      ctx="cpu:0,cpu:1")
    trainer.fit(ArrayDataset(x, y), epochs=epochs, batch_size=8)
    return trainer, save_checkpoint(trainer, str(tmp_path / "ckpt"))  # fit is over: state is at epoch 1


def test_roundtrip_restores_parameters_and_optimizer_state_on_every_device(tmp_path):
    trainer, path = _trained(tmp_path)
    fresh = Trainer(small_net(seed=99), LOSS, "sgd", {"learning_rate": 0.1, "momentum": 0.9}, ctx="cpu:0,cpu:1")
    load_checkpoint(path, fresh)
    mine, theirs = trainer.parameters(), fresh.parameters()
    for key in mine:
        np.testing.assert_array_equal(mine[key], theirs[key])
    for c in range(2):
        before, after = trainer.gluon_trainer._updaters[c].states, fresh.gluon_trainer._updaters[c].states
        assert before.keys() == after.keys() and before
        for index in before:
            assert after[index].context == trainer.ctx[c]
            np.testing.assert_array_equal(before[index].asnumpy(), after[index].asnumpy())
    assert fresh.gluon_trainer._optimizer.num_update == trainer.gluon_trainer._optimizer.num_update == 4
    assert (fresh.state.epoch, fresh.state.batch_in_epoch, fresh.state.step) == (1, 0, 4)
    record = json.loads(open(os.path.join(path, "checkpoint.json")).read())
    assert record["format"] == "gluonx-checkpoint" and set(record["files"]) == {"params.nd", "optimizer.nd", "rng.nd"}


def test_truncated_and_tampered_files_are_rejected(tmp_path):
    _, path = _trained(tmp_path)
    params = os.path.join(path, "params.nd")
    content = open(params, "rb").read()
    with open(params, "wb") as handle:
        handle.write(content[: len(content) // 2])
    with pytest.raises(CheckpointError, match="params.nd does not match its sha256.*truncated or modified"):
        read_checkpoint(path)
    tampered = bytearray(content)
    tampered[-5] ^= 0xFF
    with open(params, "wb") as handle:
        handle.write(bytes(tampered))
    with pytest.raises(CheckpointError, match="sha256"):
        read_checkpoint(path)


class _Payload:
    """Unpickling this would create a marker file: proof that nothing was executed if it is absent."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickle_payloads_are_rejected_without_running(tmp_path):
    import hashlib
    _, path = _trained(tmp_path)
    marker = tmp_path / "executed"
    payload = pickle.dumps(_Payload(str(marker)))
    params = os.path.join(path, "params.nd")
    with open(params, "wb") as handle:
        handle.write(payload)
    record_path = os.path.join(path, "checkpoint.json")
    record = json.loads(open(record_path).read())
    record["files"]["params.nd"] = hashlib.sha256(payload).hexdigest()  # a forger can fix the checksum
    open(record_path, "w").write(json.dumps(record))
    with pytest.raises(CheckpointError, match="not an MXNet NDArray file.*pickle"):
        read_checkpoint(path)
    with open(record_path, "wb") as handle:
        handle.write(payload)
    with pytest.raises(CheckpointError, match="not valid JSON.*pickle"):
        read_checkpoint(path)
    assert not marker.exists()


def test_foreign_and_wrong_model_checkpoints_are_explained(tmp_path):
    _, path = _trained(tmp_path)
    other = gluon.nn.HybridSequential()
    other.add(gluon.nn.Dense(10))
    other.initialize()
    other(mx.nd.zeros((1, 64)))
    wrong = Trainer(other, LOSS, "sgd", {"learning_rate": 0.1, "momentum": 0.9})
    with pytest.raises(CheckpointError, match="different model.*HybridSequential"):
        load_checkpoint(path, wrong)
    with pytest.raises(CheckpointError, match="no gluonx checkpoint"):
        read_checkpoint(str(tmp_path / "nothing-here"))
    record_path = os.path.join(path, "checkpoint.json")
    open(record_path, "w").write(json.dumps({"format": "something-else"}))
    with pytest.raises(CheckpointError, match="not a gluonx checkpoint"):
        read_checkpoint(path)


def test_failed_save_leaves_nothing_behind(tmp_path, monkeypatch):
    trainer, _ = _trained(tmp_path)
    root = tmp_path / "atomic"
    calls = []

    def failing_save(fname, data):
        calls.append(fname)
        if len(calls) == 2:
            raise OSError("disk full")
        return original(fname, data)
    original = mx.nd.save
    monkeypatch.setattr(mx.nd, "save", failing_save)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(trainer, str(root))
    assert os.listdir(root) == []


def test_keep_last_and_keep_best(tmp_path):
    scores = [0.5, 0.9, 0.6, 0.7, 0.65]

    class Score(EventHandler):
        priority = 0

        def epoch_end(self, trainer, scalars):
            scalars["score"] = scores[scalars["epoch"]]

    x, y = random_batch(16, seed=3)
    directory = str(tmp_path / "ckpt")
    Trainer(small_net(), LOSS).fit(ArrayDataset(x, y), epochs=5, batch_size=8, event_handlers=[
        Score(), CheckpointHandler(directory, keep_last=2, monitor="score", mode="max")])
    names = [os.path.basename(p) for p in list_checkpoints(directory)]
    assert names == ["ckpt-e0001-b00000004", "ckpt-e0003-b00000008", "ckpt-e0004-b00000010"]
    best = json.loads(open(os.path.join(directory, "best.json")).read())
    assert best == {"checkpoint": "ckpt-e0001-b00000004", "monitor": "score", "value": 0.9}
    assert json.loads(open(os.path.join(directory, "latest.json")).read())["checkpoint"] == names[-1]
