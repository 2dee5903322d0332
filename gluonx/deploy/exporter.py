"""``gluonx.export``: a hybridized block to ``-symbol.json`` + ``.params`` (+ ``.onnx``) with a manifest.

What plain ``HybridBlock.export`` leaves to the user, done here:

- publishing is atomic (see :func:`_publish`): every file is written to a staging folder inside the
  target and checked there, moved in under a new content-addressed name, and one atomic write of
  ``manifest.json`` (with the sha256 of every file) commits the new set; only then are the previous
  export's files removed and the new ones given their usual names (committed by a second manifest write).
  At every instant, even after a SIGKILL, the folder holds one complete export, the old or the new;
- a folder that is not empty and holds no gluonx export is refused (``force=True`` overrides); only
  files named as gluonx names them and matching the sha256 of the previous manifest are ever deleted, and
  what a killed export left (``.staging-*``, ``*.tmp``, unreferenced versioned files) is removed by the next;
- the reloaded symbol is compared with the block on the example inputs, and at a second batch size to
  find out whether the batch axis is really dynamic (a graph with a baked-in batch size is recorded as
  static, with the reason, instead of failing later in deployment);
- nested inputs and outputs (``net(x, [h, c])``) are flattened for the graph and their structure is
  recorded, so :class:`gluonx.Predictor` takes and returns the same nesting;
- the structural and exported name of every parameter are recorded, so the weights load into a block
  built under any name scope (:func:`gluonx.deploy.load_parameters`);
- other dynamic axes (sequence length, height, width; from the InputSpecs or ``dynamic_axes``) are
  probed like the batch axis and recorded by name, with the reason when the graph fixes one;
- ONNX goes through ``mx.onnx.export_model`` at opset 13 with every dynamic axis where onnxruntime accepts
  it, unique node names and the block's output names, is checked with ``onnx.checker`` and compared with
  MXNet in onnxruntime at every probed size.
"""
import contextlib
import dataclasses
import datetime
import json
import os
import platform
import re
import secrets
import shutil
import tempfile

import numpy as np

from .batch_probe import (NO_BATCH, batch_size, graph_problem, grow_named_axis, named_axes, one_more_sample,
                          output_batch_axis, scaling_problem)
from .errors import ExportError
from .manifest import FORMAT, FORMAT_VERSION, MANIFEST_NAME, Manifest, ManifestError, file_record, read_manifest
from .postprocessing import validate_postprocessing
from .preprocessing import check_resize, validate_preprocessing
from .text_preprocessing import is_text_preprocessing, validate_text_preprocessing
from .structure import flatten, regroup

__all__ = ["export", "ExportResult", "FILE_NAMES", "FORMATS"]

#: The file of each kind inside an export folder.
FILE_NAMES = {"symbol": "model-symbol.json", "params": "model-0000.params", "onnx": "model.onnx"}
#: While an export is published its files carry a tag of their content: ``model-<12 hex>-symbol.json``...
_VERSIONED = re.compile(r"^model-[0-9a-f]{12}(-symbol\.json|-0000\.params|\.onnx)$")
#: Manifest field listing, between the commit and the end of a publish, the previous export's files still
#: to delete (so that the next export deletes them if this one is killed in between).
_SUPERSEDED = "superseded_files"
#: ``tempfile.mkdtemp(prefix=".staging-")`` names: where an export is built and checked.
_STAGING = re.compile(r"^\.staging-[A-Za-z0-9_]{8}$")
FORMATS = ("symbol", "onnx")

_RELOAD_SCRIPT = '''
import json, sys
import numpy as np
import mxnet as mx
folder, names = sys.argv[1], json.loads(sys.argv[2])
net = mx.gluon.SymbolBlock.imports(folder + "/model-symbol.json", names, folder + "/model-0000.params")
for index in range(int(sys.argv[3])):
    with np.load("{}/inputs{}.npz".format(folder, index), allow_pickle=False) as data:
        arrays = [mx.nd.array(data["arr_%d" % k], dtype=data["arr_%d" % k].dtype) for k in range(len(names))]
    out = net(*arrays)
    out = out if isinstance(out, (list, tuple)) else [out]
    np.savez("{}/outputs{}.npz".format(folder, index), *[o.asnumpy() for o in out])
'''


@dataclasses.dataclass
class ExportResult:
    """What :func:`export` wrote.

    Attributes
    ----------
    path : str
        The export folder.
    manifest : gluonx.deploy.Manifest
        The manifest written last.
    """

    path: str
    manifest: Manifest

    @property
    def files(self):
        """Kind (``symbol``, ``params``, ``onnx``, ``manifest``) → absolute path."""
        out = {kind: os.path.join(self.path, record["path"]) for kind, record in self.manifest.files.items()}
        out["manifest"] = os.path.join(self.path, MANIFEST_NAME)
        return out


