"""Pascal VOC segmentation folders, as the book reads them (D2L 9.9.1).

Layout of ``root`` (one year of the devkit, e.g. ``VOCdevkit/VOC2012``)::

    JPEGImages/<id>.jpg
    SegmentationClass/<id>.png         palette PNG: 0 background, 1..20 the classes, 255 object borders
    ImageSets/Segmentation/<split>.txt one image id per line (train, val, trainval)
"""
import os

from mxnet.gluon.data import Dataset

from .errors import SegmentationDataError, read_image, read_mask, require_file

__all__ = ["VOC_SEGMENTATION_CLASSES", "VOCSegmentation"]

#: Class names of the VOC segmentation masks in id order (0 = background).
VOC_SEGMENTATION_CLASSES = ("background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat",
                            "chair", "cow", "diningtable", "dog", "horse", "motorbike", "person", "potted plant",
                            "sheep", "sofa", "train", "tv/monitor")


class VOCSegmentation(Dataset):
    """Images and class masks of a Pascal VOC segmentation split (D2L 9.9.1).

    Parameters
    ----------
    root : str
        The devkit year folder (holding ``JPEGImages``, ``SegmentationClass``, ``ImageSets``).
    train : bool
        The ``train`` split, else ``val`` (ignored when ``split`` is given).
    split : str, optional
        Any list in ``ImageSets/Segmentation`` (``trainval``...).

    Notes
    -----
    The list and every image and mask path are checked when the dataset is built; a mask is checked (PNG,
    size of its image, ids in 0..20 or 255) when read.
    """

    classes = VOC_SEGMENTATION_CLASSES

    def __init__(self, root, train=True, split=None):
        self.root = str(root)
        self.split = split or ("train" if train else "val")
        listing = os.path.join(self.root, "ImageSets", "Segmentation", self.split + ".txt")
        require_file(listing, "split list")
        with open(listing) as handle:
            self.ids = [line.strip() for line in handle if line.strip()]
        if not self.ids:
            raise SegmentationDataError("{}: the split lists no image".format(listing))
        self._files = []
        for image_id in self.ids:
            image = os.path.join(self.root, "JPEGImages", image_id + ".jpg")
            mask = os.path.join(self.root, "SegmentationClass", image_id + ".png")
            require_file(image, "image listed in {}".format(listing))
            require_file(mask, "mask listed in {}".format(listing))
            self._files.append((image, mask))

    def __len__(self):
        return len(self._files)

    def __getitem__(self, idx):
        image_path, mask_path = self._files[idx]
        image = read_image(image_path)
        return image, read_mask(mask_path, len(self.classes), size=image.shape[:2])
