"""The ``gluonx export`` and ``gluonx predict`` commands (registered by the core plugin).

.. code-block:: console

    $ gluonx export lenet --out exports/lenet --onnx --params lenet.params
    $ gluonx export mlp --out exports/mlp --input-shape 8,1,28,28 --kwargs '{"num_classes": 3}'
    $ gluonx predict exports/lenet digit.png --top-k 3
    $ gluonx predict exports/mlp features.npy --backend onnxruntime --raw
    $ gluonx export lenet --out exports/lenet-any --resize letterbox     # raw pictures of any size
    $ gluonx predict exports/lenet-any photo.jpg --json --save-png annotated.png
    $ gluonx predict exports/fcn street.jpg --save-png overlay.png   # segmenter: also writes overlay_mask.png
    $ gluonx predict exports/cifar data/cifar/test --csv submission.csv     # Kaggle-style: id,label

Configuration functions only add arguments: importing this module loads neither NumPy nor MXNet, so
every other ``gluonx`` command stays fast.
"""
import argparse
import json
import os
import re
import sys

from .._validate import finite_float_arg, positive_float_arg, positive_int_arg

__all__ = ["configure_export", "run_export", "configure_predict", "run_predict", "parse_shape", "describe_export"]

EXIT_ERROR = 1
EXIT_USAGE = 2


def parse_shape(text):
    """``"1,3,224,224"``, ``"1x3x224x224"`` or ``"(1, 3, 224, 224)"`` → ``(1, 3, 224, 224)``."""
    parts = [p for p in re.split(r"[,x\s()]+", text.strip().lower()) if p]
    if not parts or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ValueError("invalid shape {!r}: expected positive integers such as 1,3,224,224".format(text))
    return tuple(int(p) for p in parts)


def _number_list(text, parse, example):
    values = [parse(v) for v in text.split(",") if v.strip()]
    if not values:
        raise argparse.ArgumentTypeError("expected numbers such as {}, got {!r}".format(example, text))
    return values


def _floats(text):
    """``type=`` for ``M[,M,M]``: finite numbers (means)."""
    return _number_list(text, finite_float_arg, "0.5,0.5,0.5")


def _positive_floats(text):
    """``type=`` for ``S[,S,S]``: finite numbers > 0 (standard deviations)."""
    return _number_list(text, positive_float_arg, "0.25,0.25,0.25")


def _error(command, err, code):
    print("gluonx {}: error: {}".format(command, err), file=sys.stderr)
    return code


