"""Corner <-> center box conversions (D2L 9.3), written with ``F.*`` only so they hybridize and export.

Corner format is ``(xmin, ymin, xmax, ymax)``, center format ``(cx, cy, width, height)``; the four
coordinates are the last axis of any-rank inputs.
"""
from mxnet.gluon import HybridBlock

__all__ = ["box_corner_to_center", "box_center_to_corner", "BoxCornerToCenter", "BoxCenterToCorner",
           "box_coordinates"]


def box_coordinates(F, boxes):
    """The four ``(..., 1)`` coordinate columns of ``(..., 4)`` boxes.

    Slices rather than ``F.split``: at ONNX opset 19 MXNet converts ``split`` without sizes, which
    onnxruntime rejects.
    """
    return [F.slice_axis(boxes, axis=-1, begin=i, end=i + 1) for i in range(4)]


def box_corner_to_center(F, boxes):
    """Convert ``(..., 4)`` boxes from ``(xmin, ymin, xmax, ymax)`` to ``(cx, cy, width, height)``.

    Parameters
    ----------
    F : module
        ``mx.nd`` or ``mx.sym`` (the ``F`` of ``hybrid_forward``).
    boxes : NDArray or Symbol
        Boxes in corner format, coordinates on the last axis.

    Returns
    -------
    NDArray or Symbol
        Same shape, center format.

    References
    ----------
    D2L 9.3.1 (``box_corner_to_center``).
    """
    xmin, ymin, xmax, ymax = box_coordinates(F, boxes)
    return F.concat((xmin + xmax) * 0.5, (ymin + ymax) * 0.5, xmax - xmin, ymax - ymin, dim=-1)


def box_center_to_corner(F, boxes):
    """Convert ``(..., 4)`` boxes from ``(cx, cy, width, height)`` to ``(xmin, ymin, xmax, ymax)``.

    References
    ----------
    D2L 9.3.1 (``box_center_to_corner``).
    """
    cx, cy, width, height = box_coordinates(F, boxes)
    half_w, half_h = width * 0.5, height * 0.5
    return F.concat(cx - half_w, cy - half_h, cx + half_w, cy + half_h, dim=-1)


class BoxCornerToCenter(HybridBlock):
    """Block form of :func:`box_corner_to_center` (D2L 9.3.1).

    Examples
    --------
    >>> import mxnet as mx
    >>> BoxCornerToCenter()(mx.nd.array([[0, 0, 4, 2]])).asnumpy().tolist()
    [[2.0, 1.0, 4.0, 2.0]]
    """

    def hybrid_forward(self, F, boxes):
        return box_corner_to_center(F, boxes)


class BoxCenterToCorner(HybridBlock):
    """Block form of :func:`box_center_to_corner` (D2L 9.3.1)."""

    def hybrid_forward(self, F, boxes):
        return box_center_to_corner(F, boxes)
