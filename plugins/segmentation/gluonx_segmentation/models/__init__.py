"""Segmentation models: the book's fully convolutional network on a ResNet-18 backbone (D2L 9.10); gluoncv's
FCN, PSPNet and DeepLabV3 are in :mod:`~gluonx_segmentation.models.gluoncv_zoo` (imported on demand: gluoncv)."""
from .fcn import FCN, fcn_resnet18

__all__ = ["FCN", "fcn_resnet18"]
