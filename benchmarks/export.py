"""Export and deployment benchmark: in-process hybridized vs exported symbol vs onnxruntime.

For each model it measures, side by side:

- export time (median of 3 after a warm-up): ``gluonx.export`` to symbol only (no checks), and to
  symbol + ONNX with every check (reloaded symbol and onnxruntime compared with the block at two batch
  sizes);
- cold start: a fresh process that imports its runtime, loads the model and runs one inference
  (median of ``--cold-runs`` processes): gluonx model code + ``load_parameters`` + hybridize, plain
  MXNet ``SymbolBlock.imports`` of the exported symbol (what a deployment without gluonx runs), and an
  onnxruntime session on ``model.onnx``;
- steady state: median latency at batch 1 and throughput at a larger batch, in this process, measured
  round-robin over the three runtimes and keeping each one's best round.

MXNet reads ``OMP_NUM_THREADS`` only before it is imported, so the thread count is set first, and
onnxruntime gets the same number of intra-op threads. Weights are random (Xavier): timings do not depend
on their values.

Usage::

    python benchmarks/export.py                       # lenet and resnet18 (ImageNet preset, 224x224)
    python benchmarks/export.py --models lenet --threads 2 --json results.json
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

#: model name -> (registry name, factory kwargs, example input shape at batch 1, throughput batch)
MODELS = {
    "lenet": ("lenet", {"preset": "fashion_mnist"}, (1, 1, 28, 28), 256),
    "resnet18": ("resnet18", {"preset": "imagenet"}, (1, 3, 224, 224), 16),
}
#: Fallbacks when the core models are not registered (the template plugin always is).
FALLBACKS = {
    "lenet": ("template_mlp", {"num_classes": 10}, (1, 16), 256),
    "resnet18": ("mxnet.gluon.model_zoo.vision.resnet18_v1", {}, (1, 3, 224, 224), 16),
}

_COLD_SCRIPTS = {
    "hybridized": """
import sys, time, json
start = time.perf_counter()
import numpy as np, mxnet as mx, gluonx
from gluonx.deploy import load_parameters
name, kwargs, folder, shape = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
imported = time.perf_counter()
if "." in name:
    from gluonx._registry import import_object
    net = import_object(name.rsplit(".", 1)[0] + ":" + name.rsplit(".", 1)[1])(**kwargs)
else:
    net = gluonx.get_model(name, **kwargs)
load_parameters(net, folder)
net.hybridize(static_alloc=True, static_shape=True)
loaded = time.perf_counter()
net(mx.nd.array(np.zeros(shape, "float32"))).asnumpy()
""",
    "symbol": """
import sys, time, json
start = time.perf_counter()
import numpy as np, mxnet as mx
name, kwargs, folder, shape = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
imported = time.perf_counter()
net = mx.gluon.SymbolBlock.imports(folder + "/model-symbol.json", ["data"], folder + "/model-0000.params")
net.hybridize(static_alloc=True, static_shape=True)
loaded = time.perf_counter()
net(mx.nd.array(np.zeros(shape, "float32"))).asnumpy()
""",
    "onnxruntime": """
