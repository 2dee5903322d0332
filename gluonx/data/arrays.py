"""An in-memory dataset of NumPy arrays that batches by fancy indexing (fast, no per-sample Python)."""
import numpy as np


class ArrayDataset:
    """Samples ``(data[i], label[i])`` held in NumPy arrays.

    Compatible with ``gluon.data.DataLoader`` (``__getitem__``/``__len__``) and with gluonx's trainer, which
    batches it with :meth:`take` — one fancy-indexing copy per batch instead of one Python call per sample.

    Parameters
    ----------
    data : numpy.ndarray
        Samples along axis 0.
    label : numpy.ndarray
        One label per sample.
    """

    classes = None

    def __init__(self, data, label):
        data, label = np.asarray(data), np.asarray(label)
        if len(data) != len(label):
            raise ValueError("ArrayDataset: {} samples but {} labels".format(len(data), len(label)))
        self.data = data
        self.label = label

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        return self.data[index], self.label[index]

    def take(self, indices):
        """The batch ``(data[indices], label[indices])`` as NumPy arrays."""
        indices = np.asarray(indices)
        return self.data[indices], self.label[indices]

    @property
    def sample_shape(self):
        """Shape of one sample."""
        return tuple(self.data.shape[1:])
