"""GoogLeNet: a convolutional stem, three stages of Inception blocks separated by max pools, global
average pooling and one dense layer.

References
----------
D2L 5.9 (networks with parallel concatenations, GoogLeNet).
"""
from mxnet.gluon import nn

from .._signature import forwards_kwargs
from ..nn.conv_blocks import ImageClassifier, apply_preset, check_positive_int
from ..nn.inception import Inception

__all__ = ["DEFAULT_PRESET", "GoogLeNet", "googlenet", "INCEPTION_STAGES", "PRESETS"]

#: ``(c1, c2, c3, c4)`` of every Inception block, stage by stage (Szegedy et al. 2015, as in the book).
INCEPTION_STAGES = (
    ((64, (96, 128), (16, 32), 32), (128, (128, 192), (32, 96), 64)),
    ((192, (96, 208), (16, 48), 64), (160, (112, 224), (24, 64), 64), (128, (128, 256), (24, 64), 64),
     (112, (144, 288), (32, 64), 64), (256, (160, 320), (32, 128), 128)),
    ((256, (160, 320), (32, 128), 128), (384, (192, 384), (48, 128), 128)),
)

#: The book trains GoogLeNet on Fashion-MNIST upscaled to 96x96 (D2L 5.9.3).
PRESETS = {
    "fashion_mnist": {"input_shape": (1, 96, 96), "num_classes": 10},
    "cifar10": {"input_shape": (3, 32, 32), "num_classes": 10},
    "imagenet": {"input_shape": (3, 224, 224), "num_classes": 1000},
}

#: The preset the factory's defaults reproduce when ``preset`` is None (same layers and classes;
#: input channels are inferred on the first call instead of fixed).
DEFAULT_PRESET = "fashion_mnist"


class GoogLeNet(ImageClassifier):
    """Stem (7x7/2 conv, pool, 1x1 and 3x3 convs, pool), Inception stages, global pooling, dense.

    Every pooling is padded, so any input size works; height and width shrink 32-fold before the global
    pooling.

    Parameters
    ----------
    num_classes : int
        Number of classes.
    in_channels : int
        Input channels; 0 infers them on the first call.

    Examples
    --------
    >>> import mxnet as mx
    >>> net = GoogLeNet(num_classes=10)
    >>> net.initialize()
    >>> net(mx.nd.ones((1, 1, 32, 32))).shape
    (1, 10)

    References
    ----------
    D2L 5.9.2 (GoogLeNet model).
    """

    def __init__(self, num_classes=10, in_channels=0, **kwargs):
        super().__init__(**kwargs)
        num_classes = check_positive_int("GoogLeNet", "num_classes", num_classes)
        in_channels = check_positive_int("GoogLeNet", "in_channels", in_channels, allow_zero=True)
        self._expected_channels = in_channels
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            self.features.add(nn.Conv2D(64, 7, 2, 3, activation="relu", in_channels=in_channels),
                              nn.MaxPool2D(pool_size=3, strides=2, padding=1),
                              nn.Conv2D(64, 1, activation="relu", in_channels=64),
                              nn.Conv2D(192, 3, padding=1, activation="relu", in_channels=64),
                              nn.MaxPool2D(pool_size=3, strides=2, padding=1))
            previous = 192
            for index, stage in enumerate(INCEPTION_STAGES):
                for c1, c2, c3, c4 in stage:
                    block = Inception(c1, c2, c3, c4, in_channels=previous)
                    self.features.add(block)
                    previous = block.out_channels
                if index < len(INCEPTION_STAGES) - 1:
                    self.features.add(nn.MaxPool2D(pool_size=3, strides=2, padding=1))
            self.features.add(nn.GlobalAvgPool2D())
            self.output = nn.Dense(num_classes, in_units=previous)


@forwards_kwargs(GoogLeNet)
def googlenet(preset=None, **kwargs):
    """GoogLeNet (uninitialized); see :class:`GoogLeNet`.

    Parameters
    ----------
    preset : str, optional
        A row of :data:`PRESETS`; explicit keyword arguments win.

    Examples
    --------
    >>> net = googlenet(preset="fashion_mnist")
    """
    return GoogLeNet(**apply_preset("googlenet", PRESETS, preset, kwargs))
