"""Pictures of scenes with their true and predicted masks in the VOC colours, saved atomically."""
import numpy as np

from gluonx.utils.figures import save_figure

from .data.palette import colorize

__all__ = ["predict_masks", "save_predictions", "save_augmented"]


def predict_masks(net, images, batch_size=16):
    """``(N, H, W)`` argmax class ids of ``net`` on ``(N, H, W, 3)`` uint8 images (scaled to [0, 1] as the
    trainer does)."""
    import mxnet as mx
    images = np.asarray(images)
    masks = []
    for start in range(0, len(images), batch_size):
        batch = mx.nd.array(images[start:start + batch_size].transpose(0, 3, 1, 2), dtype="float32") / 255.0
        masks.append(net(batch).argmax(axis=1).asnumpy().astype(np.uint8))
    return np.concatenate(masks)


def save_predictions(dataset, path, net=None, indices=range(8), alpha=0.6):
    """Save a grid to ``path`` (PNG): per sample the image, its true mask over it and, with ``net``, the
    predicted mask over it."""
    indices = list(indices)
    if not indices:
        raise ValueError("save_predictions needs at least one index")
    samples = [dataset[i] for i in indices]
    rows = [("image", [image for image, _ in samples]),
            ("truth", [colorize(mask, image, alpha) for image, mask in samples])]
    if net is not None:
        predicted = predict_masks(net, np.stack([image for image, _ in samples]))
        rows.append(("predicted", [colorize(mask, image, alpha) for mask, (image, _) in zip(predicted, samples)]))
    return _save_rows(rows, path)


def save_augmented(dataset, path, augment=True, seed=0, indices=range(6), epochs=3, alpha=0.6):
    """Save a grid to ``path`` (PNG): per sample its image with the mask over it, then ``epochs`` augmented
    versions (epochs 0, 1, ...: the draws of ``sample_rng(seed, epoch, index)``), mask over image."""
    from gluonx.data.transforms import sample_rng

    from .augment import augment_pair, build_augmentation
    indices = list(indices)
    if not indices:
        raise ValueError("save_augmented needs at least one index")
    samples = [dataset[i] for i in indices]
    transform = build_augmentation(augment, np.shape(samples[0][0])[:2])
    rows = [("original", [colorize(mask, image, alpha) for image, mask in samples])]
    for epoch in range(epochs):
        pairs = [augment_pair(transform, image, mask, sample_rng(seed, epoch, i))
                 for i, (image, mask) in zip(indices, samples)]
        rows.append(("epoch {}".format(epoch), [colorize(mask, image, alpha) for image, mask in pairs]))
    return _save_rows(rows, path)


def _save_rows(rows, path):
    """One titled row of pictures per ``(title, pictures)`` in ``rows``, written to ``path``."""
    import matplotlib.pyplot as plt
    columns = max(len(pictures) for _, pictures in rows)
    figure, axes = plt.subplots(len(rows), columns, figsize=(1.5 * columns, 1.6 * len(rows)), squeeze=False)
    for row, (title, pictures) in enumerate(rows):
        for column, picture in enumerate(pictures):
            axes[row, column].imshow(picture, interpolation="nearest")
            axes[row, column].set_axis_off()
        axes[row, 0].set_title(title, fontsize=8, loc="left")
    figure.tight_layout()
    return save_figure(figure, path, dpi=110)
