"""Draw what an exported model found on the picture it was fed: ``gluonx predict IMAGE --save-png FILE``.

- boxes (outputs whose postprocessing kind is ``boxes``, with ``scores`` and ``class_ids`` when present):
  rectangles with the class name (or id) and score, for scores at or above a threshold;
- a ``mask``: each class but the background (0) in its Pascal VOC colour, blended half over the picture
  (per-pixel argmax of ``N x C x h x w`` scores, or the ids of an ``N x h x w`` mask);
- a classifier: the best class and its probability in the top-left corner.

Boxes and masks are in the original picture's pixels already (see :mod:`gluonx.deploy.postprocessing`).
"""
import numpy as np

from .postprocessing import detections, mask_ids

__all__ = ["annotate", "save_annotated", "PALETTE"]

#: Colours of classes 0, 1, 2, ... (cycled).
PALETTE = ((230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180),
           (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128), (170, 110, 40))


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
    ids = mask_ids(outputs, postprocessing)
    if ids is not None:
        from ..utils.palette import colorize
        image = Image.fromarray(colorize(np.clip(ids[0], 0, 255), np.asarray(image)))
    draw = ImageDraw.Draw(image)
    for rows in (detections(outputs, postprocessing, class_names, min_score, drop_empty=True) or [])[:1]:
        for row in rows:
            colour = PALETTE[row["class_id"] % len(PALETTE)]
            x0, y0, x1, y1 = row["box"]
            draw.rectangle([min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)], outline=colour, width=2)
            name = row["class"] if row["class"] is not None else str(row["class_id"])
            draw.text((row["box"][0] + 2, row["box"][1] + 1), "{} {:.2f}".format(name, row["score"]), fill=colour)
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
