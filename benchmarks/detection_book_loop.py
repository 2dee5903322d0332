"""Training throughput of TinySSD: the book's D2L 9.7 training loop vs ``gluonx train``'s Trainer path, one run.

Both train the book's TinySSD on the same ``detection_digits`` scenes (generated once beforehand, not timed)
with the same batch size, in one process with the same OpenMP threads:

- **book**: D2L 9.7.3 as the book writes it for MXNet -- its ``TinySSD`` as an ``nn.Block`` (``blk_forward``
  with ``contrib.nd.MultiBoxPrior``, ``flatten_pred``/``concat_preds``), run imperatively; per batch
  ``as_in_context``, ``autograd.record``, ``contrib.nd.MultiBoxTarget(anchors, Y, cls_preds.transpose)``, its
  ``calc_loss`` (softmax cross-entropy + L1 on masked offsets), ``backward``, ``gluon.Trainer.step`` with the
  book's SGD (lr 0.2, wd 5e-4), and its ``cls_eval``/``bbox_eval`` read with ``asscalar()`` every batch. Its
  data: a Gluon ``DataLoader`` (shuffled) over float32 images in [0, 1] and the book's padded ``(B, M, 5)``
  labels, as ``load_data_bananas`` gives them.
- **gluonx**: ``gluonx.Trainer(tiny_ssd, task="detection")`` with the recipe's optimizer (Adam 0.005, wd
  5e-4) and ``fit`` on the dataset of ``(image, label)`` samples: what ``gluonx train tiny_ssd --dataset
  detection_digits`` runs per batch (``DetectionSource`` batching uint8 images, the static-hybridized net,
  fused anchor targets, metrics summed on the device), without validation or checkpoints.

Each runner is warmed up on one epoch, then epochs of ``--batches`` batches alternate between the runners
(``--repeats`` each, the order swapped every repeat); printed: images/s over each epoch's wall time and
images per CPU-second of the process, medians with min-max, the ratio gluonx/book of the medians and the
load average. Usage::

    python benchmarks/detection_book_loop.py                      # 2 threads, batch 32, 128x128
    python benchmarks/detection_book_loop.py --repeats 5 --batches 10 --json book.json
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="OpenMP threads (the recipe's 2)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--image-size", type=int, default=128)
    parser.add_argument("--batches", type=int, default=8, help="batches per timed epoch")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="also write the figures to this file")
    return parser.parse_args()


def book_model(mx, nn, num_classes):
    """The book's TinySSD (D2L 9.7.2), written as the book writes it."""
    sizes = [[0.2, 0.272], [0.37, 0.447], [0.54, 0.619], [0.71, 0.79], [0.88, 0.961]]
    ratios = [[1, 2, 0.5]] * 5
    num_anchors = len(sizes[0]) + len(ratios[0]) - 1

    def cls_predictor(num_anchors, num_classes):
        return nn.Conv2D(num_anchors * (num_classes + 1), kernel_size=3, padding=1)

    def bbox_predictor(num_anchors):
        return nn.Conv2D(num_anchors * 4, kernel_size=3, padding=1)

    def flatten_pred(pred):
        return pred.transpose((0, 2, 3, 1)).flatten()

    def concat_preds(preds):
        return mx.nd.concat(*[flatten_pred(p) for p in preds], dim=1)

    def down_sample_blk(num_channels):
        blk = nn.Sequential()
        for _ in range(2):
            blk.add(nn.Conv2D(num_channels, kernel_size=3, padding=1), nn.BatchNorm(in_channels=num_channels),
                    nn.Activation("relu"))
        blk.add(nn.MaxPool2D(2))
        return blk

    def base_net():
        blk = nn.Sequential()
        for num_filters in [16, 32, 64]:
            blk.add(down_sample_blk(num_filters))
        return blk

    def get_blk(i):
        if i == 0:
            return base_net()
        if i == 4:
            return nn.GlobalMaxPool2D()
        return down_sample_blk(128)

    def blk_forward(X, blk, size, ratio, cls_predictor, bbox_predictor):
        Y = blk(X)
        anchors = mx.contrib.nd.MultiBoxPrior(Y, sizes=size, ratios=ratio)
        return Y, anchors, cls_predictor(Y), bbox_predictor(Y)

    class TinySSD(nn.Block):
        def __init__(self, num_classes, **kwargs):
            super().__init__(**kwargs)
            self.num_classes = num_classes
            for i in range(5):
                setattr(self, "blk_%d" % i, get_blk(i))
                setattr(self, "cls_%d" % i, cls_predictor(num_anchors, num_classes))
                setattr(self, "bbox_%d" % i, bbox_predictor(num_anchors))

        def forward(self, X):
            anchors, cls_preds, bbox_preds = [None] * 5, [None] * 5, [None] * 5
            for i in range(5):
                X, anchors[i], cls_preds[i], bbox_preds[i] = blk_forward(
                    X, getattr(self, "blk_%d" % i), sizes[i], ratios[i], getattr(self, "cls_%d" % i),
                    getattr(self, "bbox_%d" % i))
            return (mx.nd.concat(*anchors, dim=1),
                    concat_preds(cls_preds).reshape((0, -1, self.num_classes + 1)), concat_preds(bbox_preds))

    return TinySSD(num_classes)


