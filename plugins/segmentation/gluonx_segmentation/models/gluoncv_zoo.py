"""gluoncv's FCN, PSPNet and DeepLabV3 as gluonx segmenters whose output follows the input's height and width
(D2L 9.10), randomly initialized, nothing downloaded.

gluoncv builds its segmentation nets for one ``crop_size``: the final upsampling is a ``BilinearResize2D`` to
``height=width=crop_size``, PSPNet's pyramid pooling resizes its pooled maps to ``crop_size // 8`` and
DeepLabV3's image-pooling branch to ``crop_size // 8`` as well. Those numbers are attributes of the operators,
so an exported gluoncv FCN always outputs ``crop_size x crop_size`` (480x480 by default) and PSPNet or
DeepLabV3 fail on any other input size. :class:`GluonCVSegmenter` keeps gluoncv's layers (as ``self.net``, with
gluoncv's parameter names) but runs its own forward pass, in which every
resize takes its size from a tensor of the graph:

- the class scores are resized ``like`` the input (``BilinearResize2D(mode="like")``, corners aligned as
  gluoncv's);
- PSPNet's pooled maps (adaptive average pooling to 1, 2, 3 and 6 bins) are resized ``like`` the backbone's
  feature map;
- DeepLabV3's image-pooling branch (global average pooling, 1x1 convolution) is broadcast over the feature
  map, which is what bilinear resizing a 1x1 map gives.

The ONNX converters of :mod:`gluonx_segmentation.onnx` turn the ``like`` resize and the adaptive pooling
into ONNX operators whose sizes are computed from the input's shape, so all three stay dynamic in ONNX.

The backbone is one of gluoncv's dilated ResNets (output stride 8): ``resnet50`` (``resnet50_v1s``, gluoncv's
default and the default here) or the smaller ``resnet18`` / ``resnet34`` (``*_v1b``, 512 channels). gluoncv
writes ResNet-50's 2048 input channels into its heads' first convolutions; with a smaller backbone those
convolutions infer their input channels on the first call instead (the heads' own widths are gluoncv's). The
auxiliary FCN head of gluoncv's training (``aux``) is left
out: the segmenters return one ``(N, num_classes, H, W)`` score map, as the ``segmentation`` task expects.
"""
import contextlib
import io

import mxnet as mx
from mxnet.gluon import HybridBlock

from gluonx.nn.conv_blocks import check_positive_int

__all__ = ["GluonCVSegmenter", "gluoncv_fcn", "gluoncv_psp", "gluoncv_deeplab", "FAMILIES"]

#: gluoncv class of each family.
FAMILIES = {"fcn": "gluoncv.model_zoo.fcn:FCN", "psp": "gluoncv.model_zoo.pspnet:PSPNet",
            "deeplab": "gluoncv.model_zoo.deeplabv3:DeepLabV3"}

#: PSPNet's pyramid: adaptive average pooling to these bins, one 1x1 convolution each (``conv1`` .. ``conv4``).
PYRAMID_BINS = (1, 2, 3, 6)


def _resize_like(F, data, like):
    return F.contrib.BilinearResize2D(data, like, mode="like", align_corners=True)


