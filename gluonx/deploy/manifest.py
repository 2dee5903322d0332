"""The export manifest: everything a deployment needs to know about an exported model, as plain JSON.

``manifest.json`` sits beside the files it describes and is written last, atomically: a folder with a
manifest holds a complete export, and the sha256 of every file lets a loader refuse a truncated, mixed or
modified one. It records the inputs (names, example shapes, which axes are dynamic, dtypes, nesting), the
outputs, preprocessing and class names where known, the name of every parameter (structural and exported,
so weights load into a block built under another name scope), the versions that wrote it, and the checks
that passed.

Examples
--------
>>> from gluonx.deploy import read_manifest
>>> manifest, folder = read_manifest("exports/lenet")      # doctest: +SKIP
>>> manifest.inputs[0]["shape"], manifest.inputs[0]["dynamic_axes"]   # doctest: +SKIP
([4, 1, 28, 28], [0])
"""
import hashlib
import json
import os

__all__ = ["MANIFEST_NAME", "FORMAT", "FORMAT_VERSION", "ManifestError", "Manifest", "read_manifest",
           "sha256_file", "file_record"]

MANIFEST_NAME = "manifest.json"
FORMAT = "gluonx-export"
#: Bumped when a field changes meaning; readers refuse manifests newer than they understand.
#: Version 2 added named dynamic axes besides the batch (``axis_names``; ONNX ``dynamic_axes``), input
#: labels and vocabulary sizes, named outputs (ONNX outputs renamed to them), ``postprocessing``, and the
#: ``resize``/``channel_order``/``pad_value`` preprocessing keys, which a version-1 reader would ignore
#: (feeding a letterboxed model stretched pictures). Version-1 manifests are still read.
FORMAT_VERSION = 2
_REQUIRED = ("format", "format_version", "inputs", "input_format", "outputs", "output_format", "files")
#: Which files each backend reads.
BACKEND_FILES = {"mxnet": ("symbol", "params"), "onnxruntime": ("onnx",)}


class ManifestError(ValueError):
    """An export folder is incomplete, foreign, from a newer gluonx, or its files do not match."""


def sha256_file(path, chunk_size=1 << 20):
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_record(folder, name):
    """The manifest entry of one file: its name within ``folder``, size and sha256."""
    path = os.path.join(folder, name)
    return {"path": name, "bytes": os.path.getsize(path), "sha256": sha256_file(path)}