import os, sys, time, json
start = time.perf_counter()
import numpy as np, onnxruntime
name, kwargs, folder, shape = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
imported = time.perf_counter()
options = onnxruntime.SessionOptions()
options.intra_op_num_threads = int(os.environ["OMP_NUM_THREADS"])
session = onnxruntime.InferenceSession(folder + "/model.onnx", options, providers=["CPUExecutionProvider"])
loaded = time.perf_counter()
session.run(None, {"data": np.zeros(shape, "float32")})
""",
}
_COLD_REPORT = """
done = time.perf_counter()
print(json.dumps({"import": imported - start, "load": loaded - imported, "first": done - loaded}))
"""


def build(name, kwargs, shape):
    import mxnet as mx
    import gluonx
    mx.random.seed(0)
    if "." in name:
        from gluonx._registry import import_object
        net = import_object(name.rsplit(".", 1)[0] + ":" + name.rsplit(".", 1)[1])(**kwargs)
    else:
        net = gluonx.get_model(name, **kwargs)
    net.initialize(mx.init.Xavier())
    net(mx.nd.zeros(shape))
    return net


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def cold_start(kind, name, kwargs, folder, shape, runs, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    totals, parts = [], []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", _COLD_SCRIPTS[kind] + _COLD_REPORT, name, json.dumps(kwargs),
                               folder, json.dumps(list(shape))], capture_output=True, text=True, env=env, timeout=600)
        if proc.returncode != 0:
            raise RuntimeError("cold start {} failed:\n{}".format(kind, proc.stderr[-3000:]))
        totals.append(time.perf_counter() - start)
        parts.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    best = sorted(range(runs), key=lambda i: totals[i])[runs // 2]
    return dict(parts[best], process=totals[best])


def steady(runs, batch_input, single_input, repeats, rounds=3):
    """Batch-1 latency (median of ``repeats`` runs) and throughput per runtime, measured round-robin
    ``rounds`` times and keeping each runtime's best round, so that load from other processes on a shared
    machine penalizes every runtime alike and spikes do not count."""
    best = {kind: {"latency_ms": float("inf"), "throughput": 0.0} for kind in runs}
    for run in runs.values():
        run(single_input)
        run(batch_input)
    for _ in range(rounds):
        for kind, run in runs.items():
            latencies = []
            for _ in range(repeats):
                start = time.perf_counter()
                run(single_input)
                latencies.append(time.perf_counter() - start)
            batches = max(2, repeats // 10)
            start = time.perf_counter()
            for _ in range(batches):
                run(batch_input)
            throughput = batches * batch_input.shape[0] / (time.perf_counter() - start)
            best[kind]["latency_ms"] = min(best[kind]["latency_ms"], 1000 * statistics.median(latencies))
            best[kind]["throughput"] = max(best[kind]["throughput"], throughput)
    return best


def runners(net, folder, threads):
    import mxnet as mx
    import onnxruntime
    net.hybridize(static_alloc=True, static_shape=True)
    from gluonx.deploy import import_symbol
    symbol = import_symbol(folder + "/model-symbol.json", folder + "/model-0000.params", ["data"], ["float32"])
    symbol.hybridize(static_alloc=True, static_shape=True)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    session = onnxruntime.InferenceSession(folder + "/model.onnx", options, providers=["CPUExecutionProvider"])
    return {
        "hybridized": lambda x: net(mx.nd.array(x)).asnumpy(),
        "symbol": lambda x: symbol(mx.nd.array(x)).asnumpy(),
        "onnxruntime": lambda x: session.run(None, {"data": x})[0],
    }


def benchmark(label, spec, args, workdir):
    import numpy as np
    import gluonx
    name, kwargs, shape, batch = spec
    net = build(name, kwargs, shape)
    x = np.random.RandomState(0).uniform(size=shape).astype("float32")
    folder = os.path.join(workdir, label)
    gluonx.export(net, folder, [x], formats=("symbol",), verify=False)  # warm-up: first graph build, imports
    symbol_seconds = statistics.median(
        timed(lambda: gluonx.export(net, folder, [x], formats=("symbol",), verify=False))[0] for _ in range(3))
    full_seconds = statistics.median(
        timed(lambda: gluonx.export(net, folder, [x], formats=("symbol", "onnx")))[0] for _ in range(3))
    results = {"model": name, "kwargs": kwargs, "input": list(shape), "throughput_batch": batch,
               "export_symbol_s": symbol_seconds, "export_symbol_onnx_checked_s": full_seconds, "runtimes": {}}
    big = np.random.RandomState(1).uniform(size=(batch,) + tuple(shape[1:])).astype("float32")
    for kind, record in steady(runners(net, folder, args.threads), big, x, args.repeats).items():
        record["cold"] = cold_start(kind, name, kwargs, folder, shape, args.cold_runs, args.threads)
        results["runtimes"][kind] = record
        print("  {:<12} cold {:.2f} s, latency {:.2f} ms, {:.0f} samples/s".format(
            kind, record["cold"]["process"], record["latency_ms"], record["throughput"]), flush=True)
    return results


def markdown(all_results, threads):
    lines = ["| model | runtime | cold start: process (import + load + first inference) | batch-1 latency | "
             "throughput |", "|---|---|---|---|---|"]
    for result in all_results:
        for kind, record in result["runtimes"].items():
            cold = record["cold"]
            row = "| {} {} | {} | {:.2f} s ({:.2f} + {:.3f} + {:.3f}) | {:.2f} ms | {:.0f} /s (batch {}) |"
            lines.append(row.format(
                result["model"], "x".join(map(str, result["input"][1:])), kind, cold["process"], cold["import"],
                cold["load"], cold["first"], record["latency_ms"], record["throughput"], result["throughput_batch"]))
    lines += ["", "| model | export: symbol | export: symbol + ONNX, all checks |", "|---|---|---|"]
    for result in all_results:
        lines.append("| {} | {:.2f} s | {:.2f} s |".format(result["model"], result["export_symbol_s"],
                                                           result["export_symbol_onnx_checked_s"]))
    lines.append("")
    lines.append("Threads: {} (OMP_NUM_THREADS for MXNet, intra-op threads for onnxruntime); load average "
                 "{:.1f} on {} CPUs when the run ended.".format(threads, os.getloadavg()[0], os.cpu_count()))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=50, help="batch-1 runs timed per runtime")
    parser.add_argument("--cold-runs", type=int, default=3, help="fresh processes per runtime (median)")
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args(argv)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # before MXNet is imported, or it has no effect
    import gluonx
    all_results = []
    with tempfile.TemporaryDirectory(prefix="gluonx-export-bench-") as workdir:
        for label in args.models:
            spec = MODELS[label]
            if spec[0] not in gluonx.list_models():
                spec = FALLBACKS[label]
                print("{} is not registered; benchmarking {} instead".format(label, spec[0]))
            print("{}: {}".format(label, spec[0]), flush=True)
            all_results.append(benchmark(label, spec, args, workdir))
    print()
    print(markdown(all_results, args.threads))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"threads": args.threads, "results": all_results}, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