# -- export ----------------------------------------------------------------------------------------------
def configure_export(parser):
    parser.add_argument("source", metavar="MODEL_OR_CHECKPOINT",
                        help="registered model name (gluonx models) or a checkpoint folder")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="export folder: created, or a previous gluonx export there is replaced atomically")
    parser.add_argument("--force", action="store_true",
                        help="export into a folder that is not empty and holds no gluonx export (its files are "
                             "kept; only manifest.json is replaced)")
    parser.add_argument("--onnx", action="store_true", help="also write model.onnx (checked in onnxruntime)")
    parser.add_argument("--input-shape", action="append", metavar="SHAPE", default=None,
                        help="example input shape, e.g. 1,3,224,224; repeat once per input (default: the "
                             "model's registered example inputs)")
    parser.add_argument("--dtype", action="append", metavar="DTYPE", default=None,
                        help="dtype of each input (default: registered, else float32); repeat per input")
    parser.add_argument("--kwargs", default=None, metavar="JSON",
                        help="factory keyword arguments as JSON, e.g. '{\"num_classes\": 10}'")
    parser.add_argument("--params", default=None, metavar="FILE",
                        help="trained parameters: a .params file (export, save_parameters or "
                             "ParameterDict.save naming) or an export folder; default: random weights")
    parser.add_argument("--static-batch", action="store_true", help="export a fixed batch size")
    parser.add_argument("--class-names", default=None, metavar="FILE_OR_LIST",
                        help="class names: a text file with one per line, or a comma-separated list")
    parser.add_argument("--layout", choices=("NCHW", "NHWC", "none"), default=None,
                        help="image layout of the first input (default: NCHW for 4-D inputs with 1 or 3 "
                             "channels, else none)")
    parser.add_argument("--scale", type=positive_float_arg, default=None,
                        help="multiplies 0-255 pixel values before normalization (default 1/255)")
    parser.add_argument("--mean", type=_floats, default=None, metavar="M[,M,M]", help="per-channel mean")
    parser.add_argument("--std", type=_positive_floats, default=None, metavar="S[,S,S]", help="per-channel std")
    parser.add_argument("--resize", choices=("stretch", "letterbox", "keep-aspect", "none"), default=None,
                        help="how a picture of any size fits the image input (default stretch; keep-aspect and "
                             "none need dynamic height and width, see --dynamic-axis)")
    parser.add_argument("--channel-order", choices=("RGB", "BGR"), default=None, help="channel order of pictures")
    parser.add_argument("--pad-value", type=float, default=None, help="letterbox padding, 0-255 (default 0)")
    parser.add_argument("--dynamic-axis", action="append", default=None, metavar="[INPUT:]AXIS=NAME",
                        help="an axis besides the batch that may change size, e.g. 2=height 3=width (image) or "
                             "1:0=time; repeat per axis (default: the model's registered ones)")
    parser.add_argument("--output-names", default=None, metavar="A,B,...",
                        help="names of the outputs (default: the task's, e.g. boxes,scores,class_ids, else the "
                             "symbol's)")
    parser.add_argument("--raw-outputs", action="store_true",
                        help="export the net as it is, not what its task deploys (a detector without box decoding "
                             "and NMS)")
    parser.add_argument("--seed", type=int, default=0, help="seed of random weights and example inputs")
    parser.add_argument("--verify-isolated", action="store_true",
                        help="also reload the symbol in a fresh process in which gluonx is not importable")
    parser.add_argument("--json", action="store_true", help="print the manifest as JSON")


def _class_names(text):
    if text is None:
        return None
    if os.path.isfile(text):
        with open(text, "r", encoding="utf-8") as handle:
            return [line.strip() for line in handle if line.strip()]
    return [name.strip() for name in text.split(",")]


def _example_specs(default_specs, shapes, dtypes):
    from .._registry import InputSpec
    count = len(shapes) if shapes else len(default_specs)
    if not count:
        raise ValueError("the model has no registered example inputs: give --input-shape")
    if dtypes and len(dtypes) not in (1, count):
        raise ValueError("{} --dtype values for {} inputs".format(len(dtypes), count))
    if shapes and default_specs and len(shapes) != len(default_specs):
        raise ValueError("the model takes {} inputs, {} --input-shape given".format(len(default_specs), len(shapes)))
    specs = []
    for index in range(count):
        base = default_specs[index] if default_specs else InputSpec((1,))
        shape = shapes[index] if shapes else base.shape
        dtype = (dtypes[index] if len(dtypes) > 1 else dtypes[0]) if dtypes else base.dtype
        batch_axis = base.batch_axis if base.batch_axis is None or base.batch_axis < len(shape) else 0
        same_rank = len(shape) == len(base.shape)
        integer = dtype.startswith(("int", "uint"))
        specs.append(InputSpec(shape, dtype=dtype, low=base.low, high=base.high, batch_axis=batch_axis,
                               name=base.name, dynamic_axes=base.dynamic_axes if same_rank else (),
                               vocab_size=base.vocab_size if integer else None,
                               length_of=base.length_of if integer else None))
    return specs


