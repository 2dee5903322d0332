"""A worker script for the distributed tests, started by ``gluonx launch``.

``python dist_worker.py MODE OUT KVSTORE [EPOCHS] [--resume]`` trains a small deterministic net on fixed
random data and writes ``OUT/rank{R}.json`` (parameters, epoch scalars, batches run) for the test to compare.

Modes: ``train`` (a dataset sharded by the trainer, checkpoints in OUT/ckpt), ``short`` (a DataLoader per
worker, rank 0's longer than rank 1's), ``die`` (rank 1 kills itself with SIGKILL mid-training).
"""
import json
import os
import signal
import sys

import mxnet as mx
import numpy as np

from gluonx.data.arrays import ArrayDataset
from gluonx.train import CheckpointHandler, EventHandler, HistoryHandler, Trainer

NUM_SAMPLES = 96
LOCAL_BATCH = 8
LEARNING_RATE = 0.1
CLIP_NORM = 0.5


def make_data(num_samples=NUM_SAMPLES, seed=0):
    rng = np.random.RandomState(seed)
    return (rng.uniform(size=(num_samples, 1, 8, 8)).astype(np.float32),
            rng.randint(0, 10, size=num_samples).astype(np.int32))


def make_net():
    """A little LeNet-like net, the same in every process (deferred shapes: the trainer completes them).

    Its second convolution (16x6x5x5) is one whose weight MKLDNN reorders in place on an inference forward,
    which the kvstore cannot send: the trainer must complete the shapes without such a forward.
    """
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Conv2D(6, 5, padding=2, activation="relu"), mx.gluon.nn.Conv2D(16, 5, activation="relu"),
            mx.gluon.nn.Flatten(), mx.gluon.nn.Dense(16, activation="relu"), mx.gluon.nn.Dense(10))
    return net


def make_trainer(kvstore, ctx="cpu:0"):
    """SGD with momentum, clipped at a global norm that about half of the steps exceed (the mean gradient
    of the global batch is clipped: workers must divide by it, not by their own batch)."""
    clip = None if kvstore == "dist_async" else CLIP_NORM
    return Trainer(make_net(), mx.gluon.loss.SoftmaxCrossEntropyLoss(), "sgd",
                   {"learning_rate": LEARNING_RATE, "momentum": 0.9}, ctx=ctx, kvstore=kvstore, seed=3,
                   clip_global_norm=clip)


class Counter(EventHandler):
    def __init__(self, die_after=None):
        self.batches = 0
        self.die_after = die_after

    def batch_end(self, trainer):
        self.batches += 1
        if self.die_after is not None and self.batches == self.die_after:
            os.kill(os.getpid(), signal.SIGKILL)


def main(mode, out, kvstore, epochs=2, resume=False):
    trainer = make_trainer(kvstore)
    counter = Counter(die_after=2 if mode == "die" and trainer.rank == 1 else None)
    handlers = [counter, HistoryHandler(os.path.join(out, "history"), plot=False)]
    if mode == "short":
        x, y = make_data()
        mine = 48 if trainer.rank == 0 else 32  # 6 vs 4 batches: rank 0 must stop after 4
        data = mx.gluon.data.DataLoader(mx.gluon.data.ArrayDataset(x[:mine], y[:mine]), batch_size=LOCAL_BATCH)
    else:
        data = ArrayDataset(*make_data())
        handlers.append(CheckpointHandler(os.path.join(out, "ckpt"), keep_last=5))
    epochs_seen = trainer.fit(data, epochs=epochs, batch_size=LOCAL_BATCH, event_handlers=handlers,
                              log_interval=3, resume=os.path.join(out, "ckpt") if resume else None)
    record = {"rank": trainer.rank, "num_workers": trainer.num_workers, "batches": counter.batches,
              "launch_index": os.environ.get("GLUONX_LAUNCH_INDEX"), "epochs": epochs_seen,
              "history": trainer.state.history,
              "params": {k: v.tolist() for k, v in trainer.parameters().items()}}
    with open(os.path.join(out, "rank{}.json".format(trainer.rank)), "w") as handle:
        json.dump(record, handle)
    print("rank {} done after {} batches".format(trainer.rank, counter.batches), flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    resume = "--resume" in args
    args = [a for a in args if a != "--resume"]
    main(args[0], args[1], args[2], int(args[3]) if len(args) > 3 else 2, resume)
