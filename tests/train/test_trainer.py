"""The multi-device trainer against plain gluon loops and NumPy references."""
import os
import subprocess
import sys
import textwrap

import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, gluon

from gluonx.data.arrays import ArrayDataset
from gluonx.train import (Accuracy, EarlyStopping, EventHandler, HistoryHandler, LRScheduleHandler, Mean,
                          NaNGuard, TopKAccuracy, Trainer, parse_contexts)
from gluonx.utils.sync import SyncGuard

from trainer_helpers import param_arrays, random_batch, small_net

LOSS = gluon.loss.SoftmaxCrossEntropyLoss()


def reference_sgd(net, batches, lr):
    """Plain gluon loop on one device: the reference for the trainer."""
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": lr})
    for x, y in batches:
        with autograd.record():
            loss = LOSS(net(mx.nd.array(x)), mx.nd.array(y))
        loss.backward()
        trainer.step(len(y))
    return param_arrays(net)


def assert_params_close(a, b, rtol=1e-5, atol=1e-6):
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=rtol, atol=atol, err_msg=key)


@pytest.mark.parametrize("ctx", ["cpu:0", "cpu:0,cpu:1"])
def test_matches_plain_gluon_with_uneven_and_tiny_batches(ctx):
    batches = [random_batch(n, seed=n) for n in (8, 5, 1, 3)]  # 5 and 1 split unevenly over two devices
    reference = reference_sgd(small_net(), batches, lr=0.1)
    net = small_net()
    trainer = Trainer(net, LOSS, "sgd", {"learning_rate": 0.1}, ctx=ctx, metrics=[])
    for x, y in batches:
        trainer.train_batch(x, y)
    assert_params_close(trainer.parameters(), reference)


def test_gradient_accumulation_equals_one_big_batch():
    x, y = random_batch(16, seed=3)
    reference = reference_sgd(small_net(), [(x, y)], lr=0.2)
    trainer = Trainer(small_net(), LOSS, "sgd", {"learning_rate": 0.2}, grad_accumulation=2,
                      ctx="cpu:0,cpu:1", metrics=[])
    trainer.train_batch(x[:8], y[:8])
    assert trainer.state.step == 0
    trainer.train_batch(x[8:], y[8:])
    assert trainer.state.step == 1
    assert_params_close(trainer.parameters(), reference)


def test_global_norm_clipping_matches_gluon_utils():
    x, y = random_batch(8, seed=4)
    net = small_net()
    with autograd.record():
        loss = LOSS(net(mx.nd.array(x)), mx.nd.array(y))
    loss.backward()
    grads = [p.grad() / 8 for p in net.collect_params().values()]
    norm = gluon.utils.clip_global_norm(grads, 0.05)
    assert norm > 0.05  # clipping is active in this test
    expected = {k: p.data().asnumpy() - 0.5 * g.asnumpy()
                for (k, p), g in zip(net._collect_params_with_prefix().items(), grads)}
    trainer = Trainer(small_net(), LOSS, "sgd", {"learning_rate": 0.5}, clip_global_norm=0.05, metrics=[])
    trainer.train_batch(x, y)
    assert_params_close(trainer.parameters(), expected)
    assert trainer.read_window()["grad_norm"] == pytest.approx(norm, rel=1e-5)


def test_hot_loop_has_no_sync_between_log_reads():
    x, y = random_batch(64, seed=5)
    data = ArrayDataset(x, y)
    trainer = Trainer(small_net(), LOSS, "sgd", {"learning_rate": 0.1}, ctx="cpu:0,cpu:1",
                      metrics=["accuracy"], clip_global_norm=1.0)
    with SyncGuard(forbid=True) as guard:
        trainer.fit(data, epochs=2, batch_size=8, log_interval=4, event_handlers=[NaNGuard("raise")])
    assert guard.blocking_calls == 0
    assert guard.named["log"] > 0 and set(guard.named) == {"log", "metric"}
    assert len(trainer.state.history) == 4  # 8 batches per epoch, a read every 4, end of epoch included