class BookRunner:
    """D2L 9.7.3's training loop (MXNet), one epoch per :meth:`epoch`."""

    name = "book D2L 9.7 loop"

    def __init__(self, samples, batch_size, max_objects, num_classes):
        import mxnet as mx
        from mxnet import autograd, gluon, init
        from mxnet.gluon import nn
        from gluonx_detection.task import collate_detection
        self.mx, self.autograd = mx, autograd
        images, labels = collate_detection(samples, max_objects)
        dataset = gluon.data.ArrayDataset(mx.nd.array(images.astype("float32") / 255), mx.nd.array(labels))
        self.train_iter = gluon.data.DataLoader(dataset, batch_size, shuffle=True)
        self.ctx = mx.cpu()
        self.net = book_model(mx, nn, num_classes)
        self.net.initialize(init=init.Xavier(), ctx=self.ctx)
        self.trainer = gluon.Trainer(self.net.collect_params(), "sgd", {"learning_rate": 0.2, "wd": 5e-4})
        self.cls_loss, self.bbox_loss = gluon.loss.SoftmaxCrossEntropyLoss(), gluon.loss.L1Loss()
        self.batch_size = batch_size

    def calc_loss(self, cls_preds, cls_labels, bbox_preds, bbox_labels, bbox_masks):
        cls = self.cls_loss(cls_preds, cls_labels)
        bbox = self.bbox_loss(bbox_preds * bbox_masks, bbox_labels * bbox_masks)
        return cls + bbox

    def epoch(self):
        mx, autograd = self.mx, self.autograd
        acc_sum, mae_sum, n, m = 0.0, 0.0, 0, 0
        for X, Y in self.train_iter:
            X, Y = X.as_in_context(self.ctx), Y.as_in_context(self.ctx)
            with autograd.record():
                anchors, cls_preds, bbox_preds = self.net(X)
                bbox_labels, bbox_masks, cls_labels = mx.contrib.nd.MultiBoxTarget(
                    anchors, Y, cls_preds.transpose((0, 2, 1)))
                loss = self.calc_loss(cls_preds, cls_labels, bbox_preds, bbox_labels, bbox_masks)
            loss.backward()
            self.trainer.step(self.batch_size)
            acc_sum += (cls_preds.argmax(axis=-1) == cls_labels).sum().asscalar()
            n += cls_labels.size
            mae_sum += ((bbox_labels - bbox_preds) * bbox_masks).abs().sum().asscalar()
            m += bbox_labels.size
        return acc_sum / n, mae_sum / m


