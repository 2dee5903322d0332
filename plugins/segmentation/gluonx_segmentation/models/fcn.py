"""The fully convolutional network of D2L 9.10 on the core's ResNet-18.

The book keeps ResNet-18's convolutional features (everything before global pooling and the dense layer),
adds a 1x1 convolution to ``num_classes`` channels and a transposed convolution (kernel ``2s``, stride
``s``, padding ``s / 2``, bilinear initialization) that enlarges the map by the backbone's total stride
``s``. The book feeds 320x480 crops, multiples of 32, so the output has the input's size. Here the
backbone's map has ``ceil(H / s)`` rows (every stride-2 layer rounds up), the transposed convolution gives
``s ceil(H / s) >= H`` rows, and the graph crops them to the input's height and width with ``slice_like``:
any input size works, in the imperative block, the exported symbol and ONNX alike, and nothing about the
training size is baked into the graph.
"""
from mxnet.gluon import nn

from gluonx._signature import forwards_kwargs
from gluonx.models.resnet import RESNET_CONFIGS, ResNet
from gluonx.nn.conv_blocks import check_choice, check_positive_int

from ..nn.upsampling import BilinearUpsampling

__all__ = ["FCN", "fcn_resnet18"]

#: Total stride of the ResNet stem: the standard 7x7 stride-2 convolution and stride-2 max pool (4), or
#: the one 3x3 stride-1 convolution of ``d2lzh.resnet18`` (1).
_STEM_STRIDE = {"standard": 4, "imagenet": 4, "small": 1}


class FCN(nn.HybridBlock):
    """Fully convolutional network (D2L 9.10): ResNet features, 1x1 class scores, bilinear-initialized
    transposed convolution, crop to the input's size.

    ``(N, C_in, H, W) -> (N, num_classes, H, W)`` class scores (logits) per pixel, for any ``H, W``.

    Parameters
    ----------
    num_classes : int
        Classes per pixel (Pascal VOC: 21 with the background).
    layers : sequence of int
        Residual blocks per stage (ResNet-18: ``(2, 2, 2, 2)``).
    channels : sequence of int, optional
        Channels per stage (default 64, 128, 256, 512).
    stem : str
        ``'standard'`` (the book's: 7x7 stride-2 convolution and max pooling; total stride 32) or
        ``'small'`` (one 3x3 stride-1 convolution, ``d2lzh.resnet18``'s; total stride 8, for small images).
    stem_channels : int
        Output channels of the stem.
    in_channels : int
        Input channels; 0 infers them on the first call.

    Attributes
    ----------
    stride : int
        Total stride of the backbone, the upsampling factor.

    Examples
    --------
    >>> import mxnet as mx
    >>> net = FCN(num_classes=5, channels=(8, 8, 16, 16), stem_channels=8)
    >>> net.initialize()
    >>> net(mx.nd.zeros((1, 3, 50, 70))).shape
    (1, 5, 50, 70)
    """

    def __init__(self, num_classes=21, layers=(2, 2, 2, 2), channels=None, stem="standard", stem_channels=64,
                 in_channels=0, **kwargs):
        super().__init__(**kwargs)
        num_classes = check_positive_int("FCN", "num_classes", num_classes)
        check_choice("FCN", "stem", stem, _STEM_STRIDE)
        self.stride = _STEM_STRIDE[stem] * 2 ** (len(layers) - 1)
        with self.name_scope():
            backbone = ResNet(layers=layers, channels=channels, stem=stem, stem_channels=stem_channels,
                              in_channels=in_channels, prefix="backbone_")
            # the book's `pretrained_net.features[:-2]`: everything but global pooling (and the dense head)
            self.features = backbone.features[:-1]
            self.score = nn.Conv2D(num_classes, kernel_size=1)
            self.upsample = BilinearUpsampling(num_classes, factor=self.stride)

    def hybrid_forward(self, F, x):
        scores = self.upsample(self.score(self.features(x)))
        return F.slice_like(scores, x, axes=(2, 3))


@forwards_kwargs(FCN)
def fcn_resnet18(num_classes=21, **kwargs):
    """The book's FCN on ResNet-18 (D2L 9.10), uninitialized and without pretrained weights.

    Parameters
    ----------
    num_classes : int
        Classes per pixel.
    **kwargs
        Passed to :class:`FCN` (``stem``, ``channels``, ``stem_channels``, ``in_channels``).
    """
    kwargs.setdefault("layers", RESNET_CONFIGS["resnet18"]["layers"])
    return FCN(num_classes=num_classes, **kwargs)
