"""Segmentation blocks: the transposed convolution initialized as bilinear interpolation (D2L 9.10.2)."""
from .upsampling import BilinearInit, BilinearUpsampling, bilinear_kernel

__all__ = ["bilinear_kernel", "BilinearInit", "BilinearUpsampling"]
