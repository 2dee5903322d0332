"""Offset encoding and decoding of boxes relative to anchors, with variances (D2L 9.4.3), ``F.*`` only.

For an anchor with centre ``(xa, ya)`` and size ``(wa, ha)`` and a box ``(xb, yb, wb, hb)``::

    offset = ((xb - xa) / wa / vx, (yb - ya) / ha / vy, log(eps + wb / wa) / vw, log(eps + hb / ha) / vh)

The book's constants 10 and 5 are the default variances ``(0.1, 0.1, 0.2, 0.2)``; the same encoding is
gluoncv's ``NormalizedBoxCenterEncoder`` / ``NormalizedBoxCenterDecoder`` and MXNet's MultiBox ops.
Anchors and boxes are in corner format.
"""
from mxnet.gluon import HybridBlock

from .box_convert import box_center_to_corner, box_coordinates, box_corner_to_center

__all__ = ["encode_boxes", "decode_boxes", "BoxEncoder", "BoxDecoder", "DEFAULT_VARIANCES"]

#: ``(vx, vy, vw, vh)``: the book's ``10 * ...`` and ``5 * log(...)``.
DEFAULT_VARIANCES = (0.1, 0.1, 0.2, 0.2)


def _check_variances(variances):
    variances = tuple(float(v) for v in variances)
    if len(variances) != 4 or any(v <= 0 for v in variances):
        raise ValueError("variances must be four positive numbers (vx, vy, vw, vh), got {}".format(variances))
    return variances


def encode_boxes(F, anchors, boxes, variances=DEFAULT_VARIANCES, eps=1e-6):
    """Offsets of corner ``boxes`` relative to corner ``anchors`` (broadcastable ``(..., 4)``).

    Parameters
    ----------
    F : module
        ``mx.nd`` or ``mx.sym``.
    anchors, boxes : NDArray or Symbol
        Corner-format boxes; ``anchors`` broadcasts against ``boxes``.
    variances : (float, float, float, float)
        Divisors of the four offsets.
    eps : float
        Added inside the logarithm, as the book does, so an empty (or inverted, taken as empty) box gives a
        finite offset.

    Returns
    -------
    NDArray or Symbol
        ``(..., 4)`` offsets.

    References
    ----------
    D2L 9.4.3 (``offset_boxes``).
    """
    vx, vy, vw, vh = _check_variances(variances)
    ax, ay, aw, ah = box_coordinates(F, box_corner_to_center(F, anchors))
    bx, by, bw, bh = box_coordinates(F, box_corner_to_center(F, boxes))
    return F.concat(F.broadcast_div(F.broadcast_sub(bx, ax), aw) / vx,
                    F.broadcast_div(F.broadcast_sub(by, ay), ah) / vy,
                    F.log(F.relu(F.broadcast_div(bw, aw)) + eps) / vw,
                    F.log(F.relu(F.broadcast_div(bh, ah)) + eps) / vh, dim=-1)


def decode_boxes(F, anchors, offsets, variances=DEFAULT_VARIANCES, clip=None):
    """Corner boxes from ``offsets`` relative to corner ``anchors``: the inverse of :func:`encode_boxes`.

    Parameters
    ----------
    clip : float, optional
        Upper bound of the width/height offsets before ``exp`` (gluoncv's ``clip``), avoiding overflow.

    References
    ----------
    D2L 9.4.3 (``offset_inverse``).
    """
    vx, vy, vw, vh = _check_variances(variances)
    ax, ay, aw, ah = box_coordinates(F, box_corner_to_center(F, anchors))
    ox, oy, ow, oh = box_coordinates(F, offsets)
    ow, oh = ow * vw, oh * vh
    if clip is not None:
        ow, oh = F.minimum(ow, float(clip)), F.minimum(oh, float(clip))
    centre = F.concat(F.broadcast_add(F.broadcast_mul(ox * vx, aw), ax),
                      F.broadcast_add(F.broadcast_mul(oy * vy, ah), ay),
                      F.broadcast_mul(F.exp(ow), aw), F.broadcast_mul(F.exp(oh), ah), dim=-1)
    return box_center_to_corner(F, centre)


def _check_format(box_format):
    if box_format not in ("corner", "center"):
        raise ValueError("box_format must be 'corner' or 'center', got {!r}".format(box_format))
    return box_format


class BoxEncoder(HybridBlock):
    """Encode boxes as offsets from anchors (D2L 9.4.3): ``forward(anchors, boxes) -> offsets``.

    Parameters
    ----------
    variances : (float, float, float, float)
        Offset divisors.
    eps : float
        Added inside the logarithm.
    box_format : {"corner", "center"}
        Format of both inputs.
    """

    def __init__(self, variances=DEFAULT_VARIANCES, eps=1e-6, box_format="corner", **kwargs):
        super().__init__(**kwargs)
        self._variances = _check_variances(variances)
        self._eps = float(eps)
        self._center = _check_format(box_format) == "center"

    def hybrid_forward(self, F, anchors, boxes):
        if self._center:
            anchors, boxes = box_center_to_corner(F, anchors), box_center_to_corner(F, boxes)
        return encode_boxes(F, anchors, boxes, self._variances, self._eps)


class BoxDecoder(HybridBlock):
    """Decode offsets into boxes (D2L 9.4.3): ``forward(anchors, offsets) -> boxes``.

    Parameters
    ----------
    variances : (float, float, float, float)
        Offset divisors.
    clip : float, optional
        Upper bound of the scaled width/height offsets before ``exp``.
    box_format : {"corner", "center"}
        Format of the anchors and of the returned boxes.
    """

    def __init__(self, variances=DEFAULT_VARIANCES, clip=None, box_format="corner", **kwargs):
        super().__init__(**kwargs)
        self._variances = _check_variances(variances)
        self._clip = clip
        self._center = _check_format(box_format) == "center"

    def hybrid_forward(self, F, anchors, offsets):
        if self._center:
            anchors = box_center_to_corner(F, anchors)
        boxes = decode_boxes(F, anchors, offsets, self._variances, self._clip)
        return box_corner_to_center(F, boxes) if self._center else boxes
