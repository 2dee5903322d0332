"""Augmentation throughput, run by hand: ``python benchmarks/augment.py [--images N] [--repeats N] [--json PATH]``.

Two pipelines, each run by every contender on the same images (the plugin's embedded digit scenes, RGB
uint8, ``--size`` pixels square, with their boxes):

- **SSD** (box-aware, D2L 9.7): colour jitter, zoom-out, crop with a minimum IoU, resize to 300x300,
  horizontal flip, then a normalized ``(3, 300, 300)`` float32 tensor. gluoncv's
  ``presets.ssd.SSDDefaultTrainTransform(300, 300)`` (NDArray image, NumPy boxes) against
  ``gluonx.data.transforms.detection_augmentation(300)`` followed by the same normalization, on NumPy arrays
  and on NDArrays.
- **classification** (image only, D2L 9.1): random resized crop to 224, horizontal flip, colour jitter
  (0.4, 0.4, 0.4, 0.1). gluon's ``data.vision.transforms`` on NDArrays against gluonx's transforms on NumPy
  arrays and on NDArrays.

A round runs every contender over all images, in a new random order each round so that load from other
processes hits them alike; NDArray results are waited for (``mx.nd.waitall()``). The table shows the median
over rounds of images per second by wall time and by process CPU time (all threads), and the ratio
``gluonx / reference`` (above 1: gluonx is faster). ``--threads`` sets OpenMP's and OpenCV's threads
(default 1, as in data-loader workers). ``--baseline DIR`` adds the classification NDArray pipeline run by
another copy of the ``gluonx/data/transforms`` package (e.g. an older commit's, from ``git archive COMMIT
gluonx/data/transforms | tar -x -C /tmp/base``), in the same rounds, to compare before and after under the
same load.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time

MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=48, help="images per round (default 48)")
    parser.add_argument("--size", type=int, default=256, help="side of the input scenes (default 256)")
    parser.add_argument("--repeats", type=int, default=7, help="rounds (default 7)")
    parser.add_argument("--threads", type=int, default=1, help="OpenMP and OpenCV threads (default 1)")
    parser.add_argument("--json", help="write every measurement to this file")
    parser.add_argument("--baseline", help="folder of another copy of gluonx/data/transforms to run alongside")
    return parser.parse_args(argv)


def scenes(count, size):
    from gluonx_detection.data import DigitsDetection
    data = DigitsDetection(train=True, num_images=count, image_size=size)
    return [data[i] for i in range(count)]


def load_transforms(folder):
    """The transforms package in ``folder`` imported under another name (its imports are relative)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("baseline_transforms", os.path.join(folder, "__init__.py"),
                                                  submodule_search_locations=[folder])
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def contenders(data, baseline=None):
    """``{pipeline: {name: callable running over every image}}``."""
    import mxnet as mx
    import numpy as np
    from gluoncv.data.transforms.presets.ssd import SSDDefaultTrainTransform
    from mxnet.gluon.data.vision import transforms as gluon_transforms

    from gluonx.data import transforms as T

    images = [image for image, _ in data]
    nd_images = [mx.nd.array(image, dtype=np.uint8) for image in images]
    # gluoncv's label rows: (xmin, ymin, xmax, ymax, class)
    gluoncv_labels = [np.concatenate([label[:, 1:5], label[:, :1]], axis=1) for _, label in data]
    samples = [T.detection_to_sample(image, label) for image, label in data]
    nd_samples = [T.detection_to_sample(nd, label) for nd, (_, label) in zip(nd_images, data)]
    mean_np, std_np = np.array(MEAN, np.float32) * 255, np.array(STD, np.float32) * 255
    mean_nd, std_nd = mx.nd.array(mean_np), mx.nd.array(std_np)

    def tensor_np(image):
        return ((image.astype(np.float32) - mean_np) / std_np).transpose(2, 0, 1)

    def tensor_nd(image):
        return mx.nd.transpose((image.astype(np.float32) - mean_nd) / std_nd, axes=(2, 0, 1))

    ssd_gluoncv = SSDDefaultTrainTransform(300, 300)
    ssd_gluonx = T.detection_augmentation(300, fill=tuple(m * 255 for m in MEAN))
    classify_gluon = gluon_transforms.Compose([gluon_transforms.RandomResizedCrop(224),
                                               gluon_transforms.RandomFlipLeftRight(),
                                               gluon_transforms.RandomColorJitter(0.4, 0.4, 0.4, 0.1)])
    classify_gluonx = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ColorJitter(0.4, 0.4, 0.4, 0.1)])

    def run_ssd_gluoncv(epoch):
        return [ssd_gluoncv(image, label) for image, label in zip(nd_images, gluoncv_labels)]

    def run_ssd_numpy(epoch):
        out = []
        for i, sample in enumerate(samples):
            augmented = ssd_gluonx(sample, T.sample_rng(0, epoch, i))
            out.append((tensor_np(augmented["image"]), augmented["boxes"]))
        return out

    def run_ssd_nd(epoch):
        out = []
        for i, sample in enumerate(nd_samples):
            augmented = ssd_gluonx(sample, T.sample_rng(0, epoch, i))
            out.append((tensor_nd(augmented["image"]), augmented["boxes"]))
        return out

    def run_classify_gluon(epoch):
        return [classify_gluon(image) for image in nd_images]

    def run_classify_numpy(epoch):
        return [classify_gluonx({"image": image}, T.sample_rng(0, epoch, i))["image"] for i, image in enumerate(images)]

    def run_classify_nd(epoch):
        return [classify_gluonx({"image": image}, T.sample_rng(0, epoch, i))["image"]
                for i, image in enumerate(nd_images)]

    runs = {
        "SSD": {"gluoncv SSDDefaultTrainTransform": run_ssd_gluoncv, "gluonx NumPy": run_ssd_numpy,
                "gluonx NDArray": run_ssd_nd},
        "classification": {"gluon transforms": run_classify_gluon, "gluonx NumPy": run_classify_numpy,
                           "gluonx NDArray": run_classify_nd},
    }
    if baseline:
        B = load_transforms(baseline)
        classify_baseline = B.Compose([B.RandomResizedCrop(224), B.RandomHorizontalFlip(),
                                       B.ColorJitter(0.4, 0.4, 0.4, 0.1)])

        def run_classify_baseline(epoch):
            return [classify_baseline({"image": image}, B.sample_rng(0, epoch, i))["image"]
                    for i, image in enumerate(nd_images)]
        runs["classification"]["gluonx NDArray (baseline)"] = run_classify_baseline
    return runs


