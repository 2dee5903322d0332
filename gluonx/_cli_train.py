"""``gluonx train`` up to the point where MXNet starts, and ``gluonx recipes``.

Everything here runs before ``import mxnet`` (so no module of :mod:`gluonx.train`, whose package imports
MXNet): parsing and validating the arguments, choosing the recipe and merging it with the flags, checking a
resumed run's flags against its saved settings, and setting MXNet's OpenMP thread count, which MXNet reads
only when it is imported. The training itself is :func:`gluonx.train.cli.train`.
"""
import json
import os
import sys

from ._validate import (UsageError, check_finite, finite_float_arg, key_value_arg, non_negative_float_arg, non_negative_int_arg,
                        positive_float_arg, positive_int_arg)

#: Hyper-parameter settings: name -> (flag, gluonx train's default when neither a flag nor a recipe sets it).
DEFAULTS = {
    "optimizer": ("--optimizer", "adam"),
    "lr": ("--lr", 1e-3),
    "wd": ("--wd", 0.0),
    "optimizer_params": ("--optimizer-param", {}),
    "lr_schedule": ("--lr-schedule", "constant"),
    "epochs": ("--epochs", 5),
    "batch_size": ("--batch-size", 64),
    "clip_global_norm": ("--clip-global-norm", None),
    "model_args": ("--model-arg", {}),
    "dataset_args": ("--dataset-arg", {}),
    "augmentation": (None, {}),
    "seq_len": ("--seq-len", 35),
    "limit": ("--limit", None),
    # fine-tuning (D2L 9.2): weights loaded before the first epoch; the backbone's treatment on every start
    "weights": ("--weights", None),
    "finetune": ("--finetune", False),
    "backbone_lr_mult": ("--backbone-lr-mult", None),
    "freeze_backbone": ("--freeze-backbone", False),
}

#: Settings given as repeatable KEY=VALUE flags: they merge key by key with the recipe's and the saved run's.
DICT_SETTINGS = ("optimizer_params", "model_args", "dataset_args")

#: Per-epoch learning-rate schedules of ``--lr-schedule`` (implemented in gluonx.train.cli).
SCHEDULE_NAMES = ("constant", "cosine", "step")

RUN_FILE = "run.json"


def threads_arg(text):
    """``type=`` of ``--threads``: ``auto`` or an integer >= 1."""
    if text.strip().lower() == "auto":
        return "auto"
    return positive_int_arg(text)


