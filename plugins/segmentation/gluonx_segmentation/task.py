"""The ``segmentation`` task: training per-pixel classifiers (the book's FCN, D2L 9.10) through ``gluonx.Trainer``.

Datasets yield ``(image (H, W, 3) uint8, mask (H, W) integer class ids)`` with 255 marking pixels that are
not scored. :class:`SegmentationSource` batches them: images channels-first and still uint8 (the trainer
turns them into float32 in [0, 1] on the device), masks ``(B, H, W)`` uint8. Images of different sizes
(Pascal VOC) are cut to one ``crop_size`` (random crops in training, the centre otherwise; the book's
``voc_rand_crop``); smaller ones are padded with black pixels labelled 255.
"""
import numpy as np
from mxnet import gluon

from gluonx.tasks import Task
from gluonx.train.sources import DatasetSource, image_input_shapes, is_sample_dataset, make_source

from .augment import augment_pair, build_augmentation
from .metrics import IGNORE_LABEL, MeanIoU, PixelAccuracy

__all__ = ["SegmentationTask", "SegmentationSource", "PixelSoftmaxCELoss", "collate_segmentation", "crop_pair"]


def crop_pair(image, mask, size, rng=None):
    """Cut ``(image (H, W, 3), mask (H, W))`` to ``size = (height, width)``: at a random offset drawn from
    ``rng`` (a ``numpy.random.RandomState``) or, without one, the centre; pads with 0 / 255 where the image is
    smaller (D2L 9.9.2 crops instead of resizing, so the mask's labels stay exact)."""
    height, width = size
    pad_h, pad_w = max(0, height - image.shape[0]), max(0, width - image.shape[1])
    if pad_h or pad_w:
        image = np.pad(image, ((0, pad_h), (0, pad_w), (0, 0)))
        mask = np.pad(mask, ((0, pad_h), (0, pad_w)), constant_values=IGNORE_LABEL)
    spare_h, spare_w = image.shape[0] - height, image.shape[1] - width
    if rng is None:
        top, left = spare_h // 2, spare_w // 2
    else:
        top, left = rng.randint(0, spare_h + 1), rng.randint(0, spare_w + 1)
    return image[top:top + height, left:left + width], mask[top:top + height, left:left + width]


def collate_segmentation(samples):
    """Stack ``(image (H, W, 3), mask (H, W))`` samples of one size into ``(images (B, 3, H, W), masks (B, H, W)
    uint8)``; images keep their dtype."""
    sizes = {np.shape(image)[:2] for image, _ in samples}
    if len(sizes) != 1:
        raise ValueError("a segmentation batch needs images of one size, got sizes {}: give the task a crop_size"
                         .format(sorted(sizes)))
    for image, mask in samples:
        if np.shape(mask) != np.shape(image)[:2]:
            raise ValueError("a mask of shape {} does not match its {}x{} image".format(
                np.shape(mask), *np.shape(image)[:2]))
    images = np.stack([np.asarray(image) for image, _ in samples]).transpose(0, 3, 1, 2)
    masks = np.stack([np.asarray(mask) for _, mask in samples]).astype(np.uint8)
    return np.ascontiguousarray(images), masks


