"""The ``detection`` task: training multibox detectors (SSD-style, D2L 9.7) through ``gluonx.Trainer``.

Datasets yield ``(image (H, W, 3) uint8, label (N, 6) float32)`` with ``N`` varying per image (pixels,
``(class, xmin, ymin, xmax, ymax, flag)``). :class:`DetectionSource` batches them as the book does: images
stacked channels-first (still uint8: the trainer turns them into float32 in [0, 1] on the device), labels
normalized to [0, 1] and padded to a fixed number of objects with rows of -1. :class:`MultiBoxStep` labels the
anchors with the plugin's :class:`~gluonx_detection.ops.AnchorTargets` and applies :class:`MultiBoxLoss`.
"""
import numpy as np
from mxnet import autograd, gluon

from gluonx.losses.box import MaskedSmoothL1Loss
from gluonx.losses.focal import FocalLoss
from gluonx.tasks import Task
from gluonx.train.metrics import DeviceMetric
from gluonx.train.sources import DatasetSource, image_input_shapes, is_sample_dataset, make_source
from gluonx.train.step import StepOutput, TrainStep

from .ops.assign import AnchorTargets

#: Output names of an exported detector: (B, K, 4) corner boxes, (B, K) scores, (B, K) class ids (-1: none).
DETECTION_OUTPUTS = ("boxes", "scores", "class_ids")

__all__ = ["DETECTION_OUTPUTS", "DetectionTask", "DetectionSource", "MultiBoxLoss", "MultiBoxStep", "ClassError",
           "BoxMAE", "collate_detection", "augment_sample", "build_augmentation"]


def collate_detection(samples, max_objects):
    """Stack ``(image (H, W, 3), label (N, 6))`` samples into ``(images (B, 3, H, W), labels (B, M, 5))``.

    Images keep their dtype (uint8 travels to the device 4x smaller than float32). Label rows become
    ``(class, xmin, ymin, xmax, ymax)`` with corners divided by the image's width and height, padded with
    rows of -1 to ``M = max_objects`` (the book's banana labels, D2L 9.6.1).
    """
    sizes = {np.shape(image)[:2] for image, _ in samples}
    if len(sizes) != 1:
        raise ValueError("a detection batch needs images of one size, got sizes {}: resize the dataset's images"
                         .format(sorted(sizes)))
    height, width = sizes.pop()
    images = np.stack([np.asarray(image) for image, _ in samples]).transpose(0, 3, 1, 2)
    labels = np.full((len(samples), max_objects, 5), -1.0, dtype=np.float32)
    scale = np.array([width, height, width, height], dtype=np.float32)
    for row, (_, label) in enumerate(samples):
        label = np.asarray(label, dtype=np.float32).reshape(-1, np.shape(label)[-1] if np.size(label) else 6)
        if len(label) > max_objects:
            raise ValueError("an image has {} objects, more than max_objects={}: raise the task's max_objects"
                             .format(len(label), max_objects))
        labels[row, :len(label), 0] = label[:, 0]
        labels[row, :len(label), 1:5] = label[:, 1:5] / scale
    return np.ascontiguousarray(images), labels


def augment_sample(transform, sample, rng):
    """Apply a joint transform of ``gluonx.data.transforms`` (``transform(sample_dict, rng)``) to one
    ``(image (H, W, 3), label (N, 6) pixels)`` sample; boxes the transform drops take their label rows along."""
    from gluonx.data.transforms import detection_to_sample, sample_to_detection
    image, label = sample_to_detection(transform(detection_to_sample(*sample), rng))
    image = np.asarray(image)
    if image.dtype != np.uint8:
        image = np.clip(np.round(image), 0, 255).astype(np.uint8)
    return image, np.asarray(label, dtype=np.float32).reshape(-1, 6)


def build_augmentation(augment, image_size=None):
    """The per-sample transform of an ``augment`` option: None/False/{} (none), a callable
    ``transform(sample, rng)``, True (the ``detection_augmentation`` preset) or a dict of the preset's
    keyword arguments (what a recipe's ``augmentation`` field holds). The preset's ``size`` defaults to
    ``image_size`` (the dataset's), so augmented samples batch with the others."""
    from gluonx.data.transforms import augmentation_from_option, detection_augmentation
    return augmentation_from_option(augment, detection_augmentation, image_size, size_name="side")


