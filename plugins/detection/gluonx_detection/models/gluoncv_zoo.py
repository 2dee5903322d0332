"""gluoncv's detectors (SSD, YOLOv3, Faster R-CNN, CenterNet) as gluonx models: random initialization, no
download, and the same ``(boxes, scores, class_ids)`` outputs as the plugin's own detectors (D2L 9.7, 9.8).

gluoncv's constructors are used as they are; what this module adds is what gluoncv users trip over:

- the submodules are imported explicitly (``gluoncv.model_zoo.ssd`` as an attribute resolves to the SMOT
  tracker's ``ssd`` module, not the detector's package);
- ``pretrained_base=False`` and ``pretrained=False`` always, so nothing is fetched from the network;
- :meth:`GluonCVDetector.initialize` is aware of each parameter's role: SSD's feature expander is built from a
  symbol, so its BatchNorm parameters carry no initializer of their own and ``initialize(mx.init.Xavier())``
  fails on them ("Xavier initializer cannot be applied to vector"), while a plain ``initialize()`` draws their
  running variances from a uniform distribution around 0 (negative variances: NaN in inference). Here the
  gammas and running variances start at 1, betas, running means and biases without an initializer at 0,
  and the given initializer only fills the weights that have no initializer of their own;
- the weights gluoncv leaves without an initializer get one at construction: He (MSRA) initialization for
  ReLU networks. With BatchNorm at its initial statistics (identity), the usual ``Xavier()`` shrinks the
  activations through MobileNet's depthwise convolutions to ~1e-17 at SSD's heads, so every anchor gets the
  same scores, a tie that no NMS ordering (MXNet's or onnxruntime's) resolves the same way.
"""
import mxnet as mx
import numpy as np
from mxnet.gluon import HybridBlock

from gluonx._validate import check_positive

__all__ = ["GluonCVDetector", "gluoncv_ssd", "gluoncv_yolo3", "gluoncv_faster_rcnn", "gluoncv_center_net",
           "class_names"]

_ONES = ("gamma", "running_var", "moving_var")
_ZEROS = ("beta", "running_mean", "moving_mean")


def class_names(classes=None, num_classes=3):
    """``classes`` as a list of names, or ``num_classes`` generated names (``class0``, ``class1``...)."""
    if classes is None:
        return ["class{}".format(i) for i in range(int(check_positive("num_classes", num_classes)))]
    classes = [str(name) for name in classes]
    if not classes:
        raise ValueError("classes must name at least one class, got an empty list")
    return classes


def _role_initializer(name, current):
    """The initializer a parameter gets from :meth:`GluonCVDetector.initialize`: BatchNorm scales and
    statistics always (the network's own values may be invalid), biases only when they have none."""
    if name.endswith(_ONES):
        return mx.init.One()
    if name.endswith(_ZEROS):
        return mx.init.Zero()
    if name.endswith("bias") and current is None:
        return mx.init.Zero()
    return current


def calibration_images(shape, seed=0):
    """A fixed batch for :meth:`GluonCVDetector.calibrate_batchnorm`: images alternately standard normal
    (normalized photographs) and uniform in [0, 1) (pixels scaled by 1/255), so a random network stays
    well scaled on either kind of input."""
    rng = np.random.RandomState(seed)
    images = rng.standard_normal(shape).astype("float32")
    images[1::2] = rng.uniform(0, 1, images[1::2].shape)
    return images


def _collect_batchnorms(block, found):
    if isinstance(block, mx.gluon.nn.BatchNorm):
        found.append(block)
    for child in block._children.values():
        _collect_batchnorms(child, found)


def _set_statistics(layer, inputs):
    """Forward pre-hook: the layer's running statistics become those of its input (biased variance, as
    BatchNorm normalizes a training batch)."""
    data = inputs[0]
    axis = layer._kwargs.get("axis", 1) % data.ndim
    axes = tuple(i for i in range(data.ndim) if i != axis)
    mean = data.mean(axis=axes)
    shape = [1] * data.ndim
    shape[axis] = -1
    variance = ((data - mean.reshape(shape)) ** 2).mean(axis=axes)
    # A channel nearly constant on the batch (a ReLU dead on it, or a large mean with a small spread) would
    # amplify rounding errors by |mean| / std, so that MXNet and onnxruntime drift apart over dozens of
    # layers: floor the variance at a tenth of the layer's mean variance and of the channel's squared mean.
    variance = mx.nd.maximum(mx.nd.maximum(variance, variance.mean() * 0.1 + 1e-6), mean ** 2 * 0.1)
    layer.running_mean.set_data(mean.astype(layer.running_mean.dtype))
    layer.running_var.set_data(variance.astype(layer.running_var.dtype))


