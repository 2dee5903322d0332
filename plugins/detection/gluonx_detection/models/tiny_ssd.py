"""The book's tiny single-shot multibox detector (D2L 9.7): five scales of feature maps, anchors, class and
box-offset predictions from 3x3 convolutions."""
from mxnet.gluon import HybridBlock, nn

from ..ops.anchors import AnchorGenerator

__all__ = ["TinySSD", "tiny_ssd", "multiscale_forward", "TINY_SSD_SIZES", "TINY_SSD_RATIOS"]

#: Anchor sizes per scale, from small (the 1/8 map) to large (the global pool), as in D2L 9.7.2.
TINY_SSD_SIZES = ((0.2, 0.272), (0.37, 0.447), (0.54, 0.619), (0.71, 0.79), (0.88, 0.961))
#: Anchor width/height ratios of every scale (D2L 9.7.2).
TINY_SSD_RATIOS = ((1.0, 2.0, 0.5),) * 5


def down_sample_block(num_channels):
    """Two 3x3 convolution + batch norm + ReLU layers, then 2x2 max pooling: halves H and W (D2L 9.7.1)."""
    block = nn.HybridSequential()
    for _ in range(2):
        block.add(nn.Conv2D(num_channels, kernel_size=3, padding=1), nn.BatchNorm(in_channels=num_channels),
                  nn.Activation("relu"))
    block.add(nn.MaxPool2D(2))
    return block


def base_network(channels=(16, 32, 64)):
    """The book's base network: one down-sampling block per entry of ``channels`` (D2L 9.7.1)."""
    net = nn.HybridSequential()
    for num_channels in channels:
        net.add(down_sample_block(num_channels))
    return net


def _flatten_prediction(F, prediction):
    # channels last, then one row per image: the predictions of a pixel stay next to each other
    return F.flatten(F.transpose(prediction, axes=(0, 2, 3, 1)))


def multiscale_forward(F, net, x):
    """The multiscale forward of an SSD (D2L 9.7.2's ``TinySSD.forward``): each of ``net.stages`` in turn, and
    at each scale its anchors and its class and box predictions, flattened and concatenated over the scales.

    ``net`` holds ``stages``, ``anchor_generators``, ``class_predictors``, ``box_predictors`` (one per scale)
    and ``num_classes``. Returns ``(anchors (1, A, 4), class_preds (B, A, C + 1), box_preds (B, A * 4))``.
    """
    anchors, class_preds, box_preds = [], [], []
    for stage, generator, classify, regress in zip(net.stages, net.anchor_generators, net.class_predictors,
                                                   net.box_predictors):
        x = stage(x)
        anchors.append(generator(x))
        class_preds.append(_flatten_prediction(F, classify(x)))
        box_preds.append(_flatten_prediction(F, regress(x)))
    anchors = F.concat(*anchors, dim=1)
    class_preds = F.reshape(F.concat(*class_preds, dim=1), (0, -1, net.num_classes + 1))
    return anchors, class_preds, F.concat(*box_preds, dim=1)


class TinySSD(HybridBlock):
    """TinySSD (D2L 9.7.2): base network, three down-sampling blocks and a global max pool; every one of the
    five feature maps gets anchors, a class predictor and a box predictor.

    ``forward(x (B, 3, H, W)) -> (anchors (1, A, 4), class_preds (B, A, num_classes + 1), box_preds (B, A*4))``,
    the book's outputs: corner anchors normalized to [0, 1], unnormalized class scores with the background in
    column 0, and offsets in the encoding of :class:`gluonx_detection.ops.BoxEncoder`. For a 256x256 input
    (the book's) ``A = (32^2 + 16^2 + 8^2 + 4^2 + 1) * 4 = 5444``; for 128x128 it is 1364.

    Decoding and non-maximum suppression are separate (:class:`~gluonx_detection.models.inference.
    MultiBoxInference`), so the same weights train and deploy.

    Parameters
    ----------
    num_classes : int
        Object classes (the background is added).
    sizes, ratios : sequence of sequence of float
        Anchor sizes and ratios per scale (the book's by default); ``len(sizes)`` is 5.
    base_channels : sequence of int
        Channels of the base network's blocks (the book's 16, 32, 64).
    channels : int
        Channels of the three further down-sampling blocks (the book's 128).
    portable_anchors : bool
        Build anchors from broadcasts (ONNX-convertible) rather than ``contrib.MultiBoxPrior`` (same values).

    Examples
    --------
    >>> import mxnet as mx
    >>> net = TinySSD(num_classes=1)
    >>> net.initialize()
    >>> anchors, cls_preds, bbox_preds = net(mx.nd.zeros((32, 3, 256, 256)))
    >>> anchors.shape, cls_preds.shape, bbox_preds.shape
    ((1, 5444, 4), (32, 5444, 2), (32, 21776))

    References
    ----------
    D2L 9.7 (single shot multibox detection); Liu et al., SSD (2016).
    """

    def __init__(self, num_classes=1, sizes=TINY_SSD_SIZES, ratios=TINY_SSD_RATIOS, base_channels=(16, 32, 64),
                 channels=128, portable_anchors=True, **kwargs):
        super().__init__(**kwargs)
        if isinstance(num_classes, bool) or int(num_classes) != num_classes or num_classes < 1:
            raise ValueError("num_classes must be a positive integer, got {!r}".format(num_classes))
        if len(sizes) != 5 or len(ratios) != 5:
            raise ValueError("TinySSD has 5 scales: give 5 entries of sizes and ratios, got {} and {}".format(
                len(sizes), len(ratios)))
        self.num_classes = int(num_classes)
        with self.name_scope():
            self.stages, self.anchor_generators = nn.HybridSequential(), nn.HybridSequential()
            self.class_predictors, self.box_predictors = nn.HybridSequential(), nn.HybridSequential()
            for index in range(5):
                if index == 0:
                    stage = base_network(base_channels)
                elif index < 4:
                    stage = down_sample_block(channels)
                else:
                    stage = nn.GlobalMaxPool2D()
                generator = AnchorGenerator(sizes[index], ratios[index], portable=portable_anchors)
                per_pixel = generator.num_anchors
                self.stages.add(stage)
                self.anchor_generators.add(generator)
                self.class_predictors.add(nn.Conv2D(per_pixel * (self.num_classes + 1), kernel_size=3, padding=1))
                self.box_predictors.add(nn.Conv2D(per_pixel * 4, kernel_size=3, padding=1))

    def hybrid_forward(self, F, x):
        return multiscale_forward(F, self, x)


def tiny_ssd(num_classes=1, **kwargs):
    """The book's TinySSD (D2L 9.7.2) for ``num_classes`` object classes; see :class:`TinySSD`."""
    return TinySSD(num_classes=num_classes, **kwargs)
