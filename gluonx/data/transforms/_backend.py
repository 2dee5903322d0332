"""The few array operations the transforms need, once for NumPy and once for MXNet NDArrays.

A transform writes its image arithmetic once against :func:`ops_for`; NDArrays are then computed with
``mx.nd`` operators on their own context (nothing is copied to the host), NumPy arrays with NumPy. Both
round the same way (``floor(x + 0.5)``), so an image transformed on either comes out equal up to float32
summation order.
"""
import sys

import numpy as np

__all__ = ["is_ndarray", "opencv", "ops_for", "to_host"]


def opencv():
    """The ``cv2`` module if OpenCV is installed (it speeds up NumPy images), else None."""
    global _OPENCV
    if _OPENCV is False:
        try:
            import cv2
        except ImportError:
            cv2 = None
        _OPENCV = cv2
    return _OPENCV


_OPENCV = False


def is_ndarray(value):
    """Whether ``value`` is an MXNet NDArray (without importing MXNet when nobody has)."""
    mx = sys.modules.get("mxnet")
    return mx is not None and isinstance(value, mx.nd.NDArray)


def to_host(value):
    """``value`` as a NumPy array (an NDArray is copied off its device)."""
    return value.asnumpy() if is_ndarray(value) else np.asarray(value)


def ops_for(value):
    """The operation set for ``value``'s array type."""
    if is_ndarray(value):
        return NDArrayOps(value.context)
    return NUMPY_OPS


def _integer_range(dtype):
    info = np.iinfo(dtype)
    return info.min, info.max


class NumpyOps:
    """Array operations on NumPy arrays."""

    def dtype(self, x):
        return np.dtype(x.dtype)

    def shape(self, x):
        return tuple(x.shape)

    def float32(self, x):
        return np.asarray(x, dtype=np.float32)

    def working(self, x):
        """``x`` in the float type arithmetic runs in: its own if it is float, else float32."""
        return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float32)

    def cast_like(self, x, dtype):
        """``x`` (float) as ``dtype``: integers are rounded half up and clipped to their range."""
        dtype = np.dtype(dtype)
        if np.issubdtype(dtype, np.integer):
            low, high = _integer_range(dtype)
            return np.clip(np.floor(x + 0.5), low, high).astype(dtype)
        return x.astype(dtype, copy=False)

    def constant(self, values, dtype=np.float32):
        return np.asarray(values, dtype=dtype)

    def full(self, shape, value, dtype):
        return np.full(shape, value, dtype=dtype)

    def arange(self, n):
        return np.arange(n, dtype=np.float32)

    def repeat_row(self, row, count):
        """``(count,) + row.shape`` array of copies of the host array ``row``."""
        out = np.empty((count,) + row.shape, dtype=row.dtype)
        out[:] = row[None]
        return out

    def take(self, x, index, axis):
        return np.take(x, np.asarray(index).astype(np.int64, copy=False), axis=axis)

    def flip(self, x, axis):
        return x[::-1] if axis == 0 else x[:, ::-1]

    def crop(self, x, top, left, height, width):
        return x[top:top + height, left:left + width]

    def paste(self, canvas, image, top, left, copy=True):
        """``canvas`` with ``image`` written at ``(top, left)``; ``copy=False`` writes into a canvas the
        caller has just made."""
        canvas = canvas.copy() if copy else canvas
        canvas[top:top + image.shape[0], left:left + image.shape[1]] = image
        return canvas

    def channel(self, x, index):
        return x[..., index]

    def stack_channels(self, channels):
        return np.stack(channels, axis=-1)

    def split_channels(self, x):
        return [x[..., i] for i in range(x.shape[-1])]

    def max_channel(self, x):
        return x.max(axis=-1)

    def min_channel(self, x):
        return x.min(axis=-1)

    def mean(self, x):
        return float(x.mean(dtype=np.float64))

    def floor(self, x):
        return np.floor(x)

    def clip(self, x, low, high):
        return np.clip(x, low, high)

    def where(self, condition, x, y):
        return np.where(condition, x, y)

    def maximum(self, x, value):
        return np.maximum(x, value)

    def minimum(self, x, value):
        return np.minimum(x, value)

    def reshape(self, x, shape):
        return x.reshape(shape)

    def expand_last(self, x):
        return x[..., None]


NUMPY_OPS = NumpyOps()


