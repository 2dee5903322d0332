"""Corner <-> center box conversions (D2L 9.3), written with ``F.*`` only so they hybridize and export.

Corner format is ``(xmin, ymin, xmax, ymax)``, center format ``(cx, cy, width, height)``; the four
coordinates are the last axis of any-rank inputs.

Both conversions are linear maps of the four coordinates: ``center = corner @ CORNER_TO_CENTER`` and
``corner = center @ CENTER_TO_CORNER``. The blocks hold the matrix as a constant and run one ``dot`` (one
MXNet operator per call instead of four slices, six arithmetic operators and a concat); the functions take the
matrix as an optional argument for the same reason.
"""
import numpy as np
from mxnet.gluon import HybridBlock

__all__ = ["box_corner_to_center", "box_center_to_corner", "BoxCornerToCenter", "BoxCenterToCorner",
           "box_coordinates", "CORNER_TO_CENTER", "CENTER_TO_CORNER"]

#: ``(4, 4)`` matrix: ``corner_boxes @ CORNER_TO_CENTER`` gives ``(cx, cy, w, h)``.
CORNER_TO_CENTER = np.array([[0.5, 0.0, -1.0, 0.0],
                             [0.0, 0.5, 0.0, -1.0],
                             [0.5, 0.0, 1.0, 0.0],
                             [0.0, 0.5, 0.0, 1.0]], dtype="float32")
#: ``(4, 4)`` matrix: ``center_boxes @ CENTER_TO_CORNER`` gives ``(xmin, ymin, xmax, ymax)``.
CENTER_TO_CORNER = np.array([[1.0, 0.0, 1.0, 0.0],
                             [0.0, 1.0, 0.0, 1.0],
                             [-0.5, 0.0, 0.5, 0.0],
                             [0.0, -0.5, 0.0, 0.5]], dtype="float32")


def box_coordinates(F, boxes):
    """The four ``(..., 1)`` coordinate columns of ``(..., 4)`` boxes.

    Slices rather than ``F.split``: at ONNX opset 19 MXNet converts ``split`` without sizes, which
    onnxruntime rejects.
    """
    return [F.slice_axis(boxes, axis=-1, begin=i, end=i + 1) for i in range(4)]


def box_corner_to_center(F, boxes, matrix=None):
    """Convert ``(..., 4)`` boxes from ``(xmin, ymin, xmax, ymax)`` to ``(cx, cy, width, height)``.

    Parameters
    ----------
    F : module
        ``mx.nd`` or ``mx.sym`` (the ``F`` of ``hybrid_forward``).
    boxes : NDArray or Symbol
        Boxes in corner format, coordinates on the last axis.
    matrix : NDArray or Symbol, optional
        :data:`CORNER_TO_CENTER` as a constant of the caller's block: the conversion is then one ``dot``.
        Without it, the coordinates are sliced and recombined (no constant needed).

    Returns
    -------
    NDArray or Symbol
        Same shape, center format.

    References
    ----------
    D2L 9.3.1 (``box_corner_to_center``).
    """
    if matrix is not None:
        return F.dot(boxes, matrix)
    xmin, ymin, xmax, ymax = box_coordinates(F, boxes)
    return F.concat((xmin + xmax) * 0.5, (ymin + ymax) * 0.5, xmax - xmin, ymax - ymin, dim=-1)


def box_center_to_corner(F, boxes, matrix=None):
    """Convert ``(..., 4)`` boxes from ``(cx, cy, width, height)`` to ``(xmin, ymin, xmax, ymax)``.

    Parameters
    ----------
    matrix : NDArray or Symbol, optional
        :data:`CENTER_TO_CORNER` as a constant of the caller's block (one ``dot``); see
        :func:`box_corner_to_center`.

    References
    ----------
    D2L 9.3.1 (``box_center_to_corner``).
    """
    if matrix is not None:
        return F.dot(boxes, matrix)
    cx, cy, width, height = box_coordinates(F, boxes)
    half_w, half_h = width * 0.5, height * 0.5
    return F.concat(cx - half_w, cy - half_h, cx + half_w, cy + half_h, dim=-1)


class BoxCornerToCenter(HybridBlock):
    """Block form of :func:`box_corner_to_center` (D2L 9.3.1): one ``dot`` with a constant matrix.

    Examples
    --------
    >>> import mxnet as mx
    >>> convert = BoxCornerToCenter()
    >>> convert.initialize()
    >>> convert(mx.nd.array([[0, 0, 4, 2]])).asnumpy().tolist()
    [[2.0, 1.0, 4.0, 2.0]]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.matrix = self.params.get_constant("matrix", CORNER_TO_CENTER)

    def hybrid_forward(self, F, boxes, matrix):
        return box_corner_to_center(F, boxes, matrix)


class BoxCenterToCorner(HybridBlock):
    """Block form of :func:`box_center_to_corner` (D2L 9.3.1): one ``dot`` with a constant matrix."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.matrix = self.params.get_constant("matrix", CENTER_TO_CORNER)

    def hybrid_forward(self, F, boxes, matrix):
        return box_center_to_corner(F, boxes, matrix)
