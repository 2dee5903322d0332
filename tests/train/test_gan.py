"""Several optimizers in one run: a toy GAN (D2L 17.1, alternating updates of DL 20.10.4) trains, each
optimizer updates only its own parameters with its own schedule, and a SIGKILLed run resumes bit-exactly."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import mxnet as mx
import numpy as np
import pytest

from gluonx.train import OptimizerGroup, Trainer
from gluonx.train.checkpoint import list_checkpoints

from gan_helpers import GANStep, Points, make_gan, optimizer_groups, real_data

HERE = os.path.dirname(os.path.abspath(__file__))


def _gan_trainer(seed=3, ctx="cpu:0", schedule=True):
    return Trainer(make_gan(), optimizer=optimizer_groups(schedule), step=GANStep(), ctx=ctx, seed=seed)


def _generated(trainer, n=2000):
    z = mx.nd.array(np.random.RandomState(5).normal(size=(n, 2)).astype(np.float32), ctx=trainer.ctx[0])
    return trainer.net.generator(z).asnumpy()


def test_toy_gan_learns_the_data_distribution():
    data = real_data(1024)
    trainer = _gan_trainer(schedule=False)
    before = _generated(trainer)
    epochs = trainer.fit(Points(data), epochs=12, batch_size=32, log_interval=16)
    after = _generated(trainer)
    # the generator is affine, so it can match the mean and covariance of the Gaussian exactly
    target_mean, target_cov = data.mean(axis=0), np.cov(data.T)

    def errors(points):
        return np.linalg.norm(points.mean(axis=0) - target_mean), np.linalg.norm(np.cov(points.T) - target_cov)
    (mean_before, cov_before), (mean_after, cov_after) = errors(before), errors(after)
    assert mean_after < 0.35 * mean_before, (mean_before, mean_after)
    assert cov_after < 0.1 * cov_before, (cov_before, cov_after)
    # at the equilibrium the discriminator outputs 1/2 everywhere: both losses are ln 2 (DL 20.10.4)
    assert epochs[-1]["loss_d"] == pytest.approx(np.log(2), abs=0.02)
    assert epochs[-1]["loss_g"] == pytest.approx(np.log(2), abs=0.05)
    assert "loss" not in epochs[-1]
    # alternating updates: every batch stepped both optimizers once
    assert all(opt.num_update == trainer.state.batch == 384 for opt in trainer.optimizers.values())


def test_each_optimizer_updates_only_its_parameters():
    trainer = _gan_trainer()
    start = trainer.parameters()
    only_d = trainer.optimizers["discriminator"]
    trainer.batch_step = type("DOnly", (GANStep,), {"train_step": lambda self, t, batch: self._d_only(t, batch)})()

    def d_only(step, t, batch):  # a step that updates the discriminator alone
        from mxnet import autograd
        shards = t.split(batch, scale=())
        with autograd.record():
            losses = [step.bce(t.net.discriminator(x), mx.nd.ones((x.shape[0], 1))) for (x,) in shards]
        autograd.backward(losses)
        t.update(optimizer="discriminator")
    type(trainer.batch_step)._d_only = d_only
    trainer.train_batch((real_data(8),))
    end = trainer.parameters()
    assert all(np.array_equal(start[k], end[k]) for k in start if k.startswith("generator."))
    assert not all(np.array_equal(start[k], end[k]) for k in start if k.startswith("discriminator."))
    assert only_d.num_update == 1 and trainer.optimizers["generator"].num_update == 0


def test_optimizer_groups_are_validated():
    with pytest.raises(ValueError, match="no optimizer group takes the trainable parameter"):
        Trainer(make_gan(), optimizer={"g": OptimizerGroup("adam", params=r"^generator\.")}, step=GANStep())
    with pytest.raises(ValueError, match="is in optimizer groups 'a' and 'b'"):
        Trainer(make_gan(), optimizer={"a": OptimizerGroup(params="weight"), "b": OptimizerGroup(params=r"^generator\.")},
                step=GANStep())
    with pytest.raises(ValueError, match="grad_accumulation > 1 with several optimizers"):
        Trainer(make_gan(), optimizer=optimizer_groups(), step=GANStep(), grad_accumulation=2)
    trainer = _gan_trainer()
    with pytest.raises(KeyError, match="no optimizer called 'critic'; this trainer has"):
        trainer.update(8, optimizer="critic")


CHILD = textwrap.dedent('''
    import json, sys, time
    import numpy as np
    mode, out, here = sys.argv[1], sys.argv[2], sys.argv[3]
    sys.path.insert(0, here)
    from gan_helpers import GANStep, Points, make_gan, optimizer_groups, real_data
    from gluonx.train import CheckpointHandler, EventHandler, Trainer

    class Freeze(EventHandler):
        """Announce batch 60, then hang until the parent kills the process."""
        def batch_end(self, trainer):
            if trainer.state.batch == 60:
                open(out + "/ready", "w").close()
                time.sleep(600)

    trainer = Trainer(make_gan(), optimizer=optimizer_groups(), step=GANStep(), ctx=sys.argv[4], seed=11)
    handlers = [CheckpointHandler(out + "/ckpt", every_n_batches=25, keep_last=10)]
    if mode == "victim":
        handlers.append(Freeze())
    trainer.fit(Points(real_data(256)), epochs=3, batch_size=8, log_interval=10, event_handlers=handlers,
                resume=out + "/ckpt" if mode == "resume" else None)
    np.savez(out + "/params.npz", **trainer.parameters())
    rates = {name: t.learning_rate for name, t in trainer.gluon_trainers.items()}
    with open(out + "/history.json", "w") as handle:
        json.dump({"history": trainer.state.history, "rates": rates}, handle)
''')


def _run(mode, out, ctx):
    return subprocess.Popen([sys.executable, "-c", CHILD, mode, str(out), HERE, ctx],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_gan_resumes_bit_exactly_after_sigkill(tmp_path):
    ctx = "cpu:0,cpu:1"  # bit-exact across the kvstore's reduction over two devices too
    straight, victim = tmp_path / "straight", tmp_path / "victim"
    straight.mkdir()
    victim.mkdir()
    proc = _run("straight", straight, ctx)
    killed = _run("victim", victim, ctx)
    assert proc.wait(timeout=300) == 0, proc.stderr.read()
    deadline = time.time() + 300
    while not (victim / "ready").exists():
        assert killed.poll() is None, killed.stderr.read()
        assert time.time() < deadline
        time.sleep(0.05)
    killed.send_signal(signal.SIGKILL)
    assert killed.wait(timeout=60) == -signal.SIGKILL
    # 32 batches per epoch: the last checkpoint before batch 60 is mid-epoch 1, at batch 50
    assert os.path.basename(list_checkpoints(str(victim / "ckpt"))[-1]) == "ckpt-e0001-b00000050"
    resumed = _run("resume", victim, ctx)
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read()

    with np.load(straight / "params.npz") as a, np.load(victim / "params.npz") as b:
        assert sorted(a.files) == sorted(b.files) and a.files
        for key in a.files:
            np.testing.assert_array_equal(b[key], a[key], err_msg=key)
    run_a = json.loads((straight / "history.json").read_text())
    run_b = json.loads((victim / "history.json").read_text())
    assert run_a["rates"] == run_b["rates"] and run_a["rates"]["generator"] < 0.005  # the schedule ran
    keys = ("batch", "step", "loss_d", "loss_g", "lr_discriminator", "lr_generator")
    assert [[h[k] for k in keys] for h in run_a["history"]] == [[h[k] for k in keys] for h in run_b["history"]]
    assert run_a["history"][-1]["batch"] == 96