def _preprocessing(args, first_shape, first_dtype, defaults=None):
    """The image preprocessing from the flags, over the task's ``defaults`` (``resize``, ``pad_value``...); a
    text model's recorded tokenizer and vocabulary (``defaults`` of kind ``text``) as they are."""
    from .text_preprocessing import is_text_preprocessing
    if is_text_preprocessing(defaults):
        if args.mean or args.std or args.scale is not None or args.resize is not None:
            raise ValueError("--mean/--std/--scale/--resize are image preprocessing; this model reads text")
        return defaults
    layout = args.layout
    if layout is None:
        image_like = len(first_shape) == 4 and first_shape[1] in (1, 3) and first_dtype.startswith("float")
        layout = "NCHW" if image_like else "none"
    if layout == "none":
        if args.mean or args.std or args.scale is not None:
            raise ValueError("--mean/--std/--scale need an image layout (--layout NCHW or NHWC)")
        return None
    out = dict(defaults or {})
    out.update({"layout": layout, "scale": args.scale if args.scale is not None else out.get("scale", 1.0 / 255)})
    out.update({key: value for key, value in (("mean", args.mean), ("std", args.std), ("resize", args.resize),
                                              ("channel_order", args.channel_order), ("pad_value", args.pad_value))
                if value is not None})
    out.setdefault("mean", None)
    out.setdefault("std", None)
    return out


def _postprocessing(postprocessing, default_names, names):
    """The task's postprocessing with its output names replaced by ``--output-names`` (same order)."""
    if not postprocessing or not default_names or list(names) == list(default_names):
        return postprocessing
    if len(names) != len(default_names):
        raise ValueError("--output-names: the model has {} outputs ({}), got {}".format(
            len(default_names), ",".join(default_names), len(names)))
    renamed = dict(zip(default_names, names))
    return {"outputs": {renamed.get(name, name): entry for name, entry in postprocessing["outputs"].items()}}


def parse_dynamic_axes(texts, count):
    """``["2=height", "3=width", "1:0=time"]`` → per input a dict axis → name (None when no flag was given)."""
    if not texts:
        return None
    out = [{} for _ in range(count)]
    for text in texts:
        match = re.fullmatch(r"\s*(?:(\d+)\s*:)?\s*(-?\d+)\s*=\s*([A-Za-z_][\w-]*)\s*", text)
        if not match:
            raise ValueError("--dynamic-axis {!r}: expected [INPUT:]AXIS=NAME, e.g. 2=height or 1:0=time".format(text))
        index = int(match.group(1) or 0)
        if index >= count:
            raise ValueError("--dynamic-axis {!r}: the model has {} input(s)".format(text, count))
        out[index][int(match.group(2))] = match.group(3)
    return out


def run_export(args):
    try:
        kwargs = json.loads(args.kwargs) if args.kwargs else None
        if kwargs is not None and not isinstance(kwargs, dict):
            raise ValueError("--kwargs must be a JSON object, got {}".format(args.kwargs))
        shapes = [parse_shape(s) for s in args.input_shape] if args.input_shape else None
    except ValueError as err:
        return _error("export", err, EXIT_USAGE)
    from .errors import ExportError
    from .manifest import ManifestError
    from .naming import ParameterMismatchError
    from .sources import ExportSourceError, resolve_source
    try:
        source = resolve_source(args.source, kwargs=kwargs, params=args.params, seed=args.seed,
                                raw=args.raw_outputs)
        specs = _example_specs(source.inputs, shapes, args.dtype)
        preprocessing = _preprocessing(args, specs[0].shape, specs[0].dtype, source.options.get("preprocessing"))
        dynamic_axes = parse_dynamic_axes(args.dynamic_axis, len(specs))
        output_names = ([n.strip() for n in args.output_names.split(",")] if args.output_names
                        else source.options.get("output_names"))
        postprocessing = _postprocessing(source.options.get("postprocessing"), source.options.get("output_names"),
                                         output_names)
        class_names = _class_names(args.class_names) if args.class_names else source.class_names
    except (ExportSourceError, ParameterMismatchError, ManifestError, ValueError, TypeError) as err:
        return _error("export", err, EXIT_USAGE)
    from .exporter import export
    formats = ("symbol", "onnx") if args.onnx else ("symbol",)
    try:
        result = export(source.block, args.out, specs, formats=formats, seed=args.seed,
                        dynamic_batch=not args.static_batch, batch_axes=[s.batch_axis for s in specs],
                        class_names=class_names, preprocessing=preprocessing,
                        model=source.model, verify="isolated" if args.verify_isolated else True, force=args.force,
                        dynamic_axes=dynamic_axes, output_names=output_names, postprocessing=postprocessing)
    except (ExportError, ValueError) as err:
        return _error("export", err, EXIT_ERROR)
    _report_export(result, source, args.json)
    return 0


