"""Neural style transfer (D2L 9.11): the synthesized image is the only trained parameter.

The content image's features at the content layers and the style image's Gram matrices at the style layers
are computed once; each step then runs the synthesized image through the same feature extractor, and
gradient descent on the image lowers ``content_weight * content + style_weight * style + tv_weight * tv``.
Training goes through :class:`gluonx.Trainer` with :class:`StyleTransferStep`, so the progress bar, the
learning-rate schedule and the loss bookkeeping are the trainer's.

Examples
--------
>>> import numpy as np
>>> from gluonx.apps.style_transfer import stylize
>>> rng = np.random.RandomState(0)
>>> content = rng.randint(0, 256, (24, 32, 3)).astype("uint8")
>>> style = rng.randint(0, 256, (20, 20, 3)).astype("uint8")
>>> result = stylize(content, style, backbone="vgg11", backbone_args={"width_divisor": 16}, steps=3)
>>> result.image.shape, result.image.dtype
((24, 32, 3), dtype('uint8'))
"""
import os
from collections import namedtuple

import numpy as np
import mxnet as mx
from mxnet import autograd, gluon

from .._validate import UsageError, check_non_negative, check_positive
from ..losses.style import ContentLoss, StyleLoss, TotalVariationLoss, gram_matrix
from ..models.feature_extractor import FeatureExtractor, default_style_layers, feature_layers, layer_shapes
from ..train.handlers.base import EventHandler
from ..train.step import StepOutput, TrainStep

__all__ = ["RGB_MEAN", "RGB_STD", "DEFAULTS", "SynthesizedImage", "StyleTransferStep", "StyleTransferResult",
           "build_backbone", "freeze_extractor", "load_backbone_weights", "preprocess", "postprocess",
           "resize_image", "working_size", "stylize"]

#: The book normalizes images with the ImageNet channel statistics its pretrained VGG-19 was trained with.
RGB_MEAN = np.array([0.485, 0.456, 0.406], dtype="float32")
RGB_STD = np.array([0.229, 0.224, 0.225], dtype="float32")

#: D2L 9.11's settings: weights 1 / 1e3 / 10, Adam at 0.3 decayed by 0.8 every 50 steps.
DEFAULTS = {"content_weight": 1.0, "style_weight": 1e3, "tv_weight": 10.0, "lr": 0.3, "lr_decay": 0.8,
            "lr_decay_every": 50, "steps": 500}

StyleTransferResult = namedtuple("StyleTransferResult", "image history final layers")
StyleTransferResult.__doc__ = """What :func:`stylize` returns.

image : (H, W, 3) uint8 array, the synthesized image at the content's working size.
history : list of dict, per step ``content``, ``style``, ``tv`` (weighted) and ``loss`` (their sum).
final : dict, unweighted ``content``, ``style`` and ``tv`` losses of the result, and the references
    ``content_image_style`` (the style loss of the content image itself: where synthesis starts) and
    ``style_ratio`` (final style loss / that reference; below 1 means the style moved towards the style image).
layers : dict, the ``style`` and ``content`` layer names used.
"""


class SynthesizedImage(gluon.Block):
    """The image being synthesized as a block whose only parameter is the image (D2L 9.11.5).

    Parameters
    ----------
    shape : tuple of int
        ``(1, 3, H, W)``.

    Calling it returns the image on the context of the call's argument (or the parameter's first context).

    References
    ----------
    D2L 9.11.5 (initializing the synthesized image).
    """

    def __init__(self, shape, **kwargs):
        super().__init__(**kwargs)
        self.weight = self.params.get("weight", shape=tuple(shape))

    def forward(self, ctx=None):
        return self.weight.data(ctx)


def preprocess(image):
    """``(H, W, 3)`` uint8 RGB -> ``(1, 3, H, W)`` float32 NDArray normalized with :data:`RGB_MEAN` /
    :data:`RGB_STD` (D2L 9.11.3)."""
    x = (np.asarray(image, dtype="float32") / 255.0 - RGB_MEAN) / RGB_STD
    return mx.nd.array(x.transpose(2, 0, 1)[None])


def postprocess(x):
    """Inverse of :func:`preprocess`, clipped to valid pixels: ``(1, 3, H, W)`` -> ``(H, W, 3)`` uint8."""
    x = x.asnumpy()[0].transpose(1, 2, 0) * RGB_STD + RGB_MEAN
    return np.round(np.clip(x, 0, 1) * 255).astype("uint8")


def _pixel_bounds(ctx):
    shape = (1, 3, 1, 1)
    return (mx.nd.array(((0 - RGB_MEAN) / RGB_STD).reshape(shape), ctx=ctx),
            mx.nd.array(((1 - RGB_MEAN) / RGB_STD).reshape(shape), ctx=ctx))


