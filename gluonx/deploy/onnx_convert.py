"""MXNet symbol to ONNX at a pinned opset, with unique node names and the block's output names.

``mx.onnx.export_model`` has no opset argument: it targets the newest opset of the installed onnx (19
with onnx 1.14), where two of its converters emit invalid graphs (``Split`` without sizes from
``SliceChannel`` and the fused ``RNN`` op; ``ReduceMean`` with an ``axes`` attribute from LayerNorm).
:func:`export_onnx` therefore pins :data:`OPSET` (13) for the duration of the conversion, by replacing
``onnx.defs.onnx_opset_version`` and the opset of ``onnx.checker``'s default context, and restores both
afterwards. Every model that converted at 19 also converts at 13.

The converter leaves most nodes unnamed. onnxruntime's graph optimizer names the nodes it fuses after
their inputs, and refuses to load a graph where two fusions collide ("two nodes with same node name"),
so every node gets a unique name before saving.

A block that calls one layer twice has two symbol nodes with the same name, which the converter merges
into one (an output disappears): such nodes are renamed (``name_dup1``) in a copy of the symbol first.

Plugins add or replace operator converters through the ``register_onnx_converters(opset)`` hook, which
:func:`export_onnx` runs once per process before its first conversion (:func:`install_plugin_converters`).

Multi-output operators get other output names in ONNX than in MXNet (``rnn0`` + index instead of
``rnn0_state_output``) and the converter may list outputs in another order: the ONNX outputs are
renamed to the names asked for (by default the symbol's ``list_outputs()``) in the symbol's order.
"""
import contextlib
import json

import numpy as np

from .graph_io import input_names

__all__ = ["OPSET", "pinned_opset", "export_onnx", "install_plugin_converters", "register_converter_table",
           "name_nodes", "rename_outputs", "run_onnx", "unique_names", "unique_symbol"]

#: The ONNX opset every gluonx export targets.
OPSET = 13


@contextlib.contextmanager
def pinned_opset(version=OPSET):
    """Make ``mx.onnx.export_model`` and ``onnx.checker`` target opset ``version`` inside the block."""
    import onnx.checker
    import onnx.defs
    newest = onnx.defs.onnx_opset_version
    context = onnx.checker.DEFAULT_CONTEXT
    saved = dict(context.opset_imports)
    if version > newest():
        raise ValueError("ONNX opset {} is newer than the installed onnx supports ({})".format(version, newest()))
    onnx.defs.onnx_opset_version = lambda: version
    context.opset_imports = {"": version}
    try:
        yield version
    finally:
        onnx.defs.onnx_opset_version = newest
        context.opset_imports = saved


def install_plugin_converters(opset=OPSET):
    """Let every loaded plugin register its ``mx.onnx`` converters for ``opset`` (once per process).

    Runs the ``register_onnx_converters(opset)`` hook (:mod:`gluonx.hookspecs`); later calls return at once.
    """
    from .._plugins import get_host
    get_host().register_onnx_converters(opset)


def register_converter_table(converters, opset, min_opset=None, owner="these"):
    """Register ``converters`` (MXNet operator name -> converter function, or its ``"module:function"``) in
    ``mx.onnx``'s registry for ``opset``.

    ``mx.onnx`` looks converters up from the target opset downwards, so these replace MXNet's own converters
    of the same operators at ``opset``. With ``min_opset``, an older ``opset`` is a ``ValueError`` naming
    ``owner`` (e.g. "the detection plugin's").
    """
    import importlib

    from mxnet.onnx.mx2onnx._export_onnx import MXNetGraph
    if min_opset is not None and opset < min_opset:
        raise ValueError("{} ONNX converters need opset {} or newer, got {}".format(owner, min_opset, opset))
    for op_name, convert in converters.items():
        if isinstance(convert, str):
            module, attr = convert.split(":")
            convert = getattr(importlib.import_module(module), attr)
        MXNetGraph.register(op_name, opset)(convert)


