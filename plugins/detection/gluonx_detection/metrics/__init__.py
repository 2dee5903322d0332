"""Detection metrics: Pascal VOC mAP (2007 11-point and 2010+ area) and COCO mAP@[.5:.95] (D2L 9.6)."""
from .coco import COCOMeanAP
from .voc import VOC07MeanAP, VOCMeanAP

__all__ = ["COCOMeanAP", "VOC07MeanAP", "VOCMeanAP"]