class SegmentationSource(DatasetSource):
    """Batches of a segmentation dataset in the trainer's resumable order.

    Parameters
    ----------
    crop_size : (int, int), optional
        Cut every sample to this ``(height, width)``: a random crop when ``shuffle`` (seeded by
        ``(seed, epoch, index)``, so a resumed run sees the same crops), the centre otherwise.
    cache : bool
        Keep decoded samples in memory after their first read (augmentation applies after the cache, anew
        every epoch).
    augment : callable, optional
        A joint transform ``transform(sample, rng)`` (:mod:`gluonx_segmentation.augment`) applied to each
        (cropped) image and its mask with ``rng = sample_rng(seed, epoch, index)``; it must keep the size.
    """

    def __init__(self, dataset, batch_size, shuffle, last_batch, seed, num_shards=1, shard=0, crop_size=None,
                 cache=True, augment=None):
        super().__init__(dataset, batch_size, shuffle, last_batch, seed, num_shards, shard)
        self.crop_size, self.shuffle, self.seed = crop_size, bool(shuffle), int(seed)
        self.augment = augment
        self._cache = {} if cache else None
        self._epoch = 0

    def _sample(self, index):
        if self._cache is None:
            return self.dataset[index]
        sample = self._cache.get(index)
        if sample is None:
            sample = self._cache[index] = self.dataset[index]
        return sample

    def _take(self, indices):
        samples = []
        for index in indices:
            image, mask = self._sample(int(index))
            if self.crop_size is not None:
                rng = np.random.RandomState([self.seed, self._epoch, int(index)]) if self.shuffle else None
                image, mask = crop_pair(np.asarray(image), np.asarray(mask), self.crop_size, rng)
            if self.augment is not None:
                from gluonx.data.transforms import sample_rng
                image, mask = augment_pair(self.augment, image, mask, sample_rng(self.seed, self._epoch, int(index)))
            samples.append((image, mask))
        return collate_segmentation(samples)

    def batches(self, epoch, start=0):
        self._epoch = int(epoch)
        return super().batches(epoch, start)


class PixelSoftmaxCELoss(gluon.HybridBlock):
    """Softmax cross-entropy of every labelled pixel, averaged per image over its labelled pixels (D2L 9.10.3).

    ``forward(scores (B, C, H, W), labels (B, H, W)) -> (B,)``. Pixels labelled ``ignore_label`` (or a
    negative value) contribute nothing; an image without a labelled pixel has loss 0. Labels must otherwise
    be in ``[0, C)`` (the loaders check masks). The book averages over all pixels
    (``SoftmaxCrossEntropyLoss(axis=1)``); with no ignored pixel both agree.
    """

    def __init__(self, ignore_label=IGNORE_LABEL, **kwargs):
        super().__init__(**kwargs)
        self._ignore = int(ignore_label)

    def hybrid_forward(self, F, scores, labels):
        labels = F.cast(labels, "float32")
        log_probs = F.log_softmax(scores, axis=1)
        valid = (labels != self._ignore) * (labels >= 0)
        picked = F.pick(log_probs, labels, axis=1, mode="clip") * valid
        pixels = F.maximum(F.sum(valid, axis=(1, 2)), 1)
        return -F.sum(picked, axis=(1, 2)) / pixels


