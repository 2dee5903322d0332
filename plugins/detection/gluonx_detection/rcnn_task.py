"""The ``faster_rcnn`` task: training Faster R-CNN (D2L 9.8.3) through ``gluonx.Trainer``.

Data are the detection task's (:class:`~gluonx_detection.task.DetectionSource`: images and padded labels).
The step runs the net's parts one by one: backbone, RPN, the RPN loss on sampled anchors, proposals (no
gradient), regions sampled from them, the box head, the head loss on the sampled regions. The four losses
are reported separately (``rpn_class_loss``, ``rpn_box_loss``, ``roi_class_loss``, ``roi_box_loss``) and
their sum is ``loss``.
"""
import mxnet as mx
from mxnet import autograd

from gluonx.train.metrics import DeviceMetric
from gluonx.train.step import StepOutput, TrainStep

from .rcnn_targets import rpn_targets, sample_regions
from .task import DetectionTask

__all__ = ["FasterRCNNTask", "FasterRCNNStep", "RPNError", "RoIClassError", "rcnn_losses"]


def _sigmoid_bce(logits, targets):
    """Binary cross-entropy of logits, stable for large magnitudes."""
    return mx.nd.relu(logits) - logits * targets + mx.nd.log1p(mx.nd.exp(-mx.nd.abs(logits)))


def _masked_smooth_l1(predicted, target, mask):
    """Smooth-L1 summed over the masked rows' coordinates, divided by the masked rows (at least 1): ``(B,)``."""
    mask = mx.nd.broadcast_like(mask, predicted)
    loss = mx.nd.smooth_l1((predicted - target) * mask, scalar=1.0)
    rows = mask.sum(axis=(1, 2)) / 4
    return loss.sum(axis=(1, 2)) / mx.nd.maximum(rows, 1)


def rcnn_losses(logits, offsets, rpn_target, class_scores, box_offsets, head_target, num_classes):
    """The four losses of Faster R-CNN per image (Ren et al. 2015, eq. 1; Girshick 2015, eq. 1).

    Parameters
    ----------
    logits, offsets : NDArray
        The RPN's ``(B, A)`` objectness logits and ``(B, A, 4)`` offsets.
    rpn_target : tuple of NDArray
        :func:`~gluonx_detection.rcnn_targets.rpn_targets`'s output.
    class_scores, box_offsets : NDArray
        The head's ``(B, S, C + 1)`` scores and ``(B, S, C, 4)`` per-class offsets.
    head_target : tuple of NDArray
        :func:`~gluonx_detection.rcnn_targets.sample_regions`'s output without the regions.

    Returns
    -------
    dict of NDArray
        ``(B,)`` losses: binary cross-entropy of the objectness over the sampled anchors, smooth-L1 of the
        positive anchors' offsets, softmax cross-entropy over the sampled regions, smooth-L1 of the
        foreground regions' offsets for their own class.
    """
    objectness, rpn_weights, rpn_offsets, rpn_mask = rpn_target
    classes, weights, head_offsets, head_mask = head_target
    rpn_class = (_sigmoid_bce(logits, objectness) * rpn_weights).sum(axis=1) / mx.nd.maximum(
        rpn_weights.sum(axis=1), 1)
    log_probs = mx.nd.log_softmax(class_scores, axis=-1)
    roi_class = -(mx.nd.pick(log_probs, classes, axis=-1) * weights).sum(axis=1) / mx.nd.maximum(
        weights.sum(axis=1), 1)
    # the offsets predicted for each region's own class (background regions have no box loss)
    own = mx.nd.one_hot(classes - 1, num_classes).expand_dims(-1)                       # (B, S, C, 1)
    own_offsets = mx.nd.broadcast_mul(box_offsets, own).sum(axis=2)                    # (B, S, 4)
    return {"rpn_class_loss": rpn_class, "rpn_box_loss": _masked_smooth_l1(offsets, rpn_offsets, rpn_mask),
            "roi_class_loss": roi_class, "roi_box_loss": _masked_smooth_l1(own_offsets, head_offsets, head_mask)}


