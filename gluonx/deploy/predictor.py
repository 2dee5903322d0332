"""``gluonx.Predictor``: run an exported model from its manifest, with MXNet or onnxruntime.

The predictor needs only the export folder: no plugin, no model code, no registry. It checks the files
against the manifest's sha256, validates every input against the manifest (count, rank, shape, dtype,
empty batch, NaN, token ids outside the vocabulary) with errors that name the expected and the received,
lets every dynamic axis (batch, sequence length, height, width) take any size, splits large inputs into
batches, and returns NumPy arrays nested like the original block's outputs, or named (a dict).
"""
import re

import numpy as np

from .errors import InputMismatchError
from .manifest import BACKEND_FILES, read_manifest
from .postprocessing import to_original
from .preprocessing import prepare_image, preprocess_image
from .text_preprocessing import is_text_preprocessing, prepare_text
from .structure import flatten, regroup

__all__ = ["Predictor", "BACKENDS", "import_symbol", "softmax", "top_k"]

BACKENDS = tuple(BACKEND_FILES)
#: Samples per run when the batch is dynamic and no batch_size is given.
DEFAULT_BATCH_SIZE = 64


def _parse_device(ctx):
    """``(kind, index)`` from None, ``"cpu"``, ``"gpu(1)"``, ``"gpu:1"`` or an ``mx.Context``."""
    if ctx is None:
        return "cpu", 0
    if hasattr(ctx, "device_type"):
        return ctx.device_type, ctx.device_id
    match = re.fullmatch(r"\s*(cpu|gpu)\s*(?:[(:]\s*(\d+)\s*\)?)?\s*", str(ctx))
    if not match:
        raise ValueError("Predictor: ctx must be 'cpu', 'gpu', 'gpu(N)' or an mx.Context, got {!r}".format(ctx))
    return match.group(1), int(match.group(2) or 0)


def import_symbol(symbol_file, params_file, input_names, input_dtypes=None, ctx=None):
    """``SymbolBlock.imports`` with typed inputs (MXNet otherwise warns that it cannot infer their types).

    Needs only MXNet: this is how any process loads an export made by :func:`gluonx.export`.
    """
    import mxnet as mx
    dtypes = input_dtypes or [None] * len(input_names)
    inputs = [mx.sym.var(name, dtype=dtype) if dtype else mx.sym.var(name)
              for name, dtype in zip(input_names, dtypes)]
    try:
        symbol = mx.sym.load(symbol_file)
    except (mx.base.MXNetError, UnicodeDecodeError, ValueError) as err:
        raise ValueError("cannot read symbol file {}: it is corrupted or not an MXNet symbol ({})".format(
            symbol_file, _first_line(err))) from None
    net = mx.gluon.SymbolBlock(symbol, inputs)
    try:
        net.collect_params().load(params_file, ctx, cast_dtype=True, dtype_source="saved")
    except UnicodeDecodeError:  # a corrupted array name fails to decode as UTF-8 inside MXNet
        raise ValueError("cannot read parameter file {}: it is corrupted, truncated or not an MXNet NDArray "
                         "file".format(params_file)) from None
    except (mx.base.MXNetError, AssertionError) as err:
        raise ValueError("cannot load parameter file {} into {}: {}".format(
            params_file, symbol_file, _first_line(err))) from None
    return net


def _first_line(err):
    lines = str(err).strip().splitlines()
    return lines[0] if lines else type(err).__name__


def _dtype_kind(dtype):
    """The kind within which the Predictor converts dtypes: float, integer (signed or not) or bool."""
    return {"f": "float", "i": "integer", "u": "integer", "b": "bool"}.get(np.dtype(dtype).kind, np.dtype(dtype).kind)


def softmax(logits, axis=-1):
    """Numerically stable softmax of a NumPy array."""
    shifted = logits - np.max(logits, axis=axis, keepdims=True)
    exp = np.exp(shifted)
    return exp / np.sum(exp, axis=axis, keepdims=True)