def _flat_adapter(block, input_format):
    """A HybridBlock taking flat inputs that regroups them for ``block`` (for nested inputs)."""
    from mxnet.gluon import HybridBlock

    class FlatInputs(HybridBlock):
        def __init__(self):
            super().__init__(prefix="")
            self.inner = block

        def hybrid_forward(self, F, *flat):
            return self.inner(*regroup(flat, input_format))

    return FlatInputs()


def _example_arrays(example_inputs, seed=0):
    """Positional example inputs as (flat NDArrays, format, InputSpecs or None)."""
    import mxnet as mx
    from .._registry import InputSpec
    from .graph_io import make_inputs
    if isinstance(example_inputs, (mx.nd.NDArray, np.ndarray, InputSpec)):
        example_inputs = [example_inputs]
    example_inputs = list(example_inputs)
    if not example_inputs:
        raise ValueError("gluonx.export: example_inputs is empty; give one array (or InputSpec) per input")
    specs = None
    if all(isinstance(x, InputSpec) for x in example_inputs):
        specs = example_inputs
        example_inputs = make_inputs(specs, seed=seed)
    flat, fmt = flatten(example_inputs)
    arrays = []
    for index, value in enumerate(flat):
        if isinstance(value, InputSpec):
            raise TypeError("gluonx.export: give either InputSpecs or arrays as example_inputs, not both")
        if not isinstance(value, mx.nd.NDArray):
            value = np.asarray(value)
            if value.dtype == np.float64:
                value = value.astype(np.float32)  # NumPy's default float; MXNet models run float32
            if value.dtype.kind not in "biuf":
                raise TypeError("gluonx.export: example input {} has dtype {}; expected numbers".format(
                    index, value.dtype))
            value = mx.nd.array(value, dtype=value.dtype)
        if value.size == 0:
            raise ValueError("gluonx.export: example input {} is empty (shape {})".format(index, value.shape))
        arrays.append(value)
    return arrays, fmt, specs


def _batch_axes(arrays, specs, batch_axes, dynamic_batch):
    if batch_axes is not None:
        batch_axes = list(batch_axes)
        if len(batch_axes) != len(arrays):
            raise ValueError("gluonx.export: batch_axes has {} entries for {} inputs".format(
                len(batch_axes), len(arrays)))
    elif specs is not None:
        batch_axes = [spec.batch_axis for spec in specs]
    else:
        batch_axes = [0 if x.ndim >= 1 else None for x in arrays]
    normalized = []
    for index, (axis, x) in enumerate(zip(batch_axes, arrays)):
        if axis is not None:
            if not -x.ndim <= axis < x.ndim:
                raise ValueError("gluonx.export: batch axis {} is out of range for input {} of shape {}".format(
                    axis, index, x.shape))
            axis %= x.ndim
        normalized.append(axis)
    sizes = {x.shape[a] for x, a in zip(arrays, normalized) if a is not None}
    if len(sizes) > 1:
        raise ValueError("gluonx.export: inputs disagree on the batch size along their batch axes: {}".format(
            [(tuple(x.shape), a) for x, a in zip(arrays, normalized)]))
    return normalized if dynamic_batch else [None] * len(arrays)


