"""What ``gluonx export`` can export: a registered model name, or a training checkpoint.

:func:`resolve_source` is the one place that turns the command's ``MODEL_OR_CHECKPOINT`` argument into a
block, its example inputs and the manifest's ``model`` record. A checkpoint (a ``ckpt-*`` folder, a folder
of them, or a ``gluonx train --out`` folder) records the ``gluonx.get_model`` name and arguments of its
model, which :func:`block_from_checkpoint` rebuilds before loading the trained weights; the run file of a
``gluonx train --out`` folder adds the classes' names and the input size trained on. :func:`deployable` then
replaces the net by what its task deploys (a detector gains box decoding and NMS) with the task's export
defaults (output names, what each output holds, how pictures are resized).
"""
import dataclasses
import os
from typing import Any, Dict, List, Optional, Tuple

__all__ = ["CHECKPOINT_MARKER", "CHECKPOINT_ROOT_MARKER", "ExportSource", "ExportSourceError", "is_checkpoint",
           "resolve_source", "block_from_checkpoint", "block_from_registry", "deployable"]

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
    options : dict
        The task's defaults for :func:`gluonx.export` (``output_names``, ``postprocessing``,
        ``preprocessing``; see :meth:`gluonx.tasks.Task.export_options`).
    class_names : list of str, optional
        The classes' names recorded by the training run (``gluonx train`` writes them into its run file).
    preprocessing : dict, optional
        The preprocessing recorded by the training run: a text model's tokenizer and vocabulary (the dataset's
        ``export_preprocessing()``, see :mod:`gluonx.deploy.text_preprocessing`); it wins over the task's.
    """

    block: Any
    inputs: Tuple[Any, ...]
    model: Dict[str, Any]
    random_weights: bool = False
    options: Dict[str, Any] = dataclasses.field(default_factory=dict)
    class_names: Optional[List[str]] = None
    preprocessing: Optional[Dict[str, Any]] = None


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
    source = ExportSource(block=block, inputs=_built_vocabulary(info.inputs, model["kwargs"]), model=model,
                          random_weights=False)
    run = _training_run(path, folder, info.name)
    if run is not None:
        names = run.get("class_names")
        source.class_names = [str(n) for n in names] if isinstance(names, list) and names else None
        source.inputs = _trained_shapes(source.inputs, run.get("input_shapes"))
        if isinstance(run.get("preprocessing"), dict):
            source.preprocessing = run["preprocessing"]
    return source


def _training_run(path, folder, model_name):
    """The run file (``run.json``) of the ``gluonx train --out`` folder a checkpoint belongs to, or None."""
    import json
    from .._cli_train import RUN_FILE
    here, there = os.path.abspath(path), os.path.abspath(folder)
    # RUN, RUN/checkpoints or RUN/checkpoints/ckpt-*: the run file is at most two levels up
    for candidate in dict.fromkeys([here, os.path.dirname(here), os.path.dirname(os.path.dirname(here)),
                                    os.path.dirname(os.path.dirname(there))]):
        run_file = os.path.join(candidate, RUN_FILE)
        if not os.path.isfile(run_file):
            continue
        try:
            with open(run_file, encoding="utf-8") as handle:
                run = json.load(handle)
        except (OSError, ValueError, UnicodeDecodeError):
            continue
        if isinstance(run, dict) and str(run.get("model", "")).lower() == model_name.lower():
            return run
    return None


def _built_vocabulary(specs, kwargs):
    """``specs`` whose token inputs take ids of the vocabulary the model was built with (``vocab_size`` among
    its arguments), not the registered example's."""
    size = (kwargs or {}).get("vocab_size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        return tuple(specs)
    return tuple(dataclasses.replace(s, vocab_size=size) if s.vocab_size is not None else s for s in specs)


def _trained_shapes(specs, shapes):
    """``specs`` with the example shapes the run trained on (same rank), else as they are."""
    if not isinstance(shapes, list) or len(shapes) != len(specs):
        return specs
    out = []
    for spec, shape in zip(specs, shapes):
        if not isinstance(shape, list) or len(shape) != len(spec.shape) or not all(
                isinstance(d, int) and d > 0 for d in shape):
            return specs
        if spec.batch_axis is not None:  # keep the registered batch size: only the sample's size changes
            shape = list(shape)
            shape[spec.batch_axis] = spec.shape[spec.batch_axis]
        out.append(dataclasses.replace(spec, shape=tuple(shape)))
    return tuple(out)


def deployable(source, raw=False):
    """``source`` with its block replaced by what its task deploys (:meth:`gluonx.tasks.Task.inference_block`)
    and the task's export defaults in ``options``; ``raw=True`` keeps the net as it is."""
    from .._api import get_task, registry
    task_name = source.model.get("task")
    if raw or not task_name or task_name not in registry("tasks"):
        if source.preprocessing is not None:
            source.options = dict(source.options, preprocessing=source.preprocessing)
        return source
    task = get_task(task_name)
    block = task.inference_block(source.block)
    if block is not source.block:
        source.model = dict(source.model, inference_block="{}.{}".format(type(block).__module__,
                                                                        type(block).__qualname__))
    source.block = block
    source.options = task.export_options(block)
    if source.preprocessing is not None:
        source.options["preprocessing"] = source.preprocessing
    inputs = source.options.pop("inputs", None)  # a deployed block fed other inputs than the net (noise)
    if inputs:
        source.inputs = tuple(inputs)
    return source


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
    return ExportSource(block=block, inputs=_built_vocabulary(info.inputs, model["kwargs"]), model=model,
                        random_weights=params is None)


def resolve_source(text, kwargs=None, params=None, seed=0, raw=False):
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
    raw : bool
        Export the net itself, not what its task deploys (see :func:`deployable`).

    Raises
    ------
    ExportSourceError
        For a folder that is not a checkpoint, or a checkpoint whose model cannot be rebuilt.
    KeyError
        For an unknown model name, listing the closest registered names.
    """
    if is_checkpoint(text):
        return deployable(block_from_checkpoint(text, params=params), raw)
    if os.path.isdir(text):
        raise ExportSourceError("{} is a folder without {} or {}: not a gluonx checkpoint; give a registered "
                                "model name (see gluonx models)".format(text, CHECKPOINT_MARKER,
                                                                        CHECKPOINT_ROOT_MARKER))
    return deployable(block_from_registry(text, kwargs=kwargs, params=params, seed=seed), raw)
