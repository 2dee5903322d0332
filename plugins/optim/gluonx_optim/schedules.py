"""Learning-rate schedules: closed forms of the update count, as ``mx.lr_scheduler.LRScheduler`` subclasses.

Unlike MXNet's ``FactorScheduler`` and friends, which change their own ``base_lr`` as they are called, these
are pure functions of ``num_update``: they can be called in any order (plots, resumed runs) and their
position is just the update count that :mod:`gluonx_optim.state_io` saves. They read ``base_lr`` when
called, so ``Optimizer(learning_rate=..., lr_scheduler=...)`` overriding it takes effect. Step, multi-step,
polynomial and cosine give the same values as MXNet's ``FactorScheduler``, ``MultiFactorScheduler``,
``PolyScheduler`` and ``CosineScheduler``, warm-up included.

Every schedule takes MXNet's warm-up arguments: for ``num_update < warmup_steps`` the rate goes from
``warmup_begin_lr`` to ``base_lr`` (``warmup_mode='linear'``) or stays at ``warmup_begin_lr``
(``'constant'``).

Examples
--------
>>> schedule = CosineSchedule(max_update=1000, base_lr=0.1, final_lr=1e-3, warmup_steps=50)
>>> round(schedule(1000), 6)
0.001

References
----------
D2L 7.2.2 and 7.3 (learning rate and its decay), DL 8.3.1 (decaying the SGD learning rate).
"""
import math

import mxnet as mx

from .catalog import SCHEDULES

__all__ = ["Schedule", "StepSchedule", "MultiStepSchedule", "ExponentialSchedule", "PolynomialSchedule",
           "CosineSchedule", "WarmupSchedule", "OneCycleSchedule", "SCHEDULES"]


def _positive_int(owner, name, value, minimum=1):
    if int(value) != value or value < minimum:
        raise ValueError("{}: {} must be an integer >= {}, got {!r}".format(owner, name, minimum, value))
    return int(value)


def _in_range(owner, name, value, low, high, low_open=True, high_open=False):
    value = float(value)
    if not ((value > low if low_open else value >= low) and (value < high if high_open else value <= high)):
        raise ValueError("{}: {} must be in {}{}, {}{}, got {!r}".format(
            owner, name, "(" if low_open else "[", low, high, ")" if high_open else "]", value))
    return value


class Schedule(mx.lr_scheduler.LRScheduler):
    """Base class: MXNet's warm-up, then :meth:`value` of the update count.

    Parameters
    ----------
    base_lr : float
        Learning rate after warm-up; the optimizer's ``learning_rate`` replaces it when both are given.
    warmup_steps : int
        Updates of warm-up.
    warmup_begin_lr : float
        Rate at update 0 of the warm-up.
    warmup_mode : {'linear', 'constant'}
    """

    def __init__(self, base_lr=0.01, warmup_steps=0, warmup_begin_lr=0.0, warmup_mode="linear"):
        owner = type(self).__name__
        _in_range(owner, "base_lr", base_lr, 0.0, math.inf, low_open=False)
        _positive_int(owner, "warmup_steps", warmup_steps, minimum=0)
        if warmup_mode not in ("linear", "constant"):
            raise ValueError("{}: warmup_mode must be 'linear' or 'constant', got {!r}".format(owner, warmup_mode))
        super().__init__(base_lr=float(base_lr), warmup_steps=int(warmup_steps),
                         warmup_begin_lr=float(warmup_begin_lr), warmup_mode=warmup_mode)

    def get_warmup_lr(self, num_update):
        # MXNet fixes the warm-up target at construction; follow base_lr as the optimizer may reset it.
        if self.warmup_mode == "constant":
            return self.warmup_begin_lr
        return self.warmup_begin_lr + (self.base_lr - self.warmup_begin_lr) * num_update / self.warmup_steps

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        return self.value(num_update)

    def value(self, num_update):
        """The rate at update ``num_update`` once warm-up is over."""
        raise NotImplementedError

    def __repr__(self):
        fields = ", ".join("{}={!r}".format(k, v) for k, v in vars(self).items() if not k.startswith("_"))
        return "{}({})".format(type(self).__name__, fields)