def configure_train(parser):
    parser.add_argument("model", help="registered model name (gluonx models)")
    parser.add_argument("--dataset", default="digits", help="registered dataset (gluonx list datasets)")
    parser.add_argument("--data-root", help="folder of a file-based dataset (e.g. Fashion-MNIST idx files)")
    parser.add_argument("--dataset-arg", action="append", type=key_value_arg, metavar="KEY=VALUE",
                        help="extra dataset argument for both splits (repeatable), e.g. num_images=200 or "
                             "root=VOC2007; a JSON value is parsed (classes='[\"cat\", \"dog\"]')")
    parser.add_argument("--recipe", help="recipe to start from (gluonx recipes); default: the one registered for "
                                         "MODEL x DATASET; 'none' for gluonx train's plain defaults")
    hyper = parser.add_argument_group("hyper-parameters (default: the recipe's, else the value shown)")
    hyper.add_argument("--epochs", type=positive_int_arg, help="total epochs (5)")
    hyper.add_argument("--batch-size", type=positive_int_arg, help="samples per batch (64)")
    hyper.add_argument("--optimizer", help="registered optimizer name (adam; gluonx list optimizers)")
    hyper.add_argument("--lr", type=non_negative_float_arg, help="learning rate (0.001)")
    hyper.add_argument("--wd", type=non_negative_float_arg, help="weight decay (0)")
    hyper.add_argument("--lr-schedule", choices=SCHEDULE_NAMES,
                       help="per-epoch learning-rate schedule (constant; cosine: half a cosine from --lr to 0)")
    hyper.add_argument("--optimizer-param", action="append", type=key_value_arg, metavar="KEY=VALUE",
                       help="extra optimizer argument (repeatable), e.g. momentum=0.9")
    hyper.add_argument("--model-arg", action="append", type=key_value_arg, metavar="KEY=VALUE",
                       help="extra model argument (repeatable), e.g. dropout=0.5")
    hyper.add_argument("--clip-global-norm", type=positive_float_arg, help="gradient clipping (off)")
    hyper.add_argument("--seq-len", type=positive_int_arg, help="time steps per batch of language models (35)")
    hyper.add_argument("--limit", type=positive_int_arg,
                       help="use only the first N samples of the training and of the test split (quick trials)")
    tuning = parser.add_argument_group("fine-tuning (D2L 9.2)")
    tuning.add_argument("--weights", metavar="PATH",
                        help="start from these weights: a .params file (save_parameters, export), an export folder, "
                             "a checkpoint folder or a gluonx train --out folder; all parameters must match")
    tuning.add_argument("--finetune", action="store_true", default=None,
                        help="with --weights: load all but the output layer, which is new for this dataset's classes")
    tuning.add_argument("--backbone-lr-mult", type=positive_float_arg, metavar="MULT",
                        help="with --finetune: the backbone's learning rate is --lr times MULT (e.g. 0.1)")
    tuning.add_argument("--freeze-backbone", action="store_true", default=None,
                        help="with --finetune: train only the new output layer (backbone and its batch-norm "
                             "statistics stay as loaded)")
    parser.add_argument("--ctx", default="cpu:0", help="devices, e.g. cpu:0 or cpu:0,cpu:1 or gpu:0,gpu:1")
    parser.add_argument("--kvstore", default="device",
                        choices=["device", "local", "dist_sync", "dist_device_sync", "dist_async", "horovod"],
                        help="gradient aggregation; the dist_* and horovod modes run under `gluonx launch`")
    parser.add_argument("--grad-accumulation", type=positive_int_arg, default=1)
    parser.add_argument("--log-interval", type=positive_int_arg, default=20, help="batches between metric reads")
    parser.add_argument("--patience", type=non_negative_int_arg,
                        help="early stopping on the task's monitored value after this many epochs")
    parser.add_argument("--keep-last", type=positive_int_arg, default=3,
                        help="checkpoints kept (the best is kept too)")
    parser.add_argument("--seed", type=non_negative_int_arg, default=0)
    parser.add_argument("--threads", type=threads_arg, default="auto",
                        help="MXNet OpenMP threads, set before MXNet starts: auto (default: what the recipe says "
                             "suits the model, capped by the cores available) or a number")
    parser.add_argument("--no-hybridize", action="store_true", help="train imperatively")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--tensorboard", action="store_true", help="also write TensorBoard scalars to OUT/tb")
    parser.add_argument("--out", required=True, help="output folder: checkpoints/, history.*, learning_curve.png")
    parser.add_argument("--resume", action="store_true",
                        help="resume from the latest checkpoint in OUT, with the settings saved in OUT/run.json")
    parser.add_argument("--min-accuracy", type=finite_float_arg,
                        help="exit with status 1 if the final test accuracy is below this (for scripts and CI)")


def given_settings(args):
    """The hyper-parameter settings the user gave as flags (argparse defaults of None mean: not given)."""
    given = {}
    for name, (flag, _) in DEFAULTS.items():
        if flag is None:
            continue
        value = getattr(args, flag[2:].replace("-", "_"), None)
        if value is None:
            continue
        given[name] = dict(value) if name in DICT_SETTINGS else value
    for flag, name in (("--optimizer-param", "optimizer_params"), ("--model-arg", "model_args"),
                       ("--dataset-arg", "dataset_args")):
        for key, value in given.get(name, {}).items():
            if isinstance(value, float):  # JSON's NaN and Infinity parse to floats
                check_finite("{} {}".format(flag, key), value)
    return given


