"""Image-folder datasets, the layout of D2L's Kaggle chapters (9.12 CIFAR-10, 9.13 dog breeds).

::

    root/train/<class name>/<picture>.png|.jpg|.jpeg|.bmp     one folder per class
    root/test/<picture>.png|...                               optional, unlabelled (for submissions)

The labelled pictures are split into a training and a validation part, stratified by class and fixed by a
seed (the book's ``reorg_train_valid``, without copying files). Pictures are read with
:func:`gluonx.data.images.read_image` (a corrupt file raises :class:`~gluonx.data.images.DataFileError`
naming it) and resized to ``image_size`` with Pillow's bilinear filter, as :class:`gluonx.Predictor`
resizes a picture, so a deployed model sees the same pixels it was trained on.
"""
import os

import numpy as np

from .arrays import ArrayDataset
from .images import DataFileError, read_image

__all__ = ["IMAGE_SUFFIXES", "ImageFolder", "list_image_folder", "stratified_split", "unlabelled_images",
           "load_picture"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def _pictures(folder):
    """Sorted paths of the image files directly in ``folder`` (hidden files and other suffixes skipped)."""
    names = sorted(n for n in os.listdir(folder) if not n.startswith(".")
                   and os.path.splitext(n)[1].lower() in IMAGE_SUFFIXES
                   and os.path.isfile(os.path.join(folder, n)))
    return [os.path.join(folder, n) for n in names]


def list_image_folder(root):
    """``(classes, paths, labels)`` of ``root/train/<class>/*``: class names sorted, paths sorted per class.

    Raises
    ------
    FileNotFoundError
        If ``root`` or ``root/train`` is missing.
    DataFileError
        If ``root/train`` has no class folder, or a class folder holds no picture.
    """
    if not os.path.isdir(root):
        raise FileNotFoundError("{}: image folder not found (expected root/train/<class>/*.png|jpg)".format(root))
    train = os.path.join(root, "train")
    if not os.path.isdir(train):
        raise FileNotFoundError("{}: no train/ folder (expected root/train/<class>/*.png|jpg)".format(root))
    classes = sorted(n for n in os.listdir(train) if not n.startswith(".") and os.path.isdir(os.path.join(train, n)))
    if not classes:
        raise DataFileError("{}: no class folder (expected one folder of pictures per class)".format(train))
    paths, labels = [], []
    for label, name in enumerate(classes):
        found = _pictures(os.path.join(train, name))
        if not found:
            raise DataFileError("{}: class folder without pictures ({})".format(
                os.path.join(train, name), ", ".join(IMAGE_SUFFIXES)))
        paths.extend(found)
        labels.extend([label] * len(found))
    return classes, paths, np.array(labels, dtype=np.int32)


def unlabelled_images(root):
    """Sorted paths of the pictures in ``root/test`` (empty if there is no such folder)."""
    folder = os.path.join(root, "test")
    return _pictures(folder) if os.path.isdir(folder) else []


def stratified_split(labels, valid_fraction, seed=0):
    """``(train indices, valid indices)``: in each class, ``round(n * valid_fraction)`` samples drawn with
    ``numpy.random.RandomState(seed)`` go to validation, at least one when the fraction is positive and the
    class has two or more samples (D2L 9.12's ``reorg_train_valid`` keeps the same number per class)."""
    labels = np.asarray(labels)
    rng = np.random.RandomState(seed)
    train, valid = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        cut = int(round(len(members) * valid_fraction))
        if valid_fraction > 0 and len(members) > 1:
            cut = min(max(cut, 1), len(members) - 1)
        valid.extend(members[:cut])
        train.extend(members[cut:])
    return np.sort(np.array(train, dtype=np.int64)), np.sort(np.array(valid, dtype=np.int64))


def load_picture(path, size, channels=3):
    """``(channels, height, width)`` uint8 array of the picture at ``path`` resized to ``size`` ``(h, w)``."""
    from PIL import Image
    pixels = read_image(path)
    image = Image.fromarray(pixels, mode="RGB")
    if channels == 1:
        image = image.convert("L")
    if image.size != (size[1], size[0]):
        image = image.resize((size[1], size[0]), Image.BILINEAR)
    array = np.asarray(image)
    return array[None] if channels == 1 else array.transpose(2, 0, 1)


def _check_size(image_size):
    if isinstance(image_size, int) and not isinstance(image_size, bool):
        image_size = (image_size, image_size)
    if (not isinstance(image_size, (list, tuple)) or len(image_size) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in image_size)):
        raise ValueError("image_folder: image_size must be a positive integer or [height, width], got {!r}"
                         .format(image_size))
    return tuple(image_size)


class ImageFolder(ArrayDataset):
    """A labelled image folder (``root/train/<class>/*``) as a classification dataset, split into training
    and validation parts (D2L 9.12-9.13).

    Samples are ``(channels, height, width)`` uint8 images (gluonx's trainer scales them to [0, 1]) and int32
    class ids; ``classes`` lists the class names (folder names, sorted), which ``gluonx train`` records so
    that an export names them.

    Parameters
    ----------
    root : str
        The folder holding ``train/`` (and optionally ``test/``).
    train : bool
        The training part (True) or the validation part (False) of the split.
    valid_fraction : float
        Share of each class held out for validation, in [0, 1).
    image_size : int or (int, int)
        Pictures are resized to this height and width.
    channels : int
        3 (RGB) or 1 (grey).
    split_seed : int
        Seed of the stratified split.
    """

    def __init__(self, root, train=True, valid_fraction=0.1, image_size=32, channels=3, split_seed=0):
        if isinstance(valid_fraction, bool) or not isinstance(valid_fraction, (int, float)) \
                or not 0 <= valid_fraction < 1:
            raise ValueError("image_folder: valid_fraction must be a number in [0, 1), got {!r}".format(
                valid_fraction))
        if channels not in (1, 3) or isinstance(channels, bool):
            raise ValueError("image_folder: channels must be 1 (grey) or 3 (RGB), got {!r}".format(channels))
        if isinstance(split_seed, bool) or not isinstance(split_seed, int) or split_seed < 0:
            raise ValueError("image_folder: split_seed must be an integer >= 0, got {!r}".format(split_seed))
        size = _check_size(image_size)
        classes, paths, labels = list_image_folder(root)
        train_idx, valid_idx = stratified_split(labels, valid_fraction, split_seed)
        chosen = train_idx if train else valid_idx
        self.root, self.image_size, self.channels = root, size, channels
        self.classes = tuple(classes)
        self.paths = [paths[i] for i in chosen]
        images = np.zeros((len(chosen), channels) + size, dtype=np.uint8)
        for row, path in enumerate(self.paths):
            images[row] = load_picture(path, size, channels)
        super().__init__(images, labels[chosen])
