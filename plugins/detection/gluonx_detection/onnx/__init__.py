"""ONNX converters of MXNet's detection operators, registered through gluonx's
``register_onnx_converters(opset)`` hook (one operator family per module).

- :mod:`~gluonx_detection.onnx.box_nms` -- ``_contrib_box_nms``, per class or across classes, as MXNet runs it;
- :mod:`~gluonx_detection.onnx.multibox_detection` -- the fused ``_contrib_MultiBoxDetection`` (decoding, best
  class, NMS), which ``mx.onnx`` cannot convert.
"""
__all__ = ["CONVERTERS", "MIN_OPSET", "register_converters"]

#: The converters use ``ReduceSum`` with its axes as an input (opset 13).
MIN_OPSET = 13

#: MXNet operator -> ``"module:function"`` of its converter.
CONVERTERS = {
    "_contrib_box_nms": "gluonx_detection.onnx.box_nms:convert_box_nms",
    "_contrib_MultiBoxDetection": "gluonx_detection.onnx.multibox_detection:convert_multibox_detection",
}


def register_converters(opset):
    """Register every converter of :data:`CONVERTERS` in ``mx.onnx``'s registry for ``opset``.

    ``mx.onnx`` looks converters up from the target opset downwards, so these replace MXNet's own
    converters of the same operators at ``opset``.
    """
    from gluonx.deploy.onnx_convert import register_converter_table
    register_converter_table(CONVERTERS, opset, MIN_OPSET, "the detection plugin's")
