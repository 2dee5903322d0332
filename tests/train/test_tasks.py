"""The core tasks: their losses, device metrics (against NumPy), decoding, and training through
``gluonx.Trainer(net, task=...)``."""
import mxnet as mx
import numpy as np
import pytest
from mxnet.gluon import nn

import gluonx
from gluonx.data.arrays import ArrayDataset
from gluonx.tasks import ClassificationTask, LanguageModelTask, RegressionTask, Task
from gluonx.train import MeanAbsoluteError, MeanSquaredError, Perplexity, TBPTTStep, TrainStep

from trainer_helpers import random_batch, small_net


def _log_softmax(x):
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def test_device_metrics_match_numpy_over_several_devices_and_batches():
    rng = np.random.RandomState(0)
    logits = [rng.randn(4, 3, 6).astype(np.float32), rng.randn(2, 3, 6).astype(np.float32)]
    labels = [rng.randint(0, 6, size=(4, 3)).astype(np.float32), rng.randint(0, 6, size=(2, 3)).astype(np.float32)]
    perplexity = Perplexity()
    perplexity.update([mx.nd.array(y, ctx=mx.cpu(i)) for i, y in enumerate(labels)],
                      [mx.nd.array(x, ctx=mx.cpu(i)) for i, x in enumerate(logits)])
    nll = np.concatenate([-np.take_along_axis(_log_softmax(x.astype(np.float64)), y[..., None].astype(int), -1).ravel()
                          for x, y in zip(logits, labels)])
    assert perplexity.get() == ("perplexity", pytest.approx(np.exp(nll.mean()), rel=1e-6))

    predictions, targets = rng.randn(10, 2).astype(np.float32), rng.randn(10, 2).astype(np.float32)
    mse, mae = MeanSquaredError(), MeanAbsoluteError()
    for metric in (mse, mae):
        metric.update([mx.nd.array(targets[:6]), mx.nd.array(targets[6:])],
                      [mx.nd.array(predictions[:6]), mx.nd.array(predictions[6:])])
    assert mse.get()[1] == pytest.approx(np.mean((predictions - targets) ** 2), rel=1e-6)
    assert mae.get()[1] == pytest.approx(np.mean(np.abs(predictions - targets)), rel=1e-6)


def test_task_pieces_and_decoding():
    classification = ClassificationTask(top_k=2)
    assert isinstance(classification.create_loss(), mx.gluon.loss.SoftmaxCrossEntropyLoss)
    assert [m.name for m in classification.create_metrics()] == ["accuracy"]
    assert type(classification.create_step(None)) is TrainStep
    decoded = classification.decode(mx.nd.array([[0.0, 2.0, 1.0], [3.0, 0.0, 0.0]]))
    assert decoded["top_k"] == [[1, 2], [0, 1]]
    p = np.exp([2.0, 1.0, 0.0]) / np.exp([2.0, 1.0, 0.0]).sum()
    np.testing.assert_allclose(decoded["probabilities"][0], p[:2], atol=1e-6)
    assert classification.result_lines({"val_accuracy": 0.97777, "val_loss": 0.1}) == [
        "test accuracy: 0.9778", "test loss: 0.1000"]
    assert (classification.monitor, classification.higher_is_better) == ("val_accuracy", True)

    regression = RegressionTask()
    assert [m.name for m in regression.create_metrics()] == ["mse", "mae"]
    assert regression.decode(mx.nd.array([[1.5], [2.0]])) == {"values": [[1.5], [2.0]]}

    language = LanguageModelTask(num_steps=4)
    assert isinstance(language.create_step(None), TBPTTStep) and language.name == "language-model"
    logits = mx.nd.array(np.eye(3)[[[2, 0]]])  # (T=1, N=2, V=3)
    assert language.decode((logits, mx.nd.zeros((1, 2, 4)))) == {"next_token": [[2, 0]]}
    assert Task().decode(mx.nd.array([1.0])) == {"outputs": [1.0]}
    with pytest.raises(ValueError, match="num_steps must be a positive integer"):
        LanguageModelTask(num_steps=0)


def test_regression_task_fits_least_squares():
    rng = np.random.RandomState(0)
    x = rng.randn(200, 3).astype(np.float32)
    y = (x @ np.array([[1.5], [-2.0], [0.5]]) + 0.3 + 0.01 * rng.randn(200, 1)).astype(np.float32)
    net = nn.Dense(1, in_units=3)
    trainer = gluonx.Trainer(net, optimizer="sgd", optimizer_params={"learning_rate": 0.1}, task=RegressionTask(),
                             seed=0)
    epochs = trainer.fit(ArrayDataset(x, y), epochs=30, batch_size=20, val_data=ArrayDataset(x, y))
    design = np.hstack([x, np.ones((200, 1))])
    solution = np.linalg.lstsq(design, y, rcond=None)[0].ravel()
    np.testing.assert_allclose(net.weight.data().asnumpy().ravel(), solution[:3], atol=5e-3)
    np.testing.assert_allclose(net.bias.data().asnumpy(), solution[3:], atol=5e-3)
    best_mse = float(np.mean((design @ solution - y.ravel()) ** 2))
    assert epochs[-1]["val_mse"] == pytest.approx(best_mse, rel=0.05)
    assert epochs[-1]["val_loss"] == pytest.approx(epochs[-1]["val_mse"] / 2, rel=1e-4)  # L2Loss is half the square


def test_task_given_by_name_and_defaults(monkeypatch):
    calls = []

    def get_task(name):
        calls.append(name)
        return ClassificationTask()
    monkeypatch.setattr(gluonx, "get_task", get_task, raising=False)
    trainer = gluonx.Trainer(small_net(), task="classification")
    assert calls == ["classification"] and [m.name for m in trainer.metrics] == ["accuracy"]
    x, y = random_batch(16, seed=1)
    trainer.fit(ArrayDataset(x, y), epochs=1, batch_size=8)
    with pytest.raises(ValueError, match="needs a loss, a task or a step"):
        gluonx.Trainer(small_net())