def _report_export(result, source, as_json):
    manifest = result.manifest
    if as_json:
        print(manifest.to_json(), end="")
        return
    print("exported {} to {}".format(source.model.get("name", "model"), result.path))
    for kind, record in sorted(manifest.files.items()):
        print("  {:<7} {:<20} {:>12,} bytes  sha256 {}".format(kind, record["path"], record["bytes"],
                                                               record["sha256"][:16]))
    for spec in manifest.inputs:
        dims = [("N" if d == spec["batch_axis"] else (spec.get("axis_names") or {}).get(str(d), "*"))
                if d in spec["dynamic_axes"] else str(s) for d, s in enumerate(spec["shape"])]
        print("  input  {} ({}) {}".format(spec["name"], ", ".join(dims), spec["dtype"]))
    for spec in manifest.outputs:
        print("  output {} {} {}".format(spec["name"], tuple(spec["shape"]), spec["dtype"]))
    if manifest.class_names:
        print("  classes {}".format(", ".join(manifest.class_names)))
    if not manifest.data["dynamic_batch"]:
        print("  static batch: {}".format(manifest.data["static_batch_reason"]))
    for check, record in sorted(manifest.data["checks"].items()):
        print("  check  {}: passed (batch sizes {}, max |diff| {:.3g})".format(
            check, record["batch_sizes"], record["max_abs_diff"]))
    if source.random_weights:
        print("note: the weights are {}; pass --params FILE to export trained ones".format(
            source.model.get("weights")))


def _axes_text(dims, batch_axis, free, names):
    return "(" + ", ".join(("N" if d == batch_axis else names.get(str(d), "*")) if d in free else str(size)
                           for d, size in enumerate(dims)) + ")"


def describe_export(folder):
    """The lines ``gluonx info EXPORT_FOLDER`` prints: model, inputs and outputs with their dynamic axes (``N``
    for the batch, else the axis' name) for MXNet and for onnxruntime, pre- and postprocessing, classes."""
    from .manifest import read_manifest
    manifest, path = read_manifest(folder)
    model = manifest.data.get("model") or {}
    lines = ["export {}".format(path), "  model: {} (task {})".format(model.get("name") or model.get("class"),
                                                                       manifest.task or "-")]
    backends = ["mxnet"] + (["onnxruntime"] if manifest.has("onnx") else [])
    for index, spec in enumerate(manifest.inputs):
        names = spec.get("axis_names") or {}
        shapes = ["{} {}".format(backend, _axes_text(spec["shape"], spec["batch_axis"],
                                                     manifest.dynamic_axes(backend)[index], names))
                  for backend in backends]
        lines.append("  input  {} {}: {}".format(spec["name"], spec["dtype"], ", ".join(shapes)))
    dynamic = manifest.data.get("dynamic_batch")
    for spec in manifest.outputs:
        free = [spec["batch_axis"]] if dynamic and spec.get("batch_axis") is not None else []
        lines.append("  output {} {} {}".format(spec["name"], spec["dtype"],
                                                _axes_text(spec["shape"], spec.get("batch_axis"), free, {})))
    if not dynamic:
        lines.append("  static batch: {}".format(manifest.data.get("static_batch_reason")))
    if manifest.preprocessing:
        shown = dict(manifest.preprocessing)
        if "vocabulary" in shown:  # a text model's: thousands of tokens
            shown["vocabulary"] = "{} tokens".format(len(shown["vocabulary"]))
        lines.append("  preprocessing: " + ", ".join("{}={}".format(k, v) for k, v in sorted(
            shown.items()) if v is not None))
    if manifest.postprocessing:
        lines.append("  postprocessing: " + ", ".join("{}={}".format(name, entry["kind"]) for name, entry in
                                                      manifest.postprocessing["outputs"].items()))
    if manifest.class_names:
        lines.append("  classes: " + ", ".join(manifest.class_names))
    lines.append("  files: " + ", ".join(sorted(manifest.files)))
    return lines


