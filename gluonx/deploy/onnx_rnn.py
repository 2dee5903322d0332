"""ONNX converters for MXNet's fused ``RNN`` operator and for ``SequenceReverse``, which replace or complete
``mx.onnx`` (MXNet 1.9.1) through the core's ``register_onnx_converters`` hook.

What MXNet 1.9.1's own ``RNN`` converter gets wrong at the pinned opset 13 (measured with onnxruntime 1.20):

- with 2 layers it slices the first layer's input weights as if the input size were the hidden size: a GRU or
  vanilla RNN whose embedding size differs from its hidden size fails in onnxruntime ("Input W must have shape
  {1,18,8}"), and an LSTM silently computes something else (outputs off by 2e-3 on a random model);
- it refuses 3 or more layers, a bidirectional GRU or vanilla RNN, and a bidirectional LSTM of 2 layers.

The converter here handles every layout of the operator: ``lstm``, ``gru`` (``linear_before_reset``, the cuDNN
form MXNet computes), ``rnn_tanh``, ``rnn_relu``; any number of layers; one or two directions; any input size. It
reads the input size from the size of the packed parameter vector and slices each layer's ``W``, ``R`` and ``B``
out of it with constant offsets, reordering the gates (MXNet: LSTM ``i f g o``, GRU ``r z n``; ONNX: LSTM
``i o f c``, GRU ``z r h``). One ONNX ``LSTM``/``GRU``/``RNN`` node runs per layer, both directions at once.
Its limits are MXNet's own CPU operator's: ``projection_size`` (LSTMP) and ``use_sequence_length`` are refused,
the latter because MXNet's CPU operator ignores the lengths (the backward direction of a bidirectional layer
runs over the padding), so no ONNX graph could both honour them and match MXNet. Mask with
``SequenceReverse`` instead (below; the NLP plugin's BiRNN classifier does).

``SequenceReverse`` (no converter in ``mx.onnx``) becomes ONNX ``ReverseSequence`` with the lengths, or a
``Slice`` with step -1 without them.
"""
import numpy as np

__all__ = ["CONVERTERS", "GATE_ORDER", "convert_rnn", "convert_sequence_reverse", "register_converters"]

#: Gates per mode and the ONNX order of MXNet's gate blocks (index of MXNet's block at each ONNX position).
GATE_ORDER = {"lstm": (0, 3, 1, 2), "gru": (1, 0, 2), "rnn_tanh": (0,), "rnn_relu": (0,)}


def _flag(attrs, key):
    return str(attrs.get(key, "False")).lower() in ("true", "1")


def _layout(total, mode, hidden, layers, directions):
    """Input size of the first layer from the packed parameter count (weights of every layer and direction,
    then their biases), or raise if no input size gives ``total``."""
    gates = len(GATE_ORDER[mode])
    block = directions * gates * hidden
    rest = (layers - 1) * block * (directions * hidden + hidden) + layers * 2 * block
    input_size, remainder = divmod(total - rest, block)
    input_size -= hidden
    if remainder or input_size < 1:
        raise NotImplementedError("RNN: {} parameters do not fit mode={} state_size={} num_layers={} "
                                  "bidirectional={}".format(total, mode, hidden, layers, directions == 2))
    return input_size


def _packed_size(graph, weights, index):
    """Number of values of the RNN's packed parameters: a weight, or Gluon's ``_rnn_param_concat`` of the
    per-layer weights and biases."""
    producer = graph[index]
    if producer["op"] == "null":
        if producer["name"] not in weights:
            raise NotImplementedError("RNN: the packed parameters {} are a graph input, not a weight; their size "
                                      "is unknown".format(producer["name"]))
        return int(weights[producer["name"]].size)
    if producer["op"] in ("_rnn_param_concat", "Concat", "concat"):
        return sum(_packed_size(graph, weights, entry[0]) for entry in producer["inputs"])
    if producer["op"] in ("Reshape", "reshape", "Flatten", "flatten", "_copy", "identity"):
        return _packed_size(graph, weights, producer["inputs"][0][0])
    raise NotImplementedError("RNN: the packed parameters are computed by {} ({}); only weights and their "
                              "concatenation are supported".format(producer["op"], producer["name"]))


