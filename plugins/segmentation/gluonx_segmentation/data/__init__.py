"""Segmentation data: Pascal VOC segmentation folders, a generic image/mask folder and the embedded
``segmentation_shapes`` scenes (D2L 9.9).

Every dataset yields ``(image, mask)``: ``image`` is ``(H, W, 3)`` uint8 RGB, ``mask`` is ``(H, W)`` uint8
class ids with 255 for pixels that are not scored. Importing this package imports none of the loaders.
"""
__all__ = ["SegmentationDataError", "VOCSegmentation", "FolderSegmentation", "ShapesSegmentation",
           "VOC_SEGMENTATION_CLASSES", "voc_palette", "colorize", "read_mask", "read_image"]

_WHERE = {"SegmentationDataError": "errors", "read_mask": "errors", "read_image": "errors",
          "VOCSegmentation": "voc", "VOC_SEGMENTATION_CLASSES": "voc", "FolderSegmentation": "folder",
          "ShapesSegmentation": "shapes", "voc_palette": "palette", "colorize": "palette"}


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError("module 'gluonx_segmentation.data' has no attribute {!r}".format(name))
    import importlib
    return getattr(importlib.import_module(__name__ + "." + _WHERE[name]), name)
