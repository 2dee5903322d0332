"""An embedded detection set in the spirit of the book's banana set (D2L 9.6): real digit images, no download.

scikit-learn ships 1,797 real 8x8 handwritten digits. Each scene pastes one to ``max_objects`` of them,
upscaled to random sizes and aspect ratios and drawn in a colour contrasting with the spot they land on,
onto a varied background (colour gradients, stripes, blotches, noise). Objects overlap by at most
``max_overlap`` IoU. Boxes are the tight extent of the digit's ink. Scene ``i`` of a split is a pure function
of ``(seed, split, i)``, so the set is identical everywhere and is generated on access; the train and test
splits draw from disjoint digit images (the fixed stratified split of :mod:`gluonx.data.digits`).
"""
import numpy as np
from mxnet.gluon.data import Dataset

from gluonx.data.digits import digits_split
from gluonx.data.transforms.geometry import resize_bilinear

__all__ = ["DigitsDetection", "render_scene"]

_SPLITS = {"train": 0, "test": 1}


def _background(rng, size):
    """A ``(size, size, 3)`` float background in [0, 1] of one of four kinds."""
    yy, xx = np.mgrid[0:size, 0:size] / float(size)
    kind = rng.randint(4)
    c1, c2 = rng.uniform(0, 1, 3), rng.uniform(0, 1, 3)
    if kind == 0:  # linear gradient in a random direction
        angle = rng.uniform(0, 2 * np.pi)
        t = np.clip((np.cos(angle) * xx + np.sin(angle) * yy + 1) / 2, 0, 1)[..., None]
        image = c1 * (1 - t) + c2 * t
    elif kind == 1:  # soft stripes
        frequency, angle = rng.uniform(2, 8), rng.uniform(0, np.pi)
        t = (0.5 + 0.5 * np.sin(2 * np.pi * frequency * (np.cos(angle) * xx + np.sin(angle) * yy)))[..., None]
        image = c1 * (1 - 0.5 * t) + c2 * 0.5 * t
    elif kind == 2:  # blotches: a few Gaussian blobs of colour
        image = np.broadcast_to(c1, (size, size, 3)).copy()
        for _ in range(rng.randint(2, 6)):
            cy, cx, radius = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.1, 0.4)
            weight = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * radius ** 2))[..., None]
            image = image * (1 - weight) + rng.uniform(0, 1, 3) * weight
    else:  # flat colour
        image = np.broadcast_to(c1, (size, size, 3)).copy()
    noise = rng.uniform(0, 0.08)
    return np.clip(image + rng.normal(0, noise, image.shape), 0, 1)


