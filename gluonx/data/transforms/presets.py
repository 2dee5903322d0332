"""Ready-made pipelines, and the conversion between detection datasets' ``(image, label)`` and samples.

References
----------
D2L 9.7 (SSD); Liu et al., *SSD: Single Shot MultiBox Detector*, 2016, 2.2 and 3.6 (the zoom-out).
"""
import numpy as np

from ._backend import to_host
from .colour import ColorJitter
from .crop import RandomExpand, RandomIoUCrop
from .geometry import RandomHorizontalFlip, Resize
from .pipeline import Compose, SampleError, _like

__all__ = ["augmentation_from_option", "detection_augmentation", "detection_to_sample", "sample_to_detection"]


def detection_augmentation(size, fill=0, max_expand=4.0, expand_p=0.5, min_ious=(0.1, 0.3, 0.5, 0.7, 0.9),
                           brightness=0.2, contrast=0.5, saturation=0.5, hue=0.05, flip_p=0.5):
    """SSD's box-aware training augmentation as a :class:`Compose` (D2L 9.7).

    Colour jitter, zoom-out on a ``fill`` canvas, a crop with a minimum IoU with every box, resize to
    ``size``, horizontal flip: the order of SSD's data pipeline (colour first, so the canvas keeps
    ``fill``). Set ``expand_p=0``, ``min_ious=()`` or ``flip_p=0`` and zero colour ranges to drop a step.

    Parameters
    ----------
    size : int or (int, int)
        Output side or ``(height, width)``; every output has this size, so samples batch together.
    fill : float or sequence of float
        Zoom-out canvas colour (the training set's mean colour is a good choice).
    max_expand, expand_p : float
        Largest zoom-out ratio, and its probability.
    min_ious : sequence of float
        :class:`RandomIoUCrop`'s options (empty: no crop).
    brightness, contrast, saturation, hue : float
        :class:`ColorJitter`'s ranges.
    flip_p : float
        Probability of the horizontal flip.

    Examples
    --------
    >>> import numpy as np
    >>> from gluonx.data.transforms import detection_augmentation, sample_rng
    >>> augment = detection_augmentation(64)
    >>> sample = {"image": np.zeros((100, 80, 3), np.uint8), "boxes": np.array([[10., 20., 50., 60.]]),
    ...           "labels": np.array([[2.]])}
    >>> augment(sample, sample_rng(0, 0, 0))["image"].shape
    (64, 64, 3)
    """
    steps = []
    if any(v for v in (brightness, contrast, saturation, hue)):
        steps.append(ColorJitter(brightness, contrast, saturation, hue))
    if expand_p > 0 and max_expand > 1:
        steps.append(RandomExpand(max_expand, fill=fill, p=expand_p))
    if len(min_ious):
        steps.append(RandomIoUCrop(min_ious))
    steps.append(Resize(size))
    if flip_p > 0:
        steps.append(RandomHorizontalFlip(flip_p))
    return Compose(steps)


def augmentation_from_option(augment, preset, image_size=None, size_name="side"):
    """The per-sample transform of a task's ``augment`` option: None/False/{} (none), a callable
    ``transform(sample, rng)`` (as it is), True (``preset``'s defaults) or a dict of ``preset``'s keyword
    arguments (what a recipe's ``augmentation`` field holds).

    The preset's ``size`` defaults to ``image_size`` (the dataset's), so augmented samples batch with the
    others; ``size_name`` says in the error what that size is. Anything else is a one-line ``ValueError``.
    """
    if augment is None or augment is False or (isinstance(augment, dict) and not augment):
        return None
    if callable(augment):
        return augment
    name = preset.__name__
    if augment is not True and not isinstance(augment, dict):
        raise ValueError("augment must be None, True, a dict of {} arguments or a transform callable(sample, "
                         "rng), got {!r}".format(name, augment))
    kwargs = {} if augment is True else dict(augment)
    if "size" not in kwargs:
        if image_size is None:
            raise ValueError("augmentation {}: give its 'size' (the training images' {})".format(augment, size_name))
        kwargs["size"] = image_size
    try:
        return preset(**kwargs)
    except TypeError as err:
        raise ValueError("augmentation {}: not arguments of {} ({})".format(augment, name, err)) from None


def detection_to_sample(image, label):
    """A sample from a detection dataset's ``(image (H, W, 3), label (N, >=5))`` with rows
    ``(class, xmin, ymin, xmax, ymax, ...)`` in pixels: ``boxes`` are columns 1-4, ``labels`` the rows."""
    host = to_host(label)
    if host.ndim != 2 or (host.shape[0] and host.shape[1] < 5):
        if host.size == 0:
            host = host.reshape(0, 6)
        else:
            raise SampleError("expected a detection label of shape (N, >=5) with rows (class, xmin, ymin, xmax, "
                              "ymax, ...), got shape {}".format(host.shape))
    return {"image": image, "boxes": host[:, 1:5].astype(np.float32), "labels": host}


def sample_to_detection(sample):
    """``(image, label)`` back from a sample made by :func:`detection_to_sample`: the kept ``labels`` rows
    with columns 1-4 replaced by the transformed boxes (``weights``, if any, are not part of the label)."""
    label = np.array(to_host(sample["labels"]), dtype=np.float32, copy=True)
    label[:, 1:5] = to_host(sample["boxes"])
    return sample["image"], _like(sample["labels"], label)
