"""Crops and zoom-out with boxes and masks: random resized crop, SSD's IoU-constrained crop, random expand.

Crop windows are whole pixels, so the image and mask are sliced, never interpolated. A box is kept when its
centre lies inside the window, then clipped to it; the per-box rows (``labels``, ``weights``) follow.

References
----------
D2L 9.1.2 (random cropping), D2L 9.7 (SSD); Liu et al., *SSD: Single Shot MultiBox Detector*, 2016, 2.2
("Data augmentation": patches with a minimum Jaccard overlap, and the zoom-out of the 2nd edition).
"""
import math

import numpy as np

from gluonx._validate import check_finite
from ._backend import ops_for
from .geometry import Resize, check_probability, check_size, make_canvas
from .pipeline import MASK_IGNORE, SampleError, Transform, host_boxes, with_boxes

__all__ = ["crop_sample", "expand_sample", "RandomResizedCrop", "RandomIoUCrop", "RandomExpand"]


def _iou_matrix(windows, boxes):
    """IoU of each of ``(T, 4)`` windows with each of ``(N, 4)`` boxes, ``(T, N)``."""
    left_top = np.maximum(windows[:, None, :2], boxes[None, :, :2])
    right_bottom = np.minimum(windows[:, None, 2:], boxes[None, :, 2:])
    inter = np.prod(np.maximum(right_bottom - left_top, 0), axis=2)
    window_areas = np.prod(windows[:, 2:] - windows[:, :2], axis=1)[:, None]
    box_areas = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1)[None, :]
    return inter / np.maximum(window_areas + box_areas - inter, 1e-12)


def _centres_inside(boxes, left, top, right, bottom):
    centre_x, centre_y = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    return (centre_x > left) & (centre_x < right) & (centre_y > top) & (centre_y < bottom)


def crop_sample(sample, top, left, height, width):
    """The sample cut to the window ``[left, left + width) x [top, top + height)`` (whole pixels)."""
    ops = ops_for(sample["image"])
    sample["image"] = ops.crop(sample["image"], top, left, height, width)
    if sample.get("mask") is not None:
        sample["mask"] = ops_for(sample["mask"]).crop(sample["mask"], top, left, height, width)
    boxes = host_boxes(sample)
    if boxes is not None:
        keep = _centres_inside(boxes, left, top, left + width, top + height)
        kept = np.clip(boxes[keep] - [left, top, left, top], 0, [width, height, width, height])
        sample = with_boxes(sample, sample, kept, keep)
    return sample


def expand_sample(sample, canvas_height, canvas_width, top, left, fill=0):
    """The sample placed at ``(top, left)`` on a ``fill``-coloured canvas (mask: 255 around it)."""
    ops = ops_for(sample["image"])
    height, width, channels = ops.shape(sample["image"])
    canvas = make_canvas(ops, (canvas_height, canvas_width, channels), fill, ops.dtype(sample["image"]))
    sample["image"] = ops.paste(canvas, sample["image"], top, left)
    mask = sample.get("mask")
    if mask is not None:
        mask_ops = ops_for(mask)
        sample["mask"] = mask_ops.paste(mask_ops.full((canvas_height, canvas_width), MASK_IGNORE, mask_ops.dtype(mask)),
                                        mask, top, left)
    boxes = host_boxes(sample)
    if boxes is not None:
        sample = with_boxes(sample, sample, boxes + [left, top, left, top])
    return sample


def _check_range(name, pair, low=0.0, high=None):
    pair = tuple(check_finite(name, v) for v in pair)
    if len(pair) != 2 or not low <= pair[0] <= pair[1] or (high is not None and pair[1] > high):
        raise SampleError("{} must be a (low, high) pair with {} <= low <= high{}, got {!r}".format(
            name, low, "" if high is None else " <= {}".format(high), pair))
    return pair


