"""Input generation and output flattening shared by the conformance checks."""
import numpy as np


def make_inputs(specs, batch_size=None, seed=0, dtype=None, ctx=None):
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

    Returns
    -------
    list of mx.nd.NDArray
    """
    import mxnet as mx
    rng = np.random.RandomState(seed)
    arrays = []
    for spec in specs:
        shape = spec.with_batch(batch_size) if batch_size is not None else spec.shape
        if spec.is_integer:
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


def flatten_outputs(outputs):
    """Flatten nested tuples/lists of NDArrays into a list of NumPy arrays (blocking: reads values)."""
    import mxnet as mx
    if isinstance(outputs, (list, tuple)):
        flat = []
        for item in outputs:
            flat.extend(flatten_outputs(item))
        return flat
    if isinstance(outputs, mx.nd.NDArray):
        return [outputs.asnumpy()]
    return [np.asarray(outputs)]


def assert_outputs_close(expected, got, rtol, atol, what):
    """Compare two flat lists of arrays with a message that names the check and the output index."""
    if len(expected) != len(got):
        raise AssertionError("{}: expected {} outputs, got {}".format(what, len(expected), len(got)))
    for index, (want, have) in enumerate(zip(expected, got)):
        if want.shape != have.shape:
            raise AssertionError("{}: output {} has shape {}, expected {}".format(
                what, index, have.shape, want.shape))
        np.testing.assert_allclose(have, want, rtol=rtol, atol=atol,
                                   err_msg="{}: output {} differs".format(what, index))


def input_names(count):
    """Names MXNet's ``HybridBlock.export`` gives to ``count`` inputs: ``data`` or ``data0, data1, ...``."""
    return ["data"] if count == 1 else ["data%d" % i for i in range(count)]
