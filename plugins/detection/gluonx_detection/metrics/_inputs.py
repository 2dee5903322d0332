"""Per-image detection inputs as NumPy arrays, shared by the metrics."""
import numpy as np

__all__ = ["as_numpy", "iterate_images"]


def as_numpy(value):
    """NumPy view of an NDArray, a NumPy array, a list or None."""
    if value is None:
        return None
    if hasattr(value, "asnumpy"):
        return value.asnumpy()
    return np.asarray(value)


def _batch(values, dims):
    """A list of per-image arrays from a batch array or a list of per-image arrays (which may be ragged)."""
    if values is None:
        return None
    if isinstance(values, (list, tuple)):
        arrays = [as_numpy(v) for v in values]
    else:
        array = as_numpy(values)
        arrays = list(array) if array.ndim >= dims + 1 else [array]
    return arrays


def iterate_images(pred_bboxes, pred_labels, pred_scores, gt_bboxes, gt_labels, gt_flags=None):
    """Yield ``(pred_boxes (P, 4), pred_labels (P,), pred_scores (P,), gt_boxes (G, 4), gt_labels (G,),
    gt_flags (G,) bool)`` per image, dropping predictions and ground truths whose label is negative (padding).
    """
    columns = [_batch(pred_bboxes, 2), _batch(pred_labels, 1),
               _batch(pred_scores, 1), _batch(gt_bboxes, 2),
               _batch(gt_labels, 1)]
    flags = _batch(gt_flags, 1)
    count = len(columns[0])
    if any(len(column) != count for column in columns) or (flags is not None and len(flags) != count):
        raise ValueError("detection metric inputs must hold the same number of images, got {}".format(
            [len(c) for c in columns] + ([len(flags)] if flags is not None else [])))
    for i in range(count):
        # Scores and boxes keep their dtype: sorting ties and IoU rounding then match the references.
        p_box = columns[0][i].reshape(-1, 4)
        p_label = columns[1][i].reshape(-1).astype(np.int64)
        p_score = columns[2][i].reshape(-1)
        g_box = columns[3][i].reshape(-1, 4)
        g_label = columns[4][i].reshape(-1).astype(np.int64)
        g_flag = (np.zeros(len(g_label), bool) if flags is None
                  else flags[i].reshape(-1).astype(bool))
        if not len(p_box) == len(p_label) == len(p_score):
            raise ValueError("image {}: {} predicted boxes, {} labels, {} scores (must be equal)".format(
                i, len(p_box), len(p_label), len(p_score)))
        if not len(g_box) == len(g_label) == len(g_flag):
            raise ValueError("image {}: {} ground-truth boxes, {} labels, {} flags (must be equal)".format(
                i, len(g_box), len(g_label), len(g_flag)))
        keep_p, keep_g = p_label >= 0, g_label >= 0
        yield (p_box[keep_p], p_label[keep_p], p_score[keep_p], g_box[keep_g], g_label[keep_g],
               g_flag[keep_g])
