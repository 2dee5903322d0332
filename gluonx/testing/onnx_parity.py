"""ONNX export through ``mx.onnx.export_model`` and parity in onnxruntime (docs/conformance.md, step 4)."""
import os
import tempfile

import numpy as np

from ._arrays import as_ndarrays, assert_outputs_close, flatten_outputs, input_names
from .export import export_block


def export_onnx(symbol_file, params_file, inputs, onnx_file, batch_axes=None):
    """Convert an exported MXNet model to ONNX and validate it with ``onnx.checker``.

    Parameters
    ----------
    symbol_file, params_file : str
        The files written by ``HybridBlock.export``.
    inputs : sequence of NDArray or numpy.ndarray
        Example inputs (their shapes and dtypes fix the ONNX input signature).
    onnx_file : str
        Output path.
    batch_axes : sequence of int or None, optional
        Per input, the axis to make dynamic (``None`` for a fixed input); ``None`` exports static shapes.

    Returns
    -------
    str
        ``onnx_file``.
    """
    import mxnet as mx
    import onnx
    shapes = [tuple(x.shape) for x in inputs]
    dtypes = [np.dtype(x.dtype) for x in inputs]
    dynamic_shapes = None
    if batch_axes is not None:
        dynamic_shapes = [tuple(None if axis is not None and d == axis % len(shape) else size
                                for d, size in enumerate(shape)) for shape, axis in zip(shapes, batch_axes)]
    # export_model matches shapes to the graph's inputs in the order the graph first uses them
    # (Symbol.list_inputs), which need not be the call order data0, data1, ...
    names = input_names(len(inputs))
    order = [names.index(n) for n in mx.sym.load(symbol_file).list_inputs() if n in names]
    shapes, dtypes = [shapes[i] for i in order], [dtypes[i] for i in order]
    if dynamic_shapes is not None:
        dynamic_shapes = [dynamic_shapes[i] for i in order]
    mx.onnx.export_model(symbol_file, params_file, in_shapes=shapes, in_types=dtypes,
                         onnx_file_path=onnx_file, dynamic=batch_axes is not None,
                         dynamic_input_shapes=dynamic_shapes)
    onnx.checker.check_model(onnx.load(onnx_file))
    return onnx_file


def run_onnx(onnx_file, inputs, output_names=None):
    """Run an ONNX file in onnxruntime (CPU) on ``inputs`` in MXNet's input order; returns NumPy outputs.

    The converter may write a graph's outputs in another order than the symbol's; give ``output_names``
    (``Symbol.list_outputs()``) to get them back in the symbol's order, matched by name.
    """
    import onnxruntime
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(onnx_file, options, providers=["CPUExecutionProvider"])
    arrays = [x.asnumpy() if hasattr(x, "asnumpy") else np.asarray(x) for x in inputs]
    given = dict(zip(input_names(len(arrays)), arrays))
    wanted = [i.name for i in session.get_inputs()]
    if not set(wanted) <= set(given):
        raise AssertionError("ONNX inputs are {}, but only {} were given".format(sorted(wanted), sorted(given)))
    outputs = session.run(None, {name: given[name] for name in wanted})
    if output_names is None:
        return outputs
    produced = {o.name: value for o, value in zip(session.get_outputs(), outputs)}
    keys = [name if name in produced else name[:-len("_output")] for name in output_names]
    if set(keys) != set(produced):
        return outputs  # names do not correspond: keep the converter's order
    return [produced[key] for key in keys]


def check_onnx(block, inputs, more_inputs=(), batch_axes=None, rtol=1e-4, atol=1e-5, directory=None):
    """Check that ``block`` converts to ONNX, passes ``onnx.checker`` and matches MXNet in onnxruntime.

    Parameters
    ----------
    block : mx.gluon.HybridBlock
        An initialized block.
    inputs, more_inputs
        As in :func:`gluonx.testing.check_hybridize`. ``more_inputs`` (other batch sizes) need
        ``batch_axes``.
    batch_axes : sequence of int or None, optional
        Per input, the axis exported as dynamic.
    directory : str, optional
        Where to write the files (default: a temporary folder).

    Returns
    -------
    list of list of numpy.ndarray
        onnxruntime outputs per input set.
    """
    batches = [as_ndarrays(inputs)] + [as_ndarrays(b) for b in more_inputs]
    if more_inputs and batch_axes is None:
        raise ValueError("check_onnx: more_inputs with other shapes need batch_axes (a dynamic axis)")
    if directory is None:
        with tempfile.TemporaryDirectory(prefix="gluonx-onnx-") as tmp:
            return check_onnx(block, inputs, more_inputs, batch_axes, rtol, atol, directory=tmp)
    symbol_file, params_file = export_block(block, batches[0], os.path.join(directory, "model"))
    onnx_file = export_onnx(symbol_file, params_file, batches[0], os.path.join(directory, "model.onnx"),
                            batch_axes=batch_axes)
    import mxnet as mx
    output_names = mx.sym.load(symbol_file).list_outputs()
    got = []
    for batch in batches:
        expected = flatten_outputs(block(*batch))
        have = [np.asarray(x) for x in run_onnx(onnx_file, batch, output_names)]
        assert_outputs_close(expected, have, rtol, atol, "{}: onnxruntime vs MXNet, inputs {}".format(
            type(block).__name__, [tuple(x.shape) for x in batch]))
        got.append(have)
    return got