class _WeightedError(DeviceMetric):
    """Errors over weighted items: the running sum holds ``[errors, weight]`` on the device (no sync)."""

    higher_is_better = False

    def update(self, labels, outputs):
        if isinstance(labels, tuple) and labels and isinstance(labels[0], mx.nd.NDArray):
            labels, outputs = [labels], [outputs]
        for label, output in zip(labels, outputs):
            value = self.batch_pair(label, output)
            key = value.context
            self._sums[key] = value if key not in self._sums else self._sums[key] + value
            self._count += 1

    def totals(self):
        errors = weight = 0.0
        for value in self._sums.values():
            errors_here, weight_here = value.asnumpy().tolist()
            errors, weight = errors + errors_here, weight + weight_here
        return errors, weight


class RPNError(_WeightedError):
    """Share of the sampled anchors whose objectness (logit > 0) is wrong. Label: the step's
    ``(objectness, rpn_weights, classes, weights)``; output: ``(logits, class_scores)``."""

    name = "rpn_error"

    def batch_pair(self, label, output):
        objectness, weights = label[0], label[1]
        wrong = ((output[0] > 0) != objectness) * weights
        return mx.nd.stack(wrong.sum(), weights.sum()).reshape((-1,)).astype("float64")


class RoIClassError(_WeightedError):
    """Share of the sampled regions whose predicted class (background included) is wrong (the box head's
    ``cls_eval``, D2L 9.7.2)."""

    name = "roi_class_error"

    def batch_pair(self, label, output):
        classes, weights = label[2], label[3]
        wrong = (output[1].argmax(axis=-1) != classes) * weights
        return mx.nd.stack(wrong.sum(), weights.sum()).reshape((-1,)).astype("float64")


class FasterRCNNStep(TrainStep):
    """One batch of Faster R-CNN through the net's parts (see the module docstring).

    Parameters
    ----------
    rpn_samples, rpn_positive_fraction, rpn_positive_iou, rpn_negative_iou
        Anchor sampling and labelling (:func:`~gluonx_detection.rcnn_targets.rpn_targets`).
    roi_samples, foreground_fraction, foreground_iou
        Region sampling (:func:`~gluonx_detection.rcnn_targets.sample_regions`).
    """

    def __init__(self, rpn_samples=64, rpn_positive_fraction=0.5, rpn_positive_iou=0.7, rpn_negative_iou=0.3,
                 roi_samples=32, foreground_fraction=0.25, foreground_iou=0.5):
        super().__init__(num_inputs=1)
        self.rpn_args = dict(positive_iou=rpn_positive_iou, negative_iou=rpn_negative_iou,
                             num_samples=rpn_samples, positive_fraction=rpn_positive_fraction)
        self.roi_args = dict(num_samples=roi_samples, foreground_fraction=foreground_fraction,
                             foreground_iou=foreground_iou)

    def _run(self, trainer, shards):
        net = trainer.net
        labels, outputs, losses = [], [], {}
        for images, boxes in shards:
            features = net.backbone(images)
            anchors, logits, offsets = net.rpn(features)
            with autograd.pause():
                rpn_target = rpn_targets(anchors, boxes, **self.rpn_args)
                proposals, scores = net.train_proposer(anchors, logits.detach(), offsets.detach())
                regions, *head_target = sample_regions(proposals, scores, boxes, **self.roi_args)
            class_scores, box_offsets = net.head(features, regions)
            batch, count = regions.shape[:2]
            class_scores = class_scores.reshape((batch, count, -1))
            box_offsets = box_offsets.reshape((batch, count, -1, 4))
            parts = rcnn_losses(logits, offsets, rpn_target, class_scores, box_offsets, head_target,
                                net.head.num_classes)
            parts["loss"] = sum(parts.values())
            for name, value in parts.items():
                losses.setdefault(name, []).append(value)
            labels.append((rpn_target[0], rpn_target[1], head_target[0], head_target[1]))
            outputs.append((logits, class_scores))
        return labels, outputs, losses

    def train_step(self, trainer, batch):
        shards = trainer.split(batch)
        with autograd.record():
            labels, outputs, losses = self._run(trainer, shards)
        autograd.backward(losses["loss"])
        trainer.update()
        return StepOutput(labels, outputs, losses)

    def eval_step(self, trainer, batch):
        return StepOutput(*self._run(trainer, trainer.split(batch)))


