"""Core HybridBlocks, one family per file (imports MXNet).

Each layer cites the book section it implements.
"""
from .attention import AdditiveAttention, DotProductAttention, MultiHeadAttention, masked_softmax
from .constraints import MaxNormConstraint, max_norm
from .contrast_normalization import GlobalContrastNormalization
from .dense_block import DenseBlock, TransitionBlock
from .inception import Inception
from .locally_connected import LocallyConnected2D
from .maxout import Maxout
from .nin_block import NiNBlock
from .noise import GaussianNoise
from .positional_encoding import PositionalEncoding
from .recurrent import EchoStateNetwork, EchoStateReservoir, LeakyIntegratorRNN, SkipConnectionRNN
from .residual import BottleneckResidual, Residual
from .vgg_block import VGGBlock

__all__ = [
    "AdditiveAttention", "DotProductAttention", "MultiHeadAttention", "masked_softmax",
    "MaxNormConstraint", "max_norm", "GlobalContrastNormalization", "LocallyConnected2D", "Maxout",
    "GaussianNoise", "PositionalEncoding",
    "EchoStateNetwork", "EchoStateReservoir", "LeakyIntegratorRNN", "SkipConnectionRNN",
    "VGGBlock", "NiNBlock", "Inception", "Residual", "BottleneckResidual", "DenseBlock", "TransitionBlock",
]
