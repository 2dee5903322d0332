"""Detection data: real formats (Pascal VOC, COCO JSON, MXNet RecordIO) and the embedded demo set (D2L 9.6).

Every dataset yields ``(image, label)``: ``image`` is ``(H, W, 3)`` uint8 RGB, ``label`` is ``(N, 6)``
float32 rows ``(class, xmin, ymin, xmax, ymax, flag)`` in pixels, where ``flag`` is VOC's *difficult* or
COCO's *iscrowd* (0 elsewhere). Importing this package imports none of the loaders.
"""
__all__ = ["DetectionDataError", "VOCDetection", "COCODetection", "RecordIODetection", "ListDetection",
           "DigitsDetection"]

_WHERE = {"DetectionDataError": "errors", "VOCDetection": "voc", "COCODetection": "coco",
          "RecordIODetection": "recordio", "ListDetection": "recordio", "DigitsDetection": "digits_scenes"}


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError("module 'gluonx_detection.data' has no attribute {!r}".format(name))
    import importlib
    return getattr(importlib.import_module(__name__ + "." + _WHERE[name]), name)
