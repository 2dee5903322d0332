"""Emitting nodes and constants inside one ``mx.onnx`` converter: every intermediate tensor is named
``<node name>__<tag><n>`` so it can never be taken for the converted operator's output (``<node name>``)."""
import numpy as np

__all__ = ["Nodes"]


class Nodes:
    """The nodes of one converted operator named ``name``; constants go into ``initializer`` (``mx.onnx``'s
    ``kwargs["initializer"]``)."""

    def __init__(self, name, initializer):
        self.name, self.initializer, self.nodes, self._count = name, initializer, [], 0

    def _fresh(self, tag):
        self._count += 1
        return "{}__{}{}".format(self.name, tag, self._count)

    def const(self, values, dtype="int64"):
        from onnx import numpy_helper
        name = self._fresh("const")
        self.initializer.append(numpy_helper.from_array(np.asarray(values, dtype=dtype), name))
        return name

    def op(self, op_type, inputs, output=None, **attrs):
        from onnx.helper import make_node
        out = output or self._fresh(op_type.lower())
        self.nodes.append(make_node(op_type, list(inputs), [out], name=self._fresh("node_" + op_type.lower()),
                                    **attrs))
        return out
