"""Is the batch axis of an exported graph really dynamic? Probe it with one more sample, safely.

A graph can fix the batch size without saying so, e.g. ``F.reshape(x, shape=(4, -1))``. MXNet 1.9.1 does
not check that a reshape keeps the number of elements, neither in shape inference nor when running: at
another batch size such a graph returns wrong shapes silently, and an explicit ``reshape(x, (4, 6))`` on a
bigger input corrupts the heap (``free(): invalid next size`` at exit). So the probe first infers the
graph's shapes at the new batch size without running anything, checks every reshape and the outputs, and
only then runs the block.

Other dynamic axes (a sequence length, an image's height and width) are named, and probed the same way
with the axis doubled by repeating its entries (:func:`grow_named_axis`): repeated tokens and a tiled
picture are valid data, and doubling keeps sizes that strided layers need (multiples of 2, 4, ...).
"""
import json

import numpy as np

__all__ = ["NO_BATCH", "batch_size", "one_more_sample", "graph_problem", "scaling_problem", "output_batch_axis",
           "named_axes", "grow_named_axis"]

NO_BATCH = "exported with dynamic_batch=False or without a batch axis"
_RESHAPE_OPS = ("Reshape", "reshape", "_np_reshape", "_npx_reshape")


def batch_size(arrays, axes):
    """The batch size of the first input that has a batch axis, or None."""
    sizes = [x.shape[a] for x, a in zip(arrays, axes) if a is not None]
    return sizes[0] if sizes else None


def one_more_sample(arrays, axes):
    """The inputs with their first sample repeated at the end: valid data at batch size + 1."""
    import mxnet as mx
    out = []
    for x, axis in zip(arrays, axes):
        if axis is None:
            out.append(x)
            continue
        indices = list(range(x.shape[axis])) + [0]
        out.append(mx.nd.array(np.take(x.asnumpy(), indices, axis=axis), dtype=x.dtype))
    return out


def _internal_shapes(symbol, names, arrays):
    internals = symbol.get_internals()
    _, shapes, _ = internals.infer_shape(**{name: x.shape for name, x in zip(names, arrays)})
    return dict(zip(internals.list_outputs(), shapes))


def _entry_name(node, index, shapes):
    if node["op"] == "null":
        return node["name"]
    single = node["name"] + "_output"
    return single if single in shapes else "{}_output{}".format(node["name"], index)


def graph_problem(symbol_file, names, bigger):
    """Why the graph cannot take the ``bigger`` inputs, found by shape inference alone, or None."""
    import mxnet as mx
    symbol = mx.sym.load(symbol_file)
    try:
        shapes = _internal_shapes(symbol, names, bigger)
    except mx.base.MXNetError as err:
        lines = str(err).strip().splitlines()
        return "shape inference fails at the next batch size: {}".format(lines[0] if lines else "error")
    nodes = json.loads(symbol.tojson())["nodes"]
    for node in nodes:
        if node["op"] not in _RESHAPE_OPS:
            continue
        source = nodes[node["inputs"][0][0]]
        before = shapes.get(_entry_name(source, node["inputs"][0][1], shapes))
        after = shapes.get(node["name"] + "_output")
        if before and after and int(np.prod(before)) != int(np.prod(after)):
            return ("reshape '{}' turns shape {} into {} with one more sample: the graph fixes the batch size"
                    .format(node["name"], tuple(before), tuple(after)))
    return None


def scaling_problem(outputs, more_outputs, batch):
    """Why the outputs at batch ``batch + 1`` do not look like a batch of one more sample, or None.

    Every axis that changes must grow in proportion to the batch (``k * batch`` to ``k * (batch + 1)``,
    e.g. the ``T * N`` rows of a language model).
    """
    for index, (out, other) in enumerate(zip(outputs, more_outputs)):
        grows = out.ndim == other.ndim and all(
            a == b or (a % batch == 0 and b == a // batch * (batch + 1)) for a, b in zip(out.shape, other.shape))
        if not grows:
            return ("output {} has shape {} at batch size {} but {} at batch size {}: the graph fixes the batch "
                    "size".format(index, out.shape, batch, other.shape, batch + 1))
    return None


def output_batch_axis(out, other):
    """The axis holding one row per sample (its size grows by exactly one with the batch), or None.

    Only such outputs can be computed in chunks and concatenated; a flattened ``T * N`` axis cannot.
    """
    if other is None or other.ndim != out.ndim:
        return None
    changed = [axis for axis in range(out.ndim) if out.shape[axis] != other.shape[axis]]
    if len(changed) == 1 and other.shape[changed[0]] == out.shape[changed[0]] + 1:
        return changed[0]
    return None


def named_axes(specs, arrays, dynamic_axes=None):
    """Per input, the named dynamic axes besides the batch: ``[[(axis, name), ...], ...]``.

    Taken from ``dynamic_axes`` (per input, a dict axis → name) when given, else from the InputSpecs,
    else none. Inputs sharing a name must agree on its size.
    """
    if dynamic_axes is not None:
        dynamic_axes = list(dynamic_axes)
        if len(dynamic_axes) != len(arrays):
            raise ValueError("gluonx.export: dynamic_axes has {} entries for {} inputs".format(
                len(dynamic_axes), len(arrays)))
        named = []
        for index, (entry, x) in enumerate(zip(dynamic_axes, arrays)):
            pairs = []
            for axis, name in dict(entry or {}).items():
                axis = int(axis)
                if not -x.ndim <= axis < x.ndim or not isinstance(name, str) or not name or name == "batch":
                    raise ValueError("gluonx.export: dynamic axis {}={!r} of input {} (shape {}) needs an axis in "
                                     "range and a name other than 'batch'".format(axis, name, index, x.shape))
                pairs.append((axis % x.ndim, name))
            named.append(sorted(pairs))
    elif specs is not None:
        named = [list(spec.dynamic_axes) for spec in specs]
    else:
        named = [[] for _ in arrays]
    sizes = {}
    for index, (pairs, x) in enumerate(zip(named, arrays)):
        for axis, name in pairs:
            if sizes.setdefault(name, x.shape[axis]) != x.shape[axis]:
                raise ValueError("gluonx.export: inputs disagree on the size of axis '{}': {} and {} (input {})"
                                 .format(name, sizes[name], x.shape[axis], index))
    return named


def grow_named_axis(arrays, named, name):
    """The inputs with every axis called ``name`` doubled by repeating its entries (valid data at another
    size: repeated tokens, a tiled image)."""
    import mxnet as mx
    out = []
    for x, pairs in zip(arrays, named):
        axes = [axis for axis, axis_name in pairs if axis_name == name]
        if not axes:
            out.append(x)
            continue
        value = x.asnumpy()
        for axis in axes:
            value = np.concatenate([value, value], axis=axis)
        out.append(mx.nd.array(value, dtype=x.dtype))
    return out