class DetectionSource(DatasetSource):
    """Batches of a detection dataset in the trainer's resumable order, collated by :func:`collate_detection`.

    Parameters
    ----------
    max_objects : int, optional
        Label rows per image; default: the dataset's ``max_objects`` attribute, else the largest count in
        the dataset (read once).
    cache : bool
        Keep every sample in memory after its first read (generated scenes and decoded files are then made
        once per run, not once per epoch); augmentation applies after the cache, anew every epoch.
    augment : callable, optional
        A joint transform ``transform(sample, rng)`` of ``gluonx.data.transforms`` applied to each sample
        with ``rng = transforms.sample_rng(seed, epoch, index)``: the same run sees the same augmented
        samples, also when it resumes mid-epoch. It must keep the image size of the batch (end with a
        ``Resize``, as the ``detection_augmentation`` preset does).
    """

    def __init__(self, dataset, batch_size, shuffle, last_batch, seed, num_shards=1, shard=0, max_objects=None,
                 cache=True, augment=None):
        super().__init__(dataset, batch_size, shuffle, last_batch, seed, num_shards, shard)
        self.seed, self.augment = int(seed), augment
        self._cache = {} if cache else None
        if max_objects is None:
            max_objects = getattr(dataset, "max_objects", None)
        if max_objects is None:
            max_objects = max(1, max(len(self._sample(i)[1]) for i in range(len(dataset))))
        self.max_objects = int(max_objects)

    def _sample(self, index):
        if self._cache is None:
            return self.dataset[index]
        sample = self._cache.get(index)
        if sample is None:
            sample = self._cache[index] = self.dataset[index]
        return sample

    def _take(self, indices, epoch=0):
        samples = [self._sample(int(i)) for i in indices]
        if self.augment is not None:
            from gluonx.data.transforms import sample_rng
            samples = [augment_sample(self.augment, sample, sample_rng(self.seed, epoch, int(i)))
                       for sample, i in zip(samples, indices)]
        return collate_detection(samples, self.max_objects)

    def batches(self, epoch, start=0):
        for indices in self.sampler.batches(epoch, start):
            yield self._take(indices, epoch)


class MultiBoxLoss(gluon.HybridBlock):
    """Class loss over every anchor plus smooth-L1 on the offsets of positive anchors (D2L 9.7.2).

    ``forward(class_preds (B, A, C + 1), box_preds (B, A*4), class_labels (B, A), box_labels (B, A*4),
    box_masks (B, A*4)) -> (B,)``. The class loss is the softmax cross-entropy averaged over the anchors (the
    book's), or with ``class_loss="focal"`` gluonx's :class:`~gluonx.losses.FocalLoss` over the object
    classes (the background is every class negative); the box loss is gluonx's
    :class:`~gluonx.losses.MaskedSmoothL1Loss`, a mean over the positive anchors' offsets (the book's L1 mean
    over all anchors makes the box term about as small as the share of positive anchors).
    """

    def __init__(self, class_loss="softmax", box_weight=1.0, sigma=1.0, focal_alpha=0.25, focal_gamma=2.0, **kwargs):
        super().__init__(**kwargs)
        if class_loss not in ("softmax", "focal"):
            raise ValueError("class_loss must be 'softmax' or 'focal', got {!r}".format(class_loss))
        self._focal = class_loss == "focal"
        self._box_weight = float(box_weight)
        with self.name_scope():
            if self._focal:
                self.class_loss = FocalLoss(alpha=focal_alpha, gamma=focal_gamma)
            else:
                self.class_loss = gluon.loss.SoftmaxCrossEntropyLoss()
            self.box_loss = MaskedSmoothL1Loss(sigma=sigma)

    def hybrid_forward(self, F, class_preds, box_preds, class_labels, box_labels, box_masks):
        if self._focal:
            # focal loss has no background column: class ids shift down by one, background becomes -1
            objects = F.slice_axis(class_preds, axis=-1, begin=1, end=None)
            class_term = self.class_loss(objects, class_labels - 1)
        else:
            class_term = self.class_loss(class_preds, class_labels)
        return class_term + self._box_weight * self.box_loss(box_preds, box_labels, box_masks)


class ClassError(DeviceMetric):
    """Share of anchors whose predicted class (background included) is wrong, the book's ``cls_eval``
    (D2L 9.7.2). Label: ``(class_labels, box_labels, box_masks)``; output: the net's
    ``(anchors, class_preds, box_preds)``."""

    name = "class_error"
    higher_is_better = False

    def batch_sum(self, label, output):
        class_labels, class_preds = label[0], output[1]
        wrong = class_preds.argmax(axis=-1) != class_labels.astype(class_preds.dtype)
        return wrong.sum().astype("float64"), class_labels.size


class BoxMAE(DeviceMetric):
    """Mean absolute error of the masked box offsets over all offsets, the book's ``bbox_eval`` (D2L 9.7.2)."""

    name = "box_mae"
    higher_is_better = False

    def batch_sum(self, label, output):
        _, box_labels, box_masks = label
        error = ((box_labels - output[2]) * box_masks).abs()
        return error.sum().astype("float64"), box_labels.size


