"""Regularizing augmentations that hide or blend content: Cutout and MixUp.

References
----------
DeVries & Taylor, *Improved Regularization of Convolutional Neural Networks with Cutout*, 2017;
Zhang et al., *mixup: Beyond Empirical Risk Minimization*, 2018, and its detection form (Zhang et al.,
*Bag of Freebies for Training Object Detection Neural Networks*, 2019): the two images are blended on a
canvas that holds both, and the boxes of both are kept with the blend weights as per-box weights.
"""
import numpy as np

from gluonx._validate import check_finite, check_positive
from ._backend import ops_for, to_host
from .geometry import check_probability, make_canvas
from .pipeline import MASK_IGNORE, PER_BOX_KEYS, SampleError, Transform, _like, check_sample, host_boxes

__all__ = ["Cutout", "MixUp"]


class Cutout(Transform):
    """Fill a random rectangle of the image with ``fill`` (boxes unchanged).

    Parameters
    ----------
    scale : (float, float)
        Range of each side of the rectangle relative to the image's side (the rectangle may cross the
        border, as in the paper: its centre is uniform over the image).
    fill : float or sequence of float
        The rectangle's colour.
    mask_fill : int, optional
        If given, the mask under the rectangle gets this value (e.g. 255 to ignore the hidden pixels);
        by default the mask keeps the hidden pixels' classes.
    p : float
        Probability of cutting.
    """

    def __init__(self, scale=(0.1, 0.4), fill=0, mask_fill=None, p=0.5):
        scale = tuple(check_finite("Cutout scale", v) for v in scale)
        if len(scale) != 2 or not 0 < scale[0] <= scale[1] <= 1:
            raise SampleError("Cutout scale must be a (low, high) pair with 0 < low <= high <= 1, got {!r}".format(scale))
        self.scale, self.fill, self.mask_fill, self.p = scale, fill, mask_fill, check_probability("Cutout p", p)

    def apply(self, sample, rng):
        if rng.uniform() >= self.p:
            return sample
        ops = ops_for(sample["image"])
        height, width, channels = ops.shape(sample["image"])
        cut_h = max(1, int(round(rng.uniform(*self.scale) * height)))
        cut_w = max(1, int(round(rng.uniform(*self.scale) * width)))
        centre_y, centre_x = int(rng.integers(0, height)), int(rng.integers(0, width))
        top, bottom = max(0, centre_y - cut_h // 2), min(height, centre_y - cut_h // 2 + cut_h)
        left, right = max(0, centre_x - cut_w // 2), min(width, centre_x - cut_w // 2 + cut_w)
        if bottom <= top or right <= left:
            return sample
        patch = make_canvas(ops, (bottom - top, right - left, channels), self.fill, ops.dtype(sample["image"]))
        sample["image"] = ops.paste(sample["image"], patch, top, left)
        if self.mask_fill is not None and sample.get("mask") is not None:
            mask_ops = ops_for(sample["mask"])
            hidden = mask_ops.full((bottom - top, right - left), self.mask_fill, mask_ops.dtype(sample["mask"]))
            sample["mask"] = mask_ops.paste(sample["mask"], hidden, top, left)
        return sample


class MixUp:
    """Blend two samples with a weight drawn from Beta(alpha, alpha): ``MixUp()(a, b, rng)``.

    The output image is ``lam * a + (1 - lam) * b`` on a canvas of the larger height and width (each image
    at the top-left corner, zeros elsewhere, as gluoncv's detection MixUp). Boxes and their per-box rows are
    concatenated (``a``'s first); ``"weights"`` (default 1 per box) are multiplied by ``lam`` for ``a``'s
    boxes and by ``1 - lam`` for ``b``'s, for a loss that weights each box. A mask cannot be blended: the
    output keeps the mask of the sample with the larger weight (255 outside it). ``"mixup_lambda"`` records
    ``lam``.

    Parameters
    ----------
    alpha : float
        Beta distribution parameter (the paper uses 0.2 for classification; 1.5 for detection in the Bag of
        Freebies paper).
    p : float
        Probability of mixing; otherwise ``a`` is returned with weights 1 (and ``mixup_lambda`` 1).
    """

    def __init__(self, alpha=1.5, p=1.0):
        self.alpha = check_positive("MixUp alpha", alpha)
        self.p = check_probability("MixUp p", p)

    def __repr__(self):
        return "MixUp(alpha={!r}, p={!r})".format(self.alpha, self.p)

    def __call__(self, sample_a, sample_b, rng):
        check_sample(sample_a, "MixUp")
        check_sample(sample_b, "MixUp")
        if not isinstance(rng, np.random.Generator):
            raise SampleError("MixUp: expected a numpy.random.Generator as rng, got {}".format(type(rng).__name__))
        lam = float(rng.beta(self.alpha, self.alpha)) if rng.uniform() < self.p else 1.0
        a, b = dict(sample_a), dict(sample_b)
        ops = ops_for(a["image"])
        if type(ops_for(b["image"])) is not type(ops):
            raise SampleError("MixUp: both images must be NumPy arrays or both NDArrays")
        (ha, wa, ca), (hb, wb, cb) = ops.shape(a["image"]), ops.shape(b["image"])
        if ca != cb:
            raise SampleError("MixUp: images have {} and {} channels".format(ca, cb))
        height, width = max(ha, hb), max(wa, wb)
        dtype = ops.dtype(a["image"])
        if lam >= 1.0:
            mixed = ops.paste(make_canvas(ops, (height, width, ca), 0, dtype), a["image"], 0, 0)
        else:
            canvas_a = ops.paste(make_canvas(ops, (height, width, ca), 0, np.float32), ops.float32(a["image"]), 0, 0)
            canvas_b = ops.paste(make_canvas(ops, (height, width, ca), 0, np.float32), ops.float32(b["image"]), 0, 0)
            mixed = ops.cast_like(canvas_a * lam + canvas_b * (1.0 - lam), dtype)
        out = dict(a)
        out["image"], out["mixup_lambda"] = mixed, lam
        dominant = a if lam >= 0.5 else b
        if dominant.get("mask") is not None:
            mask_ops = ops_for(dominant["mask"])
            canvas = mask_ops.full((height, width), MASK_IGNORE, mask_ops.dtype(dominant["mask"]))
            out["mask"] = mask_ops.paste(canvas, dominant["mask"], 0, 0)
        boxes_a, boxes_b = host_boxes(a), host_boxes(b)
        if boxes_a is None and boxes_b is None:
            return out
        if boxes_a is None or boxes_b is None:
            raise SampleError("MixUp: either both samples have boxes or neither")
        if lam >= 1.0:
            boxes_b = boxes_b[:0]
        for key in PER_BOX_KEYS[1:]:
            if (a.get(key) is None) != (b.get(key) is None) and key != "weights":
                raise SampleError("MixUp: only one sample has {}".format(key))
        weights_a = to_host(a["weights"]) if a.get("weights") is not None else np.ones(len(boxes_a), np.float32)
        weights_b = to_host(b["weights"]) if b.get("weights") is not None else np.ones(len(host_boxes(b)), np.float32)
        weights = np.concatenate([weights_a * lam, weights_b[:len(boxes_b)] * (1.0 - lam)]).astype(np.float32)
        out["weights"] = _like(a["boxes"], weights)
        if a.get("labels") is not None:
            labels_a, labels_b = to_host(a["labels"]), to_host(b["labels"])[:len(boxes_b)]
            if labels_a.shape[1:] != labels_b.shape[1:]:
                raise SampleError("MixUp: label rows differ in shape: {} and {}".format(labels_a.shape[1:],
                                                                                     labels_b.shape[1:]))
            out["labels"] = _like(a["labels"], np.concatenate([labels_a, labels_b]).astype(labels_a.dtype))
        boxes = np.concatenate([boxes_a, boxes_b])
        box_dtype = np.dtype(a["boxes"].dtype) if np.issubdtype(np.dtype(a["boxes"].dtype), np.floating) else np.float32
        out["boxes"] = _like(a["boxes"], boxes.astype(box_dtype))
        return out
