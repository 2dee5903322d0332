"""Optimizer benchmarks, run by hand: ``python benchmarks/optim.py [--repeats N] [--json PATH]``.

1. Per-step time of every gluonx recipe against MXNet's native equivalent on the parameters of ResNet-18
   (``mx.gluon.model_zoo.vision.resnet18_v1``: 62 arrays, 11.7 M values, float32), driven the way
   ``gluon.Trainer`` drives them (one ``mx.optimizer.Updater`` call with every index). Each recipe runs with
   its fused kernel (the default) and as a pure chain of transformations (``fused=False``). Timings are
   medians over repeats, the contenders interleaved in a new random order each round so that load from
   other processes hits them alike; the ratio of the fastest steps is shown too. Each step ends with
   ``mx.nd.waitall()``.
2. L-BFGS (``gluonx_optim.second_order.LBFGS`` on a Gluon model in float64) against
   ``scipy.optimize.minimize(method='L-BFGS-B')`` on the same L2-regularized multinomial logistic regression
   on ``load_digits`` (1797 x 64, 10 classes, 650 parameters): wall time to ``gtol=1e-6``, iterations and
   objective, medians over repeats. SciPy runs in a subprocess, with OpenBLAS on one thread and on its
   default, since BLAS threads must be chosen before NumPy is imported.

Prints a Markdown table per part (pasted into docs/benchmarks.md).
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time

import mxnet as mx
import numpy as np

import gluonx  # noqa: F401  (makes the gluonx_* names known to mx.optimizer)
from gluonx_optim.catalog import RECIPES

#: MXNet's counterpart of each recipe (AdamW has none in mx.optimizer 1.9.1: compared with Adam).
NATIVE = {name: (recipe.native[0] if recipe.native else "adam") for name, recipe in RECIPES.items()}
NATIVE_ARGS = {"momentum": {"momentum": 0.9}, "nesterov": {"momentum": 0.9}}
RECIPE_ARGS = {"proximal_sgd": {"l1": 1e-4}}


def resnet18_arrays():
    net = mx.gluon.model_zoo.vision.resnet18_v1()
    net.initialize(mx.init.Xavier())
    net(mx.nd.zeros((1, 3, 224, 224)))
    shapes = [p.shape for p in net.collect_params().values()]
    rng = np.random.RandomState(0)
    weights = [mx.nd.array(rng.randn(*s).astype("float32") * 0.05) for s in shapes]
    grads = [mx.nd.array(rng.randn(*s).astype("float32") * 0.01) for s in shapes]
    mx.nd.waitall()
    return weights, grads


def _step_time(updater, weights, grads):
    indices = list(range(len(weights)))
    start = time.perf_counter()
    updater(indices, grads, weights)
    mx.nd.waitall()
    return time.perf_counter() - start


def bench_recipes(repeats):
    weights, grads = resnet18_arrays()
    size = sum(w.size for w in weights)
    rows = []
    for name in RECIPES:
        kwargs = dict(NATIVE_ARGS.get(name, {}), learning_rate=1e-3)
        ours = dict(kwargs, **RECIPE_ARGS.get(name, {}))
        contenders = {
            "fused": mx.optimizer.get_updater(mx.optimizer.create("gluonx_" + name, **ours)),
            "chain": mx.optimizer.get_updater(mx.optimizer.create("gluonx_" + name, fused=False, **ours)),
            "native": mx.optimizer.get_updater(mx.optimizer.create(NATIVE[name], **kwargs)),
        }
        copies = {key: ([w.copy() for w in weights], [g.copy() for g in grads]) for key in contenders}
        times = {key: [] for key in contenders}
        order = list(contenders)
        for repeat in range(repeats + 2):
            # A new order every round, so that load from other processes hits every contender alike.
            random.shuffle(order)
            for key in order:
                elapsed = _step_time(contenders[key], *copies[key])
                if repeat >= 2:   # two warm-up steps create the states
                    times[key].append(elapsed)
        median = {key: statistics.median(values) * 1e3 for key, values in times.items()}
        best = {key: min(values) * 1e3 for key, values in times.items()}
        default = "fused" if RECIPES[name].fused is not None else "chain"
        rows.append({"recipe": "gluonx_" + name, "native": NATIVE[name], "native_ms": median["native"],
                     "default": default, "default_ms": median[default], "chain_ms": median["chain"],
                     "default_ratio": median[default] / median["native"],
                     "default_ratio_of_minima": best[default] / best["native"],
                     "chain_ratio": median["chain"] / median["native"], "minima_ms": best})
        print("  {:<22} native {:7.1f} ms  default {:7.1f} ms  chain {:7.1f} ms".format(
            "gluonx_" + name, median["native"], median[default], median["chain"]), file=sys.stderr)
    return {"parameters": size, "arrays": len(weights), "rows": rows}


def _digits():
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


L2 = 1e-3


def _numpy_objective(theta, X, y):
    n, p = X.shape
    W, b = theta[:p * 10].reshape(10, p), theta[p * 10:]
    z = X @ W.T + b
    z -= z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), y].mean() + 0.5 * L2 * (W ** 2).sum()
    delta = np.exp(log_p)
    delta[np.arange(n), y] -= 1.0
    delta /= n
    return loss, np.concatenate([(delta.T @ X + L2 * W).ravel(), delta.sum(axis=0)])


def scipy_lbfgs(repeats):
    """SciPy's L-BFGS-B on the NumPy objective (run in a subprocess: BLAS threads are set before import)."""
    from scipy import optimize
    X, y = _digits()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = optimize.minimize(_numpy_objective, np.zeros(650), args=(X, y), jac=True, method="L-BFGS-B",
                                   options={"gtol": 1e-6, "ftol": 1e-15, "maxiter": 1000})
        runs.append((time.perf_counter() - start, result))
    return {"seconds": statistics.median(t for t, _ in runs), "nit": int(runs[0][1].nit),
            "nfev": int(runs[0][1].nfev), "fun": float(runs[0][1].fun)}