class MultiBoxStep(TrainStep):
    """One batch of a multibox detector: ``net(images) -> (anchors, class_preds, box_preds)``, anchor targets
    from the padded labels (no gradient), :class:`MultiBoxLoss`.

    Parameters
    ----------
    iou_threshold : float
        Anchors whose best IoU with an object reaches this are positive (besides the greedy matches).
    """

    def __init__(self, iou_threshold=0.5):
        super().__init__(num_inputs=1)
        self.targets = AnchorTargets(iou_threshold=iou_threshold)
        self.targets.hybridize()

    def _targets(self, anchors, labels):
        with autograd.pause():
            box_labels, box_masks, class_labels = self.targets(anchors, labels)
        return class_labels, box_labels, box_masks

    def _run(self, trainer, shards):
        outputs, labels, losses = [], [], []
        for images, boxes in shards:
            output = trainer.net(images)
            target = self._targets(output[0], boxes)
            losses.append(trainer.loss(output[1], output[2], *target))
            outputs.append(output)
            labels.append(target)
        return labels, outputs, losses

    def train_step(self, trainer, batch):
        shards = trainer.split(batch)
        with autograd.record():
            labels, outputs, losses = self._run(trainer, shards)
        autograd.backward(losses)
        trainer.update()
        return StepOutput(labels, outputs, losses)

    def eval_step(self, trainer, batch):
        return StepOutput(*self._run(trainer, trainer.split(batch)))


