"""MNIST and Fashion-MNIST from a local folder of idx-ubyte files (no download).

Expected files (raw or ``.gz``): ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte`` — the names both datasets are distributed under.

References
----------
D2L 3.5 (Fashion-MNIST, the image classification dataset).
"""
import os

import numpy as np

from .arrays import ArrayDataset
from .idx import IdxFormatError, read_idx

FILES = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
FASHION_CLASSES = ("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
                   "ankle boot")
DIGIT_CLASSES = tuple(str(i) for i in range(10))


def _find(root, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(root, name)
        if os.path.isfile(path):
            return path
    return None


def load_idx_pair(root, train=True):
    """Read images ``(N, 28, 28)`` uint8 and labels ``(N,)`` from ``root``; checks they belong together."""
    root = os.path.expanduser(str(root))
    stems = FILES[bool(train)]
    paths = [_find(root, stem) for stem in stems]
    if None in paths:
        missing = [stem for stem, path in zip(stems, paths) if path is None]
        raise FileNotFoundError(
            "{} split not found in {}: missing {} (expected {} and {}, raw or .gz; gluonx never downloads)".format(
                "training" if train else "test", root, ", ".join(missing), *stems))
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.ndim != 3 or images.dtype != np.uint8:
        raise IdxFormatError("{}: expected uint8 images of shape (N, rows, cols), got {} {}".format(
            paths[0], images.dtype, images.shape))
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise IdxFormatError("{} holds {} labels for {} images in {}".format(
            paths[1], labels.shape[0] if labels.ndim else 0, images.shape[0], paths[0]))
    if labels.size and labels.max() > 9:
        raise IdxFormatError("{}: labels must be 0-9, found {}".format(paths[1], int(labels.max())))
    return images, labels.astype(np.int32)


class MNIST(ArrayDataset):
    """MNIST handwritten digits from ``root``; samples are ``(1, 28, 28)`` uint8 images and int32 labels.

    Parameters
    ----------
    root : str
        Folder holding the four idx files.
    train : bool
        Training split (60,000 images) or test split (10,000).
    """

    classes = DIGIT_CLASSES

    def __init__(self, root, train=True):
        images, labels = load_idx_pair(root, train)
        super().__init__(images[:, None, :, :], labels)


class FashionMNIST(MNIST):
    """Fashion-MNIST (D2L 3.5) from ``root``: same files and layout as :class:`MNIST`."""

    classes = FASHION_CLASSES
