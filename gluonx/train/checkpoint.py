"""Checkpoints for an exact resume, in a format that holds no pickle and loads nothing executable.

A checkpoint is a folder::

    ckpt-e0002-b00000150/
        checkpoint.json    format, versions, model signature, trainer state, optimizer scalars and state
                           layout, RNG metadata, data order, handler states, sha256 of every file
        params.nd          parameters (MXNet's NDArray file format), by structural name
        optimizer.nd       optimizer state of every device (of every optimizer), and the arrays a training
                           step carries across batches (``step/...``, e.g. TBPTT's recurrent state)
        rng.nd             Python and NumPy generator states

It is written into a temporary folder and renamed into place (atomic); ``latest.json`` and ``best.json``
beside it are replaced atomically. Loading checks the format marker, every file's sha256, the NDArray file
magic number (so a pickle is rejected before anything parses it), and that the arrays of ``params.nd`` are
exactly the model's parameters (names, shapes, dtypes), and raises :class:`CheckpointError` with what was
expected.

Resuming from a folder of checkpoints always makes progress, whatever a kill left behind: it takes the
newest checkpoint that is complete and verifies, whatever ``latest.json`` says (a kill between renaming a
checkpoint into place and updating the pointer leaves the pointer one behind). Newer checkpoints that are
incomplete or corrupt are skipped with a :class:`CheckpointFallbackWarning` naming each file and what is
wrong with it, and are replaced when training reaches them again. Temporary folders and files of a killed
save (``.ckpt-*.XXXXXXXX.tmp``, ``.latest.json.XXXXXXXX.tmp``) are removed by the next run.
"""
import hashlib
import json
import os
import re
import secrets
import shutil
import struct
import warnings

import mxnet as mx
import numpy as np

from .. import __version__
from ..utils.atomic import atomic_directory, fault_point, remove_stale_temporaries, save_ndarrays, write_json
from ..utils.seed import capture_rng_state, restore_rng_state
from ..utils.sync import sync_point

FORMAT = "gluonx-checkpoint"
VERSION = 1
FILES = ("params.nd", "optimizer.nd", "rng.nd")
#: First 8 bytes of every file written by ``mx.nd.save`` (kMXAPINDArrayListMagic, little-endian uint64).
NDARRAY_MAGIC = struct.pack("<Q", 0x112)
_NAME = re.compile(r"^ckpt-e(\d{4,})-b(\d{8,})$")
_MAX_JSON_BYTES = 64 * 1024 * 1024


#: Key prefix, in optimizer.nd, of the arrays a TrainStep carries across batches.
STEP_PREFIX = "step/"


def _group_prefix(name):
    return "{}:".format(name)


class CheckpointError(ValueError):
    """A checkpoint that is missing, truncated, tampered with, foreign, or written for another model."""


class CheckpointFallbackWarning(UserWarning):
    """Resuming skipped newer checkpoints that are incomplete or corrupt (the message names them)."""


def checkpoint_name(epoch, batch):
    """Folder name of the checkpoint taken after ``batch`` batches in ``epoch``."""
    return "ckpt-e{:04d}-b{:08d}".format(epoch, batch)


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _structural_params(net):
    # structural names ("features.0.weight") do not depend on name-scope counters, unlike param.name
    return net._collect_params_with_prefix()


def model_signature(net):
    """``[[name, shape, dtype], ...]`` of the net's parameters by structural name."""
    return [[name, list(p.shape), np.dtype(p.dtype).name] for name, p in sorted(_structural_params(net).items())]


# -- optimizer state ------------------------------------------------------------------------------------
def _flatten_state(state, key, arrays):
    if state is None:
        return None
    if isinstance(state, mx.nd.NDArray):
        arrays[key] = state
        return "nd"
    if isinstance(state, (tuple, list)):
        return {"sequence": [_flatten_state(item, "{}/{}".format(key, i), arrays) for i, item in enumerate(state)]}
    raise CheckpointError("cannot store optimizer state of type {} (only NDArrays, tuples and lists)".format(
        type(state).__name__))


