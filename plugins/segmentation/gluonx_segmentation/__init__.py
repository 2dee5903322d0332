"""gluonx segmentation plugin: D2L 9.9-9.10 (segmentation data, bilinear transposed convolution, FCN, mIoU).

Modules (importing this package imports none of them, nor MXNet):

- :mod:`~gluonx_segmentation.plugin` -- the hook implementations (lazy ``"module:attr"`` entries);
- :mod:`~gluonx_segmentation.nn` -- the transposed convolution with bilinear initialization;
- :mod:`~gluonx_segmentation.models` -- the book's FCN on the core's ResNet-18; gluoncv's FCN, PSPNet and
  DeepLabV3 with a forward pass free of sizes (:mod:`~gluonx_segmentation.models.gluoncv_zoo`);
- :mod:`~gluonx_segmentation.onnx` -- ONNX converters that keep those dynamic in height and width;
- :mod:`~gluonx_segmentation.augment` -- joint image/mask augmentation for training;
- :mod:`~gluonx_segmentation.metrics` -- pixel accuracy and mean IoU from an on-device confusion matrix;
- :mod:`~gluonx_segmentation.data` -- Pascal VOC segmentation folders, a generic image/mask folder, the
  embedded ``segmentation_shapes`` scenes and the VOC colour map;
- :mod:`~gluonx_segmentation.task` -- the ``segmentation`` task (crops, per-pixel cross-entropy ignoring 255).

``gluonx predict`` writes any segmenter's mask through the core's ``mask`` postprocessing kind, which the
``segmentation`` task declares when it exports. Documentation: ``docs/segmentation.md``.
"""
from gluonx.utils.lazy import lazy_getattr

_PUBLIC = {
    "nn": "gluonx_segmentation.nn",
    "models": "gluonx_segmentation.models",
    "metrics": "gluonx_segmentation.metrics",
    "data": "gluonx_segmentation.data",
    "BilinearUpsampling": "gluonx_segmentation.nn.upsampling:BilinearUpsampling",
    "bilinear_kernel": "gluonx_segmentation.nn.upsampling:bilinear_kernel",
    "FCN": "gluonx_segmentation.models.fcn:FCN",
    "fcn_resnet18": "gluonx_segmentation.models.fcn:fcn_resnet18",
    "GluonCVSegmenter": "gluonx_segmentation.models.gluoncv_zoo:GluonCVSegmenter",
    "segmentation_augmentation": "gluonx_segmentation.augment:segmentation_augmentation",
    "PixelAccuracy": "gluonx_segmentation.metrics:PixelAccuracy",
    "MeanIoU": "gluonx_segmentation.metrics:MeanIoU",
    "VOCSegmentation": "gluonx_segmentation.data.voc:VOCSegmentation",
    "FolderSegmentation": "gluonx_segmentation.data.folder:FolderSegmentation",
    "ShapesSegmentation": "gluonx_segmentation.data.shapes:ShapesSegmentation",
    "SegmentationTask": "gluonx_segmentation.task:SegmentationTask",
}

__all__ = sorted(_PUBLIC)


# Lazy: `import gluonx_segmentation` (done by plugin discovery) must not import MXNet.
__getattr__ = lazy_getattr(__name__, _PUBLIC)