def measure(runs, count, repeats):
    import mxnet as mx
    times = {(pipeline, name): {"wall": [], "cpu": []} for pipeline, named in runs.items() for name in named}
    order = list(times)
    for key in order:  # warm-up: first calls load OpenCV paths and MXNet operators
        runs[key[0]][key[1]](0)
        mx.nd.waitall()
    for round_index in range(repeats):
        random.Random(round_index).shuffle(order)
        for pipeline, name in order:
            wall, cpu = time.perf_counter(), time.process_time()
            runs[pipeline][name](round_index + 1)
            mx.nd.waitall()
            times[(pipeline, name)]["wall"].append(time.perf_counter() - wall)
            times[(pipeline, name)]["cpu"].append(time.process_time() - cpu)
    return {key: {kind: count / statistics.median(values) for kind, values in value.items()} | {"raw": value}
            for key, value in times.items()}


def table(results, runs):
    lines = ["| pipeline | contender | images/s (wall) | images/s (CPU) | gluonx / reference (wall) | (CPU) |",
             "|---|---|---|---|---|---|"]
    for pipeline, named in runs.items():
        reference = results[(pipeline, next(iter(named)))]
        for name in named:
            row = results[(pipeline, name)]
            ratio = ("{:.2f}x".format(row["wall"] / reference["wall"]), "{:.2f}x".format(row["cpu"] / reference["cpu"]))
            if name == next(iter(named)):
                ratio = ("reference", "")
            lines.append("| {} | {} | {:.0f} | {:.0f} | {} | {} |".format(pipeline, name, row["wall"], row["cpu"],
                                                                         *ratio))
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import cv2
    cv2.setNumThreads(args.threads)
    data = scenes(args.images, args.size)
    runs = contenders(data, args.baseline)
    results = measure(runs, args.images, args.repeats)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip()
    baseline = " --baseline " + args.baseline if args.baseline else ""
    print("benchmarks/augment.py --images {} --size {} --repeats {} --threads {}{} (commit {}, load average {})".format(
        args.images, args.size, args.repeats, args.threads, baseline, commit,
        " ".join("{:.1f}".format(v) for v in os.getloadavg())))
    print(table(results, runs))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"{} / {}".format(*key): value for key, value in results.items()}, handle, indent=1)


if __name__ == "__main__":
    sys.exit(main())
