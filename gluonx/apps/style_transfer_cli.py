"""``gluonx style-transfer CONTENT STYLE --out result.png``: neural style transfer (D2L 9.11) from the shell.

The parser is built without importing MXNet; every check of the files and options happens before the
backbone is built, so bad input fails at once with one line (exit status 2).

Examples
--------
.. code-block:: console

    $ gluonx style-transfer content.jpg style.jpg --out result.png --backbone vgg11 --size 256 --steps 300
    $ gluonx style-transfer content.jpg style.jpg --out result.png --weights runs/vgg/model.params
"""
import argparse
import os

from .._validate import (UsageError, key_value_arg, non_negative_float_arg, non_negative_int_arg,
                         positive_float_arg, positive_int_arg)

#: The book's defaults (D2L 9.11), repeated here so that ``--help`` needs no MXNet.
_DEFAULTS = {"steps": 500, "lr": 0.3, "content_weight": 1.0, "style_weight": 1e3, "tv_weight": 10.0}


def _layers_arg(text):
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or not all(items):
        raise argparse.ArgumentTypeError("expected a comma-separated list of layer indices or names, got {!r}"
                                         .format(text))
    return [int(item) if item.lstrip("-").isdigit() else item for item in items]


def configure_style_transfer(parser):
    """Arguments of ``gluonx style-transfer``."""
    parser.add_argument("content", help="content image (any format Pillow reads)")
    parser.add_argument("style", help="style image (resized to the content's working size)")
    parser.add_argument("--out", required=True, help="result PNG (written atomically; its folder must exist)")
    parser.add_argument("--backbone", default="vgg11",
                        help="registered model whose features are used: vgg11, vgg16, resnet18, ... (default vgg11)")
    parser.add_argument("--model-arg", action="append", default=[], type=key_value_arg, metavar="KEY=VALUE",
                        help="argument of the backbone, e.g. width_divisor=4 (repeatable; JSON values)")
    parser.add_argument("--weights", help="parameter file of the backbone (save_parameters or a gluonx "
                                          "checkpoint's params.nd); random features without it")
    parser.add_argument("--size", type=positive_int_arg, default=256,
                        help="longer side of the result in pixels; the content is never enlarged (default 256)")
    parser.add_argument("--steps", type=positive_int_arg, default=_DEFAULTS["steps"],
                        help="optimization steps (default 500, the book's)")
    parser.add_argument("--lr", type=positive_float_arg, default=_DEFAULTS["lr"],
                        help="Adam learning rate, x0.8 every 50 steps (default 0.3)")
    parser.add_argument("--content-weight", type=non_negative_float_arg, default=_DEFAULTS["content_weight"])
    parser.add_argument("--style-weight", type=non_negative_float_arg, default=_DEFAULTS["style_weight"])
    parser.add_argument("--tv-weight", type=non_negative_float_arg, default=_DEFAULTS["tv_weight"])
    parser.add_argument("--style-layers", type=_layers_arg,
                        help="comma-separated layer indices or names (default: the first layer of each of "
                             "the first five resolutions)")
    parser.add_argument("--content-layers", type=_layers_arg,
                        help="comma-separated layer indices or names (default: the last layer of the fourth "
                             "resolution)")
    parser.add_argument("--seed", type=non_negative_int_arg, default=0,
                        help="seed of the random backbone initialization and of training (default 0)")
    parser.add_argument("--no-hybridize", action="store_true", help="run the feature extractor imperatively")
    parser.add_argument("--summary", help="also write the final losses and settings to this JSON file")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _check_output(path, what):
    if os.path.isdir(path):
        raise IsADirectoryError("{}: {} is a folder; expected a file name".format(path, what))
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError("{}: the folder of {} does not exist".format(folder, what))


def run_style_transfer(args):
    """Validate, synthesize, write the PNG; prints the final losses."""
    from ..data.images import read_image, require_file
    if not args.out.lower().endswith(".png"):
        raise UsageError("--out must name a .png file, got {!r}".format(args.out))
    _check_output(args.out, "--out")
    if args.summary:
        _check_output(args.summary, "--summary")
    if args.weights:
        require_file(args.weights, "weights file")
    content, style = read_image(args.content), read_image(args.style)
    from .._api import get_model_info
    get_model_info(args.backbone)  # an unknown name fails here with the closest names
    import mxnet as mx  # noqa: F401  (only now: the checks above need no MXNet)
    from ..train.handlers.progress import ProgressBar
    from .style_transfer import stylize
    from ..utils.atomic import write_bytes, write_json
    result = stylize(content, style, backbone=args.backbone, backbone_args=dict(args.model_arg),
                     weights=args.weights, size=args.size, steps=args.steps, lr=args.lr,
                     content_weight=args.content_weight, style_weight=args.style_weight,
                     tv_weight=args.tv_weight, style_layers=args.style_layers, content_layers=args.content_layers,
                     seed=args.seed, hybridize=not args.no_hybridize,
                     event_handlers=[ProgressBar(total=args.steps, disable=True if args.quiet else None)])
    write_bytes(args.out, _png_bytes(result.image))
    final = result.final
    print("wrote {} ({}x{}); content {:.4g}, style {:.4g} ({:.3g}x the content image's), tv {:.4g}".format(
        args.out, result.image.shape[1], result.image.shape[0], final["content"], final["style"],
        final["style_ratio"], final["tv"]))
    if args.summary:
        write_json(args.summary, {"final": final, "layers": result.layers, "backbone": args.backbone,
                                  "model_args": dict(args.model_arg), "weights": args.weights,
                                  "size": list(result.image.shape[:2]), "steps": args.steps, "lr": args.lr,
                                  "weights_of_losses": [args.content_weight, args.style_weight, args.tv_weight],
                                  "seed": args.seed, "history": result.history})
    return 0


def _png_bytes(image):
    import io
    from PIL import Image
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()