class StepSchedule(Schedule):
    """``base_lr * factor ** floor((t - 1) / step)``, never below ``stop_factor_lr`` (MXNet's ``FactorScheduler``).

    Parameters
    ----------
    step : int
        Updates between two decays.
    factor : float
        Decay factor in (0, 1].
    stop_factor_lr : float
        Floor of the rate.
    """

    def __init__(self, step, factor=0.1, stop_factor_lr=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.step = _positive_int("StepSchedule", "step", step)
        self.factor = _in_range("StepSchedule", "factor", factor, 0.0, 1.0)
        self.stop_factor_lr = float(stop_factor_lr)

    def value(self, num_update):
        decays = max(num_update - 1, 0) // self.step
        return max(self.base_lr * self.factor ** decays, min(self.stop_factor_lr, self.base_lr))


class MultiStepSchedule(Schedule):
    """``base_lr * factor ** (number of milestones m with t > m)`` (MXNet's ``MultiFactorScheduler``).

    Parameters
    ----------
    milestones : list of int
        Strictly increasing update counts.
    factor : float
        Decay factor in (0, 1].
    """

    def __init__(self, milestones, factor=0.1, **kwargs):
        super().__init__(**kwargs)
        milestones = [_positive_int("MultiStepSchedule", "each milestone", m) for m in milestones]
        if not milestones or any(b <= a for a, b in zip(milestones, milestones[1:])):
            raise ValueError("MultiStepSchedule: milestones must be a non-empty increasing list, got {!r}".format(
                milestones))
        self.milestones = milestones
        self.factor = _in_range("MultiStepSchedule", "factor", factor, 0.0, 1.0)

    def value(self, num_update):
        return self.base_lr * self.factor ** sum(1 for m in self.milestones if num_update > m)


class ExponentialSchedule(Schedule):
    """``base_lr * gamma ** (t - warmup_steps)``, never below ``min_lr``.

    Parameters
    ----------
    gamma : float
        Decay per update, in (0, 1].
    min_lr : float
        Floor of the rate.
    """

    def __init__(self, gamma=0.99, min_lr=0.0, **kwargs):
        super().__init__(**kwargs)
        self.gamma = _in_range("ExponentialSchedule", "gamma", gamma, 0.0, 1.0)
        self.min_lr = float(min_lr)

    def value(self, num_update):
        return max(self.base_lr * self.gamma ** (num_update - self.warmup_steps), self.min_lr)


class PolynomialSchedule(Schedule):
    """``final_lr + (base_lr - final_lr) * (1 - (t - w) / (max_update - w)) ** power`` until ``max_update``,
    then ``final_lr`` (MXNet's ``PolyScheduler``; ``power=1`` is DL 8.3.1's linear decay).

    Parameters
    ----------
    max_update : int
        Update count at which ``final_lr`` is reached.
    power : float
        Exponent (> 0).
    final_lr : float
    """

    def __init__(self, max_update, power=2.0, final_lr=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_update = _positive_int("PolynomialSchedule", "max_update", max_update, self.warmup_steps + 1)
        self.power = _in_range("PolynomialSchedule", "power", power, 0.0, math.inf, high_open=True)
        self.final_lr = float(final_lr)

    def value(self, num_update):
        if num_update > self.max_update:
            return self.final_lr
        progress = (num_update - self.warmup_steps) / (self.max_update - self.warmup_steps)
        return self.final_lr + (self.base_lr - self.final_lr) * (1.0 - progress) ** self.power


class CosineSchedule(Schedule):
    """``final_lr + (base_lr - final_lr) * (1 + cos(pi (t - w) / (max_update - w))) / 2`` until ``max_update``
    (MXNet's ``CosineScheduler``).

    Parameters
    ----------
    max_update : int
    final_lr : float
    """

    def __init__(self, max_update, final_lr=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_update = _positive_int("CosineSchedule", "max_update", max_update, self.warmup_steps + 1)
        self.final_lr = float(final_lr)

    def value(self, num_update):
        if num_update > self.max_update:
            return self.final_lr
        progress = (num_update - self.warmup_steps) / (self.max_update - self.warmup_steps)
        return self.final_lr + (self.base_lr - self.final_lr) * (1.0 + math.cos(math.pi * progress)) / 2.0


class WarmupSchedule(Schedule):
    """Warm-up in front of any schedule (MXNet's included), which then starts from update 0.

    Parameters
    ----------
    schedule : mx.lr_scheduler.LRScheduler
        The schedule after warm-up; it is called with ``t - warmup_steps``. Its ``base_lr`` is the warm-up's
        target.
    warmup_steps : int
        Updates of warm-up (>= 1).
    warmup_begin_lr : float
    warmup_mode : {'linear', 'constant'}
    """

    def __init__(self, schedule, warmup_steps, warmup_begin_lr=0.0, warmup_mode="linear"):
        if not callable(schedule) or not hasattr(schedule, "base_lr"):
            raise TypeError("WarmupSchedule: schedule must be an mx.lr_scheduler.LRScheduler, got {!r}".format(
                schedule))
        self.schedule = schedule
        super().__init__(base_lr=schedule.base_lr, warmup_steps=_positive_int(
            "WarmupSchedule", "warmup_steps", warmup_steps), warmup_begin_lr=warmup_begin_lr,
            warmup_mode=warmup_mode)

    # The optimizer sets base_lr on the outer schedule; it belongs to the wrapped one.
    @property
    def base_lr(self):
        return self.schedule.base_lr

    @base_lr.setter
    def base_lr(self, value):
        if hasattr(self, "schedule"):
            self.schedule.base_lr = value

    def value(self, num_update):
        return self.schedule(num_update - self.warmup_steps)


class OneCycleSchedule(Schedule):
    """One cycle: from ``base_lr / div_factor`` up to ``base_lr`` over ``pct_start * max_update`` updates, then
    down to ``base_lr / (div_factor * final_div_factor)`` at ``max_update``.

    Parameters
    ----------
    max_update : int
        Length of the cycle in updates.
    div_factor : float
        Peak over starting rate (> 1).
    final_div_factor : float
        Starting over final rate (>= 1).
    pct_start : float
        Fraction of the cycle spent increasing, in (0, 1).
    anneal : {'cos', 'linear'}
        Shape of both phases.
    """

    def __init__(self, max_update, div_factor=25.0, final_div_factor=1e4, pct_start=0.3, anneal="cos",
                 base_lr=0.01):
        super().__init__(base_lr=base_lr)
        owner = "OneCycleSchedule"
        self.max_update = _positive_int(owner, "max_update", max_update, 2)
        self.div_factor = _in_range(owner, "div_factor", div_factor, 1.0, math.inf, high_open=True)
        self.final_div_factor = _in_range(owner, "final_div_factor", final_div_factor, 1.0, math.inf,
                                          low_open=False, high_open=True)
        self.pct_start = _in_range(owner, "pct_start", pct_start, 0.0, 1.0, high_open=True)
        if anneal not in ("cos", "linear"):
            raise ValueError("{}: anneal must be 'cos' or 'linear', got {!r}".format(owner, anneal))
        self.anneal = anneal

    def _interpolate(self, start, end, fraction):
        if self.anneal == "cos":
            return end + (start - end) * (1.0 + math.cos(math.pi * fraction)) / 2.0
        return start + (end - start) * fraction

    def value(self, num_update):
        peak = self.base_lr
        initial = peak / self.div_factor
        final = initial / self.final_div_factor
        rise = max(int(round(self.pct_start * self.max_update)), 1)
        if num_update <= rise:
            return self._interpolate(initial, peak, num_update / rise)
        if num_update >= self.max_update:
            return final
        return self._interpolate(peak, final, (num_update - rise) / (self.max_update - rise))


def _check_catalog():
    missing = [entry.class_name for entry in SCHEDULES.values() if entry.class_name not in globals()]
    if missing:
        raise ImportError("gluonx_optim.catalog names schedules that schedules.py lacks: {}".format(missing))


_check_catalog()
