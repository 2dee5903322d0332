"""Fine-tuning (D2L 9.2): load a parameter file into a model, replace its output layer, freeze or slow down
its backbone.

Every classic model of gluonx has two parts, ``net.features`` and its output layer; the class attribute
``output_layer`` names the attribute that holds the output layer (``"output"`` for all of them), so the
helpers here work for any model that sets it. The *head* is that layer's parameters; the *backbone* is
every other parameter.

A weights source is a ``.params`` file (written by ``save_parameters``, ``ParameterDict.save`` or
``gluonx.export``), a folder written by ``gluonx.export``, a gluonx checkpoint folder, or a ``gluonx train
--out`` folder (its best checkpoint, else the latest). Files are read with ``mx.nd.load``: never a pickle.

Examples
--------
>>> net = gluonx.get_model("resnet18", num_classes=10, weights="source/checkpoints")   # doctest: +SKIP
>>> replace_output(net, 5)                       # a fresh 5-class output layer    # doctest: +SKIP
>>> set_backbone_lr_mult(net, 0.1)               # the backbone learns 10x slower  # doctest: +SKIP

References
----------
D2L 9.2 (fine-tuning); D2L 4.5 (saving and loading parameters).
"""
import os

import mxnet as mx
from mxnet.gluon import nn

from ..deploy.naming import ParameterMismatchError, match_parameters

__all__ = ["WeightsError", "output_layer", "head_parameters", "backbone_parameters", "read_weights",
           "load_weights", "load_backbone", "replace_output", "freeze_backbone", "set_backbone_lr_mult"]


class WeightsError(ParameterMismatchError):
    """A weights source does not fit the model: the one-line message names the parameters."""


def _label(net):
    spec = getattr(net, "gluonx_spec", None)
    return spec["name"] if isinstance(spec, dict) and spec.get("name") else type(net).__name__


def output_layer(net):
    """``(attribute name, block)`` of ``net``'s output layer, named by the class attribute ``output_layer``
    (default ``"output"``).

    Raises
    ------
    ValueError
        If the model has no such block.
    """
    name = getattr(type(net), "output_layer", "output")
    block = getattr(net, name, None) if isinstance(name, str) else None
    if not isinstance(block, mx.gluon.Block):
        raise ValueError("{}: no output layer to replace: expected a block in attribute {!r} (set the class "
                         "attribute output_layer to the attribute that holds it)".format(_label(net), name))
    return name, block


def head_parameters(net):
    """Structural names (as in ``save_parameters``) of the output layer's parameters."""
    name, _ = output_layer(net)
    return sorted(key for key in net._collect_params_with_prefix() if key.startswith(name + "."))


def backbone_parameters(net):
    """``{structural name: Parameter}`` of every parameter outside the output layer."""
    head = set(head_parameters(net))
    return {key: p for key, p in net._collect_params_with_prefix().items() if key not in head}


def _brief(names, limit=4):
    names = sorted(names)
    text = ", ".join("'{}'".format(n) for n in names[:limit])
    return text + (" ... ({} in all)".format(len(names)) if len(names) > limit else "")


def _source_arrays(source):
    """``(arrays, mapping, description)``: the named arrays of a weights source (see the module docstring)."""
    from ..deploy.naming import _source_arrays as named_arrays
    source = os.fspath(source)
    if not os.path.exists(source):
        raise FileNotFoundError("weights {} not found (expected a .params file, an export folder or a "
                                "checkpoint folder)".format(source))
    if os.path.isdir(source) and not os.path.isfile(os.path.join(source, "manifest.json")):
        from ..deploy.sources import checkpoint_folder
        from ..train.checkpoint import CheckpointError, read_checkpoint
        try:
            folder = checkpoint_folder(source)
            params = read_checkpoint(folder)[1]
        except CheckpointError as err:
            raise WeightsError("weights {}: {}".format(source, err)) from None
        return params, None, os.path.join(folder, "params.nd")
    try:
        return named_arrays(source)
    except ParameterMismatchError:
        raise
    except ValueError as err:
        raise WeightsError("weights {}: {}".format(source, err)) from None


