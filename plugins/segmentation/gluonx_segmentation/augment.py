"""Joint augmentation of an image and its class mask for training segmenters (D2L 9.1 applied to D2L 9.9-9.10).

The transforms are the core's (:mod:`gluonx.data.transforms`): one random draw moves the image and its mask
together; geometry resamples the mask with nearest neighbours (class ids stay class ids) and fills new border
pixels with 255 (not scored); colour changes touch the image only. Draws come from
``sample_rng(seed, epoch, index)``, so a sample's augmentation is a function of those three numbers: the same
in the trainer's source and in :func:`augmented_dataset` under ``gluon.data.DataLoader`` with any number of
workers.
"""
import numpy as np

__all__ = ["segmentation_augmentation", "build_augmentation", "augment_pair", "augmented_dataset",
           "pair_to_sample", "sample_to_pair"]


def segmentation_augmentation(size, scale=(0.25, 1.0), ratio=(3 / 4, 4 / 3), flip_p=0.5, brightness=0.2,
                              contrast=0.2, saturation=0.2, hue=0.02):
    """Colour jitter, a random resized crop back to ``size`` and a horizontal flip, as a ``Compose``.

    Parameters
    ----------
    size : int or (int, int)
        Output ``(height, width)``: every augmented sample has it, so samples batch together.
    scale, ratio : (float, float)
        :class:`~gluonx.data.transforms.RandomResizedCrop`'s area and aspect-ratio ranges (``scale=(1, 1)``
        with ``ratio=(1, 1)`` on square images: no crop).
    flip_p : float
        Probability of the horizontal flip (0: none).
    brightness, contrast, saturation, hue : float
        :class:`~gluonx.data.transforms.ColorJitter`'s ranges (all 0: no colour change).
    """
    from gluonx.data.transforms import ColorJitter, Compose, RandomHorizontalFlip, RandomResizedCrop
    steps = []
    if any(v for v in (brightness, contrast, saturation, hue)):
        steps.append(ColorJitter(brightness, contrast, saturation, hue))
    steps.append(RandomResizedCrop(size, scale=tuple(scale), ratio=tuple(ratio)))
    if flip_p > 0:
        steps.append(RandomHorizontalFlip(flip_p))
    return Compose(steps)


def build_augmentation(augment, image_size=None):
    """The per-sample transform of an ``augment`` option: None/False/{} (none), a callable
    ``transform(sample, rng)``, True (:func:`segmentation_augmentation`'s defaults) or a dict of its
    arguments (a recipe's ``augmentation`` field). ``size`` defaults to ``image_size``."""
    from gluonx.data.transforms import augmentation_from_option
    return augmentation_from_option(augment, segmentation_augmentation,
                                    None if image_size is None else tuple(image_size), size_name="height and width")


def pair_to_sample(image, mask):
    """The sample dict of an ``(image (H, W, 3), mask (H, W))`` pair."""
    return {"image": image, "mask": mask}


def sample_to_pair(sample):
    """``(image uint8, mask uint8)`` of an augmented sample (colour jitter may return float pixels)."""
    image = np.asarray(sample["image"].asnumpy() if hasattr(sample["image"], "asnumpy") else sample["image"])
    if image.dtype != np.uint8:
        image = np.clip(np.round(image), 0, 255).astype(np.uint8)
    mask = sample["mask"]
    mask = np.asarray(mask.asnumpy() if hasattr(mask, "asnumpy") else mask).astype(np.uint8)
    return image, mask


def augment_pair(transform, image, mask, rng):
    """``transform`` applied jointly to ``image`` and ``mask`` with the generator ``rng``."""
    return sample_to_pair(transform(pair_to_sample(image, mask), rng))


def augmented_dataset(dataset, augment, seed=0, image_size=None):
    """``dataset`` of ``(image, mask)`` pairs augmented per ``(seed, epoch, index)``, for
    ``gluon.data.DataLoader`` workers (:class:`gluonx.data.transforms.AugmentedDataset`; set the epoch with
    ``set_epoch`` before building each epoch's loader). Gives the samples the trainer's source gives."""
    from gluonx.data.transforms import AugmentedDataset
    if image_size is None and len(dataset):
        image_size = tuple(np.shape(dataset[0][0])[:2])
    return AugmentedDataset(dataset, build_augmentation(augment, image_size), seed=seed, to_sample=pair_to_sample,
                            from_sample=sample_to_pair)
