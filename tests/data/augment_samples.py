"""Samples whose pixels say where they came from, for checking boxes and masks against the image.

The image of :func:`coordinate_sample` holds each pixel's own column in red and row in green (blue 255,
so a canvas filled with another colour stands out); its mask paints box ``k``'s pixels with ``k + 1``, so
after a transform the pixels of each class show where the box truly went.
"""
import numpy as np


def coordinate_image(height, width):
    """``(H, W, 3)`` uint8: red = column, green = row, blue = 255 (sides up to 256)."""
    assert height <= 256 and width <= 256
    rows, cols = np.mgrid[0:height, 0:width]
    return np.stack([cols, rows, np.full_like(rows, 255)], axis=-1).astype(np.uint8)


def random_boxes(rng, height, width, count, min_side=6):
    """Integer boxes that do not overlap (rejection sampling), ``(N, 4)`` float32 corners."""
    boxes = []
    while len(boxes) < count:
        w, h = rng.randint(min_side, width // 2), rng.randint(min_side, height // 2)
        x, y = rng.randint(0, width - w + 1), rng.randint(0, height - h + 1)
        box = np.array([x, y, x + w, y + h])
        if all(box[2] <= b[0] or b[2] <= box[0] or box[3] <= b[1] or b[3] <= box[1] for b in boxes):
            boxes.append(box)
    return np.array(boxes, dtype=np.float32).reshape(-1, 4)


def coordinate_sample(height=60, width=80, count=4, seed=0, min_side=6):
    """A sample with a coordinate image, ``count`` boxes, labels ``(k, 10 k)`` and the boxes painted in the mask."""
    rng = np.random.RandomState(seed)
    boxes = random_boxes(rng, height, width, count, min_side)
    mask = np.zeros((height, width), dtype=np.uint8)
    for k, (x0, y0, x1, y1) in enumerate(boxes.astype(int)):
        mask[y0:y1, x0:x1] = k + 1
    labels = np.stack([np.arange(count), 10 * np.arange(count)], axis=1).astype(np.float32)
    return {"image": coordinate_image(height, width), "boxes": boxes, "labels": labels, "mask": mask}


def extent(mask, value):
    """Corner box ``(xmin, ymin, xmax, ymax)`` of the pixels equal to ``value`` (None if there are none)."""
    rows, cols = np.nonzero(mask == value)
    if not len(rows):
        return None
    return np.array([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1], dtype=np.float64)