def name_nodes(model):
    """Give every node of ``model.graph`` a unique name (unnamed and duplicated ones get ``op_type_index``)."""
    seen = set()
    for index, node in enumerate(model.graph.node):
        if not node.name or node.name in seen:
            base = "{}_{}".format(node.op_type.lower(), index)
            name, suffix = base, 0
            while name in seen:
                suffix += 1
                name = "{}_{}".format(base, suffix)
            node.name = name
        seen.add(node.name)
    return model


def unique_names(names):
    """``names`` with repeats made unique by a suffix: ``["a", "a"]`` → ``["a", "a_1"]``."""
    seen, out = set(), []
    for name in names:
        candidate, k = name, 0
        while candidate in seen:
            k += 1
            candidate = "{}_{}".format(name, k)
        seen.add(candidate)
        out.append(candidate)
    return out


def unique_symbol(symbol_file):
    """The graph JSON of ``symbol_file`` (a dict) with duplicated operator node names renamed."""
    with open(symbol_file, "r", encoding="utf-8") as handle:
        graph = json.load(handle)
    seen = {}
    for node in graph["nodes"]:
        if node["op"] == "null":
            continue
        count = seen.get(node["name"], 0)
        seen[node["name"]] = count + 1
        if count:
            node["name"] = "{}_dup{}".format(node["name"], count)
    return graph


def _rename_tensor(graph, old, new):
    for node in graph.node:
        for field in (node.input, node.output):
            for i, name in enumerate(field):
                if name == old:
                    field[i] = new
    for value in list(graph.output) + list(graph.value_info):
        if value.name == old:
            value.name = new


def _tensor_names(graph):
    names = {v.name for v in graph.input} | {t.name for t in graph.initializer}
    for node in graph.node:
        names.update(node.output)
    return names


def _match_outputs(heads, onnx_names):
    """Index into ``onnx_names`` of each symbol head, or None when they cannot be matched one to one."""
    position = {name: i for i, name in enumerate(onnx_names)}
    found = []
    for node, index in heads:
        candidates = ([node] if index == 0 else []) + [node + str(index)]
        hit = next((position[c] for c in candidates if c in position), None)
        found.append(hit)
    if None in found or len(set(found)) != len(found) or len(found) != len(onnx_names):
        return None
    return found


def rename_outputs(model, heads, names):
    """Reorder and rename the graph outputs of ``model`` to ``names`` in the symbol's output order.

    ``heads`` are the symbol's outputs as (node name, output index).

    Returns
    -------
    str
        ``"by name"`` when every output was matched through the converter's naming, ``"by order"`` when
        the converter's order was kept (outputs that cannot be matched by name).
    """
    graph = model.graph
    current = [v.name for v in graph.output]
    order = _match_outputs(heads, current)
    how = "by name"
    if order is None:
        order, how = list(range(len(current))), "by order"
    if len(names) != len(current):
        raise ValueError("ONNX graph has {} outputs, {} names given".format(len(current), len(names)))
    values = [graph.output[i] for i in order]
    copies = [type(v)() for v in values]
    for copy, value in zip(copies, values):
        copy.CopyFrom(value)
    del graph.output[:]
    graph.output.extend(copies)
    taken = _tensor_names(graph)
    fixed = {v.name for v in graph.input} | {t.name for t in graph.initializer}
    clash = sorted(set(names) & fixed - {v.name for v in copies})
    if clash:
        raise ValueError("output names {} are already graph inputs or weights".format(clash))
    targets = dict(zip([v.name for v in copies], names))
    for old, new in targets.items():
        if old == new:
            continue
        if new in taken and new not in targets:
            # another tensor already has the wanted name: move it aside first
            _rename_tensor(graph, new, new + "__renamed")
        _rename_tensor(graph, old, "__gluonx_out__" + new)
    for new in names:
        _rename_tensor(graph, "__gluonx_out__" + new, new)
    return how