def working_size(height, width, size):
    """``(height, width)`` scaled so the longer side is ``size`` (never enlarged; aspect kept)."""
    scale = min(1.0, float(size) / max(height, width))
    return max(1, int(round(height * scale))), max(1, int(round(width * scale)))


def resize_image(image, height, width):
    """``(H, W, 3)`` uint8 image resized to ``(height, width)`` (bicubic, Pillow); unchanged if it fits."""
    from PIL import Image
    if image.shape[:2] == (height, width):
        return np.asarray(image)
    return np.asarray(Image.fromarray(np.asarray(image, dtype="uint8")).resize((width, height), Image.BICUBIC))


class StyleTransferStep(TrainStep):
    """One gradient step on the synthesized image (the trainer's net, a :class:`SynthesizedImage`).

    Each batch only counts a step: the step reads nothing from it but its sample count. The loss is the
    book's weighted sum of content losses, style losses (against the style image's Gram matrices) and the
    total variation; after the update the image is clipped to valid pixels (``clip=True``), so it stays an
    image throughout (the book clips only the final result).

    Parameters
    ----------
    extractor : FeatureExtractor
        Returns the style layers' outputs, then the content layers'.
    num_style : int
        How many of the extractor's outputs are style layers (the first ones).
    content_targets, style_grams : list of NDArray
        The content image's features and the style image's Gram matrices (constants).
    content_weight, style_weight, tv_weight : float
    clip : bool

    References
    ----------
    D2L 9.11.6-9.11.7 (loss function and training).
    """

    def __init__(self, extractor, num_style, content_targets, style_grams, content_weight=1.0,
                 style_weight=1e3, tv_weight=10.0, clip=True):
        super().__init__()
        self.extractor = extractor
        self.num_style = int(num_style)
        self.content_targets = list(content_targets)
        self.style_grams = list(style_grams)
        self.weights = (float(content_weight), float(style_weight), float(tv_weight))
        self.clip = clip
        self.content_loss, self.style_loss, self.tv_loss = ContentLoss(), StyleLoss(), TotalVariationLoss()
        self._bounds = None

    def losses(self, image):
        """Weighted ``(content, style, tv)`` losses of ``image`` (each a ``(1,)`` NDArray)."""
        features = self.extractor(image)
        style_features, content_features = features[:self.num_style], features[self.num_style:]
        content_weight, style_weight, tv_weight = self.weights
        content = mx.nd.add_n(*[self.content_loss(y, t) for y, t in zip(content_features, self.content_targets)])
        style = mx.nd.add_n(*[self.style_loss(y, g) for y, g in zip(style_features, self.style_grams)])
        return content * content_weight, style * style_weight, self.tv_loss(image) * tv_weight

    def train_step(self, trainer, batch):
        trainer.split(batch)  # counts the step's one sample on the trainer's device
        ctx = trainer.ctx[0]
        # Training mode: MXNet's oneDNN max pooling returns wrong, run-dependent input gradients after a
        # forward in inference mode (no workspace is kept). The extractor's batch norms use their running
        # statistics anyway (freeze_extractor), and it has no dropout.
        with autograd.record(train_mode=True):
            image = trainer.net(ctx)
            content, style, tv = self.losses(image)
            total = content + style + tv
        total.backward()
        trainer.update(num_samples=1)
        if self.clip:
            if self._bounds is None:
                self._bounds = _pixel_bounds(ctx)
            low, high = self._bounds
            data = trainer.net.weight.data(ctx)
            mx.nd.broadcast_minimum(mx.nd.broadcast_maximum(data, low), high, out=data)
        return StepOutput(None, None, {"loss": [total], "content": [content], "style": [style], "tv": [tv]})

    def eval_step(self, trainer, batch):
        content, style, tv = self.losses(trainer.net(trainer.ctx[0]))
        return StepOutput(None, None, {"loss": [content + style + tv], "content": [content], "style": [style],
                                       "tv": [tv]})


def freeze_extractor(extractor):
    """Make ``extractor`` compute the same features in training mode as in inference mode: every batch
    norm uses (and no longer updates) its running statistics; a dropout layer among its layers is an error.

    Style transfer differentiates through the extractor in training mode (see :class:`StyleTransferStep`).
    """
    for name, layer in zip(extractor.all_names, extractor.body._children.values()):
        if isinstance(layer, gluon.nn.Dropout):
            raise UsageError("feature layer {} is a dropout layer (or comes after one): choose earlier "
                             "layers".format(name))
        for block in _descendants(layer):
            if isinstance(block, gluon.nn.BatchNorm):
                block._kwargs["use_global_stats"] = True
            elif isinstance(block, gluon.nn.Dropout):
                raise UsageError("feature layer {} contains dropout: choose earlier layers".format(name))
    return extractor


