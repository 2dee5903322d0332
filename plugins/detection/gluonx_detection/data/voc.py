"""Pascal VOC detection folders (D2L 9.6 uses VOC-style data; this reads the real layout).

Layout of ``root`` (one year of the VOC devkit, e.g. ``VOCdevkit/VOC2007``)::

    Annotations/<id>.xml        <size><width>, <height>; <object><name>, <difficult>, <bndbox>
    JPEGImages/<id>.jpg
    ImageSets/Main/<split>.txt  one image id per line

VOC pixel coordinates are 1-based and inclusive; like the devkit tools and gluoncv they are shifted by -1.
"""
import os
import xml.etree.ElementTree as ET

import numpy as np
from mxnet.gluon.data import Dataset

from .errors import DetectionDataError, check_box, read_image, require_file

__all__ = ["VOC_CLASSES", "VOCDetection", "parse_voc_annotation"]

#: The 20 Pascal VOC classes, in the order of their indices.
VOC_CLASSES = ("aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
               "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train",
               "tvmonitor")


def _number(path, node, tag):
    child = node.find(tag)
    if child is None or child.text is None:
        raise DetectionDataError("{}: <{}> is missing in <{}>".format(path, tag, node.tag))
    try:
        return float(child.text)
    except ValueError:
        raise DetectionDataError("{}: <{}> is not a number: {!r}".format(path, tag, child.text)) from None


def parse_voc_annotation(path, class_index):
    """Parse one VOC XML file into ``(label (N, 6) float32, width, height, filename)``.

    Parameters
    ----------
    path : str
        The ``Annotations/<id>.xml`` file.
    class_index : dict
        Class name -> index; an unknown name is an error.
    """
    require_file(path, "annotation")
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        raise DetectionDataError("{}: bad XML ({})".format(path, err)) from None
    size = root.find("size")
    if size is None:
        raise DetectionDataError("{}: <size> is missing".format(path))
    width, height = _number(path, size, "width"), _number(path, size, "height")
    rows = []
    for index, obj in enumerate(root.iter("object")):
        name_node = obj.find("name")
        name = (name_node.text or "").strip() if name_node is not None else ""
        if name not in class_index:
            raise DetectionDataError("{}: object {} has unknown class {!r} (known: {})".format(
                path, index, name, ", ".join(sorted(class_index))))
        difficult_node = obj.find("difficult")
        difficult = int(difficult_node.text) if difficult_node is not None and difficult_node.text else 0
        box_node = obj.find("bndbox")
        if box_node is None:
            raise DetectionDataError("{}: object {} has no <bndbox>".format(path, index))
        box = [_number(path, box_node, tag) - 1 for tag in ("xmin", "ymin", "xmax", "ymax")]
        check_box(path, "object {} ({})".format(index, name), box, width, height)
        rows.append([class_index[name]] + box + [difficult])
    label = np.array(rows, dtype=np.float32).reshape(-1, 6)
    filename = root.findtext("filename")
    return label, int(width), int(height), (filename.strip() if filename else None)


class VOCDetection(Dataset):
    """Images and boxes of a Pascal VOC folder (D2L 9.6).

    Parameters
    ----------
    root : str
        The year folder holding ``Annotations``, ``JPEGImages`` and ``ImageSets/Main``.
    split : str, optional
        Name of the ``ImageSets/Main/<split>.txt`` list (``train``, ``val``, ``trainval``, ``test``); default
        ``trainval`` for the training split and ``test`` otherwise (VOC2007's two halves).
    classes : sequence of str, optional
        Class names in index order (default: the 20 VOC classes).
    skip_difficult : bool
        Drop boxes marked difficult (they are kept by default, flagged in the sixth column).
    train : bool
        Which default ``split``: ``gluonx train`` builds the training set with ``train=True`` and the test
        set with ``train=False``.
    image_ext : str
        Extension of the files in ``JPEGImages`` (``.jpg`` in VOC; ``.png`` keeps pixels exact).

    Notes
    -----
    Every annotation is parsed and every image path checked when the dataset is built, so a malformed
    file fails at once with its path; images are decoded on access.
    """

    def __init__(self, root, split=None, classes=VOC_CLASSES, skip_difficult=False, train=True, image_ext=".jpg"):
        self.root = str(root)
        if split is None:
            split = "trainval" if train else "test"
        if isinstance(classes, str) or not classes or not all(isinstance(c, str) for c in classes):
            raise ValueError("classes must be a list of class names, got {!r}".format(classes))
        if not isinstance(image_ext, str) or not image_ext.startswith("."):
            raise ValueError("image_ext must be a file extension such as '.jpg', got {!r}".format(image_ext))
        self.classes = tuple(classes)
        index = {name: i for i, name in enumerate(self.classes)}
        list_path = require_file(os.path.join(self.root, "ImageSets", "Main", split + ".txt"), "image list")
        with open(list_path) as handle:
            ids = [line.split()[0] for line in handle if line.strip()]
        self.ids = ids
        self._labels, self._images = [], []
        for image_id in ids:
            xml_path = os.path.join(self.root, "Annotations", image_id + ".xml")
            label, width, height, _ = parse_voc_annotation(xml_path, index)
            if skip_difficult:
                label = label[label[:, 5] == 0]
            image_path = os.path.join(self.root, "JPEGImages", image_id + image_ext)
            require_file(image_path, "image of {}".format(xml_path))
            self._labels.append(label)
            self._images.append((image_path, width, height, xml_path))
        # known from the annotations, so batching need not decode every image to find it
        self.max_objects = max([len(label) for label in self._labels] + [1])

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, idx):
        image_path, width, height, xml_path = self._images[idx]
        image = read_image(image_path)
        if image.shape[:2] != (height, width):
            raise DetectionDataError("{}: image is {}x{} but {} says {}x{}".format(
                image_path, image.shape[1], image.shape[0], xml_path, width, height))
        return image, self._labels[idx].copy()

    def label(self, idx):
        """The ``(N, 6)`` label of image ``idx`` without decoding the image."""
        return self._labels[idx].copy()