def choose_recipe(args):
    """The record of the recipe to start from, or None (``--recipe none``, or none registered)."""
    from ._api import find_recipe, get_recipe_info
    if args.recipe is not None:
        if args.recipe.lower() == "none":
            return None
        info = get_recipe_info(args.recipe)
        if info.model.lower() != args.model.lower() or info.dataset.lower() != args.dataset.lower():
            raise UsageError("--recipe {} is for {} on {}, not {} on {}".format(
                info.name, info.model, info.dataset, args.model, args.dataset))
        return info
    return find_recipe(args.model, args.dataset)


def merge_settings(recipe, given):
    """Defaults, then the recipe's settings, then the flags; returns (settings, where each came from).

    ``--model-arg`` and ``--optimizer-param`` merge key by key with the recipe's. An ``--optimizer`` other than
    the recipe's drops the recipe's optimizer arguments: they belong to the recipe's optimizer.
    """
    settings = {name: (dict(default) if isinstance(default, dict) else default)
                for name, (_, default) in DEFAULTS.items()}
    origin = {name: "default" for name in settings}
    if recipe is not None:
        for name, value in recipe.settings().items():
            if name in settings:
                settings[name], origin[name] = value, "recipe"
        if "optimizer" in given and given["optimizer"] != settings["optimizer"]:
            settings["optimizer_params"], origin["optimizer_params"] = {}, "default"
    for name, value in given.items():
        if name in DICT_SETTINGS:
            settings[name] = dict(settings[name], **value)
        else:
            settings[name] = value
        origin[name] = "flag"
    return settings, origin


def _flag_text(name, value):
    flag = DEFAULTS[name][0]
    if isinstance(value, dict):
        return " ".join("{} {}={}".format(flag, k, json.dumps(v)) for k, v in value.items()) or flag + " (none)"
    return "{} {}".format(flag, value)


def epochs_done(checkpoints):
    """Epochs completed by the newest readable checkpoint under ``checkpoints`` (None if there is none).

    Reads only the checkpoints' JSON records (MXNet is not imported yet); the trainer verifies the files when
    it resumes.
    """
    import re
    if not os.path.isdir(checkpoints):
        return None
    pattern = re.compile(r"^ckpt-e(\d+)-b(\d+)$")
    names = sorted((tuple(map(int, m.groups())), n) for n in os.listdir(checkpoints) for m in [pattern.match(n)] if m)
    for _, name in reversed(names):
        try:
            with open(os.path.join(checkpoints, name, "checkpoint.json"), encoding="utf-8") as handle:
                epoch = json.load(handle)["state"]["epoch"]
        except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
            continue
        if isinstance(epoch, int) and not isinstance(epoch, bool):
            return epoch
    return None


def read_run(out):
    """The settings saved by the run in ``out`` (``OUT/run.json``), or None for runs that predate it."""
    path = os.path.join(out, RUN_FILE)
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            run = json.load(handle)
        settings = run["settings"]
        if not isinstance(settings, dict):
            raise TypeError("settings is not an object")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as err:
        raise UsageError("--resume: {} is not a valid run file ({})".format(path, err)) from None
    return run


def resume_settings(args, run, given, done):
    """The settings of a resumed run: the saved ones; a flag that differs is refused, except ``--epochs``
    at or above the epochs already done, which extends (or shortens) the run and is reported.

    Returns (settings, notes) where notes are lines to print.
    """
    if run["model"].lower() != args.model.lower() or run["dataset"].lower() != args.dataset.lower():
        raise UsageError("--resume: {} trained {} on {}, not {} on {}".format(
            args.out, run["model"], run["dataset"], args.model, args.dataset))
    settings = dict(run["settings"])
    notes = []
    for name, value in given.items():
        saved = settings.get(name, DEFAULTS[name][1])
        if name in DICT_SETTINGS:
            merged = dict(saved or {}, **value)
            conflict = merged != (saved or {})
        else:
            conflict = value != saved
        if not conflict:
            continue
        if name == "epochs":
            if done is not None and value < done:
                raise UsageError("--resume: --epochs {} is fewer than the {} epoch(s) already done in {}".format(
                    value, done, args.out))
            notes.append("--epochs {} replaces the saved run's {}".format(value, saved))
            settings[name] = value
            continue
        raise UsageError("--resume: {} differs from the saved run's {} ({}); a resumed run keeps its "
                         "settings: drop the flag, or train into a new --out".format(
                             _flag_text(name, value), _flag_text(name, saved),
                             os.path.join(args.out, RUN_FILE)))
    return settings, notes