def read_weights(net, source):
    """Match a weights source to ``net``'s parameters.

    Returns
    -------
    found : dict
        Structural name → NDArray, for the parameters the source holds.
    unused : list of str
        Names of the source's arrays that no parameter uses.
    where : str
        The file read.
    """
    arrays, mapping, where = _source_arrays(source)
    matched, _ = match_parameters(net, arrays, mapping)
    unused = sorted(set(arrays) - set(matched.values()))
    return {key: arrays[name] for key, name in matched.items()}, unused, where


def _fits(param, value):
    known = param.shape
    return known is None or (len(known) == len(value.shape)
                             and all(d in (0, -1, v) for d, v in zip(known, value.shape)))


def _load(net, source, skip, ctx, hint_for=()):
    """Load the parameters not in ``skip``; a mismatch that involves ``hint_for`` (the output layer) adds
    how to fine-tune instead."""
    found, unused, where = read_weights(net, source)
    params = net._collect_params_with_prefix()
    wanted = {key: p for key, p in params.items() if key not in skip}
    label = _label(net)

    def hint(keys):
        if set(keys) & set(hint_for):
            return (" (for another number of classes, fine-tune: gluonx.models.finetune.load_backbone, or gluonx "
                    "train --weights PATH --finetune)")
        return ""
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise WeightsError("{}: {} lacks {} of its {} parameters: {}{}".format(
            label, where, len(missing), len(wanted), _brief(missing), hint(missing)))
    if unused:
        raise WeightsError("{}: {} holds arrays this model does not have: {}".format(label, where, _brief(unused)))
    for key in sorted(wanted):
        if not _fits(wanted[key], found[key]):
            raise WeightsError("{}: parameter '{}' expects shape {}, {} has {}{}".format(
                label, key, tuple(wanted[key].shape), where, tuple(found[key].shape), hint([key])))
    for key, param in wanted.items():
        param._load_init(found[key], ctx, cast_dtype=True, dtype_source="current")
    return where


def load_weights(net, source, ctx=None):
    """Load every parameter of ``net`` from ``source``; names and shapes must match exactly.

    Uninitialized parameters (also those whose shape is not inferred yet) are initialized from the source.

    Raises
    ------
    WeightsError
        Naming the parameters missing from the source, the arrays left over, or the first shape that
        differs (a model built for another number of classes: fine-tune with :func:`load_backbone`).
    FileNotFoundError
        If ``source`` does not exist.
    """
    try:
        head = head_parameters(net)
    except ValueError:  # a model without an output layer: nothing to suggest
        head = ()
    return _load(net, source, (), ctx, head)


def load_backbone(net, source, ctx=None):
    """Load every parameter outside the output layer from ``source`` (D2L 9.2's source model), leaving the
    output layer as it is: the source may have been trained for another number of classes.

    Raises
    ------
    WeightsError
        If a backbone parameter is missing from the source or differs in shape, or the source holds
        arrays that are neither backbone nor output-layer parameters.
    """
    # The source's output-layer arrays keep their names but may have another shape: they are skipped.
    return _load(net, source, set(head_parameters(net)), ctx)


def _dense_like(old, num_classes):
    """A Dense layer like ``old`` with ``num_classes`` outputs, under the same name scope."""
    activation = getattr(getattr(old, "act", None), "_act_type", None)
    return nn.Dense(num_classes, activation=activation, use_bias=old.bias is not None, flatten=old._flatten,
                    dtype=old.weight.dtype, in_units=old._in_units, prefix=old.prefix)


