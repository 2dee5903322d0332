"""VOC07 mAP@0.5 of a detector trained by ``gluonx train`` on ``detection_digits`` whose outputs are detections
(``faster_rcnn``: boxes, scores, class ids after NMS), run by hand.

``python benchmarks/detection_rcnn_map.py RUN_FOLDER [--checkpoint latest|best]`` loads the run's checkpoint
into a fresh model, runs it over the held-out split of ``detection_digits`` (200 scenes) and prints the VOC07
11-point mAP at IoU 0.5 (``gluonx_detection.metrics.VOC07MeanAP``), per class too, with the training time and
throughput of the run's ``summary.json``. Multibox detectors (``tiny_ssd``, ``ssd_resnet18``) need decoding:
use ``benchmarks/detection_map.py`` for them. Train first with::

    gluonx train faster_rcnn --dataset detection_digits --optimizer adam --lr 0.005 --wd 5e-4 --out RUN_FOLDER
"""
import argparse
import json

import numpy as np

from detection_map import load_run
from gluonx_detection.metrics.voc import VOC07MeanAP
from gluonx_detection.task import collate_detection


def evaluate(net, dataset, metric, batch_size=32):
    """Feed ``dataset`` through ``net`` (images in [0, 1]) and the detections, in pixels, to ``metric``."""
    import mxnet as mx
    for begin in range(0, len(dataset), batch_size):
        samples = [dataset[i] for i in range(begin, min(begin + batch_size, len(dataset)))]
        images, _ = collate_detection(samples, dataset.max_objects)
        boxes, scores, ids = [a.asnumpy() for a in net(mx.nd.array(images, dtype="float32") / 255.0)]
        height, width = images.shape[2:]
        scale = np.array([width, height, width, height], dtype=np.float32)
        labels = [np.asarray(label, dtype=np.float32).reshape(-1, 6) for _, label in samples]
        metric.update([b * scale for b in boxes], list(ids), list(scores), [label[:, 1:5] for label in labels],
                      [label[:, 0] for label in labels], [label[:, 5] for label in labels])
    return metric.get()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="the --out folder of gluonx train faster_rcnn --dataset detection_digits")
    parser.add_argument("--checkpoint", choices=("latest", "best"), default="latest")
    args = parser.parse_args()
    net, summary, test = load_run(args.run, args.checkpoint)
    metric = VOC07MeanAP(class_names=test.classes)
    name, value = evaluate(net, test, metric)
    print(json.dumps({"run": args.run, "checkpoint": args.checkpoint, name: round(value, 4),
                      "per_class": {k: round(v, 4) for k, v in metric.get_per_class().items()},
                      "train_seconds": round(summary["train_seconds"], 1), "epochs": summary["epochs"],
                      "samples_per_sec": summary["samples_per_sec"]}, indent=2))


if __name__ == "__main__":
    main()