# -- predict ---------------------------------------------------------------------------------------------
def configure_predict(parser):
    parser.add_argument("folder", metavar="DIR", help="export folder written by gluonx export")
    parser.add_argument("inputs", nargs="*", metavar="INPUT",
                        help="one per model input: .npy, .npz (its arrays in order), or an image "
                             "(.png/.jpg, preprocessed as the manifest says); for a text model (an export with "
                             "text preprocessing): one or more sentences, one sample each; none with --samples")
    parser.add_argument("--samples", type=positive_int_arg, default=None, metavar="N",
                        help="for a generator export (an output of kind 'image'): draw N noise inputs, run the "
                             "generator; --save-png writes the sample grid")
    parser.add_argument("--seed", type=int, default=0, help="seed of the noise drawn by --samples (default 0)")
    parser.add_argument("--backend", choices=("mxnet", "onnxruntime"), default="mxnet")
    parser.add_argument("--ctx", default="cpu", help="cpu, gpu or gpu(N)")
    parser.add_argument("--top-k", type=positive_int_arg, default=None,
                        help="classes shown for a classifier (default 5; classifiers only)")
    parser.add_argument("--raw", action="store_true", help="print raw outputs even for a classifier")
    parser.add_argument("--batch-size", type=positive_int_arg, default=None, help="samples per run")
    parser.add_argument("--save", default=None, metavar="FILE.npz", help="also save the outputs")
    parser.add_argument("--save-png", default=None, metavar="FILE.png",
                        help="for one picture: write it annotated with the boxes, mask or class found (a "
                             "segmenter also writes its class ids as a palette PNG, FILE_mask.png)")
    parser.add_argument("--min-score", type=finite_float_arg, default=0.5,
                        help="detections printed and drawn by --save-png score at least this (default 0.5)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--csv", default=None, metavar="FILE.csv",
                        help="classifiers: write a submission CSV (id = file stem, label = class name) for the "
                             "pictures given, files or folders (D2L 9.12)")


def _read_inputs(predictor, paths):
    import numpy as np
    from .preprocessing import IMAGE_SUFFIXES
    arrays = []
    for path in paths:
        suffix = os.path.splitext(path)[1].lower()
        if suffix in IMAGE_SUFFIXES:
            arrays.append(predictor.preprocess_image(path))
        elif suffix in (".npy", ".npz"):
            if not os.path.isfile(path):
                raise ValueError("input {} does not exist".format(path))
            try:
                loaded = np.load(path, allow_pickle=False)
            except (ValueError, OSError) as err:
                raise ValueError("cannot read {}: {}".format(path, err)) from None
            if suffix == ".npz":
                with loaded:
                    arrays.extend(loaded[name] for name in loaded.files)
            else:
                arrays.append(loaded)
        else:
            raise ValueError("input {}: expected .npy, .npz or an image ({})".format(
                path, ", ".join(IMAGE_SUFFIXES)))
    # A single sample without its batch axis is the common case on the command line: add the axis.
    for index, (array, spec, axis) in enumerate(zip(arrays, predictor.inputs, predictor._dynamic)):
        if axis is not None and array.ndim == len(spec["shape"]) - 1:
            arrays[index] = np.expand_dims(array, axis)
    return arrays


