"""Input generation and output flattening shared by the conformance checks."""
import numpy as np

from ..deploy.graph_io import as_ndarrays, input_names, make_inputs, sized_shape

__all__ = ["make_inputs", "as_ndarrays", "input_names", "sized_shape", "flatten_outputs", "assert_outputs_close"]


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
