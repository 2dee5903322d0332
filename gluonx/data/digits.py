"""scikit-learn's bundled handwritten digits: real data (1,797 8x8 images) that needs no download.

Images are returned as ``(1, S, S)`` uint8 in 0-255 (the 0-16 grey levels scaled), upsampled from 8x8 by
bilinear interpolation when ``image_size`` is larger (LeNet takes 28x28), with a fixed, stratified
train/test split.
"""
import numpy as np

from .arrays import ArrayDataset


def _resize_bilinear(images, size):
    """Bilinear resize of ``(N, H, W)`` float images to ``(N, size, size)`` (align-corners grid)."""
    n, height, width = images.shape
    if (height, width) == (size, size):
        return images
    rows = np.linspace(0, height - 1, size)
    cols = np.linspace(0, width - 1, size)
    r0 = np.floor(rows).astype(int)
    c0 = np.floor(cols).astype(int)
    r1 = np.minimum(r0 + 1, height - 1)
    c1 = np.minimum(c0 + 1, width - 1)
    fr = (rows - r0)[None, :, None]
    fc = (cols - c0)[None, None, :]
    top = images[:, r0][:, :, c0] * (1 - fc) + images[:, r0][:, :, c1] * fc
    bottom = images[:, r1][:, :, c0] * (1 - fc) + images[:, r1][:, :, c1] * fc
    return top * (1 - fr) + bottom * fr


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
        images = _resize_bilinear(digits.images[index].astype(np.float64) / 16.0, image_size)
        images = np.clip(np.round(images * 255), 0, 255).astype(np.uint8)
        super().__init__(images[:, None, :, :], digits.target[index].astype(np.int32))
