"""idx-ubyte reading and writing, and the MNIST / Fashion-MNIST folder loaders, on files the tests write."""
import gzip
import struct

import numpy as np
import pytest

from gluonx.data.idx import IdxFormatError, read_idx, write_idx
from gluonx.data.mnist import FashionMNIST, MNIST

from idx_files import write_mnist_folder


def raw_idx(array, code):
    """The idx bytes written independently of gluonx, straight from the format's definition."""
    header = bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("dtype,code", [(np.uint8, 0x08), (np.int16, 0x0B), (np.int32, 0x0C), (np.float32, 0x0D),
                                        (np.float64, 0x0E)])
@pytest.mark.parametrize("compressed", [False, True])
def test_read_matches_the_format(tmp_path, dtype, code, compressed):
    array = (np.random.RandomState(0).uniform(0, 100, size=(3, 4, 5))).astype(dtype)
    payload = raw_idx(array, code)
    path = tmp_path / "file-idx3-ubyte"
    path.write_bytes(gzip.compress(payload) if compressed else payload)
    loaded = read_idx(str(path))
    assert loaded.dtype == np.dtype(dtype) and loaded.dtype.isnative
    np.testing.assert_array_equal(loaded, array)


def test_write_roundtrip_and_gzip_by_suffix(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(str(tmp_path / "a.gz"), array)
    assert (tmp_path / "a.gz").read_bytes()[:2] == b"\x1f\x8b"
    np.testing.assert_array_equal(read_idx(str(tmp_path / "a.gz")), array)
    assert (tmp_path / "a.gz").read_bytes() != raw_idx(array, 0x08)
    write_idx(str(tmp_path / "b"), array)
    assert (tmp_path / "b").read_bytes() == raw_idx(array, 0x08)
    with pytest.raises(ValueError, match="cannot store dtype int64"):
        write_idx(str(tmp_path / "c"), np.zeros(3, dtype=np.int64))


@pytest.mark.parametrize("content,message", [
    (b"\x01\x02\x08\x01", "not an idx file"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x00", "unknown idx type code 0x07"),
    (b"\x00\x00\x08\x02\x00\x00\x00\x02", "declares 2 dimensions"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02", "truncated"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x01\x01\x02", "holds 2 data bytes"),
    (b"", "not an idx file"),
])
def test_malformed_files_are_rejected(tmp_path, content, message):
    path = tmp_path / "bad-idx"
    path.write_bytes(content)
    with pytest.raises(IdxFormatError, match=message):
        read_idx(str(path))


def test_corrupt_gzip_is_rejected(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x03abc")[:-6])
    with pytest.raises(IdxFormatError, match="cannot be read"):
        read_idx(str(path))


@pytest.mark.parametrize("cls", [MNIST, FashionMNIST])
@pytest.mark.parametrize("gz", [True, False])
def test_mnist_style_folders(tmp_path, cls, gz):
    data = write_mnist_folder(tmp_path, gz=gz)
    for train in (True, False):
        dataset = cls(str(tmp_path), train=train)
        images, labels = data[train]
        assert len(dataset) == len(labels) and dataset.sample_shape == (1, 28, 28)
        x, y = dataset[3]
        np.testing.assert_array_equal(x[0], images[3])
        assert y == labels[3]
        batch_x, batch_y = dataset.take([0, 2])
        np.testing.assert_array_equal(batch_x[:, 0], images[[0, 2]])
    assert len(cls.classes) == 10


def test_missing_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing train-images-idx3-ubyte, train-labels-idx1-ubyte.*never downloads"):
        FashionMNIST(str(tmp_path))
    write_mnist_folder(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="test split.*missing t10k-labels-idx1-ubyte"):
        MNIST(str(tmp_path), train=False)


def test_images_and_labels_must_agree(tmp_path):
    write_mnist_folder(tmp_path)
    write_idx(str(tmp_path / "train-labels-idx1-ubyte.gz"), np.zeros(7, dtype=np.uint8))
    with pytest.raises(IdxFormatError, match="holds 7 labels for 12 images"):
        MNIST(str(tmp_path))
    write_idx(str(tmp_path / "train-labels-idx1-ubyte.gz"), np.full(12, 11, dtype=np.uint8))
    with pytest.raises(IdxFormatError, match="labels must be 0-9"):
        MNIST(str(tmp_path))
    write_idx(str(tmp_path / "train-images-idx3-ubyte.gz"), np.zeros((12, 28, 28), dtype=np.float32))
    with pytest.raises(IdxFormatError, match="expected uint8 images"):
        MNIST(str(tmp_path))
