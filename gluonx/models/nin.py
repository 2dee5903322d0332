"""Network in network: NiN blocks separated by max pools, and a last NiN block with one channel per class
averaged over the image, instead of dense layers.

References
----------
D2L 5.8 (network in network, NiN).
"""
from mxnet.gluon import nn

from .._signature import forwards_kwargs
from ..nn.conv_blocks import (ImageClassifier, apply_preset, check_positive_int, check_rate,
                              smallest_input_size)
from ..nn.nin_block import NiNBlock

__all__ = ["DEFAULT_PRESET", "NiN", "nin", "NIN_STAGES", "PRESETS"]

#: ``(channels, kernel_size, strides, padding)`` of the NiN blocks before the classifier block.
NIN_STAGES = ((96, 11, 4, 0), (256, 5, 1, 2), (384, 3, 1, 1))

#: The book trains NiN on Fashion-MNIST upscaled to 224x224 (D2L 5.8.3).
PRESETS = {
    "fashion_mnist": {"input_shape": (1, 224, 224), "num_classes": 10},
    "imagenet": {"input_shape": (3, 224, 224), "num_classes": 1000},
}

#: The preset the factory's defaults reproduce when ``preset`` is None (same layers and classes;
#: input channels are inferred on the first call instead of fixed).
DEFAULT_PRESET = "fashion_mnist"


class NiN(ImageClassifier):
    """NiN blocks with 3x3 / stride 2 max pools, dropout, a NiN block of ``num_classes`` channels, then
    global average pooling.

    The classifier keeps the book's ReLU inside its last NiN block, so the logits are non-negative. Global
    pooling makes the model accept any input of at least 67x67.

    Parameters
    ----------
    num_classes : int
        Number of classes.
    in_channels : int
        Input channels; 0 infers them on the first call.
    dropout : float
        Dropout rate before the classifier block.

    Examples
    --------
    >>> import mxnet as mx
    >>> net = NiN(num_classes=10)
    >>> net.initialize()
    >>> net(mx.nd.ones((1, 1, 67, 67))).shape
    (1, 10)

    References
    ----------
    D2L 5.8.2 (NiN model).
    """

    def __init__(self, num_classes=10, in_channels=0, dropout=0.5, **kwargs):
        super().__init__(**kwargs)
        num_classes = check_positive_int("NiN", "num_classes", num_classes)
        in_channels = check_positive_int("NiN", "in_channels", in_channels, allow_zero=True)
        dropout = check_rate("NiN", "dropout", dropout)
        self._expected_channels = in_channels
        windows = []
        for _, kernel, strides, padding in NIN_STAGES:
            windows += [(kernel, strides, padding), (3, 2, 0)]
        self.min_input_size = smallest_input_size(windows + [(3, 1, 1)])
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            previous = in_channels
            for channels, kernel, strides, padding in NIN_STAGES:
                self.features.add(NiNBlock(channels, kernel, strides, padding, in_channels=previous),
                                  nn.MaxPool2D(pool_size=3, strides=2))
                previous = channels
            self.features.add(nn.Dropout(dropout))
            self.output = self._classifier(num_classes, previous)

    def _classifier(self, num_classes, in_channels):
        output = nn.HybridSequential(prefix="")
        output.add(NiNBlock(num_classes, 3, 1, 1, in_channels=in_channels), nn.GlobalAvgPool2D(), nn.Flatten())
        return output

    def replace_output(self, num_classes):
        """A fresh classifier block (a NiN block with one channel per class) for ``num_classes`` classes
        (fine-tuning, D2L 9.2; see :func:`gluonx.models.finetune.replace_output`)."""
        with self.name_scope():
            self.output = self._classifier(num_classes, NIN_STAGES[-1][0])


@forwards_kwargs(NiN)
def nin(preset=None, **kwargs):
    """NiN (uninitialized); see :class:`NiN`.

    Parameters
    ----------
    preset : str, optional
        A row of :data:`PRESETS`; explicit keyword arguments win.

    Examples
    --------
    >>> net = nin(preset="fashion_mnist")
    """
    return NiN(**apply_preset("nin", PRESETS, preset, kwargs))
