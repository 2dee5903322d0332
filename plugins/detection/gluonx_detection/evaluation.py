"""Mean average precision of a trained multibox detector on a detection dataset (D2L 9.6-9.7)."""
import numpy as np

__all__ = ["evaluate_map", "detect"]


def detect(net, images, ctx=None, iou_threshold=0.5, score_threshold=0.01, topk=100):
    """Detections of ``net`` (returning ``(anchors, class_preds, box_preds)``) on ``images (B, 3, H, W)``
    (uint8 or float in [0, 1]): ``(boxes (B, K, 4) normalized corners, scores (B, K), class_ids (B, K))``
    as NumPy arrays, -1 ids for empty rows. Uses :class:`~gluonx_detection.models.MultiBoxInference` around
    ``net`` (its parameters are shared, nothing is copied)."""
    import mxnet as mx
    from .models.inference import MultiBoxInference
    ctx = ctx or mx.cpu()
    detector = MultiBoxInference(net, iou_threshold=iou_threshold, score_threshold=score_threshold, topk=topk)
    x = mx.nd.array(images, ctx=ctx, dtype="float32")
    if np.asarray(images).dtype == np.uint8:
        x = x / 255.0
    return tuple(a.asnumpy() for a in detector(x))


def evaluate_map(net, dataset, metric=None, batch_size=64, ctx=None, max_objects=None, **detect_args):
    """Run ``net`` over ``dataset`` (``(image, label)`` in pixels, as the plugin's datasets give them) and
    return ``metric.get()`` -- by default the VOC07 11-point mAP at IoU 0.5 (:class:`VOC07MeanAP`).

    Boxes are compared in pixels; the dataset's flag column is taken as VOC's *difficult*.
    """
    from .metrics.voc import VOC07MeanAP
    from .task import collate_detection
    metric = metric if metric is not None else VOC07MeanAP(class_names=getattr(dataset, "classes", None))
    if max_objects is None:
        max_objects = getattr(dataset, "max_objects", None) or max(len(dataset[i][1]) for i in range(len(dataset)))
    for begin in range(0, len(dataset), batch_size):
        samples = [dataset[i] for i in range(begin, min(begin + batch_size, len(dataset)))]
        images, _ = collate_detection(samples, max_objects)
        boxes, scores, ids = detect(net, images, ctx, **detect_args)
        height, width = images.shape[2:]
        scale = np.array([width, height, width, height], dtype=np.float32)
        labels = [np.asarray(label, dtype=np.float32).reshape(-1, 6) for _, label in samples]
        metric.update([b * scale for b in boxes], list(ids), list(scores),
                      [label[:, 1:5] for label in labels], [label[:, 0] for label in labels],
                      [label[:, 5] for label in labels])
    return metric.get()