def convert_rnn(node, **kwargs):
    """``mx.onnx`` converter of MXNet's fused ``RNN`` operator (see the module docstring)."""
    from mxnet.onnx.mx2onnx._op_translations._op_translations_opset12 import get_inputs
    from onnx import helper, numpy_helper

    name, inputs, attrs = get_inputs(node, kwargs)
    mode = str(attrs.get("mode"))
    if mode not in GATE_ORDER:
        raise NotImplementedError("RNN: unknown mode {!r}".format(mode))
    if str(attrs.get("projection_size", "None")) != "None":
        raise NotImplementedError("RNN: projection_size (LSTMP) has no ONNX equivalent")
    if _flag(attrs, "use_sequence_length"):
        raise NotImplementedError("RNN: use_sequence_length=True is not converted: MXNet's CPU operator ignores "
                                  "the lengths, so ONNX could not match it; mask with SequenceReverse instead")
    hidden, layers = int(attrs["state_size"]), int(attrs.get("num_layers", 1))
    directions = 2 if _flag(attrs, "bidirectional") else 1
    packed_size = _packed_size(kwargs["mx_graph"], kwargs["weights"], node["inputs"][1][0])
    input_size = _layout(packed_size, mode, hidden, layers, directions)
    order = GATE_ORDER[mode]
    gates = len(order)
    initializer = kwargs["initializer"]

    def constant(label, values):
        tensor_name = "{}__{}".format(name, label)
        initializer.append(numpy_helper.from_array(np.asarray(values, dtype=np.int64), tensor_name))
        return tensor_name

    nodes = []

    def add(op, ins, label, **attributes):
        out = "{}__{}".format(name, label)
        nodes.append(helper.make_node(op, ins, [out], name=out, **attributes))
        return out

    gate_index = constant("gate_order", list(order))

    def block(label, start, rows, cols):
        """Rows ``rows`` = gates * hidden of a (rows, cols) matrix at ``start``, gates reordered: (1, rows, cols)."""
        flat = add("Slice", [inputs[1], constant(label + "_start", [start]),
                             constant(label + "_end", [start + rows * cols])], label + "_flat")
        split = add("Reshape", [flat, constant(label + "_gates", [gates, hidden, cols])], label + "_split")
        ordered = add("Gather", [split, gate_index], label + "_ordered", axis=0)
        return add("Reshape", [ordered, constant(label + "_shape", [1, gates * hidden, cols])], label)

    def bias(label, start):
        flat = add("Slice", [inputs[1], constant(label + "_start", [start]),
                             constant(label + "_end", [start + gates * hidden])], label + "_flat")
        split = add("Reshape", [flat, constant(label + "_gates", [gates, hidden])], label + "_split")
        ordered = add("Gather", [split, gate_index], label + "_ordered", axis=0)
        return add("Reshape", [ordered, constant(label + "_shape", [1, gates * hidden])], label)

    offset = 0
    matrices = []
    for layer in range(layers):
        cols = input_size if layer == 0 else directions * hidden
        for direction in range(directions):
            tag = "l{}d{}".format(layer, direction)
            w = block(tag + "_W", offset, gates * hidden, cols)
            offset += gates * hidden * cols
            r = block(tag + "_R", offset, gates * hidden, hidden)
            offset += gates * hidden * hidden
            matrices.append((w, r))
    biases = []
    for layer in range(layers):
        for direction in range(directions):
            tag = "l{}d{}".format(layer, direction)
            b_input = bias(tag + "_Bw", offset)
            b_hidden = bias(tag + "_Br", offset + gates * hidden)
            offset += 2 * gates * hidden
            biases.append(add("Concat", [b_input, b_hidden], tag + "_B", axis=1))
    assert offset == packed_size

    op = {"lstm": "LSTM", "gru": "GRU"}.get(mode, "RNN")
    attributes = {"hidden_size": hidden, "direction": "bidirectional" if directions == 2 else "forward"}
    if op == "GRU":
        attributes["linear_before_reset"] = 1
    if op == "RNN":
        attributes["activations"] = ["Tanh" if mode == "rnn_tanh" else "Relu"] * directions
    states = [inputs[2]] + ([inputs[3]] if mode == "lstm" else [])
    # a begin state a hybridized layer makes itself (zeros) was shaped at the example's batch size: broadcast
    # every initial state to the input's batch, (directions, batch, hidden), as MXNet's own converter does
    batch = add("Gather", [add("Shape", [inputs[0]], "data_shape"), constant("batch_axis", [1])], "batch", axis=0)
    state_shape = add("Concat", [constant("directions", [directions]), batch, constant("hidden", [hidden])],
                      "state_shape", axis=0)
    sequence = inputs[0]
    final = [[] for _ in states]
    for layer in range(layers):
        tag = "l{}".format(layer)
        pick = slice(layer * directions, (layer + 1) * directions)
        w = add("Concat", [m[0] for m in matrices[pick]], tag + "_W", axis=0)
        r = add("Concat", [m[1] for m in matrices[pick]], tag + "_R", axis=0)
        b = add("Concat", biases[pick], tag + "_B", axis=0)
        initial = [add("Expand", [add("Slice", [state, constant("{}_s{}_start".format(tag, i), [layer * directions]),
                                                constant("{}_s{}_end".format(tag, i), [(layer + 1) * directions]),
                                                constant("{}_s{}_axis".format(tag, i), [0])],
                                      "{}_s{}".format(tag, i)), state_shape], "{}_s{}_batch".format(tag, i))
                   for i, state in enumerate(states)]
        outs = ["{}__{}_Y".format(name, tag)] + ["{}__{}_Y{}".format(name, tag, i) for i in range(len(states))]
        nodes.append(helper.make_node(op, [sequence, w, r, b, ""] + initial, outs, name=outs[0], **attributes))
        for i, out in enumerate(outs[1:]):
            final[i].append(out)
        # (T, D, N, H) -> (T, N, D * H), the layout MXNet returns and the next layer reads
        moved = add("Transpose", [outs[0]], tag + "_Yt", perm=[0, 2, 1, 3])
        last = layer == layers - 1
        target = name if last else "{}__{}_out".format(name, tag)
        nodes.append(helper.make_node("Reshape", [moved, constant(tag + "_out_shape", [0, 0, -1])], [target],
                                      name=target))
        sequence = target
    if _flag(attrs, "state_outputs"):
        for i, parts in enumerate(final):
            out = name + str(i + 1)
            nodes.append(helper.make_node("Concat", parts, [out], name=out, axis=0))
    return nodes


