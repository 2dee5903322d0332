"""Draw what an exported model found on the picture it was fed: ``gluonx predict IMAGE --save-png FILE``.

- boxes (outputs whose postprocessing kind is ``boxes``, with ``scores`` and ``class_ids`` when present):
  rectangles with the class name (or id) and score, for scores at or above a threshold;
- a ``mask``: each class in its own colour, blended over the picture (per-pixel argmax of ``N x C x h x w``
  scores, or the ids of an ``N x h x w`` mask);
- a classifier: the best class and its probability in the top-left corner.

Boxes and masks are in the original picture's pixels already (see :mod:`gluonx.deploy.postprocessing`).
"""
import numpy as np

__all__ = ["annotate", "save_annotated", "PALETTE"]

#: Colours of classes 0, 1, 2, ... (cycled).
PALETTE = ((230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180),
           (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128), (170, 110, 40))


def _first(outputs, postprocessing, kind):
    entries = (postprocessing or {}).get("outputs", {})
    name = next((n for n, entry in entries.items() if entry.get("kind") == kind and n in outputs), None)
    return None if name is None else np.asarray(outputs[name])


def _label(class_id, class_names):
    if class_names and 0 <= class_id < len(class_names):
        return class_names[class_id]
    return str(class_id)


def annotate(picture, outputs, postprocessing=None, class_names=None, top=None, min_score=0.5):
    """Return an RGB ``PIL.Image`` of ``picture`` (H x W x 3 uint8) with the findings drawn on it.

    Parameters
    ----------
    picture : numpy.ndarray
    outputs : dict of str to numpy.ndarray
        Named outputs of one picture (batch of one), boxes and masks in its pixels.
    postprocessing : dict, optional
        The manifest's postprocessing (which output is which).
    class_names : list of str, optional
    top : (int, str or None, float), optional
        The best class of a classifier: index, name, probability.
    min_score : float
        Boxes with a lower score are not drawn.
    """
    from PIL import Image, ImageDraw
    image = Image.fromarray(np.asarray(picture, dtype=np.uint8)).convert("RGB")
    mask = _first(outputs, postprocessing, "mask")
    if mask is not None:
        ids = mask[0].argmax(axis=0) if mask.ndim == 4 else mask[0]
        colours = np.asarray(PALETTE, dtype=np.float32)[np.asarray(ids, dtype=np.int64) % len(PALETTE)]
        blended = 0.5 * np.asarray(image, dtype=np.float32) + 0.5 * colours
        image = Image.fromarray(blended.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    boxes = _first(outputs, postprocessing, "boxes")
    if boxes is not None:
        boxes = boxes.reshape(-1, 4)
        scores = _first(outputs, postprocessing, "scores")
        scores = np.ones(len(boxes)) if scores is None else scores.reshape(-1)[:len(boxes)]
        ids = _first(outputs, postprocessing, "class_ids")
        ids = np.zeros(len(boxes), dtype=np.int64) if ids is None else ids.reshape(-1)[:len(boxes)].astype(np.int64)
        for box, score, class_id in zip(boxes, scores, ids):
            if score < min_score or class_id < 0:
                continue
            colour = PALETTE[int(class_id) % len(PALETTE)]
            draw.rectangle([float(v) for v in box], outline=colour, width=2)
            draw.text((float(box[0]) + 2, float(box[1]) + 1), "{} {:.2f}".format(_label(int(class_id), class_names),
                                                                              float(score)), fill=colour)
    if top is not None:
        index, name, probability = top
        draw.text((2, 2), "{} {:.2f}".format(name if name is not None else index, probability), fill=(255, 0, 0))
    return image


def save_annotated(path, picture, outputs, postprocessing=None, class_names=None, top=None, min_score=0.5):
    """Write :func:`annotate`'s picture as a PNG, atomically."""
    from ..utils.atomic import atomic_write
    image = annotate(picture, outputs, postprocessing, class_names, top, min_score)
    with atomic_write(path, "wb") as handle:
        image.save(handle, format="PNG")
    return path
