"""Training benchmark: d2lzh's ``train_ch5`` vs ``gluonx.Trainer``, the trainer's overhead over a
hand-written loop, and devices x OpenMP threads.

Three comparisons, measured side by side in one run on LeNet (D2L 5.5, 1x28x28) and ResNet-18 (D2L 5.11,
Fashion-MNIST resized to 96x96 as the book does):

1. the book's loop -- ``d2lzh.train_ch5`` fed by a ``load_data_fashion_mnist``-style pipeline (a Gluon
   ``ArrayDataset`` of uint8 28x28x1 images, ``transform_first(Compose([Resize, ToTensor]))``, a
   ``DataLoader`` with the book's ``num_workers``, the net run imperatively as in the book) -- against
   ``gluonx.Trainer.fit`` on the same architecture and the same images (uint8 NCHW, resized once
   beforehand for ResNet-18; the trainer scales them on the device and hybridizes the net). The book's
   loop also runs with the net hybridized as gluonx does, to separate the graph from the loop;
2. ``gluonx.Trainer`` against a hand-written loop doing the same work: the same hybridized (static) net,
   the same batch order and batching, the same zero-copy move of each uint8 batch to the device (a private
   NumPy copy wrapped by ``mx.nd.from_numpy(..., zero_copy=True)``: ``mx.nd.array`` would wait for the
   engine every batch), the same SGD, loss and accuracy summed on the device and read once at the end, the
   same validation batch;
3. ``gluonx.Trainer`` on ``cpu:0`` vs ``cpu:0,cpu:1``, at MXNet's default OpenMP thread count and at each
   of ``--threads``.

Every timed run builds a fresh net, warms it up on one batch (and one validation pass), then times one
epoch of ``--batches`` training batches followed by the validation of one batch (``train_ch5`` always
evaluates test accuracy at the end of an epoch, so every runner gets the same one-batch test set).
Two figures per run: samples/s = training samples / wall time of that epoch, and samples per CPU-second =
training samples / CPU time spent in that epoch by the process (all its threads, OpenMP spinning
included) and, for d2l, by its DataLoader worker processes. On a shared machine the wall time depends on
what else runs; the CPU time much less, so it is the steadier measure of the work a loop does (but it
cannot show a speed-up from running on more cores). Each run also records how many cores the *other*
processes kept busy meanwhile (from ``/proc/stat``); the tables repeat the wall-time figures over the
"quiet" runs alone, where that was under ``QUIET_CORES``. Data are random uint8 images with random labels
(no download): speed does not depend on the values.

MXNet reads ``OMP_NUM_THREADS`` only when it is imported, so each thread setting gets its own worker
process (started once, reused for every configuration with that setting; the default one runs with
``OMP_NUM_THREADS`` unset). The configurations are interleaved -- in every repeat each one runs once, in
an order rotated from repeat to repeat -- so slow drift of a shared machine hits them all alike; the tables
give medians over repeats with the min-max range, and the ratios are medians of per-repeat ratios.

d2lzh is installed if missing (``pip install --no-deps d2lzh==1.0.0``); it imports IPython only to show
SVG plots, so a stub module stands in for IPython when it is not installed.

Usage::

    python benchmarks/train.py                        # lenet and resnet18, 5 repeats (about 6 min on 2 cores)
    python benchmarks/train.py --quick                # smaller epochs, 2 repeats (about 1.5 min)
    python benchmarks/train.py --models lenet --repeats 5 --batches 30 --json train.json
    python benchmarks/train.py --runners gluonx,hand  # the trainer-overhead comparison alone
"""
import argparse
import contextlib
import gc
import importlib.util
import io
import json
import os
import platform
import queue
import statistics
import subprocess
import sys
import threading
import time
import types