def convert_sequence_reverse(node, **kwargs):
    """``mx.onnx`` converter of ``SequenceReverse`` (time axis 0): ONNX ``ReverseSequence`` with the lengths,
    a reversing ``Slice`` without them."""
    from mxnet.onnx.mx2onnx._op_translations._op_translations_opset12 import get_inputs
    from onnx import TensorProto, helper, numpy_helper

    name, inputs, attrs = get_inputs(node, kwargs)
    if int(attrs.get("axis", 0)) != 0:
        raise NotImplementedError("SequenceReverse: only axis=0 exists in MXNet")
    if not _flag(attrs, "use_sequence_length"):
        initializer = kwargs["initializer"]
        names = []
        for label, value in (("starts", -1), ("ends", np.iinfo(np.int64).min), ("axes", 0), ("steps", -1)):
            names.append("{}__{}".format(name, label))
            initializer.append(numpy_helper.from_array(np.array([value], dtype=np.int64), names[-1]))
        return [helper.make_node("Slice", [inputs[0]] + names, [name], name=name)]
    lengths = "{}__lengths".format(name)
    return [helper.make_node("Cast", [inputs[1]], [lengths], name=lengths, to=TensorProto.INT64),
            helper.make_node("ReverseSequence", [inputs[0], lengths], [name], name=name, batch_axis=1, time_axis=0)]


#: MXNet operator -> converter.
CONVERTERS = {"RNN": convert_rnn, "SequenceReverse": convert_sequence_reverse}


def register_converters(opset):
    """Register :data:`CONVERTERS` in ``mx.onnx``'s registry for ``opset`` (replacing MXNet's ``RNN`` converter)."""
    from .onnx_convert import register_converter_table
    register_converter_table(CONVERTERS, opset)
