"""Distributed training benchmark: 1 process vs 2 workers on localhost, parameter server and Horovod.

For each model the same global batch (``2 x --batch``) is trained four ways:

- ``1 process``: ``gluonx.Trainer`` on ``cpu:0``, batch ``2B``, with 1 and with 2 OpenMP threads;
- ``ps dist_sync``: ``gluonx launch -n 2 -s 1``, two workers of batch ``B`` and one server;
- ``horovod``: ``gluonx launch -n 2 --backend horovod`` (``horovodrun --gloo``), two workers of batch ``B``
  (skipped when Horovod is not installed: ``make horovod``).

Workers run with 1 OpenMP thread each, so the 2-worker runs use the 2 cores that the 2-thread single
process uses. Each run trains ``--epochs`` epochs of random 1x28x28 images (speed does not depend on the
values) and times every epoch after the first (the first includes start-up, the kvstore set-up and
MXNet's warm-up): samples/s = global samples / wall time, measured on rank 0 after a
``read_window`` (which waits for the engine) at each epoch end.

Communication per step is computed from the parameter count P (float32 payload, no protocol headers):
with ``dist_sync`` each worker pushes its gradients and pulls the summed gradients (``2 x 4P`` bytes per
worker; the job sends ``2n x 4P``: n pushes and the server's n replies); Horovod's ring allreduce sends
``2 (n-1)/n x 4P`` bytes per worker and receives as much (the job sends ``2 (n-1) x 4P``). Metric sums at
log reads add a few dozen bytes per interval.

Usage::

    python benchmarks/dist.py                                  # lenet and mlp, about 4 min on 2 cores
    python benchmarks/dist.py --models lenet --epochs 4 --json dist.json
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.abspath(__file__)

#: registry name and factory arguments of each model (mlp: D2L 3.10 with two wide hidden layers)
MODELS = {
    "lenet": ("lenet", {"num_classes": 10}),
    "mlp": ("mlp", {"num_classes": 10, "hidden_units": [512, 512]}),
}


# -- worker side (runs inside `gluonx launch` or alone) ----------------------------------------------------
def worker(args):
    import mxnet as mx
    import numpy as np

    import gluonx
    from gluonx.data.arrays import ArrayDataset
    from gluonx.train import EventHandler, Trainer

    name, kwargs = MODELS[args.model]
    rng = np.random.RandomState(0)
    data = ArrayDataset(rng.uniform(size=(args.samples, 1, 28, 28)).astype(np.float32),
                        rng.randint(0, 10, size=args.samples).astype(np.int32))
    trainer = Trainer(gluonx.get_model(name, **kwargs), mx.gluon.loss.SoftmaxCrossEntropyLoss(), "sgd",
                      {"learning_rate": 0.05, "momentum": 0.9}, kvstore=args.kvstore, seed=0)

    class EpochClock(EventHandler):
        def __init__(self):
            self.times = []

        def epoch_end(self, trainer, scalars):
            self.times.append(time.perf_counter())  # after read_window: the engine is idle

    clock = EpochClock()
    trainer.fit(data, epochs=args.epochs, batch_size=args.batch, event_handlers=[clock], log_interval=1000)
    global_batch = args.batch * trainer.num_workers
    samples_per_epoch = trainer.batches_per_epoch * global_batch
    rates = [samples_per_epoch / (b - a) for a, b in zip(clock.times, clock.times[1:])]
    num_params = sum(int(np.prod(p.shape)) for p in trainer.net.collect_params().values())
    if trainer.rank == 0:
        with open(args.out, "w") as handle:
            json.dump({"rates": rates, "num_params": num_params, "workers": trainer.num_workers,
                       "global_batch": global_batch, "steps_per_epoch": trainer.batches_per_epoch}, handle)


# -- driver --------------------------------------------------------------------------------------------
def run(setup, model, args, out):
    common = ["--worker", "--model", model, "--epochs", str(args.epochs), "--samples", str(args.samples),
              "--out", out]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    if setup.startswith("1 process"):
        env["OMP_NUM_THREADS"] = setup.split("(")[1][0]
        command = [sys.executable, HERE] + common + ["--kvstore", "device", "--batch", str(2 * args.batch)]
    else:
        backend, kvstore = ("horovod", "horovod") if setup == "horovod" else ("ps", "dist_sync")
        command = [sys.executable, "-m", "gluonx", "launch", "-n", "2", "--backend", backend, "--timeout", "600",
                   "--", sys.executable, HERE] + common + ["--kvstore", kvstore, "--batch", str(args.batch)]
    started = time.perf_counter()
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=700)
    if proc.returncode != 0:
        raise RuntimeError("{} / {} failed:\n{}".format(setup, model, (proc.stdout + proc.stderr)[-3000:]))
    with open(out) as handle:
        record = json.load(handle)
    record["wall_s"] = time.perf_counter() - started
    return record


def volume(setup, num_params, workers=2):
    """Payload bytes per step: (sent + received by one worker, sent over the network by the whole job)."""
    gradient = 4 * num_params
    if setup == "ps dist_sync":
        # each worker pushes its gradient and pulls the sum; the server receives and sends one per worker
        return 2 * gradient, 2 * workers * gradient
    if setup == "horovod":
        sent = 2 * (workers - 1) / workers * gradient  # ring allreduce: reduce-scatter + all-gather
        return 2 * sent, workers * sent
    return 0, 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="lenet,mlp")
    parser.add_argument("--batch", type=int, default=64, help="batch per worker (1 process: twice this)")
    parser.add_argument("--epochs", type=int, default=4, help="epochs per run; all but the first are timed")
    parser.add_argument("--samples", type=int, default=4096)
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--kvstore", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    import importlib.util
    setups = ["1 process (1 thread)", "1 process (2 threads)", "ps dist_sync"]
    if importlib.util.find_spec("horovod") is not None:
        setups.append("horovod")
    else:
        print("horovod is not installed (make horovod): skipping it", file=sys.stderr)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models.split(","):
            for setup in setups:
                record = run(setup, model, args, os.path.join(tmp, "result.json"))
                record.update(model=model, setup=setup)
                results.append(record)
                print("{:6s} {:22s} {:8.0f} samples/s  ({:.0f} s with start-up)".format(
                    model, setup, statistics.median(record["rates"]), record["wall_s"]), file=sys.stderr)
    print("| model (parameters) | setup | workers x batch | samples/s (median, min-max) | vs 1 process (1 thread) "
          "| per step: one worker sends + receives | per step: the job sends |")
    print("|---|---|---|---|---|---|---|")
    for record in results:
        base = next(r for r in results if r["model"] == record["model"] and r["setup"].startswith("1 process (1"))
        rate = statistics.median(record["rates"])
        per_worker, total = volume(record["setup"], record["num_params"])
        print("| {} ({:,}) | {} | {} x {} | {:,.0f} ({:,.0f}-{:,.0f}) | {:.2f}x | {} | {} |".format(
            record["model"], record["num_params"], record["setup"], record["workers"],
            record["global_batch"] // record["workers"], rate, min(record["rates"]), max(record["rates"]),
            rate / statistics.median(base["rates"]), _megabytes(per_worker), _megabytes(total)))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)
    return 0


def _megabytes(size):
    return "-" if not size else "{:.2f} MB".format(size / 1e6)


if __name__ == "__main__":
    sys.exit(main())
