"""MXNet RecordIO detection data, the format of the book's banana set (D2L 9.6) and of ``im2rec.py``.

A label is a flat float list ``[A, B, extra..., obj_1, obj_2, ...]``: ``A`` (>= 2) is the header length
including ``A`` and ``B``, ``B`` (>= 5) the width of an object, whose first five values are
``class, xmin, ymin, xmax, ymax`` with coordinates normalized to [0, 1]. In a ``.lst`` file a line is
``index \\t label values (tab-separated) \\t relative image path``; in a ``.rec`` file the list is the
record header's label and the payload an encoded image (an ``.idx`` file beside it indexes the records).
"""
import os

import numpy as np
from mxnet.gluon.data import Dataset

from .errors import DetectionDataError, empty_label, read_image, require_file

__all__ = ["parse_detection_label", "RecordIODetection", "ListDetection"]


def parse_detection_label(path, where, values, width, height):
    """Turn a flat RecordIO detection label into ``(N, 6)`` pixel rows; malformed lists name ``path``."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if len(values) < 2:
        raise DetectionDataError("{}: {} label has no [A, B] header".format(path, where))
    header, width_per_object = int(values[0]), int(values[1])
    if header < 2 or width_per_object < 5 or len(values) < header or (len(values) - header) % width_per_object:
        raise DetectionDataError("{}: {} label of length {} does not fit header A={} and object width B={}".format(
            path, where, len(values), values[0], values[1]))
    objects = values[header:].reshape(-1, width_per_object)
    if not len(objects):
        return empty_label()
    boxes = objects[:, 1:5]
    bad = ~((boxes >= 0).all(1) & (boxes <= 1).all(1) & (boxes[:, 0] < boxes[:, 2]) & (boxes[:, 1] < boxes[:, 3]))
    if bad.any():
        raise DetectionDataError("{}: {} object {} box {} is empty or outside [0, 1]".format(
            path, where, int(np.flatnonzero(bad)[0]), boxes[bad][0].tolist()))
    label = np.zeros((len(objects), 6), dtype=np.float32)
    label[:, 0] = objects[:, 0]
    label[:, 1:5] = boxes * np.array([width, height, width, height])
    return label


class RecordIODetection(Dataset):
    """Images and boxes of a RecordIO detection file ``.rec`` with its ``.idx`` (D2L 9.6).

    Parameters
    ----------
    rec_path : str
        The ``.rec`` file; ``idx_path`` defaults to the same name with ``.idx``.
    idx_path : str, optional
        The index file written with it (``mx.recordio.MXIndexedRecordIO``).
    """

    def __init__(self, rec_path, idx_path=None):
        import mxnet as mx
        self.rec_path = str(rec_path)
        self.idx_path = str(idx_path) if idx_path else os.path.splitext(self.rec_path)[0] + ".idx"
        require_file(self.rec_path, "record file")
        require_file(self.idx_path, "record index")
        self._record = mx.recordio.MXIndexedRecordIO(self.idx_path, self.rec_path, "r")
        self.keys = sorted(self._record.keys)

    def __len__(self):
        return len(self.keys)

    def __getitem__(self, idx):
        import mxnet as mx
        key = self.keys[idx]
        try:
            header, payload = mx.recordio.unpack(self._record.read_idx(key))
        except Exception as err:  # noqa: BLE001 - MXNet raises several types for a corrupt record
            raise DetectionDataError("{}: record {} is unreadable ({})".format(self.rec_path, key, err)) from None
        try:
            image = mx.image.imdecode(payload, to_rgb=1).asnumpy()
        except mx.base.MXNetError:
            raise DetectionDataError("{}: record {} holds no decodable image".format(self.rec_path, key)) from None
        label = parse_detection_label(self.rec_path, "record {}".format(key), header.label, image.shape[1],
                                      image.shape[0])
        return image, label


class ListDetection(Dataset):
    """Images and boxes of an ``im2rec`` detection ``.lst`` file and its image folder (D2L 9.6).

    Parameters
    ----------
    lst_path : str
        The list file.
    image_root : str
        Folder the relative image paths start from.

    Notes
    -----
    The list is parsed and every image path checked when the dataset is built.
    """

    def __init__(self, lst_path, image_root):
        self.lst_path = str(lst_path)
        require_file(self.lst_path, "list file")
        self._items = []
        with open(self.lst_path) as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                fields = line.rstrip("\n").split("\t")
                where = "line {}".format(number)
                if len(fields) < 4:
                    raise DetectionDataError("{}: {} needs 'index<TAB>A<TAB>B<TAB>...<TAB>path', got {} fields".format(
                        self.lst_path, where, len(fields)))
                try:
                    values = [float(v) for v in fields[1:-1]]
                except ValueError:
                    raise DetectionDataError("{}: {} has a non-numeric label value".format(
                        self.lst_path, where)) from None
                image_path = os.path.join(str(image_root), fields[-1])
                require_file(image_path, "image of {} {}".format(self.lst_path, where))
                parse_detection_label(self.lst_path, where, values, 1.0, 1.0)
                self._items.append((image_path, values, where))

    def __len__(self):
        return len(self._items)

    def __getitem__(self, idx):
        image_path, values, where = self._items[idx]
        image = read_image(image_path)
        return image, parse_detection_label(self.lst_path, where, values, image.shape[1], image.shape[0])
