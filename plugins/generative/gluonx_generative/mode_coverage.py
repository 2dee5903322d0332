"""How many modes of a Gaussian mixture a generator covers (the mode-collapse measure of DL 20.10.4).

A sample counts for its nearest centre when it lies within ``radius_in_std`` standard deviations of it
(3 by default); a mode is covered when at least ``min_fraction`` of the samples count for it (by default
a quarter of the share each mode would get: ``0.25 / modes``). Samples farther from every centre are
"off-mode" (low quality).
"""
import collections

import numpy as np

__all__ = ["ModeCoverage", "mode_coverage", "ClassCoverage", "class_coverage"]

ModeCoverage = collections.namedtuple("ModeCoverage", ["modes_covered", "counts", "on_mode_fraction"])


def mode_coverage(samples, centers, std, radius_in_std=3.0, min_fraction=None):
    """Count the modes covered by ``samples`` ``(N, D)``: returns ``ModeCoverage(modes_covered, counts,
    on_mode_fraction)`` with ``counts[m]`` the samples within ``radius_in_std * std`` of centre ``m``."""
    samples, centers = np.asarray(samples, dtype=np.float64), np.asarray(centers, dtype=np.float64)
    if samples.ndim != 2 or centers.ndim != 2 or samples.shape[1] != centers.shape[1] or not len(samples):
        raise ValueError("mode_coverage expects samples (N, D) and centers (M, D) with the same D and N >= 1, got "
                         "{} and {}".format(samples.shape, centers.shape))
    distances = np.sqrt(((samples[:, None, :] - centers[None, :, :]) ** 2).sum(-1))
    nearest = distances.argmin(axis=1)
    close = distances[np.arange(len(samples)), nearest] <= radius_in_std * std
    counts = np.bincount(nearest[close], minlength=len(centers))
    if min_fraction is None:
        min_fraction = 0.25 / len(centers)
    covered = int((counts >= min_fraction * len(samples)).sum())
    return ModeCoverage(covered, counts, float(close.mean()))


ClassCoverage = collections.namedtuple("ClassCoverage", ["classes_covered", "counts", "mean_confidence",
                                                         "confident_fraction"])


def class_coverage(probabilities, min_confidence=0.9, min_count=1):
    """How a classifier sees generated images (the DCGAN check of DL 20.10.4): ``probabilities`` ``(N, C)``
    (softmax outputs). A sample is confidently of class ``c`` when its top probability is at least
    ``min_confidence``; a class is covered with at least ``min_count`` such samples. Returns
    ``ClassCoverage(classes_covered, counts, mean_confidence, confident_fraction)``, ``mean_confidence``
    the mean top probability over all samples."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or not len(probabilities):
        raise ValueError("class_coverage expects probabilities (N, C) with N >= 1, got shape {}".format(
            probabilities.shape))
    top, best = probabilities.max(axis=1), probabilities.argmax(axis=1)
    confident = top >= min_confidence
    counts = np.bincount(best[confident], minlength=probabilities.shape[1])
    return ClassCoverage(int((counts >= min_count).sum()), counts, float(top.mean()), float(confident.mean()))