def _unflatten_state(layout, key, arrays, ctx):
    if layout is None:
        return None
    if layout == "nd":
        if key not in arrays:
            raise CheckpointError("optimizer.nd lacks the state array '{}'".format(key))
        return arrays[key].as_in_context(ctx)
    if isinstance(layout, dict) and "sequence" in layout:
        return tuple(_unflatten_state(item, "{}/{}".format(key, i), arrays, ctx)
                     for i, item in enumerate(layout["sequence"]))
    raise CheckpointError("unknown optimizer state layout {!r}".format(layout))


def _jsonable(value):
    try:
        json.dumps(value)
        return True
    except (TypeError, ValueError):
        return False


def _optimizer_record(gluon_trainer, arrays, prefix=""):
    optimizer = gluon_trainer._optimizer
    updaters = gluon_trainer._updaters
    layouts = [{str(index): _flatten_state(state, "{}ctx{}/{}".format(prefix, c, index), arrays)
                for index, state in sorted(updater.states.items())} for c, updater in enumerate(updaters)]
    scheduler = optimizer.lr_scheduler
    return {
        "class": type(optimizer).__name__,
        "num_update": int(optimizer.num_update),
        "begin_num_update": int(optimizer.begin_num_update),
        # MXNet counts updates per device (Optimizer._all_index_update_counts, keyed by device id)
        "index_update_counts": {str(device): {str(k): int(v) for k, v in counts.items()}
                                for device, counts in optimizer._all_index_update_counts.items()},
        "lr": float(optimizer.lr),
        "wd": float(optimizer.wd),
        "lr_scheduler": None if scheduler is None else {
            "class": type(scheduler).__name__,
            "state": {k: v for k, v in vars(scheduler).items() if _jsonable(v)}},
        "states": layouts,
    }


def _restore_optimizer(gluon_trainer, contexts, record, arrays, prefix=""):
    optimizer = gluon_trainer._optimizer
    if record["class"] != type(optimizer).__name__:
        raise CheckpointError("checkpoint optimizer is {}, this trainer uses {}".format(
            record["class"], type(optimizer).__name__))
    optimizer.num_update = record["num_update"]
    optimizer.begin_num_update = record["begin_num_update"]
    optimizer._all_index_update_counts = {int(device): {int(k): v for k, v in counts.items()}
                                          for device, counts in record["index_update_counts"].items()}
    optimizer._all_index_update_counts.setdefault(0, {})
    optimizer._index_update_count = optimizer._all_index_update_counts[0]
    optimizer.lr = record["lr"]
    optimizer.wd = record["wd"]
    scheduler = record["lr_scheduler"]
    if scheduler is not None:
        if optimizer.lr_scheduler is None or type(optimizer.lr_scheduler).__name__ != scheduler["class"]:
            raise CheckpointError("checkpoint has lr scheduler {}, this trainer has {}".format(
                scheduler["class"], type(optimizer.lr_scheduler).__name__))
        for key, value in scheduler["state"].items():
            setattr(optimizer.lr_scheduler, key, value)
    layouts = record["states"]
    for c, (updater, ctx) in enumerate(zip(gluon_trainer._updaters, contexts)):
        source = c if c < len(layouts) else 0  # fewer devices saved: replicate device 0's state
        updater.states = {int(index): _unflatten_state(layout, "{}ctx{}/{}".format(prefix, source, index), arrays,
                                                       ctx)
                          for index, layout in layouts[source].items()}
        updater.states_synced = {index: True for index in updater.states}


