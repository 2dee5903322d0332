"""ONNX export through ``mx.onnx.export_model`` and parity in onnxruntime (docs/conformance.md, step 4).

The conversion (opset 13, unique node names, outputs named like the symbol's) is
:func:`gluonx.deploy.onnx_convert.export_onnx`, the one ``gluonx.export`` uses.
"""
import os
import tempfile

import numpy as np

from ..deploy.graph_io import as_ndarrays, export_block
from ..deploy.onnx_convert import export_onnx, run_onnx
from ._arrays import assert_outputs_close, flatten_outputs

__all__ = ["check_onnx", "export_onnx", "run_onnx"]


def check_onnx(block, inputs, more_inputs=(), batch_axes=None, rtol=1e-4, atol=1e-5, directory=None,
               dynamic_axes=None):
    """Check that ``block`` converts to ONNX, passes ``onnx.checker`` and matches MXNet in onnxruntime.

    Parameters
    ----------
    block : mx.gluon.HybridBlock
        An initialized block.
    inputs, more_inputs
        As in :func:`gluonx.testing.check_hybridize`. ``more_inputs`` (other batch sizes, sequence
        lengths, image sizes) need dynamic axes.
    batch_axes : sequence of int or None, optional
        Per input, the batch axis exported as dynamic.
    directory : str, optional
        Where to write the files (default: a temporary folder).
    dynamic_axes : sequence of sequence of int, optional
        Per input, every axis exported as dynamic (overrides ``batch_axes``).

    Returns
    -------
    list of list of numpy.ndarray
        onnxruntime outputs per input set.
    """
    batches = [as_ndarrays(inputs)] + [as_ndarrays(b) for b in more_inputs]
    if more_inputs and batch_axes is None and not dynamic_axes:
        raise ValueError("check_onnx: more_inputs with other shapes need batch_axes or dynamic_axes")
    if directory is None:
        with tempfile.TemporaryDirectory(prefix="gluonx-onnx-") as tmp:
            return check_onnx(block, inputs, more_inputs, batch_axes, rtol, atol, directory=tmp,
                              dynamic_axes=dynamic_axes)
    symbol_file, params_file = export_block(block, batches[0], os.path.join(directory, "model"))
    onnx_file = os.path.join(directory, "model.onnx")
    output_names = export_onnx(symbol_file, params_file, batches[0], onnx_file, batch_axes=batch_axes,
                               dynamic_axes=dynamic_axes)["names"]
    got = []
    for batch in batches:
        expected = flatten_outputs(block(*batch))
        have = [np.asarray(x) for x in run_onnx(onnx_file, batch, output_names)]
        assert_outputs_close(expected, have, rtol, atol, "{}: onnxruntime vs MXNet, inputs {}".format(
            type(block).__name__, [tuple(x.shape) for x in batch]))
        got.append(have)
    return got
