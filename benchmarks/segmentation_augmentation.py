"""Does joint image/mask augmentation help the ``fcn_resnet18-segmentation_shapes`` recipe? Held-out mIoU
and pixel accuracy with and without it, same seeds, same settings otherwise.

Each configuration trains the recipe's model with the recipe's optimizer, learning rate, schedule, weight
decay and batch size through ``gluonx.Trainer`` on the first ``--train`` training scenes for ``--epochs``
epochs, then evaluates on the first ``--test`` held-out scenes. ``--augment`` lists JSON values of the task's
``augment`` option (``null``: none, ``true``: the preset's defaults, or a dict of its arguments). Usage::

    OMP_NUM_THREADS=1 python benchmarks/segmentation_augmentation.py --train 96 --epochs 2 --seeds 0 1
"""
import argparse
import json
import statistics
import time


def run(augment, train_size, test_size, epochs, seed):
    import mxnet as mx
    import gluonx
    recipe = gluonx.get_recipe_info("fcn_resnet18-segmentation_shapes")
    train = gluonx.get_dataset("segmentation_shapes", train=True, num_images=train_size)
    test = gluonx.get_dataset("segmentation_shapes", train=False, num_images=test_size)
    mx.random.seed(seed)
    net = gluonx.get_model("fcn_resnet18", num_classes=4, **recipe.model_args)
    from gluonx.train.cli import SCHEDULES
    from gluonx.train.handlers import LRScheduleHandler
    trainer = gluonx.Trainer(net, optimizer=recipe.optimizer,
                             optimizer_params={"learning_rate": recipe.lr, "wd": recipe.wd},
                             task=gluonx.get_task("segmentation", augment=augment), seed=seed)
    schedule = SCHEDULES[recipe.lr_schedule]
    started = time.perf_counter()
    trainer.fit(train, epochs=epochs, batch_size=recipe.batch_size,
                event_handlers=[LRScheduleHandler(lambda epoch: schedule(recipe.lr, epoch, epochs))])
    scores = trainer.evaluate(test, batch_size=32)
    return scores["val_miou"], scores["val_pixel_accuracy"], time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=96)
    parser.add_argument("--test", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--augment", nargs="+", default=["null", "true"])
    args = parser.parse_args()
    print("| augment | seeds | held-out mIoU (per seed) | median | pixel accuracy (median) | seconds per run |")
    print("|---|---|---|---:|---:|---:|")
    for text in args.augment:
        augment = json.loads(text)
        results = [run(augment, args.train, args.test, args.epochs, seed) for seed in args.seeds]
        print("| `{}` | {} | {} | {:.3f} | {:.3f} | {:.0f} |".format(
            text, " ".join(map(str, args.seeds)), ", ".join("{:.3f}".format(r[0]) for r in results),
            statistics.median(r[0] for r in results), statistics.median(r[1] for r in results),
            statistics.median(r[2] for r in results)), flush=True)


if __name__ == "__main__":
    main()
