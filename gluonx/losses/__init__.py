"""Losses the books use that MXNet lacks or hides, one family per file (imports MXNet).

Every loss is a HybridBlock (``hybrid_forward`` with ``F.*`` only) returning one value per sample, and is
registered by the core, so ``gluonx.get_loss(name)`` builds it and the conformance kit checks it.
"""
from .box import MaskedSmoothL1Loss, smooth_l1
from .focal import FocalLoss
from .gan import GANDiscriminatorLoss, GANGeneratorLoss
from .margin import ContrastiveLoss, MultiClassHingeLoss, MultiClassSquaredHingeLoss
from .sequence import MaskedSoftmaxCELoss
from .smoothing import LabelSmoothingCELoss, smoothed_nll
from .style import ContentLoss, GramMatrix, StyleLoss, TotalVariationLoss, gram_matrix
from .vae import BernoulliReconstructionLoss, GaussianKLLoss, GaussianReconstructionLoss

__all__ = [
    "MaskedSoftmaxCELoss", "FocalLoss", "MaskedSmoothL1Loss", "LabelSmoothingCELoss",
    "MultiClassHingeLoss", "MultiClassSquaredHingeLoss", "ContrastiveLoss",
    "GaussianKLLoss", "BernoulliReconstructionLoss", "GaussianReconstructionLoss", "GANDiscriminatorLoss", "GANGeneratorLoss", "smooth_l1", "smoothed_nll",
    "ContentLoss", "StyleLoss", "TotalVariationLoss", "GramMatrix", "gram_matrix",
]