def top_k(scores, k=5, class_names=None):
    """The ``k`` best classes of each row of ``scores`` (N x C logits), with softmax probabilities.

    Returns
    -------
    list of list of (int, str or None, float)
        Per sample: ``(class index, class name, probability)``, best first.
    """
    scores = np.asarray(scores)
    if scores.ndim != 2:
        raise ValueError("top_k expects N x C scores, got shape {}".format(scores.shape))
    probabilities = softmax(scores.astype(np.float64), axis=1)
    k = max(1, min(int(k), scores.shape[1]))
    out = []
    for row in probabilities:
        best = np.argsort(-row, kind="stable")[:k]
        out.append([(int(i), class_names[i] if class_names else None, float(row[i])) for i in best])
    return out


class Predictor:
    """Run an exported model (a folder written by :func:`gluonx.export`).

    Parameters
    ----------
    path : str
        The export folder or its ``manifest.json``.
    ctx : str or mx.Context, optional
        ``"cpu"`` (default), ``"gpu"``, ``"gpu(N)"``. For onnxruntime, a GPU needs the CUDA provider.
    backend : str
        ``"mxnet"`` (``-symbol.json`` + ``.params`` through ``SymbolBlock``) or ``"onnxruntime"``
        (``model.onnx``).
    batch_size : int, optional
        Samples per run for dynamic-batch models (default 64). Models exported with a static batch run
        exactly their example batch size.
    verify : bool
        Check the files against their sha256 in the manifest before loading (default True).
    check_finite : bool
        Reject floating-point inputs that contain NaN or infinity (default True).
    threads : int, optional
        onnxruntime's intra-op threads (MXNet reads ``OMP_NUM_THREADS`` before it is imported).

    Examples
    --------
    >>> import numpy as np, gluonx
    >>> predictor = gluonx.Predictor("exports/lenet", backend="onnxruntime")      # doctest: +SKIP
    >>> logits = predictor(np.zeros((8, 1, 28, 28), "float32"))                   # doctest: +SKIP
    >>> predictor.classify(np.zeros((1, 1, 28, 28), "float32"), k=3)            # doctest: +SKIP
    [[(7, '7', 0.31), (1, '1', 0.12), (3, '3', 0.1)]]

    Raises
    ------
    gluonx.deploy.ManifestError
        If the folder holds no complete export, or a file does not match the manifest.

    References
    ----------
    D2L 8.1 (a hybridized, exported model runs without its Python code); D2L 3.4 (softmax for the
    probabilities of :meth:`classify`).
    """

    def __init__(self, path, ctx=None, backend="mxnet", batch_size=None, verify=True, check_finite=True,
                 threads=None):
        if backend not in BACKENDS:
            raise ValueError("Predictor: backend must be one of {}, got {!r}".format(BACKENDS, backend))
        self.manifest, self.folder = read_manifest(path)
        self.backend = backend
        self.check_finite = check_finite
        for kind in BACKEND_FILES[backend]:
            self.manifest.file_path(self.folder, kind)  # a clear error if the export lacks this backend
        if verify:
            self.manifest.verify(self.folder, BACKEND_FILES[backend])
        self._dynamic = self._dynamic_axes()
        if batch_size is not None and int(batch_size) < 1:
            raise ValueError("Predictor: batch_size must be at least 1, got {}".format(batch_size))
        self.batch_size = int(batch_size) if batch_size is not None else DEFAULT_BATCH_SIZE
        self._device = _parse_device(ctx)
        self._run = self._load_mxnet(threads) if backend == "mxnet" else self._load_onnxruntime(threads)

    # -- loading ------------------------------------------------------------------------------------------
    def _dynamic_axes(self):
        """Per input, its batch axis when the backend's graph takes any batch size, else None."""
        self._free = self.manifest.dynamic_axes(self.backend)
        return [spec.get("batch_axis") if spec.get("batch_axis") in free else None
                for spec, free in zip(self.manifest.inputs, self._free)]

    def _load_mxnet(self, threads):
        import mxnet as mx
        kind, index = self._device
        self.ctx = mx.gpu(index) if kind == "gpu" else mx.cpu(index)
        net = import_symbol(self.manifest.file_path(self.folder, "symbol"),
                            self.manifest.file_path(self.folder, "params"), self.manifest.input_names,
                            [spec["dtype"] for spec in self.manifest.inputs], self.ctx)
        net.hybridize(static_alloc=True)
        self.net = net

        def run(arrays):
            out = net(*[mx.nd.array(x, ctx=self.ctx, dtype=x.dtype) for x in arrays])
            return [o.asnumpy() for o in (out if isinstance(out, (list, tuple)) else [out])]
        return run

    def _load_onnxruntime(self, threads):
        from .onnx_export import require_onnx
        require_onnx()
        import onnxruntime
        kind, index = self._device
        self.ctx = "{}({})".format(kind, index)
        if kind == "gpu":
            available = onnxruntime.get_available_providers()
            if "CUDAExecutionProvider" not in available:
                raise ValueError("Predictor: ctx {} needs onnxruntime's CUDAExecutionProvider; this onnxruntime "
                                 "has {}".format(self.ctx, available))
            providers = [("CUDAExecutionProvider", {"device_id": index})]
        else:
            providers = ["CPUExecutionProvider"]
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        if threads:
            options.intra_op_num_threads = int(threads)
        session = onnxruntime.InferenceSession(self.manifest.file_path(self.folder, "onnx"), options,
                                               providers=providers)
        self.session = session
        names = self.manifest.input_names
        produced = [o.name for o in session.get_outputs()]
        # version-2 exports name the ONNX outputs like the manifest; older ones keep the graph's order
        wanted = self.manifest.output_names if set(self.manifest.output_names) <= set(produced) else None

        def run(arrays):
            return [np.asarray(o) for o in session.run(wanted, dict(zip(names, arrays)))]
        return run

    # -- inputs -------------------------------------------------------------------------------------------
    @property
    def inputs(self):
        """The manifest's input records (name, shape, dtype, batch_axis, dynamic_axes)."""
        return self.manifest.inputs

    @property
    def outputs(self):
        """The manifest's output records."""
        return self.manifest.outputs

    @property
    def class_names(self):
        """Class names recorded at export, or None."""
        return self.manifest.class_names

    def _expected_shape(self, spec, axis):
        index = self.manifest.inputs.index(spec)
        free = self._free[index]

        def dim(d, size):
            if d == axis:
                return "N"
            if d in free:
                return self.manifest.axis_name(index, d) or "*"
            return str(size)
        return "(" + ", ".join(dim(d, s) for d, s in enumerate(spec["shape"])) + ")"

    def _fail(self, spec, axis, message):
        where = "batch axis {} is any size N".format(axis) if axis is not None else "fixed batch"
        raise InputMismatchError("Predictor({}): input '{}' expects shape {} ({}) and dtype {}; {}".format(
            self._label(), spec["name"], self._expected_shape(spec, axis), where, spec["dtype"], message))

    def _label(self):
        model = self.manifest.data.get("model") or {}
        return model.get("name") or model.get("class", "model").rsplit(".", 1)[-1]

    def validate(self, *inputs):
        """Check inputs against the manifest and return them as flat NumPy arrays in the model's dtypes.

        Raises
        ------
        InputMismatchError
            Naming the input, the expected shape/dtype and what was received.
        """
        import numbers
        specs = self.manifest.inputs
        if len(inputs) == 1 and isinstance(inputs[0], dict):
            inputs = self._by_name(inputs[0])
        flat, _ = flatten(list(inputs))
        if len(flat) != len(specs):
            raise InputMismatchError("Predictor({}): expects {} input array(s) ({}) nested as {}, got {}".format(
                self._label(), len(specs), ", ".join(s["name"] for s in specs), self.manifest.input_format,
                len(flat)))
        arrays, batch, sizes = [], None, {}
        for index, (value, spec, axis) in enumerate(zip(flat, specs, self._dynamic)):
            if hasattr(value, "asnumpy"):
                value = value.asnumpy()
            if isinstance(value, numbers.Number):
                value = np.asarray(value)
            value = np.asarray(value)
            if value.dtype == object or value.dtype.kind not in "biuf":
                self._fail(spec, axis, "got an array of dtype {}".format(value.dtype))
            expected = spec["shape"]
            if value.ndim != len(expected):
                hint = " (add the batch axis: x[None])" if value.ndim == len(expected) - 1 and axis is not None else ""
                self._fail(spec, axis, "got rank {} with shape {}{}".format(value.ndim, value.shape, hint))
            for dim, (want, have) in enumerate(zip(expected, value.shape)):
                if dim != axis and dim in self._free[index]:
                    name = self.manifest.axis_name(index, dim)
                    if have == 0:
                        self._fail(spec, axis, "got shape {} (axis {} '{}' is empty)".format(value.shape, dim, name))
                    if name is not None and sizes.setdefault(name, (have, spec["name"]))[0] != have:
                        self._fail(spec, axis, "got {} = {} at axis {} while input '{}' has {}".format(
                            name, have, dim, sizes[name][1], sizes[name][0]))
                elif dim != axis and want != have:
                    self._fail(spec, axis, "got shape {} (axis {} is {}, expected {})".format(
                        value.shape, dim, have, want))
            if axis is not None:
                if value.shape[axis] == 0:
                    self._fail(spec, axis, "got an empty batch, shape {}".format(value.shape))
                if batch is not None and value.shape[axis] != batch:
                    self._fail(spec, axis, "got batch size {} while another input has {}".format(
                        value.shape[axis], batch))
                batch = value.shape[axis]
            want_dtype = np.dtype(spec["dtype"])
            if _dtype_kind(value.dtype) != _dtype_kind(want_dtype):
                # NumPy's "same_kind" would let int64 and bool pass for float32: converted silently, wrong
                self._fail(spec, axis, "got dtype {} ({}), which does not convert to {} ({}) within its kind; "
                                       "convert it explicitly (x.astype('{}')) if that is what you mean".format(
                                           value.dtype, _dtype_kind(value.dtype), want_dtype,
                                           _dtype_kind(want_dtype), want_dtype))
            if self.check_finite and value.dtype.kind == "f" and not np.all(np.isfinite(value)):
                self._fail(spec, axis, "got NaN or infinite values (pass check_finite=False to allow them)")
            arrays.append(np.ascontiguousarray(value, dtype=want_dtype))
            self._check_range(spec, axis, arrays[-1], arrays, flat)
        return arrays

    def _check_range(self, spec, axis, value, arrays, flat):
        """Token ids inside the vocabulary; valid lengths within their sequence."""
        if spec.get("vocab_size") is not None and value.size:
            low, high = int(value.min()), int(value.max())
            if low < 0 or high >= spec["vocab_size"]:
                self._fail(spec, axis, "got token ids in [{}, {}], outside the vocabulary [0, {})".format(
                    low, high, spec["vocab_size"]))
        if spec.get("length_of") is not None and value.size:
            source, source_axis = spec["length_of"]
            if source < len(flat):
                longest = np.shape(flat[source])[source_axis] if np.ndim(flat[source]) > source_axis else None
                if longest is not None and (value.min() < 0 or value.max() > longest):
                    self._fail(spec, axis, "got lengths in [{}, {}] for sequences of length {} (input '{}')".format(
                        value.min(), value.max(), longest, self.manifest.inputs[source]["name"]))

    def _by_name(self, given):
        """Inputs given as a dict, keyed by graph name (``data0``) or label, in the model's order."""
        specs = self.manifest.inputs
        out, used = [], set()
        for spec in specs:
            keys = [key for key in (spec["name"], spec.get("label")) if key is not None and key in given]
            if not keys:
                raise InputMismatchError("Predictor({}): input '{}'{} is missing; given {}".format(
                    self._label(), spec["name"], " ({})".format(spec["label"]) if spec.get("label") else "",
                    sorted(given)))
            out.append(given[keys[0]])
            used.add(keys[0])
        extra = sorted(set(given) - used)
        if extra:
            raise InputMismatchError("Predictor({}): unknown input name(s) {}; the inputs are {}".format(
                self._label(), extra, [spec.get("label") or spec["name"] for spec in specs]))
        return out

    # -- running ------------------------------------------------------------------------------------------
    def _chunks(self, arrays):
        axes = self._dynamic
        batch = next((x.shape[a] for x, a in zip(arrays, axes) if a is not None), None)
        out_axes = [spec.get("batch_axis") for spec in self.manifest.outputs]
        if batch is None or batch <= self.batch_size or any(a is None for a in out_axes):
            return [arrays], None
        starts = range(0, batch, self.batch_size)
        chunks = [[x if a is None else np.take(x, range(s, min(s + self.batch_size, batch)), axis=a)
                   for x, a in zip(arrays, axes)] for s in starts]
        return chunks, out_axes

    def predict_flat(self, *inputs):
        """Like :meth:`predict`, but returns the outputs as a flat list."""
        arrays = self.validate(*inputs)
        chunks, out_axes = self._chunks(arrays)
        results = [self._run(chunk) for chunk in chunks]
        if out_axes is None:
            return results[0]
        return [np.concatenate([r[i] for r in results], axis=axis) for i, axis in enumerate(out_axes)]

    def predict(self, *inputs, named=False):
        """Run the model on NumPy arrays (or NDArrays), one per positional input of the exported block, or
        on one dict keyed by input name (``data0`` or the input's label, e.g. ``tokens``).

        Parameters
        ----------
        named : bool
            Return a dict of output name → array (the names in the manifest) instead of the block's nesting.

        Returns
        -------
        numpy.ndarray or list or dict
            Nested like the block's outputs (one array for a single output), or named.
        """
        flat = self.predict_flat(*inputs)
        if named:
            return dict(zip(self.manifest.output_names, flat))
        return regroup(flat, self.manifest.output_format)

    __call__ = predict

    def preprocess_image(self, image):
        """Turn an image file or ``H x W [x C]`` 0-255 array into a batch of one, as the manifest says."""
        return preprocess_image(image, self.manifest.inputs[0], self.manifest.preprocessing)

    def predict_image(self, image, named=False):
        """Preprocess one image of any size (see :meth:`preprocess_image`) and run the model on it.

        With ``named=True``, returns a dict of output name → array in which boxes and masks (as the
        manifest's postprocessing names them) are mapped back to the original picture's pixels, plus
        ``"_transform"``: the resize that was applied (see :func:`gluonx.deploy.preprocessing.prepare_image`).
        """
        if len(self.manifest.inputs) != 1:
            raise InputMismatchError("Predictor({}): predict_image needs a single-input model; this one has {} "
                                     "inputs".format(self._label(), len(self.manifest.inputs)))
        batch, transform = prepare_image(image, self.manifest.inputs[0], self.manifest.preprocessing)
        if not named:
            return self.predict(batch)
        outputs = to_original(self.predict(batch, named=True), self.manifest.postprocessing, transform)
        outputs["_transform"] = transform
        return outputs

    def prepare_text(self, texts):
        """The model inputs for ``texts`` (a str or list of str), as the manifest's text preprocessing says:
        ``[token ids (N, T)]`` plus ``valid lengths (N,)`` when the model takes them."""
        if not is_text_preprocessing(self.manifest.preprocessing):
            raise InputMismatchError("Predictor({}): this export records no text preprocessing (a vocabulary and "
                                     "a tokenizer); feed token ids instead".format(self._label()))
        ids, lengths = prepare_text(texts, self.manifest.preprocessing)
        return [ids, lengths][:len(self.manifest.inputs)]

    def predict_text(self, texts, named=False):
        """Tokenize ``texts`` (a str or list of str) with the recorded tokenizer and vocabulary (see
        :mod:`gluonx.deploy.text_preprocessing`), pad them and run the model."""
        return self.predict(*self.prepare_text(texts), named=named)

    def classify(self, *inputs, k=5):
        """Top-``k`` classes per sample (index, class name or None, softmax probability) for a classifier
        with one ``N x C`` output."""
        scores = self.predict_flat(*inputs)
        if len(scores) != 1 or scores[0].ndim != 2:
            raise ValueError("Predictor({}): classify needs one N x C output, the model returns shapes {}".format(
                self._label(), [s.shape for s in scores]))
        return top_k(scores[0], k, self.class_names)

    def __repr__(self):
        return "Predictor({!r}, backend={!r}, ctx={!r}, inputs={})".format(
            self.folder, self.backend, self.ctx,
            ["{} {}".format(s["name"], self._expected_shape(s, a)) for s, a in zip(self.inputs, self._dynamic)])
