"""Intermediate features of any registered image model: the layers a style transfer (D2L 9.11) or a
perceptual loss reads.

Every gluonx CNN keeps its body in ``net.features``. :func:`feature_layers` unrolls it into a flat list of
layers (plain sequential containers are opened, other blocks such as a residual block stay whole), and
:class:`FeatureExtractor` runs that list up to the deepest chosen layer and returns the outputs of the chosen
ones, sharing the backbone's parameters.
"""
from mxnet import gluon
from mxnet.gluon import nn

from .._validate import UsageError

__all__ = ["FeatureExtractor", "feature_layers", "layer_shapes", "default_style_layers", "feature_extractor"]

#: Layers whose output is not a new set of features: the default layer choice skips them.
_NOT_FEATURES = (nn.Activation, nn.BatchNorm, nn.MaxPool2D, nn.AvgPool2D, nn.GlobalAvgPool2D,
                 nn.GlobalMaxPool2D, nn.Dense, nn.Dropout, nn.Flatten)


def _is_sequential(block):
    # A container whose computation is HybridSequential's own (gluonx's VGGBlock adds input checks only).
    return (isinstance(block, nn.HybridSequential)
            and type(block).hybrid_forward is nn.HybridSequential.hybrid_forward)


def feature_layers(backbone):
    """The layers of ``backbone.features`` (or of ``backbone`` if it is itself sequential) in order.

    Returns
    -------
    list of (str, HybridBlock)
        ``(name, layer)`` pairs; a name is the dotted path of child indices from the backbone
        (``"features.1.0"``: the first layer of the second VGG block), as in checkpoints.
    """
    body, prefix = (backbone.features, "features") if hasattr(backbone, "features") else (backbone, "")
    if not _is_sequential(body):
        raise UsageError("{}: expected a model with a sequential 'features' body (every gluonx CNN has one), "
                         "got {}".format(type(backbone).__name__, type(body).__name__))
    layers = []

    def walk(block, path):
        for index, child in enumerate(block._children.values()):
            name = "{}.{}".format(path, index) if path else str(index)
            if _is_sequential(child):
                walk(child, name)
            else:
                layers.append((name, child))
    walk(body, prefix)
    return layers


def _resolve(layers, chosen, what):
    names = [name for name, _ in layers]
    indices = []
    for item in chosen:
        if isinstance(item, str) and item in names:
            indices.append(names.index(item))
        elif isinstance(item, int) and not isinstance(item, bool) and -len(layers) <= item < len(layers):
            indices.append(item % len(layers))
        else:
            raise UsageError("{} layer {!r} is not one of the backbone's {} layers (an index 0-{} or a name "
                             "such as {!r})".format(what, item, len(layers), len(layers) - 1, names[0]))
    if not indices:
        raise UsageError("expected at least one {} layer, got none".format(what))
    return indices


def layer_shapes(backbone, input_shape):
    """Output shapes of :func:`feature_layers` for an input of ``input_shape`` (zeros, run imperatively; the
    backbone must be initialized), up to the first layer the input is too small for or whose output is no
    longer an image (a dense layer)."""
    from mxnet import nd
    from mxnet.base import MXNetError
    x = nd.zeros(input_shape)
    shapes = []
    for _, layer in feature_layers(backbone):
        try:
            x = layer(x)
            x.wait_to_read()
        except (MXNetError, ValueError):  # a pooling window larger than the map, a too-small input
            break
        if x.ndim != 4 or min(x.shape[2:]) < 1:
            break
        shapes.append(x.shape)
    return shapes


def default_style_layers(backbone, input_shape=(1, 3, 64, 64)):
    """The book's layer choice carried over to any backbone: ``(style, content)`` lists of layer indices.

    Style: the first feature layer (a convolution or a whole block, not an activation, normalization or
    pooling) at each of the first five spatial resolutions; content: the last feature layer at the fourth
    resolution (the second-to-last when there are fewer). On VGG this is the book's choice for VGG-19
    (D2L 9.11.4): the first convolution of each of the five blocks for the style, the last convolution of the
    fourth block for the content. Only layers an input of ``input_shape`` reaches are chosen
    (:func:`layer_shapes`).
    """
    layers = feature_layers(backbone)
    stages = []  # per resolution: indices of the feature layers
    previous = None
    for index, shape in enumerate(layer_shapes(backbone, input_shape)):
        if shape[2:] != previous:
            stages.append([])
            previous = shape[2:]
        if not isinstance(layers[index][1], _NOT_FEATURES):
            stages[-1].append(index)
    stages = [s for s in stages if s]
    if not stages:
        raise UsageError("{}: found no convolutional feature layer for an input of shape {}".format(
            type(backbone).__name__, tuple(input_shape)))
    style = [s[0] for s in stages[:5]]
    content = [stages[3 if len(stages) > 3 else max(len(stages) - 2, 0)][-1]]
    return style, content


class FeatureExtractor(gluon.HybridBlock):
    """The outputs of chosen layers of a backbone, sharing its parameters: ``x -> (out_1, ..., out_k)``.

    Runs the backbone's layers (:func:`feature_layers`) up to the deepest chosen one and returns the
    outputs of the chosen layers in the order given (a layer may be listed twice).

    Parameters
    ----------
    backbone : HybridBlock
        A model with a sequential ``features`` body, e.g. ``gluonx.get_model("vgg11")``.
    layers : sequence of int or str
        Layer indices into :func:`feature_layers` or their names (``"features.1.0"``).

    Examples
    --------
    >>> import mxnet as mx, gluonx
    >>> net = gluonx.get_model("vgg11", width_divisor=8, in_channels=3)
    >>> net.initialize()
    >>> extractor = FeatureExtractor(net, [0, "features.1.0"])
    >>> [y.shape for y in extractor(mx.nd.ones((1, 3, 32, 32)))]
    [(1, 8, 32, 32), (1, 16, 16, 16)]

    References
    ----------
    D2L 9.11.4 (extracting features: ``extract_features``).
    """

    def __init__(self, backbone, layers, **kwargs):
        super().__init__(**kwargs)
        all_layers = feature_layers(backbone)
        self.taps = _resolve(all_layers, list(layers), "feature")
        self.layer_names = [all_layers[i][0] for i in self.taps]
        self.all_names = [name for name, _ in all_layers[:max(self.taps) + 1]]
        # Registered as children (in a plain list, not a name scope), so the backbone's parameters are
        # shared and nothing is copied.
        self.body = nn.HybridSequential(prefix="")
        for _, layer in all_layers[:max(self.taps) + 1]:
            self.body.add(layer)

    def hybrid_forward(self, F, x):
        outputs = {}
        wanted = set(self.taps)
        for index, layer in enumerate(self.body._children.values()):
            x = layer(x)
            if index in wanted:
                outputs[index] = x
        return tuple(outputs[i] for i in self.taps)


def feature_extractor(backbone="vgg11", layers=(0, 1), **backbone_kwargs):
    """A :class:`FeatureExtractor` over a registered model built by name (uninitialized).

    Parameters
    ----------
    backbone : str
        A registered model with a sequential ``features`` body (``vgg11``, ``resnet18``, ``lenet`` ...).
    layers : sequence of int or str
        The layers whose outputs are returned.
    **backbone_kwargs
        Passed to ``gluonx.get_model`` (``in_channels=3``, ``width_divisor=4`` ...).

    References
    ----------
    D2L 9.11.4.
    """
    from .._api import get_model
    return FeatureExtractor(get_model(backbone, **backbone_kwargs), layers)