class Manifest:
    """A parsed ``manifest.json`` (the JSON dict is :attr:`data`).

    Parameters
    ----------
    data : dict
        The manifest content; validated on construction.
    source : str
        Where it came from, for error messages.
    """

    def __init__(self, data, source="manifest"):
        self.data = data
        self.source = source
        self._validate()

    def _fail(self, message):
        raise ManifestError("{}: {}".format(self.source, message))

    def _validate(self):
        data = self.data
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            self._fail("not a gluonx export manifest (expected \"format\": \"{}\")".format(FORMAT))
        version = data.get("format_version")
        if not isinstance(version, int) or version < 1:
            self._fail("invalid format_version {!r}".format(version))
        if version > FORMAT_VERSION:
            self._fail("written by a newer gluonx (manifest format {}, this gluonx reads up to {}); upgrade "
                       "gluonx".format(version, FORMAT_VERSION))
        missing = [key for key in _REQUIRED if key not in data]
        if missing:
            self._fail("missing field(s) {}".format(", ".join(missing)))
        if not isinstance(data["inputs"], list) or not data["inputs"]:
            self._fail("'inputs' must be a non-empty list")
        if not isinstance(data["outputs"], list) or not isinstance(data["files"], dict):
            self._fail("'outputs' must be a list and 'files' an object")
        for spec in data["inputs"] + data["outputs"]:
            if not isinstance(spec, dict) or not {"name", "shape", "dtype"} <= set(spec):
                self._fail("every input and output needs name, shape and dtype, got {!r}".format(spec))
        for kind, record in data["files"].items():
            path = record.get("path", "") if isinstance(record, dict) else ""
            # Only plain names inside the export folder: a manifest must not point a loader elsewhere.
            if not path or os.path.basename(path) != path or path in (".", ".."):
                self._fail("file '{}' has an invalid path {!r} (expected a file name in the export folder)"
                           .format(kind, path))
            if not isinstance(record.get("sha256"), str):
                self._fail("file '{}' has no sha256".format(kind))

    # -- accessors --------------------------------------------------------------------------------------
    @property
    def inputs(self):
        """Flat list of input records (``name``, ``shape``, ``dtype``, ``batch_axis``, ``dynamic_axes``)."""
        return self.data["inputs"]

    @property
    def outputs(self):
        """Flat list of output records (``name``, ``shape``, ``dtype``, ``batch_axis``)."""
        return self.data["outputs"]

    @property
    def input_names(self):
        """Graph input names in call order (``data`` or ``data0, data1, ...``)."""
        return [spec["name"] for spec in self.inputs]

    @property
    def input_format(self):
        """Nesting of the positional inputs (see :mod:`gluonx.deploy.structure`)."""
        return self.data["input_format"]

    @property
    def output_format(self):
        """Nesting of the outputs."""
        return self.data["output_format"]

    @property
    def files(self):
        """Kind (``symbol``, ``params``, ``onnx``) → file record."""
        return self.data["files"]

    @property
    def class_names(self):
        """Class names of a classifier, or None."""
        return self.data.get("class_names")

    @property
    def preprocessing(self):
        """Preprocessing of image inputs (``layout``, ``scale``, ``mean``, ``std``), or None."""
        return self.data.get("preprocessing")

    @property
    def postprocessing(self):
        """What each output holds (``{"outputs": {NAME: {"kind": ...}}}``), or None."""
        return self.data.get("postprocessing")

    @property
    def output_names(self):
        """Output names in order (the block's, or those given to ``gluonx.export``)."""
        return [spec["name"] for spec in self.outputs]

    def dynamic_axes(self, backend="mxnet"):
        """Per input, the axes that may change size with ``backend`` (``"mxnet"`` or ``"onnxruntime"``).

        For a version-1 manifest: the batch axis, when it was exported dynamic (for ONNX, when the ONNX
        graph's batch was).
        """
        onnx_record = self.data.get("onnx") or {}
        if backend == "onnxruntime":
            if "dynamic_axes" in onnx_record:
                return [list(axes) for axes in onnx_record["dynamic_axes"]]
            if not onnx_record.get("dynamic_batch", False):
                return [[] for _ in self.inputs]
        return [list(spec.get("dynamic_axes") or []) for spec in self.inputs]

    def axis_name(self, index, axis):
        """The name of ``axis`` of input ``index`` (``"batch"``, ``"time"``...), or None."""
        spec = self.inputs[index]
        names = spec.get("axis_names")
        if names is None:  # version 1: only the batch axis could be dynamic
            return "batch" if axis == spec.get("batch_axis") else None
        return names.get(str(axis))

    @property
    def task(self):
        """The model's task (``classification``...), or None."""
        return (self.data.get("model") or {}).get("task")

    def has(self, kind):
        """True when the export holds the file ``kind``."""
        return kind in self.files

    def file_path(self, folder, kind):
        """Absolute path of file ``kind``; raises :class:`ManifestError` if the export has none."""
        if kind not in self.files:
            self._fail("this export has no '{}' file (it holds: {})".format(kind, ", ".join(sorted(self.files))))
        return os.path.join(folder, self.files[kind]["path"])

    def verify(self, folder, kinds=None):
        """Check that the files exist and match their recorded size and sha256.

        Raises
        ------
        ManifestError
            Naming the file and what differs.
        """
        for kind in kinds if kinds is not None else sorted(self.files):
            path = self.file_path(folder, kind)
            record = self.files[kind]
            if not os.path.isfile(path):
                self._fail("file {} ({}) is missing: the export is incomplete".format(record["path"], kind))
            size = os.path.getsize(path)
            if "bytes" in record and size != record["bytes"]:
                self._fail("file {} has {} bytes, the manifest says {}: truncated or replaced".format(
                    record["path"], size, record["bytes"]))
            if sha256_file(path) != record["sha256"]:
                self._fail("file {} does not match its sha256 in the manifest: it was modified or belongs "
                           "to another export".format(record["path"]))

    def to_json(self):
        """The manifest as indented JSON text."""
        return json.dumps(self.data, indent=2, sort_keys=True) + "\n"


def read_manifest(path):
    """Read and validate the manifest of an export folder.

    Parameters
    ----------
    path : str
        The export folder, or its ``manifest.json``.

    Returns
    -------
    manifest : Manifest
    folder : str
        The export folder.

    Raises
    ------
    ManifestError
        If there is no manifest (not an export folder, or an export that did not finish), or it is not
        valid JSON, not a gluonx manifest, or from a newer gluonx.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        folder, file_path = path, os.path.join(path, MANIFEST_NAME)
    else:
        folder, file_path = os.path.dirname(os.path.abspath(path)), path
    if not os.path.isfile(file_path):
        if os.path.isdir(path):
            raise ManifestError("{} has no {}: not a gluonx export folder, or its export did not finish"
                                .format(path, MANIFEST_NAME))
        raise ManifestError("{} does not exist".format(path))
    try:
        with open(file_path, "r", encoding="utf-8") as handle:
            data = json.load(handle)
    except (ValueError, UnicodeDecodeError) as err:
        raise ManifestError("{} is not valid JSON (truncated or not a manifest): {}".format(file_path, err)) from None
    return Manifest(data, source=file_path), folder