def _is_classifier(predictor, outputs, raw):
    if raw or len(outputs) != 1 or outputs[0].ndim != 2:
        return False
    return bool(predictor.class_names) or predictor.manifest.task in ("classification", "text-classification")


def _single_image(predictor, paths):
    """The path of the one picture given to a one-input model with image preprocessing, else None."""
    from .preprocessing import IMAGE_SUFFIXES
    if len(paths) != 1 or len(predictor.inputs) != 1 or os.path.splitext(paths[0])[1].lower() not in IMAGE_SUFFIXES:
        return None
    return paths[0]


def run_predict(args):
    from .errors import InputMismatchError
    from .manifest import ManifestError
    from .postprocessing import detections, mask_ids
    from .predictor import Predictor, top_k
    from .text_preprocessing import is_text_preprocessing
    from .translator import is_translator
    if is_translator(args.folder):
        return _predict_translation(args)
    if args.csv:
        from .submission import run_submission
        try:
            return run_submission(args)
        except (ManifestError, InputMismatchError, ValueError) as err:
            return _error("predict", err, EXIT_USAGE)
    transform = None
    try:
        predictor = Predictor(args.folder, ctx=args.ctx, backend=args.backend, batch_size=args.batch_size)
        if args.samples is not None or not args.inputs:
            return _predict_samples(args, predictor)
        image = _single_image(predictor, args.inputs)
        if is_text_preprocessing(predictor.manifest.preprocessing):
            if args.save_png:
                raise ValueError("--save-png draws on pictures; this model reads text")
            outputs = predictor.predict_flat(*predictor.prepare_text(list(args.inputs)))
        elif image is not None:
            # boxes and masks come back in the picture's own pixels (the manifest's postprocessing)
            named = predictor.predict_image(image, named=True)
            transform = named.pop("_transform")
            outputs = [named[name] for name in predictor.manifest.output_names]
        else:
            if args.save_png:
                raise ValueError("--save-png needs one picture (.png/.jpg) as the input of a one-input model")
            arrays = _read_inputs(predictor, args.inputs)
            outputs = predictor.predict_flat(*arrays)
    except (ManifestError, InputMismatchError, ValueError) as err:
        return _error("predict", err, EXIT_USAGE)
    classifier = _is_classifier(predictor, outputs, args.raw)
    if args.top_k is not None and not classifier and not args.raw:
        return _error("predict", "--top-k applies to classifiers; {} is an export of {} with outputs {}".format(
            args.folder, predictor.manifest.task or "a model", ", ".join(predictor.manifest.output_names)),
            EXIT_USAGE)
    if args.save:
        _save_outputs(args.save, outputs)
    ranked = top_k(outputs[0], args.top_k or 5, predictor.class_names) if classifier else None
    found = None if args.raw else detections(dict(zip(predictor.manifest.output_names, outputs)),
                                              predictor.manifest.postprocessing, predictor.class_names,
                                              args.min_score, drop_empty=transform is not None)
    named_outputs = dict(zip(predictor.manifest.output_names, outputs))
    ids = None if args.raw else mask_ids(named_outputs, predictor.manifest.postprocessing)
    segments = None if ids is None else _segments(predictor, named_outputs, ids)
    mask_png = None
    if args.save_png:
        _save_png(args, predictor, image, outputs, ranked)
        if ids is not None:
            mask_png = _save_mask_png(args.save_png, ids[0])
    if args.json:
        # a segmenter's per-pixel scores would be megabytes of JSON: --raw prints them
        masks = set() if ids is None else {name for name, entry in predictor.manifest.postprocessing["outputs"]
                                           .items() if entry.get("kind") == "mask"}
        payload = {"outputs": [dict({"name": spec["name"], "shape": list(out.shape)},
                                    **({} if spec["name"] in masks else {"values": out.tolist()}))
                               for spec, out in zip(predictor.outputs, outputs)]}
        if predictor.class_names:
            payload["class_names"] = predictor.class_names
        if is_text_preprocessing(predictor.manifest.preprocessing):
            payload["texts"] = list(args.inputs)
        if transform is not None:
            payload["image"] = dict(transform, path=image)
        if ranked is not None:
            payload["top_k"] = [[{"index": i, "name": name, "probability": p} for i, name, p in row]
                                for row in ranked]
        if found is not None:
            payload["detections"] = found
            payload["box_coordinates"] = _box_coordinates(predictor, transform)
        if segments is not None:
            payload["segmentation"] = segments
            if args.save_png:
                payload["mask_png"], payload["overlay_png"] = mask_png, args.save_png
        print(json.dumps(payload))
    elif classifier:
        if is_text_preprocessing(predictor.manifest.preprocessing):
            for sample, text in enumerate(args.inputs):
                print("sample {}: {}".format(sample, text))
        _print_top_k(ranked)
    elif segments is not None:
        _print_segments(segments, transform, args.save_png, mask_png)
    elif found is not None:
        _print_detections(found, _box_coordinates(predictor, transform), args.min_score)
    else:
        _print_raw(predictor, outputs)
    return 0


