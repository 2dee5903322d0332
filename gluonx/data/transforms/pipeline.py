"""Samples, per-sample random generators, composition, and a dataset wrapper for data-loader workers.

A *sample* is a dict:

- ``"image"``: ``(H, W, C)`` uint8 or float NumPy array or MXNet NDArray;
- ``"boxes"`` (optional): ``(N, 4)`` float corners ``(xmin, ymin, xmax, ymax)`` in pixels, where pixel
  ``(row, col)`` covers ``[col, col + 1) x [row, row + 1)``;
- ``"labels"``, ``"weights"`` (optional): ``(N, ...)`` per-box rows, kept, dropped and reordered together
  with the boxes;
- ``"mask"`` (optional): ``(H, W)`` integer class map (255 marks pixels to ignore).

Any other key is carried through unchanged. A transform is called as ``transform(sample, rng)`` with a
``numpy.random.Generator`` and returns a new dict (the input is not modified). Every random number is drawn
from ``rng`` on the host, then applied to the image, the boxes and the mask together, so a sample's result
is a function of the sample and the generator's seed only (D2L 9.1). :func:`sample_rng` derives that seed
from ``(seed, epoch, index)``, which makes the result independent of the data-loader worker (or of the
number of workers) that computes it.
"""
import numpy as np

from ._backend import is_ndarray, ops_for, to_host

__all__ = ["SampleError", "Transform", "Compose", "sample_rng", "check_sample", "PER_BOX_KEYS", "MASK_IGNORE",
           "AugmentedDataset"]

PER_BOX_KEYS = ("boxes", "labels", "weights")
MASK_IGNORE = 255


class SampleError(ValueError):
    """A sample given to a transform is not a sample dict as :mod:`gluonx.data.transforms` defines it."""


def sample_rng(seed, epoch, index):
    """The random generator of sample ``index`` in ``epoch`` of a run seeded with ``seed``.

    The three integers seed a :class:`numpy.random.SeedSequence`, so every ``(seed, epoch, index)`` gives
    an independent stream, the same in every process.

    Examples
    --------
    >>> float(sample_rng(0, 1, 2).uniform()) == float(sample_rng(0, 1, 2).uniform())
    True
    """
    parts = []
    for name, value in (("seed", seed), ("epoch", epoch), ("index", index)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 0:
            raise SampleError("sample_rng: {} must be a non-negative integer, got {!r}".format(name, value))
        parts.append(int(value))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(parts)))


def check_sample(sample, where):
    """Raise :class:`SampleError` (one line, naming ``where``) unless ``sample`` is a valid sample dict."""
    if not isinstance(sample, dict) or "image" not in sample:
        raise SampleError("{}: expected a sample dict with an 'image' key, got {}".format(
            where, type(sample).__name__ if not isinstance(sample, dict) else "keys {}".format(sorted(sample))))
    image = sample["image"]
    shape = tuple(getattr(image, "shape", ()))
    if len(shape) != 3 or shape[0] < 1 or shape[1] < 1:
        raise SampleError("{}: expected an (H, W, C) image, got shape {}".format(where, shape))
    count = None
    for key in PER_BOX_KEYS:
        if sample.get(key) is None:
            continue
        rows = tuple(getattr(sample[key], "shape", np.shape(sample[key])))
        if key == "boxes" and (len(rows) != 2 or rows[1] != 4):
            raise SampleError("{}: expected boxes of shape (N, 4), got {}".format(where, rows))
        if not rows:
            raise SampleError("{}: expected {} with one row per box, got a scalar".format(where, key))
        if count is not None and rows[0] != count:
            raise SampleError("{}: {} has {} rows but boxes have {}".format(where, key, rows[0], count))
        count = rows[0]
    if sample.get("mask") is not None:
        mask_shape = tuple(getattr(sample["mask"], "shape", np.shape(sample["mask"])))
        if mask_shape != shape[:2]:
            raise SampleError("{}: expected an (H, W) mask of the image's size {}, got {}".format(
                where, shape[:2], mask_shape))


def host_boxes(sample):
    """The sample's boxes as a float64 ``(N, 4)`` NumPy array (``None`` when it has none)."""
    boxes = sample.get("boxes")
    return None if boxes is None else to_host(boxes).astype(np.float64).reshape(-1, 4)