class DetectionTask(Task):
    """Object detection with multibox detectors (the book's TinySSD, D2L 9.7).

    The net returns ``(anchors (1, A, 4), class_preds (B, A, C + 1), box_preds (B, A*4))``; ``fit`` and
    ``evaluate`` take a detection dataset (``(image, label)`` with ragged labels, e.g. ``detection_digits``,
    ``voc_detection``) and batch it with :class:`DetectionSource`. Metrics: the book's class error and box
    MAE, on the device. Mean average precision needs decoding and NMS:
    :func:`gluonx_detection.evaluation.evaluate_map`. ``gluonx export`` exports the net wrapped in decoding
    and per-class NMS (:meth:`inference_block`), with outputs ``boxes``, ``scores``, ``class_ids``.

    Parameters
    ----------
    iou_threshold : float
        Anchor labelling threshold (the book's 0.5).
    class_loss : {"softmax", "focal"}
        See :class:`MultiBoxLoss`.
    box_weight : float
        Weight of the box loss.
    max_objects : int, optional
        Label rows per image (default: the dataset's ``max_objects``, else its largest count).
    cache : bool
        Keep decoded samples in memory across epochs.
    augment : None, bool, dict or callable
        Box-aware augmentation of the training batches (:func:`build_augmentation`): a dict holds the
        arguments of ``gluonx.data.transforms.detection_augmentation`` (a recipe's ``augmentation`` field,
        which ``gluonx train`` passes here). Applied to training sources only (``shuffle=True``, as
        ``Trainer.fit`` makes them); evaluation (``shuffle=False``) sees the samples as they are.

    References
    ----------
    D2L 9.7.2 (SSD's loss, ``cls_eval``, ``bbox_eval``), 9.6.1 (padded labels); Lin et al. 2017 (focal loss).
    """

    name = "detection"
    #: ``gluonx train`` hands the recipe's ``augmentation`` to this task (``augment=``) instead of wrapping the data.
    augments = True
    monitor = "val_class_error"
    higher_is_better = False
    primary_metric = "class_error"
    #: NMS threshold, lowest score and detections per image of the block ``gluonx export`` writes.
    export_iou_threshold, export_score_threshold, export_topk = 0.5, 0.01, 100

    def __init__(self, iou_threshold=0.5, class_loss="softmax", box_weight=1.0, max_objects=None, cache=True,
                 augment=None):
        self.iou_threshold = float(iou_threshold)
        if not 0 < self.iou_threshold <= 1:
            raise ValueError("iou_threshold must be in (0, 1], got {!r}".format(iou_threshold))
        if class_loss not in ("softmax", "focal"):
            raise ValueError("class_loss must be 'softmax' or 'focal', got {!r}".format(class_loss))
        self.class_loss, self.box_weight = class_loss, float(box_weight)
        if max_objects is not None and (isinstance(max_objects, bool) or int(max_objects) != max_objects
                                        or max_objects < 1):
            raise ValueError("max_objects must be a positive integer, got {!r}".format(max_objects))
        self.max_objects, self.cache = max_objects, bool(cache)
        self.augment = augment
        build_augmentation(augment, image_size=1)  # refuse a bad option now, not at the first batch

    def create_loss(self):
        return MultiBoxLoss(class_loss=self.class_loss, box_weight=self.box_weight)

    def create_metrics(self):
        return [ClassError(), BoxMAE()]

    def create_step(self, loss):
        return MultiBoxStep(iou_threshold=self.iou_threshold)

    def make_source(self, data, batch_size, shuffle=True, last_batch="keep", seed=0, batch_axis=0, num_shards=1,
                    shard=0):
        """A detection dataset (``__getitem__`` + ``__len__`` giving ``(image, label)``) becomes a
        :class:`DetectionSource`; ready batches ``(images (B, 3, H, W), labels (B, M, 5))`` pass as given."""
        if not is_sample_dataset(data, batch_size, batch_axis, "detection"):
            return make_source(data, batch_size, shuffle, last_batch, seed, batch_axis, num_shards, shard)
        transform = None
        if shuffle and self.augment is not None:
            # the preset's output size: the dataset's images (the embedded scenes say it without a read)
            size = getattr(data, "image_size", None) or tuple(np.shape(data[0][0])[:2])
            transform = build_augmentation(self.augment, image_size=size)
        return DetectionSource(data, batch_size, shuffle, last_batch, seed, num_shards, shard,
                               max_objects=self.max_objects, cache=self.cache, augment=transform)

    def final_scalars(self, net, data, ctx=None):
        """The VOC07 mAP at IoU 0.5 of ``net`` on the test ``data`` (:func:`~gluonx_detection.evaluation.
        evaluate_map`): ``gluonx train`` reports it as ``test_voc07_map``."""
        from .evaluation import evaluate_map
        name, value = evaluate_map(net, data, ctx=ctx)
        return {name: float(value)}

    def result_lines(self, scalars, prefix="val_", label="test"):
        lines = super().result_lines(scalars, prefix, label)
        if prefix + "voc07_map" in scalars:
            lines.insert(0, "{} VOC07 mAP@0.5: {:.4f}".format(label, scalars[prefix + "voc07_map"]))
        if prefix + "box_mae" in scalars:
            lines.insert(1, "{} box mae: {:.4g}".format(label, scalars[prefix + "box_mae"]))
        return lines

    def inference_block(self, net):
        """What ``gluonx export`` exports: a multibox net (``(anchors, class_preds, box_preds)``, e.g. TinySSD)
        wrapped in :class:`~gluonx_detection.models.inference.MultiBoxInference` (softmax, decoding, per-class
        NMS, the ``export_topk`` best rows), composed of ``box_nms`` so that it converts to ONNX. A net that is
        already a ``MultiBoxInference``, or whose class defines its own ``inference_block()`` or
        ``export_options()`` (a detector that returns detections already), is kept."""
        from .models.inference import MultiBoxInference
        describes_itself = any(callable(getattr(type(net), hook, None)) for hook in ("inference_block", "export_options"))
        if isinstance(net, MultiBoxInference) or describes_itself:
            return super().inference_block(net)
        return MultiBoxInference(net, iou_threshold=self.export_iou_threshold,
                                 score_threshold=self.export_score_threshold, topk=self.export_topk, portable=True)

    def export_options(self, block):
        """Outputs of a :class:`MultiBoxInference` named ``boxes`` (corners normalized to [0, 1] of the input),
        ``scores`` and ``class_ids``; pictures letterboxed (the aspect ratio of objects is kept, as in
        training on square scenes), so boxes map back to the original picture's pixels."""
        from .models.inference import MultiBoxInference
        if not isinstance(block, MultiBoxInference):
            return super().export_options(block)
        return {"output_names": list(DETECTION_OUTPUTS),
                "postprocessing": {"outputs": {
                    "boxes": {"kind": "boxes", "format": "corner", "normalized": True},
                    "scores": {"kind": "scores"}, "class_ids": {"kind": "class_ids"}}},
                "preprocessing": {"resize": "letterbox"}}

    def input_shapes(self, dataset):
        """``[(1, 3, H, W)]`` from the first image of a detection dataset (a batch holds images of one size)."""
        return image_input_shapes(dataset)

    def decode(self, outputs):
        """``{"detections": per image, rows [class_id, score, xmin, ymin, xmax, ymax] (normalized corners)}``
        from the net's ``(anchors, class_preds, box_preds)``: softmax, decoding, class-aware NMS."""
        import mxnet as mx
        anchors, class_preds, box_preds = outputs[:3]
        probs = mx.nd.softmax(class_preds, axis=-1).transpose((0, 2, 1))
        found = mx.nd.contrib.MultiBoxDetection(probs, box_preds, anchors, clip=True, nms_threshold=0.5,
                                                threshold=0.01).asnumpy()
        return {"detections": [image[image[:, 0] >= 0].round(6).tolist() for image in found]}