# -- save -----------------------------------------------------------------------------------------------
def save_checkpoint(trainer, root, at_epoch_end=False, handlers=None, extra=None):
    """Write a checkpoint of ``trainer`` into a new folder under ``root``; returns its path.

    Parameters
    ----------
    trainer : gluonx.Trainer
    root : str
        Folder of checkpoints (created if needed).
    at_epoch_end : bool
        The checkpoint is taken after an epoch's last batch: it resumes at the next epoch's start.
    handlers : sequence of EventHandler, optional
        Handlers whose ``state_dict()`` is saved (default: the trainer's).
    extra : dict, optional
        JSON-able information stored under ``"extra"`` (e.g. the monitored value).

    In distributed training only rank 0 writes (every worker holds the same state); the others return
    the path rank 0 writes to.
    """
    state = trainer.state
    epoch, batch_in_epoch = (state.epoch + 1, 0) if at_epoch_end else (state.epoch, state.batch_in_epoch)
    name = checkpoint_name(state.epoch, state.batch)
    path = os.path.join(root, name)
    if not getattr(trainer, "is_writer", True):
        return path
    os.makedirs(root, exist_ok=True)
    handlers = trainer.handlers if handlers is None else handlers
    with sync_point("checkpoint"):
        mx.nd.waitall()  # see Trainer.read_window: never read while a multi-device update runs
        params = {key: p.data(trainer.ctx[0]) for key, p in _structural_params(trainer.net).items()}
        optimizer_arrays = {}
        optimizer = _optimizer_record(trainer.gluon_trainer, optimizer_arrays)
        # several optimizers (a GAN): the first as "optimizer", the others by name, keys prefixed "<name>:"
        groups = getattr(trainer, "gluon_trainers", {"default": trainer.gluon_trainer})
        others = {name: _optimizer_record(gluon_trainer, optimizer_arrays, _group_prefix(name))
                  for name, gluon_trainer in list(groups.items())[1:]}
        # state a TrainStep carries across batches (TBPTT's recurrent state) travels with the optimizer's
        step = getattr(trainer, "batch_step", None)
        step_arrays = step.state_dict() if step is not None else {}
        optimizer_arrays.update({STEP_PREFIX + key: value for key, value in step_arrays.items()})
        rng_meta, rng_arrays = capture_rng_state()
        replaced = _move_aside(path)
        with atomic_directory(path) as tmp:
            save_ndarrays(os.path.join(tmp, "params.nd"), params)
            fault_point("checkpoint:params-written")
            save_ndarrays(os.path.join(tmp, "optimizer.nd"), optimizer_arrays)
            save_ndarrays(os.path.join(tmp, "rng.nd"), {k: mx.nd.array(v, dtype=np.int64)
                                                         for k, v in rng_arrays.items()})
            record = {
                "format": FORMAT, "version": VERSION, "gluonx": __version__, "mxnet": mx.__version__,
                "model": {"class": type(trainer.net).__name__, "parameters": model_signature(trainer.net),
                          "spec": getattr(trainer.net, "gluonx_spec", None)},
                "state": {"epoch": epoch, "batch_in_epoch": batch_in_epoch, "batch": state.batch,
                          "step": state.step, "samples": state.samples,
                          "epoch_totals": {} if at_epoch_end else state.epoch_totals,
                          "history": state.history,
                          "epochs": [{k: v for k, v in row.items() if k != "end_of_epoch"} for row in state.epochs]},
                "seed": trainer.seed,
                "num_devices": len(trainer.ctx),
                "optimizer": optimizer,
                "optimizer_names": list(groups),
                "optimizers": others,
                "step_state": sorted(step_arrays),
                "rng": rng_meta,
                "handlers": {"{}:{}".format(i, type(h).__name__): h.state_dict() for i, h in enumerate(handlers)},
                "extra": extra or {},
                "files": {f: _sha256(os.path.join(tmp, f)) for f in FILES},
            }
            write_json(os.path.join(tmp, "checkpoint.json"), record)
            fault_point("checkpoint:staged")
        fault_point("checkpoint:renamed")
        if replaced is not None:
            shutil.rmtree(replaced, ignore_errors=True)
        write_json(os.path.join(root, "latest.json"), {"checkpoint": name})
        fault_point("checkpoint:pointer-written")
    return path


def _trash_name(path):
    # a name remove_stale_temporaries recognises, so a kill before the rmtree is cleaned up next run
    return os.path.join(os.path.dirname(path), ".{}.{}.tmp".format(os.path.basename(path), secrets.token_hex(4)))


