"""Single-shot multibox detection on a residual backbone (D2L 9.7 with D2L 5.11's ResNet as base network).

The book's SSD (D2L 9.7.1) is a base network followed by multiscale feature blocks; TinySSD uses a few
plain down-sampling blocks as base. Here the base is the ResNet-18 layout of the core's model zoo
(:class:`gluonx.models.resnet.ResNet`: 7x7 stem with max pooling, four stages of two residual blocks),
narrowed by default for small images and CPUs. Its stage 2, 3 and 4 outputs (strides 8, 16, 32) are three
scales; one more down-sampling block and a global max pool add two, as in TinySSD.
"""
from mxnet.gluon import HybridBlock, nn

from gluonx.models.resnet import ResNet

from ..ops.anchors import AnchorGenerator
from .tiny_ssd import TINY_SSD_RATIOS, TINY_SSD_SIZES, down_sample_block, multiscale_forward

__all__ = ["ResNetSSD", "ssd_resnet18"]


def resnet_stages(layers=(2, 2, 2, 2), channels=(16, 32, 64, 128), stem_channels=16):
    """The core's ResNet feature layers cut at the scales SSD predicts from.

    Returns
    -------
    list of HybridSequential
        ``[stem + stages 1-2 (stride 8), stage 3 (stride 16), stage 4 (stride 32)]``.
    """
    if len(layers) != 4 or len(channels) != 4:
        raise ValueError("the residual backbone has 4 stages: give 4 layers and 4 channels, got {} and {}".format(
            len(layers), len(channels)))
    resnet = ResNet(layers=layers, channels=channels, stem="standard", stem_channels=stem_channels, num_classes=1,
                    in_channels=3)
    # stem (conv, BN, ReLU, max pool), stages 1-4, global pooling; the classifier's pooling and dense are unused
    children = list(resnet.features._children.values())
    stages = [nn.HybridSequential(prefix="") for _ in range(3)]
    stages[0].add(*children[:6])
    stages[1].add(children[6])
    stages[2].add(children[7])
    return stages


class ResNetSSD(HybridBlock):
    """SSD with a residual base network (D2L 9.7): five scales from strides 8, 16, 32 of the backbone, a
    down-sampling block (stride 64) and a global max pool, each with anchors and 3x3 class and box predictors.

    ``forward(x (B, 3, H, W)) -> (anchors (1, A, 4), class_preds (B, A, num_classes + 1), box_preds (B, A*4))``,
    exactly as :class:`~gluonx_detection.models.tiny_ssd.TinySSD`, so the ``detection`` task trains it and
    :class:`~gluonx_detection.models.inference.MultiBoxInference` decodes it. For a 64x64 input
    ``A = (8^2 + 4^2 + 2^2 + 1 + 1) * 4 = 344``.

    Parameters
    ----------
    num_classes : int
        Object classes (the background is added).
    layers, channels, stem_channels
        The residual backbone: blocks and channels per stage (ResNet-18's blocks; a quarter of its 64-512
        channels by default) and the stem's channels.
    extra_channels : int
        Channels of the extra down-sampling block.
    sizes, ratios : sequence of sequence of float
        Anchor sizes and ratios of the five scales (TinySSD's by default).

    Examples
    --------
    >>> import mxnet as mx
    >>> net = ResNetSSD(num_classes=3)
    >>> net.initialize()
    >>> [a.shape for a in net(mx.nd.zeros((2, 3, 64, 64)))]
    [(1, 344, 4), (2, 344, 4), (2, 1376)]

    References
    ----------
    D2L 9.7 (SSD), D2L 5.11 (ResNet); Liu et al., SSD (2016).
    """

    def __init__(self, num_classes=1, layers=(2, 2, 2, 2), channels=(16, 32, 64, 128), stem_channels=16,
                 extra_channels=128, sizes=TINY_SSD_SIZES, ratios=TINY_SSD_RATIOS, **kwargs):
        super().__init__(**kwargs)
        if isinstance(num_classes, bool) or int(num_classes) != num_classes or num_classes < 1:
            raise ValueError("num_classes must be a positive integer, got {!r}".format(num_classes))
        if len(sizes) != 5 or len(ratios) != 5:
            raise ValueError("ResNetSSD has 5 scales: give 5 entries of sizes and ratios, got {} and {}".format(
                len(sizes), len(ratios)))
        self.num_classes = int(num_classes)
        with self.name_scope():
            self.stages, self.anchor_generators = nn.HybridSequential(), nn.HybridSequential()
            self.class_predictors, self.box_predictors = nn.HybridSequential(), nn.HybridSequential()
            self.stages.add(*resnet_stages(layers, channels, stem_channels))
            self.stages.add(down_sample_block(extra_channels), nn.GlobalMaxPool2D())
            for index in range(5):
                generator = AnchorGenerator(sizes[index], ratios[index], portable=True)
                self.anchor_generators.add(generator)
                self.class_predictors.add(nn.Conv2D(generator.num_anchors * (self.num_classes + 1), kernel_size=3,
                                                    padding=1))
                self.box_predictors.add(nn.Conv2D(generator.num_anchors * 4, kernel_size=3, padding=1))

    def hybrid_forward(self, F, x):
        return multiscale_forward(F, self, x)


def ssd_resnet18(num_classes=1, **kwargs):
    """SSD on a ResNet-18-layout backbone at a quarter of its width (D2L 9.7, 5.11); see :class:`ResNetSSD`."""
    return ResNetSSD(num_classes=num_classes, **kwargs)
