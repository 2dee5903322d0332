"""Optimizer state to and from files without pickle: NDArrays in MXNet's binary format plus JSON.

``gluon.Trainer.save_states`` pickles the optimizer and its states, and unpickling a file executes code. Here
the states of every parameter are stored as named NDArrays (``mx.nd.save``, the format of ``.params``
files) and everything else -- the nesting of each state, update counts, learning rate and schedule position
-- as JSON kept in the same file as a byte array. Loading parses, never executes, and checks the file
against what the trainer's optimizer would create (structure, shapes, dtypes), so a truncated, tampered or
foreign file raises a ``ValueError`` that says what did not match.

:func:`state_dict` / :func:`load_state_dict` give and take ``(arrays, meta)`` so a training checkpoint can
store them with its own parameters; :func:`save_states` / :func:`load_states` write and read one file
atomically.

Examples
--------
>>> save_states(trainer, "run/optimizer.states")      # doctest: +SKIP
>>> load_states(trainer, "run/optimizer.states")      # doctest: +SKIP

References
----------
docs/optim/state_io.md (optimizer state for an exact resume, without pickle).
"""
import json
import os
import tempfile

import mxnet as mx
import numpy

__all__ = ["FORMAT", "VERSION", "trainer_updaters", "optimizer_state_dict", "state_dict", "load_state_dict",
           "save_states", "load_states"]

FORMAT = "gluonx-optimizer-states"
VERSION = 1
_META_KEY = "__gluonx_meta__"
_SCALARS = (bool, int, float, str, type(None))


def trainer_updaters(trainer):
    """The ``mx.optimizer.Updater`` objects that hold a ``gluon.Trainer``'s optimizer states.

    The kvstore's single updater when the trainer updates on the kvstore, otherwise one per context (their
    states are identical). Initializes the trainer's kvstore first if it has not stepped yet.
    """
    if not trainer._kv_initialized:
        trainer._init_kvstore()
    if trainer._params_to_init:
        trainer._init_params()
    if trainer._update_on_kvstore:
        updater = getattr(trainer._kvstore, "_updater", None)
        if updater is None:
            raise ValueError("the trainer updates on a distributed kvstore, whose optimizer states live on the "
                             "servers: they cannot be saved from a worker")
        return [updater]
    return list(trainer._updaters)


def _encode(state, key, arrays):
    if isinstance(state, mx.nd.NDArray):
        arrays[key] = state
        return {"array": key}
    if state is None:
        return None
    if isinstance(state, (tuple, list)):
        return {type(state).__name__: [_encode(item, "{}.{}".format(key, i), arrays)
                                       for i, item in enumerate(state)]}
    if isinstance(state, _SCALARS):
        return {"value": state}
    raise TypeError("optimizer state of type {} at {} cannot be saved (NDArray, None, tuple, list or scalar "
                    "expected)".format(type(state).__name__, key))


def _decode(tree, arrays, where):
    if tree is None:
        return None
    if not isinstance(tree, dict) or len(tree) != 1:
        raise ValueError("malformed state entry at {}: {!r}".format(where, tree))
    (kind, value), = tree.items()
    if kind == "array":
        if value not in arrays:
            raise ValueError("state array {!r} is missing from the file".format(value))
        return arrays[value]
    if kind in ("tuple", "list") and isinstance(value, list):
        items = [_decode(item, arrays, "{}.{}".format(where, i)) for i, item in enumerate(value)]
        return tuple(items) if kind == "tuple" else items
    if kind == "value" and isinstance(value, _SCALARS):
        return value
    raise ValueError("malformed state entry at {}: {!r}".format(where, tree))


def _describe(state):
    """Structure, shapes and dtypes of a state, to compare a loaded state with a freshly created one."""
    if isinstance(state, mx.nd.NDArray):
        return ("array", tuple(state.shape), numpy.dtype(state.dtype).name)
    if isinstance(state, (tuple, list)):
        return tuple(_describe(item) for item in state)
    return type(state).__name__


def _key(text):
    return int(text) if isinstance(text, str) and text.lstrip("-").isdigit() else text


def _class_path(obj):
    return "{}.{}".format(type(obj).__module__, type(obj).__qualname__)


def _scheduler_state(scheduler):
    if scheduler is None:
        return None
    fields = {k: v for k, v in vars(scheduler).items()
              if isinstance(v, _SCALARS) or (isinstance(v, list) and all(isinstance(i, _SCALARS) for i in v))}
    return {"class": _class_path(scheduler), "fields": fields}


def optimizer_state_dict(optimizer, states):
    """``(arrays, meta)`` for ``optimizer`` and the ``{index: state}`` of one of its updaters."""
    arrays = {}
    encoded = {str(index): _encode(state, "state.{}".format(index), arrays) for index, state in states.items()}
    hyper = getattr(optimizer, "hyperparameters", None) or {"learning_rate": optimizer.lr, "wd": optimizer.wd}
    meta = {
        "format": FORMAT, "version": VERSION, "optimizer": _class_path(optimizer),
        "hyperparameters": {k: v for k, v in hyper.items() if isinstance(v, _SCALARS)},
        "num_update": optimizer.num_update,
        "update_counts": {str(device): {str(index): count for index, count in counts.items()}
                          for device, counts in optimizer._all_index_update_counts.items()},
        "lr": optimizer.lr, "lr_scheduler": _scheduler_state(optimizer.lr_scheduler),
        "states": encoded,
    }
    return arrays, meta


