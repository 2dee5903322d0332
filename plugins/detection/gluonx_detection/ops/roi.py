"""Region-of-interest pooling of Fast and Faster R-CNN (D2L 9.8.2), ``F.*`` only.

Both blocks take a feature map ``(B, C, H, W)`` and regions ``(R, 5)`` with rows
``(batch_index, xmin, ymin, xmax, ymax)`` in input-image pixels; ``spatial_scale`` maps them onto the feature
map (1/16 for a stride-16 backbone, or 1 when the regions are already in feature-map pixels). Each region
becomes a ``(C, pooled_h, pooled_w)`` map, so regions of any size feed the same fully connected head.

- :class:`RoIPooling` (Fast R-CNN, the book's ``nd.ROIPooling``): corners are rounded to feature pixels and the
  region is cut into ``pooled_h x pooled_w`` bins of about ``h / pooled_h`` rows and ``w / pooled_w`` columns
  (bins start at the floor and end at the ceiling of their fractional bounds, so neighbours may share a row);
  each bin gives its maximum.
- :class:`RoIAlign` (Mask R-CNN, He et al. 2017): no rounding; each bin averages ``sample_ratio^2`` points
  sampled by bilinear interpolation at regular positions inside it, so the pooled values move smoothly with
  the region.
"""
from mxnet.gluon import HybridBlock

__all__ = ["RoIPooling", "RoIAlign", "roi_pooling", "roi_align"]


def _pooled_size(pooled_size):
    if isinstance(pooled_size, int):
        pooled_size = (pooled_size, pooled_size)
    pooled_size = tuple(pooled_size)
    if len(pooled_size) != 2 or any(isinstance(s, bool) or int(s) != s or s < 1 for s in pooled_size):
        raise ValueError("pooled_size must be a positive int or (height, width) of positive ints, got {!r}".format(
            pooled_size))
    return tuple(int(s) for s in pooled_size)


def _spatial_scale(spatial_scale, at_most=None):
    spatial_scale = float(spatial_scale)
    if not spatial_scale > 0 or (at_most is not None and spatial_scale > at_most):
        raise ValueError("spatial_scale must be in (0, {}], got {!r}".format(at_most or "inf", spatial_scale))
    return spatial_scale


def _sample_ratio(sample_ratio):
    if isinstance(sample_ratio, bool) or int(sample_ratio) != sample_ratio or (sample_ratio < 1
                                                                                and sample_ratio != -1):
        raise ValueError("sample_ratio must be a positive integer or -1 (adaptive), got {!r}".format(sample_ratio))
    return int(sample_ratio)


def roi_pooling(F, features, rois, pooled_size=(7, 7), spatial_scale=1.0):
    """Max pooling of every region into ``pooled_size`` bins (Fast R-CNN's RoI pooling, D2L 9.8.2).

    Parameters
    ----------
    F : module
        ``mx.nd`` or ``mx.sym``.
    features : NDArray or Symbol
        ``(B, C, H, W)`` feature map.
    rois : NDArray or Symbol
        ``(R, 5)`` rows ``(batch_index, xmin, ymin, xmax, ymax)`` in input pixels.
    pooled_size : int or (int, int)
        ``(pooled_h, pooled_w)`` bins per region.
    spatial_scale : float
        Feature-map pixels per input pixel, in (0, 1].

    Returns
    -------
    NDArray or Symbol
        ``(R, C, pooled_h, pooled_w)``.

    References
    ----------
    D2L 9.8.2 (Fast R-CNN, region of interest pooling); Girshick, Fast R-CNN (2015).
    """
    # the op refuses scales above 1 (a feature map finer than the input)
    return F.ROIPooling(features, rois, pooled_size=_pooled_size(pooled_size),
                        spatial_scale=_spatial_scale(spatial_scale, at_most=1.0))


def roi_align(F, features, rois, pooled_size=(7, 7), spatial_scale=1.0, sample_ratio=2):
    """Average of bilinearly sampled points in each of ``pooled_size`` bins of every region (RoIAlign).

    Parameters
    ----------
    sample_ratio : int
        Points per bin along each axis; ``-1`` takes ``ceil(region size / pooled size)`` per region.
        See :func:`roi_pooling` for the other arguments.

    References
    ----------
    D2L 9.8.4 (Mask R-CNN's region of interest alignment); He et al., Mask R-CNN (2017).
    """
    sample_ratio = _sample_ratio(sample_ratio)
    kwargs = dict(pooled_size=_pooled_size(pooled_size), spatial_scale=_spatial_scale(spatial_scale))
    if sample_ratio != -1:
        # left out when adaptive: the op's default is the adaptive -1, and the ONNX converter then writes
        # RoiAlign's adaptive 0
        kwargs["sample_ratio"] = int(sample_ratio)
    return F.contrib.ROIAlign(features, rois, **kwargs)


class RoIPooling(HybridBlock):
    """Fast R-CNN's region of interest pooling as a block (D2L 9.8.2):
    ``forward(features (B, C, H, W), rois (R, 5)) -> (R, C, pooled_h, pooled_w)``; see :func:`roi_pooling`.

    Examples
    --------
    The book's example (D2L 9.8.2): a 4x4 map, two regions, 2x2 bins.

    >>> import mxnet as mx
    >>> X = mx.nd.arange(16).reshape((1, 1, 4, 4))
    >>> rois = mx.nd.array([[0, 0, 0, 20, 20], [0, 0, 10, 30, 30]])
    >>> RoIPooling((2, 2), spatial_scale=0.1)(X, rois).reshape((2, 4)).asnumpy().tolist()
    [[5.0, 6.0, 9.0, 10.0], [9.0, 11.0, 13.0, 15.0]]
    """

    def __init__(self, pooled_size=(7, 7), spatial_scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self._pooled_size = _pooled_size(pooled_size)
        self._spatial_scale = _spatial_scale(spatial_scale, at_most=1.0)

    def hybrid_forward(self, F, features, rois):
        return roi_pooling(F, features, rois, self._pooled_size, self._spatial_scale)


class RoIAlign(HybridBlock):
    """Region of interest alignment as a block (D2L 9.8.4, used by Faster and Mask R-CNN):
    ``forward(features (B, C, H, W), rois (R, 5)) -> (R, C, pooled_h, pooled_w)``; see :func:`roi_align`."""

    def __init__(self, pooled_size=(7, 7), spatial_scale=1.0, sample_ratio=2, **kwargs):
        super().__init__(**kwargs)
        self._pooled_size = _pooled_size(pooled_size)
        self._spatial_scale = _spatial_scale(spatial_scale)
        self._sample_ratio = _sample_ratio(sample_ratio)

    def hybrid_forward(self, F, features, rois):
        return roi_align(F, features, rois, self._pooled_size, self._spatial_scale, self._sample_ratio)