def _scipy_in_subprocess(repeats, blas_threads):
    env = dict(os.environ)
    if blas_threads is not None:
        env.update(OPENBLAS_NUM_THREADS=str(blas_threads), OMP_NUM_THREADS=str(blas_threads))
    output = subprocess.run([sys.executable, os.path.abspath(__file__), "--scipy-only", "--lbfgs-repeats",
                             str(repeats)], env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def bench_lbfgs(repeats):
    from mxnet import autograd, gluon
    from gluonx_optim.second_order import LBFGS
    X, y = _digits()
    data, label = mx.nd.array(X, dtype="float64"), mx.nd.array(y, dtype="float64")
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    runs = []
    for _ in range(repeats):
        net = gluon.nn.Dense(10, in_units=64, dtype="float64")
        net.initialize(mx.init.Zero())

        def closure():
            with autograd.record():
                loss = loss_fn(net(data), label).mean() + 0.5 * L2 * (net.weight.data() ** 2).sum()
            loss.backward()
            return loss
        start = time.perf_counter()
        result = LBFGS(net.collect_params()).minimize(closure, max_iter=1000, gtol=1e-6)
        runs.append((time.perf_counter() - start, result))
    return {
        "gluonx": {"seconds": statistics.median(t for t, _ in runs), "nit": runs[0][1].nit,
                   "nfev": runs[0][1].nfev, "fun": runs[0][1].fun},
        # OpenBLAS's default threads thrash on a loaded two-core machine (10x slower here): both are shown.
        "scipy_1_thread": _scipy_in_subprocess(repeats, 1),
        "scipy_default_threads": _scipy_in_subprocess(repeats, None),
    }


def markdown(recipes, lbfgs, repeats, lbfgs_repeats):
    lines = []
    if recipes:
        lines += ["Per-step time on ResNet-18's {} parameter arrays ({:.1f} M float32 values), median of {} steps "
                  "(ratio of the fastest steps in brackets):".format(recipes["arrays"], recipes["parameters"] / 1e6,
                                                                    repeats), "",
                  "| recipe | MXNet native | native ms | gluonx default ms | ratio | pure chain ms | chain ratio |",
                  "|---|---|---:|---:|---:|---:|---:|"]
        for row in recipes["rows"]:
            lines.append("| {} | {} | {:.1f} | {:.1f}{} | {:.2f} ({:.2f}) | {:.1f} | {:.2f} |".format(
                row["recipe"], row["native"], row["native_ms"], row["default_ms"],
                "" if row["default"] == "fused" else " (chain)", row["default_ratio"],
                row["default_ratio_of_minima"], row["chain_ms"], row["chain_ratio"]))
    if not lbfgs:
        return "\n".join(lines)
    lines += ["", "L-BFGS on multinomial logistic regression, load_digits (650 parameters, gtol 1e-6), median of "
              "{} runs:".format(lbfgs_repeats), "",
              "| | wall time s | iterations | function evaluations | objective |", "|---|---:|---:|---:|---:|"]
    for label, key in (("gluonx_optim LBFGS (MXNet float64 closure)", "gluonx"),
                       ("scipy L-BFGS-B, NumPy objective, OpenBLAS 1 thread", "scipy_1_thread"),
                       ("scipy L-BFGS-B, NumPy objective, OpenBLAS default threads", "scipy_default_threads")):
        row = lbfgs[key]
        lines.append("| {} | {:.2f} | {} | {} | {:.10f} |".format(label, row["seconds"], row["nit"], row["nfev"],
                                                                  row["fun"]))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=10, help="timed steps per recipe (default 10)")
    parser.add_argument("--lbfgs-repeats", type=int, default=3, help="L-BFGS / SciPy runs (default 3)")
    parser.add_argument("--json", help="also write the raw results here")
    parser.add_argument("--only", choices=("recipes", "lbfgs"), help="run one part only")
    parser.add_argument("--scipy-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scipy_only:
        print(json.dumps(scipy_lbfgs(args.lbfgs_repeats)))
        return
    random.seed(0)
    print("OMP_NUM_THREADS={}, load average {}".format(os.environ.get("OMP_NUM_THREADS", "unset"),
                                                      " ".join(open("/proc/loadavg").read().split()[:3])
                                                      if os.path.exists("/proc/loadavg") else "n/a"), file=sys.stderr)
    recipes = bench_recipes(args.repeats) if args.only in (None, "recipes") else None
    lbfgs = bench_lbfgs(args.lbfgs_repeats) if args.only in (None, "lbfgs") else None
    print(markdown(recipes, lbfgs, args.repeats, args.lbfgs_repeats))
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"recipes": recipes, "lbfgs": lbfgs}, out, indent=2)


if __name__ == "__main__":
    main()
