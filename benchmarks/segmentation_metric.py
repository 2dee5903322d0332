"""Mean IoU + pixel accuracy: gluonx's on-device confusion matrix against gluoncv's ``SegmentationMetric``, run by
hand.

``python benchmarks/segmentation_metric.py [--batches 20] [--repeats 5]`` feeds the same random batches
(``(16, 21, 128, 128)`` scores, ``(16, 128, 128)`` labels with 10 % ignored pixels) to both metrics and reads the
values once at the end; prints the median seconds of each over the repeats, the ratio ``gluoncv / gluonx``
(above 1: gluonx is faster) and both values (they must agree). gluoncv copies every batch to NumPy and counts
with ``np.histogram``; gluonx multiplies one-hot matrices on the device and reads once.
"""
import argparse
import json
import time

import mxnet as mx
import numpy as np

from gluonx_segmentation.metrics import MeanIoU, PixelAccuracy


def make_batches(count, batch=16, classes=21, size=128, seed=0):
    rng = np.random.RandomState(seed)
    out = []
    for _ in range(count):
        labels = rng.randint(0, classes, (batch, size, size))
        scores = rng.normal(size=(batch, classes, size, size)).astype(np.float32)
        scores[np.arange(batch)[:, None, None], labels, np.arange(size)[:, None], np.arange(size)] += 1.5
        labels[rng.uniform(size=labels.shape) < 0.1] = 255
        out.append((mx.nd.array(labels), mx.nd.array(scores)))
    return out


def run_gluonx(batches):
    metrics = [MeanIoU(absent="zero"), PixelAccuracy()]
    mx.nd.waitall()
    start = time.perf_counter()
    for labels, scores in batches:
        for metric in metrics:
            metric.update(labels, scores)
    values = [metric.get()[1] for metric in metrics]
    return time.perf_counter() - start, values


def run_gluoncv(batches, classes=21):
    from gluoncv.utils.metrics.segmentation import SegmentationMetric
    metric = SegmentationMetric(classes)
    ignored = [(mx.nd.where(labels == 255, -mx.nd.ones_like(labels), labels), scores) for labels, scores in batches]
    mx.nd.waitall()
    start = time.perf_counter()
    for labels, scores in ignored:
        metric.update(labels, scores)
    accuracy, miou = metric.get()
    return time.perf_counter() - start, [miou, accuracy]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    batches = make_batches(args.batches)
    times = {"gluonx": [], "gluoncv": []}
    for _ in range(args.repeats):  # interleaved, so both see the same machine load
        seconds, ours = run_gluonx(batches)
        times["gluonx"].append(seconds)
        seconds, theirs = run_gluoncv(batches)
        times["gluoncv"].append(seconds)
    medians = {name: float(np.median(values)) for name, values in times.items()}
    print(json.dumps({"batches": args.batches, "repeats": args.repeats, "median_seconds": medians,
                      "ratio_gluoncv_over_gluonx": medians["gluoncv"] / medians["gluonx"],
                      "gluonx_miou_accuracy": ours, "gluoncv_miou_accuracy": theirs}, indent=2))


if __name__ == "__main__":
    main()