def replace_output(net, num_classes, init=None, ctx=None):
    """Replace ``net``'s output layer with a freshly initialized one for ``num_classes`` classes.

    Works for a ``Dense`` output layer (LeNet, AlexNet, VGG, GoogLeNet, ResNet, DenseNet, the MLP), for a
    sequential output whose last layer with parameters is a ``Dense``, and for models that define their own
    ``replace_output(num_classes)`` method (NiN, whose classifier is a convolution block). The new layer
    keeps the old one's parameter names, so checkpoints and exports name it as before, and the recorded
    model arguments (``gluonx_spec``) now say ``num_classes``.

    Parameters
    ----------
    net : HybridBlock
    num_classes : int
    init : mx.init.Initializer, optional
        Initializer of the new layer (default Xavier). It is initialized now only when the rest of the net
        is (else the trainer initializes it with the net).
    ctx : Context or list, optional
        Default: where the old layer's parameters are.
    """
    from .._validate import check_positive
    if isinstance(num_classes, bool) or not isinstance(num_classes, int):
        raise ValueError("{}: num_classes must be an integer >= 1, got {!r}".format(_label(net), num_classes))
    check_positive("num_classes", num_classes)
    own = getattr(type(net), "replace_output", None)
    name, old = output_layer(net)
    if callable(own):
        own(net, num_classes)
    elif isinstance(old, nn.Dense):
        with net.name_scope():
            setattr(net, name, _dense_like(old, num_classes))
    elif isinstance(old, (nn.HybridSequential, nn.Sequential)):
        layers = list(old._children.values())
        last = max((i for i, layer in enumerate(layers) if layer.collect_params()), default=None)
        if last is None or not isinstance(layers[last], nn.Dense):
            raise ValueError("{}: the output layer {!r} does not end with a Dense layer; define "
                             "replace_output(num_classes) on the model class".format(_label(net), name))
        with old.name_scope():
            new = _dense_like(layers[last], num_classes)
        key = list(old._children)[last]
        old._children[key] = new
        if hasattr(old, str(key)):
            setattr(old, str(key), new)
    else:
        raise ValueError("{}: cannot replace an output layer of type {}; define replace_output(num_classes) on "
                         "the model class".format(_label(net), type(old).__name__))
    _, new_layer = output_layer(net)
    old_params = [p for p in old.collect_params().values() if p._data is not None]
    contexts = ctx or (old_params[0].list_ctx() if old_params else None)
    if contexts is not None:
        for param in new_layer.collect_params().values():
            param.initialize(None, ctx=contexts, default_init=init or mx.init.Xavier())
    net._clear_cached_op()
    spec = getattr(net, "gluonx_spec", None)
    if isinstance(spec, dict) and isinstance(spec.get("kwargs"), dict):
        spec["kwargs"]["num_classes"] = num_classes
    return net


def freeze_backbone(net):
    """Stop training every parameter outside the output layer (D2L 9.2's fixed feature extractor).

    Their gradients are no longer computed (``grad_req = "null"``) and batch normalization layers of the
    backbone use and keep their running statistics (``use_global_stats``), so the backbone stays
    bit-for-bit what it was. Call it before the net is hybridized (``gluonx.Trainer`` hybridizes).

    Returns
    -------
    list of str
        Structural names of the frozen parameters.
    """
    name, head = output_layer(net)
    frozen = backbone_parameters(net)
    for param in frozen.values():
        param.grad_req = "null"
    head_blocks = set()
    head.apply(lambda block: head_blocks.add(id(block)))

    def fix_statistics(block):
        if isinstance(block, nn.BatchNorm) and id(block) not in head_blocks:
            block._kwargs["use_global_stats"] = True
    net.apply(fix_statistics)
    net._clear_cached_op()
    return sorted(frozen)


def set_backbone_lr_mult(net, lr_mult):
    """Multiply the learning rate of every parameter outside the output layer by ``lr_mult`` (D2L 9.2
    trains the new output layer with a learning rate ten times the backbone's: ``lr_mult=0.1``).

    The optimizers of ``gluonx.Trainer`` and ``gluon.Trainer`` read ``Parameter.lr_mult`` at each update.
    """
    from .._validate import check_positive
    check_positive("backbone lr_mult", lr_mult)
    params = backbone_parameters(net)
    for param in params.values():
        param.lr_mult = float(lr_mult)
    return sorted(params)
