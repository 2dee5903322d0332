"""Faster R-CNN (D2L 9.8.3): a backbone, a region proposal network, RoIAlign and a box head.

The region proposal network (RPN) slides a 3x3 convolution over the backbone's feature map and predicts, for
the anchors of every pixel (D2L 9.4.1), an objectness score and box offsets. Decoded, clipped and reduced by
non-maximum suppression, the best-scoring boxes are the proposals (region of interest). RoIAlign cuts a fixed
``pooled_size`` map out of the features for each proposal; two fully connected layers then give class scores
(background first) and one set of box offsets per class. At inference the offsets of every class are decoded
against the proposal, and per-class NMS and top-k give the detections.

Every box here is a corner box normalized to [0, 1] of the input image; offsets use the plugin's encoding with
variances (:mod:`gluonx_detection.ops.coders`). Training (both losses, the sampling of anchors and regions) is
the ``faster_rcnn`` task: :mod:`gluonx_detection.rcnn_task`.
"""
from mxnet.gluon import HybridBlock, nn

from ..ops.anchors import AnchorGenerator
from ..ops.coders import DEFAULT_VARIANCES, decode_boxes
from ..ops.roi import roi_align, roi_pooling
from ..ops.topk import top_k_detections
from .ssd import resnet_stages
from .tiny_ssd import _flatten_prediction

__all__ = ["FasterRCNN", "RegionProposalNetwork", "ProposalLayer", "RoIBoxHead", "faster_rcnn"]

#: Anchor sizes and ratios of the RPN (the book's ``n + m - 1`` anchors per pixel, D2L 9.4.1).
RPN_SIZES = (0.25, 0.4, 0.6)
RPN_RATIOS = (1.0, 2.0, 0.5)


def _positive_int(name, value):
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise ValueError("{} must be a positive integer, got {!r}".format(name, value))
    return int(value)


def _fraction(name, value):
    value = float(value)
    if not 0 < value <= 1:
        raise ValueError("{} must be in (0, 1], got {!r}".format(name, value))
    return value


def _axis_size(F, data, axis):
    """The size of ``data`` along ``axis`` as a ``(1,)`` array (no shape in the graph: the axis stays dynamic)."""
    return F.sum(F.ones_like(F.contrib.arange_like(data, axis=axis)), keepdims=True)


