"""A worker script that misbehaves on purpose, for the launcher's no-hang tests (started by ``gluonx launch``).

``python fault_worker.py MODE OUT``:

- ``raw-ps``: a plain ``dist_sync`` kvstore script; rank 1 raises after the first barrier while rank 0 waits
  for its gradients in ``pushpull``.
- ``raw-horovod``: the same with ``horovod.mxnet``: rank 1 raises while rank 0 waits in ``allreduce``.
- ``trainer-ps`` / ``trainer-horovod``: ``gluonx.Trainer`` with ``kvstore='dist_sync'`` / ``'horovod'``; an event
  handler raises a plain ``ValueError`` on rank 1 at its second batch.
- ``grandchild``: joins a ``dist_sync`` job, starts a grandchild in its own session (``setsid``), writes both
  pids to ``OUT`` and waits; the test then SIGKILLs the launcher.

Before raising, rank 1 writes the time to ``OUT/raised`` so the test can measure how long the job took to end.
"""
import os
import subprocess
import sys
import time

MESSAGE = "worker 1 raised on purpose"


def raise_now(out):
    with open(os.path.join(out, "raised"), "w") as handle:
        handle.write(repr(time.time()))
    raise RuntimeError(MESSAGE)


def raw_ps(out):
    import mxnet as mx
    store = mx.kv.create("dist_sync")
    store.init(3, mx.nd.ones((4,)))
    store._barrier()
    if store.rank == 1:
        raise_now(out)
    result = mx.nd.zeros((4,))
    store.pushpull(3, mx.nd.ones((4,)), out=result)  # waits for rank 1's push, which never comes
    print("sum", result.asnumpy(), flush=True)


def raw_horovod(out):
    import mxnet as mx
    import horovod.mxnet as hvd
    hvd.init()
    hvd.allreduce(mx.nd.ones((4,)), name="warmup").wait_to_read()
    if hvd.rank() == 1:
        raise_now(out)
    print("sum", hvd.allreduce(mx.nd.ones((4,)), name="sum").asnumpy(), flush=True)


def trainer(out, kvstore):
    import mxnet as mx
    import numpy as np

    from gluonx.data.arrays import ArrayDataset
    from gluonx.train import EventHandler, Trainer

    class RaiseOnRankOne(EventHandler):
        def batch_end(self, trainer):
            if trainer.rank == 1 and trainer.state.batch == 2:
                with open(os.path.join(out, "raised"), "w") as handle:
                    handle.write(repr(time.time()))
                raise ValueError(MESSAGE)

    data = np.random.RandomState(0)
    x = data.uniform(size=(64, 8)).astype(np.float32)
    y = data.randint(0, 3, size=64).astype(np.int32)
    net = mx.gluon.nn.Dense(3)
    fit = Trainer(net, mx.gluon.loss.SoftmaxCrossEntropyLoss(), "sgd", {"learning_rate": 0.1}, kvstore=kvstore)
    fit.fit(ArrayDataset(x, y), epochs=50, batch_size=4, event_handlers=[RaiseOnRankOne()], log_interval=2)


def grandchild(out):
    import mxnet as mx
    store = mx.kv.create("dist_sync")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True)
    with open(os.path.join(out, "pids-{}".format(store.rank)), "w") as handle:
        handle.write("{} {}".format(os.getpid(), child.pid))
    print("ready", flush=True)
    time.sleep(300)


if __name__ == "__main__":
    mode, out = sys.argv[1], sys.argv[2]
    if mode == "raw-ps":
        raw_ps(out)
    elif mode == "raw-horovod":
        raw_horovod(out)
    elif mode.startswith("trainer-"):
        trainer(out, {"trainer-ps": "dist_sync", "trainer-horovod": "horovod"}[mode])
    elif mode == "grandchild":
        grandchild(out)
    else:
        raise SystemExit("unknown mode " + mode)