class GluonCVSegmenter(HybridBlock):
    """A gluoncv segmentation net (``FCN``, ``PSPNet`` or ``DeepLabV3``) with a forward pass free of sizes.

    ``(N, 3, H, W) -> (N, num_classes, H, W)`` class scores (logits), for any ``H, W`` (gluoncv's dilated
    ResNet has output stride 8; inputs of at least 8x8 give a map of at least 1x1).

    Parameters
    ----------
    net : gluoncv.model_zoo.segbase.SegBaseModel
        Built without ``aux``; its layers are used, its ``hybrid_forward`` is not.
    family : {"fcn", "psp", "deeplab"}
    """

    def __init__(self, net, family, **kwargs):
        super().__init__(**kwargs)
        if family not in FAMILIES:
            raise ValueError("GluonCVSegmenter: family must be one of {}, got {!r}".format(sorted(FAMILIES), family))
        self.family = family
        self.net = net
        self._initialized_once = False
        # gluoncv gives its weights no initializer: He (MSRA) initialization suits the ReLU network
        for name, param in self.net.collect_params().items():
            if param.init is None and name.endswith("weight"):
                param.init = mx.init.MSRAPrelu(factor_type="in", slope=0.0)

    def initialize(self, init=mx.init.Uniform(), ctx=None, verbose=False, force_reinit=False):
        """Initialize every parameter; gluoncv initializes its heads while building the net, so the first
        call initializes them again instead of warning that they are initialized already."""
        force_reinit = force_reinit or not self._initialized_once
        self._initialized_once = True
        super().initialize(init, ctx=ctx, verbose=verbose, force_reinit=force_reinit)

    def _psp_head(self, F, features):
        head = self.net.head
        pyramid = [features]
        for bins, conv in zip(PYRAMID_BINS, (head.psp.conv1, head.psp.conv2, head.psp.conv3, head.psp.conv4)):
            pooled = conv(F.contrib.AdaptiveAvgPooling2D(features, output_size=bins))
            pyramid.append(_resize_like(F, pooled, features))
        return head.block(F.concat(*pyramid, dim=1))

    def _deeplab_head(self, F, features):
        head = self.net.head
        branches = list(head.aspp.concurent._children.values())
        outputs = [branch(features) for branch in branches[:-1]]
        pooled = branches[-1].gap(features)
        outputs.append(F.broadcast_like(pooled, features, lhs_axes=(2, 3), rhs_axes=(2, 3)))
        return head.block(head.aspp.project(F.concat(*outputs, dim=1)))

    def hybrid_forward(self, F, x):
        _, features = self.net.base_forward(x)
        if self.family == "psp":
            scores = self._psp_head(F, features)
        elif self.family == "deeplab":
            scores = self._deeplab_head(F, features)
        else:
            scores = self.net.head(features)
        return _resize_like(F, scores, x)


#: gluoncv's dilated backbones; the heads are built for the 2048 channels of the ResNet-50 family.
BACKBONES = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")


def _defer_input_channels(head):
    """Let every convolution of ``head`` infer its input channels (gluoncv gives them ResNet-50's)."""
    for param in head.collect_params().values():
        if param.name.endswith("weight") and len(param.shape) == 4:
            param._shape = (param.shape[0], 0) + tuple(param.shape[2:])
            param._data = param._grad = None


def _build(family, num_classes, backbone):
    import importlib
    module, attr = FAMILIES[family].split(":")
    cls = getattr(importlib.import_module(module), attr)
    num_classes = check_positive_int("gluoncv_" + family, "num_classes", num_classes)
    if backbone not in BACKBONES:
        raise ValueError("gluoncv_{}: backbone must be one of {}, got {!r}".format(family, list(BACKBONES), backbone))
    # PSPNet prints its crop size while it is built; crop_size is irrelevant here (see the module docstring)
    with contextlib.redirect_stdout(io.StringIO()):
        net = cls(num_classes, backbone=backbone, aux=False, pretrained_base=False)
    if backbone in ("resnet18", "resnet34"):
        _defer_input_channels(net.head)
    return GluonCVSegmenter(net, family)


def gluoncv_fcn(num_classes=21, backbone="resnet50"):
    """gluoncv's ``FCN`` (D2L 9.10; Long et al. 2015) on a dilated ResNet (default ``resnet50_v1s``), random
    init, any input size (see the module docstring)."""
    return _build("fcn", num_classes, backbone)


def gluoncv_psp(num_classes=21, backbone="resnet50"):
    """gluoncv's ``PSPNet`` (pyramid pooling to 1, 2, 3 and 6 bins; Zhao et al. 2017) on a dilated ResNet
    (default ``resnet50_v1s``), random init, any input size (see the module docstring)."""
    return _build("psp", num_classes, backbone)


def gluoncv_deeplab(num_classes=21, backbone="resnet50"):
    """gluoncv's ``DeepLabV3`` (atrous spatial pyramid pooling with image pooling; Chen et al. 2017) on
    a dilated ResNet (default ``resnet50_v1s``), random init, any input size (see the module docstring)."""
    return _build("deeplab", num_classes, backbone)