def with_boxes(sample, out, boxes, keep=None):
    """Put ``boxes`` (host float64) into ``out`` in the input's type, and keep rows ``keep`` of every
    per-box entry (all rows when ``keep`` is None)."""
    original = sample.get("boxes")
    if original is None:
        return out
    for key in PER_BOX_KEYS[1:]:
        rows = sample.get(key)
        if rows is not None and keep is not None:
            out[key] = _take_rows(rows, keep)
    dtype = np.dtype(original.dtype) if hasattr(original, "dtype") else np.dtype(np.float32)
    if not np.issubdtype(dtype, np.floating):
        dtype = np.dtype(np.float32)
    out["boxes"] = _like(original, boxes.astype(dtype).reshape(-1, 4))
    return out


def _take_rows(rows, keep):
    keep = np.flatnonzero(keep) if np.asarray(keep).dtype == bool else np.asarray(keep, dtype=np.int64)
    if is_ndarray(rows):
        if len(keep) == 0:
            return ops_for(rows).full((0,) + tuple(rows.shape[1:]), 0, rows.dtype)
        return ops_for(rows).take(rows, keep, axis=0)
    return np.asarray(rows)[keep]


def _like(original, host_array):
    """``host_array`` as an NDArray on ``original``'s context when ``original`` is one."""
    if is_ndarray(original):
        return ops_for(original).constant(host_array, dtype=host_array.dtype)
    return host_array


class Transform:
    """Base of the joint transforms: ``transform(sample, rng) -> new sample``.

    Subclasses implement :meth:`apply`; ``__call__`` checks the sample and copies the dict first.
    """

    def __call__(self, sample, rng):
        check_sample(sample, type(self).__name__)
        if not isinstance(rng, np.random.Generator):
            raise SampleError("{}: expected a numpy.random.Generator as rng (see sample_rng), got {}".format(
                type(self).__name__, type(rng).__name__))
        return self.apply(dict(sample), rng)

    def apply(self, sample, rng):
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join("{}={!r}".format(k, v) for k, v in vars(self).items() if not k.startswith("_"))
        return "{}({})".format(type(self).__name__, args)


class Compose(Transform):
    """Apply ``transforms`` in order, each drawing from the same generator.

    Parameters
    ----------
    transforms : sequence of callables
        Each ``t(sample, rng) -> sample``.

    Examples
    --------
    >>> import numpy as np
    >>> from gluonx.data.transforms import Compose, RandomHorizontalFlip, Resize, sample_rng
    >>> augment = Compose([RandomHorizontalFlip(p=1.0), Resize((4, 6))])
    >>> out = augment({"image": np.zeros((8, 12, 3), np.uint8), "boxes": np.array([[0., 0., 3., 2.]])},
    ...               sample_rng(0, 0, 0))
    >>> out["image"].shape, out["boxes"].tolist()
    ((4, 6, 3), [[4.5, 0.0, 6.0, 1.0]])
    """

    def __init__(self, transforms):
        self.transforms = list(transforms)
        for t in self.transforms:
            if not callable(t):
                raise SampleError("Compose: expected callables t(sample, rng), got {!r}".format(t))

    def apply(self, sample, rng):
        for t in self.transforms:
            sample = t(sample, rng)
        return sample


class AugmentedDataset:
    """A dataset whose item ``i`` is ``transform(dataset[i], sample_rng(seed, epoch, i))``.

    Usable with ``gluon.data.DataLoader`` with any ``num_workers``: the result of an item depends only on
    ``(seed, epoch, i)``, never on the worker. Set the epoch with :meth:`set_epoch` before building the
    loader (MXNet's worker processes keep the dataset they started with), or index with ``(epoch, i)``
    pairs, which the loader passes through unchanged from a sampler.

    Parameters
    ----------
    dataset : indexable
        The base dataset.
    transform : callable
        ``transform(sample, rng) -> sample``.
    seed : int
        Seed of the run.
    to_sample, from_sample : callable, optional
        Convert a base item to a sample dict and the augmented sample back (default: items are sample
        dicts already; see :func:`~gluonx.data.transforms.detection_to_sample`).
    """

    def __init__(self, dataset, transform, seed=0, to_sample=None, from_sample=None):
        self.dataset, self.transform, self.seed, self.epoch = dataset, transform, int(seed), 0
        self.to_sample, self.from_sample = to_sample, from_sample

    def set_epoch(self, epoch):
        self.epoch = int(epoch)

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, key):
        epoch, index = key if isinstance(key, tuple) else (self.epoch, key)
        item = self.dataset[index]
        sample = self.to_sample(*item) if self.to_sample is not None else item
        out = self.transform(sample, sample_rng(self.seed, epoch, int(index) % len(self.dataset)))
        return self.from_sample(out) if self.from_sample is not None else out
