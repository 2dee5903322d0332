"""Training-step throughput of the classic models: imperative vs hybridized vs hybridized static, with
``mx.gluon.model_zoo`` side by side where it has the same architecture.

One step is forward + loss + backward (no optimizer update) on random data; throughput is samples per
second, the median over ``--repeats`` rounds of at least ``--steps`` steps each (more for fast models, so
that a round lasts ``--min-round-time`` seconds). The variants are measured
round-robin (one round of every variant, then the next round), so slow phases of a shared machine hit
all of them alike. Every model runs at its own default input and batch size (the table below: the book's
small inputs, and 224x224 for DenseNet-121, the only size at which model zoo's fixed 7x7 final pooling
works); ``--batch-size`` overrides the batch size for all.

MXNet reads ``OMP_NUM_THREADS`` only when it is imported, so ``--threads`` sets it before the import;
without it MXNet's default applies (half the cores).

Usage::

    python benchmarks/models.py                              # every model, defaults (a few minutes)
    python benchmarks/models.py --models 'resnet*' 'lenet' --repeats 7 --threads 2
    python benchmarks/models.py --no-zoo --batch-size 8 --json results.json
"""
import argparse
import fnmatch
import json
import math
import os
import platform
import statistics
import sys
import time

#: registry name -> (factory kwargs, input shape without batch, default batch size, model zoo factory or None).
#: AlexNet uses model zoo's layer widths (the 2014 variant) so that both sides compute the same network.
MODELS = {
    "linear_regression": ({"in_units": 2}, (2,), 256, None),
    "softmax_regression": ({}, (1, 28, 28), 256, None),
    "mlp": ({}, (1, 28, 28), 256, None),
    "lenet": ({"preset": "fashion_mnist"}, (1, 28, 28), 64, None),
    "lenet_bn": ({"preset": "fashion_mnist"}, (1, 28, 28), 64, None),
    "alexnet": ({"variant": "model_zoo"}, (3, 63, 63), 16, "alexnet"),
    "vgg11": ({}, (3, 32, 32), 16, "vgg11"),
    "nin": ({}, (3, 67, 67), 16, None),
    "googlenet": ({}, (3, 32, 32), 16, None),
    "resnet18": ({}, (3, 32, 32), 16, "resnet18_v1"),
    "resnet34": ({}, (3, 32, 32), 16, "resnet34_v1"),
    "densenet_d2l": ({}, (3, 32, 32), 16, None),
    "densenet121": ({}, (3, 224, 224), 2, "densenet121"),
}

#: How each variant is prepared after building: (label, hybridize keyword arguments or None).
MODES = (("imperative", None), ("hybridized", {}), ("static", {"static_alloc": True, "static_shape": True}))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=["*"],
                        help="shell patterns of model names (default: all)")
    parser.add_argument("--batch-size", type=int, default=None, help="batch size for every model")
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds per variant (median reported)")
    parser.add_argument("--steps", type=int, default=2, help="least training steps per round")
    parser.add_argument("--min-round-time", type=float, default=0.2,
                        help="seconds a round should last at least (sets the steps of fast models)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps per variant before the rounds")
    parser.add_argument("--threads", type=int, default=None, help="OMP_NUM_THREADS (default: MXNet's choice)")
    parser.add_argument("--no-zoo", action="store_true", help="skip the model zoo comparisons")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    names = [name for name in MODELS if any(fnmatch.fnmatchcase(name, p) for p in args.models)]
    if not names:
        parser.error("no model matches {}; known: {}".format(args.models, ", ".join(MODELS)))
    if min(args.repeats, args.steps, args.batch_size or 1) < 1 or args.warmup < 0:
        parser.error("--repeats, --steps and --batch-size must be positive, --warmup non-negative")
    return args, names


