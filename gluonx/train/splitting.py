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
        # batch); a zero-copy wrap of a private copy does not, and the copy to the device is asynchronous.
        # The wrap must never escape: MXNet frees it through a ctypes callback that no longer exists once
        # the interpreter has started tearing down its modules, so a wrap still alive at exit crashed the
        # process (segmentation fault after the program had finished). copyto always makes a new array,
        # and the engine drops the wrap as soon as the copy has run.
        private = np.array(array, copy=True, order="C")
        array = mx.nd.from_numpy(private, zero_copy=True).copyto(ctx)
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


def _items(batch):
    """``(kind, keys, arrays)`` of a batch: a tuple/list of arrays, a dict of arrays, or one array."""
    if isinstance(batch, dict):
        keys = list(batch)
        return "dict", keys, [batch[k] for k in keys]
    if isinstance(batch, (tuple, list)):
        return "tuple", None, list(batch)
    return "array", None, [batch]


def split_structure(batch, contexts, batch_axis=0, scale_uint8=True, scale=None):
    """Split every array of a batch along its batch axis and copy the shards to the devices.

    Parameters
    ----------
    batch : tuple, list or dict of arrays, or one array (NumPy or NDArray)
    contexts : list of mx.Context
    batch_axis : int, sequence or dict
        One axis for every array, or one per array (``None``: not split, the whole array goes to every
        device, e.g. a shared mask or a scalar).
    scale_uint8 : bool
        Whether uint8 arrays listed in ``scale`` become float32 in [0, 1] on the device.
    scale : sequence, optional
        Positions (tuple batches) or keys (dict batches) of the arrays that are images; default: position 0
        of a tuple batch (the data of ``(data, label)``) and no key of a dict.

    Returns
    -------
    shards : list
        One batch per device that got samples, with the structure of ``batch`` (a tuple for a tuple or a
        single array).
    num : int
        Samples in the batch (along the batch axis of the first split array).
    """
    kind, keys, arrays = _items(batch)
    names = keys if kind == "dict" else range(len(arrays))
    if isinstance(batch_axis, dict):
        axes = [batch_axis.get(k, 0) for k in names]
    elif isinstance(batch_axis, (tuple, list)):
        if len(batch_axis) != len(arrays):
            raise ValueError("batch_axis gives {} axes for a batch of {} arrays".format(len(batch_axis), len(arrays)))
        axes = list(batch_axis)
    else:
        axes = [batch_axis] * len(arrays)
    if scale is None:
        scale = (0,) if kind != "dict" else ()
    scaled = [scale_uint8 and name in scale for name in names]
    split = [i for i, axis in enumerate(axes) if axis is not None]
    if not split:
        raise ValueError("no array of the batch has a batch axis to split along")
    first = split[0]
    num = arrays[first].shape[axes[first]]
    for i in split[1:]:
        if arrays[i].shape[axes[i]] != num:
            raise ValueError("batch arrays disagree on the number of samples: {} along axis {} of array {!r}, {} "
                             "along axis {} of array {!r}".format(num, axes[first], list(names)[first],
                                                                 arrays[i].shape[axes[i]], axes[i], list(names)[i]))
    shards = []
    begin = 0
    for ctx, size in zip(contexts, shard_sizes(num, len(contexts))):
        end = begin + size
        moved = [_to_device(array if axis is None else _slice(array, begin, end, axis), ctx, flag)
                 for array, axis, flag in zip(arrays, axes, scaled)]
        shards.append(dict(zip(keys, moved)) if kind == "dict" else tuple(moved))
        begin = end
    return shards, num
