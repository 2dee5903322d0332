"""A deployed detector end to end, onnxruntime vs MXNet: ``python benchmarks/detection_deploy.py``.

What is timed is what ``gluonx predict`` does with pictures: read the files, letterbox them to the model's
input, run the exported detector (decoding, per-class NMS and top-k are inside the graph), and map the boxes
back to each picture's pixels (:func:`gluonx.deploy.postprocessing.to_original`). The same code runs with
``gluonx.Predictor(backend="mxnet")`` (the exported symbol through ``SymbolBlock``) and
``backend="onnxruntime"`` (``model.onnx``), at batch 1 and batch 8 (8 pictures per call). The two backends
are interleaved in a new random order each round, so load from other processes hits them alike; the table
shows the median wall and process-CPU time per call and the ratio MXNet / onnxruntime (above 1:
onnxruntime is faster).

Peak resident memory of batch-1 inference is measured in a fresh process per backend (the peak resident set,
``VmHWM``, after importing the runtime, loading the export and running one picture; the onnxruntime process
never imports MXNet), median of ``--memory-runs`` processes.

The detector is exported from a ``gluonx train`` run (``--run RUN``: trained weights, so the NMS sees as many
boxes as in use) or, without it, the registered ``tiny_ssd`` with random weights (many more boxes pass the
score threshold). MXNet reads ``OMP_NUM_THREADS`` only when it is imported, so the thread count is set
first, and onnxruntime gets the same number of intra-op threads.

Usage::

    python benchmarks/detection_deploy.py --run runs/tiny_ssd --threads 1 --repeats 30
    python benchmarks/detection_deploy.py --export exports/det       # an export that holds model.onnx
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

BACKENDS = ("mxnet", "onnxruntime")

# VmHWM is the peak of this process image only. ru_maxrss is not: Linux carries the peak of the image an
# execve replaced (here the forked benchmark process, hundreds of MiB) into the new one.
_MEMORY_SCRIPT = """
import resource, sys
folder, backend, picture, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
from gluonx.deploy import Predictor
predictor = Predictor(folder, backend=backend, threads=threads)
predictor.predict_image(picture, named=True)
print("mxnet imported:", "mxnet" in sys.modules)
try:
    with open("/proc/self/status") as status:
        print(next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")))   # KiB
except OSError:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)   # KiB on Linux
"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--run", help="a gluonx train --out folder of a detector (exported here with --onnx)")
    source.add_argument("--export", help="an existing export folder that holds model.onnx")
    parser.add_argument("--threads", type=int, default=1, help="MXNet OpenMP and onnxruntime intra-op threads")
    parser.add_argument("--repeats", type=int, default=30, help="timed calls per backend and batch size")
    parser.add_argument("--memory-runs", type=int, default=3, help="fresh processes per backend for peak memory")
    parser.add_argument("--json", help="also write the results here")
    return parser.parse_args(argv)


def git_commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=os.path.dirname(os.path.abspath(__file__)), check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def make_export(args, workdir):
    """The export folder to measure, and a description of the weights."""
    if args.export:
        return args.export, "export {}".format(args.export)
    from gluonx.cli import main
    folder = os.path.join(workdir, "export")
    source = args.run or "tiny_ssd"
    if main(["export", source, "--out", folder, "--onnx"]) != 0:
        raise SystemExit("export of {} failed".format(source))
    return folder, "trained run {}".format(args.run) if args.run else "tiny_ssd, random weights"


def make_pictures(workdir, count=8):
    """Scenes of the embedded set at 160 x 200 (letterboxed into the model's square input)."""
    from PIL import Image
    from gluonx_detection.data.digits_scenes import DigitsDetection
    scenes = DigitsDetection(train=False, num_images=count, image_size=200, max_objects=6, seed=11)
    paths = []
    for index in range(count):
        path = os.path.join(workdir, "scene{}.png".format(index))
        Image.fromarray(scenes[index][0][20:180]).save(path)
        paths.append(path)
    return paths


def end_to_end(predictor, paths):
    """Pictures in, detections in each picture's pixels out (what ``gluonx predict`` does)."""
    import numpy as np
    from gluonx.deploy.postprocessing import to_original
    from gluonx.deploy.preprocessing import prepare_image
    prepared = [prepare_image(path, predictor.inputs[0], predictor.manifest.preprocessing) for path in paths]
    outputs = predictor.predict(np.concatenate([batch for batch, _ in prepared]), named=True)
    return [to_original({name: value[i:i + 1] for name, value in outputs.items()},
                        predictor.manifest.postprocessing, transform) for i, (_, transform) in enumerate(prepared)]