def _predict_translation(args):
    """A translator export (gluonx.deploy.translator): each INPUT is a source sentence; prints the beam."""
    import mxnet as mx
    from .translator import Translator
    ctx = mx.gpu(0) if args.ctx.startswith("gpu") else mx.cpu()
    try:
        results = Translator(args.folder, ctx=ctx)(list(args.inputs))
    except ValueError as err:
        return _error("predict", err, EXIT_USAGE)
    if args.json:
        print(json.dumps({"translations": results}))
        return 0
    for result in results:
        print(result["source"])
        for rank, hypothesis in enumerate(result["hypotheses"], 1):
            print("  {}. {}  (score {:.4f})".format(rank, hypothesis["text"], hypothesis["score"]))


def _image_output(predictor):
    """``(index, postprocessing entry)`` of the export's output of kind ``image`` (a generator), or None."""
    entries = (predictor.manifest.postprocessing or {}).get("outputs", {})
    for index, name in enumerate(predictor.manifest.output_names):
        if entries.get(name, {}).get("kind") == "image":
            return index, entries[name]
    return None


def _predict_samples(args, predictor):
    """``gluonx predict GENERATOR --samples N [--save-png grid.png]``: noise in, a sample grid out."""
    from .image_grid import draw_noise, save_image_grid
    found = _image_output(predictor)
    if args.samples is None:
        raise ValueError("give one input per model input ({} for this export){}".format(
            len(predictor.inputs), ", or --samples N for a generator" if found else ""))
    if args.inputs:
        raise ValueError("--samples draws the generator's noise itself: give no INPUT files")
    if found is None or len(predictor.inputs) != 1:
        raise ValueError("--samples needs a generator export (one noise input, an output of kind 'image'); {} has "
                         "outputs {}".format(args.folder, ", ".join(predictor.manifest.output_names)))
    index, entry = found
    noise = draw_noise(predictor.inputs[0]["shape"], args.samples, entry.get("noise", "normal"), args.seed)
    outputs = predictor.predict_flat(noise)
    if args.save:
        _save_outputs(args.save, outputs)
    if args.save_png:
        save_image_grid(args.save_png, outputs[index], image_shape=entry.get("image_shape"), scale=2)
    if args.json:
        print(json.dumps({"samples": args.samples, "seed": args.seed, "png": args.save_png,
                          "outputs": [{"name": spec["name"], "shape": list(out.shape), "values": out.tolist()}
                                      for spec, out in zip(predictor.outputs, outputs)]}))
    else:
        print("{} samples of shape {} from noise {} (seed {}){}".format(
            args.samples, tuple(outputs[index].shape[1:]), tuple(noise.shape), args.seed,
            ": grid written to " + args.save_png if args.save_png else ""))
    return 0