def export_onnx(symbol_file, params_file, inputs, onnx_file, batch_axes=None, dynamic_axes=None,
                output_names=None):
    """Convert an exported MXNet model to ONNX at opset :data:`OPSET` and validate it with ``onnx.checker``.

    Parameters
    ----------
    symbol_file, params_file : str
        The files written by ``HybridBlock.export``.
    inputs : sequence of NDArray or numpy.ndarray
        Example inputs (their shapes and dtypes fix the ONNX input signature).
    onnx_file : str
        Output path.
    batch_axes : sequence of int or None, optional
        Per input, the axis to make dynamic (``None`` for a fixed input).
    dynamic_axes : sequence of sequence of int, optional
        Per input, every axis to make dynamic (batch, sequence length, height, width); overrides
        ``batch_axes``. With neither, the shapes are static.
    output_names : sequence of str, optional
        Names of the ONNX outputs, in the symbol's output order (default: the symbol's ``list_outputs()``).

    Returns
    -------
    dict
        ``opset``, ``outputs_matched`` (``"by name"`` or ``"by order"``).
    """
    import mxnet as mx
    import onnx
    shapes = [tuple(x.shape) for x in inputs]
    dtypes = [np.dtype(x.dtype) for x in inputs]
    if dynamic_axes is None and batch_axes is not None:
        dynamic_axes = [[] if axis is None else [axis] for axis in batch_axes]
    dynamic_shapes = None
    if dynamic_axes is not None and any(dynamic_axes):
        dynamic_shapes = [tuple(None if d in {a % len(shape) for a in axes} else size
                                for d, size in enumerate(shape)) for shape, axes in zip(shapes, dynamic_axes)]
    # export_model matches shapes to the graph's inputs in the order the graph first uses them
    # (Symbol.list_inputs), which need not be the call order data0, data1, ...
    graph = unique_symbol(symbol_file)
    symbol = mx.sym.load_json(json.dumps(graph))
    params = {key.split(":", 1)[-1]: value for key, value in mx.nd.load(params_file).items()} \
        if mx.nd.load(params_file) else {}
    names = input_names(len(inputs))
    order = [names.index(n) for n in symbol.list_inputs() if n in names]
    shapes, dtypes = [shapes[i] for i in order], [dtypes[i] for i in order]
    if dynamic_shapes is not None:
        dynamic_shapes = [dynamic_shapes[i] for i in order]
    heads = [(graph["nodes"][node]["name"], index) for node, index, _ in graph["heads"]]
    install_plugin_converters(OPSET)
    with pinned_opset(OPSET):
        mx.onnx.export_model(symbol, params, in_shapes=shapes, in_types=dtypes,
                             onnx_file_path=onnx_file, dynamic=dynamic_shapes is not None,
                             dynamic_input_shapes=dynamic_shapes)
    model = onnx.load(onnx_file)
    name_nodes(model)
    names = list(output_names or unique_names(symbol.list_outputs()))
    matched = rename_outputs(model, heads, names)
    onnx.checker.check_model(model)
    onnx.save(model, onnx_file)
    return {"opset": OPSET, "outputs_matched": matched, "names": names}


def run_onnx(onnx_file, inputs, output_names=None, quiet=False):
    """Run an ONNX file in onnxruntime (CPU) on ``inputs`` in MXNet's input order; returns NumPy outputs.

    ``output_names`` selects the outputs and their order (default: the graph's order). ``quiet`` keeps
    onnxruntime from logging a failing run (used when probing whether an axis is dynamic).
    """
    import onnxruntime
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4 if quiet else 3
    session = onnxruntime.InferenceSession(onnx_file, options, providers=["CPUExecutionProvider"])
    arrays = [x.asnumpy() if hasattr(x, "asnumpy") else np.asarray(x) for x in inputs]
    given = dict(zip(input_names(len(arrays)), arrays))
    wanted = [i.name for i in session.get_inputs()]
    if not set(wanted) <= set(given):
        raise ValueError("ONNX inputs are {}, but only {} were given".format(sorted(wanted), sorted(given)))
    produced = [o.name for o in session.get_outputs()]
    if output_names is not None:
        output_names = [name if name in produced else name[:-len("_output")] for name in output_names]
        if not set(output_names) <= set(produced):
            output_names = None  # an export written before outputs were renamed: keep the graph's order
    return session.run(output_names, {name: given[name] for name in wanted})
