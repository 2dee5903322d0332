"""Writers of small MNIST-format folders for tests (the real file names and idx encoding)."""
import numpy as np

from gluonx.data.idx import write_idx
from gluonx.data.mnist import FILES


def write_mnist_folder(root, n_train=12, n_test=5, gz=True, labels_offset=0):
    rng = np.random.RandomState(1)
    data = {}
    for train, n in ((True, n_train), (False, n_test)):
        images = rng.randint(0, 256, size=(n, 28, 28)).astype(np.uint8)
        labels = ((np.arange(n) + labels_offset) % 10).astype(np.uint8)
        image_file, label_file = FILES[train]
        suffix = ".gz" if gz else ""
        write_idx(str(root / (image_file + suffix)), images)
        write_idx(str(root / (label_file + suffix)), labels)
        data[train] = (images, labels)
    return data
