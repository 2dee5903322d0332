"""Anchor boxes centred on every pixel of a feature map (D2L 9.4.1), ``F.*`` only.

For ``n`` sizes and ``m`` ratios each pixel gets ``n + m - 1`` anchors: every size with the first ratio,
then the first size with every other ratio. Widths are scaled by ``H / W`` so that a ratio of 1 is square in
the input image of a rectangular feature map. The result equals ``mx.nd.contrib.MultiBoxPrior``.
"""
import math

from mxnet.gluon import HybridBlock
from mxnet.ndarray import NDArray

__all__ = ["anchor_half_extents", "multibox_prior", "AnchorGenerator"]


def anchor_half_extents(sizes, ratios):
    """The per-pixel anchor half-widths and half-heights (before the ``H / W`` correction), in the book's order.

    Parameters
    ----------
    sizes : sequence of float
        Anchor scales in (0, 1], relative to the image side.
    ratios : sequence of float
        Width/height ratios, positive.

    Returns
    -------
    list of tuple
        ``(half_width, half_height)`` per anchor of a pixel, ``len(sizes) + len(ratios) - 1`` of them.
    """
    sizes, ratios = [float(s) for s in sizes], [float(r) for r in ratios]
    if not sizes or not ratios:
        raise ValueError("anchors need at least one size and one ratio, got sizes={} ratios={}".format(
            sizes, ratios))
    if any(s <= 0 for s in sizes) or any(r <= 0 for r in ratios):
        raise ValueError("anchor sizes and ratios must be positive, got sizes={} ratios={}".format(sizes, ratios))
    shapes = [(s, ratios[0]) for s in sizes] + [(sizes[0], r) for r in ratios[1:]]
    return [(s * math.sqrt(r) / 2, s / math.sqrt(r) / 2) for s, r in shapes]


def _centres(F, data, axis, step, offset):
    """Centres ``(index + offset) * step`` along ``axis``; ``step`` <= 0 means ``1 / size`` of that axis."""
    index = F.contrib.arange_like(data, axis=axis)
    if step > 0:
        return (index + offset) * step, None
    count = F.sum(F.ones_like(index), keepdims=True)
    return F.broadcast_div(index + offset, count), count


def multibox_prior(F, data, extents, steps=(-1.0, -1.0), offsets=(0.5, 0.5), clip=False):
    """Anchors for every pixel of ``data`` (N, C, H, W), shape ``(1, H * W * A, 4)`` in corner format.

    Parameters
    ----------
    F : module
        ``mx.nd`` or ``mx.sym``.
    data : NDArray or Symbol
        The feature map; only its height and width are used.
    extents : NDArray or Symbol
        ``(A, 4)`` rows ``(-hw, -hh, hw, hh)`` from :func:`anchor_half_extents`.
    steps : (float, float)
        Distance between centres ``(step_y, step_x)`` in normalized units; ``-1`` means ``1 / H``, ``1 / W``.
    offsets : (float, float)
        Centre offset ``(offset_y, offset_x)`` within a pixel.
    clip : bool
        Clip coordinates to ``[0, 1]``.

    References
    ----------
    D2L 9.4.1 (``multibox_prior``).
    """
    centre_y, height = _centres(F, data, 2, steps[0], offsets[0])
    centre_x, width = _centres(F, data, 3, steps[1], offsets[1])
    grid_y = F.broadcast_add(F.expand_dims(centre_y, 1), F.zeros_like(F.expand_dims(centre_x, 0)))
    grid_x = F.broadcast_add(F.zeros_like(F.expand_dims(centre_y, 1)), F.expand_dims(centre_x, 0))
    centres = F.stack(grid_x, grid_y, grid_x, grid_y, axis=-1)              # (H, W, 4)
    if height is None:
        height = F.sum(F.ones_like(F.contrib.arange_like(data, axis=2)), keepdims=True)
    if width is None:
        width = F.sum(F.ones_like(F.contrib.arange_like(data, axis=3)), keepdims=True)
    aspect = height / width
    ones = F.ones_like(aspect)
    scale = F.concat(aspect, ones, aspect, ones, dim=0)                     # (4,)
    shifts = F.broadcast_mul(extents, F.expand_dims(scale, 0))             # (A, 4)
    anchors = F.broadcast_add(F.expand_dims(centres, 2), F.reshape(shifts, (1, 1, -1, 4)))
    anchors = F.reshape(anchors, (1, -1, 4))
    if clip:
        anchors = F.clip(anchors, 0.0, 1.0)
    return anchors