class NDArrayOps:
    """The same operations with ``mx.nd`` on one context."""

    def __init__(self, context):
        import mxnet as mx
        self.nd = mx.nd
        self.context = context

    def __reduce__(self):
        return NDArrayOps, (self.context,)

    def dtype(self, x):
        return np.dtype(x.dtype)

    def shape(self, x):
        return tuple(x.shape)

    def float32(self, x):
        return x.astype(np.float32, copy=False)

    def working(self, x):
        return x if np.issubdtype(np.dtype(x.dtype), np.floating) else x.astype(np.float32)

    def cast_like(self, x, dtype):
        dtype = np.dtype(dtype)
        if np.issubdtype(dtype, np.integer):
            low, high = _integer_range(dtype)
            return self.nd.clip(self.nd.floor(x + 0.5), low, high).astype(dtype)
        return x.astype(dtype, copy=False)

    def constant(self, values, dtype=np.float32):
        return self.nd.array(np.asarray(values, dtype=dtype), ctx=self.context, dtype=dtype)

    def full(self, shape, value, dtype):
        return self.nd.full(shape, value, ctx=self.context, dtype=dtype)

    def arange(self, n):
        return self.nd.arange(n, ctx=self.context, dtype=np.float32)

    def repeat_row(self, row, count):
        row = self.nd.array(row[None], ctx=self.context, dtype=row.dtype)
        return self.nd.broadcast_to(row, shape=(count,) + row.shape[1:])

    def take(self, x, index, axis):
        if not is_ndarray(index):
            index = self.nd.array(index, ctx=self.context, dtype=np.int64)
        return self.nd.take(x, index, axis=axis)

    def flip(self, x, axis):
        # MXNet's image.flip_left_right / flip_top_bottom (CPU) are about 3x faster than nd.flip, but swap
        # pairs of columns (rows) and never write the middle one of an odd extent: use them on even extents
        if (self.context.device_type == "cpu" and x.ndim == 3 and x.shape[-1] in (1, 3)
                and x.shape[axis] % 2 == 0):
            return (self.nd.image.flip_left_right if axis == 1 else self.nd.image.flip_top_bottom)(x)
        return self.nd.flip(x, axis=axis)

    def crop(self, x, top, left, height, width):
        begin = (top, left) + (None,) * (x.ndim - 2)
        end = (top + height, left + width) + (None,) * (x.ndim - 2)
        return self.nd.slice(x, begin=begin, end=end)

    def paste(self, canvas, image, top, left, copy=True):
        """``canvas`` with ``image`` written at ``(top, left)``; ``copy=False`` writes into a canvas the
        caller has just made."""
        canvas = canvas.copy() if copy else canvas
        canvas[top:top + image.shape[0], left:left + image.shape[1]] = image
        return canvas

    def channel(self, x, index):
        return self.nd.slice_axis(x, axis=-1, begin=index, end=index + 1).reshape(x.shape[:-1])

    def stack_channels(self, channels):
        return self.nd.stack(*channels, axis=-1)

    def split_channels(self, x):
        if x.shape[-1] == 1:
            return [x.reshape(x.shape[:-1])]
        return list(self.nd.split(x, num_outputs=x.shape[-1], axis=-1, squeeze_axis=True))

    # MXNet's CPU reduction over a short last axis is several times slower than elementwise maxima
    def max_channel(self, x):
        channels = self.split_channels(x)
        out = channels[0]
        for channel in channels[1:]:
            out = self.nd.maximum(out, channel)
        return out

    def min_channel(self, x):
        channels = self.split_channels(x)
        out = channels[0]
        for channel in channels[1:]:
            out = self.nd.minimum(out, channel)
        return out

    def mean(self, x):
        return float(self.nd.mean(x.astype(np.float64)).asscalar())

    def floor(self, x):
        return self.nd.floor(x)

    def clip(self, x, low, high):
        return self.nd.clip(x, low, high)

    def where(self, condition, x, y):
        if not is_ndarray(x):
            x = self.nd.full(condition.shape, x, ctx=self.context, dtype=np.float32)
        if not is_ndarray(y):
            y = self.nd.full(condition.shape, y, ctx=self.context, dtype=np.float32)
        return self.nd.where(condition, x, y)

    def maximum(self, x, value):
        return self.nd.maximum(x, value)

    def minimum(self, x, value):
        return self.nd.minimum(x, value)

    def reshape(self, x, shape):
        return x.reshape(shape)

    def expand_last(self, x):
        return self.nd.expand_dims(x, axis=-1)
