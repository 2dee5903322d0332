"""ONNX converters of MXNet's scalar comparisons that ``mx.onnx`` (MXNet 1.9.1) lacks.

``x >= 0.5`` in a ``hybrid_forward`` becomes ``_greater_equal_scalar``, which has no converter (nor
``_lesser_equal_scalar``, ``_not_equal_scalar``); the core registers these through its own
``register_onnx_converters`` hook. Each returns 1 or 0 in the input's dtype, as MXNet does, and NaN compares
as in C++ (false, except ``!=``).
"""
import numpy as np

__all__ = ["CONVERTERS", "register_converters"]

#: MXNet operator -> the ONNX comparisons whose ``Or`` it is (``Not`` of the first for ``not_equal``).
_COMPARISONS = {
    "_greater_equal_scalar": ("Greater", "Equal"),
    "_lesser_equal_scalar": ("Less", "Equal"),
    "_not_equal_scalar": ("Equal",),
}


def _converter(comparisons):
    def convert(node, **kwargs):
        from mxnet.onnx.mx2onnx._op_translations._op_translations_opset12 import get_input_dtypes, get_inputs
        from onnx import helper, numpy_helper
        name, (data,), attrs = get_inputs(node, kwargs)
        dtype = np.dtype(get_input_dtypes(node, kwargs)[0])
        scalar = np.array(float(attrs.get("scalar", 0)))
        scalar = scalar.astype(dtype) if dtype.kind == "f" else np.array(int(scalar), dtype=dtype)
        kwargs["initializer"].append(numpy_helper.from_array(scalar, name + "__scalar"))
        nodes = [helper.make_node(op, [data, name + "__scalar"], [name + "__" + op.lower()],
                                  name=name + "__node_" + op.lower()) for op in comparisons]
        if len(comparisons) == 2:
            nodes.append(helper.make_node("Or", [n.output[0] for n in nodes], [name + "__result"],
                                          name=name + "__node_or"))
        else:
            nodes.append(helper.make_node("Not", [nodes[0].output[0]], [name + "__result"], name=name + "__node_not"))
        nodes.append(helper.make_node("Cast", [name + "__result"], [name], name=name,
                                      to=helper.np_dtype_to_tensor_dtype(dtype)))
        return nodes
    convert.__doc__ = "``mx.onnx`` converter: ``{}`` of the input and the scalar, in the input's dtype.".format(
        " or ".join(comparisons) if len(comparisons) == 2 else "not Equal")
    return convert


#: MXNet operator -> converter.
CONVERTERS = {op: _converter(comparisons) for op, comparisons in _COMPARISONS.items()}


def register_converters(opset):
    """Register :data:`CONVERTERS` in ``mx.onnx``'s registry for ``opset``."""
    from .onnx_convert import register_converter_table
    register_converter_table(CONVERTERS, opset)