def _move_aside(path):
    """Rename an existing checkpoint folder of the same name out of the way (a resume skipped it as corrupt,
    or resumed from an older one); returns its new name, or None."""
    if not os.path.lexists(path):
        return None
    trash = _trash_name(path)
    os.rename(path, trash)
    fault_point("checkpoint:moved-aside")
    return trash


def clean_checkpoint_folder(root):
    """Remove what a killed save left in ``root`` (temporary folders and files, half-pruned checkpoints);
    returns the names removed. Only gluonx's temporary names (``.NAME.XXXXXXXX.tmp``) are touched."""
    return remove_stale_temporaries(root)


# -- load -----------------------------------------------------------------------------------------------
def _read_record(path):
    json_path = os.path.join(path, "checkpoint.json")
    if not os.path.isfile(json_path):
        raise CheckpointError("{} is not a gluonx checkpoint: checkpoint.json is missing".format(path))
    if os.path.getsize(json_path) > _MAX_JSON_BYTES:
        raise CheckpointError("{}: checkpoint.json is larger than {} bytes".format(path, _MAX_JSON_BYTES))
    with open(json_path, "rb") as handle:
        raw = handle.read()
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        hint = " (it looks like a Python pickle, which gluonx never loads)" if raw[:1] == b"\x80" else ""
        raise CheckpointError("{}: checkpoint.json is not valid JSON{}: {}".format(path, hint, err)) from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise CheckpointError("{} is not a gluonx checkpoint (format marker {!r}, expected {!r})".format(
            path, record.get("format") if isinstance(record, dict) else None, FORMAT))
    if record.get("version") != VERSION:
        raise CheckpointError("{}: checkpoint format version {} is not supported (expected {})".format(
            path, record.get("version"), VERSION))
    return record


def _load_arrays(path, name, expected_sha):
    file_path = os.path.join(path, name)
    if not os.path.isfile(file_path):
        raise CheckpointError("{}: {} is missing".format(path, name))
    actual = _sha256(file_path)
    if actual != expected_sha:
        raise CheckpointError("{}: {} does not match its sha256 in checkpoint.json (truncated or modified)".format(
            path, name))
    with open(file_path, "rb") as handle:
        head = handle.read(len(NDARRAY_MAGIC))
    if head != NDARRAY_MAGIC:
        hint = " (it looks like a Python pickle, which gluonx never loads)" if head[:1] == b"\x80" else ""
        raise CheckpointError("{}: {} is not an MXNet NDArray file{}".format(path, name, hint))
    try:
        arrays = mx.nd.load(file_path)
    except (mx.base.MXNetError, UnicodeDecodeError) as err:  # a corrupted name decodes as invalid UTF-8
        raise CheckpointError("{}: {} cannot be read (corrupted): {}".format(
            path, name, (str(err).strip().splitlines() or ["unreadable"])[0])) from None
    if isinstance(arrays, list) and not arrays:
        return {}  # MXNet loads an empty dict (no optimizer state, e.g. plain SGD) as an empty list
    if not isinstance(arrays, dict):
        raise CheckpointError("{}: {} holds an unnamed list of arrays, expected named arrays".format(path, name))
    return arrays


def resolve_checkpoint(path):
    """The checkpoint folder for ``path``: itself, or the newest complete, verified one of a folder of
    checkpoints (whatever ``latest.json`` says; see the module docstring)."""
    return _choose_checkpoint(path)[0]


def _pointer_name(root):
    """What ``latest.json`` names (for messages only: choosing never trusts it), or None."""
    try:
        with open(os.path.join(root, "latest.json"), encoding="utf-8") as handle:
            name = json.load(handle).get("checkpoint")
    except (OSError, ValueError, AttributeError):
        return None
    return name if isinstance(name, str) else None


