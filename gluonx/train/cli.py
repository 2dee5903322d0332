"""``gluonx train``: the main job — train a registered model on a registered dataset.

Sets MXNet's OpenMP thread count (``--threads``) before MXNet is imported, trains with a progress bar,
validates on the dataset's test split each epoch, writes checkpoints and history to ``--out``, and ends with
the test accuracy line.
"""
import inspect
import json
import math
import os
import sys
import time


def _key_value(text):
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise ValueError("expected KEY=VALUE, got {!r}".format(text))
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


#: Per-epoch schedules: (base lr, epoch, epochs) -> lr.
SCHEDULES = {
    "constant": lambda lr, epoch, epochs: lr,
    "cosine": lambda lr, epoch, epochs: lr * 0.5 * (1 + math.cos(math.pi * epoch / epochs)),
    "step": lambda lr, epoch, epochs: lr * 0.1 ** (epoch // max(1, epochs // 3)),
}


def configure_train(parser):
    parser.add_argument("model", help="registered model name (gluonx models)")
    parser.add_argument("--dataset", default="digits", help="registered dataset (gluonx list datasets)")
    parser.add_argument("--data-root", help="folder of a file-based dataset (e.g. Fashion-MNIST idx files)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--ctx", default="cpu:0", help="devices, e.g. cpu:0 or cpu:0,cpu:1 or gpu:0,gpu:1")
    parser.add_argument("--kvstore", default="device",
                        choices=["device", "local", "dist_sync", "dist_device_sync", "dist_async", "horovod"],
                        help="gradient aggregation; the dist_* and horovod modes run under `gluonx launch`")
    parser.add_argument("--optimizer", default="adam")
    parser.add_argument("--lr", type=float, default=1e-3, help="learning rate")
    parser.add_argument("--wd", type=float, default=0.0, help="weight decay")
    parser.add_argument("--lr-schedule", choices=sorted(SCHEDULES), default="constant",
                        help="per-epoch learning-rate schedule (cosine: half a cosine from --lr to 0)")
    parser.add_argument("--optimizer-param", action="append", default=[], metavar="KEY=VALUE",
                        help="extra optimizer argument (repeatable), e.g. momentum=0.9")
    parser.add_argument("--model-arg", action="append", default=[], metavar="KEY=VALUE",
                        help="extra model argument (repeatable), e.g. dropout=0.5")
    parser.add_argument("--grad-accumulation", type=int, default=1)
    parser.add_argument("--clip-global-norm", type=float)
    parser.add_argument("--log-interval", type=int, default=20, help="batches between metric reads")
    parser.add_argument("--patience", type=int, help="early stopping on val_loss after this many epochs")
    parser.add_argument("--keep-last", type=int, default=3, help="checkpoints kept (the best is kept too)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, help="MXNet OpenMP threads (set before MXNet starts)")
    parser.add_argument("--no-hybridize", action="store_true", help="train imperatively")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--tensorboard", action="store_true", help="also write TensorBoard scalars to OUT/tb")
    parser.add_argument("--out", required=True, help="output folder: checkpoints/, history.*, learning_curve.png")
    parser.add_argument("--resume", action="store_true", help="resume from the latest checkpoint in OUT")
    parser.add_argument("--min-accuracy", type=float,
                        help="exit with status 1 if the final test accuracy is below this (for scripts and CI)")


def _dataset(name, root, train):
    import gluonx
    info = gluonx.get_dataset_info(name)
    kwargs = {"train": train}
    if not info.embedded:
        if not root:
            raise ValueError("dataset '{}' is read from files: give --data-root".format(name))
        kwargs["root"] = root
    return info, gluonx.get_dataset(name, **kwargs)


def _model(name, dataset_info, extra_args):
    import gluonx
    info = gluonx.get_model_info(name)
    factory = info.resolve()
    accepted = inspect.signature(factory).parameters
    takes_any = any(p.kind == p.VAR_KEYWORD for p in accepted.values())
    kwargs = dict(extra_args)
    if dataset_info.num_classes and ("num_classes" in accepted or takes_any):
        kwargs.setdefault("num_classes", dataset_info.num_classes)
    if dataset_info.sample_shape and ("in_channels" in accepted):
        kwargs.setdefault("in_channels", dataset_info.sample_shape[0])
    return gluonx.get_model(name, **kwargs)


def run_train(args):
    if args.threads is not None:
        from ..utils.threads import set_omp_threads
        set_omp_threads(args.threads)
    import mxnet as mx
    from ..utils.threads import omp_threads
    from .checkpoint import list_checkpoints
    from .handlers import (CheckpointHandler, EarlyStopping, HistoryHandler, LRScheduleHandler, ProgressBar,
                           TensorBoardHandler)
    from .trainer import Trainer

    dataset_info, train_set = _dataset(args.dataset, args.data_root, True)
    _, test_set = _dataset(args.dataset, args.data_root, False)
    net = _model(args.model, dataset_info, [_key_value(t) for t in args.model_arg])
    optimizer_params = {"learning_rate": args.lr, "wd": args.wd}
    optimizer_params.update(_key_value(t) for t in args.optimizer_param)
    checkpoints = os.path.join(args.out, "checkpoints")
    resume = None
    if args.resume:
        if not list_checkpoints(checkpoints):
            raise FileNotFoundError("--resume: no checkpoint in {}".format(checkpoints))
        resume = checkpoints
    elif list_checkpoints(checkpoints):
        raise FileExistsError("{} already holds checkpoints: pass --resume to continue, or choose another --out"
                              .format(checkpoints))
    trainer = Trainer(net, mx.gluon.loss.SoftmaxCrossEntropyLoss(), args.optimizer, optimizer_params,
                      ctx=args.ctx, kvstore=args.kvstore, grad_accumulation=args.grad_accumulation,
                      clip_global_norm=args.clip_global_norm, hybridize=not args.no_hybridize, seed=args.seed)
    handlers = [CheckpointHandler(checkpoints, keep_last=args.keep_last, monitor="val_accuracy"),
                HistoryHandler(args.out)]
    if args.lr_schedule != "constant":
        schedule = SCHEDULES[args.lr_schedule]
        handlers.append(LRScheduleHandler(lambda epoch: schedule(args.lr, epoch, args.epochs)))
    if not args.no_progress:
        handlers.append(ProgressBar(file=sys.stderr))
    if args.patience is not None:
        handlers.append(EarlyStopping("val_loss", patience=args.patience))
    if args.tensorboard:
        handlers.append(TensorBoardHandler(os.path.join(args.out, "tb")))
    print("training {} on {} ({} train / {} test samples) on {} with {} OpenMP thread(s)".format(
        args.model, args.dataset, len(train_set), len(test_set), ",".join(str(c) for c in trainer.ctx),
        omp_threads()), flush=True)
    started = time.perf_counter()
    epochs = trainer.fit(train_set, epochs=args.epochs, batch_size=args.batch_size, val_data=test_set,
                         event_handlers=handlers, log_interval=args.log_interval, resume=resume)
    elapsed = time.perf_counter() - started
    rates = [row["samples_per_sec"] for row in trainer.state.history]
    last = epochs[-1] if epochs else {}
    summary = {"model": args.model, "dataset": args.dataset, "epochs": len(epochs),
               "test_accuracy": last.get("val_accuracy"), "test_loss": last.get("val_loss"),
               "train_seconds": elapsed, "samples_per_sec": sorted(rates)[len(rates) // 2] if rates else None,
               "checkpoints": checkpoints, "history": os.path.join(args.out, "history.csv")}
    from ..utils.atomic import write_json
    write_json(os.path.join(args.out, "summary.json"), summary)
    print("samples/s (median over log intervals): {:.0f}".format(summary["samples_per_sec"] or 0))
    print("checkpoints: {}  history: {}  curve: {}".format(checkpoints, summary["history"],
                                                            os.path.join(args.out, "learning_curve.png")))
    print("test accuracy: {:.4f}".format(summary["test_accuracy"]))
    if args.min_accuracy is not None and not summary["test_accuracy"] >= args.min_accuracy:
        print("gluonx: error: test accuracy {:.4f} is below --min-accuracy {}".format(
            summary["test_accuracy"], args.min_accuracy), file=sys.stderr)
        return 1
    return 0
