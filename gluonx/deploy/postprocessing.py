"""What each output of an exported model holds, and how it maps back onto the picture that was fed.

A manifest's ``postprocessing`` names the kind of each output::

    {"outputs": {"boxes": {"kind": "boxes", "format": "corner", "normalized": false},
                 "scores": {"kind": "scores"}, "ids": {"kind": "class_ids"},
                 "mask": {"kind": "mask"}}}

Kinds: ``class_scores`` (logits or probabilities per class), ``class_ids``, ``scores``, ``boxes`` (last
axis of 4: ``corner`` = x1, y1, x2, y2 or ``center`` = cx, cy, w, h; in model-input pixels, or in [0, 1]
of the input with ``normalized``), ``mask`` (``N x C x h x w`` scores or ``N x h x w`` ids on a grid
covering the model input), ``token_ids`` and ``features`` (returned as they are), and ``image`` (a
generator's images in [0, 1], its input noise; see :mod:`gluonx.deploy.image_grid`).

:func:`to_original` undoes the preprocessing's resize (see :func:`gluonx.deploy.preprocessing.prepare_image`):
boxes come back as corners in pixel coordinates of the original picture, clipped to it, and masks are
cropped to the picture's area and resized to its size (bilinear for scores, nearest for ids), so a
detector or a segmenter can be fed a raw picture of any size. :func:`detections` then lists a detector's
findings per picture with class names, and :func:`mask_ids` / :func:`mask_pixel_counts` a segmenter's class
per pixel and the pixels of each class (what ``gluonx predict`` prints).
"""
import numpy as np

__all__ = ["OUTPUT_KINDS", "validate_postprocessing", "to_original", "detections", "output_of_kind", "mask_ids",
           "mask_pixel_counts"]

OUTPUT_KINDS = ("class_scores", "class_ids", "scores", "boxes", "mask", "token_ids", "features", "image")


def validate_postprocessing(postprocessing, outputs):
    """Check ``postprocessing`` against the manifest's output records; returns it normalized (or None)."""
    if postprocessing is None:
        return None
    if not isinstance(postprocessing, dict) or set(postprocessing) != {"outputs"} or not isinstance(
            postprocessing["outputs"], dict):
        raise ValueError("postprocessing must be {'outputs': {NAME: {'kind': ...}}}, got {!r}".format(postprocessing))
    by_name = {record["name"]: record for record in outputs}
    normalized = {}
    for name, entry in postprocessing["outputs"].items():
        if name not in by_name:
            raise ValueError("postprocessing names output {!r}; the outputs are {}".format(name, sorted(by_name)))
        entry = dict(entry if isinstance(entry, dict) else {"kind": entry})
        kind = entry.get("kind")
        if kind not in OUTPUT_KINDS:
            raise ValueError("postprocessing: output {!r} has kind {!r}; expected one of {}".format(
                name, kind, list(OUTPUT_KINDS)))
        shape = by_name[name]["shape"]
        if kind == "boxes":
            entry.setdefault("format", "corner")
            entry["normalized"] = bool(entry.get("normalized", False))
            if entry["format"] not in ("corner", "center") or not shape or shape[-1] != 4:
                raise ValueError("postprocessing: boxes output {!r} needs format 'corner' or 'center' and a last "
                                 "axis of 4, got format {!r} and shape {}".format(name, entry["format"], shape))
        if kind == "mask" and len(shape) not in (3, 4):
            raise ValueError("postprocessing: mask output {!r} must be N x h x w or N x C x h x w, got shape {}"
                             .format(name, shape))
        if kind == "image":
            _check_image_entry(name, entry, shape)
        normalized[name] = entry
    return {"outputs": normalized}