class SegmentationTask(Task):
    """Semantic segmentation (D2L 9.9-9.10): the net returns per-pixel class scores ``(B, C, H, W)`` of the
    input's height and width; labels are ``(B, H, W)`` class ids with 255 for pixels not scored.

    Loss: :class:`PixelSoftmaxCELoss`. Metrics, accumulated on the device: pixel accuracy and mean IoU
    (:mod:`gluonx_segmentation.metrics`); ``gluonx train`` reports the mean IoU.

    Parameters
    ----------
    crop_size : int or (int, int), optional
        Cut samples of a dataset to this size (needed when its images differ in size, as Pascal VOC's; the
        book trains on random 320x480 crops).
    absent : {"skip", "zero"}
        How classes that occur nowhere count in the mean IoU (``"zero"``: as gluoncv).
    cache : bool
        Keep decoded samples in memory across epochs.
    augment : bool or dict or callable, optional
        Joint image/mask augmentation of the training samples (:func:`~gluonx_segmentation.augment.
        build_augmentation`): True for :func:`~gluonx_segmentation.augment.segmentation_augmentation`'s
        defaults, a dict of its arguments (a recipe's ``augmentation`` field), or a transform.

    References
    ----------
    D2L 9.9 (Pascal VOC, random crops), 9.10 (FCN, per-pixel cross-entropy, pixel accuracy).
    """

    name = "segmentation"
    monitor = "val_miou"
    higher_is_better = True
    primary_metric = "miou"
    #: ``gluonx train`` hands a recipe's ``augmentation`` to the task (``augment=``) instead of wrapping the dataset
    augments = True

    def __init__(self, crop_size=None, absent="skip", cache=True, augment=None):
        if crop_size is not None:
            crop_size = (crop_size, crop_size) if np.ndim(crop_size) == 0 else tuple(crop_size)
            if len(crop_size) != 2 or any(isinstance(s, bool) or int(s) != s or s < 1 for s in crop_size):
                raise ValueError("crop_size must be a positive integer or (height, width), got {!r}"
                                 .format(crop_size))
            crop_size = tuple(int(s) for s in crop_size)
        if absent not in ("skip", "zero"):
            raise ValueError("absent must be 'skip' or 'zero', got {!r}".format(absent))
        self.crop_size, self.absent, self.cache = crop_size, absent, bool(cache)
        build_augmentation(augment, self.crop_size or (1, 1))  # bad arguments fail here, not at the first batch
        self.augment = augment

    def create_loss(self):
        return PixelSoftmaxCELoss()

    def create_metrics(self):
        return [MeanIoU(absent=self.absent), PixelAccuracy()]

    def make_source(self, data, batch_size, shuffle=True, last_batch="keep", seed=0, batch_axis=0, num_shards=1,
                    shard=0):
        """A segmentation dataset (``(image, mask)`` samples) becomes a :class:`SegmentationSource`; ready
        batches ``(images (B, 3, H, W), masks (B, H, W))`` pass as given."""
        if not is_sample_dataset(data, batch_size, batch_axis, "segmentation"):
            return make_source(data, batch_size, shuffle, last_batch, seed, batch_axis, num_shards, shard)
        transform = None
        if shuffle and self.augment:
            size = self.crop_size or getattr(data, "image_size", None) or tuple(np.shape(data[0][0])[:2])
            transform = build_augmentation(self.augment, size if np.ndim(size) else (size, size))
        return SegmentationSource(data, batch_size, shuffle, last_batch, seed, num_shards, shard,
                                  crop_size=self.crop_size, cache=self.cache, augment=transform)

    def result_lines(self, scalars, prefix="val_", label="test"):
        lines = super().result_lines(scalars, prefix, label)
        if prefix + "pixel_accuracy" in scalars:
            lines.insert(1, "{} pixel accuracy: {:.4f}".format(label, scalars[prefix + "pixel_accuracy"]))
        return lines

    def export_options(self, block):
        """What ``gluonx export`` records for a segmenter (unless the block describes itself): one output
        ``scores`` of postprocessing kind ``mask``, and pictures letterboxed to the exported input size. So
        ``gluonx predict EXPORT picture.png`` maps the scores back onto the picture (the padding cut off, the
        rest resized bilinearly to the picture's size), takes the argmax per pixel and, with ``--save-png``,
        writes the class-id mask and a colour overlay (:mod:`gluonx.deploy.postprocessing`)."""
        own = super().export_options(block)
        if own:
            return own
        return {"output_names": ["scores"], "postprocessing": {"outputs": {"scores": {"kind": "mask"}}},
                "preprocessing": {"resize": "letterbox"}}

    def input_shapes(self, dataset):
        """``[(1, 3, H, W)]``: the ``crop_size`` when set, else the size of the dataset's first image (so
        ``gluonx export RUN`` exports, and letterboxes pictures to, the size the net was trained on)."""
        if self.crop_size is not None:
            return [(1, 3) + tuple(self.crop_size)]
        return image_input_shapes(dataset)

    def decode(self, outputs):
        """``{"masks": per image, the (H, W) argmax class ids}`` of the net's ``(B, C, H, W)`` scores."""
        scores = outputs[0] if isinstance(outputs, (tuple, list)) else outputs
        scores = scores.asnumpy() if hasattr(scores, "asnumpy") else np.asarray(scores)
        return {"masks": scores.argmax(axis=1).tolist()}