class GluonxRunner:
    """``gluonx.Trainer(task="detection").fit`` on the samples, one more epoch per :meth:`epoch`."""

    name = "gluonx.Trainer (gluonx train's path)"

    def __init__(self, samples, batch_size, max_objects, num_classes):
        import gluonx
        self.net = gluonx.get_model("tiny_ssd", num_classes=num_classes)
        self.trainer = gluonx.Trainer(self.net, optimizer="adam",
                                      optimizer_params={"learning_rate": 0.005, "wd": 5e-4}, task="detection",
                                      seed=0)
        self.samples, self.batch_size, self.epochs = samples, batch_size, 0

    def epoch(self):
        import mxnet as mx
        self.epochs += 1
        rows = self.trainer.fit(self.samples, epochs=self.epochs, batch_size=self.batch_size, log_interval=None)
        mx.nd.waitall()
        return rows[-1]["class_error"], rows[-1]["box_mae"]


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(runner, images):
    import mxnet as mx
    mx.nd.waitall()
    wall, cpu = time.perf_counter(), cpu_seconds()
    runner.epoch()
    mx.nd.waitall()
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    return {"images_per_s": images / wall, "images_per_cpu_s": images / cpu, "wall_s": wall}


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def commit():
    try:
        return subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], text=True,
                                       cwd=os.path.dirname(os.path.abspath(__file__))).strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    args = parse_args()
    from gluonx.utils.threads import set_omp_threads
    set_omp_threads(args.threads)
    import mxnet as mx
    from gluonx_detection.data.digits_scenes import DigitsDetection
    count = args.batches * args.batch_size
    data = DigitsDetection(train=True, num_images=count, image_size=args.image_size)
    samples = [data[i] for i in range(count)]
    mx.random.seed(0)
    runners = [BookRunner(samples, args.batch_size, data.max_objects, len(data.classes)),
               GluonxRunner(samples, args.batch_size, data.max_objects, len(data.classes))]
    load_before = os.getloadavg()
    for runner in runners:  # warm-up: graph building, memory pools, the source's sample cache
        runner.epoch()
    results = {runner.name: [] for runner in runners}
    for repeat in range(args.repeats):
        for runner in (runners if repeat % 2 == 0 else runners[::-1]):
            results[runner.name].append(timed(runner, count))
    load_after = os.getloadavg()
    table = {}
    for name, rows in results.items():
        table[name] = {key: summary([row[key] for row in rows]) for key in ("images_per_s", "images_per_cpu_s")}
    book, ours = (table[r.name] for r in runners)
    report = {
        "command": "python benchmarks/detection_book_loop.py " + " ".join(sys.argv[1:]), "commit": commit(),
        "threads": args.threads, "batch_size": args.batch_size, "image_size": args.image_size,
        "batches": args.batches, "repeats": args.repeats, "loadavg_before": load_before[:1],
        "loadavg_after": load_after[:1], "results": table,
        "ratio_wall": ours["images_per_s"]["median"] / book["images_per_s"]["median"],
        "ratio_cpu": ours["images_per_cpu_s"]["median"] / book["images_per_cpu_s"]["median"]}
    print("| loop | images/s (wall), median [min-max] | images per CPU-second, median [min-max] |")
    print("|---|---:|---:|")
    for name, row in table.items():
        wall, cpu = row["images_per_s"], row["images_per_cpu_s"]
        print("| {} | {:.1f} [{:.1f}-{:.1f}] | {:.1f} [{:.1f}-{:.1f}] |".format(
            name, wall["median"], wall["min"], wall["max"], cpu["median"], cpu["min"], cpu["max"]))
    print("gluonx / book: {:.2f}x by wall time, {:.2f}x by CPU time (load average {:.1f} before, {:.1f} after; "
          "commit {})".format(report["ratio_wall"], report["ratio_cpu"], load_before[0], load_after[0],
                              report["commit"]))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)


if __name__ == "__main__":
    main()
