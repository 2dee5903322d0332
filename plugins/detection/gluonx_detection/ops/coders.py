"""Offset encoding and decoding of boxes relative to anchors, with variances (D2L 9.4.3), ``F.*`` only.

For an anchor with centre ``(xa, ya)`` and size ``(wa, ha)`` and a box ``(xb, yb, wb, hb)``::

    offset = ((xb - xa) / wa / vx, (yb - ya) / ha / vy, log(eps + wb / wa) / vw, log(eps + hb / ha) / vh)

The book's constants 10 and 5 are the default variances ``(0.1, 0.1, 0.2, 0.2)``; the same encoding is
gluoncv's ``NormalizedBoxCenterEncoder`` / ``NormalizedBoxCenterDecoder`` and MXNet's MultiBox ops.
Anchors and boxes are in corner format.

The blocks compute the same formulas with few operators: the centres and sizes of anchors and boxes are linear
in their coordinates, so each is one ``dot`` with a constant ``(4, 4)`` matrix built once from the variances
and the box format (:func:`_coder_matrices`); ``BoxDecoder`` runs MXNet's fused ``contrib.box_decode`` unless
``portable=True``.
"""
import numpy as np
from mxnet.gluon import HybridBlock
from mxnet.ndarray import NDArray

from .box_convert import CORNER_TO_CENTER, box_center_to_corner, box_coordinates, box_corner_to_center

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


# (cx, cy, w, h) -> (cx, cy, 0, 0), (w, h, w, h) and (cx, cy, cx, cy).
_KEEP_CENTRE = np.diag([1.0, 1.0, 0.0, 0.0]).astype("float32")
_SIZES_TWICE = np.array([[0, 0, 0, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1]], dtype="float32")
_CENTRE_TWICE = np.array([[1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 0, 0], [0, 0, 0, 0]], dtype="float32")


def _coder_matrices(variances, center):
    """Constants of the one-``dot`` coders for boxes in center (``center=True``) or corner format.

    Returns a dict of float32 arrays: ``to_center`` (box -> ``(cx, cy, w, h)``), ``anchor_centre``
    (anchor -> ``(cx, cy, 0, 0)``), ``anchor_sizes`` (anchor -> ``(w, h, w, h)``), the encoder's output scales
    ``xy_scale = (1/vx, 1/vy, 0, 0)`` and ``wh_scale = (0, 0, 1/vw, 1/vh)``, and the decoder's
    ``decode_centre``, ``decode_shift``, ``decode_log_size`` and ``decode_half`` for corner output (center output
    when ``center``): ``boxes = a @ decode_centre + (o @ decode_shift + exp(o @ decode_log_size) * decode_half)
    * (a @ anchor_sizes)``.
    """
    vx, vy, vw, vh = variances
    to_center = np.eye(4, dtype="float32") if center else CORNER_TO_CENTER
    if center:
        decode_centre, decode_half = _KEEP_CENTRE, np.array([0, 0, 1, 1], "float32")
        decode_shift = np.diag([vx, vy, 0, 0])
        decode_log_size = np.diag([0, 0, vw, vh])
    else:
        decode_centre, decode_half = _CENTRE_TWICE, np.array([-0.5, -0.5, 0.5, 0.5], "float32")
        decode_shift = np.array([[vx, 0, vx, 0], [0, vy, 0, vy], [0, 0, 0, 0], [0, 0, 0, 0]])
        decode_log_size = np.array([[0, 0, 0, 0], [0, 0, 0, 0], [vw, 0, vw, 0], [0, vh, 0, vh]])
    as_float = lambda a: np.asarray(a, dtype="float32")  # noqa: E731
    return {"to_center": as_float(to_center), "anchor_centre": as_float(to_center @ _KEEP_CENTRE),
            "anchor_sizes": as_float(to_center @ _SIZES_TWICE),
            "xy_scale": as_float([1 / vx, 1 / vy, 0, 0]), "wh_scale": as_float([0, 0, 1 / vw, 1 / vh]),
            "decode_centre": as_float(to_center @ decode_centre), "decode_shift": as_float(decode_shift),
            "decode_log_size": as_float(decode_log_size), "decode_half": decode_half}