class GluonCVDetector(HybridBlock):
    """A gluoncv detector behind the plugin's detector interface.

    ``forward(images (B, 3, H, W)) -> (boxes (B, K, 4), scores (B, K), class_ids (B, K))``: corners
    (xmin, ymin, xmax, ymax) in input pixels, as gluoncv returns them; rows without a detection have class id
    and score -1. The wrapped network is ``self.net`` (its parameters keep gluoncv's names, so gluoncv's own
    ``load_parameters`` files load into it).

    Parameters
    ----------
    net : HybridBlock
        A gluoncv detector returning ``(class_ids, scores, boxes)`` in inference.
    calibration_shape : tuple of int, optional
        When given, :meth:`initialize` ends with :meth:`calibrate_batchnorm` on a fixed standard-normal batch
        of this shape, so a randomly initialized detector gives scores and boxes of sensible scale (BatchNorm
        at its initial statistics passes activations through unnormalized: they vanish or explode over
        dozens of layers, saturating scores into ties).
    """

    def __init__(self, net, calibration_shape=None, **kwargs):
        super().__init__(**kwargs)
        self.net = net
        self.classes = list(getattr(net, "classes", []))
        self.calibration_shape = tuple(calibration_shape) if calibration_shape else None
        self._initialized_once = False
        for name, param in self.net.collect_params().items():
            if param.init is None and name.endswith("weight"):
                param.init = mx.init.MSRAPrelu(factor_type="in", slope=0.0)

    def initialize(self, init=mx.init.Uniform(), ctx=None, verbose=False, force_reinit=False):
        """Initialize per parameter role (see the module docstring); ``init`` fills the weights that have no
        initializer of their own. With ``calibration_shape``, BatchNorm statistics are then calibrated."""
        for name, param in self.collect_params().items():
            param.init = _role_initializer(name, param.init)
        # gluoncv initializes parts of some networks while building them (CenterNet's base network): the
        # first call initializes those again, by role, instead of warning that they are initialized already.
        force_reinit = force_reinit or not self._initialized_once
        self._initialized_once = True
        super().initialize(init, ctx=ctx, verbose=verbose, force_reinit=force_reinit)
        if self.calibration_shape:
            data = calibration_images(self.calibration_shape)
            ctx = ctx[0] if isinstance(ctx, (list, tuple)) else ctx
            self.calibrate_batchnorm(mx.nd.array(data, ctx=ctx or mx.current_context()))

    def calibrate_batchnorm(self, images):
        """Set the running mean and variance of every BatchNorm layer to the statistics of its input on
        ``images``, layer after layer, so the network normalizes as it would in training on that batch.

        MXNet updates running statistics only in the backward pass, and gluoncv's YOLOv3 and Faster R-CNN
        cannot run a training forward without ground truth, so the statistics are taken by a hook before
        each Gluon ``BatchNorm`` in one inference pass (run imperatively; a hybridized block is hybridized
        again with its flags afterwards). BatchNorm inside a symbol-built part (SSD's feature expander) is
        not a Gluon layer and keeps mean 0 and variance 1.
        """
        layers = []
        _collect_batchnorms(self.net, layers)
        handles = [layer.register_forward_pre_hook(_set_statistics) for layer in layers]
        active, flags = self._active, dict(getattr(self, "_flags", ()))
        try:
            self.hybridize(active=False)
            self.net(images)
        finally:
            for handle in handles:
                handle.detach()
            if active:
                self.hybridize(active=True, **flags)

    def hybrid_forward(self, F, x):
        class_ids, scores, boxes = self.net(x)
        return boxes, F.reshape(scores, (0, -1)), F.reshape(class_ids, (0, -1))


def _calibration_shape(size, batch=8):
    """``batch`` images of ``size`` x ``size``: what BatchNorm statistics are calibrated on (None: no
    calibration)."""
    return None if not size else (batch, 3, int(size), int(size))


def gluoncv_ssd(classes=None, num_classes=3, nms_thresh=0.45, nms_topk=400, post_nms=100, calibration_size=128):
    """gluoncv's ``ssd_300_mobilenet0_25_custom`` (SSD, D2L 9.7, on MobileNet x0.25), randomly initialized.

    Any input size works (anchors are sliced to the feature maps); the name's 300 is gluoncv's training size.
    NMS is per class (``box_nms`` with ``force_suppress=False``), keeping ``post_nms`` rows.
    """
    from gluoncv.model_zoo.ssd.presets import ssd_300_mobilenet0_25_custom
    net = ssd_300_mobilenet0_25_custom(classes=class_names(classes, num_classes), pretrained_base=False)
    net.set_nms(nms_thresh=nms_thresh, nms_topk=nms_topk, post_nms=post_nms)
    return GluonCVDetector(net, calibration_shape=_calibration_shape(calibration_size))