#: Per model: registry name and factory arguments, input side (``None``: 28x28 as stored), the book's
#: learning rate (D2L 5.5: 0.9; D2L 5.11: 0.05), batch size, and timed batches (default / --quick).
#: ResNet-18 runs at the book's 96x96 but with batches of 32 instead of 256 (one batch of 256 takes 7-12
#: s on one core here): its speed is set by the convolutions, so the batch size hardly changes samples/s.
MODELS = {
    "lenet": {"name": "lenet", "kwargs": {"preset": "fashion_mnist"}, "resize": None, "lr": 0.9,
              "batch_size": 256, "batches": 16, "quick_batch_size": 256, "quick_batches": 8},
    "resnet18": {"name": "resnet18", "kwargs": {"preset": "fashion_mnist"}, "resize": 96, "lr": 0.05,
                 "batch_size": 32, "batches": 4, "quick_batch_size": 16, "quick_batches": 2},
}

#: gluonx's recommended setting per workload on a 2-core machine that is not busy with other work, from the
#: measurements in docs/benchmarks.md: OpenMP threads (``None``: MXNet's default) and devices.
RECOMMENDED = {
    "lenet": {"threads": 2, "ctx": "cpu:0"},
    "resnet18": {"threads": 2, "ctx": "cpu:0"},
}

#: The book's DataLoader workers (``d2lzh.load_data_fashion_mnist``).
BOOK_NUM_WORKERS = 0 if sys.platform.startswith("win32") else 4

ONE_DEVICE, TWO_DEVICES = "cpu:0", "cpu:0,cpu:1"

#: A run is "quiet" when the other processes on the machine kept fewer cores than this busy on average
#: while it ran (from /proc/stat): its wall time then shows what the configuration does on its own.
QUIET_CORES = 0.25
RESULT_PREFIX = "@@result "


# -- set-up that a fresh machine needs ------------------------------------------------------------------
def ensure_d2lzh():
    """Install d2lzh 1.0.0 without its dependencies (it pins an old mxnet) when it is missing."""
    if importlib.util.find_spec("d2lzh") is None:
        print("installing d2lzh==1.0.0 (--no-deps)", file=sys.stderr, flush=True)
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--no-deps", "d2lzh==1.0.0"])
        importlib.invalidate_caches()


def stub_ipython():
    """d2lzh does ``from IPython import display`` (for SVG plots only): stand in for it when absent."""
    if "IPython" in sys.modules or importlib.util.find_spec("IPython") is not None:
        return
    ipython = types.ModuleType("IPython")
    display = types.ModuleType("IPython.display")
    display.set_matplotlib_formats = lambda *args, **kwargs: None
    display.display = lambda *args, **kwargs: None
    ipython.display = display
    sys.modules["IPython"] = ipython
    sys.modules["IPython.display"] = display