class BoxEncoder(HybridBlock):
    """Encode boxes as offsets from anchors (D2L 9.4.3): ``forward(anchors, boxes) -> offsets``.

    The same values as :func:`encode_boxes` with about a quarter of its operators (three ``dot`` with
    constants, then the ratio and the logarithm on all four columns at once). MXNet's fused
    ``contrib.box_encode`` is not used: it has no ``eps`` (an empty box gives ``-inf``, which the book's
    masked targets turn into NaN).

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
        constants = _coder_matrices(self._variances, self._center)
        # Added inside the logarithm: eps for the size ratios, 1 for the x/y columns, whose logarithm is
        # multiplied by 0 and must stay finite.
        constants["log_guard"] = np.array([1.0, 1.0, self._eps, self._eps], dtype="float32")
        for name in ("anchor_centre", "anchor_sizes", "xy_scale", "wh_scale", "log_guard") + (
                () if self._center else ("to_center",)):
            setattr(self, name, self.params.get_constant(name, constants[name]))

    def hybrid_forward(self, F, anchors, boxes, anchor_centre, anchor_sizes, xy_scale, wh_scale, log_guard,
                       to_center=None):
        centre = boxes if to_center is None else F.dot(boxes, to_center)          # (bx, by, bw, bh)
        # (bx - ax, by - ay, bw, bh) / (aw, ah, aw, ah): the x/y offsets and the size ratios at once.
        ratio = F.broadcast_div(F.broadcast_sub(centre, F.dot(anchors, anchor_centre)),
                                F.dot(anchors, anchor_sizes))
        log_ratio = F.log(F.broadcast_add(F.relu(ratio), log_guard))
        return F.broadcast_add(F.broadcast_mul(ratio, xy_scale), F.broadcast_mul(log_ratio, wh_scale))


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
    portable : bool
        By default MXNet's fused ``contrib.box_decode`` runs (anchors are first broadcast to the offsets, so
        per-image anchors work too; ONNX export converts it); ``portable=True`` computes the same boxes with
        four ``dot`` with constants and a few element-wise operators, which autograd can differentiate
        (``box_decode`` has no gradient).
    """

    def __init__(self, variances=DEFAULT_VARIANCES, clip=None, box_format="corner", portable=False, **kwargs):
        super().__init__(**kwargs)
        self._variances = _check_variances(variances)
        self._clip = None if clip is None else float(clip)
        self._center = _check_format(box_format) == "center"
        # box_decode ignores a clip <= 0; such a bound needs the composed form.
        self._portable = bool(portable) or (self._clip is not None and self._clip <= 0)
        constants = _coder_matrices(self._variances, self._center)
        names = (("decode_centre", "decode_shift", "decode_log_size", "decode_half", "anchor_sizes")
                 if self._portable else (("center_out",) if self._center else ()))
        constants["center_out"] = CORNER_TO_CENTER
        self._direct = self._building_direct = False
        for name in names:
            setattr(self, name, self.params.get_constant(name, constants[name]))

    def forward(self, anchors, offsets, *args):
        if not self._portable and isinstance(anchors, NDArray) and isinstance(offsets, NDArray):
            # (1, N, 4) anchors with (B, N, 4) offsets are box_decode's own layout: no reshape or broadcast
            # (each costs as much as the decoding at 1k boxes). A change of layout rebuilds the cached graph.
            anchor_shape, offset_shape = anchors.shape, offsets.shape
            direct = len(anchor_shape) == 3 and len(offset_shape) == 3 and anchor_shape[0] == 1
            if direct != self._direct:
                self._direct = direct
                self._clear_cached_op()
            self._building_direct = direct
            try:
                return super().forward(anchors, offsets, *args)
            finally:
                self._building_direct = False
        return super().forward(anchors, offsets, *args)

    def hybrid_forward(self, F, anchors, offsets, **constants):
        if not self._portable:
            # Inside a parent's symbolic graph the layout is unknown: the general form runs.
            if self._building_direct:
                return self._direct_decode(F, anchors, offsets, constants.get("center_out"))
            return self._fused(F, anchors, offsets, constants.get("center_out"))
        log_size = F.dot(offsets, constants["decode_log_size"])
        if self._clip is not None:
            log_size = F.minimum(log_size, self._clip)
        scale = F.broadcast_add(F.dot(offsets, constants["decode_shift"]),
                                F.broadcast_mul(F.exp(log_size), constants["decode_half"]))
        return F.broadcast_add(F.dot(anchors, constants["decode_centre"]),
                               F.broadcast_mul(scale, F.dot(anchors, constants["anchor_sizes"])))

    def _direct_decode(self, F, anchors, offsets, center_out):
        vx, vy, vw, vh = self._variances
        boxes = F.contrib.box_decode(offsets, anchors, vx, vy, vw, vh, clip=-1.0 if self._clip is None else self._clip,
                                     format="center" if self._center else "corner")
        return boxes if center_out is None else F.dot(boxes, center_out)

    def _fused(self, F, anchors, offsets, center_out):
        vx, vy, vw, vh = self._variances
        # box_decode reads one (1, N, 4) anchor set: broadcast per-image or lower-rank anchors to the offsets.
        anchors = F.broadcast_add(anchors, F.zeros_like(offsets))
        boxes = F.contrib.box_decode(F.reshape(offsets, (1, -1, 4)), F.reshape(anchors, (1, -1, 4)),
                                     vx, vy, vw, vh, clip=-1.0 if self._clip is None else self._clip,
                                     format="center" if self._center else "corner")
        if center_out is not None:
            boxes = F.dot(boxes, center_out)
        return F.reshape_like(boxes, offsets)