def time_backends(predictors, paths, repeats):
    """Median wall and CPU seconds per call, per (backend, batch)."""
    cases = [(backend, batch) for backend in predictors for batch in (1, 8)]
    samples = {case: ([], []) for case in cases}
    for backend, batch in cases:  # warm-up: first calls allocate
        for _ in range(3):
            end_to_end(predictors[backend], paths[:batch])
    rng = random.Random(0)
    for _ in range(repeats):
        rng.shuffle(cases)
        for backend, batch in cases:
            wall, cpu = time.perf_counter(), time.process_time()
            end_to_end(predictors[backend], paths[:batch])
            samples[(backend, batch)][0].append(time.perf_counter() - wall)
            samples[(backend, batch)][1].append(time.process_time() - cpu)
    return {case: (statistics.median(w), statistics.median(c)) for case, (w, c) in samples.items()}


def peak_memory(folder, backend, picture, threads, runs):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    values = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", _MEMORY_SCRIPT, folder, backend, picture, str(threads)],
                              capture_output=True, text=True, env=env, check=True)
        values.append(int(done.stdout.strip().splitlines()[-1]) / 1024.0)
    return statistics.median(values)


def agreement(predictors, paths):
    """Largest box difference between the backends on the 8 pictures, and whether they found the same rows."""
    import numpy as np
    got = {backend: end_to_end(predictor, paths) for backend, predictor in predictors.items()}
    worst, same = 0.0, True
    for a, b in zip(*got.values()):
        same &= bool(np.array_equal(a["class_ids"], b["class_ids"]))
        keep = a["class_ids"] >= 0
        worst = max(worst, float(np.abs(a["boxes"][keep] - b["boxes"][keep]).max(initial=0.0)))
    return same, worst


def main(argv=None):
    args = parse_args(argv)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)   # before MXNet is imported
    import mxnet  # noqa: F401
    from gluonx.deploy import Predictor
    with tempfile.TemporaryDirectory() as workdir:
        folder, weights = make_export(args, workdir)
        paths = make_pictures(workdir)
        predictors = {backend: Predictor(folder, backend=backend, threads=args.threads) for backend in BACKENDS}
        same, worst = agreement(predictors, paths)
        timings = time_backends(predictors, paths, args.repeats)
        memory = {backend: peak_memory(folder, backend, paths[0], args.threads, args.memory_runs)
                  for backend in BACKENDS}
    load = os.getloadavg()
    command = "python benchmarks/detection_deploy.py " + " ".join(sys.argv[1:] if argv is None else argv)
    print("command: {}\ncommit: {}\ndetector: {}; {} thread(s); load average {:.1f} {:.1f} {:.1f}".format(
        command, git_commit(), weights, args.threads, *load))
    print("onnxruntime vs MXNet: same class ids in every row: {}; largest box difference {:.2g} px\n".format(
        "yes" if same else "no", worst))
    print("| batch | MXNet wall | MXNet CPU | onnxruntime wall | onnxruntime CPU | wall ratio | CPU ratio |")
    print("|---|---|---|---|---|---|---|")
    for batch in (1, 8):
        (mw, mc), (ow, oc) = timings[("mxnet", batch)], timings[("onnxruntime", batch)]
        print("| {} | {:.1f} ms | {:.1f} ms | {:.1f} ms | {:.1f} ms | {:.2f}x | {:.2f}x |".format(
            batch, mw * 1e3, mc * 1e3, ow * 1e3, oc * 1e3, mw / ow, mc / oc))
    print("\n| peak resident memory, batch-1 inference (fresh process) | MXNet | onnxruntime |\n|---|---|---|")
    print("| median of {} processes | {:.0f} MiB | {:.0f} MiB |".format(args.memory_runs, memory["mxnet"],
                                                                       memory["onnxruntime"]))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"command": command, "commit": git_commit(), "weights": weights, "threads": args.threads,
                       "same_class_ids": same, "max_box_diff": worst,
                       "latency": {"{}@{}".format(b, n): {"wall": w, "cpu": c} for (b, n), (w, c) in timings.items()},
                       "peak_rss_mib": memory, "load_average": load}, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