def test_metrics_accumulate_on_device_and_match_numpy():
    rng = np.random.RandomState(0)
    scores = [rng.normal(size=(6, 7)) for _ in range(3)]
    labels = [rng.randint(0, 7, size=6) for _ in range(3)]
    accuracy, top3, mean = Accuracy(), TopKAccuracy(3), Mean()
    for s, l in zip(scores, labels):
        accuracy.update([mx.nd.array(l)], [mx.nd.array(s)])
        top3.update(mx.nd.array(l), mx.nd.array(s))
        mean.update([mx.nd.array(l)], [mx.nd.array(s[:, 0])])
    all_scores, all_labels = np.concatenate(scores), np.concatenate(labels)
    assert accuracy.get()[1] == pytest.approx(np.mean(all_scores.argmax(1) == all_labels))
    in_top3 = [label in np.argsort(-row)[:3] for row, label in zip(all_scores, all_labels)]
    assert top3.get() == ("top_3_accuracy", pytest.approx(np.mean(in_top3)))
    assert mean.get()[1] == pytest.approx(all_scores[:, 0].mean())


def test_evaluate_matches_manual_computation():
    x, y = random_batch(20, seed=6)
    trainer = Trainer(small_net(), LOSS, ctx="cpu:0,cpu:1", hybridize=False)
    result = trainer.evaluate(ArrayDataset(x, y), batch_size=7)
    logits = trainer.net(mx.nd.array(x))
    assert result["val_accuracy"] == pytest.approx(np.mean(logits.asnumpy().argmax(1) == y))
    assert result["val_loss"] == pytest.approx(LOSS(logits, mx.nd.array(y)).mean().asscalar(), rel=1e-5)


def _nan_loss(output, label):
    return LOSS(output, label) * mx.nd.array([np.nan], ctx=output.context)


def test_nan_guard_raise_and_stop():
    x, y = random_batch(32, seed=7)
    trainer = Trainer(small_net(), _nan_loss, "sgd", {"learning_rate": 0.1})
    with pytest.raises(FloatingPointError, match="non-finite gradient"):
        trainer.fit(ArrayDataset(x, y), epochs=1, batch_size=8, log_interval=2, event_handlers=[NaNGuard("raise")])
    trainer = Trainer(small_net(), _nan_loss, "sgd", {"learning_rate": 0.1})
    trainer.fit(ArrayDataset(x, y), epochs=3, batch_size=8, log_interval=2, event_handlers=[NaNGuard("stop")])
    assert trainer.state.batch == 2 and trainer.state.epoch == 1


def test_nan_guard_skip_leaves_sgd_weights_unchanged():
    x, y = random_batch(16, seed=8)
    net = small_net()
    before = param_arrays(net)
    trainer = Trainer(net, _nan_loss, "sgd", {"learning_rate": 0.1}, ctx="cpu:0,cpu:1")
    trainer.fit(ArrayDataset(x, y), epochs=1, batch_size=8, event_handlers=[NaNGuard("skip")])
    assert_params_close(trainer.parameters(), before, rtol=0, atol=0)
    assert trainer.state.history[-1]["nonfinite_steps"] == 2


def test_only_overridden_batch_hooks_are_called_and_stop_flag_works():
    calls = []

    class Counter(EventHandler):
        def batch_end(self, trainer):
            calls.append(trainer.state.batch)
            if trainer.state.batch == 3:
                trainer.stop_training = True

    class EpochOnly(EventHandler):
        def batch_begin(self, trainer):  # overridden: called
            calls.append("begin")

    x, y = random_batch(40, seed=9)
    trainer = Trainer(small_net(), LOSS)
    trainer.fit(ArrayDataset(x, y), epochs=5, batch_size=8, event_handlers=[Counter(), EpochOnly()])
    assert calls == ["begin", 1, "begin", 2, "begin", 3]
    assert trainer.state.epoch == 1


def test_early_stopping_follows_the_book_algorithm():
    stopper = EarlyStopping("val_loss", patience=2)

    class Fake:
        stop_training = False
    fake = Fake()
    for epoch, value in enumerate([1.0, 0.8, 0.85, 0.9, 0.95]):
        stopper.epoch_end(fake, {"epoch": epoch, "val_loss": value})
        if fake.stop_training:
            break
    assert (stopper.best, stopper.best_epoch, stopper.stopped_epoch) == (0.8, 1, 4)
    with pytest.raises(KeyError, match="monitors 'val_loss'"):
        EarlyStopping().epoch_end(fake, {"epoch": 0})


