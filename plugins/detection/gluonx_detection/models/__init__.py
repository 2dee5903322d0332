"""Detection models, one family per module: the book's TinySSD (D2L 9.7) and the inference wrapper that turns
a multibox detector's raw outputs into detections."""
from .inference import MultiBoxInference, tiny_ssd_detector
from .tiny_ssd import TinySSD, tiny_ssd

__all__ = ["TinySSD", "tiny_ssd", "MultiBoxInference", "tiny_ssd_detector"]

# SSD on a residual backbone (D2L 9.7) and Faster R-CNN (D2L 9.8)
from .faster_rcnn import FasterRCNN, faster_rcnn  # noqa: E402
from .ssd import ResNetSSD, ssd_resnet18  # noqa: E402

__all__ += ["ResNetSSD", "ssd_resnet18", "FasterRCNN", "faster_rcnn"]
