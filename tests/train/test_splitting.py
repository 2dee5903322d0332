"""Splitting batches across devices."""
import mxnet as mx
import numpy as np
import pytest

from gluonx.train import shard_sizes, split_batch


@pytest.mark.parametrize("n,devices,expected", [(10, 3, [4, 3, 3]), (4, 2, [2, 2]), (1, 2, [1]), (3, 4, [1, 1, 1])])
def test_shard_sizes(n, devices, expected):
    assert shard_sizes(n, devices) == expected
    assert sum(shard_sizes(n, devices)) == n


def test_empty_batch_is_an_error():
    with pytest.raises(ValueError, match="empty batch"):
        shard_sizes(0, 2)


@pytest.mark.parametrize("n", [5, 1])
def test_split_batch_keeps_every_sample_in_order(n):
    contexts = [mx.cpu(0), mx.cpu(1)]
    data = np.arange(n * 4, dtype=np.uint8).reshape(n, 1, 2, 2)
    label = np.arange(n)
    shards = split_batch(data, label, contexts)
    assert [ctx for ctx, _, _ in shards] == contexts[:min(n, 2)]
    joined = np.concatenate([x.asnumpy() for _, x, _ in shards])
    np.testing.assert_allclose(joined, data.astype(np.float32) / 255)
    np.testing.assert_array_equal(np.concatenate([y.asnumpy() for _, _, y in shards]), label)


def test_split_batch_along_another_axis_and_label_mismatch():
    data = mx.nd.arange(12).reshape((3, 4))  # time-major: batch on axis 1
    shards = split_batch(data, mx.nd.arange(4), [mx.cpu(0), mx.cpu(1)], batch_axis=1)
    assert [x.shape for _, x, _ in shards] == [(3, 2), (3, 2)]
    with pytest.raises(ValueError, match="4 samples along axis 1 of the data but 3 labels"):
        split_batch(data, mx.nd.arange(3), [mx.cpu(0)], batch_axis=1)


def test_zero_copy_wraps_never_escape_the_split(monkeypatch):
    """MXNet frees a zero-copy NDArray (``mx.nd.from_numpy``) through a ctypes callback that is gone once the
    interpreter tears its modules down: a wrap still referenced at exit crashed the process with a
    segmentation fault after the program had finished (seen in a test run that trained and then imported
    gluonnlp). The split copies every wrap into an array of its own, whatever the device."""
    wraps = []
    original = mx.nd.from_numpy

    def recording_from_numpy(*args, **kwargs):
        wraps.append(original(*args, **kwargs))
        return wraps[-1]

    monkeypatch.setattr(mx.nd, "from_numpy", recording_from_numpy)
    data = np.arange(24, dtype=np.float32).reshape(6, 4)
    label = np.arange(6, dtype=np.float32)
    shards = split_batch(data, label, [mx.cpu(0), mx.cpu(0), mx.cpu(1)])
    assert wraps, "split_batch no longer wraps NumPy batches: update this test"
    returned = [array for _, x, y in shards for array in (x, y)]
    assert not any(array is wrap for array in returned for wrap in wraps)
    np.testing.assert_array_equal(np.concatenate([x.asnumpy() for _, x, _ in shards]), data)
    np.testing.assert_array_equal(np.concatenate([y.asnumpy() for _, _, y in shards]), label)