def _descendants(block):
    yield block
    for child in block._children.values():
        yield from _descendants(child)


def build_backbone(backbone, backbone_args=None, weights=None, ctx=None, seed=None):
    """A registered model with 3 input channels, initialized (Xavier, seeded) or loaded from ``weights``."""
    from .._api import get_model
    kwargs = dict(backbone_args or {})
    kwargs.setdefault("in_channels", 3)
    net = get_model(backbone, **kwargs)
    ctx = ctx or mx.cpu()
    if seed is not None:
        mx.random.seed(int(seed))
        np.random.seed(int(seed))
    net.initialize(mx.init.Xavier(), ctx=ctx)
    if weights is not None:
        load_backbone_weights(net, weights, ctx)
    return net


def load_backbone_weights(net, path, ctx=None, layers=None):
    """Load the feature layers' parameters of ``net`` from an MXNet NDArray file (``save_parameters``, or
    a ``gluonx train`` checkpoint's ``params.nd``), by structural name (``features.0.0.weight``).

    Only the parameters of ``layers`` (default: every layer of ``net.features`` before its first dense
    layer) are needed, so a classifier trained for any number of classes (or input size) loads. A missing
    or differently shaped array raises a one-line :class:`ValueError`.
    """
    from ..data.images import require_file
    from ..train.checkpoint import NDARRAY_MAGIC
    require_file(os.fspath(path), "weights file")
    with open(path, "rb") as handle:
        if handle.read(len(NDARRAY_MAGIC)) != NDARRAY_MAGIC:
            raise UsageError("{}: not an MXNet parameter file (expected one written by save_parameters or "
                             "a gluonx checkpoint's params.nd)".format(path))
    try:
        arrays = mx.nd.load(os.fspath(path))
    except mx.base.MXNetError as err:
        raise UsageError("{}: cannot read the parameters ({})".format(
            path, (str(err).strip().splitlines() or ["corrupted"])[0])) from None
    if not isinstance(arrays, dict):
        raise UsageError("{}: holds unnamed arrays, expected parameters by name".format(path))
    # save_parameters may prefix names with "arg:"/"aux:" in older formats
    arrays = {k.split(":", 1)[-1]: v for k, v in arrays.items()}
    if layers is None:
        layers = []
        for name, layer in feature_layers(net):
            if isinstance(layer, gluon.nn.Dense):
                break
            layers.append(layer)
    wanted = {id(p) for layer in layers for p in layer.collect_params().values()}
    loaded = 0
    for name, param in net._collect_params_with_prefix().items():
        if id(param) not in wanted:
            continue
        if name not in arrays:
            raise UsageError("{}: has no parameter {!r}; is it a {} trained with the same arguments?".format(
                path, name, type(net).__name__))
        if arrays[name].shape != param.shape:
            raise UsageError("{}: parameter {!r} has shape {}, the backbone expects {} (a different model or "
                             "input channels?)".format(path, name, arrays[name].shape, param.shape))
        param.set_data(arrays[name].as_in_context(ctx or mx.cpu()))
        loaded += 1
    return loaded


