"""From a multibox detector's raw outputs to detections: softmax, decoding, NMS, top-k (D2L 9.7.4)."""
from mxnet.gluon import HybridBlock

from ..ops.coders import DEFAULT_VARIANCES
from ..ops.nms import MultiBoxDetector
from ..ops.topk import TopKDetections

__all__ = ["MultiBoxInference", "tiny_ssd_detector"]


class MultiBoxInference(HybridBlock):
    """Wrap a net returning ``(anchors (1, A, 4), class_preds (B, A, C + 1), box_preds (B, A*4))`` (the
    book's TinySSD, any SSD) into one that returns detections: the softmax of the class scores, offsets
    decoded against the anchors, class-aware NMS and the ``topk`` best rows (the book's ``predict``,
    D2L 9.7.4, with the plugin's :class:`~gluonx_detection.ops.MultiBoxDetector`).

    ``forward(x) -> (boxes (B, K, 4), scores (B, K), class_ids (B, K))``: corners normalized to [0, 1],
    class ids without the background, best score first (equal scores in the detector's order); rows past
    the detections (suppressed or scored below ``score_threshold``) are -1 throughout. The inner net keeps
    its own parameters (``self.net``), so weights trained on it are used as they are.

    Both detectors already return their kept rows by descending score, so the top-k only moves the kept
    rows to the front, keyed by row position: MXNet's ``topk`` orders equal keys arbitrarily, and a
    score key would leave every dropped row (and equal scores) tied, which no ONNX runtime reproduces.

    Parameters
    ----------
    net : HybridBlock
        The detector (trained or not).
    iou_threshold : float
        NMS threshold (the book's 0.5), in (0, 1]; 1 suppresses identical boxes only.
    score_threshold : float
        Detections below this score are dropped.
    topk : int
        Detections kept per image (at most the number of anchors).
    portable : bool
        Compose decoding and NMS from ``F.*`` operators (``box_nms``) instead of MXNet's fused
        ``contrib.MultiBoxDetection``; both run class-aware NMS.
    """

    def __init__(self, net, iou_threshold=0.5, score_threshold=0.01, topk=100, variances=DEFAULT_VARIANCES,
                 portable=False, **kwargs):
        super().__init__(**kwargs)
        self.net = net
        self.topk = int(topk)
        if self.topk < 1:
            raise ValueError("topk must be at least 1, got {!r}".format(topk))
        # outside (0, 1] the fused operator neither sorts nor suppresses: the rows would stay in anchor order
        if not 0 < float(iou_threshold) <= 1:
            raise ValueError("iou_threshold must be in (0, 1], got {!r}".format(iou_threshold))
        with self.name_scope():
            self.detector = MultiBoxDetector(iou_threshold=iou_threshold, score_threshold=score_threshold,
                                             class_aware=True, variances=variances, clip=True, portable=portable)
            self.best = TopKDetections(self.topk, score_index=6)

    def hybrid_forward(self, F, x):
        anchors, class_preds, box_preds = self.net(x)
        probs = F.transpose(F.softmax(class_preds, axis=-1), axes=(0, 2, 1))        # (B, C + 1, A)
        detections = self.detector(probs, box_preds, anchors)                      # (B, A, 6)
        # MultiBoxDetection marks suppressed rows by class -1 but keeps their score and box: blank them
        kept = F.slice_axis(detections, axis=-1, begin=0, end=1) >= 0               # (B, A, 1)
        detections = F.where(F.broadcast_like(kept, detections), detections, F.ones_like(detections) * -1)
        # unique keys (exact in float32 below 2 ** 23 rows): kept rows first, each group in row order
        position = F.broadcast_like(F.reshape(F.contrib.arange_like(detections, axis=1), (1, -1, 1)), kept)
        key = F.where(kept, -position, -position - 2 ** 23)
        detections = self.best(F.concat(detections, key, dim=-1))                  # (B, K, 7)
        class_ids = F.reshape(F.slice_axis(detections, axis=-1, begin=0, end=1), (0, -1))
        scores = F.reshape(F.slice_axis(detections, axis=-1, begin=1, end=2), (0, -1))
        boxes = F.slice_axis(detections, axis=-1, begin=2, end=6)
        return boxes, scores, class_ids


def tiny_ssd_detector(num_classes=1, iou_threshold=0.5, score_threshold=0.01, topk=100, portable=False,
                      **kwargs):
    """A :class:`~gluonx_detection.models.tiny_ssd.TinySSD` wrapped in :class:`MultiBoxInference`
    (D2L 9.7.4): images in, ``(boxes, scores, class_ids)`` out. ``kwargs`` go to TinySSD."""
    from .tiny_ssd import TinySSD
    return MultiBoxInference(TinySSD(num_classes=num_classes, **kwargs), iou_threshold=iou_threshold,
                             score_threshold=score_threshold, topk=topk, portable=portable)