def gluoncv_yolo3(classes=None, num_classes=3, nms_thresh=0.45, nms_topk=400, post_nms=100,
                  calibration_size=None):
    """gluoncv's ``yolo3_mobilenet0_25_custom`` (YOLOv3 on MobileNet x0.25), randomly initialized; input sides
    must be multiples of 32. NMS is per class, keeping ``post_nms`` rows.

    No BatchNorm calibration by default: He-initialized, its body keeps a sensible scale with BatchNorm at
    0/1, and calibrated statistics of nearly constant channels make onnxruntime's and MXNet's float32 results
    drift apart (~1e-5) enough to reorder its near-equal random scores.
    """
    from gluoncv.model_zoo.yolo.yolo3 import yolo3_mobilenet0_25_custom
    net = yolo3_mobilenet0_25_custom(classes=class_names(classes, num_classes), pretrained_base=False)
    net.set_nms(nms_thresh=nms_thresh, nms_topk=nms_topk, post_nms=post_nms)
    # The output layers start small, as detection heads usually do: box sizes are exp(prediction) x anchor,
    # so a random head of unit scale gives boxes of millions of pixels and saturated scores.
    for output in net.yolo_outputs:
        output.prediction.weight.init = mx.init.Normal(0.05)
    return GluonCVDetector(net, calibration_shape=_calibration_shape(calibration_size))


def gluoncv_faster_rcnn(classes=None, num_classes=3, rpn_test_post_nms=300, nms_thresh=0.3, nms_topk=400,
                        post_nms=100, rpn_channel=256, calibration_size=128):
    """gluoncv's ``FasterRCNN`` (D2L 9.8.3) on ResNet-18 v1b, laid out like gluoncv's
    ``faster_rcnn_resnet50_v1b_custom`` (conv1..layer3 as features, layer4 on the RoIAlign-ed regions),
    randomly initialized.

    gluoncv's Faster R-CNN infers one image at a time (batch 1); ``rpn_test_post_nms`` proposals are kept per
    image, and NMS runs per class, keeping ``nms_topk`` rows per class.
    """
    from mxnet.gluon import nn
    from gluoncv.model_zoo.rcnn.faster_rcnn.faster_rcnn import get_faster_rcnn
    from gluoncv.model_zoo.resnetv1b import resnet18_v1b
    base = resnet18_v1b(pretrained=False, dilated=False, use_global_stats=True)
    features, top_features = nn.HybridSequential(), nn.HybridSequential()
    for layer in ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3"):
        features.add(getattr(base, layer))
    top_features.add(base.layer4)
    net = get_faster_rcnn(
        name="resnet18_v1b", dataset="custom", pretrained=False, features=features, top_features=top_features,
        classes=class_names(classes, num_classes), short=600, max_size=1000,
        nms_thresh=nms_thresh, nms_topk=nms_topk, post_nms=post_nms, roi_mode="align", roi_size=(14, 14),
        strides=16, clip=None, rpn_channel=rpn_channel, base_size=16, scales=(2, 4, 8, 16, 32),
        ratios=(0.5, 1, 2), alloc_size=(128, 128), rpn_nms_thresh=0.7, rpn_test_pre_nms=6000,
        rpn_test_post_nms=rpn_test_post_nms, rpn_min_size=16, num_sample=128, pos_iou_thresh=0.5,
        pos_ratio=0.25, max_num_gt=100)
    return GluonCVDetector(net, calibration_shape=_calibration_shape(calibration_size, batch=1))


def gluoncv_center_net(classes=None, num_classes=3, topk=40, calibration_size=128):
    """gluoncv's ``CenterNet`` on ResNet-18 v1b with deconvolution layers, laid out like gluoncv's
    ``center_net_resnet18_v1b_voc`` with your own classes, randomly initialized.

    Detections are the ``topk`` peaks of the class heat maps (a peak is a pixel equal to the 3x3 max pool
    around it: no NMS), boxes from the predicted sizes and offsets at stride 4.
    """
    from collections import OrderedDict
    from gluoncv.model_zoo.center_net.center_net import CenterNet
    from gluoncv.model_zoo.center_net.deconv_resnet import resnet18_v1b_deconv
    names = class_names(classes, num_classes)
    heads = OrderedDict([
        # gluoncv's prior: heat-map logits start at -log((1 - 0.1) / 0.1)
        ("heatmap", {"num_output": len(names), "bias": -2.19}),
        ("wh", {"num_output": 2}),
        ("reg", {"num_output": 2})])
    net = CenterNet(base_network=resnet18_v1b_deconv(pretrained=False), heads=heads, classes=names,
                    head_conv_channel=64, scale=4.0, topk=topk)
    return GluonCVDetector(net, calibration_shape=_calibration_shape(calibration_size))