def _choose_checkpoint(path):
    """``(folder, (record, params, optimizer, rng))`` of ``path`` or of the newest checkpoint under it that
    verifies; warns about the newer ones skipped."""
    path = os.fspath(path)
    if os.path.isfile(os.path.join(path, "checkpoint.json")) or _NAME.match(os.path.basename(path.rstrip(os.sep))):
        return path, _read_verified(path)
    found = list_checkpoints(path)
    if not found:
        pointer = _pointer_name(path)
        raise CheckpointError("no gluonx checkpoint in {} (expected checkpoint.json, or ckpt-e*-b* folders{})"
                              .format(path, "; latest.json names {!r}, which is not there".format(pointer)
                                      if pointer else ""))
    problems = []
    for candidate in reversed(found):
        try:
            data = _read_verified(candidate)
        except CheckpointError as err:
            problems.append(str(err))
            continue
        if problems:
            warnings.warn(CheckpointFallbackWarning(
                "resuming from {}: skipped {} newer checkpoint(s) that are incomplete or corrupt: {}".format(
                    candidate, len(problems), "; ".join(problems))), stacklevel=3)
        return candidate, data
    raise CheckpointError("no complete checkpoint in {}: {}".format(path, "; ".join(problems)))


def list_checkpoints(root):
    """Checkpoint folders under ``root``, oldest first."""
    if not os.path.isdir(root):
        return []
    names = [n for n in os.listdir(root) if _NAME.match(n) and os.path.isdir(os.path.join(root, n))]
    return [os.path.join(root, n) for n in sorted(names, key=lambda n: tuple(map(int, _NAME.match(n).groups())))]


def read_checkpoint(path):
    """Validate a checkpoint and return ``(record, params, optimizer_arrays, rng_arrays)`` (no trainer needed).

    For a folder of checkpoints, the newest that verifies (see :func:`resolve_checkpoint`)."""
    return _choose_checkpoint(path)[1]


def _read_verified(path):
    record = _read_record(path)
    files = record.get("files")
    if not isinstance(files, dict) or set(files) != set(FILES):
        raise CheckpointError("{}: checkpoint.json lists files {}, expected {}".format(
            path, sorted(files) if isinstance(files, dict) else files, list(FILES)))
    params, optimizer, rng = (_load_arrays(path, name, files[name]) for name in FILES)
    return record, params, optimizer, rng


def load_parameters(path, net):
    """Load only the parameters of a checkpoint into ``net`` (e.g. for export); checks the model signature."""
    path, (record, params, _, _) = _choose_checkpoint(path)
    _check_model(record, net, path)
    _check_arrays(params, net, path)
    structural = _structural_params(net)
    if any(p._data is None and not p._deferred_init for p in structural.values()):
        net.initialize()  # placeholders only: every value is replaced below
    for key, value in params.items():
        structural[key].set_data(value)
    return record


def _check_model(record, net, path):
    saved = record["model"]["parameters"]
    mine = model_signature(net)
    saved_map = {name: (shape, dtype) for name, shape, dtype in saved}
    mine_map = {name: (shape, dtype) for name, shape, dtype in mine}

    def compatible(a, b):
        # a 0 in this model's shape is a dimension not inferred yet (deferred initialization)
        return a[1] == b[1] and len(a[0]) == len(b[0]) and all(m in (0, s) for s, m in zip(a[0], b[0]))
    missing = sorted(set(mine_map) - set(saved_map))
    unexpected = sorted(set(saved_map) - set(mine_map))
    changed = sorted(n for n in set(saved_map) & set(mine_map) if not compatible(saved_map[n], mine_map[n]))
    if not (missing or unexpected or changed):
        return
    details = []
    if missing:
        details.append("missing from the checkpoint: {}".format(missing[:5]))
    if unexpected:
        details.append("not in this model: {}".format(unexpected[:5]))
    if changed:
        details.append("{}: checkpoint {} vs model {}".format(changed[0], saved_map[changed[0]], mine_map[changed[0]]))
    raise CheckpointError("{} was written for a different model ({} with {} parameters; this is {} with {}): {}"
                          .format(path, record["model"]["class"], len(saved), type(net).__name__, len(mine),
                                  "; ".join(details)))


