"""Joint augmentation of an image with its boxes and mask (D2L 9.1; SSD's box-aware augmentation, D2L 9.7).

A transform is called as ``transform(sample, rng)``: ``sample`` is a dict with an ``"image"`` ``(H, W, C)``
(NumPy array or MXNet NDArray on any context) and optional ``"boxes"`` ``(N, 4)`` pixel corners,
``"labels"``/``"weights"`` per-box rows and ``"mask"`` ``(H, W)`` class map; ``rng`` is a
``numpy.random.Generator``, normally ``sample_rng(seed, epoch, index)``. One random draw moves the image,
the boxes and the mask together. See docs/augmentation.md.

- :mod:`~gluonx.data.transforms.pipeline` — samples, :func:`sample_rng`, :class:`Compose`,
  :class:`AugmentedDataset` (data-loader workers);
- :mod:`~gluonx.data.transforms.geometry` — :func:`resize_bilinear`, :class:`Resize`, flips, rotation;
- :mod:`~gluonx.data.transforms.crop` — random resized crop, SSD's IoU crop, zoom-out;
- :mod:`~gluonx.data.transforms.colour` — :class:`ColorJitter`;
- :mod:`~gluonx.data.transforms.mix` — :class:`Cutout`, :class:`MixUp`;
- :mod:`~gluonx.data.transforms.presets` — :func:`detection_augmentation`, detection-label conversion and
  :func:`augmentation_from_option` (a task's ``augment`` option to a transform).
"""
from .colour import ColorJitter
from .crop import RandomExpand, RandomIoUCrop, RandomResizedCrop
from .geometry import RandomHorizontalFlip, RandomRotation, RandomVerticalFlip, Resize, resize_bilinear, resize_nearest
from .mix import Cutout, MixUp
from .pipeline import AugmentedDataset, Compose, SampleError, Transform, check_sample, sample_rng
from .presets import augmentation_from_option, detection_augmentation, detection_to_sample, sample_to_detection

__all__ = ["AugmentedDataset", "augmentation_from_option", "ColorJitter", "Compose", "Cutout", "MixUp",
           "RandomExpand", "RandomHorizontalFlip", "RandomIoUCrop", "RandomResizedCrop", "RandomRotation",
           "RandomVerticalFlip", "Resize", "SampleError", "Transform", "check_sample", "detection_augmentation",
           "detection_to_sample", "resize_bilinear", "resize_nearest", "sample_rng", "sample_to_detection"]
