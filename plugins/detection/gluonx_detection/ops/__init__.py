"""Box operations of D2L 9.3-9.4, one family per module, written with ``F.*`` only (hybridize, export)."""
from .anchors import AnchorGenerator, anchor_half_extents, multibox_prior
from .assign import AnchorAssigner, AnchorTargets, assign_anchors, multibox_target
from .box_convert import BoxCenterToCorner, BoxCornerToCenter, box_center_to_corner, box_corner_to_center
from .coders import DEFAULT_VARIANCES, BoxDecoder, BoxEncoder, decode_boxes, encode_boxes
from .iou import BoxIoU, batch_box_iou, box_iou
from .nms import BoxNMS, MultiBoxDetector, box_nms, multibox_detection
from .topk import TopKDetections, top_k_detections

__all__ = ["AnchorGenerator", "anchor_half_extents", "multibox_prior", "AnchorAssigner", "AnchorTargets",
           "assign_anchors", "multibox_target", "BoxCenterToCorner", "BoxCornerToCenter", "box_center_to_corner",
           "box_corner_to_center", "DEFAULT_VARIANCES", "BoxDecoder", "BoxEncoder", "decode_boxes",
           "encode_boxes", "BoxIoU", "batch_box_iou", "box_iou", "BoxNMS", "MultiBoxDetector", "box_nms",
           "multibox_detection", "TopKDetections", "top_k_detections"]

# region of interest pooling (D2L 9.8)
from .roi import RoIAlign, RoIPooling, roi_align, roi_pooling  # noqa: E402

__all__ += ["RoIAlign", "RoIPooling", "roi_align", "roi_pooling"]
