"""Export and deployment: ``gluonx.export``, the manifest, ``gluonx.Predictor``, parameter-name fixes.

The package is called ``deploy`` rather than ``export`` on purpose: ``gluonx.export`` is the function, and
Python's import system binds every imported subpackage as an attribute of its parent, so a subpackage named
``export`` would silently replace the function the first time anything imported from it.

Names load on first use, so the ``gluonx export``/``predict`` commands cost nothing until they run.

Examples
--------
>>> import mxnet as mx, numpy as np, gluonx
>>> net = gluonx.get_model("mlp", num_classes=5); net.initialize()
>>> result = gluonx.export(net, "exports/mlp", [mx.nd.ones((4, 1, 28, 28))])     # doctest: +SKIP
>>> predictor = gluonx.Predictor("exports/mlp", backend="onnxruntime")   # doctest: +SKIP
>>> predictor(np.ones((100, 16), "float32")).shape                       # doctest: +SKIP
(100, 5)
"""
import importlib

#: Public name -> the submodule that defines it.
_PUBLIC = {
    "export": "exporter", "ExportResult": "exporter", "FILE_NAMES": "exporter",
    "Predictor": "predictor", "top_k": "predictor", "import_symbol": "predictor",
    "load_parameters": "naming", "parameter_names": "naming", "read_parameter_file": "naming",
    "ParameterMismatchError": "naming",
    "read_manifest": "manifest", "Manifest": "manifest", "MANIFEST_NAME": "manifest", "ManifestError": "manifest",
    "ExportError": "errors", "InputMismatchError": "errors",
}


def __getattr__(name):
    if name in _PUBLIC:
        return getattr(importlib.import_module("." + _PUBLIC[name], __name__), name)
    raise AttributeError("module 'gluonx.deploy' has no attribute '{}'".format(name))


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC))


__all__ = sorted(_PUBLIC)
