"""gluonx detection plugin: D2L 9.3-9.8 (boxes, anchors, detection data, mAP, SSD and Faster R-CNN, training).

Modules (importing this package imports none of them, nor MXNet):

- :mod:`~gluonx_detection.plugin` -- the hook implementations (lazy ``"module:attr"`` entries);
- :mod:`~gluonx_detection.ops` -- box operations written with ``F.*`` only: conversions, IoU, anchors,
  anchor assignment, offset coders, NMS, top-k;
- :mod:`~gluonx_detection.metrics` -- VOC07 / VOC12 mAP and COCO mAP@[.5:.95];
- :mod:`~gluonx_detection.data` -- Pascal VOC, COCO JSON and RecordIO ``.lst``/``.rec`` loaders and the
  embedded ``detection_digits`` demo set;
- :mod:`~gluonx_detection.models` -- the book's TinySSD, an SSD on a ResNet-18 layout, Faster R-CNN with
  RoIAlign, gluoncv's SSD / YOLOv3 / Faster R-CNN / CenterNet, and :class:`MultiBoxInference` (decoding + NMS);
- :mod:`~gluonx_detection.task` -- the ``detection`` task (padded labels, box-aware augmentation, anchor
  targets, multibox loss); :mod:`~gluonx_detection.rcnn_task` -- the ``faster_rcnn`` task;
- :mod:`~gluonx_detection.evaluation` -- mAP of a trained detector on a dataset;
- :mod:`~gluonx_detection.onnx` -- ONNX converters of ``box_nms`` (per class) and ``MultiBoxDetection``,
  registered through the ``register_onnx_converters`` hook at the first ONNX conversion.

Documentation: ``docs/detection.md``.
"""
from gluonx.utils.lazy import lazy_getattr

_PUBLIC = {
    "ops": "gluonx_detection.ops",
    "metrics": "gluonx_detection.metrics",
    "data": "gluonx_detection.data",
    "VOC07MeanAP": "gluonx_detection.metrics.voc:VOC07MeanAP",
    "VOCMeanAP": "gluonx_detection.metrics.voc:VOCMeanAP",
    "COCOMeanAP": "gluonx_detection.metrics.coco:COCOMeanAP",
    "VOCDetection": "gluonx_detection.data.voc:VOCDetection",
    "COCODetection": "gluonx_detection.data.coco:COCODetection",
    "RecordIODetection": "gluonx_detection.data.recordio:RecordIODetection",
    "DigitsDetection": "gluonx_detection.data.digits_scenes:DigitsDetection",
    "models": "gluonx_detection.models",
    "TinySSD": "gluonx_detection.models.tiny_ssd:TinySSD",
    "MultiBoxInference": "gluonx_detection.models.inference:MultiBoxInference",
    "ResNetSSD": "gluonx_detection.models.ssd:ResNetSSD",
    "FasterRCNN": "gluonx_detection.models.faster_rcnn:FasterRCNN",
    "GluonCVDetector": "gluonx_detection.models.gluoncv_zoo:GluonCVDetector",
    "FasterRCNNTask": "gluonx_detection.rcnn_task:FasterRCNNTask",
    "DetectionTask": "gluonx_detection.task:DetectionTask",
    "evaluate_map": "gluonx_detection.evaluation:evaluate_map",
}

__all__ = sorted(_PUBLIC)


# Lazy: `import gluonx_detection` (done by plugin discovery) must not import MXNet.
__getattr__ = lazy_getattr(__name__, _PUBLIC)