def _check_initialized(block):
    missing = [p.name for p in block.collect_params().values() if p._data is None and not p._deferred_init]
    if missing:
        raise ExportError("{}: parameters {} are not initialized; call block.initialize() or "
                          "gluonx.deploy.load_parameters(block, FILE) before exporting".format(
                              type(block).__name__, ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")))


def _numpy_outputs(outputs):
    flat, fmt = flatten(outputs, "output")
    return [o.asnumpy() for o in flat], fmt


def _first_line(err):
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _compare(expected, got, rtol, atol, what):
    if len(expected) != len(got):
        raise ExportError("{}: {} outputs, the block gives {}".format(what, len(got), len(expected)))
    worst = 0.0
    for index, (want, have) in enumerate(zip(expected, got)):
        if want.shape != have.shape:
            raise ExportError("{}: output {} has shape {}, the block gives {}".format(
                what, index, have.shape, want.shape))
        diff = float(np.max(np.abs(have.astype(np.float64) - want.astype(np.float64)))) if want.size else 0.0
        if not np.allclose(have, want, rtol=rtol, atol=atol):
            raise ExportError("{}: output {} differs from the block by up to {:.3g} (rtol={}, atol={})".format(
                what, index, diff, rtol, atol))
        worst = max(worst, diff)
    return worst


def _run_symbol(symbol_file, params_file, names, arrays):
    from .predictor import import_symbol
    net = import_symbol(symbol_file, params_file, names, [np.dtype(x.dtype).name for x in arrays])
    out = net(*arrays)
    return [o.asnumpy() for o in (out if isinstance(out, (list, tuple)) else [out])]


def _reload_isolated(staging, names, batches):
    from .isolated import run_isolated
    for index, batch in enumerate(batches):
        np.savez(os.path.join(staging, "inputs{}.npz".format(index)), *[x.asnumpy() for x in batch])
    try:
        run_isolated(_RELOAD_SCRIPT, [staging, json.dumps(names), str(len(batches))], cwd=staging)
    except AssertionError as err:
        raise ExportError("the exported symbol fails in a process without gluonx: {}".format(err)) from None
    got = []
    for index in range(len(batches)):
        with np.load(os.path.join(staging, "outputs{}.npz".format(index)), allow_pickle=False) as data:
            got.append([data["arr_%d" % k] for k in range(len(data.files))])
    return got


def _validate_class_names(class_names, outputs):
    if class_names is None:
        return None
    class_names = [str(name) for name in class_names]
    if len(outputs) == 1 and outputs[0].ndim == 2 and outputs[0].shape[1] != len(class_names):
        raise ValueError("gluonx.export: {} class names for a model with {} outputs per sample".format(
            len(class_names), outputs[0].shape[1]))
    return class_names


def _versions(with_onnx):
    import mxnet as mx
    from .._version import __version__
    versions = {"gluonx": __version__, "mxnet": mx.__version__, "numpy": np.__version__,
                "python": platform.python_version()}
    if with_onnx:
        import onnx
        import onnxruntime
        versions.update(onnx=onnx.__version__, onnxruntime=onnxruntime.__version__)
    return versions


def _versioned_name(kind, tag):
    """``model-<tag>-symbol.json``, ``model-<tag>-0000.params``, ``model-<tag>.onnx``."""
    return FILE_NAMES[kind].replace("model", "model-" + tag, 1)


def _is_ours(name):
    """A name gluonx gives a file of an export (usual or versioned)."""
    return name in FILE_NAMES.values() or bool(_VERSIONED.match(name))


def _is_leftover(name):
    """A name only a killed export leaves behind (staging folder, temporary file, versioned file)."""
    from ..utils.atomic import TEMPORARY_NAME
    return bool(_STAGING.match(name) or TEMPORARY_NAME.match(name) or _VERSIONED.match(name))


def _current_manifest(path):
    """The folder's valid gluonx manifest, or None (none, or not valid)."""
    if not os.path.isfile(os.path.join(path, MANIFEST_NAME)):
        return None
    try:
        return read_manifest(path)[0]
    except ManifestError:
        return None


def _claim_folder(path, force):
    """Create ``path``, or check that it may receive an export. Returns True when it was created here.

    A folder that is not empty (besides what a killed export leaves) must hold a valid gluonx manifest,
    unless ``force``: an export never takes over a folder of other files by mistake.
    """
    if os.path.lexists(path) and not os.path.isdir(path):
        raise ValueError("gluonx.export: {} exists and is not a folder".format(path))
    if not os.path.isdir(path):
        os.makedirs(path)
        return True
    if force or _current_manifest(path) is not None:
        return False
    others = sorted(name for name in os.listdir(path) if not _is_leftover(name))
    if others:
        why = "its {} is not a valid gluonx manifest".format(MANIFEST_NAME) if MANIFEST_NAME in others else \
            "it has no {}".format(MANIFEST_NAME)
        raise FileExistsError("gluonx.export: {} is not empty and holds no gluonx export ({}; it holds {}{}); "
                              "choose an empty or new folder, or pass --force (force=True) to export into it "
                              "anyway".format(path, why, ", ".join(others[:5]), " ..." if len(others) > 5 else ""))
    return False


def _remove_leftovers(path):
    """Remove what a killed export left in ``path``: staging folders, temporary files, and files named as
    gluonx names them that the current manifest does not reference (only copies of referenced files when
    they have a usual name)."""
    from ..utils.atomic import remove_stale_temporaries
    from .manifest import sha256_file
    remove_stale_temporaries(path, (_STAGING,))
    remove_stale_temporaries(path)
    manifest = _current_manifest(path)
    records = list(manifest.files.values()) if manifest is not None else []
    referenced = {record["path"] for record in records}
    hashes = {record["sha256"] for record in records}
    if manifest is not None:  # a publish killed after its commit, before deleting the previous files
        superseded = manifest.data.get(_SUPERSEDED)
        _remove_old_files(path, superseded if isinstance(superseded, list) else [], keep=referenced)
    for name in os.listdir(path):
        target = os.path.join(path, name)
        if name in referenced or not _is_ours(name) or os.path.islink(target) or not os.path.isfile(target):
            continue
        # a versioned name is only ever written by an export; a usual name only when it is a copy of a
        # file the manifest references (a publish killed before its last manifest write)
        if _VERSIONED.match(name) or sha256_file(target) in hashes:
            os.unlink(target)


def _remove_old_files(path, records, keep):
    """Delete the files of a previous export (its manifest's file ``records``): only names gluonx gives its
    files, directly in ``path``, regular files (not links) whose sha256 matches the record, not in ``keep``."""
    from ..utils.atomic import fault_point
    from .manifest import sha256_file
    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("path"), str):
            continue
        name = record["path"]
        target = os.path.join(path, name)
        if name in keep or not _is_ours(name) or os.path.basename(name) != name:
            continue
        if os.path.islink(target) or not os.path.isfile(target) or sha256_file(target) != record["sha256"]:
            continue
        os.unlink(target)
        fault_point("export:removed-old")


def _link_or_copy(source, target):
    """Give ``target`` the content of ``source`` atomically, keeping ``source`` (a hard link where the file
    system allows, else a copy)."""
    from ..utils.atomic import _fsync_dir, apply_umask
    tmp = os.path.join(os.path.dirname(target), ".{}.{}.tmp".format(os.path.basename(target), secrets.token_hex(4)))
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copyfile(source, tmp)
        apply_umask(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
    os.replace(tmp, target)
    _fsync_dir(os.path.dirname(target))


def _publish(staging, path, kinds, manifest_data):
    """Publish the staged files of ``kinds`` into ``path`` so that a kill at any instant leaves a complete
    export, the old or the new.

    1. each staged file moves in under a name tagged with the content of the new set
       (``model-<tag>-symbol.json``), which no file of the previous export has;
    2. one atomic write of ``manifest.json`` naming those files commits the new export; it also lists the
       previous export's files (``superseded_files``) so that, if this process is killed now, the next
       export deletes them;
    3. the previous export's files are deleted (see :func:`_remove_old_files`);
    4. each file gets its usual name (``model-symbol.json``) as a hard link, where that name is free, and a
       second manifest write commits the usual names (without ``superseded_files``); the tagged names are
       then removed.

    ``manifest_data["files"]`` is updated to the names published.
    """
    import hashlib
    from ..utils.atomic import _fsync_dir, fault_point, write_json
    fault_point("export:staged")
    manifest_path = os.path.join(path, MANIFEST_NAME)
    old = _current_manifest(path)
    files = manifest_data["files"]
    superseded = [{"path": r["path"], "sha256": r["sha256"]} for r in (old.files.values() if old else [])
                  if _is_ours(r["path"])]
    tag = hashlib.sha256("".join(files[kind]["sha256"] for kind in kinds).encode()).hexdigest()[:12]
    for kind in kinds:
        staged = os.path.join(staging, FILE_NAMES[kind])
        with open(staged, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(staged, os.path.join(path, _versioned_name(kind, tag)))
        fault_point("export:moved")
        files[kind]["path"] = _versioned_name(kind, tag)
    _fsync_dir(path)
    keep = {files[kind]["path"] for kind in kinds}
    superseded = [record for record in superseded if record["path"] not in keep]
    if superseded:
        manifest_data[_SUPERSEDED] = superseded
    write_json(manifest_path, manifest_data)
    fault_point("export:committed")
    _remove_old_files(path, superseded, keep=keep)
    usual = [kind for kind in kinds if not os.path.lexists(os.path.join(path, FILE_NAMES[kind]))]
    for kind in usual:
        _link_or_copy(os.path.join(path, files[kind]["path"]), os.path.join(path, FILE_NAMES[kind]))
        fault_point("export:linked")
    if usual or superseded:
        for kind in usual:
            files[kind]["path"] = FILE_NAMES[kind]
        manifest_data.pop(_SUPERSEDED, None)
        write_json(manifest_path, manifest_data)
        fault_point("export:normalized")
        for kind in usual:
            os.unlink(os.path.join(path, _versioned_name(kind, tag)))
        _fsync_dir(path)
        fault_point("export:cleaned")


def export(block, path, example_inputs, formats=FORMATS, *, dynamic_batch=True, batch_axes=None,
           class_names=None, preprocessing=None, model=None, verify=True, rtol=1e-4, atol=1e-5, force=False,
           dynamic_axes=None, output_names=None, postprocessing=None, seed=0):
    """Export a block for deployment: symbol + parameters, optionally ONNX, and a manifest.

    Parameters
    ----------
    block : mx.gluon.HybridBlock
        An initialized block. It is hybridized (``static_alloc``, ``static_shape``) and run on the
        example inputs.
    path : str
        The export folder (created if needed). It receives ``model-symbol.json``, ``model-0000.params``,
        ``model.onnx`` (for ``"onnx"``) and ``manifest.json``; a previous export there is replaced
        atomically. A folder that is not empty and holds no gluonx export is refused.
    example_inputs : array, sequence, or sequence of gluonx.InputSpec
        One entry per positional input of the block; an entry may be a nested list of arrays. NumPy
        float64 arrays are exported as float32.
    formats : sequence of str
        ``"symbol"`` and/or ``"onnx"``. ONNX is converted from the symbol files, which are kept only when
        ``"symbol"`` is asked for.
    dynamic_batch : bool
        Try to export the batch axis as dynamic (checked at a second batch size; recorded as static, with
        the reason, if the graph cannot take another batch size).
    batch_axes : sequence of int or None, optional
        Per flat input, its batch axis (``None``: no batch axis). Default: the InputSpecs' ``batch_axis``,
        else axis 0 of every input.
    class_names : sequence of str, optional
        Names of the classes of a classifier, in output order.
    preprocessing : dict, optional
        How raw images become the first input: ``layout`` (``"NCHW"``/``"NHWC"``), ``scale`` (applied to
        0-255 pixel values first, e.g. ``1/255``), per-channel ``mean`` and ``std``, ``channel_order``
        (``"RGB"``/``"BGR"``), ``resize`` (``"stretch"``, ``"letterbox"``, ``"keep-aspect"``, ``"none"``)
        and ``pad_value``; see :mod:`gluonx.deploy.preprocessing`.
    model : dict, optional
        Descriptive fields stored in the manifest's ``model`` record (``name``, ``task``, ``kwargs``...).
    verify : bool or str
        ``True``: reload the symbol in this process and compare on the example inputs (and ONNX in
        onnxruntime). ``"isolated"``: also reload in a fresh process in which gluonx is not importable.
        ``False``: skip the symbol comparison (ONNX is always compared).
    rtol, atol : float
        Tolerances of the comparisons.
    force : bool
        Export into a folder that is not empty and holds no gluonx export. Its files are still never
        deleted or overwritten (except ``manifest.json``): where one has a name gluonx uses, the export keeps
        its tagged name (``model-<tag>-symbol.json``, recorded in the manifest).
    dynamic_axes : sequence of dict, optional
        Per flat input, axes besides the batch that may change size, each named (``{0: "time"}``,
        ``{2: "height", 3: "width"}``). Default: the InputSpecs' ``dynamic_axes``. Each is probed (the
        axis doubled); one that the graph cannot change is recorded as static with the reason.
    output_names : sequence of str, optional
        Names of the flat outputs (default: the symbol's). The manifest, the ONNX graph and
        ``Predictor.predict(..., named=True)`` use them.
    postprocessing : dict, optional
        ``{"outputs": {NAME: {"kind": ...}}}``: what each output holds (``boxes``, ``scores``,
        ``class_ids``, ``class_scores``, ``mask``, ``token_ids``), so that the Predictor maps boxes and
        masks back to the original image; see :mod:`gluonx.deploy.postprocessing`.
    seed : int
        Seed of the example inputs generated from InputSpecs.

    Returns
    -------
    ExportResult
        The folder and its :class:`~gluonx.deploy.Manifest`.

    Raises
    ------
    ExportError
        If a step fails or the exported model does not reproduce the block (the message names the step).
    FileExistsError
        If ``path`` is not empty and holds no gluonx export (without ``force``).
    gluonx.utils.atomic.DiskFullError
        If the disk fills up (the message names the file being written).
    gluonx.MissingExtraError
        For ``"onnx"`` without onnx/onnxruntime installed.

    Examples
    --------
    >>> import mxnet as mx, gluonx
    >>> net = gluonx.get_model("mlp", num_classes=5); net.initialize()
    >>> result = gluonx.export(net, "exports/mlp", [mx.nd.ones((4, 1, 28, 28))])      # doctest: +SKIP
    >>> sorted(result.files)                                                  # doctest: +SKIP
    ['manifest', 'onnx', 'params', 'symbol']

    References
    ----------
    D2L 8.1 (hybrid programming: ``hybridize`` and ``export``); D2L 4.5 (saving and loading parameters).
    """
    import mxnet as mx
    formats = (formats,) if isinstance(formats, str) else tuple(formats)
    if not formats or set(formats) - set(FORMATS):
        raise ValueError("gluonx.export: formats must be a non-empty subset of {}, got {}".format(FORMATS, formats))
    if verify not in (True, False, "isolated"):
        raise ValueError("gluonx.export: verify must be True, False or 'isolated', got {!r}".format(verify))
    if not isinstance(block, mx.gluon.HybridBlock):
        raise TypeError("gluonx.export: expected a HybridBlock, got {}; only hybridizable blocks export to a "
                        "symbol".format(type(block).__name__))
    if "onnx" in formats:
        from .onnx_export import require_onnx
        require_onnx()
    path = os.fspath(path)
    arrays, input_format, specs = _example_arrays(example_inputs, seed)
    axes = _batch_axes(arrays, specs, batch_axes, dynamic_batch)
    if is_text_preprocessing(preprocessing):
        preprocessing = validate_text_preprocessing(preprocessing, [a.shape for a in arrays])
    else:
        preprocessing = validate_preprocessing(preprocessing, arrays[0].shape)
    _check_initialized(block)
    label = type(block).__name__
    created = _claim_folder(path, force)
    _remove_leftovers(path)
    # absolute: the isolated reload runs in another working directory
    staging = os.path.abspath(tempfile.mkdtemp(prefix=".staging-", dir=path))
    done = False
    try:
        result = _export_staged(block, label, path, staging, arrays, input_format, axes, formats, verify,
                                class_names, preprocessing, model, rtol, atol, specs=specs,
                                dynamic_axes=dynamic_axes, output_names=output_names,
                                postprocessing=postprocessing)
        done = True
        return result
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if created and not done:
            with contextlib.suppress(OSError):
                os.rmdir(path)  # a failed export leaves no empty folder behind


def _probe_batch(target, symbol_file, names, arrays, axes, expected):
    """Inputs and outputs at batch size + 1, or the reason the batch axis is not dynamic."""
    import mxnet as mx
    bigger = one_more_sample(arrays, axes)
    problem = graph_problem(symbol_file, names, bigger)  # before running anything at that size
    if problem is None:
        try:
            more_expected, _ = _numpy_outputs(target(*bigger))
        except mx.base.MXNetError as err:
            problem = "the block fails at batch size {}: {}".format(batch_size(bigger, axes), _first_line(err))
        else:
            problem = scaling_problem(expected, more_expected, batch_size(arrays, axes))
    return (None, None, problem) if problem else (bigger, more_expected, None)


def _probe_axis(target, symbol_file, names, arrays, named, name):
    """Inputs and outputs with axis ``name`` doubled, or the reason it is not dynamic."""
    import mxnet as mx
    bigger = grow_named_axis(arrays, named, name)
    problem = graph_problem(symbol_file, names, bigger)
    if problem is None:
        try:
            more_expected, _ = _numpy_outputs(target(*bigger))
        except mx.base.MXNetError as err:
            problem = "the block fails with axis '{}' doubled: {}".format(name, _first_line(err))
    if problem:
        return None, None, problem.replace("at the next batch size", "with axis '{}' doubled".format(name))
    return bigger, more_expected, None


def _input_records(names, arrays, axes, named, specs):
    records = []
    for index, (name, x, axis, pairs) in enumerate(zip(names, arrays, axes, named)):
        axis_names = {str(a): n for a, n in pairs}
        if axis is not None:
            axis_names[str(axis)] = "batch"
        record = {"name": name, "shape": list(x.shape), "dtype": np.dtype(x.dtype).name, "batch_axis": axis,
                  "dynamic_axes": sorted(int(a) for a in axis_names)}
        if pairs:  # without named axes, batch_axis says it all (and the record reads as in version 1)
            record["axis_names"] = dict(sorted(axis_names.items(), key=lambda item: int(item[0])))
        spec = specs[index] if specs is not None else None
        if spec is not None:
            record["label"] = spec.name
            if spec.vocab_size is not None:
                record["vocab_size"] = spec.vocab_size
            if spec.length_of is not None:
                record["length_of"] = list(spec.length_of)
        records.append(record)
    return records


def _export_staged(block, label, path, staging, arrays, input_format, axes, formats, verify, class_names,
                   preprocessing, model, rtol, atol, specs=None, dynamic_axes=None, output_names=None,
                   postprocessing=None):
    import mxnet as mx
    from .graph_io import export_block, input_names
    from .naming import read_parameter_file
    nested = input_format != [0] * len(arrays)
    target = _flat_adapter(block, input_format) if nested else block
    named = named_axes(specs, arrays, dynamic_axes)
    prefix = os.path.join(staging, "model")
    try:
        symbol_file, params_file = export_block(target, arrays, prefix)
    except mx.base.MXNetError as err:
        from ..utils.atomic import disk_full_error
        full = disk_full_error(prefix + "-0000.params" if os.path.isfile(prefix + "-symbol.json") else
                               prefix + "-symbol.json", err)
        if full is not None:
            raise full from None
        raise ExportError("{}: hybridizing or exporting failed on inputs {}: {}".format(
            label, [tuple(x.shape) for x in arrays], _first_line(err))) from None
    expected, output_format = _numpy_outputs(target(*arrays))
    names = input_names(len(arrays))
    checks, reasons = {}, {}
    example_axes = list(axes)
    # probes: (what, inputs, outputs); the batch probe, when there is one, comes first
    probes = []
    if any(axis is not None for axis in axes):
        bigger, more_expected, problem = _probe_batch(target, symbol_file, names, arrays, axes, expected)
        if problem is None:
            probes.append(("batch", bigger, more_expected))
        else:
            reasons["batch"], axes = problem, [None] * len(axes)
    for name in sorted({n for pairs in named for _, n in pairs}):
        bigger, more_expected, problem = _probe_axis(target, symbol_file, names, arrays, named, name)
        if problem is None:
            probes.append((name, bigger, more_expected))
        else:
            reasons[name] = problem
            named = [[(a, n) for a, n in pairs if n != name] for pairs in named]

    def shapes_of(batch):
        return [list(x.shape) for x in batch]

    if verify:
        try:
            got = _run_symbol(symbol_file, params_file, names, arrays)
        except mx.base.MXNetError as err:
            raise ExportError("{}: the exported symbol does not load or run: {}".format(
                label, _first_line(err))) from None
        worst = _compare(expected, got, rtol, atol, "{}: exported symbol vs block".format(label))
        for what, batch, want in list(probes):
            try:
                got = _run_symbol(symbol_file, params_file, names, batch)
            except mx.base.MXNetError as err:
                reasons[what] = "the exported symbol fails at input shapes {}: {}".format(
                    shapes_of(batch), _first_line(err))
                probes = [probe for probe in probes if probe[0] != what]
                if what == "batch":
                    axes = [None] * len(axes)
                else:
                    named = [[(a, n) for a, n in pairs if n != what] for pairs in named]
                continue
            worst = max(worst, _compare(want, got, rtol, atol, "{}: exported symbol vs block".format(label)))
        checks["symbol_reload"] = {"process": "same", "input_shapes": [shapes_of(arrays)] + [
            shapes_of(batch) for _, batch, _ in probes], "max_abs_diff": worst,
            "batch_sizes": [batch_size(b, example_axes) for b in [arrays] + [p[1] for p in probes if p[0] == "batch"]]}
        if verify == "isolated":
            sets = [arrays] + [batch for _, batch, _ in probes]
            wants = [expected] + [want for _, _, want in probes]
            isolated = _reload_isolated(staging, names, sets)
            worst = max(_compare(want, have, rtol, atol, "{}: exported symbol in a process without gluonx"
                                 .format(label)) for want, have in zip(wants, isolated))
            checks["symbol_reload"].update(process="isolated", max_abs_diff=worst)

    symbol_outputs = mx.sym.load(symbol_file).list_outputs()
    out_names = _output_names(output_names, symbol_outputs)
    onnx_record = None
    if "onnx" in formats:
        onnx_record, onnx_check = _export_onnx(staging, symbol_file, params_file, arrays, expected, probes, axes,
                                               named, example_axes, reasons, rtol, atol, out_names)
        checks["onnx_parity"] = onnx_check

    kinds = (["symbol", "params"] if "symbol" in formats else []) + (["onnx"] if "onnx" in formats else [])
    files = {kind: file_record(staging, FILE_NAMES[kind]) for kind in kinds}
    exported, _ = read_parameter_file(params_file)
    parameters = {key: {"name": param.name, "shape": list(exported[param.name].shape),
                        "dtype": np.dtype(exported[param.name].dtype).name}
                  for key, param in block._collect_params_with_prefix().items() if param.name in exported}
    dynamic = any(axis is not None for axis in axes)
    inputs = _input_records(names, arrays, axes, named, specs)
    batch_probe = next((want for what, _, want in probes if what == "batch"), [None] * len(expected))
    outputs = [{"name": name, "symbol_name": symbol_name, "onnx_name": name if onnx_record else None,
                "shape": list(out.shape), "dtype": out.dtype.name, "batch_axis": output_batch_axis(out, other)}
               for name, symbol_name, out, other in zip(out_names, symbol_outputs, expected, batch_probe)]
    postprocessing = validate_postprocessing(postprocessing, outputs)
    if preprocessing is not None and not is_text_preprocessing(preprocessing):
        preprocessing = check_resize(preprocessing, inputs[0])
    manifest_data = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": _versions("onnx" in formats),
        "model": dict({"class": "{}.{}".format(type(block).__module__, type(block).__qualname__),
                       "prefix": block.prefix, "spec": getattr(block, "gluonx_spec", None)}, **(model or {})),
        "inputs": inputs, "input_format": input_format,
        "outputs": outputs, "output_format": output_format,
        "dynamic_batch": dynamic, "static_batch_reason": None if dynamic else reasons.get("batch", NO_BATCH),
        "static_axis_reasons": {name: reason for name, reason in reasons.items() if name not in ("batch", "onnx")},
        "preprocessing": preprocessing, "postprocessing": postprocessing,
        "class_names": _validate_class_names(class_names, expected),
        "parameters": parameters, "files": files, "onnx": onnx_record, "checks": checks,
    }
    # repr() keeps factory kwargs that JSON cannot hold (an initializer object...) readable
    manifest = Manifest(json.loads(json.dumps(manifest_data, default=repr)), source=os.path.join(path, MANIFEST_NAME))
    _publish(staging, path, kinds, manifest.data)
    return ExportResult(path=os.path.abspath(path), manifest=manifest)


def _output_names(given, symbol_outputs):
    """The manifest's output names: ``given``, else the symbol's without MXNet's ``_output`` suffix."""
    if given is None:
        from .onnx_convert import unique_names  # a layer called twice names two outputs alike
        return unique_names([name[:-len("_output")] if name.endswith("_output") else name for name in symbol_outputs])
    given = [str(name) for name in given]
    reserved = sorted(set(given) & {"data"} | {n for n in given if re.fullmatch(r"data\d+", n)})
    if reserved:
        raise ValueError("gluonx.export: output_names {} are input names (data, data0, data1, ...)".format(reserved))
    if len(given) != len(symbol_outputs) or len(set(given)) != len(given) or not all(given):
        raise ValueError("gluonx.export: output_names needs {} distinct non-empty names (one per output), got {}"
                         .format(len(symbol_outputs), given))
    return given


def _onnx_axes(axes, named, with_named=True):
    return [sorted(([axis] if axis is not None else []) + ([a for a, _ in pairs] if with_named else []))
            for axis, pairs in zip(axes, named)]


def _export_onnx(staging, symbol_file, params_file, arrays, expected, probes, axes, named, example_axes, reasons,
                 rtol, atol, out_names):
    """Convert to ONNX with every axis that is dynamic in the symbol; where onnxruntime fails at another
    size, fall back to a dynamic batch only, then to static shapes (recording why)."""
    from .onnx_export import convert_to_onnx, onnx_parity
    onnx_file = os.path.join(staging, FILE_NAMES["onnx"])
    attempts = []
    if any(_onnx_axes(axes, named)):
        attempts.append(("all", _onnx_axes(axes, named), probes))
    if any(a is not None for a in axes) and any(pairs for pairs in named):
        attempts.append(("batch", _onnx_axes(axes, named, with_named=False), [p for p in probes if p[0] == "batch"]))
    attempts.append(("static", None, []))
    for what, dynamic_axes, sets in attempts:
        record = convert_to_onnx(symbol_file, params_file, arrays, onnx_file, dynamic_axes=dynamic_axes,
                                 output_names=out_names)
        worst = onnx_parity(onnx_file, arrays, expected, rtol, atol, output_names=out_names)
        try:
            for _, batch, want in sets:
                worst = max(worst, onnx_parity(onnx_file, batch, want, rtol, atol, probe=True, output_names=out_names))
        except Exception as err:  # onnxruntime raises its own exception types for shape errors
            reasons["onnx"] = "the ONNX graph with dynamic axes {} fails in onnxruntime at input shapes {}: {}".format(
                dynamic_axes, [list(x.shape) for x in batch], _first_line(err))
            continue
        break
    dynamic_axes = dynamic_axes or [[] for _ in arrays]
    dynamic = any(a in axes_ for a, axes_ in zip(axes, dynamic_axes) if a is not None)
    record.update(dynamic_batch=dynamic, dynamic_axes=dynamic_axes, static_batch_reason=None if dynamic else
                  reasons.get("onnx", reasons.get("batch", NO_BATCH)),
                  static_axis_reason=reasons.get("onnx") if what != "all" else None)
    sizes = [batch_size(b, example_axes) for b in [arrays] + [p[1] for p in sets if p[0] == "batch"]]
    return record, {"runtime": "onnxruntime", "batch_sizes": sizes, "max_abs_diff": worst,
                    "input_shapes": [[list(x.shape) for x in arrays]] + [[list(x.shape) for x in p[1]] for p in sets]}
