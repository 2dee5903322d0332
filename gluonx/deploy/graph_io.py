"""Graph inputs shared by export and the conformance kit: example arrays from InputSpecs, MXNet's input
names, and ``HybridBlock.export`` after a static hybridized run.

Production code (:func:`gluonx.export`) and the test kit (:mod:`gluonx.testing`) both use these, so they
live here and the kit imports them, never the other way round.
"""
import numpy as np

__all__ = ["make_inputs", "as_ndarrays", "input_names", "export_block", "sized_shape"]


def sized_shape(spec, batch_size=None, sizes=None):
    """The shape of ``spec`` with its batch axis set to ``batch_size`` and its named dynamic axes to ``sizes``.

    Parameters
    ----------
    spec : gluonx.InputSpec
    batch_size : int, optional
    sizes : dict of str to int, optional
        Size of each named axis (``{"time": 9}``); axes of ``spec`` with other names keep their size.
    """
    shape = list(spec.with_batch(batch_size) if batch_size is not None else spec.shape)
    for axis, name in spec.dynamic_axes:
        if sizes and name in sizes:
            shape[axis] = int(sizes[name])
    return tuple(shape)


def make_inputs(specs, batch_size=None, seed=0, dtype=None, ctx=None, sizes=None):
    """Generate example inputs from :class:`gluonx.InputSpec` records.

    Parameters
    ----------
    specs : sequence of InputSpec
        One spec per positional input.
    batch_size : int, optional
        Replace the example batch size on every input that has a batch axis.
    seed : int
        Seed of the NumPy generator (the same seed gives the same arrays).
    dtype : str, optional
        Override the dtype of floating-point inputs (e.g. ``"float64"`` for gradient checks).
    ctx : mx.Context, optional
        Device of the returned NDArrays (default: current context).
    sizes : dict of str to int, optional
        Sizes of named dynamic axes (``{"time": 9, "height": 40}``).

    Returns
    -------
    list of mx.nd.NDArray
        Integer inputs hold values in ``[low, high)`` (token ids within the vocabulary); an input whose
        ``length_of`` names an axis holds lengths in ``[max(low, 1), size of that axis]`` (valid lengths).
    """
    import mxnet as mx
    rng = np.random.RandomState(seed)
    shapes = [sized_shape(spec, batch_size, sizes) for spec in specs]
    arrays = []
    for spec, shape in zip(specs, shapes):
        if spec.length_of is not None:
            source, axis = spec.length_of
            longest = shapes[source][axis]
            value = rng.randint(max(int(spec.low), 1), longest + 1, size=shape).astype(spec.dtype)
        elif spec.is_integer:
            value = rng.randint(int(spec.low), int(spec.high), size=shape).astype(spec.dtype)
        else:
            value = rng.uniform(spec.low, spec.high, size=shape).astype(dtype or spec.dtype)
        arrays.append(mx.nd.array(value, dtype=value.dtype, ctx=ctx))
    return arrays


def as_ndarrays(inputs):
    """Turn one array or a sequence of arrays (NumPy or NDArray) into a list of NDArrays."""
    import mxnet as mx
    if isinstance(inputs, (mx.nd.NDArray, np.ndarray)):
        inputs = [inputs]
    return [x if isinstance(x, mx.nd.NDArray) else mx.nd.array(x, dtype=np.asarray(x).dtype)
            for x in inputs]


def input_names(count):
    """Names MXNet's ``HybridBlock.export`` gives to ``count`` inputs: ``data`` or ``data0, data1, ...``."""
    return ["data"] if count == 1 else ["data%d" % i for i in range(count)]


def export_block(block, inputs, path):
    """Hybridize ``block`` (static), run it once on ``inputs`` and ``export`` it to ``path`` (epoch 0).

    Returns
    -------
    tuple of str
        Paths of the ``-symbol.json`` and ``-0000.params`` files.
    """
    inputs = as_ndarrays(inputs)
    block.hybridize(active=True, static_alloc=True, static_shape=True)
    block(*inputs)
    block.export(path, epoch=0)
    return path + "-symbol.json", path + "-0000.params"