def machine_facts(mx):
    threads = os.environ.get("OMP_NUM_THREADS")
    return {
        "cpu": _cpu_model(), "cores": os.cpu_count(),
        "omp_threads": threads or "default (MXNet uses {} = cores / 2)".format(max(os.cpu_count() // 2, 1)),
        "mxnet": mx.__version__, "mkldnn": mx.runtime.Features().is_enabled("MKLDNN"),
        "python": platform.python_version(), "load_average_at_start": os.getloadavg(),
    }


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


class Variant:
    """One network in one mode, with its data and a training step that does not block."""

    def __init__(self, mx, build, mode, input_shape, batch_size, regression):
        from mxnet import autograd, gluon
        self.mx, self.autograd = mx, autograd
        mx.random.seed(0)
        self.net = build()
        self.net.initialize(mx.init.Xavier())
        if mode is not None:
            self.net.hybridize(**mode)
        self.data = mx.nd.random.uniform(-1, 1, shape=(batch_size,) + input_shape)
        if regression:
            self.label = mx.nd.random.normal(shape=(batch_size, 1))
            self.loss = gluon.loss.L2Loss()
        else:
            self.label = mx.nd.random.randint(0, 10, shape=(batch_size,)).astype("float32")
            self.loss = gluon.loss.SoftmaxCrossEntropyLoss()
        self.batch_size = batch_size

    def step(self):
        with self.autograd.record():
            loss = self.loss(self.net(self.data), self.label)
        loss.backward()

    def calibrate(self, least_steps, min_seconds):
        """Steps per round: at least ``least_steps``, and enough to last ``min_seconds``."""
        seconds_per_step = self.batch_size / self.timed_round(1)
        self.steps = max(least_steps, int(math.ceil(min_seconds / seconds_per_step)))

    def timed_round(self, steps=None):
        """Samples per second over ``steps`` steps; waits for the engine before reading each clock."""
        steps = steps or self.steps
        self.mx.nd.waitall()
        start = time.perf_counter()
        for _ in range(steps):
            self.step()
        self.mx.nd.waitall()
        return steps * self.batch_size / (time.perf_counter() - start)


def benchmark_model(mx, name, args):
    import gluonx
    kwargs, input_shape, default_batch, zoo_name = MODELS[name]
    batch_size = args.batch_size or default_batch
    regression = gluonx.get_model_info(name).task == "regression"
    builders = [("gluonx", lambda: gluonx.get_model(name, **kwargs))]
    if zoo_name and not args.no_zoo:
        zoo_factory = getattr(mx.gluon.model_zoo.vision, zoo_name)
        builders.append(("model_zoo." + zoo_name, lambda: zoo_factory(classes=10)))
    variants = {}
    for source, build in builders:
        for mode_name, mode in MODES:
            variant = Variant(mx, build, mode, input_shape, batch_size, regression)
            for _ in range(args.warmup):
                variant.step()
            variant.calibrate(args.steps, args.min_round_time)
            variants[(source, mode_name)] = variant
    rounds = {key: [] for key in variants}
    for _ in range(args.repeats):
        for key, variant in variants.items():
            rounds[key].append(variant.timed_round())
    return [{"model": name, "source": source, "mode": mode, "input": [batch_size] + list(input_shape),
             "steps_per_round": variants[(source, mode)].steps, "samples_per_s": statistics.median(values),
             "rounds": values}
            for (source, mode), values in rounds.items()]


def markdown_table(results):
    lines = ["| model | implementation | input | imperative | hybridized | hybridized static "
             "| static / imperative |", "|---|---|---|---:|---:|---:|---:|"]
    grouped = {}
    for row in results:
        grouped.setdefault((row["model"], row["source"]), {})[row["mode"]] = row
    for (model, source), modes in grouped.items():
        speeds = {mode: modes[mode]["samples_per_s"] for mode in modes}
        shape = "x".join(str(d) for d in modes["imperative"]["input"])
        lines.append("| {} | {} | {} | {:.1f} | {:.1f} | {:.1f} | {:.2f} |".format(
            model, source, shape, speeds["imperative"], speeds["hybridized"], speeds["static"],
            speeds["static"] / speeds["imperative"]))
    return "\n".join(lines)


def main(argv=None):
    args, names = parse_args(argv)
    if args.threads is not None:
        os.environ["OMP_NUM_THREADS"] = str(args.threads)  # before MXNet is imported: read only then
    import mxnet as mx
    facts = machine_facts(mx)
    print("machine: " + ", ".join("{}={}".format(k, v) for k, v in facts.items()), flush=True)
    started = time.perf_counter()
    results = []
    for name in names:
        model_start = time.perf_counter()
        results.extend(benchmark_model(mx, name, args))
        print("{}: {:.0f} s".format(name, time.perf_counter() - model_start), file=sys.stderr, flush=True)
    facts["load_average_at_end"] = os.getloadavg()
    facts["wall_seconds"] = round(time.perf_counter() - started, 1)
    print("\nforward + backward, samples/s (median of {} rounds of >= {} steps and >= {} s)\n".format(
        args.repeats, args.steps, args.min_round_time))
    print(markdown_table(results))
    print("\nwall time {} s, load average at start {} and end {}".format(
        facts["wall_seconds"], facts["load_average_at_start"], facts["load_average_at_end"]))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"machine": facts, "arguments": vars(args), "results": results}, handle, indent=1)
    return results


if __name__ == "__main__":
    main()
