"""Learning-rate range test ("LR finder"): train briefly while the learning rate grows geometrically, record
the loss, stop when it diverges, and restore the parameters.

The learning rate is the most important hyper-parameter to tune (DL 11.4.1): too small wastes time, too
large diverges. The test shows both ends in one short run; a good rate lies where the loss falls fastest,
about ten times below the point of divergence.

The loss of each step is read on the host (one synchronisation per step): divergence has to be seen to
stop.

Examples
--------
>>> result = find_learning_rate(net, gluon.loss.L2Loss(), loader, "gluonx_sgd")   # doctest: +SKIP
>>> result.suggestion, result.diverged_at                                        # doctest: +SKIP
>>> result.plot("lr_finder.png")                                                 # doctest: +SKIP

References
----------
DL 11.4.1 (manual hyper-parameter tuning: the learning rate), D2L 7.2.2 (learning rate).
"""
import dataclasses
import itertools
import math
from typing import List, Optional

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon

import gluonx  # noqa: F401  (installs the bridge: optimizers are given by their mx.optimizer names)
from gluonx.utils.figures import save_figure

__all__ = ["LRFinderResult", "find_learning_rate"]


@dataclasses.dataclass
class LRFinderResult:
    """The range test's record.

    Attributes
    ----------
    lrs, losses, smoothed : list of float
        Learning rate, raw loss and exponentially smoothed (bias-corrected) loss of each step.
    suggestion : float
        Rate of the steepest descent of the smoothed loss against ``log(lr)``.
    min_loss_lr : float
        Rate of the lowest smoothed loss.
    diverged_at : float or None
        Rate at which the smoothed loss exceeded ``diverge_factor`` times its minimum (None: never).
    """

    lrs: List[float]
    losses: List[float]
    smoothed: List[float]
    suggestion: float
    min_loss_lr: float
    diverged_at: Optional[float]

    def plot(self, path=None, ax=None):
        """Plot the smoothed loss against the learning rate (log scale); save a PNG when ``path`` is given."""
        import matplotlib
        if ax is None and path is not None:
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
        figure = None
        if ax is None:
            figure, ax = plt.subplots(figsize=(5, 3.4), dpi=100)
        ax.plot(self.lrs, self.losses, color="0.8", lw=1, label="loss")
        ax.plot(self.lrs, self.smoothed, color="C0", lw=2, label="smoothed loss")
        ax.axvline(self.suggestion, color="C2", ls="--", label="suggestion {:.2g}".format(self.suggestion))
        if self.diverged_at is not None:
            ax.axvline(self.diverged_at, color="C3", ls=":", label="diverged {:.2g}".format(self.diverged_at))
        ax.set_xscale("log")
        finite = [v for v in self.smoothed if math.isfinite(v)]
        if finite:
            ax.set_ylim(min(finite) * 0.9, min(max(finite), 4 * min(finite)) * 1.1)
        ax.set_xlabel("learning rate")
        ax.set_ylabel("training loss")
        ax.legend(fontsize=8)
        if figure is not None:
            figure.tight_layout()
            if path is not None:
                save_figure(figure, path)
        return ax


def _batches(data):
    while True:
        produced = False
        for batch in data:
            produced = True
            yield batch
        if not produced:
            raise ValueError("find_learning_rate: the data yielded no batch")


