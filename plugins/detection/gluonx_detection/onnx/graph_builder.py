"""A small helper that emits ONNX nodes and constants for one ``mx.onnx`` converter.

``mx.onnx`` takes a converter's nodes as a list and the converted operator's output by its node name
(``name``, or ``name0`` ... ``name99`` for several outputs): every intermediate tensor here is called
``name__tag`` so it can never be mistaken for an output.
"""
import numpy as np

__all__ = ["GraphBuilder", "FLOAT_LOWEST"]

#: Score given to rows that must never be selected (below any ``valid_thresh``).
FLOAT_LOWEST = float(np.finfo(np.float32).min)


class GraphBuilder:
    """Collects the nodes of one converted operator.

    Parameters
    ----------
    name : str
        The MXNet node's name; intermediate tensors are ``name__tag``.
    initializer : list of onnx.TensorProto
        ``mx.onnx``'s list of constants (``kwargs["initializer"]`` of a converter).
    """

    def __init__(self, name, initializer):
        self.name = name
        self.initializer = initializer
        self.nodes = []
        self._count = 0

    def _fresh(self, tag):
        self._count += 1
        return "{}__{}{}".format(self.name, tag, self._count)

    def const(self, values, dtype="int64", tag="const"):
        """A constant tensor (an initializer) holding ``values``; returns its name."""
        from onnx import numpy_helper
        name = self._fresh(tag)
        self.initializer.append(numpy_helper.from_array(np.asarray(values, dtype=dtype), name))
        return name

    def op(self, op_type, inputs, tag=None, outputs=1, output=None, **attrs):
        """Append an ``op_type`` node; returns its output name (a list when ``outputs > 1``).

        ``output`` names the (single) output explicitly: the converted operator's result.
        """
        from onnx.helper import make_node
        if output is not None:
            names = [output]
        else:
            names = [self._fresh(tag or op_type.lower()) for _ in range(outputs)]
        self.nodes.append(make_node(op_type, list(inputs), names, name=self._fresh("node_" + op_type.lower()),
                                    **attrs))
        return names if outputs > 1 else names[0]

    # -- shorthands -----------------------------------------------------------------------------------
    def column(self, rows, index):
        """Column ``index`` of ``rows`` ``(B, N, W)`` as ``(B, N)``."""
        return self.op("Gather", [rows, self.const(np.int64(index), tag="col")], axis=2)

    def columns(self, rows, begin, end):
        """Columns ``begin:end`` of ``rows`` ``(B, N, W)``."""
        return self.op("Slice", [rows, self.const([begin]), self.const([end]), self.const([2])])

    def gather_rows(self, rows, order):
        """``rows[b, order[b, k]]`` for ``rows`` ``(B, N, W)`` and ``order`` ``(B, K)`` int64."""
        index = self.op("Reshape", [order, self.const([0, 0, 1])])  # Reshape: the same at every opset
        return self.op("GatherND", [rows, index], batch_dims=1)
