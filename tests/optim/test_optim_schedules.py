"""Learning-rate schedules against MXNet's schedulers (where one exists) and the formulas written in NumPy."""
import math

import mxnet as mx
import numpy as np
import pytest

import gluonx
from gluonx_optim import schedules

UPDATES = range(0, 121)
WARMUP = dict(warmup_steps=10, warmup_begin_lr=0.001)


def _values(schedule):
    return np.array([schedule(n) for n in UPDATES])   # increasing order: MXNet's are stateful


@pytest.mark.parametrize("warmup", [{}, WARMUP], ids=["plain", "warmup"])
@pytest.mark.parametrize("ours, theirs", [
    (lambda w: schedules.StepSchedule(step=25, factor=0.5, base_lr=0.1, **w),
     lambda w: mx.lr_scheduler.FactorScheduler(step=25, factor=0.5, base_lr=0.1, **w)),
    (lambda w: schedules.MultiStepSchedule([30, 70, 90], factor=0.3, base_lr=0.1, **w),
     lambda w: mx.lr_scheduler.MultiFactorScheduler([30, 70, 90], factor=0.3, base_lr=0.1, **w)),
    (lambda w: schedules.PolynomialSchedule(max_update=100, power=2, final_lr=1e-3, base_lr=0.1, **w),
     lambda w: mx.lr_scheduler.PolyScheduler(max_update=100, pwr=2, final_lr=1e-3, base_lr=0.1, **w)),
    (lambda w: schedules.CosineSchedule(max_update=100, final_lr=1e-3, base_lr=0.1, **w),
     lambda w: mx.lr_scheduler.CosineScheduler(max_update=100, final_lr=1e-3, base_lr=0.1, **w)),
], ids=["step", "multistep", "polynomial", "cosine"])
def test_matches_mxnet_scheduler(ours, theirs, warmup):
    np.testing.assert_allclose(_values(ours(warmup)), _values(theirs(warmup)), rtol=1e-12)


def test_exponential_schedule_formula():
    schedule = schedules.ExponentialSchedule(gamma=0.97, min_lr=0.02, base_lr=0.1, **WARMUP)
    n = np.array(UPDATES, dtype=float)
    expected = np.where(n < 10, 0.001 + (0.1 - 0.001) * n / 10, np.maximum(0.1 * 0.97 ** (n - 10), 0.02))
    np.testing.assert_allclose(_values(schedule), expected, rtol=1e-12)


@pytest.mark.parametrize("anneal", ["cos", "linear"])
def test_one_cycle_formula(anneal):
    schedule = schedules.OneCycleSchedule(max_update=100, div_factor=10, final_div_factor=100, pct_start=0.25,
                                          anneal=anneal, base_lr=0.5)
    peak, initial = 0.5, 0.05
    final = initial / 100

    def between(a, b, p):
        return b + (a - b) * (1 + np.cos(np.pi * p)) / 2 if anneal == "cos" else a + (b - a) * p
    expected = [between(initial, peak, n / 25) if n <= 25 else
                between(peak, final, (n - 25) / 75) if n < 100 else final for n in UPDATES]
    np.testing.assert_allclose(_values(schedule), expected, rtol=1e-12)
    assert schedule(25) == pytest.approx(peak) and schedule(0) == pytest.approx(initial)


def test_warmup_wraps_any_schedule_which_then_starts_from_zero():
    inner = mx.lr_scheduler.FactorScheduler(step=10, factor=0.5, base_lr=0.2)
    schedule = schedules.WarmupSchedule(inner, warmup_steps=20, warmup_begin_lr=0.0)
    reference = mx.lr_scheduler.FactorScheduler(step=10, factor=0.5, base_lr=0.2)
    expected = [0.2 * n / 20 if n < 20 else reference(n - 20) for n in UPDATES]
    np.testing.assert_allclose(_values(schedule), expected, rtol=1e-12)


def test_schedules_are_pure_functions_of_the_update_count():
    schedule = schedules.StepSchedule(step=10, factor=0.5, base_lr=1.0)
    forward = [schedule(n) for n in (5, 50, 15)]
    assert forward == [schedule(5), schedule(50), schedule(15)] == [1.0, 0.5 ** 4, 0.5]


def test_optimizer_learning_rate_overrides_base_lr():
    schedule = schedules.CosineSchedule(max_update=30, base_lr=1.0, **WARMUP)
    optimizer = mx.optimizer.create("gluonx_sgd", learning_rate=0.5, lr_scheduler=schedule)
    optimizer.num_update = 10
    assert optimizer.learning_rate == pytest.approx(0.5)
    optimizer.num_update = 5
    assert optimizer.learning_rate == pytest.approx(0.001 + (0.5 - 0.001) * 0.5)


def test_every_registered_schedule_builds_from_the_registry():
    kwargs = {"step": {"step": 10}, "multistep": {"milestones": [5]}, "polynomial": {"max_update": 50},
              "cosine": {"max_update": 50}, "one_cycle": {"max_update": 50},
              "warmup": {"schedule": schedules.CosineSchedule(50), "warmup_steps": 5}}
    for name in gluonx.list_lr_schedulers(plugin="optim"):
        schedule = gluonx.get_lr_scheduler(name, **kwargs.get(name, {}))
        assert isinstance(schedule, mx.lr_scheduler.LRScheduler)
        values = [schedule(n) for n in range(60)]
        assert all(math.isfinite(v) and v >= 0 for v in values), name


@pytest.mark.parametrize("build, message", [
    (lambda: schedules.StepSchedule(step=0), "StepSchedule: step must be an integer >= 1, got 0"),
    (lambda: schedules.StepSchedule(step=5, factor=1.5), "StepSchedule: factor must be in (0.0, 1.0], got 1.5"),
    (lambda: schedules.MultiStepSchedule([5, 3]), "milestones must be a non-empty increasing list"),
    (lambda: schedules.CosineSchedule(max_update=5, warmup_steps=10), "max_update must be an integer >= 11"),
    (lambda: schedules.OneCycleSchedule(100, anneal="tri"), "anneal must be 'cos' or 'linear'"),
    (lambda: schedules.CosineSchedule(10, warmup_mode="exp"), "warmup_mode must be 'linear' or 'constant'"),
])
def test_bad_arguments_say_what_was_expected(build, message):
    with pytest.raises(ValueError) as info:
        build()
    assert message in str(info.value)