def find_learning_rate(net, loss_fn, data, optimizer="gluonx_sgd", optimizer_params=None, start_lr=1e-6,
                       end_lr=10.0, num_steps=100, smoothing=0.05, diverge_factor=4.0, ctx=None):
    """Run the learning-rate range test on ``net`` and restore its parameters afterwards.

    Parameters
    ----------
    net : gluon.Block
        Initialized network.
    loss_fn : callable
        ``loss_fn(net(x), y)`` gives per-sample losses.
    data : iterable of (x, y)
        Batches (a ``gluon.data.DataLoader``); cycled if shorter than ``num_steps``.
    optimizer : str or mx.optimizer.Optimizer
        Optimizer name for ``gluon.Trainer`` (its learning rate is overridden at each step).
    optimizer_params : dict, optional
        Other optimizer arguments (momentum, ...).
    start_lr, end_lr : float
        Range of the geometric sweep (``0 < start_lr < end_lr``).
    num_steps : int
        Steps of the sweep (>= 2).
    smoothing : float
        Weight of the newest loss in the exponential smoothing, in (0, 1].
    diverge_factor : float
        Stop when the smoothed loss exceeds this multiple of its minimum.
    ctx : Context, optional
        Where batches go (default: the context of the first parameter).

    Returns
    -------
    LRFinderResult
    """
    if not 0 < start_lr < end_lr:
        raise ValueError("find_learning_rate: expected 0 < start_lr < end_lr, got {} and {}".format(start_lr, end_lr))
    if int(num_steps) != num_steps or num_steps < 2:
        raise ValueError("find_learning_rate: num_steps must be an integer >= 2, got {!r}".format(num_steps))
    if not 0 < smoothing <= 1:
        raise ValueError("find_learning_rate: smoothing must be in (0, 1], got {!r}".format(smoothing))
    params = net.collect_params()
    trainable = {name: p for name, p in params.items() if p.grad_req != "null"}
    ctx = ctx or next(iter(trainable.values())).list_ctx()[0]
    batches = _batches(data)
    first = next(batches)
    # One forward pass finishes deferred initialization, so that the parameters can be saved.
    net(first[0].as_in_context(ctx))
    saved = {name: [d.copy() for d in p.list_data()] for name, p in params.items()}
    optimizer_params = dict(optimizer_params or {})
    if isinstance(optimizer, str):
        optimizer_params["learning_rate"] = start_lr
    trainer = gluon.Trainer(trainable, optimizer, optimizer_params or None, kvstore=None)
    growth = (end_lr / start_lr) ** (1.0 / (num_steps - 1))
    lrs, losses, smoothed = [], [], []
    average, best, diverged_at = 0.0, math.inf, None
    try:
        for step, (x, y) in zip(range(num_steps), itertools.chain([first], batches)):
            lr = start_lr * growth ** step
            trainer.set_learning_rate(lr)
            x, y = x.as_in_context(ctx), y.as_in_context(ctx)
            with autograd.record():
                loss = loss_fn(net(x), y)
            loss.backward()
            trainer.step(x.shape[0])
            value = float(loss.mean().asscalar())
            average = (1 - smoothing) * average + smoothing * value if math.isfinite(value) else math.inf
            debiased = average / (1 - (1 - smoothing) ** (step + 1))
            lrs.append(lr)
            losses.append(value)
            smoothed.append(debiased)
            best = min(best, debiased)
            if not math.isfinite(debiased) or debiased > diverge_factor * best:
                diverged_at = lr
                break
    finally:
        for name, p in params.items():
            for data_array, backup in zip(p.list_data(), saved[name]):
                backup.copyto(data_array)
        mx.nd.waitall()
    curve = np.array(smoothed)
    finite = np.isfinite(curve)
    usable = np.flatnonzero(finite)
    lowest = int(usable[np.argmin(curve[usable])]) if usable.size else 0
    min_loss_lr = lrs[lowest] if usable.size else start_lr
    # The steepest fall is looked for before the minimum only: past it the curve turns up towards divergence.
    falling = usable[usable <= lowest]
    if falling.size >= 3:
        slopes = np.gradient(curve[falling], np.log(np.array(lrs)[falling]))
        suggestion = lrs[int(falling[np.argmin(slopes)])]
    else:
        suggestion = min_loss_lr / 10.0
    return LRFinderResult(lrs=lrs, losses=losses, smoothed=smoothed, suggestion=suggestion,
                          min_loss_lr=min_loss_lr, diverged_at=diverged_at)