def _check_image_entry(name, entry, shape):
    from .image_grid import NOISE_KINDS
    if entry.setdefault("noise", "normal") not in NOISE_KINDS:
        raise ValueError("postprocessing: image output {!r} has noise {!r}; expected one of {}".format(
            name, entry["noise"], list(NOISE_KINDS)))
    image_shape = entry.get("image_shape")
    if image_shape is not None and (len(shape) != 2 or int(np.prod(image_shape)) != shape[1]):
        raise ValueError("postprocessing: image output {!r} of shape {} cannot hold images of shape {}".format(
            name, shape, image_shape))
    if image_shape is None and len(shape) not in (2, 3, 4):
        raise ValueError("postprocessing: image output {!r} must be N x C x H x W, N x H x W or N x D, got shape {}"
                         .format(name, shape))


def _boxes_to_original(boxes, entry, transform):
    boxes = np.asarray(boxes, dtype=np.float64).copy()
    if entry.get("format") == "center":
        cx, cy, w, h = (boxes[..., i] for i in range(4))
        boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=-1)
    if entry.get("normalized"):
        height, width = transform["input_size"]
        boxes *= np.array([width, height, width, height], dtype=np.float64)
    (scale_y, scale_x), (top, left) = transform["scale"], transform["offset"]
    boxes[..., [0, 2]] = (boxes[..., [0, 2]] - left) / scale_x
    boxes[..., [1, 3]] = (boxes[..., [1, 3]] - top) / scale_y
    height, width = transform["original_size"]
    boxes[..., [0, 2]] = np.clip(boxes[..., [0, 2]], 0, width)
    boxes[..., [1, 3]] = np.clip(boxes[..., [1, 3]], 0, height)
    return boxes.astype(np.float32)


def _resize_plane(plane, height, width, nearest):
    from PIL import Image
    if nearest:
        image = Image.fromarray(plane.astype(np.int32), mode="I")
        return np.asarray(image.resize((width, height), Image.NEAREST)).astype(plane.dtype)
    image = Image.fromarray(plane.astype(np.float32), mode="F")
    return np.asarray(image.resize((width, height), Image.BILINEAR))


def _mask_to_original(mask, transform):
    mask = np.asarray(mask)
    nearest = mask.dtype.kind in "biu" or mask.ndim == 3
    planes = mask if mask.ndim == 4 else mask[:, None]
    grid_h, grid_w = planes.shape[-2:]
    in_h, in_w = transform["input_size"]
    (scale_y, scale_x), (top, left) = transform["scale"], transform["offset"]
    height, width = transform["original_size"]
    # the picture's area on the mask grid
    y0, x0 = top * grid_h / in_h, left * grid_w / in_w
    y1, x1 = y0 + height * scale_y * grid_h / in_h, x0 + width * scale_x * grid_w / in_w
    rows = slice(int(np.floor(y0)), max(int(np.floor(y0)) + 1, int(np.ceil(y1))))
    cols = slice(int(np.floor(x0)), max(int(np.floor(x0)) + 1, int(np.ceil(x1))))
    out = np.stack([np.stack([_resize_plane(plane[rows, cols], height, width, nearest) for plane in sample])
                    for sample in planes])
    return out if mask.ndim == 4 else out[:, 0]


def to_original(outputs, postprocessing, transform):
    """Map named outputs of one picture back onto it (see the module docstring).

    Parameters
    ----------
    outputs : dict of str to numpy.ndarray
        Named outputs of the model.
    postprocessing : dict or None
        The manifest's postprocessing.
    transform : dict
        From :func:`gluonx.deploy.preprocessing.prepare_image`.

    Returns
    -------
    dict of str to numpy.ndarray
        The same names; boxes and masks in the original picture's pixels.
    """
    entries = (postprocessing or {}).get("outputs", {})
    result = {}
    for name, value in outputs.items():
        kind = entries.get(name, {}).get("kind")
        if kind == "boxes":
            value = _boxes_to_original(value, entries[name], transform)
        elif kind == "mask":
            value = _mask_to_original(value, transform)
        result[name] = value
    return result


def output_of_kind(outputs, postprocessing, kind):
    """The first output of ``kind`` as a NumPy array (None when the postprocessing names none)."""
    entries = (postprocessing or {}).get("outputs", {})
    name = next((n for n, entry in entries.items() if entry.get("kind") == kind and n in outputs), None)
    return None if name is None else np.asarray(outputs[name])