def available_cpus():
    """Logical CPUs this process may run on (what OpenMP's ``omp_get_num_procs`` counts)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def default_threads():
    """MXNet's default OpenMP thread count here: half the available logical CPUs, at least one (x86)."""
    return max(1, available_cpus() // 2)


# -- the worker: one process per thread setting -----------------------------------------------------------
class Workload:
    """Generated Fashion-MNIST-shaped data for one model, in both layouts (cached per worker)."""

    def __init__(self, spec, batch_size, batches):
        import numpy as np
        rng = np.random.RandomState(0)
        self.num_train = batch_size * batches
        self.num_test = batch_size
        total = self.num_train + self.num_test
        # the layout of gluon.data.vision.FashionMNIST: (N, 28, 28, 1) uint8 images, int32 labels
        self.images_hwc = rng.randint(0, 256, size=(total, 28, 28, 1)).astype("uint8")
        self.labels = rng.randint(0, 10, size=total).astype("int32")
        started = time.perf_counter()
        self.images_nchw = self._nchw(self.images_hwc, spec["resize"])
        self.resize_seconds = time.perf_counter() - started if spec["resize"] else 0.0

    @staticmethod
    def _nchw(images, resize):
        """(N, 1, H, W) uint8, resized once with the transform the book applies to every sample."""
        import mxnet as mx
        import numpy as np
        if not resize:
            return np.ascontiguousarray(images.transpose(0, 3, 1, 2))
        resizer = mx.gluon.data.vision.transforms.Resize(resize)
        out = np.stack([resizer(mx.nd.array(image, dtype="uint8")).asnumpy() for image in images])
        return np.ascontiguousarray(out.transpose(0, 3, 1, 2))

    def split(self, layout):
        images = self.images_hwc if layout == "hwc" else self.images_nchw
        n = self.num_train
        return (images[:n], self.labels[:n]), (images[n:], self.labels[n:])


def source_commit():
    """The git commit measured (``+dirty`` when tracked files differ from it), or ``unknown``."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def machine_busy_seconds():
    """CPU seconds that the whole machine has spent busy since boot (Linux ``/proc/stat``), or None."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    ticks = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq + steal) / ticks


class Clock:
    """Wall time, process CPU time (all threads of this process) and the machine's busy CPU time, from
    creation to :meth:`stop`.

    Callers drain MXNet's engine (``waitall``) before creating and before stopping it."""

    def __init__(self):
        self.busy_start = machine_busy_seconds()
        self.cpu_start, self.wall_start = time.process_time(), time.perf_counter()
        self.seconds = self.cpu_seconds = self.busy_seconds = None

    def stop(self):
        self.seconds = time.perf_counter() - self.wall_start
        self.cpu_seconds = time.process_time() - self.cpu_start
        busy = machine_busy_seconds()
        if busy is not None and self.busy_start is not None:
            self.busy_seconds = busy - self.busy_start

    def others_cores(self):
        """Cores that other processes kept busy on average while the clock ran (None if unknown)."""
        if self.busy_seconds is None:
            return None
        return max(0.0, self.busy_seconds - self.cpu_seconds) / self.seconds


def _build_net(spec):
    import gluonx
    return gluonx.get_model(spec["name"], **spec["kwargs"])


def _book_transformer(spec):
    from mxnet.gluon.data.vision import transforms
    steps = [transforms.Resize(spec["resize"])] if spec["resize"] else []
    return transforms.Compose(steps + [transforms.ToTensor()])


def run_d2l(spec, workload, batch_size, hybridize):
    """d2lzh.train_ch5 over a load_data_fashion_mnist-style DataLoader; the net runs imperatively, as in
    D2L 5.5 and 5.11, unless ``hybridize``: then it is hybridized like gluonx's (static allocation and
    shapes), which separates what the graph brings from what the loop and the data pipeline cost.

    The DataLoaders are the book's except ``auto_reload=False``: with the default, a loader starts
    prefetching the *next* epoch as soon as one ends, so a single timed epoch would also pay for part of
    the next one; with it, the timed window holds exactly one epoch of data loading, as in a long run.
    The CPU time that the loaders' worker processes spend in the timed window is added to the process's.
    """
    import mxnet as mx
    from mxnet import gluon
    from mxnet.gluon import data as gdata
    stub_ipython()
    import d2lzh as d2l
    ctx = mx.cpu()
    (train_x, train_y), (test_x, test_y) = workload.split("hwc")
    transformer = _book_transformer(spec)
    net = _build_net(spec)
    net.initialize(force_reinit=True, ctx=ctx, init=mx.init.Xavier())
    if hybridize:
        net.hybridize(static_alloc=True, static_shape=True)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": spec["lr"]})
    # warm-up: one batch through train_ch5's own loop body and evaluation, on in-process transformed samples
    warm_x = mx.nd.stack(*[transformer(mx.nd.array(x, dtype="uint8")) for x in train_x[:batch_size]])
    warm_batch = [(warm_x, mx.nd.array(train_y[:batch_size], dtype="int32"))]
    with contextlib.redirect_stdout(io.StringIO()):
        d2l.train_ch5(net, warm_batch, warm_batch, batch_size, trainer, ctx, 1)
    train_set = gdata.ArrayDataset(mx.nd.array(train_x, dtype="uint8"), train_y)
    test_set = gdata.ArrayDataset(mx.nd.array(test_x, dtype="uint8"), test_y)
    train_iter = gdata.DataLoader(train_set.transform_first(transformer), batch_size, shuffle=True,
                                  num_workers=BOOK_NUM_WORKERS, auto_reload=False)
    test_iter = gdata.DataLoader(test_set.transform_first(transformer), batch_size, shuffle=False,
                                 num_workers=BOOK_NUM_WORKERS, auto_reload=False)
    loaders = (train_iter, test_iter)
    time.sleep(0.5)  # let the worker processes finish starting before the clock runs
    mx.nd.waitall()
    workers_before = _pool_cpu_seconds(loaders)
    log = io.StringIO()
    clock = Clock()
    with contextlib.redirect_stdout(log):
        d2l.train_ch5(net, train_iter, test_iter, batch_size, trainer, ctx, 1)
    mx.nd.waitall()
    clock.stop()
    clock.cpu_seconds += _pool_cpu_seconds(loaders) - workers_before
    del loaders, train_iter, test_iter  # terminates the worker pools before the next measurement
    gc.collect()
    return clock, {"d2l_log": log.getvalue().strip().splitlines()[-1]}


def _pool_cpu_seconds(loaders):
    """CPU seconds used so far by the worker processes of DataLoaders (Linux ``/proc``; 0 elsewhere)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    for loader in loaders:
        pool = getattr(loader, "_worker_pool", None)
        for process in getattr(pool, "_pool", None) or []:
            try:
                with open("/proc/{}/stat".format(process.pid)) as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return total


def run_gluonx(spec, workload, batch_size, ctx):
    """gluonx.Trainer.fit on gluonx's ArrayDataset of uint8 images (scaled on the device)."""
    import mxnet as mx
    import gluonx
    from gluonx.data.arrays import ArrayDataset
    (train_x, train_y), (test_x, test_y) = workload.split("nchw")
    train_set, test_set = ArrayDataset(train_x, train_y), ArrayDataset(test_x, test_y)
    trainer = gluonx.Trainer(_build_net(spec), mx.gluon.loss.SoftmaxCrossEntropyLoss(), "sgd",
                             {"learning_rate": spec["lr"]}, ctx=ctx)
    trainer.fit(ArrayDataset(train_x[:batch_size], train_y[:batch_size]), epochs=1, batch_size=batch_size,
                val_data=test_set)
    mx.nd.waitall()
    clock = Clock()
    epochs = trainer.fit(train_set, epochs=trainer.state.epoch + 1, batch_size=batch_size, val_data=test_set)
    mx.nd.waitall()
    clock.stop()
    return clock, {"loss": epochs[-1].get("loss"), "val_accuracy": epochs[-1].get("val_accuracy")}


def run_hand(spec, workload, batch_size):
    """The same work as gluonx.Trainer, written by hand: hybridized static net, the trainer's batch order,
    uint8 batches copied in zero-copy and scaled on the device, SGD, loss and accuracy summed on the device, one
    read at the end."""
    import mxnet as mx
    import numpy as np
    from mxnet import autograd, gluon
    from gluonx.data.arrays import ArrayDataset
    from gluonx.data.sampler import EpochBatchSampler
    ctx = mx.cpu()
    (train_x, train_y), (test_x, test_y) = workload.split("nchw")
    net = _build_net(spec)
    net.initialize(mx.init.Xavier(), ctx=ctx)
    net.hybridize(static_alloc=True, static_shape=True)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": spec["lr"]})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()

    def to_device(x, y):
        # the trainer's copy-in: a zero-copy wrap of a private copy (mx.nd.array would wait for the engine)
        x = mx.nd.from_numpy(np.array(x, copy=True, order="C"), zero_copy=True).as_in_context(ctx)
        y = mx.nd.from_numpy(np.array(y, copy=True, order="C"), zero_copy=True).as_in_context(ctx)
        return x.astype("float32") / 255.0, y

    def correct(output, y):
        return (mx.nd.argmax(output, axis=-1) == y.astype("float32")).sum()

    def epoch(dataset, number):
        loss_sum = acc_sum = 0
        for indices in EpochBatchSampler(len(dataset), batch_size, seed=0).batches(number):
            x, y = to_device(*dataset.take(indices))
            with autograd.record():
                output = net(x)
                loss = loss_fn(output, y)
            loss.backward()
            trainer.step(x.shape[0])
            loss_sum = loss_sum + loss.sum()
            acc_sum = acc_sum + correct(output, y)
        x, y = to_device(test_x, test_y)
        val_sum = correct(net(x), y)
        return [value.asscalar() / count for value, count in
                ((loss_sum, len(dataset)), (acc_sum, len(dataset)), (val_sum, len(test_y)))]

    epoch(ArrayDataset(train_x[:batch_size], train_y[:batch_size]), 0)
    mx.nd.waitall()
    clock = Clock()
    loss, accuracy, val_accuracy = epoch(ArrayDataset(train_x, train_y), 1)
    mx.nd.waitall()
    clock.stop()
    return clock, {"loss": float(loss), "accuracy": float(accuracy), "val_accuracy": float(val_accuracy)}


def worker_main():
    """Serve jobs (one JSON object per line on stdin) and answer one result line each on stdout."""
    out = sys.stdout
    import mxnet as mx  # the OpenMP pool is sized here, from this process's environment
    workloads = {}
    out.write(RESULT_PREFIX + json.dumps({"ready": True, "mxnet": mx.__version__}) + "\n")
    out.flush()
    for line in sys.stdin:
        job = json.loads(line)
        spec = MODELS[job["model"]]
        key = (job["model"], job["batch_size"], job["batches"], job["resize"])
        try:
            spec = dict(spec, resize=job["resize"])
            if key not in workloads:
                workloads[key] = Workload(spec, job["batch_size"], job["batches"])
            workload = workloads[key]
            with contextlib.redirect_stdout(io.StringIO()):
                if job["runner"] in ("d2l", "d2l_static"):
                    clock, extra = run_d2l(spec, workload, job["batch_size"], job["runner"] == "d2l_static")
                elif job["runner"] == "gluonx":
                    clock, extra = run_gluonx(spec, workload, job["batch_size"], job["ctx"])
                else:
                    clock, extra = run_hand(spec, workload, job["batch_size"])
            result = {"seconds": clock.seconds, "cpu_seconds": clock.cpu_seconds, "samples": workload.num_train,
                      "samples_per_sec": workload.num_train / clock.seconds,
                      "samples_per_cpu_sec": workload.num_train / clock.cpu_seconds,
                      "resize_seconds": workload.resize_seconds, "load_average": os.getloadavg()[0],
                      "others_cores": clock.others_cores()}
            result.update(extra)
        except Exception as error:  # reported in the table; the run goes on
            result = {"error": "{}: {}".format(type(error).__name__, error)}
        out.write(RESULT_PREFIX + json.dumps(result) + "\n")
        out.flush()


class Worker:
    """A worker process with a fixed OpenMP setting; restarted if it dies (e.g. an MXNet crash)."""

    def __init__(self, threads, timeout):
        self.threads = threads
        self.timeout = timeout
        self.process = None
        self.lines = None

    def _start(self):
        env = dict(os.environ, MPLBACKEND="Agg", PYTHONUNBUFFERED="1")
        env.pop("OMP_NUM_THREADS", None)
        if self.threads is not None:
            env["OMP_NUM_THREADS"] = str(self.threads)
        self.process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker"], env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, args=(self.process.stdout, self.lines), daemon=True).start()
        ready = self._answer(self.timeout)
        if "error" in ready:
            raise RuntimeError("worker (OMP_NUM_THREADS={}) did not start: {}".format(self.threads, ready["error"]))

    @staticmethod
    def _read(stream, lines):
        for line in stream:
            if line.startswith(RESULT_PREFIX):
                lines.put(json.loads(line[len(RESULT_PREFIX):]))
        lines.put(None)

    def _answer(self, timeout):
        try:
            answer = self.lines.get(timeout=timeout)
        except queue.Empty:
            self.process.kill()
            self.process.wait()
            self.process = None
            return {"error": "no answer within {} s (killed)".format(timeout)}
        if answer is None:
            code = self.process.wait()
            self.process = None
            return {"error": "worker exited with code {}".format(code)}
        return answer

    def run(self, job):
        if self.process is None:
            self._start()
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        return self._answer(self.timeout)

    def close(self):
        if self.process is not None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


# -- the plan and the tables ------------------------------------------------------------------------------
def thread_label(threads):
    return "default ({})".format(default_threads()) if threads is None else str(threads)


def config_label(config):
    runner = {"d2l": "d2l train_ch5", "d2l_static": "d2l train_ch5, net hybridized static",
              "gluonx": "gluonx.Trainer", "hand": "hand-written loop"}[config["runner"]]
    ctx = " on {}".format(config["ctx"]) if config["runner"] == "gluonx" else ""
    return "{}{}, OMP {}".format(runner, ctx, thread_label(config["threads"]))


def thread_settings(extra):
    """``None`` (MXNet's default) plus the explicit counts that differ from it."""
    return [None] + [t for t in sorted(set(extra)) if t != default_threads()]


def plan(model, settings):
    """The configurations measured for ``model``."""
    configs = []
    for threads in settings:
        configs.append({"runner": "d2l", "threads": threads})
        if threads is None:
            configs.append({"runner": "d2l_static", "threads": threads})
        for ctx in (ONE_DEVICE, TWO_DEVICES):
            configs.append({"runner": "gluonx", "threads": threads, "ctx": ctx})
        configs.append({"runner": "hand", "threads": threads})
    recommended = RECOMMENDED[model]
    rec_threads = None if recommended["threads"] in (None, default_threads()) else recommended["threads"]
    if not any(c["runner"] == "gluonx" and c["threads"] == rec_threads and c["ctx"] == recommended["ctx"]
               for c in configs):
        configs.append({"runner": "gluonx", "threads": rec_threads, "ctx": recommended["ctx"]})
    for config in configs:
        config["model"] = model
        config.setdefault("ctx", ONE_DEVICE)
        config["label"] = config_label(config)
    return configs


def find(results, model, runner, threads, ctx=ONE_DEVICE):
    for config, runs in results:
        if (config["model"], config["runner"], config["threads"], config["ctx"]) == (model, runner, threads, ctx):
            return runs
    return None


def spread(values, fmt):
    """``median [min-max]`` of ``values`` in ``fmt``."""
    return (fmt + " [" + fmt + "-" + fmt + "]").format(statistics.median(values), min(values), max(values))


def is_quiet(run):
    """True if other processes used less than QUIET_CORES cores on average during the run."""
    others = run.get("others_cores")
    return others is not None and others < QUIET_CORES


def summary(runs, key, quiet=False):
    """Median and range of ``key`` over the runs that succeeded (only the quiet ones, with their count)."""
    values = [run[key] for run in runs if key in run and (is_quiet(run) or not quiet)]
    if not values:
        if quiet:
            return "none"
        return "failed: " + "; ".join(sorted({run.get("error", "?") for run in runs}))
    text = spread(values, "{:.0f}" if max(values) >= 100 else "{:.1f}")
    if quiet:
        return text + " (n={})".format(len(values))
    failed = len(runs) - len(values)
    return text + (" ({} failed)".format(failed) if failed else "")


def paired(numerator, denominator, key, overhead=False, quiet=False):
    """Per-repeat ratios ``numerator[key] / denominator[key]`` (measured in the same repeat): median [range].

    With ``overhead``, the extra time of ``denominator`` over ``numerator`` in percent; with ``quiet``, only
    the repeats in which both runs were quiet (their count follows).
    """
    if not numerator or not denominator:
        return "n/a"
    values = [a[key] / b[key] for a, b in zip(numerator, denominator)
              if key in a and key in b and (not quiet or (is_quiet(a) and is_quiet(b)))]
    if not values:
        return "none" if quiet else "n/a"
    if overhead:
        text = spread([100.0 * (v - 1.0) for v in values], "{:+.1f} %")
    else:
        text = spread(values, "{:.2f}x")
    return text + (" (n={})".format(len(values)) if quiet else "")


def recommended(model):
    """(threads, ctx) of RECOMMENDED[model], threads ``None`` when it is MXNet's default."""
    threads = RECOMMENDED[model]["threads"]
    return (None if threads in (None, default_threads()) else threads), RECOMMENDED[model]["ctx"]


def comparisons(model, settings):
    """(label, numerator, denominator, overhead) rows of the ratio table, as (runner, threads, ctx) keys."""
    rec_threads, rec_ctx = recommended(model)
    rows = [("gluonx.Trainer / d2l train_ch5, both OMP default", ("gluonx", None, ONE_DEVICE),
             ("d2l", None, ONE_DEVICE), False),
            ("gluonx.Trainer recommended (OMP {}, {}) / d2l train_ch5, OMP default".format(
                thread_label(rec_threads), rec_ctx), ("gluonx", rec_threads, rec_ctx), ("d2l", None, ONE_DEVICE),
             False)]
    if rec_threads is not None:
        rows.append(("gluonx.Trainer recommended / d2l train_ch5, both OMP {}".format(rec_threads),
                     ("gluonx", rec_threads, rec_ctx), ("d2l", rec_threads, ONE_DEVICE), False))
    rows.append(("d2l with the net hybridized static / d2l, OMP default", ("d2l_static", None, ONE_DEVICE),
                 ("d2l", None, ONE_DEVICE), False))
    for threads in settings:
        rows.append(("trainer overhead vs hand-written loop, OMP {}".format(thread_label(threads)),
                     ("hand", threads, ONE_DEVICE), ("gluonx", threads, ONE_DEVICE), True))
    for threads in settings:
        rows.append(("gluonx cpu:0,cpu:1 / cpu:0, OMP {}".format(thread_label(threads)),
                     ("gluonx", threads, TWO_DEVICES), ("gluonx", threads, ONE_DEVICE), False))
    for threads in settings[1:]:
        for ctx in (ONE_DEVICE, TWO_DEVICES):
            rows.append(("gluonx OMP {} / OMP default, {}".format(threads, ctx), ("gluonx", threads, ctx),
                         ("gluonx", None, ctx), False))
        rows.append(("gluonx OMP {}, {} / OMP default, {}".format(threads, TWO_DEVICES, ONE_DEVICE),
                     ("gluonx", threads, TWO_DEVICES), ("gluonx", None, ONE_DEVICE), False))
        rows.append(("d2l OMP {} / OMP default".format(threads), ("d2l", threads, ONE_DEVICE),
                     ("d2l", None, ONE_DEVICE), False))
    return rows


def tables(results, models, settings):
    """The Markdown tables: every configuration, then the paired ratios."""
    quiet = "quiet: other processes used under {} of a core".format(QUIET_CORES)
    lines = ["### Every configuration (median [min-max] over repeats; {})".format(quiet), "",
             "| model | configuration | samples/s (wall) | samples/s, quiet runs | samples per CPU-second |",
             "|---|---|---|---|---|"]
    for config, runs in results:
        if config["model"] in models:
            lines.append("| {} | {} | {} | {} | {} |".format(
                config["model"], config["label"], summary(runs, "samples_per_sec"),
                summary(runs, "samples_per_sec", quiet=True), summary(runs, "samples_per_cpu_sec")))
    lines += ["", "### Ratios (median [min-max] of the per-repeat ratios; {})".format(quiet), "",
              "| model | comparison | by wall time | by wall time, quiet repeats | by CPU time |",
              "|---|---|---|---|---|"]
    for model in models:
        for label, top, bottom, overhead in comparisons(model, settings):
            top_runs, bottom_runs = find(results, model, *top), find(results, model, *bottom)
            if top_runs is None or bottom_runs is None:
                continue  # a runner left out with --runners
            lines.append("| {} | {} | {} | {} | {} |".format(
                model, label, paired(top_runs, bottom_runs, "samples_per_sec", overhead),
                paired(top_runs, bottom_runs, "samples_per_sec", overhead, quiet=True),
                paired(top_runs, bottom_runs, "samples_per_cpu_sec", overhead)))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller epochs and 2 repeats (about 2 minutes)")
    parser.add_argument("--repeats", type=int, help="measurements per configuration (default 5, --quick 2)")
    parser.add_argument("--batches", type=int, help="timed batches per epoch for every model (default per model)")
    parser.add_argument("--batch-size", type=int, help="batch size for every model (default per model)")
    parser.add_argument("--models", default="lenet,resnet18", help="comma-separated: " + ", ".join(MODELS))
    parser.add_argument("--threads", default="1,2",
                        help="OMP_NUM_THREADS values to try besides MXNet's default (default 1,2)")
    parser.add_argument("--resize", type=int, default=96, help="ResNet-18 input side (the book: 96)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per measurement")
    parser.add_argument("--runners", default="d2l,d2l_static,gluonx,hand",
                        help="loops to measure (default all): d2l, d2l_static, gluonx, hand")
    parser.add_argument("--json", help="write every measurement and the tables to this file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main()
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        parser.error("unknown model(s) {}; choose from {}".format(unknown, sorted(MODELS)))
    repeats = args.repeats or (2 if args.quick else 5)
    settings = thread_settings(int(t) for t in args.threads.split(",") if t.strip())

    jobs = {}
    for model in models:
        spec = MODELS[model]
        prefix = "quick_" if args.quick else ""
        jobs[model] = {"batch_size": args.batch_size or spec[prefix + "batch_size"],
                       "batches": args.batches or spec[prefix + "batches"],
                       "resize": args.resize if spec["resize"] else None}
    runners = {r.strip() for r in args.runners.split(",") if r.strip()}
    if not runners or runners - {"d2l", "d2l_static", "gluonx", "hand"}:
        parser.error("--runners takes d2l, d2l_static, gluonx and hand, got {!r}".format(args.runners))
    if runners & {"d2l", "d2l_static"}:
        ensure_d2lzh()
    results = [(config, []) for model in models for config in plan(model, settings) if config["runner"] in runners]
    workers = {}
    load_before = os.getloadavg()
    started = time.perf_counter()
    try:
        for repeat in range(repeats):
            for model in models:
                mine = [item for item in results if item[0]["model"] == model]
                shift = repeat % len(mine)
                order = mine[shift:] + mine[:shift]
                if repeat % 2:
                    order.reverse()
                for config, runs in order:
                    threads = config["threads"]
                    if threads not in workers:
                        workers[threads] = Worker(threads, args.timeout)
                    job = dict(jobs[model], model=model, runner=config["runner"], ctx=config["ctx"])
                    time.sleep(0.2)  # let the other worker's OpenMP threads stop spinning
                    run = workers[threads].run(job)
                    runs.append(run)
                    print("[{}/{}] {:9s} {:55s} {}".format(
                        repeat + 1, repeats, model, config["label"],
                        "{:8.1f} samples/s, {:8.1f} per CPU-second, others {}".format(
                            run["samples_per_sec"], run["samples_per_cpu_sec"],
                            "?" if run.get("others_cores") is None else "{:.2f} cores".format(run["others_cores"]))
                        if "samples_per_sec" in run else run["error"]), file=sys.stderr, flush=True)
    finally:
        for worker in workers.values():
            worker.close()
    elapsed = time.perf_counter() - started
    load_after = os.getloadavg()

    text = tables(results, models, settings)
    command = " ".join(["python", "benchmarks/train.py"] + list(sys.argv[1:] if argv is None else argv))
    setup = ["", "Measured at commit {} with `{}`.".format(source_commit(), command), "Setup: {} logical CPUs, {}, Python {}; MXNet default OpenMP threads {}; load average {:.1f} "
             "before, {:.1f} after; {} repeat(s); {:.0f} s in all.".format(
                 os.cpu_count(), platform.processor() or platform.machine(), platform.python_version(),
                 default_threads(), load_before[0], load_after[0], repeats, elapsed)]
    for model in models:
        job = jobs[model]
        side = job["resize"] or 28
        resize = [run["resize_seconds"] for config, runs in results for run in runs
                  if config["model"] == model and run.get("resize_seconds")]
        setup.append("{}: {} timed batches of {} (1x{}x{}), one validation batch of {}, learning rate {}{}.".format(
            model, job["batches"], job["batch_size"], side, side, job["batch_size"], MODELS[model]["lr"],
            "; resizing the {} images once for gluonx took {:.2f} s (not timed)".format(
                job["batch_size"] * (job["batches"] + 1), statistics.median(resize)) if resize else ""))
    print(text + "\n" + "\n".join(setup))
    if args.json:
        payload = {"command": command, "commit": source_commit(),
                   "cpus": os.cpu_count(), "default_threads": default_threads(), "repeats": repeats,
                   "load_average_before": load_before, "load_average_after": load_after, "seconds": elapsed,
                   "jobs": jobs, "recommended": RECOMMENDED, "tables": text,
                   "results": [{"config": config, "runs": runs} for config, runs in results]}
        with open(args.json, "w") as handle:
            json.dump(payload, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