def stylize(content, style, backbone="vgg11", backbone_args=None, weights=None, size=256, steps=None,
            lr=None, content_weight=None, style_weight=None, tv_weight=None, style_layers=None,
            content_layers=None, seed=0, hybridize=True, ctx=None, event_handlers=(), net=None):
    """Synthesize ``content`` in the style of ``style`` (D2L 9.11); returns a :class:`StyleTransferResult`.

    Parameters
    ----------
    content, style : (H, W, 3) uint8 arrays
        RGB images; the style image is resized to the content's working size (as the book does).
    backbone : str
        A registered model (``vgg11``, ``vgg16``, ``resnet18`` ...) built with 3 input channels.
    backbone_args : dict, optional
        More arguments for ``gluonx.get_model`` (``width_divisor``, ``preset``, ``batch_norm`` ...).
    weights : str, optional
        Parameter file of the backbone (:func:`load_backbone_weights`); random features without it.
    size : int
        Longer side of the synthesized image (the content is never enlarged).
    steps, lr, content_weight, style_weight, tv_weight : optional
        Default to :data:`DEFAULTS` (the book's). The learning rate decays by 0.8 every 50 steps.
    style_layers, content_layers : sequence of int or str, optional
        Layers of the backbone (:func:`gluonx.models.feature_extractor.feature_layers`); default
        :func:`gluonx.models.feature_extractor.default_style_layers`.
    seed : int
        Seeds the backbone's random initialization and the trainer.
    hybridize : bool
        Hybridize the feature extractor (static graph).
    ctx : mx.Context, optional
    event_handlers : sequence
        Passed to ``Trainer.fit`` (e.g. ``gluonx.train.ProgressBar()``).
    net : HybridBlock, optional
        A ready backbone instead of ``backbone``/``backbone_args``/``weights``.

    References
    ----------
    D2L 9.11 (neural style transfer).
    """
    from ..train.trainer import Trainer
    steps = int(check_positive("steps", DEFAULTS["steps"] if steps is None else steps))
    lr = check_positive("lr", DEFAULTS["lr"] if lr is None else lr)
    size = int(check_positive("size", size))
    weights_ = [check_non_negative(name, DEFAULTS[name] if value is None else value) for name, value in
                (("content_weight", content_weight), ("style_weight", style_weight), ("tv_weight", tv_weight))]
    content, style = _check_image("content", content), _check_image("style", style)
    ctx = ctx or mx.cpu()
    if net is None:
        net = build_backbone(backbone, backbone_args, weights, ctx, seed)
    height, width = working_size(content.shape[0], content.shape[1], size)
    content_x = preprocess(resize_image(content, height, width)).as_in_context(ctx)
    style_x = preprocess(resize_image(style, height, width)).as_in_context(ctx)
    if style_layers is None or content_layers is None:
        default_style, default_content = default_style_layers(net, content_x.shape)
        style_layers = default_style if style_layers is None else style_layers
        content_layers = default_content if content_layers is None else content_layers
    extractor = freeze_extractor(FeatureExtractor(net, list(style_layers) + list(content_layers)))
    reached = len(layer_shapes(net, content_x.shape))
    if max(extractor.taps) >= reached:
        raise UsageError("a {}x{} image is too small for feature layer {} (it reaches layer {} of {}): use a "
                         "larger size or earlier layers".format(width, height, extractor.all_names[max(
                             extractor.taps)], reached - 1, type(net).__name__))
    if hybridize:
        extractor.hybridize(static_alloc=True, static_shape=True)
    num_style = len(list(style_layers))
    content_targets = [y.detach() for y in extractor(content_x)[num_style:]]
    style_grams = [gram_matrix(mx.nd, y).detach() for y in extractor(style_x)[:num_style]]
    step = StyleTransferStep(extractor, num_style, content_targets, style_grams, *weights_)
    image = SynthesizedImage(content_x.shape)
    image.initialize(mx.init.Constant(content_x), ctx=ctx)  # the book starts from the content image
    schedule = mx.lr_scheduler.FactorScheduler(step=DEFAULTS["lr_decay_every"], factor=DEFAULTS["lr_decay"],
                                               base_lr=lr)
    trainer = Trainer(image, optimizer="adam", optimizer_params={"learning_rate": lr, "lr_scheduler": schedule},
                      ctx=[ctx], step=step, hybridize=False, seed=seed)
    history = _History()
    one_step = (mx.nd.zeros((1,)),)  # a batch of one (ignored) sample per step
    trainer.fit([one_step] * steps, epochs=1, event_handlers=[history] + list(event_handlers), log_interval=1)
    # the unweighted losses of the result and the content image's own style loss, for comparing runs
    content_l, style_l, tv_l = (v.asscalar() for v in StyleTransferStep(
        extractor, num_style, content_targets, style_grams, 1, 1, 1).losses(image(ctx)))
    own_style = StyleTransferStep(extractor, num_style, content_targets, style_grams, 1, 1, 1).losses(
        content_x)[1].asscalar()
    final = {"content": float(content_l), "style": float(style_l), "tv": float(tv_l),
             "content_image_style": float(own_style),
             "style_ratio": float(style_l / own_style) if own_style > 0 else float("nan")}
    names = [name for name, _ in feature_layers(net)]
    layers = {"style": [names[i] for i in extractor.taps[:num_style]],
              "content": [names[i] for i in extractor.taps[num_style:]]}
    return StyleTransferResult(postprocess(image(ctx)), history.rows, final, layers)


def _check_image(what, image):
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise UsageError("{} image: expected an (H, W, 3) uint8 RGB array, got shape {} {}".format(
            what, image.shape, image.dtype))
    if min(image.shape[:2]) < 2:
        raise UsageError("{} image: expected at least 2x2 pixels, got {}x{}".format(
            what, image.shape[1], image.shape[0]))
    return image


class _History(EventHandler):
    """Keeps the weighted losses of every log read (one read per step here)."""

    priority = 100

    def __init__(self):
        self.rows = []

    def log(self, trainer, scalars):
        if scalars.get("end_of_epoch"):  # the epoch's closing read repeats nothing new
            return
        self.rows.append({k: float(scalars[k]) for k in ("loss", "content", "style", "tv") if k in scalars})
