"""ONNX converter of ``_contrib_BilinearResize2D`` that also handles ``mode="like"``: the output takes the
height and width of the second input, read from its shape at run time, so the exported graph follows the
input's size (:class:`~gluonx_segmentation.models.gluoncv_zoo.GluonCVSegmenter`).

``Resize(mode="linear", coordinate_transformation_mode="align_corners")`` computes MXNet's resize with
``align_corners=True`` (its default, and gluoncv's). With ``align_corners=False`` MXNet samples at
``(dst + 0.5) * in / out - 0.5`` clamped at 0, ONNX's ``pytorch_half_pixel``. Other modes (fixed
``height``/``width`` or scales) go to ``mx.onnx``'s own converter.
"""
from ._nodes import Nodes

__all__ = ["convert_bilinear_resize"]

_TRUE = ("true", "1")


def convert_bilinear_resize(node, **kwargs):
    from mxnet.onnx.mx2onnx._op_translations._op_translations_opset12 import (
        convert_contrib_BilinearResize2D, get_inputs)
    name, inputs, attrs = get_inputs(node, kwargs)
    if attrs.get("mode", "size") != "like":
        return convert_contrib_BilinearResize2D(node, **kwargs)
    aligned = str(attrs.get("align_corners", "True")).lower() in _TRUE
    g = Nodes(name, kwargs["initializer"])
    batch_channels = g.op("Slice", [g.op("Shape", [inputs[0]]), g.const([0]), g.const([2])])
    height_width = g.op("Slice", [g.op("Shape", [inputs[1]]), g.const([2]), g.const([4])])
    sizes = g.op("Concat", [batch_channels, height_width], axis=0)
    g.op("Resize", [inputs[0], g.const([], "float32"), g.const([], "float32"), sizes], output=name,
         mode="linear", coordinate_transformation_mode="align_corners" if aligned else "pytorch_half_pixel")
    return g.nodes
