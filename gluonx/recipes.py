"""Recipes at training time: the settings record, the thread choice and the recipe's augmentation.

Imports neither MXNet nor NumPy at module level: ``gluonx train`` chooses the OpenMP thread count here
before MXNet is imported.
"""
import dataclasses
import os
from typing import Any, Dict, Optional

__all__ = ["Recipe", "available_cores", "choose_threads", "RandomShift", "apply_augmentation"]


@dataclasses.dataclass(frozen=True)
class Recipe:
    """The settings of a recipe, as :func:`gluonx.get_recipe` returns them (``None``: not set by it).

    See :class:`gluonx.RecipeInfo` for the meaning of each field.
    """

    name: str
    model: str = ""
    dataset: str = ""
    optimizer: Optional[str] = None
    lr: Optional[float] = None
    wd: Optional[float] = None
    optimizer_params: Dict[str, Any] = dataclasses.field(default_factory=dict)
    lr_schedule: Optional[str] = None
    epochs: Optional[int] = None
    batch_size: Optional[int] = None
    clip_global_norm: Optional[float] = None
    model_args: Dict[str, Any] = dataclasses.field(default_factory=dict)
    augmentation: Dict[str, Any] = dataclasses.field(default_factory=dict)
    seq_len: Optional[int] = None
    threads: Optional[int] = None


def available_cores():
    """Cores this process may run on (its CPU affinity where the OS reports it, else ``os.cpu_count()``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def choose_threads(requested="auto", recipe_threads=None, cores=None):
    """MXNet's OpenMP thread count for a run, and why.

    Parameters
    ----------
    requested : "auto" or int
        ``--threads``: a number is taken as given; ``"auto"`` uses what the recipe says suits the model,
        else MXNet's own default (half the cores, at least one), never more than the cores available.
    recipe_threads : int, optional
        The recipe's ``threads``.
    cores : int, optional
        Cores available (default :func:`available_cores`).

    Returns
    -------
    (int, str)
        The thread count and a short reason that ``gluonx train`` prints.
    """
    if requested != "auto":
        return int(requested), "--threads"
    cores = available_cores() if cores is None else int(cores)
    if recipe_threads:
        count = min(int(recipe_threads), cores)
        reason = "auto: the recipe's {} for this model, {} core(s) available".format(recipe_threads, cores)
    else:
        count = max(1, cores // 2)
        reason = "auto: half of the {} core(s) available (no recipe)".format(cores)
    return count, reason


class RandomShift:
    """Training images shifted by up to ``max_shift`` pixels in each direction, the border filled with the
    image's minimum (translation augmentation, D2L 9.1).

    One random offset per batch, drawn from a generator seeded by ``seed`` and the batch's first index, so
    that a resumed run sees the same batches. Wraps a dataset with ``take(indices)``; samples read one by one
    (``__getitem__``) are not shifted, as for evaluation.

    Parameters
    ----------
    dataset : ArrayDataset-like
        Images ``(N, C, H, W)`` returned by ``take``.
    max_shift : int
        Largest shift, in pixels.
    seed : int
        Seed of the offsets.
    """

    def __init__(self, dataset, max_shift, seed=0):
        if not hasattr(dataset, "take"):
            raise ValueError("augmentation random_shift needs a dataset that batches with take(indices), "
                             "got {}".format(type(dataset).__name__))
        if isinstance(max_shift, bool) or not isinstance(max_shift, int) or max_shift < 1:
            raise ValueError("augmentation random_shift: expected an integer >= 1 (pixels), got {!r}"
                             .format(max_shift))
        self.dataset = dataset
        self.max_shift = max_shift
        self.seed = int(seed)

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, index):
        return self.dataset[index]

    def __getattr__(self, name):
        if name == "dataset":
            raise AttributeError(name)
        return getattr(self.dataset, name)

    def take(self, indices):
        import numpy as np
        data, label = self.dataset.take(indices)
        first = int(np.asarray(indices).ravel()[0]) if len(indices) else 0
        rng = np.random.RandomState((self.seed * 1000003 + first) % (2 ** 32))
        dy, dx = (int(v) for v in rng.randint(-self.max_shift, self.max_shift + 1, size=2))
        return shift_images(data, dy, dx), label


def shift_images(images, dy, dx):
    """``images`` (N, C, H, W) moved ``dy`` pixels down and ``dx`` right, vacated pixels set to each
    image's minimum."""
    import numpy as np
    images = np.asarray(images)
    height, width = images.shape[-2:]
    fill = images.min(axis=(-2, -1), keepdims=True)
    out = np.broadcast_to(fill, images.shape).copy()
    src_y, dst_y = (slice(0, height - dy), slice(dy, height)) if dy >= 0 else (slice(-dy, height), slice(0, height + dy))
    src_x, dst_x = (slice(0, width - dx), slice(dx, width)) if dx >= 0 else (slice(-dx, width), slice(0, width + dx))
    out[..., dst_y, dst_x] = images[..., src_y, src_x]
    return out


#: Augmentations a recipe can name: key -> wrapper(dataset, value, seed).
AUGMENTATIONS = {"random_shift": RandomShift}


def apply_augmentation(dataset, augmentation, seed=0):
    """Wrap the training ``dataset`` in the recipe's augmentations (``{"random_shift": 2}``)."""
    for key, value in (augmentation or {}).items():
        if key not in AUGMENTATIONS:
            raise ValueError("unknown augmentation {!r}; known: {}".format(key, ", ".join(sorted(AUGMENTATIONS))))
        dataset = AUGMENTATIONS[key](dataset, value, seed)
    return dataset
