"""Detection models, one family per module: the book's TinySSD (D2L 9.7) and the inference wrapper that turns
a multibox detector's raw outputs into detections."""
from .inference import MultiBoxInference, tiny_ssd_detector
from .tiny_ssd import TinySSD, tiny_ssd

__all__ = ["TinySSD", "tiny_ssd", "MultiBoxInference", "tiny_ssd_detector"]
