"""ONNX through ``mx.onnx.export_model``, cleaned up and checked in onnxruntime.

The conversion itself (opset 13, unique node names, outputs renamed to the block's output names,
``onnx.checker``) is :func:`gluonx.deploy.onnx_convert.export_onnx`, shared with the conformance kit. On
top of it this module:

- removes the weights from the graph inputs: MXNet's converter lists every initializer as an input too,
  which makes onnxruntime warn once per weight and skip constant folding;
- checks parity in onnxruntime against MXNet's outputs, at the example shapes and at the other batch size,
  sequence length or image size probed for each dynamic axis;
- turns "No conversion function registered for op type X" into an error that names the op.
"""
import numpy as np

from .._registry import EXTRA_MODULES, MissingExtraError
from .onnx_convert import export_onnx, run_onnx
from .errors import ExportError

__all__ = ["require_onnx", "convert_to_onnx", "strip_initializer_inputs", "onnx_parity", "onnx_io_names"]


def require_onnx():
    """Raise :class:`gluonx.MissingExtraError` with the install command if onnx/onnxruntime are missing."""
    import importlib.util
    missing = [m for m in EXTRA_MODULES["onnx"] if importlib.util.find_spec(m) is None]
    if missing:
        raise MissingExtraError("ONNX export needs the 'onnx' extra (missing: {}). Install it with: "
                                "pip install 'gluonx[onnx]'".format(", ".join(missing)))


def strip_initializer_inputs(onnx_file):
    """Drop graph inputs that are initializers (weights), then re-run ``onnx.checker``; returns the count."""
    import onnx
    model = onnx.load(onnx_file)
    weights = {init.name for init in model.graph.initializer}
    keep = [value for value in model.graph.input if value.name not in weights]
    removed = len(model.graph.input) - len(keep)
    if removed:
        del model.graph.input[:]
        model.graph.input.extend(keep)
        onnx.checker.check_model(model)
        onnx.save(model, onnx_file)
    return removed


def onnx_io_names(onnx_file):
    """Input and output names of an ONNX graph, in order."""
    import onnx
    graph = onnx.load(onnx_file).graph
    weights = {init.name for init in graph.initializer}
    return [v.name for v in graph.input if v.name not in weights], [v.name for v in graph.output]


def convert_to_onnx(symbol_file, params_file, flat_inputs, onnx_file, batch_axes=None, dynamic_axes=None,
                    output_names=None):
    """Convert exported MXNet files to ONNX, validated by ``onnx.checker``.

    Parameters
    ----------
    symbol_file, params_file : str
        Files written by ``HybridBlock.export``.
    flat_inputs : sequence of NDArray
        Example inputs in graph order (they fix the input signature).
    onnx_file : str
        Output path.
    batch_axes : sequence of int or None, optional
        Per input, the axis made dynamic (``None`` for none); ``None`` exports static shapes.
    dynamic_axes : sequence of sequence of int, optional
        Per input, every axis made dynamic (batch, sequence length, height, width); overrides ``batch_axes``.
    output_names : sequence of str, optional
        Names given to the ONNX outputs, in the symbol's output order (default: the symbol's).

    Returns
    -------
    dict
        ``opset`` (13), ``outputs_matched``, ``input_names``, ``output_names`` of the ONNX graph.

    Raises
    ------
    ExportError
        If MXNet cannot convert an op (the message names it) or the checker rejects the graph.
    """
    require_onnx()
    import onnx
    try:
        converted = export_onnx(symbol_file, params_file, flat_inputs, onnx_file, batch_axes=batch_axes,
                                dynamic_axes=dynamic_axes, output_names=output_names)
    except AttributeError as err:
        if "No conversion function registered" in str(err):
            raise ExportError("ONNX: MXNet 1.9.1 cannot convert this model to ONNX: {} Export with "
                              "formats=('symbol',) (CLI: leave out --onnx) to deploy with MXNet."
                              .format(err)) from None
        raise
    except NotImplementedError as err:
        raise ExportError("ONNX: MXNet 1.9.1's converter does not support this configuration: {} Export with "
                          "formats=('symbol',) (CLI: leave out --onnx) to deploy with MXNet.".format(err)) from None
    except onnx.checker.ValidationError as err:
        raise ExportError("ONNX: the converted graph fails onnx.checker: {}".format(err)) from None
    strip_initializer_inputs(onnx_file)
    inputs, outputs = onnx_io_names(onnx_file)
    converted.pop("names", None)  # the same as output_names, read back from the file
    return dict(converted, input_names=inputs, output_names=outputs)


def onnx_parity(onnx_file, flat_inputs, expected, rtol, atol, probe=False, output_names=None):
    """Run ``onnx_file`` in onnxruntime on ``flat_inputs`` and compare with MXNet's ``expected`` outputs.

    ``probe=True`` keeps onnxruntime quiet about a failing run (used to test another batch size or
    sequence length); ``output_names`` selects the outputs by name in MXNet's order.

    Returns
    -------
    float
        The largest absolute difference.

    Raises
    ------
    ExportError
        Naming the output and the difference when they disagree.
    """
    got = [np.asarray(x) for x in run_onnx(onnx_file, flat_inputs, output_names, quiet=probe)]
    if len(got) != len(expected):
        raise ExportError("ONNX: onnxruntime returns {} outputs, MXNet {}".format(len(got), len(expected)))
    worst = 0.0
    for index, (want, have) in enumerate(zip(expected, got)):
        if want.shape != have.shape:
            raise ExportError("ONNX: output {} has shape {} in onnxruntime, {} in MXNet (inputs {})".format(
                index, have.shape, want.shape, [tuple(x.shape) for x in flat_inputs]))
        if not np.allclose(have, want, rtol=rtol, atol=atol):
            diff = float(np.max(np.abs(have.astype(np.float64) - want.astype(np.float64))))
            raise ExportError("ONNX: output {} differs from MXNet by up to {:.3g} (rtol={}, atol={}; inputs {})"
                              .format(index, diff, rtol, atol, [tuple(x.shape) for x in flat_inputs]))
        if want.size:
            worst = max(worst, float(np.max(np.abs(have.astype(np.float64) - want.astype(np.float64)))))
    return worst