def state_dict(trainer):
    """The optimizer state of a ``gluon.Trainer`` as ``(arrays, meta)``: NDArrays by name and JSON values."""
    updater = trainer_updaters(trainer)[0]
    return optimizer_state_dict(trainer._optimizer, updater.states)


def _check_meta(meta, optimizer):
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError("not a gluonx optimizer-state file (format {!r}, expected {!r})".format(
            meta.get("format") if isinstance(meta, dict) else meta, FORMAT))
    if meta.get("version") != VERSION:
        raise ValueError("optimizer-state format version {!r} is not supported (expected {})".format(
            meta.get("version"), VERSION))
    if meta.get("optimizer") != _class_path(optimizer):
        raise ValueError("the states were saved from optimizer {}, but the trainer uses {}".format(
            meta.get("optimizer"), _class_path(optimizer)))


def load_state_dict(trainer, arrays, meta):
    """Restore what :func:`state_dict` returned into ``trainer`` (every context), counts and schedule included.

    Raises
    ------
    ValueError
        If ``meta`` is not gluonx optimizer state, comes from another optimizer class, names parameters the
        trainer does not have, or a state's structure, shapes or dtypes differ from the optimizer's own.
    """
    optimizer = trainer._optimizer
    _check_meta(meta, optimizer)
    try:
        _restore(trainer, optimizer, arrays, meta)
    except (KeyError, TypeError, AttributeError) as err:
        raise ValueError("malformed optimizer-state metadata: {}: {}".format(type(err).__name__, err)) from None


def _restore(trainer, optimizer, arrays, meta):
    updaters = trainer_updaters(trainer)
    params = trainer._params
    states = {}
    for text, tree in meta["states"].items():
        index = _key(text)
        if not isinstance(index, int) or not 0 <= index < len(params):
            raise ValueError("the states name parameter {!r}; the trainer has parameters 0..{}".format(
                text, len(params) - 1))
        state = _decode(tree, arrays, "state.{}".format(text))
        expected = _describe(optimizer.create_state_multi_precision(index, params[index].list_data()[0]))
        if _describe(state) != expected:
            raise ValueError("state of parameter {} ({}) does not fit the optimizer: saved {}, expected {}".format(
                index, params[index].name, _describe(state), expected))
        states[index] = state
    for updater in updaters:
        for index, state in states.items():
            # Fresh copies on the CPU; the updater moves each to its weight's context on its next call.
            updater.states[index] = _copy(state)
            updater.states_synced[index] = False
    counts = {_key(device): {_key(index): int(count) for index, count in per_device.items()}
              for device, per_device in meta["update_counts"].items()}
    optimizer._all_index_update_counts = counts or {0: {}}
    optimizer._index_update_count = optimizer._all_index_update_counts.setdefault(0, {})
    optimizer.num_update = int(meta["num_update"])
    optimizer.lr = meta["lr"]
    saved_scheduler = meta.get("lr_scheduler")
    if saved_scheduler and optimizer.lr_scheduler is not None:
        if saved_scheduler["class"] != _class_path(optimizer.lr_scheduler):
            raise ValueError("the states were saved with lr scheduler {}, but the optimizer uses {}".format(
                saved_scheduler["class"], _class_path(optimizer.lr_scheduler)))
        for name, value in saved_scheduler["fields"].items():
            setattr(optimizer.lr_scheduler, name, value)


def _copy(state):
    if isinstance(state, mx.nd.NDArray):
        return state.copyto(mx.cpu())
    if isinstance(state, (tuple, list)):
        return type(state)(_copy(item) for item in state)
    return state


def save_states(trainer, path):
    """Write the trainer's optimizer state to ``path`` atomically (temporary file, fsync, rename)."""
    arrays, meta = state_dict(trainer)
    payload = dict(arrays)
    payload[_META_KEY] = mx.nd.array(numpy.frombuffer(json.dumps(meta).encode("utf-8"), dtype=numpy.uint8),
                                     dtype="uint8")
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".states-", dir=directory)
    os.close(handle)
    try:
        mx.nd.save(temporary, payload)
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return path


def load_states(trainer, path):
    """Read a file written by :func:`save_states` into ``trainer``.

    Raises
    ------
    ValueError
        If the file is truncated, is not an optimizer-state file, or does not fit the trainer's optimizer.
    """
    try:
        loaded = mx.nd.load(path)
    except mx.base.MXNetError as err:
        raise ValueError("cannot read optimizer states from {}: not an intact MXNet NDArray file ({})".format(
            path, str(err).strip().splitlines()[0])) from None
    if not isinstance(loaded, dict) or _META_KEY not in loaded:
        raise ValueError("{} is not a gluonx optimizer-state file (no {} entry)".format(path, _META_KEY))
    raw = loaded.pop(_META_KEY)
    try:
        meta = json.loads(raw.asnumpy().astype(numpy.uint8).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise ValueError("{}: the metadata is not valid JSON ({})".format(path, err)) from None
    load_state_dict(trainer, loaded, meta)
    return meta
