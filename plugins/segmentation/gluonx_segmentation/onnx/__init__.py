"""ONNX converters for the operators gluoncv's segmenters use with sizes taken from the graph, registered
through gluonx's ``register_onnx_converters(opset)`` hook (one operator per module).

- :mod:`~gluonx_segmentation.onnx.bilinear_resize` -- ``_contrib_BilinearResize2D`` with ``mode="like"``
  (``mx.onnx`` converts only fixed sizes or scales);
- :mod:`~gluonx_segmentation.onnx.adaptive_pooling` -- ``_contrib_AdaptiveAvgPooling2D`` to any number of bins,
  computed from the input's dynamic height and width (``mx.onnx`` converts only ``output_size=1``).
"""
__all__ = ["CONVERTERS", "MIN_OPSET", "register_converters"]

#: ``Resize`` with a ``sizes`` input and ``Slice`` with tensor bounds: opset 11; gluonx exports opset 13.
MIN_OPSET = 11

#: MXNet operator -> ``"module:function"`` of its converter.
CONVERTERS = {
    "_contrib_BilinearResize2D": "gluonx_segmentation.onnx.bilinear_resize:convert_bilinear_resize",
    "_contrib_AdaptiveAvgPooling2D": "gluonx_segmentation.onnx.adaptive_pooling:convert_adaptive_avg_pooling",
}


def register_converters(opset):
    """Register every converter of :data:`CONVERTERS` in ``mx.onnx``'s registry for ``opset`` (they replace
    MXNet's own converters of these operators at that opset; the cases those handled are handled alike)."""
    from gluonx.deploy.onnx_convert import register_converter_table
    register_converter_table(CONVERTERS, opset, MIN_OPSET, "the segmentation plugin's")
