"""scikit-learn's bundled handwritten digits: real data (1,797 8x8 images) that needs no download.

Images are returned as ``(1, S, S)`` uint8 in 0-255 (the 0-16 grey levels scaled), upsampled from 8x8 by
bilinear interpolation when ``image_size`` is larger (LeNet takes 28x28), with a fixed, stratified
train/test split.
"""
import numpy as np

from .arrays import ArrayDataset
from .transforms.geometry import resize_bilinear


def digits_split(test_fraction=0.25, seed=0):
    """Indices of a stratified train/test split of the 1,797 digits (fixed by ``seed``)."""
    from sklearn.datasets import load_digits
    labels = load_digits().target
    rng = np.random.RandomState(seed)
    train, test = [], []
    for digit in range(10):
        members = rng.permutation(np.flatnonzero(labels == digit))
        cut = int(round(len(members) * test_fraction))
        test.extend(members[:cut])
        train.extend(members[cut:])
    return np.sort(np.array(train)), np.sort(np.array(test))


class Digits(ArrayDataset):
    """The scikit-learn digits as an image classification dataset.

    Parameters
    ----------
    train : bool
        Training (75 %) or test (25 %) part of a fixed stratified split.
    image_size : int
        Side of the returned images (8 keeps the originals; 28 suits LeNet).
    split_seed : int
        Seed of the split.
    """

    classes = tuple(str(i) for i in range(10))

    def __init__(self, train=True, image_size=28, split_seed=0):
        from sklearn.datasets import load_digits
        if image_size < 8:
            raise ValueError("Digits image_size must be at least 8 (the originals are 8x8), got {}".format(
                image_size))
        digits = load_digits()
        train_idx, test_idx = digits_split(seed=split_seed)
        index = train_idx if train else test_idx
        images = digits.images[index].astype(np.float64).transpose(1, 2, 0) / 16.0
        images = resize_bilinear(images, (image_size, image_size), align_corners=True).transpose(2, 0, 1)
        images = np.clip(np.round(images * 255), 0, 255).astype(np.uint8)
        super().__init__(images[:, None, :, :], digits.target[index].astype(np.int32))
