"""Generative-plugin benchmark, run by hand: ``python benchmarks/generative.py [--repeats N] [--json PATH]``.

Bernoulli RBM training throughput (samples/s) of gluonx's persistent CD-1 step
(``ContrastiveDivergenceStep(k=1, persistent=True)`` driven by ``gluonx.Trainer.train_batch``; its gradient is
computed in closed form inside the graph, and the row "autograd" records the graph and runs backward instead) against
scikit-learn's ``BernoulliRBM`` (whose ``fit`` is persistent CD-1 with mean-field hidden statistics: the same
algorithm) at the same size, on ``load_digits`` binarized at 8 (1797 x 64), plain SGD, one epoch per
measurement. CD-1 (chains restarted at the data) is timed too, and the same fused PCD-1 graph driven by a plain
``gluon.Trainer`` (what gluonx.Trainer's per-batch bookkeeping costs). The contenders run interleaved in a new random
order each round so load from other processes hits them alike; medians of wall time and of the process's CPU time
(time.process_time) and the ratios of medians are printed.
MXNet runs on the CPU with the OpenMP threads of ``OMP_NUM_THREADS`` (read when MXNet is imported; printed);
scikit-learn uses NumPy's BLAS as installed.
"""
import argparse
import os
import random
import statistics
import time

import mxnet as mx
import numpy as np
from sklearn.datasets import load_digits
from sklearn.neural_network import BernoulliRBM as SklearnRBM

import gluonx
from gluonx.utils.atomic import write_json
from gluonx_generative.rbm import BernoulliRBM
from gluonx_generative.training import ContrastiveDivergenceStep, ContrastiveGraph


def binarized_digits():
    return (load_digits().data >= 8).astype(np.float32)


def sklearn_epoch(data, n_hidden, batch_size, lr):
    rbm = SklearnRBM(n_components=n_hidden, batch_size=batch_size, learning_rate=lr, n_iter=1, random_state=0)
    start, cpu = time.perf_counter(), time.process_time()
    rbm.fit(data)
    return time.perf_counter() - start, time.process_time() - cpu


def gluonx_epoch(data, n_hidden, batch_size, lr, persistent, closed_form=True):
    net = BernoulliRBM(data.shape[1], n_hidden)
    step = ContrastiveDivergenceStep(k=1, persistent=persistent, closed_form=closed_form)
    trainer = gluonx.Trainer(net, step=step, optimizer="sgd",
                             optimizer_params={"learning_rate": lr}, seed=0)
    order = np.random.RandomState(0).permutation(len(data))
    # The shuffled data copied to the device once, as scikit-learn gets it in memory: a per-batch
    # mx.nd.array(numpy_batch) is a synchronous host copy that cost 40 % of an epoch in cProfile at batch 10.
    shuffled = mx.nd.array(data[order])
    trainer.train_batch(shuffled[:batch_size])  # first call builds the hybridized graph: not timed
    mx.nd.waitall()
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(data), batch_size):
        trainer.train_batch(shuffled[i:i + batch_size])
    mx.nd.waitall()
    return time.perf_counter() - start, time.process_time() - cpu


def graph_epoch(data, n_hidden, batch_size, lr):
    """The same PCD-1 graph driven by a plain ``gluon.Trainer``: what gluonx.Trainer's bookkeeping costs."""
    net = BernoulliRBM(data.shape[1], n_hidden)
    net.initialize(mx.init.Normal(0.01))
    graph = ContrastiveGraph(net, 1)
    graph.hybridize(static_alloc=True)
    updater = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": lr})
    order = np.random.RandomState(0).permutation(len(data))
    batches = [mx.nd.array(data[order[i:i + batch_size]]) for i in range(0, len(data), batch_size)]
    chain = batches[0]
    start = cpu = None
    for index, batch in enumerate([batches[0]] + batches):
        if index == 1:  # the first call builds the graph: not timed
            mx.nd.waitall()
            start, cpu = time.perf_counter(), time.process_time()
        if chain.shape != batch.shape:
            chain = batch
        with mx.autograd.record():
            gap, sample = graph(batch, chain)
        gap.backward()
        updater.step(batch.shape[0])
        chain = sample.copy()
    mx.nd.waitall()
    return time.perf_counter() - start, time.process_time() - cpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--hidden", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    data = binarized_digits()
    rows, raw = [], {}
    for n_hidden in args.hidden:
        for batch_size in args.batch_sizes:
            contenders = {
                "sklearn BernoulliRBM (PCD-1)": lambda: sklearn_epoch(data, n_hidden, batch_size, 0.1),
                "gluonx PCD-1": lambda: gluonx_epoch(data, n_hidden, batch_size, 0.1, True),
                "gluonx CD-1": lambda: gluonx_epoch(data, n_hidden, batch_size, 0.1, False),
                "gluonx PCD-1, autograd": lambda: gluonx_epoch(data, n_hidden, batch_size, 0.1, True, False),
                "PCD-1 graph + gluon.Trainer": lambda: graph_epoch(data, n_hidden, batch_size, 0.1),
            }
            times = {name: [] for name in contenders}
            for _ in range(args.repeats):
                names = list(contenders)
                random.shuffle(names)
                for name in names:
                    times[name].append(contenders[name]())
            medians = {name: len(data) / statistics.median(w for w, _ in values) for name, values in times.items()}
            cpu_medians = {name: len(data) / statistics.median(c for _, c in values) for name, values in times.items()}
            reference = medians["sklearn BernoulliRBM (PCD-1)"]
            cpu_reference = cpu_medians["sklearn BernoulliRBM (PCD-1)"]
            for name, rate in medians.items():
                rows.append((n_hidden, batch_size, name, rate, rate / reference, cpu_medians[name],
                             cpu_medians[name] / cpu_reference))
            raw["{}x{}".format(n_hidden, batch_size)] = times
    print("OMP_NUM_THREADS={}, {} repeats, {} samples per epoch".format(
        os.environ.get("OMP_NUM_THREADS", "unset"), args.repeats, len(data)))
    print("| hidden | batch | trainer | samples/s, wall (median) | ratio | samples per CPU second (median) | ratio |")
    print("|---|---|---|---|---|---|---|")
    for n_hidden, batch_size, name, rate, ratio, cpu_rate, cpu_ratio in rows:
        print("| {} | {} | {} | {:,.0f} | {:.2f}x | {:,.0f} | {:.2f}x |".format(n_hidden, batch_size, name, rate, ratio,
                                                                             cpu_rate, cpu_ratio))
    if args.json:
        write_json(args.json, {"rows": rows, "seconds": raw, "samples": len(data),
                               "omp_num_threads": os.environ.get("OMP_NUM_THREADS")})


if __name__ == "__main__":
    main()
