"""A generic image/mask folder: any images with a class-id PNG mask of the same name (D2L 9.9's format,
without VOC's lists).

Layout::

    root/classes.txt                optional: one class name per line, in id order
    root/<split>/images/<name>.<jpg|jpeg|png|bmp>
    root/<split>/masks/<name>.png   palette or grayscale PNG of class ids, 255 = not scored

``<split>`` is ``train`` or ``val``.
"""
import os

import numpy as np
from mxnet.gluon.data import Dataset

from .errors import SegmentationDataError, read_image, read_mask

__all__ = ["FolderSegmentation"]

_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp")


def _read_classes(root):
    path = os.path.join(root, "classes.txt")
    if not os.path.isfile(path):
        return None
    with open(path) as handle:
        names = [line.strip() for line in handle if line.strip()]
    if not names:
        raise SegmentationDataError("{}: lists no class".format(path))
    return tuple(names)


class FolderSegmentation(Dataset):
    """Images and masks of ``root/<split>/images`` and ``root/<split>/masks``.

    Parameters
    ----------
    root : str
        The dataset folder.
    train : bool
        The ``train`` split, else ``val`` (ignored when ``split`` is given).
    split : str, optional
        Sub-folder name.
    num_classes : int, optional
        Class count; default: the lines of ``root/classes.txt``, else one more than the largest id found in
        the masks (then every mask is read when the dataset is built).

    Notes
    -----
    Every image must have its mask and every mask its image (checked when the dataset is built); a mask is
    checked (PNG, size of its image, known ids) when read.
    """

    def __init__(self, root, train=True, split=None, num_classes=None):
        self.root = str(root)
        self.split = split or ("train" if train else "val")
        folder = os.path.join(self.root, self.split)
        image_dir, mask_dir = os.path.join(folder, "images"), os.path.join(folder, "masks")
        for path in (image_dir, mask_dir):
            if not os.path.isdir(path):
                raise FileNotFoundError("{}: folder not found (expected {}/{{images,masks}})".format(path, folder))
        images = {}
        for name in sorted(os.listdir(image_dir)):
            stem, ext = os.path.splitext(name)
            if ext.lower() in _IMAGE_EXTENSIONS:
                if stem in images:
                    raise SegmentationDataError("{}: two images named {}".format(image_dir, stem))
                images[stem] = os.path.join(image_dir, name)
        masks = {os.path.splitext(name)[0]: os.path.join(mask_dir, name) for name in sorted(os.listdir(mask_dir))
                 if os.path.isfile(os.path.join(mask_dir, name))}
        for stem, path in images.items():
            if stem not in masks:
                raise SegmentationDataError("{}: no mask {}.png in {}".format(path, stem, mask_dir))
        for stem, path in masks.items():
            if stem not in images:
                raise SegmentationDataError("{}: no image named {} in {}".format(path, stem, image_dir))
            if not path.lower().endswith(".png"):
                raise SegmentationDataError("{}: a mask must be a .png file".format(path))
        if not images:
            raise SegmentationDataError("{}: no image".format(image_dir))
        self.names = sorted(images)
        self._files = [(images[stem], masks[stem]) for stem in self.names]
        self.classes = _read_classes(self.root)
        if num_classes is None and self.classes is None:
            num_classes = 1 + max(int(np.max(ids[ids != 255], initial=0))
                                  for ids in (read_mask(mask, 255) for _, mask in self._files))
        if num_classes is None:
            num_classes = len(self.classes)
        if self.classes is None:
            self.classes = tuple(str(i) for i in range(int(num_classes)))
        if int(num_classes) != len(self.classes):
            raise ValueError("num_classes={} but {} lists {} classes".format(
                num_classes, os.path.join(self.root, "classes.txt"), len(self.classes)))
        self.num_classes = int(num_classes)

    def __len__(self):
        return len(self._files)

    def __getitem__(self, idx):
        image_path, mask_path = self._files[idx]
        image = read_image(image_path)
        return image, read_mask(mask_path, self.num_classes, size=image.shape[:2])