class AnchorGenerator(HybridBlock):
    """Generate the book's anchors for a feature map (D2L 9.4.1), equal to ``contrib.MultiBoxPrior``.

    Parameters
    ----------
    sizes : sequence of float
        Scales relative to the image, e.g. ``(0.75, 0.5, 0.25)``.
    ratios : sequence of float
        Width/height ratios, e.g. ``(1, 2, 0.5)``.
    steps : (float, float)
        ``(step_y, step_x)``; ``-1`` uses ``1 / H`` and ``1 / W`` of the feature map.
    offsets : (float, float)
        ``(offset_y, offset_x)`` of the centre within a pixel.
    clip : bool
        Clip to ``[0, 1]``.
    portable : bool
        By default the block runs MXNet's fused ``contrib.MultiBoxPrior`` (same values, faster);
        ``portable=True`` builds the anchors from ``arange_like`` and broadcasts, which ONNX export can
        convert (``MultiBoxPrior`` has no converter).

    Notes
    -----
    Anchors depend only on the feature map's height and width. A call with an NDArray (imperative or
    hybridized) therefore returns the anchors computed for that ``(H, W)``, context and dtype the first time,
    without running any operator: the same NDArray object each time, so do not modify it in place. Inside a
    parent's symbolic graph (hybridized parent, export) the anchors are computed by the graph as usual.

    Examples
    --------
    >>> import mxnet as mx
    >>> gen = AnchorGenerator(sizes=(0.75, 0.5), ratios=(1, 2))
    >>> gen.initialize()
    >>> gen(mx.nd.zeros((1, 8, 4, 4))).shape
    (1, 48, 4)
    """

    def __init__(self, sizes=(0.75, 0.5, 0.25), ratios=(1.0, 2.0, 0.5), steps=(-1.0, -1.0), offsets=(0.5, 0.5),
                 clip=False, portable=False, **kwargs):
        super().__init__(**kwargs)
        import numpy as np
        half = anchor_half_extents(sizes, ratios)
        self._sizes, self._ratios = tuple(float(s) for s in sizes), tuple(float(r) for r in ratios)
        self._portable = bool(portable)
        self._steps = tuple(float(s) for s in steps)
        self._offsets = tuple(float(o) for o in offsets)
        self._clip = bool(clip)
        self.num_anchors = len(half)
        if self._portable:
            table = np.array([(-hw, -hh, hw, hh) for hw, hh in half], dtype="float32")
            self.extents = self.params.get_constant("extents", table)

    #: Feature-map sizes whose anchors are kept (a detector has a handful of scales).
    cache_size = 32

    def forward(self, x, *args):
        if not isinstance(x, NDArray) or (self._active and not self._cached_graph):
            # Symbols build the graph; a freshly hybridized block must build its cached graph once so that
            # export() finds it.
            return super().forward(x, *args)
        key = (x.shape[2:], x.context, x.dtype)
        cache = self.__dict__.setdefault("_anchor_cache", {})
        anchors = cache.get(key)
        if anchors is None:
            anchors = super().forward(x, *args)
            if len(cache) >= self.cache_size:
                cache.pop(next(iter(cache)))
            cache[key] = anchors
        return anchors

    def _clear_cached_op(self):
        # Called by hybridize() and cast(): a new dtype or graph starts with no stored anchors.
        self.__dict__.pop("_anchor_cache", None)
        super()._clear_cached_op()

    def hybrid_forward(self, F, data, extents=None):
        if not self._portable:
            return F.contrib.MultiBoxPrior(data, sizes=self._sizes, ratios=self._ratios, clip=self._clip,
                                           steps=self._steps, offsets=self._offsets)
        return multibox_prior(F, data, extents, self._steps, self._offsets, self._clip)
