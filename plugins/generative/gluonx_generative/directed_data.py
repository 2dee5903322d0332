"""Data sets of the directed generative models: a 2-D mixture of Gaussians on a circle and binarized digits.

Both are generated or shipped with scikit-learn, so the recipes run offline.
"""
import numpy as np

from gluonx.data.arrays import ArrayDataset
from gluonx.data.digits import Digits

from .directed_common import positive_count

__all__ = ["circle_centers", "EightGaussians", "BinarizedDigits"]


def circle_centers(modes=8, radius=2.0):
    """The ``modes`` centres equally spaced on a circle of ``radius``, shape ``(modes, 2)``."""
    angles = 2 * np.pi * np.arange(modes) / modes
    return radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)


class EightGaussians(ArrayDataset):
    """Points of an equal-weight mixture of isotropic Gaussians centred on a circle (the GAN mode-collapse
    test of DL 20.10.4), with the index of the mode each point came from as its label (not a class list: a
    generator trained on it is not a classifier).

    Parameters
    ----------
    train : bool
        The training part (seed ``seed``) or the test part (seed ``seed + 1``).
    num_samples : int
        Points in the part.
    modes, radius, std : int, float, float
        Number of Gaussians, radius of the circle, standard deviation of each Gaussian.
    seed : int
        Seed of the draw.
    """

    def __init__(self, train=True, num_samples=8192, modes=8, radius=2.0, std=0.05, seed=0):
        num_samples, modes = positive_count("num_samples", num_samples), positive_count("modes", modes)
        if not (radius > 0 and std > 0):
            raise ValueError("radius and std must be positive, got {} and {}".format(radius, std))
        rng = np.random.RandomState(seed + (0 if train else 1))
        labels = rng.randint(0, modes, size=num_samples)
        self.centers = circle_centers(modes, radius)
        self.std = float(std)
        points = self.centers[labels] + std * rng.standard_normal((num_samples, 2))
        super().__init__(points.astype(np.float32), labels.astype(np.int32))


class BinarizedDigits(ArrayDataset):
    """scikit-learn's digits with every pixel set to 1 where its grey level is at least half (8 of 16), as
    float32 ``(1, S, S)`` images (the binarized digits of the RBM and VAE log-likelihoods; 8x8 by default).

    Parameters
    ----------
    train : bool
        Training (75 %) or test (25 %) part of the core ``digits`` split.
    image_size : int
        Side of the images; larger sizes binarize the bilinear upsampling at 0.5.
    """

    classes = tuple(str(i) for i in range(10))

    def __init__(self, train=True, image_size=8):
        digits = Digits(train=train, image_size=positive_count("image_size", image_size))
        super().__init__((digits.data >= 128).astype(np.float32), digits.label)