def _iou(box, boxes):
    if not boxes:
        return np.zeros(0)
    boxes = np.asarray(boxes, dtype=np.float64)
    lt = np.maximum(box[:2], boxes[:, :2])
    rb = np.minimum(box[2:], boxes[:, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=1)
    area = np.prod(box[2:] - box[:2]) + np.prod(boxes[:, 2:] - boxes[:, :2], axis=1) - inter
    return inter / area


def render_scene(rng, digit_images, digit_labels, classes, size=128, max_objects=4, scale=(0.2, 0.5),
                 max_overlap=0.05):
    """Draw one scene; returns ``(image (size, size, 3) uint8, label (N, 6) float32)``.

    Parameters
    ----------
    rng : numpy.random.RandomState
        The only source of randomness.
    digit_images : ndarray
        ``(K, 8, 8)`` digit intensities in [0, 16].
    digit_labels : ndarray
        ``(K,)`` digit of each image.
    classes : sequence of int
        The digits used as classes, in class-index order.
    size : int
        Side of the square scene.
    max_objects : int
        Objects per scene are drawn uniformly from 1..max_objects (fewer if no free spot is found).
    scale : (float, float)
        Range of the object's side relative to ``size``.
    max_overlap : float
        Largest IoU allowed between two objects' boxes.
    """
    image = _background(rng, size)
    boxes, rows = [], []
    pools = [np.flatnonzero(digit_labels == digit) for digit in classes]
    for _ in range(rng.randint(1, max_objects + 1)):
        class_index = rng.randint(len(classes))
        digit = digit_images[rng.choice(pools[class_index])] / 16.0
        side = rng.uniform(*scale) * size
        aspect = rng.uniform(0.75, 1.33)
        height, width = max(8, int(round(side / np.sqrt(aspect)))), max(8, int(round(side * np.sqrt(aspect))))
        alpha = np.clip(_resize_rect(digit, height, width), 0, 1)
        ink_rows, ink_cols = np.flatnonzero(alpha.max(1) > 0.2), np.flatnonzero(alpha.max(0) > 0.2)
        for _attempt in range(20):
            top, left = rng.randint(0, size - height + 1), rng.randint(0, size - width + 1)
            box = np.array([left + ink_cols[0], top + ink_rows[0], left + ink_cols[-1] + 1, top + ink_rows[-1] + 1],
                           dtype=np.float64)
            if np.all(_iou(box, boxes) <= max_overlap):
                break
        else:
            continue
        region = image[top:top + height, left:left + width]
        # Each ink channel sits at the far end from the mean colour under it, so every object stays visible.
        under = region.reshape(-1, 3).mean(0)
        colour = np.where(under < 0.5, rng.uniform(0.8, 1.0, 3), rng.uniform(0.0, 0.2, 3))
        weight = alpha[..., None]
        image[top:top + height, left:left + width] = region * (1 - weight) + colour * weight
        boxes.append(box)
        rows.append([class_index, *box, 0])
    label = np.array(rows, dtype=np.float32).reshape(-1, 6)
    return np.round(image * 255).astype(np.uint8), label


def _resize_rect(image, height, width):
    """Bilinear resize of one 2-D image to ``(height, width)``."""
    side = max(height, width)
    square = resize_bilinear(image, (side, side), align_corners=True)
    rows = np.linspace(0, square.shape[0] - 1, height).round().astype(int)
    cols = np.linspace(0, square.shape[1] - 1, width).round().astype(int)
    return square[rows][:, cols]


class DigitsDetection(Dataset):
    """Embedded detection scenes of real handwritten digits (D2L 9.6, like the book's banana set).

    Parameters
    ----------
    train : bool
        Training or test split (disjoint digit images, different scenes).
    num_images : int, optional
        Scenes in the split (default 1000 for training, 200 for test).
    image_size : int
        Side of the square RGB images.
    digits : sequence of int
        The digits that are the classes, in class-index order (default ``(0, 1, 4)``: three classes).
    max_objects : int
        Up to this many objects per scene.
    seed : int
        Seed of the whole set.

    Examples
    --------
    >>> data = DigitsDetection(train=False, num_images=4)
    >>> image, label = data[0]
    >>> image.shape, label.shape[1]
    ((128, 128, 3), 6)
    """

    def __init__(self, train=True, num_images=None, image_size=128, digits=(0, 1, 4), max_objects=4, seed=0):
        from sklearn.datasets import load_digits
        digits = tuple(int(d) for d in digits)
        if not digits or len(set(digits)) != len(digits) or not all(0 <= d <= 9 for d in digits):
            raise ValueError("digits must be distinct integers in 0..9, got {}".format(digits))
        if int(image_size) < 32:
            raise ValueError("image_size must be at least 32, got {}".format(image_size))
        if int(max_objects) < 1:
            raise ValueError("max_objects must be at least 1, got {}".format(max_objects))
        self.classes = tuple(str(d) for d in digits)
        self.num_images = int(num_images) if num_images is not None else (1000 if train else 200)
        if self.num_images < 0:
            raise ValueError("num_images must be non-negative, got {}".format(num_images))
        self.image_size, self.max_objects, self.seed = int(image_size), int(max_objects), int(seed)
        self._split = _SPLITS["train" if train else "test"]
        source = load_digits()
        train_idx, test_idx = digits_split()
        index = train_idx if train else test_idx
        self._images, self._labels, self._digits = source.images[index], source.target[index], digits

    def __len__(self):
        return self.num_images

    def __getitem__(self, idx):
        if not -self.num_images <= idx < self.num_images:
            raise IndexError("scene {} is out of range for {} scenes".format(idx, self.num_images))
        idx %= self.num_images
        rng = np.random.RandomState([self.seed, self._split, idx])
        return render_scene(rng, self._images, self._labels, self._digits, self.image_size, self.max_objects)
