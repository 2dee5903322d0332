"""What ``gluonx export`` can export: a registered model name, or a training checkpoint.

:func:`resolve_source` is the one place that turns the command's ``MODEL_OR_CHECKPOINT`` argument into a
block, its example inputs and the manifest's ``model`` record. A checkpoint (a ``ckpt-*`` folder, a folder
of them, or a ``gluonx train --out`` folder) records the ``gluonx.get_model`` name and arguments of its
model, which :func:`block_from_checkpoint` rebuilds before loading the trained weights.
"""
import dataclasses
import os
from typing import Any, Dict, Tuple

__all__ = ["CHECKPOINT_MARKER", "CHECKPOINT_ROOT_MARKER", "ExportSource", "ExportSourceError", "is_checkpoint",
           "resolve_source", "block_from_checkpoint", "block_from_registry"]

#: The file that marks a gluonx checkpoint folder (written by the trainer).
CHECKPOINT_MARKER = "checkpoint.json"
#: The pointer that marks a folder of checkpoints (the trainer's checkpoint root).
CHECKPOINT_ROOT_MARKER = "latest.json"


class ExportSourceError(ValueError):
    """The argument names neither a registered model nor a checkpoint that can be exported."""


@dataclasses.dataclass
class ExportSource:
    """A block ready to export, with what the manifest should say about it.

    Attributes
    ----------
    block : mx.gluon.HybridBlock
        Initialized.
    inputs : tuple of gluonx.InputSpec
        Default example inputs (the command's ``--input-shape`` replaces their shapes).
    model : dict
        The manifest's ``model`` record: name, task, plugin, kwargs, weights.
    random_weights : bool
        True when the parameters were initialized randomly rather than loaded.
    """

    block: Any
    inputs: Tuple[Any, ...]
    model: Dict[str, Any]
    random_weights: bool = False


def is_checkpoint(path):
    """True for a gluonx checkpoint folder (``checkpoint.json``), a folder of them (``latest.json``), or a
    ``gluonx train --out`` folder (``checkpoints/latest.json``)."""
    return os.path.isdir(path) and any(os.path.isfile(os.path.join(path, marker)) for marker in (
        CHECKPOINT_MARKER, CHECKPOINT_ROOT_MARKER, os.path.join("checkpoints", CHECKPOINT_ROOT_MARKER)))


def checkpoint_folder(path):
    """The checkpoint to export from ``path``: a checkpoint folder itself; for a folder of checkpoints (or a
    ``gluonx train --out`` folder holding ``checkpoints/``), the best one if ``best.json`` names it, else the
    latest."""
    import json
    from ..train.checkpoint import resolve_checkpoint
    if os.path.isdir(os.path.join(path, "checkpoints")) and not os.path.isfile(os.path.join(path, CHECKPOINT_MARKER)):
        path = os.path.join(path, "checkpoints")
    best = os.path.join(path, "best.json")
    if os.path.isfile(best):
        with open(best, encoding="utf-8") as handle:
            name = json.load(handle).get("checkpoint")
        if isinstance(name, str) and os.path.isfile(os.path.join(path, os.path.basename(name), CHECKPOINT_MARKER)):
            return os.path.join(path, os.path.basename(name))
    return resolve_checkpoint(path)


def block_from_checkpoint(path, params=None):
    """Rebuild the model of a training checkpoint and load its trained parameters.

    The checkpoint records how the model was built (``gluonx.get_model`` name and arguments); the
    parameters are verified (sha256, NDArray format, model signature) by the trainer's checkpoint reader.
    """
    from .._api import get_model_info, model_from_spec
    from ..train.checkpoint import load_parameters as load_checkpoint_parameters
    from ..train.checkpoint import read_checkpoint
    if params is not None:
        raise ExportSourceError("--params cannot be combined with a checkpoint: the checkpoint holds the weights")
    folder = checkpoint_folder(path)
    record = read_checkpoint(folder)[0]
    spec = record["model"].get("spec")
    if not spec:
        raise ExportSourceError("{} does not record how its model was built (it was not made with "
                                "gluonx.get_model); export the block with gluonx.export() in Python".format(folder))
    block = model_from_spec(spec)
    load_checkpoint_parameters(folder, block)
    info = get_model_info(spec["name"])
    model = {"name": info.name, "task": info.task or None, "plugin": info.plugin, "kwargs": spec.get("kwargs", {}),
             "book_section": info.book_section or None, "weights": os.path.abspath(folder),
             "trained": {"epoch": record["state"]["epoch"], "step": record["state"]["step"]}}
    return ExportSource(block=block, inputs=tuple(info.inputs), model=model, random_weights=False)


def block_from_registry(name, kwargs=None, params=None, seed=0):
    """Build registered model ``name``: its conformance kwargs updated by ``kwargs``, then weights from
    ``params`` (any ``.params`` naming, or an export folder) or a seeded Xavier initialization."""
    import mxnet as mx
    import numpy as np
    from .._api import get_model, get_model_info
    from .naming import load_parameters
    info = get_model_info(name)  # an unknown name raises KeyError listing the closest names
    factory_kwargs = dict(info.kwargs)
    factory_kwargs.update(kwargs or {})
    block = get_model(info.name, **factory_kwargs)  # records block.gluonx_spec for the manifest
    if params is not None:
        load_parameters(block, params)
    else:
        mx.random.seed(seed)
        np.random.seed(seed)
        block.initialize(mx.init.Xavier())
    model = {"name": info.name, "task": info.task or None, "plugin": info.plugin, "kwargs": factory_kwargs,
             "book_section": info.book_section or None,
             "weights": os.path.abspath(params) if params is not None else "random (Xavier, seed {})".format(seed)}
    return ExportSource(block=block, inputs=tuple(info.inputs), model=model, random_weights=params is None)


def resolve_source(text, kwargs=None, params=None, seed=0):
    """Turn ``gluonx export``'s first argument into an :class:`ExportSource`.

    Parameters
    ----------
    text : str
        A registered model name, or a checkpoint folder.
    kwargs : dict, optional
        Factory keyword arguments (registered models).
    params : str, optional
        Parameters to load (registered models).
    seed : int
        Seed of the random initialization when no parameters are given.

    Raises
    ------
    ExportSourceError
        For a folder that is not a checkpoint, or a checkpoint whose model cannot be rebuilt.
    KeyError
        For an unknown model name, listing the closest registered names.
    """
    if is_checkpoint(text):
        return block_from_checkpoint(text, params=params)
    if os.path.isdir(text):
        raise ExportSourceError("{} is a folder without {} or {}: not a gluonx checkpoint; give a registered "
                                "model name (see gluonx models)".format(text, CHECKPOINT_MARKER,
                                                                        CHECKPOINT_ROOT_MARKER))
    return block_from_registry(text, kwargs=kwargs, params=params, seed=seed)