def test_lr_schedule_and_history_files(tmp_path):
    x, y = random_batch(24, seed=10)
    trainer = Trainer(small_net(), LOSS, "sgd", {"learning_rate": 1.0})
    epochs = trainer.fit(ArrayDataset(x, y), epochs=3, batch_size=8, val_data=ArrayDataset(x, y),
                         event_handlers=[LRScheduleHandler(lambda e: 0.1 / (e + 1)), HistoryHandler(str(tmp_path))])
    assert [row["lr"] for row in epochs] == pytest.approx([0.1, 0.05, 0.1 / 3])
    assert {"history.csv", "history.json", "learning_curve.png"} <= set(os.listdir(tmp_path))
    header = (tmp_path / "history.csv").read_text().splitlines()[0].split(",")
    assert {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"} <= set(header)
    assert (tmp_path / "learning_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_tensorboard_handler_writes_events(tmp_path):
    from gluonx.train import TensorBoardHandler
    x, y = random_batch(16, seed=11)
    Trainer(small_net(), LOSS).fit(ArrayDataset(x, y), epochs=1, batch_size=8,
                                   event_handlers=[TensorBoardHandler(str(tmp_path))])
    assert any(name.startswith("events.out.tfevents") for name in os.listdir(tmp_path))


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="grad_accumulation must be at least 1"):
        Trainer(small_net(), LOSS, grad_accumulation=0)
    with pytest.raises(ValueError, match="'cpu:N' or 'gpu:N'"):
        parse_contexts("tpu:0")
    with pytest.raises(ValueError, match="listed twice"):
        parse_contexts("cpu:0,cpu:0")
    with pytest.raises(ValueError, match="batch_size is required"):
        Trainer(small_net(), LOSS).fit(ArrayDataset(*random_batch(4)), epochs=1)


def test_gluon_dataloader_is_accepted():
    x, y = random_batch(20, seed=12)
    loader = gluon.data.DataLoader(gluon.data.ArrayDataset(x, y), batch_size=6)
    trainer = Trainer(small_net(), LOSS, ctx="cpu:0,cpu:1")
    trainer.fit(loader, epochs=1)
    assert trainer.state.batch == 4 and trainer.state.samples == 20


CRASH_PATH = textwrap.dedent('''
    import sys
    import mxnet as mx
    import numpy as np
    sys.path.insert(0, sys.argv[1])
    from trainer_helpers import random_batch, small_net
    from gluonx.train import Trainer
    net = small_net()
    for p in net.collect_params().values():
        p.set_data(mx.nd.random.uniform(-0.1, 0.1, shape=p.shape))
    trainer = Trainer(net, mx.gluon.loss.SoftmaxCrossEntropyLoss(), "sgd", {"learning_rate": 0.05},
                      ctx=[mx.cpu(0), mx.cpu(1)], kvstore="device", hybridize=True)
    for step in range(20):
        trainer.train_batch(*random_batch(16, seed=step))
        weights = trainer.parameters()
    print("finite", all(np.isfinite(w).all() for w in weights.values()))
''')


def test_multi_device_read_after_step_is_safe_in_fresh_processes():
    """docs/mxnet_quirks.md: reading weights right after a 2-device static step segfaulted; run it repeatedly."""
    here = os.path.dirname(os.path.abspath(__file__))
    for attempt in range(4):
        proc = subprocess.run([sys.executable, "-c", CRASH_PATH, here], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, "attempt {} crashed ({}): {}".format(attempt, proc.returncode, proc.stderr[-2000:])
        assert proc.stdout.strip() == "finite True"


def test_fit_counts_total_epochs_and_warns_when_there_is_nothing_left():
    x, y = random_batch(16, seed=13)
    trainer = Trainer(small_net(), LOSS)
    trainer.fit(ArrayDataset(x, y), epochs=2, batch_size=8)
    with pytest.warns(RuntimeWarning, match="already trained 2 epoch"):
        trainer.fit(ArrayDataset(x, y), epochs=1, batch_size=8)
    assert trainer.state.batch == 4
    trainer.fit(ArrayDataset(x, y), epochs=3, batch_size=8)
    assert trainer.state.batch == 6 and trainer.state.epoch == 3