def check_finetune(given):
    """Refuse fine-tuning flags that do not go together, and weights that do not exist, before MXNet starts."""
    if given.get("finetune") and not given.get("weights"):
        raise UsageError("--finetune needs --weights PATH (the source model's parameters)")
    for name in ("backbone_lr_mult", "freeze_backbone"):
        if given.get(name) and not given.get("finetune"):
            raise UsageError("{} applies when fine-tuning: add --weights PATH --finetune".format(DEFAULTS[name][0]))
    if given.get("backbone_lr_mult") and given.get("freeze_backbone"):
        raise UsageError("--backbone-lr-mult and --freeze-backbone exclude each other: a frozen backbone does "
                         "not learn")
    weights = given.get("weights")
    if weights and not os.path.exists(weights):
        raise FileNotFoundError("--weights {}: not found (expected a .params file, an export folder, a checkpoint "
                                "folder or a gluonx train --out folder)".format(weights))


def check_out(out, resume):
    """Refuse an --out that cannot hold a run before anything is written."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError("--out {} is a file; expected a folder (new or holding a gluonx run)".format(out))
    checkpoints = os.path.join(out, "checkpoints")
    if os.path.exists(checkpoints) and not os.path.isdir(checkpoints):
        raise UsageError("--out {}: {} is a file, where checkpoints go".format(out, checkpoints))


def plan(args):
    """Everything decided before MXNet starts: a dict with settings, recipe, threads and what to print."""
    from ._api import get_dataset_info, get_model_info, get_task_info
    from .recipes import choose_threads
    check_out(args.out, args.resume)
    model_info = get_model_info(args.model)
    get_dataset_info(args.dataset)
    task_info = get_task_info(model_info.task) if model_info.task else None
    if task_info is not None and not task_info.trainable:
        raise UsageError("model {}'s task '{}' is not trained on its own ({})".format(
            args.model, task_info.name, task_info.description))
    if args.min_accuracy is not None and task_info is not None and task_info.primary_metric != "accuracy":
        raise UsageError("--min-accuracy applies to tasks measured by accuracy; {} is a {} model ({})".format(
            args.model, task_info.name, task_info.primary_metric))
    given = given_settings(args)
    check_finetune(given)
    if given.get("weights"):
        given["weights"] = os.path.abspath(given["weights"])
    lines = []
    run = read_run(args.out) if args.resume else None
    recipe = None
    if run is not None:
        settings, notes = resume_settings(args, run, given, epochs_done(os.path.join(args.out, "checkpoints")))
        lines.append("resuming with the settings saved in {}".format(os.path.join(args.out, RUN_FILE)))
        lines.extend(notes)
        recipe_name = run.get("recipe")
        recipe_threads = run.get("threads")
    else:
        if args.resume and epochs_done(os.path.join(args.out, "checkpoints")) is not None:
            lines.append("{} holds no {} (a run from before gluonx saved its settings): the recipe and the flags "
                         "given now apply".format(args.out, RUN_FILE))
        recipe = choose_recipe(args)
        settings, origin = merge_settings(recipe, given)
        recipe_name = recipe.name if recipe is not None else None
        recipe_threads = recipe.threads if recipe is not None else None
        if recipe is not None:
            overridden = sorted(DEFAULTS[n][0] for n in given)
            lines.append("recipe {} ({}{}){}".format(
                recipe.name, recipe.book_section or "no book section",
                ", plugin " + recipe.plugin if recipe.plugin != "core" else "",
                "; overridden by " + ", ".join(overridden) if overridden else ""))
        else:
            lines.append("no recipe for {} on {}: gluonx train's defaults".format(args.model, args.dataset)
                         if args.recipe is None else "--recipe none: gluonx train's defaults")
    if settings.get("lr_schedule") not in SCHEDULE_NAMES:
        raise UsageError("lr_schedule must be one of {}, got {!r}".format(SCHEDULE_NAMES, settings["lr_schedule"]))
    shown = ["{} {}".format(name, json.dumps(settings[name])) for name in
             ("optimizer", "lr", "wd", "optimizer_params", "lr_schedule", "epochs", "batch_size", "clip_global_norm",
              "model_args", "dataset_args", "augmentation", "limit", "weights", "finetune", "backbone_lr_mult",
              "freeze_backbone")
             if settings.get(name) not in (None, {}, False)]
    if model_info.task == "language-model":
        shown.append("seq_len {}".format(settings["seq_len"]))
    lines.append("settings: " + ", ".join(shown))
    threads, reason = choose_threads(args.threads, recipe_threads)
    return {"settings": settings, "recipe": recipe_name, "recipe_threads": recipe_threads, "threads": threads,
            "threads_reason": reason, "lines": lines, "task": model_info.task or None}


def run_train(args):
    """``gluonx train``: plan, set the threads, then train (MXNet is imported only then)."""
    from .utils.threads import omp_threads, set_omp_threads
    out_existed = os.path.exists(args.out)
    decided = plan(args)
    for line in decided["lines"]:
        print(line, flush=True)
    took_effect = set_omp_threads(decided["threads"])
    print("OpenMP threads: {} ({}{})".format(
        omp_threads(), decided["threads_reason"],
        "" if took_effect else "; MXNet was already imported, so {} was not applied".format(decided["threads"])),
        flush=True)
    try:
        from .train.cli import train
        return train(args, decided)
    except BaseException:
        if not out_existed:
            checkpoints = os.path.join(args.out, "checkpoints")
            if not (os.path.isdir(checkpoints) and os.listdir(checkpoints)):
                try:  # the run file alone describes nothing that can be resumed
                    os.remove(os.path.join(args.out, RUN_FILE))
                except OSError:
                    pass
            remove_empty_folders(args.out)
        raise


def remove_empty_folders(root):
    """Remove ``root`` and the folders under it if they hold no file (a run that failed before writing)."""
    if not os.path.isdir(root):
        return
    for folder, _, _ in sorted(os.walk(root), key=lambda item: -item[0].count(os.sep)):
        try:
            os.rmdir(folder)
        except OSError:
            pass  # not empty: something was written there


# -- gluonx recipes --------------------------------------------------------------------------------------
def configure_recipes(parser):
    parser.add_argument("pattern", nargs="?", default="*", help="shell-style wildcard of recipe names")
    parser.add_argument("--model", help="only recipes for this model (wildcards allowed)")
    parser.add_argument("--dataset", help="only recipes for this dataset (wildcards allowed)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run_recipes(args):
    import fnmatch
    from ._api import registry
    from .cli import format_table
    infos = [info for info in registry("recipes").infos(args.pattern or "*")
             if (args.model is None or fnmatch.fnmatchcase(info.model.lower(), args.model.lower()))
             and (args.dataset is None or fnmatch.fnmatchcase(info.dataset.lower(), args.dataset.lower()))]
    if args.json:
        print(json.dumps([info.summary() for info in infos], indent=2, sort_keys=True, default=str))
        return 0
    rows = []
    for info in infos:
        s = info.settings()
        rows.append((info.name, info.model, info.dataset, s.get("optimizer", "-"), s.get("lr", "-"),
                     s.get("lr_schedule", "-"), s.get("epochs", "-"), s.get("batch_size", "-"),
                     s.get("threads", "-"), info.plugin, info.book_section or "-"))
    print(format_table(rows, ("name", "model", "dataset", "optimizer", "lr", "schedule", "epochs", "batch",
                              "threads", "plugin", "book")))
    print("\n{} recipe{}".format(len(infos), "" if len(infos) == 1 else "s"))
    return 0
