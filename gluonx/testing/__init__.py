"""The conformance kit: checks of the hybridization contract (docs/conformance.md) for any HybridBlock.

Used by gluonx's own tests and by third-party plugins:

- :func:`check_hybridize` — imperative vs hybridized (static_alloc, static_shape) outputs, several batch sizes;
- :func:`check_export` — ``export()`` then ``SymbolBlock.imports`` in a process that cannot import gluonx;
- :func:`check_onnx` — ``mx.onnx.export_model`` + ``onnx.checker`` + onnxruntime parity;
- :func:`check_gradient` — finite differences in float64 vs autograd;
- :func:`check_entry` — all of the above that a registry record claims.

Examples
--------
>>> import mxnet as mx
>>> from gluonx.testing import check_hybridize
>>> net = mx.gluon.nn.Dense(3); net.initialize()
>>> _ = check_hybridize(net, [mx.nd.ones((2, 4))])
"""
from ._arrays import assert_outputs_close, flatten_outputs, input_names, make_inputs, sized_shape
from .conformance import (CONFORMANCE_KINDS, axis_sizes, build_entry, check_entry, conformance_entries,
                          entry_dynamic_axes, entry_inputs)
from .export import check_export, export_block
from .gradient import check_gradient
from .hybridize import check_hybridize
from .isolated import run_isolated
from .onnx_parity import check_onnx, export_onnx, run_onnx

__all__ = [
    "check_hybridize", "check_export", "check_onnx", "check_gradient", "check_entry",
    "conformance_entries", "build_entry", "entry_inputs", "make_inputs", "flatten_outputs",
    "assert_outputs_close", "input_names", "export_block", "export_onnx", "run_onnx", "run_isolated",
    "CONFORMANCE_KINDS", "axis_sizes", "entry_dynamic_axes", "sized_shape",
]