def detections(outputs, postprocessing, class_names=None, min_score=None, drop_empty=False):
    """A detector's findings per picture: ``[[{"class_id", "class", "score", "box"}, ...], ...]``.

    Parameters
    ----------
    outputs : dict of str to numpy.ndarray
        Named outputs: a ``boxes`` output ``(N, K, 4)`` and, when the postprocessing names them, ``scores``
        ``(N, K)`` and ``class_ids`` ``(N, K)``.
    postprocessing : dict or None
        The manifest's postprocessing.
    class_names : list of str, optional
        ``class`` is ``class_names[class_id]`` (None without names or outside them).
    min_score : float, optional
        Rows scoring below it are left out.
    drop_empty : bool
        Leave out corner boxes without area (``xmax <= xmin`` or ``ymax <= ymin``): after :func:`to_original`,
        a box found entirely in a letterbox's padding is clipped to nothing.

    Returns
    -------
    list of list of dict or None
        Per picture, best score first; rows whose class id is negative (suppressed or padding) are left out.
        ``box`` holds the output's four values as they are: after :func:`to_original`, ``[xmin, ymin, xmax,
        ymax]`` in the original picture's pixels. None when no output holds boxes.
    """
    boxes = output_of_kind(outputs, postprocessing, "boxes")
    if boxes is None:
        return None
    boxes = boxes.reshape(-1, boxes.shape[-2] if boxes.ndim >= 2 else 1, 4)
    scores = output_of_kind(outputs, postprocessing, "scores")
    scores = np.ones(boxes.shape[:2]) if scores is None else scores.reshape(boxes.shape[:2])
    ids = output_of_kind(outputs, postprocessing, "class_ids")
    ids = np.zeros(boxes.shape[:2]) if ids is None else ids.reshape(boxes.shape[:2])
    found = []
    for picture_boxes, picture_scores, picture_ids in zip(boxes, scores, ids):
        rows = []
        for index in np.argsort(-picture_scores, kind="stable"):
            class_id, score = int(round(float(picture_ids[index]))), float(picture_scores[index])
            box = picture_boxes[index]
            if class_id < 0 or (min_score is not None and score < min_score):
                continue
            if drop_empty and (box[2] <= box[0] or box[3] <= box[1]):
                continue
            name = class_names[class_id] if class_names and class_id < len(class_names) else None
            rows.append({"class_id": class_id, "class": name, "score": score,
                         "box": [float(v) for v in box]})
        found.append(rows)
    return found


def mask_ids(outputs, postprocessing):
    """The class id of every pixel, ``(N, h, w)`` int64, from the output whose kind is ``mask``: the argmax over
    the classes of ``N x C x h x w`` scores (after :func:`to_original`: the scores resized bilinearly to the
    picture), or the ids of an ``N x h x w`` mask as they are. None when no output is a mask."""
    mask = output_of_kind(outputs, postprocessing, "mask")
    if mask is None:
        return None
    return (mask.argmax(axis=1) if mask.ndim == 4 else np.rint(mask)).astype(np.int64)


def mask_pixel_counts(ids, class_names=None, num_classes=None):
    """Pixels of each class in one picture's ``(h, w)`` class ids: ``[{"class_id", "class", "pixels",
    "fraction"}, ...]`` by class id, for every class in ``range(num_classes)`` (default: the names, else up to
    the largest id found) and any other id found."""
    ids = np.asarray(ids, dtype=np.int64)
    found = np.bincount(ids.ravel()[ids.ravel() >= 0], minlength=0)
    count = num_classes if num_classes is not None else len(class_names) if class_names else len(found)
    total = max(ids.size, 1)
    rows = []
    for class_id in range(max(count, len(found))):
        pixels = int(found[class_id]) if class_id < len(found) else 0
        if class_id >= count and not pixels:
            continue
        name = class_names[class_id] if class_names and class_id < len(class_names) else None
        rows.append({"class_id": class_id, "class": name, "pixels": pixels, "fraction": pixels / total})
    return rows
