"""Splitting a batch across devices, uneven batches included."""
import mxnet as mx
import numpy as np


def shard_sizes(num_samples, num_devices):
    """Sizes of the shards of ``num_samples`` over at most ``num_devices`` devices (no empty shard).

    >>> shard_sizes(10, 3)
    [4, 3, 3]
    >>> shard_sizes(1, 2)
    [1]
    """
    if num_samples < 1:
        raise ValueError("cannot split an empty batch (0 samples) across devices")
    used = min(num_samples, num_devices)
    base, extra = divmod(num_samples, used)
    return [base + (1 if i < extra else 0) for i in range(used)]


def _slice(array, begin, end, axis):
    if isinstance(array, mx.nd.NDArray):
        return mx.nd.slice_axis(array, axis=axis, begin=begin, end=end)
    index = [slice(None)] * array.ndim
    index[axis] = slice(begin, end)
    return array[tuple(index)]


def _to_device(array, ctx, scale_uint8):
    if isinstance(array, mx.nd.NDArray):
        array = array.as_in_context(ctx)
    else:
        # mx.nd.array(numpy) waits for every operation already queued on the engine (a hidden sync each
        # batch); a zero-copy wrap of a private copy does not, and the move to the device is asynchronous
        private = np.array(array, copy=True, order="C")
        array = mx.nd.from_numpy(private, zero_copy=True).as_in_context(ctx)
    if scale_uint8 and array.dtype == np.uint8:
        array = array.astype("float32") / 255.0
    return array


def split_batch(data, label, contexts, batch_axis=0, scale_uint8=True):
    """Split ``data`` and ``label`` (NumPy or NDArray) along the batch axis and copy each shard to a device.

    A batch of ``n`` samples uses ``min(n, len(contexts))`` devices with sizes differing by at most one,
    so an uneven last batch — even one smaller than the number of devices — never crashes.

    Parameters
    ----------
    data, label : numpy.ndarray or NDArray
        The batch; ``label`` is split along axis 0.
    contexts : list of mx.Context
    batch_axis : int
        Batch axis of ``data``.
    scale_uint8 : bool
        Convert uint8 data to float32 in [0, 1] on the device (images travel 4x smaller).

    Returns
    -------
    list of (mx.Context, NDArray, NDArray)
    """
    num = data.shape[batch_axis]
    if label.shape[0] != num:
        raise ValueError("batch has {} samples along axis {} of the data but {} labels".format(
            num, batch_axis, label.shape[0]))
    shards = []
    begin = 0
    for ctx, size in zip(contexts, shard_sizes(num, len(contexts))):
        end = begin + size
        shards.append((ctx, _to_device(_slice(data, begin, end, batch_axis), ctx, scale_uint8),
                       _to_device(_slice(label, begin, end, 0), ctx, False)))
        begin = end
    return shards
