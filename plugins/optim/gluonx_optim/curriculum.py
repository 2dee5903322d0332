"""Curriculum learning: a Gluon sampler that starts with the easiest examples and admits harder ones as
training goes on.

Each sample has a difficulty score (lower is easier: a pretrained model's loss, a sequence length, a noise
level...). At epoch ``e`` the sampler draws from the easiest ``fraction(e)`` of the data, where
``fraction`` is a pacing function from :data:`PACING` that grows from ``start_fraction`` to 1 at
``full_epoch``; with ``mix`` > 0 part of every epoch is drawn from the whole data set, the "stochastic
curriculum" that keeps hard examples in sight. Call :meth:`CurriculumSampler.set_epoch` before each epoch.

Examples
--------
>>> lengths = [12, 3, 40, 7, 25, 9, 31, 5]          # e.g. sentence lengths: short is easy
>>> sampler = CurriculumSampler(lengths, pacing="linear", start_fraction=0.25, full_epoch=4, seed=0)
>>> sorted(sampler)                                  # epoch 0: the two shortest
[1, 7]
>>> loader = gluon.data.DataLoader(dataset, batch_size=32, sampler=sampler)   # doctest: +SKIP
>>> for epoch in range(10):                                                   # doctest: +SKIP
...     sampler.set_epoch(epoch)
...     for x, y in loader: ...

References
----------
DL 8.7.6 (continuation methods and curriculum learning).
"""
import math

import numpy as np
from mxnet import autograd, gluon

__all__ = ["PACING", "CurriculumSampler", "loss_difficulty"]

#: Pacing functions: fraction of the data (from ``start`` to 1) after a share ``progress`` in [0, 1] of the
#: curriculum.
PACING = {
    "linear": lambda start, progress: start + (1.0 - start) * progress,
    "root": lambda start, progress: start + (1.0 - start) * math.sqrt(progress),
    "geometric": lambda start, progress: start ** (1.0 - progress),
    "step": lambda start, progress: start if progress < 1.0 else 1.0,
}


class CurriculumSampler(gluon.data.Sampler):
    """Indices of the easiest examples first, growing with the epoch.

    Parameters
    ----------
    difficulty : sequence of float
        One score per sample; lower is easier. Ties keep their order.
    pacing : str
        A key of :data:`PACING`.
    start_fraction : float
        Share of the data used at epoch 0, in (0, 1].
    full_epoch : int
        Epoch from which all data are used (>= 1).
    mix : float
        Share of each epoch drawn uniformly from the whole data set, in [0, 1).
    shuffle : bool
        Shuffle the admitted indices (otherwise easiest first).
    seed : int, optional
        Seed of the sampler's own random generator (epochs are reproducible).
    """

    def __init__(self, difficulty, pacing="linear", start_fraction=0.2, full_epoch=5, mix=0.0, shuffle=True,
                 seed=None):
        scores = np.asarray(difficulty, dtype=np.float64)
        if scores.ndim != 1 or scores.size == 0:
            raise ValueError("CurriculumSampler: difficulty must be a non-empty 1-D sequence, got shape {}".format(
                scores.shape))
        if not np.all(np.isfinite(scores)):
            raise ValueError("CurriculumSampler: difficulty contains NaN or infinity")
        if pacing not in PACING:
            raise ValueError("CurriculumSampler: pacing must be one of {}, got {!r}".format(sorted(PACING), pacing))
        if not 0.0 < start_fraction <= 1.0:
            raise ValueError("CurriculumSampler: start_fraction must be in (0, 1], got {!r}".format(start_fraction))
        if int(full_epoch) != full_epoch or full_epoch < 1:
            raise ValueError("CurriculumSampler: full_epoch must be an integer >= 1, got {!r}".format(full_epoch))
        if not 0.0 <= mix < 1.0:
            raise ValueError("CurriculumSampler: mix must be in [0, 1), got {!r}".format(mix))
        self.order = np.argsort(scores, kind="stable")
        self.pacing, self.start_fraction, self.full_epoch = pacing, float(start_fraction), int(full_epoch)
        self.mix, self.shuffle, self.seed = float(mix), bool(shuffle), seed
        self.epoch = 0

    def set_epoch(self, epoch):
        """Select the epoch whose share of the data the next iteration draws from."""
        if int(epoch) != epoch or epoch < 0:
            raise ValueError("CurriculumSampler.set_epoch: epoch must be an integer >= 0, got {!r}".format(epoch))
        self.epoch = int(epoch)

    def fraction(self, epoch=None):
        """Share of the data admitted at ``epoch`` (default: the current one)."""
        epoch = self.epoch if epoch is None else epoch
        progress = min(1.0, epoch / self.full_epoch)
        return min(1.0, PACING[self.pacing](self.start_fraction, progress))

    def admitted(self, epoch=None):
        """Indices of the examples admitted at ``epoch``, easiest first."""
        count = max(1, int(math.ceil(self.fraction(epoch) * self.order.size - 1e-9)))
        return self.order[:count]

    def __len__(self):
        return int(self.admitted().size)

    def __iter__(self):
        rng = np.random.RandomState(None if self.seed is None else (self.seed + self.epoch) % (2 ** 32))
        indices = self.admitted()
        if self.shuffle:
            indices = rng.permutation(indices)
        random_count = int(round(self.mix * indices.size))
        if random_count:
            # Stochastic curriculum: swap part of the epoch for uniform draws from all the data.
            keep = indices[:indices.size - random_count]
            indices = np.concatenate([keep, rng.choice(self.order.size, random_count, replace=False)])
            if self.shuffle:
                indices = rng.permutation(indices)
        return iter(int(i) for i in indices)


def loss_difficulty(net, loss_fn, dataset, batch_size=256, ctx=None):
    """Per-sample losses of ``net`` on ``dataset`` (pairs ``(x, y)``) as difficulty scores (float64 array).

    Use a model trained briefly, or a teacher: examples it already fits are the easy ones.
    """
    import mxnet as mx
    loader = gluon.data.DataLoader(dataset, batch_size=batch_size, shuffle=False)
    ctx = ctx or mx.cpu()
    scores = []
    with autograd.predict_mode():
        for x, y in loader:
            loss = loss_fn(net(x.as_in_context(ctx)), y.as_in_context(ctx))
            scores.append(loss.asnumpy().reshape(x.shape[0], -1).mean(axis=1))
    return np.concatenate(scores).astype(np.float64)
