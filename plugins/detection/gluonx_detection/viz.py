"""Pictures of images with their boxes (D2L 9.3 draws boxes the same way), saved atomically."""
import numpy as np

from gluonx.utils.figures import save_figure

__all__ = ["draw_boxes", "save_samples"]

_COLOURS = ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#999999")


def draw_boxes(axes, image, label, classes=None, scores=None):
    """Show ``image (H, W, 3)`` on ``axes`` with the boxes of ``label (N, >=5)`` rows
    ``(class, xmin, ymin, xmax, ymax, ...)`` in pixels, each labelled with its class (and score)."""
    import matplotlib.patches as patches
    axes.imshow(image)
    for i, row in enumerate(np.asarray(label).reshape(-1, np.asarray(label).shape[-1] if len(label) else 6)):
        class_index = int(row[0])
        if class_index < 0:
            continue
        colour = _COLOURS[class_index % len(_COLOURS)]
        xmin, ymin, xmax, ymax = (float(v) for v in row[1:5])
        axes.add_patch(patches.Rectangle((xmin, ymin), xmax - xmin, ymax - ymin, fill=False, edgecolor=colour,
                                         linewidth=1.5))
        text = classes[class_index] if classes else str(class_index)
        if scores is not None:
            text += " {:.2f}".format(float(scores[i]))
        axes.text(xmin, ymin, text, color="white", fontsize=7, va="bottom",
                  bbox=dict(facecolor=colour, edgecolor="none", pad=1))
    axes.set_axis_off()


def save_samples(dataset, path, indices=range(8), columns=4, classes=None):
    """Save a grid of ``dataset[i]`` images with their boxes to ``path`` (PNG, written atomically)."""
    import matplotlib.pyplot as plt
    indices = list(indices)
    if not indices:
        raise ValueError("save_samples needs at least one index")
    rows = (len(indices) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(2.2 * columns, 2.2 * rows), squeeze=False)
    classes = classes or getattr(dataset, "classes", None)
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, index in zip(axes.flat, indices):
        image, label = dataset[index]
        draw_boxes(ax, image, label, classes)
    figure.tight_layout()
    return save_figure(figure, path, dpi=110)
