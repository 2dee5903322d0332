"""Peak resident memory of every detection recipe: its ``gluonx train`` run and batch-1 inference, fresh processes.

For each registered recipe whose model belongs to the ``detection`` task (or those matching ``--recipes``):

1. ``gluonx train MODEL --dataset DATASET --recipe NAME --out DIR/NAME --no-progress`` (with ``--epochs N``
   if given: peak memory is reached in the first epoch, once the sample cache is full) in a fresh process;
2. batch-1 inference in a fresh process: the run's latest checkpoint loaded into a new model, wrapped in the
   task's inference block (decoding + NMS; ``MultiBoxInference`` where the task has none), hybridized, run
   ``--calls`` times on one test image.

Each figure is the peak RSS (``ru_maxrss``) of that process alone, read by a small wrapper process that
starts it and waits for it. Usage::

    python benchmarks/detection_memory.py --epochs 1 --out /tmp/det-memory
"""
import argparse
import json
import os

from recipe_memory import measure_recipe

def infer(run, calls):
    """Batch-1 inference of the run's latest checkpoint (the child process of the measurement)."""
    import mxnet as mx
    import gluonx
    from gluonx.deploy import load_parameters
    from gluonx_detection.task import collate_detection
    with open(os.path.join(run, "summary.json"), encoding="utf-8") as handle:
        summary = json.load(handle)
    with open(os.path.join(run, "checkpoints", "latest.json"), encoding="utf-8") as handle:
        pointer = json.load(handle)
    folder = os.path.join(run, "checkpoints", pointer.get("name") or pointer.get("checkpoint"))
    settings = summary["settings"]
    test = gluonx.get_dataset(summary["dataset"], train=False, **(settings.get("dataset_args") or {}))
    net = gluonx.get_model(summary["model"], num_classes=len(test.classes), **settings["model_args"])
    load_parameters(net, os.path.join(folder, "params.nd"))
    task = gluonx.get_task(summary["task"])
    if hasattr(task, "inference_block"):
        block = task.inference_block(net)
    else:
        from gluonx_detection.models.inference import MultiBoxInference
        block = MultiBoxInference(net)
    block.hybridize(static_alloc=True, static_shape=True)
    images, _ = collate_detection([test[0]], max_objects=max(1, len(test[0][1])))
    x = mx.nd.array(images, dtype="float32") / 255.0
    for _ in range(calls):
        outputs = block(x)
        mx.nd.waitall()
    return outputs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", default="*", help="wildcard of recipe names (default: every detection recipe)")
    parser.add_argument("--epochs", type=int, help="train this many epochs instead of the recipe's")
    parser.add_argument("--calls", type=int, default=20, help="batch-1 inference calls")
    parser.add_argument("--out", required=True, help="folder for the training runs")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--infer", help=argparse.SUPPRESS)  # internal: run the inference child on this run
    args = parser.parse_args()
    if args.infer:
        infer(args.infer, args.calls)
        return
    import gluonx
    recipes = [info for info in gluonx.registry("recipes").infos(args.recipes)
               if gluonx.get_model_info(info.model).task == "detection"]
    if not recipes:
        raise SystemExit("no detection recipe matches {!r}".format(args.recipes))
    rows = []
    for info in recipes:
        rows.append(measure_recipe(info, args.out, args.epochs, __file__, args.calls)[1])
    print("| recipe | epochs trained | training peak RSS (MiB) | batch-1 inference peak RSS (MiB) |")
    print("|---|---:|---:|---:|")
    for row in rows:
        print("| {recipe} | {epochs} | {train_peak_mib} | {infer_batch1_peak_mib} |".format(**row))
    report = {"load_average": os.getloadavg()[0], "rows": rows}
    print(json.dumps(report))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)


if __name__ == "__main__":
    main()
