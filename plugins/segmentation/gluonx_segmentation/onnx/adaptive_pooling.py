"""ONNX converter of ``_contrib_AdaptiveAvgPooling2D`` to any number of bins, with the bins computed from the
input's height and width at run time (PSPNet's pyramid pooling to 2, 3 and 6 bins).

MXNet's operator (``src/operator/contrib/adaptive_avg_pooling-inl.h``) averages, for output row ``i`` of
``b``, input rows ``floor(i H / b)`` to ``ceil((i + 1) H / b)`` (exclusive), and columns alike; bins may
overlap. ONNX has no adaptive pooling, and ``AveragePool`` has fixed kernels, so each output row is a
``Slice`` of the input rows between bounds computed from ``Shape`` in integer arithmetic
(``(i H) // b`` and ``((i + 1) H + b - 1) // b``), averaged with ``ReduceMean``; the same is done to the
columns of the result. The mean over a bin's rows and then over its columns is the mean over the bin.
``output_size=1`` stays a ``GlobalAveragePool``.
"""
from ._nodes import Nodes

__all__ = ["convert_adaptive_avg_pooling", "output_bins"]


def output_bins(attrs):
    """``(rows, columns)`` of the ``output_size`` attribute (``"2"``, ``"(2, 3)"``; MXNet's default 1)."""
    text = str(attrs.get("output_size", "1")).strip("()[] ")
    sizes = [int(v) for v in text.replace(" ", "").split(",") if v and v != "None"] or [1]
    return (sizes[0], sizes[0]) if len(sizes) == 1 else (sizes[0], sizes[1])


def _pool_axis(g, data, axis, bins):
    """``data`` with ``axis`` reduced to ``bins`` adaptive averages."""
    if bins == 1:
        return g.op("ReduceMean", [data], axes=[axis], keepdims=1)
    size = g.op("Slice", [g.op("Shape", [data]), g.const([axis]), g.const([axis + 1])])
    parts = []
    for index in range(bins):
        start = g.op("Div", [g.op("Mul", [size, g.const([index])]), g.const([bins])])
        end = g.op("Div", [g.op("Add", [g.op("Mul", [size, g.const([index + 1])]), g.const([bins - 1])]),
                           g.const([bins])])
        rows = g.op("Slice", [data, start, end, g.const([axis])])
        parts.append(g.op("ReduceMean", [rows], axes=[axis], keepdims=1))
    return g.op("Concat", parts, axis=axis)


def convert_adaptive_avg_pooling(node, **kwargs):
    from mxnet.onnx.mx2onnx._op_translations._op_translations_opset12 import get_inputs
    name, inputs, attrs = get_inputs(node, kwargs)
    rows, cols = output_bins(attrs)
    g = Nodes(name, kwargs["initializer"])
    if rows == cols == 1:
        g.op("GlobalAveragePool", [inputs[0]], output=name)
        return g.nodes
    pooled = _pool_axis(g, _pool_axis(g, inputs[0], 2, rows), 3, cols)
    g.op("Identity", [pooled], output=name)
    return g.nodes
