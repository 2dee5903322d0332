"""VOC07 mAP@0.5 of a TinySSD trained by ``gluonx train`` (the recipe ``tiny_ssd-detection_digits``), run by hand.

``python benchmarks/detection_map.py RUN_FOLDER [--checkpoint latest|best]`` loads the run's checkpoint into a
fresh ``tiny_ssd``, runs it over the held-out split of ``detection_digits`` (200 scenes) and prints the VOC07
11-point mAP at IoU 0.5 (``gluonx_detection.metrics.VOC07MeanAP``), per class too, and the training time that
the run's ``summary.json`` recorded (``gluonx train`` reports the same mAP as ``test_voc07_map``). Train first
with::

    /usr/bin/time -v gluonx train tiny_ssd --dataset detection_digits --out RUN_FOLDER
"""
import argparse
import json
import os

from gluonx.deploy.sources import block_from_checkpoint
from gluonx_detection.data.digits_scenes import DigitsDetection
from gluonx_detection.evaluation import evaluate_map
from gluonx_detection.metrics.voc import VOC07MeanAP


def load_run(run, checkpoint="latest"):
    """``(net, summary, test)``: the trained net of a ``gluonx train`` folder (its ``latest`` or ``best``
    checkpoint, verified by the checkpoint reader), the run's ``summary.json``, and the held-out split of
    ``detection_digits`` built with the run's own dataset arguments."""
    with open(os.path.join(run, "summary.json"), encoding="utf-8") as handle:
        summary = json.load(handle)
    with open(os.path.join(run, "checkpoints", checkpoint + ".json"), encoding="utf-8") as handle:
        pointer = json.load(handle)
    folder = os.path.join(run, "checkpoints", os.path.basename(pointer.get("name") or pointer.get("checkpoint")))
    net = block_from_checkpoint(folder).block
    test = DigitsDetection(train=False, **(summary["settings"].get("dataset_args") or {}))
    return net, summary, test


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="the --out folder of gluonx train tiny_ssd --dataset detection_digits")
    parser.add_argument("--checkpoint", choices=("latest", "best"), default="latest")
    args = parser.parse_args()
    net, summary, test = load_run(args.run, args.checkpoint)
    metric = VOC07MeanAP(class_names=test.classes)
    name, value = evaluate_map(net, test, metric=metric)
    print(json.dumps({"run": args.run, "checkpoint": args.checkpoint, name: round(value, 4),
                      "per_class": {k: round(v, 4) for k, v in metric.get_per_class().items()},
                      "train_seconds": round(summary["train_seconds"], 1), "epochs": summary["epochs"],
                      "samples_per_sec": summary["samples_per_sec"],
                      "test_class_error": summary.get("test_class_error"),
                      "test_voc07_map (gluonx train)": summary.get("test_voc07_map")},
                     indent=2))


if __name__ == "__main__":
    main()