def _check_arrays(params, net, path):
    """Refuse a ``params.nd`` whose arrays are not exactly the model's parameters (a missing array would
    otherwise leave that parameter freshly initialized, silently)."""
    where = os.path.join(path, "params.nd")
    mine = _structural_params(net)
    missing = sorted(set(mine) - set(params))
    extra = sorted(set(params) - set(mine))
    problems = []
    if missing:
        problems.append("lacks {}".format(", ".join("'{}' (shape {}, {})".format(
            k, tuple(mine[k].shape), np.dtype(mine[k].dtype).name) for k in missing[:5])))
    if extra:
        problems.append("holds arrays this model does not have: {}".format(", ".join(extra[:5])))
    for key in sorted(set(mine) & set(params)):
        want, have = mine[key], params[key]
        shape_ok = len(want.shape) == len(have.shape) and all(w in (0, h) for w, h in zip(want.shape, have.shape))
        if not shape_ok or np.dtype(want.dtype) != np.dtype(have.dtype):
            problems.append("has '{}' with shape {} {}, the model expects {} {}".format(
                key, tuple(have.shape), np.dtype(have.dtype).name, tuple(want.shape), np.dtype(want.dtype).name))
            break
    if problems:
        raise CheckpointError("{} does not match the model's parameters: it {}".format(where, "; ".join(problems)))


def load_checkpoint(path, trainer):
    """Restore ``trainer`` (parameters, optimizer state on every device, schedule position, RNG, data
    position, handler states) from a checkpoint folder or a folder of checkpoints (the newest that
    verifies). Returns the folder."""
    from .trainer import TrainState
    path, (record, params, optimizer_arrays, rng_arrays) = _choose_checkpoint(path)
    _check_model(record, trainer.net, path)
    _check_arrays(params, trainer.net, path)
    if record["seed"] != trainer.seed:
        if getattr(trainer, "seed_given", True):
            raise CheckpointError("{} was trained with seed {}, this trainer has seed {}; resume with the same seed "
                                  "(or seed=None) for the same data order".format(path, record["seed"], trainer.seed))
        trainer.seed = record["seed"]  # seed=None: continue with the checkpoint's
    groups = getattr(trainer, "gluon_trainers", {"default": trainer.gluon_trainer})
    saved_names = record.get("optimizer_names", ["default"])
    if list(groups) != saved_names:
        raise CheckpointError("{} holds the state of optimizer(s) {}, this trainer has {}".format(
            path, saved_names, list(groups)))
    structural = _structural_params(trainer.net)
    for key, value in params.items():
        structural[key].set_data(value)
    _restore_optimizer(trainer.gluon_trainer, trainer.ctx, record["optimizer"], optimizer_arrays)
    for name, gluon_trainer in list(groups.items())[1:]:
        _restore_optimizer(gluon_trainer, trainer.ctx, record["optimizers"][name], optimizer_arrays,
                           _group_prefix(name))
    step = getattr(trainer, "batch_step", None)
    if step is not None:
        step.load_state_dict({key[len(STEP_PREFIX):]: value for key, value in optimizer_arrays.items()
                              if key.startswith(STEP_PREFIX)}, trainer)
    restore_rng_state(record["rng"], {k: v.asnumpy() for k, v in rng_arrays.items()})
    trainer.state = TrainState(**record["state"])
    saved_handlers = record.get("handlers", {})
    for i, handler in enumerate(trainer.handlers):
        key = "{}:{}".format(i, type(handler).__name__)
        if key in saved_handlers:
            handler.load_state_dict(saved_handlers[key])
    trainer.reseed()
    return path


def prune_checkpoints(root, keep_last, protect=()):
    """Delete all but the newest ``keep_last`` checkpoints under ``root``, never those in ``protect``."""
    protect = {os.path.abspath(p) for p in protect}
    found = list_checkpoints(root)
    for path in found[:max(0, len(found) - keep_last)]:
        if os.path.abspath(path) not in protect:
            # renamed first, so a kill never leaves a half-deleted folder that looks like a checkpoint
            trash = _trash_name(path)
            os.rename(path, trash)
            fault_point("checkpoint:prune-renamed")
            shutil.rmtree(trash, ignore_errors=True)