class FasterRCNNTask(DetectionTask):
    """Faster R-CNN training (D2L 9.8.3): nets with ``backbone``, ``rpn``, ``train_proposer`` and ``head``
    parts (:class:`~gluonx_detection.models.faster_rcnn.FasterRCNN`) on detection datasets batched as the
    ``detection`` task batches them. Losses: see :func:`rcnn_losses`; metrics: the RPN's objectness error
    and the head's class error on the sampled anchors and regions.

    Parameters
    ----------
    rpn_samples, roi_samples : int
        Anchors and regions sampled per image.
    foreground_fraction : float
        Largest share of foreground among the sampled regions.
    max_objects, cache
        As for :class:`~gluonx_detection.task.DetectionTask`.

    References
    ----------
    D2L 9.8.3; Ren et al., Faster R-CNN (2015); Girshick, Fast R-CNN (2015).
    """

    name = "faster_rcnn"
    monitor = "val_loss"
    higher_is_better = False
    primary_metric = "roi_class_error"

    def __init__(self, rpn_samples=64, roi_samples=32, foreground_fraction=0.25, max_objects=None, cache=True):
        super().__init__(max_objects=max_objects, cache=cache)
        for name, value in (("rpn_samples", rpn_samples), ("roi_samples", roi_samples)):
            if isinstance(value, bool) or int(value) != value or value < 1:
                raise ValueError("{} must be a positive integer, got {!r}".format(name, value))
        if not 0 < float(foreground_fraction) <= 1:
            raise ValueError("foreground_fraction must be in (0, 1], got {!r}".format(foreground_fraction))
        self.rpn_samples, self.roi_samples = int(rpn_samples), int(roi_samples)
        self.foreground_fraction = float(foreground_fraction)

    def create_loss(self):
        return None

    def create_metrics(self):
        return [RPNError(), RoIClassError()]

    def create_step(self, loss):
        return FasterRCNNStep(rpn_samples=self.rpn_samples, roi_samples=self.roi_samples,
                              foreground_fraction=self.foreground_fraction)

    def result_lines(self, scalars, prefix="val_", label="test"):
        lines = super(DetectionTask, self).result_lines(scalars, prefix, label)
        if prefix + "rpn_error" in scalars:
            lines.insert(1, "{} rpn error: {:.4f}".format(label, scalars[prefix + "rpn_error"]))
        return lines

    def inference_block(self, net):
        """The block ``gluonx export`` exports: the net itself, which already returns ``(boxes, scores,
        class_ids)`` after per-class NMS (the detection task's multibox decoding does not apply)."""
        return net

    def decode(self, outputs):
        """``{"detections": per image, rows [class_id, score, xmin, ymin, xmax, ymax]}`` (normalized corners)
        from the net's ``(boxes, scores, class_ids)``."""
        boxes, scores, class_ids = [a.asnumpy() for a in outputs[:3]]
        detections = []
        for image_boxes, image_scores, image_ids in zip(boxes, scores, class_ids):
            kept = image_ids >= 0
            rows = [[float(i), float(s)] + [float(v) for v in b]
                    for i, s, b in zip(image_ids[kept], image_scores[kept], image_boxes[kept])]
            detections.append([[round(v, 6) for v in row] for row in rows])
        return {"detections": detections}
