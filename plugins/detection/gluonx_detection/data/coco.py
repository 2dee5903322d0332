"""COCO instances JSON (``images``, ``annotations`` with ``bbox = [x, y, w, h]``, ``categories``) (D2L 9.6)."""
import json
import os

import numpy as np
from mxnet.gluon.data import Dataset

from .errors import DetectionDataError, check_box, read_image, require_file

__all__ = ["COCODetection"]


def _load_json(path):
    require_file(path, "annotation file")
    try:
        with open(path) as handle:
            data = json.load(handle)
    except json.JSONDecodeError as err:
        raise DetectionDataError("{}: bad JSON ({})".format(path, err)) from None
    missing = [key for key in ("images", "annotations", "categories") if key not in data]
    if not isinstance(data, dict) or missing:
        raise DetectionDataError("{}: not a COCO instances file (missing {})".format(path, ", ".join(missing)))
    return data


class COCODetection(Dataset):
    """Images and boxes of a COCO-format annotation file (D2L 9.6).

    Parameters
    ----------
    annotation_file : str
        ``instances_*.json``.
    image_root : str
        Folder of the images named by ``file_name``.
    skip_crowd : bool
        Drop ``iscrowd`` boxes (kept by default, flagged in the sixth column).
    skip_empty : bool
        Drop images without boxes.

    Notes
    -----
    Category ids are mapped to contiguous class indices in ascending id order (``classes`` holds the names,
    ``category_ids`` the original ids). The file is validated when the dataset is built.
    """

    def __init__(self, annotation_file, image_root, skip_crowd=False, skip_empty=False):
        path = str(annotation_file)
        data = _load_json(path)
        categories = sorted(data["categories"], key=lambda c: c["id"])
        self.category_ids = tuple(c["id"] for c in categories)
        self.classes = tuple(c.get("name", str(c["id"])) for c in categories)
        class_of = {cid: i for i, cid in enumerate(self.category_ids)}
        images = {}
        for image in data["images"]:
            for key in ("id", "file_name", "width", "height"):
                if key not in image:
                    raise DetectionDataError("{}: image entry {} has no '{}'".format(path, image.get("id"), key))
            images[image["id"]] = image
        rows = {image_id: [] for image_id in images}
        for ann in data["annotations"]:
            where = "annotation {}".format(ann.get("id"))
            image = images.get(ann.get("image_id"))
            if image is None:
                raise DetectionDataError("{}: {} names unknown image_id {!r}".format(path, where, ann.get("image_id")))
            if ann.get("category_id") not in class_of:
                raise DetectionDataError("{}: {} names unknown category_id {!r}".format(
                    path, where, ann.get("category_id")))
            bbox = ann.get("bbox")
            if not isinstance(bbox, (list, tuple)) or len(bbox) != 4:
                raise DetectionDataError("{}: {} bbox must be [x, y, w, h], got {!r}".format(path, where, bbox))
            x, y, w, h = (float(v) for v in bbox)
            box = (x, y, x + w, y + h)
            check_box(path, where + " (image {})".format(image["file_name"]), box, image["width"], image["height"])
            crowd = int(ann.get("iscrowd", 0))
            if crowd and skip_crowd:
                continue
            rows[image["id"]].append([class_of[ann["category_id"]], *box, crowd])
        self.image_ids, self._images, self._labels = [], [], []
        root = str(image_root)
        for image_id in sorted(images):
            label = np.array(rows[image_id], dtype=np.float32).reshape(-1, 6)
            if skip_empty and not len(label):
                continue
            image = images[image_id]
            image_path = os.path.join(root, image["file_name"])
            require_file(image_path, "image {} of {}".format(image_id, path))
            self.image_ids.append(image_id)
            self._images.append((image_path, int(image["width"]), int(image["height"])))
            self._labels.append(label)
        self._path = path

    def __len__(self):
        return len(self._labels)

    def __getitem__(self, idx):
        image_path, width, height = self._images[idx]
        image = read_image(image_path)
        if image.shape[:2] != (height, width):
            raise DetectionDataError("{}: image is {}x{} but {} says {}x{}".format(
                image_path, image.shape[1], image.shape[0], self._path, width, height))
        return image, self._labels[idx].copy()

    def label(self, idx):
        """The ``(N, 6)`` label of image ``idx`` without decoding the image."""
        return self._labels[idx].copy()