class RandomResizedCrop(Transform):
    """Crop a random area and aspect ratio, then resize to ``size`` (D2L 9.1.2; Inception-style).

    Parameters
    ----------
    size : int or (int, int)
        Output side or ``(height, width)``.
    scale : (float, float)
        Range of the crop's area relative to the image.
    ratio : (float, float)
        Range of the crop's width / height, drawn log-uniformly.
    max_trials : int
        Draws before falling back to the largest centred crop of an allowed aspect ratio.
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3), max_trials=10):
        self.size = check_size("RandomResizedCrop size", size)
        self.scale = _check_range("RandomResizedCrop scale", scale, high=1.0)
        self.ratio = _check_range("RandomResizedCrop ratio", ratio)
        if self.scale[1] <= 0 or self.ratio[0] <= 0:
            raise SampleError("RandomResizedCrop scale and ratio must be positive, got {} and {}".format(scale, ratio))
        self.max_trials = int(max_trials)
        self._resize = Resize(self.size)

    def window(self, height, width, rng):
        """``(top, left, crop_height, crop_width)`` drawn for an image of ``height x width``."""
        area = height * width
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(self.max_trials):
            target = area * rng.uniform(*self.scale)
            aspect = math.exp(rng.uniform(*log_ratio))
            crop_w, crop_h = int(round(math.sqrt(target * aspect))), int(round(math.sqrt(target / aspect)))
            if 0 < crop_w <= width and 0 < crop_h <= height:
                return int(rng.integers(0, height - crop_h + 1)), int(rng.integers(0, width - crop_w + 1)), crop_h, crop_w
        aspect = width / height
        if aspect < self.ratio[0]:
            crop_w, crop_h = width, int(round(width / self.ratio[0]))
        elif aspect > self.ratio[1]:
            crop_h, crop_w = height, int(round(height * self.ratio[1]))
        else:
            crop_w, crop_h = width, height
        return (height - crop_h) // 2, (width - crop_w) // 2, crop_h, crop_w

    def apply(self, sample, rng):
        height, width = ops_for(sample["image"]).shape(sample["image"])[:2]
        top, left, crop_h, crop_w = self.window(height, width, rng)
        return self._resize.apply(crop_sample(sample, top, left, crop_h, crop_w), rng)


class RandomIoUCrop(Transform):
    """SSD's random crop: a patch whose IoU with every box is at least a drawn minimum (D2L 9.7).

    Each call draws one option uniformly: keep the whole image (if ``keep_original``), a patch with IoU
    ``>= m`` with every box for each ``m`` in ``min_ious``, or any patch (if ``allow_any``). For a
    constrained option it tries ``max_trials`` patches (side ``scale`` of the image's, ``ratio`` bounding
    width / height) that also contain at least one box centre; if none qualifies the sample is returned
    unchanged. Boxes whose centre leaves the patch are dropped with their ``labels``/``weights`` rows, the
    rest clipped to it. An image without boxes gets an unconstrained patch.

    Parameters
    ----------
    min_ious : sequence of float
        The minimum-IoU options (SSD: 0.1, 0.3, 0.5, 0.7, 0.9).
    scale : (float, float)
        Range of each side of the patch relative to the image's.
    ratio : (float, float)
        Range of the patch's width / height.
    keep_original, allow_any : bool
        Include the "whole image" and the "unconstrained patch" options.
    max_trials : int
        Patches tried per call.
    """

    def __init__(self, min_ious=(0.1, 0.3, 0.5, 0.7, 0.9), scale=(0.3, 1.0), ratio=(0.5, 2.0), keep_original=True,
                 allow_any=True, max_trials=50):
        self.min_ious = tuple(check_finite("RandomIoUCrop min_ious", m) for m in min_ious)
        if any(not 0 <= m <= 1 for m in self.min_ious):
            raise SampleError("RandomIoUCrop min_ious must lie in [0, 1], got {!r}".format(min_ious))
        self.scale = _check_range("RandomIoUCrop scale", scale, high=1.0)
        self.ratio = _check_range("RandomIoUCrop ratio", ratio)
        if self.scale[0] <= 0 or self.ratio[0] <= 0:
            raise SampleError("RandomIoUCrop scale and ratio must be positive, got {} and {}".format(scale, ratio))
        self.keep_original, self.allow_any, self.max_trials = bool(keep_original), bool(allow_any), int(max_trials)
        if not (self.min_ious or self.keep_original or self.allow_any):
            raise SampleError("RandomIoUCrop needs at least one option: min_ious, keep_original or allow_any")

    def window(self, height, width, boxes, rng):
        """``(top, left, crop_height, crop_width)`` of the drawn patch, or None to keep the whole image."""
        options = ([None] if self.keep_original else []) + list(self.min_ious) + ([0.0] if self.allow_any else [])
        min_iou = options[int(rng.integers(len(options)))]
        if min_iou is None:
            return None
        boxes = np.zeros((0, 4)) if boxes is None else boxes
        # all trials drawn at once; the first that qualifies is taken
        sides = rng.uniform(self.scale[0], self.scale[1], size=(self.max_trials, 2))
        crop_w, crop_h = (sides[:, 0] * width).astype(np.int64), (sides[:, 1] * height).astype(np.int64)
        tops = np.floor(rng.uniform(size=self.max_trials) * (height - crop_h + 1)).astype(np.int64)
        lefts = np.floor(rng.uniform(size=self.max_trials) * (width - crop_w + 1)).astype(np.int64)
        valid = (crop_w >= 1) & (crop_h >= 1)
        aspect = crop_w / np.maximum(crop_h, 1)
        valid &= (aspect >= self.ratio[0]) & (aspect <= self.ratio[1])
        if len(boxes):
            windows = np.stack([lefts, tops, lefts + crop_w, tops + crop_h], axis=1).astype(np.float64)
            valid &= _iou_matrix(windows, boxes).min(axis=1) >= min_iou
            centre_x, centre_y = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
            inside = ((centre_x[None] > windows[:, :1]) & (centre_x[None] < windows[:, 2:3])
                      & (centre_y[None] > windows[:, 1:2]) & (centre_y[None] < windows[:, 3:]))
            valid &= inside.any(axis=1)
        found = np.flatnonzero(valid)
        if not len(found):
            return None
        k = found[0]
        return int(tops[k]), int(lefts[k]), int(crop_h[k]), int(crop_w[k])

    def apply(self, sample, rng):
        height, width = ops_for(sample["image"]).shape(sample["image"])[:2]
        window = self.window(height, width, host_boxes(sample), rng)
        return sample if window is None else crop_sample(sample, *window)


class RandomExpand(Transform):
    """Zoom out: place the image on a canvas up to ``max_ratio`` times larger (SSD, D2L 9.7).

    Parameters
    ----------
    max_ratio : float
        Largest canvas side relative to the image's (the ratio is uniform in ``[1, max_ratio]``).
    fill : float or sequence of float
        Canvas colour (the dataset's mean colour keeps the input statistics); mask canvas is 255 (ignored).
    p : float
        Probability of expanding.
    """

    def __init__(self, max_ratio=4.0, fill=0, p=0.5):
        self.max_ratio = check_finite("RandomExpand max_ratio", max_ratio)
        if self.max_ratio < 1:
            raise SampleError("RandomExpand max_ratio must be at least 1, got {}".format(max_ratio))
        self.fill, self.p = fill, check_probability("RandomExpand p", p)

    def apply(self, sample, rng):
        if rng.uniform() >= self.p:
            return sample
        height, width = ops_for(sample["image"]).shape(sample["image"])[:2]
        ratio = rng.uniform(1.0, self.max_ratio)
        canvas_h, canvas_w = int(height * ratio), int(width * ratio)
        top, left = int(rng.integers(0, canvas_h - height + 1)), int(rng.integers(0, canvas_w - width + 1))
        return expand_sample(sample, canvas_h, canvas_w, top, left, self.fill)