def _box_coordinates(predictor, transform):
    """What the numbers of a detection's ``box`` mean."""
    if transform is not None:
        return "xmin, ymin, xmax, ymax in the original picture's pixels"
    entry = next(e for e in predictor.manifest.postprocessing["outputs"].values() if e.get("kind") == "boxes")
    order = "xmin, ymin, xmax, ymax" if entry.get("format", "corner") == "corner" else "cx, cy, w, h"
    return "{} of the model input, {}".format(order, "normalized to [0, 1]" if entry.get("normalized") else "in pixels")


def _print_detections(found, coordinates, min_score):
    from ..cli import format_table
    rows = [(sample, "-" if row["class"] is None else row["class"], row["class_id"], "{:.4f}".format(row["score"]),
             ", ".join("{:.1f}".format(v) if "pixels" in coordinates else "{:.4f}".format(v) for v in row["box"]))
            for sample, picture in enumerate(found) for row in picture]
    if rows:
        print(format_table(rows, ("image", "class", "id", "score", "box")))
    print("{} detection(s) scoring at least {} (box: {})".format(len(rows), min_score, coordinates))


def _save_png(args, predictor, image, outputs, ranked):
    from .annotate import save_annotated
    from .preprocessing import load_image
    picture = load_image(image, 3)
    named = dict(zip(predictor.manifest.output_names, outputs))
    save_annotated(args.save_png, picture, named, predictor.manifest.postprocessing, predictor.class_names,
                   top=ranked[0][0] if ranked else None, min_score=args.min_score)


def _segments(predictor, outputs, ids):
    """Per picture: the mask's size and the pixels of each class (class names from the manifest)."""
    from .postprocessing import mask_pixel_counts, output_of_kind
    scores = output_of_kind(outputs, predictor.manifest.postprocessing, "mask")
    num_classes = scores.shape[1] if scores.ndim == 4 else None
    return [{"size": [int(d) for d in picture.shape], "classes": mask_pixel_counts(
        picture, predictor.class_names, num_classes)} for picture in ids]


def _mask_path(path):
    stem, _ = os.path.splitext(path)
    return stem + "_mask.png"


def _save_mask_png(path, ids):
    from ..utils.palette import save_palette_png
    return save_palette_png(_mask_path(path), ids)


def _print_segments(segments, transform, overlay, mask_png):
    from ..cli import format_table
    rows = [(sample, "-" if row["class"] is None else row["class"], row["class_id"], row["pixels"],
             "{:.4f}".format(row["fraction"])) for sample, picture in enumerate(segments)
            for row in picture["classes"]]
    print(format_table(rows, ("image", "class", "id", "pixels", "fraction")))
    height, width = segments[0]["size"]
    where = "the original picture's size" if transform is not None else "the model output's size"
    print("mask {}x{} ({})".format(height, width, where))
    if mask_png:
        print("wrote {} (class ids, VOC palette) and {} (overlay)".format(mask_png, overlay))


def _save_outputs(path, outputs):
    import numpy as np
    from ..utils.atomic import atomic_write
    with atomic_write(path, "wb") as handle:
        np.savez(handle, *outputs)


def _print_top_k(ranked):
    from ..cli import format_table
    rows = [(sample, rank + 1, index, "-" if name is None else name, "{:.4f}".format(prob))
            for sample, row in enumerate(ranked) for rank, (index, name, prob) in enumerate(row)]
    print(format_table(rows, ("sample", "rank", "class", "name", "probability")))


def _print_raw(predictor, outputs):
    import numpy as np
    for index, (spec, out) in enumerate(zip(predictor.outputs, outputs)):
        print("output {} '{}': shape {} {}".format(index, spec["name"], out.shape, out.dtype))
        print(np.array2string(out, threshold=200, precision=5))
