"""``gluonx train``: the main job — train a registered model on a registered dataset.

:mod:`gluonx._cli_train` parses the arguments, chooses the recipe and the OpenMP threads before MXNet is
imported, then calls :func:`train`, which builds the model and the data, trains with a progress bar,
validates on the dataset's test split each epoch, writes checkpoints, history and ``summary.json`` to
``--out``, and ends with the task's result line.
"""
import inspect
import math
import os
import sys
import time

# Kept for callers of the old module layout: the parser lives before MXNet starts.
from .._cli_train import configure_train, run_train  # noqa: F401

#: Per-epoch schedules: (base lr, epoch, epochs) -> lr.
SCHEDULES = {
    "constant": lambda lr, epoch, epochs: lr,
    "cosine": lambda lr, epoch, epochs: lr * 0.5 * (1 + math.cos(math.pi * epoch / epochs)),
    "step": lambda lr, epoch, epochs: lr * 0.1 ** (epoch // max(1, epochs // 3)),
}


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite (exit status 1: the input was valid, the run failed)."""


class FirstSamples:
    """The first ``count`` samples of a dataset (``gluonx train --limit``); other attributes (``classes``,
    ``max_objects``...) are the dataset's."""

    def __init__(self, dataset, count):
        self.dataset, self.count = dataset, min(int(count), len(dataset))

    def __len__(self):
        return self.count

    def __getitem__(self, index):
        if not -self.count <= index < self.count:
            raise IndexError("sample {} is out of range for {} samples".format(index, self.count))
        return self.dataset[index % self.count]

    def __getattr__(self, name):
        if name == "dataset":  # not set yet (copy, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.dataset, name)


def _dataset(name, root, train, dataset_args=None):
    """Build split ``train`` of dataset ``name`` with ``--dataset-arg`` values (checked against the dataset's
    arguments) and ``--data-root`` as ``root`` for file-based datasets."""
    import gluonx
    from .._signature import check_arguments
    info = gluonx.get_dataset_info(name)
    kwargs = dict(dataset_args or {})
    if "train" in kwargs:
        raise ValueError("--dataset-arg train=...: gluonx train builds both splits itself (train=True for "
                         "training, train=False for the test split)")
    if root:
        if "root" in kwargs:
            raise ValueError("give the dataset's root once: --data-root or --dataset-arg root=..., not both")
        kwargs["root"] = root
    if not info.embedded and "root" not in kwargs:
        raise ValueError("dataset '{}' is read from files: give --data-root".format(name))
    kwargs["train"] = train
    kwargs = check_arguments("--dataset-arg for dataset '{}'".format(name), info.resolve(), kwargs)
    return info, gluonx.get_dataset(name, **kwargs)


def _model(name, dataset_info, extra_args, dataset=None):
    """Build model ``name`` with ``extra_args``, filling in what the dataset determines (classes, input
    channels, vocabulary size) when the model's factory takes it."""
    import gluonx
    info = gluonx.get_model_info(name)
    factory = info.resolve()
    accepted = inspect.signature(factory).parameters
    takes_any = any(p.kind == p.VAR_KEYWORD for p in accepted.values())
    kwargs = dict(extra_args)
    # the built dataset's own class list wins over the record (dataset arguments may choose the classes)
    classes = getattr(dataset, "classes", None)
    num_classes = len(classes) if classes else dataset_info.num_classes
    if num_classes and ("num_classes" in accepted or takes_any):
        kwargs.setdefault("num_classes", num_classes)
    if dataset_info.sample_shape and ("in_channels" in accepted):
        kwargs.setdefault("in_channels", dataset_info.sample_shape[0])
    vocab_size = getattr(dataset, "vocab_size", None)
    if vocab_size and ("vocab_size" in accepted or takes_any):
        kwargs.setdefault("vocab_size", vocab_size)
    # what a corpus determines beyond its size, for the factories that name it: word counts (a Huffman
    # tree) and the words themselves (subword n-grams)
    for attribute in ("token_counts", "idx_to_token"):
        if attribute in accepted and getattr(dataset, attribute, None) is not None:
            kwargs.setdefault(attribute, list(getattr(dataset, attribute)))
    return gluonx.get_model(name, **kwargs)


def _task(name, settings):
    """The task instance; its constructor gets the settings it names (``num_steps`` from ``seq_len``)."""
    import gluonx
    factory = gluonx.get_task_info(name).resolve()
    try:
        accepted = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        accepted = {}
    kwargs = {"num_steps": settings["seq_len"]} if "num_steps" in accepted else {}
    if settings.get("augmentation") and "augment" in accepted:
        kwargs["augment"] = settings["augmentation"]
    return gluonx.get_task(name, **kwargs)


def prepare_finetuning(net, settings, resuming):
    """``--weights`` / ``--finetune`` (D2L 9.2): load the weights (not when resuming: the checkpoint holds
    them), then freeze the backbone or set its learning-rate multiplier (on every start)."""
    from ..models import finetune
    if settings.get("weights") and not resuming:
        if settings.get("finetune"):
            finetune.load_backbone(net, settings["weights"])
        else:
            finetune.load_weights(net, settings["weights"])
    if settings.get("freeze_backbone"):
        finetune.freeze_backbone(net)
    elif settings.get("backbone_lr_mult") is not None:
        finetune.set_backbone_lr_mult(net, settings["backbone_lr_mult"])


def check_optimizer(name):
    """Refuse an optimizer name that neither gluonx nor MXNet knows, before anything is built."""
    import mxnet as mx
    import gluonx
    if name in gluonx.registry("optimizers") or name.lower() in mx.optimizer.Optimizer.opt_registry:
        return
    gluonx.get_optimizer_info(name)  # raises with the closest registered names


def finite_or_none(value):
    """``value`` if it is a finite number, else None (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def nonfinite_epoch(epochs):
    """Index of the first epoch whose losses are NaN/Inf, or None."""
    for index, row in enumerate(epochs):
        for key, value in row.items():
            if "loss" in key and isinstance(value, float) and not math.isfinite(value):
                return index
    return None


def train(args, decided):
    """Train as ``decided`` by :func:`gluonx._cli_train.plan` (settings, recipe, threads); returns the exit code."""
    import mxnet as mx  # noqa: F401  (imported here on purpose: after the thread count was set)
    import gluonx
    from ..utils.atomic import write_json
    from ..utils.threads import omp_threads
    from .._cli_train import RUN_FILE
    from ..recipes import apply_augmentation
    from .checkpoint import list_checkpoints
    from .handlers import (CheckpointHandler, EarlyStopping, HistoryHandler, LRScheduleHandler, NaNGuard,
                           ProgressBar, TensorBoardHandler)
    from .trainer import Trainer

    settings = decided["settings"]
    check_optimizer(settings["optimizer"])
    checkpoints = os.path.join(args.out, "checkpoints")
    resume = None
    if args.resume:
        if not list_checkpoints(checkpoints):
            raise FileNotFoundError("--resume: no checkpoint in {}".format(checkpoints))
        resume = checkpoints
    elif list_checkpoints(checkpoints):
        raise FileExistsError("{} already holds checkpoints: pass --resume to continue, or choose another --out"
                              .format(checkpoints))

    dataset_args = settings.get("dataset_args") or {}
    dataset_info, train_set = _dataset(args.dataset, args.data_root, True, dataset_args)
    _, test_set = _dataset(args.dataset, args.data_root, False, dataset_args)
    if settings.get("limit"):
        train_set, test_set = FirstSamples(train_set, settings["limit"]), FirstSamples(test_set, settings["limit"])
    class_names = getattr(train_set, "classes", None)
    net = _model(args.model, dataset_info, settings["model_args"], dataset=train_set)
    prepare_finetuning(net, settings, resuming=resume is not None)
    task = _task(decided["task"] or "classification", settings)
    if not getattr(task, "augments", False):  # a task that augments its own samples takes the recipe's in _task
        train_set = apply_augmentation(train_set, settings.get("augmentation"), seed=args.seed)
    mode = "max" if task.higher_is_better else "min"
    optimizer_params = {"learning_rate": settings["lr"], "wd": settings["wd"]}
    optimizer_params.update(settings["optimizer_params"])
    groups = task.optimizer_groups(settings["optimizer"], optimizer_params)  # several optimizers (a GAN)
    trainer = Trainer(net, optimizer=groups or settings["optimizer"], optimizer_params=None if groups else
                      optimizer_params, task=task,
                      ctx=args.ctx, kvstore=args.kvstore, grad_accumulation=args.grad_accumulation,
                      clip_global_norm=settings["clip_global_norm"], hybridize=not args.no_hybridize,
                      seed=args.seed)
    handlers = [CheckpointHandler(checkpoints, keep_last=args.keep_last, monitor=task.monitor, mode=mode),
                HistoryHandler(args.out), NaNGuard("stop")]
    if settings["lr_schedule"] != "constant":
        schedule, base_lr, epochs_total = SCHEDULES[settings["lr_schedule"]], settings["lr"], settings["epochs"]
        handlers.append(LRScheduleHandler(lambda epoch: schedule(base_lr, epoch, epochs_total)))
    if not args.no_progress:
        handlers.append(ProgressBar(file=sys.stderr))
    if args.patience is not None:
        handlers.append(EarlyStopping(task.monitor, mode=mode, patience=args.patience))
    if args.tensorboard:
        handlers.append(TensorBoardHandler(os.path.join(args.out, "tb")))
    handlers.extend(task.event_handlers(args.out))

    os.makedirs(args.out, exist_ok=True)
    # what `gluonx export OUT` needs besides the checkpoint: the classes' names and the size trained on
    input_shapes = task.input_shapes(test_set if len(test_set) else train_set)
    write_json(os.path.join(args.out, RUN_FILE), {
        "model": args.model, "dataset": args.dataset, "recipe": decided["recipe"],
        "threads": decided["recipe_threads"], "settings": settings,
        "class_names": [str(name) for name in class_names] if class_names else None,
        "input_shapes": [list(shape) for shape in input_shapes] if input_shapes else None,
        # how raw inputs become the model's (a text dataset's tokenizer and vocabulary), for gluonx export
        "preprocessing": getattr(train_set, "export_preprocessing", lambda: None)()})
    print("training {} on {} ({} train / {} test samples) on {} with {} OpenMP thread(s)".format(
        args.model, args.dataset, len(train_set), len(test_set), ",".join(str(c) for c in trainer.ctx),
        omp_threads()), flush=True)
    started = time.perf_counter()
    epochs = trainer.fit(train_set, epochs=settings["epochs"], batch_size=settings["batch_size"],
                         val_data=test_set, event_handlers=handlers, log_interval=args.log_interval,
                         resume=resume)
    elapsed = time.perf_counter() - started
    rates = [row["samples_per_sec"] for row in trainer.state.history]
    last = epochs[-1] if epochs else {}
    diverged = nonfinite_epoch(list(trainer.state.epochs) or epochs)
    if diverged is None and any(isinstance(row.get("loss"), float) and not math.isfinite(row["loss"])
                                for row in trainer.state.history):
        diverged = len(epochs) - 1 if epochs else 0
    if epochs and diverged is None:  # measured after the timed training, added to the last epoch's test scalars
        epochs[-1].update({"val_" + key: value for key, value in
                           task.final_scalars(trainer.net, test_set, ctx=trainer.ctx[0]).items()})
    summary = {"model": args.model, "dataset": args.dataset, "task": task.name, "epochs": len(epochs),
               "recipe": decided["recipe"], "settings": settings, "threads": omp_threads(),
               "status": "diverged" if diverged is not None else "ok",
               "primary_metric": "test_" + task.primary_metric,
               "train_seconds": elapsed, "samples_per_sec": sorted(rates)[len(rates) // 2] if rates else None,
               "checkpoints": checkpoints, "history": os.path.join(args.out, "history.csv")}
    # every validation scalar of the last epoch, as test_*: JSON has no NaN, so non-finite values are null
    summary.update({"test_" + key[len("val_"):]: finite_or_none(value) for key, value in last.items()
                    if key.startswith("val_")})
    summary["samples_per_sec"] = finite_or_none(summary["samples_per_sec"])
    write_json(os.path.join(args.out, "summary.json"), summary)
    if diverged is not None:
        raise TrainingDiverged("the loss became NaN or infinite in epoch {}: lower --lr, or set --clip-global-norm"
                               " (summary: {})".format(diverged, os.path.join(args.out, "summary.json")))
    print("samples/s (median over log intervals): {:.0f}".format(summary["samples_per_sec"] or 0))
    for path in task.save_artifacts(trainer.net, train_set, args.out):
        print("wrote {}".format(path))
    print("checkpoints: {}  history: {}  curve: {}".format(checkpoints, summary["history"],
                                                            os.path.join(args.out, "learning_curve.png")))
    for line in task.result_lines(last):
        print(line)
    if args.min_accuracy is not None and not (summary.get("test_accuracy") or 0) >= args.min_accuracy:
        print("gluonx: error: test accuracy {:.4f} is below --min-accuracy {}".format(
            summary.get("test_accuracy") or float("nan"), args.min_accuracy), file=sys.stderr)
        return 1
    return 0