class RegionProposalNetwork(HybridBlock):
    """The RPN of Faster R-CNN (D2L 9.8.3): ``forward(features (B, C, H, W)) -> (anchors (1, A, 4),
    objectness logits (B, A), offsets (B, A, 4))`` with ``A = H * W * anchors per pixel``.

    Parameters
    ----------
    channels : int
        Channels of the 3x3 convolution.
    sizes, ratios : sequence of float
        Anchor sizes (relative to the image) and width/height ratios.
    """

    def __init__(self, channels=64, sizes=RPN_SIZES, ratios=RPN_RATIOS, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.anchor_generator = AnchorGenerator(sizes, ratios, portable=True)
            per_pixel = self.anchor_generator.num_anchors
            self.conv = nn.Conv2D(_positive_int("channels", channels), kernel_size=3, padding=1,
                                  activation="relu")
            self.score = nn.Conv2D(per_pixel, kernel_size=1)
            self.offset = nn.Conv2D(per_pixel * 4, kernel_size=1)

    def hybrid_forward(self, F, features):
        anchors = self.anchor_generator(features)
        hidden = self.conv(features)
        logits = _flatten_prediction(F, self.score(hidden))                         # (B, H*W*per_pixel)
        offsets = F.reshape(_flatten_prediction(F, self.offset(hidden)), (0, -1, 4))
        return anchors, logits, offsets


class ProposalLayer(HybridBlock):
    """From RPN outputs to proposals (D2L 9.8.3): decode the offsets against the anchors, clip to the image,
    class-agnostic NMS on the objectness, keep the ``num_proposals`` best.

    ``forward(anchors (1, A, 4), logits (B, A), offsets (B, A, 4)) -> (proposals (B, N, 4), scores (B, N))``,
    scores the sigmoid of the objectness; rows left empty by NMS (fewer than N boxes survive) are -1 in both.
    ``num_proposals`` must not exceed ``A``. NMS runs over every anchor (no pre-NMS top-k: small maps).

    Parameters
    ----------
    num_proposals : int
        Proposals kept per image.
    iou_threshold : float
        NMS threshold (Faster R-CNN's 0.7).
    variances : (float, float, float, float)
        Offset divisors of the encoding.
    """

    def __init__(self, num_proposals=32, iou_threshold=0.7, variances=DEFAULT_VARIANCES, **kwargs):
        super().__init__(**kwargs)
        self.num_proposals = _positive_int("num_proposals", num_proposals)
        self._iou_threshold = _fraction("iou_threshold", iou_threshold)
        self._variances = variances

    def hybrid_forward(self, F, anchors, logits, offsets):
        scores = F.expand_dims(F.sigmoid(logits), axis=-1)                            # (B, A, 1)
        boxes = F.clip(decode_boxes(F, anchors, offsets, self._variances), 0.0, 1.0)   # (B, A, 4)
        kept = F.contrib.box_nms(F.concat(scores, boxes, dim=-1), overlap_thresh=self._iou_threshold,
                                 valid_thresh=0.0, topk=-1, coord_start=1, score_index=0, id_index=-1,
                                 force_suppress=True, in_format="corner", out_format="corner")
        kept = F.slice_axis(kept, axis=1, begin=0, end=self.num_proposals)           # best first
        proposals = F.slice_axis(kept, axis=-1, begin=1, end=5)
        return proposals, F.reshape(F.slice_axis(kept, axis=-1, begin=0, end=1), (0, -1))


def proposals_to_rois(F, features, proposals):
    """``(B * N, 5)`` RoIAlign rows ``(batch index, corners in feature-map pixels)`` from normalized
    ``proposals (B, N, 4)``; the feature map's size is read from the data, so any input size works."""
    height, width = _axis_size(F, features, 2), _axis_size(F, features, 3)
    scale = F.reshape(F.concat(width, height, width, height, dim=0), (1, 1, 4))
    pixels = F.broadcast_mul(proposals, scale)
    first = F.slice_axis(proposals, axis=-1, begin=0, end=1)                        # (B, N, 1)
    index = F.broadcast_like(F.reshape(F.contrib.arange_like(proposals, axis=0), (-1, 1, 1)), first)
    return F.reshape(F.concat(index, pixels, dim=-1), (-1, 5))


class RoIBoxHead(HybridBlock):
    """RoIAlign (or RoI pooling) of every region from the features, two fully connected layers, class scores
    and per-class offsets (D2L 9.8.2-9.8.3).

    ``forward(features (B, C, H, W), regions (B, N, 4)) -> (class_scores (B*N, num_classes + 1),
    offsets (B*N, num_classes * 4))``, flat over the regions (the caller knows its ``N``): unnormalized
    scores with the background in column 0, offsets of class ``c`` in columns ``4c .. 4c + 3``.

    Parameters
    ----------
    num_classes : int
        Object classes.
    pooled_size : int
        RoIAlign output side.
    hidden : int
        Units of the two fully connected layers.
    sample_ratio : int
        RoIAlign's samples per bin and axis.
    pooling : {"align", "pool"}
        :class:`~gluonx_detection.ops.RoIAlign` (Mask R-CNN's, the default) or Fast R-CNN's
        :class:`~gluonx_detection.ops.RoIPooling`.
    """

    def __init__(self, num_classes, pooled_size=7, hidden=128, sample_ratio=2, pooling="align", **kwargs):
        super().__init__(**kwargs)
        if pooling not in ("align", "pool"):
            raise ValueError("pooling must be 'align' or 'pool', got {!r}".format(pooling))
        self._pooling = pooling
        self.num_classes = _positive_int("num_classes", num_classes)
        self._pooled_size = (_positive_int("pooled_size", pooled_size),) * 2
        self._sample_ratio = int(sample_ratio)
        with self.name_scope():
            self.fc = nn.HybridSequential()
            self.fc.add(nn.Dense(_positive_int("hidden", hidden), activation="relu"),
                        nn.Dense(hidden, activation="relu"))
            self.class_predictor = nn.Dense(self.num_classes + 1)
            self.box_predictor = nn.Dense(self.num_classes * 4)

    def hybrid_forward(self, F, features, regions):
        rois = proposals_to_rois(F, features, regions)
        if self._pooling == "pool":
            pooled = roi_pooling(F, features, rois, self._pooled_size, spatial_scale=1.0)
        else:
            pooled = roi_align(F, features, rois, self._pooled_size, spatial_scale=1.0,
                               sample_ratio=self._sample_ratio)
        hidden = self.fc(pooled)
        return self.class_predictor(hidden), self.box_predictor(hidden)


class FasterRCNN(HybridBlock):
    """Faster R-CNN (D2L 9.8.3) on the core's ResNet-18 layout cut at stride 16.

    ``forward(x (B, 3, H, W)) -> (boxes (B, K, 4), scores (B, K), class_ids (B, K))``: normalized corner boxes,
    the class probability, class ids without the background; rows beyond the detections found have score and
    class id -1. The parts are children the ``faster_rcnn`` training step calls one by one:
    ``backbone``, ``rpn`` (:class:`RegionProposalNetwork`), ``proposer`` / ``train_proposer``
    (:class:`ProposalLayer`, inference and training counts) and ``head`` (:class:`RoIBoxHead`).

    Parameters
    ----------
    num_classes : int
        Object classes.
    layers, channels, stem_channels
        The residual backbone (its first three stages are used; see
        :class:`~gluonx_detection.models.ssd.ResNetSSD`).
    rpn_channels : int
        Channels of the RPN's 3x3 convolution.
    anchor_sizes, anchor_ratios : sequence of float
        RPN anchors.
    num_proposals, num_train_proposals : int
        Proposals kept after NMS at inference and during training.
    rpn_iou_threshold : float
        NMS threshold of the proposals.
    pooled_size, hidden, sample_ratio, pooling
        The box head (:class:`RoIBoxHead`): RoIAlign (``pooling="align"``) or RoI pooling (``"pool"``).
    iou_threshold : float
        Per-class NMS threshold of the detections.
    score_threshold : float
        Detections below this class probability are dropped.
    topk : int
        Detections per image (at most ``num_proposals * num_classes``).
    variances : (float, float, float, float)
        Offset divisors of the RPN's and the head's box encoding (the plugin's defaults).

    Examples
    --------
    >>> import mxnet as mx
    >>> net = FasterRCNN(num_classes=3)
    >>> net.initialize()
    >>> [a.shape for a in net(mx.nd.zeros((2, 3, 64, 64)))]
    [(2, 20, 4), (2, 20), (2, 20)]

    References
    ----------
    D2L 9.8.3 (Faster R-CNN), 9.8.2 (RoI pooling), 9.8.4 (RoIAlign); Ren et al., Faster R-CNN (2015).
    """

    def __init__(self, num_classes=1, layers=(2, 2, 2, 2), channels=(16, 32, 64, 128), stem_channels=16,
                 rpn_channels=64, anchor_sizes=RPN_SIZES, anchor_ratios=RPN_RATIOS, num_proposals=32,
                 num_train_proposals=64, rpn_iou_threshold=0.7, pooled_size=4, hidden=128, sample_ratio=2,
                 pooling="align", iou_threshold=0.5, score_threshold=0.05, topk=20, variances=DEFAULT_VARIANCES,
                 **kwargs):
        super().__init__(**kwargs)
        self.num_classes = _positive_int("num_classes", num_classes)
        self.topk = _positive_int("topk", topk)
        if self.topk > num_proposals * self.num_classes:
            raise ValueError("topk={} exceeds num_proposals * num_classes = {}".format(
                topk, num_proposals * self.num_classes))
        self._iou_threshold = _fraction("iou_threshold", iou_threshold)
        self._score_threshold = float(score_threshold)
        self._variances = variances
        with self.name_scope():
            self.backbone = nn.HybridSequential()
            self.backbone.add(*resnet_stages(layers, channels, stem_channels)[:2])      # stride 16
            self.rpn = RegionProposalNetwork(rpn_channels, anchor_sizes, anchor_ratios)
            self.proposer = ProposalLayer(num_proposals, rpn_iou_threshold, variances)
            self.train_proposer = ProposalLayer(num_train_proposals, rpn_iou_threshold, variances)
            self.head = RoIBoxHead(self.num_classes, pooled_size, hidden, sample_ratio, pooling)

    def detect(self, F, proposals, proposal_scores, class_scores, offsets):
        """Detections from the head's outputs for ``N = proposer.num_proposals`` regions per image:
        softmax, per-class decoding against the proposal, per-class NMS, top-k."""
        classes, count = self.num_classes, self.proposer.num_proposals
        probs = F.slice_axis(F.softmax(F.reshape(class_scores, (-1, count, classes + 1)), axis=-1),
                             axis=-1, begin=1, end=None)                                   # (B, N, C)
        # regions that NMS left empty (score -1) score nothing ("> -0.5": ONNX export converts _greater_scalar,
        # not _greater_equal_scalar)
        probs = F.broadcast_mul(probs, F.expand_dims(proposal_scores > -0.5, axis=-1))
        offsets = F.reshape(offsets, (-1, count, classes, 4))
        boxes = F.clip(decode_boxes(F, F.expand_dims(proposals, axis=2), offsets, self._variances), 0.0, 1.0)
        class_ids = F.broadcast_like(F.reshape(F.contrib.arange_like(probs, axis=2), (1, 1, -1, 1)),
                                     F.expand_dims(probs, axis=-1))
        rows = F.concat(class_ids, F.expand_dims(probs, axis=-1), boxes, dim=-1)           # (B, N, C, 6)
        # one NMS per (image, class): classes folded into the batch axis make NMS class-aware in every
        # backend, including converters that suppress across classes
        rows = F.reshape(F.transpose(rows, axes=(0, 2, 1, 3)), (-1, 0, 0), reverse=True)  # (B*C, N, 6)
        kept = F.contrib.box_nms(rows, overlap_thresh=self._iou_threshold, valid_thresh=self._score_threshold,
                                 topk=-1, coord_start=2, score_index=1, id_index=-1, force_suppress=True,
                                 in_format="corner", out_format="corner")
        kept = top_k_detections(F, F.reshape(kept, (-1, classes * count, 6)), self.topk)    # (B, K, 6)
        scores = F.reshape(F.slice_axis(kept, axis=-1, begin=1, end=2), (0, -1))
        class_ids = F.reshape(F.slice_axis(kept, axis=-1, begin=0, end=1), (0, -1))
        class_ids = F.where(scores > -0.5, class_ids, F.ones_like(class_ids) * -1)
        return F.slice_axis(kept, axis=-1, begin=2, end=6), scores, class_ids

    def export_options(self):
        """What ``gluonx export`` records for this net (it returns detections already, so it is exported as
        it is): outputs named ``boxes`` (corners normalized to [0, 1] of the input), ``scores`` and
        ``class_ids``; pictures letterboxed to the input size, as for the detection task's exports."""
        return {"output_names": ["boxes", "scores", "class_ids"],
                "postprocessing": {"outputs": {
                    "boxes": {"kind": "boxes", "format": "corner", "normalized": True},
                    "scores": {"kind": "scores"}, "class_ids": {"kind": "class_ids"}}},
                "preprocessing": {"resize": "letterbox"}}

    def hybrid_forward(self, F, x):
        features = self.backbone(x)
        anchors, logits, offsets = self.rpn(features)
        proposals, proposal_scores = self.proposer(anchors, logits, offsets)
        class_scores, box_offsets = self.head(features, proposals)
        return self.detect(F, proposals, proposal_scores, class_scores, box_offsets)


def faster_rcnn(num_classes=1, **kwargs):
    """Faster R-CNN with RoIAlign on a ResNet-18-layout backbone (D2L 9.8.3); see :class:`FasterRCNN`."""
    return FasterRCNN(num_classes=num_classes, **kwargs)
