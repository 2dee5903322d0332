"""The plugin's tables: recipes, averaging methods and schedules as plain data.

This module imports neither MXNet nor NumPy: :mod:`gluonx_optim.plugin` registers from it when
``gluonx plugins`` lists entries, and the implementation modules build their classes from the same rows, so
a name, a description or a default lives in one place.

A recipe's ``chain`` lists its transformations (functions of :mod:`gluonx_optim.transforms`) as
``(function name, hyper-parameter names passed positionally, fixed keyword arguments)``, in MXNet's order of
operations for the equivalent native optimizer (clipping before or after weight decay, momentum holding
``-lr * g`` ...), so a recipe and its MXNet counterpart agree step by step and share their state layout.
"""
import dataclasses
from typing import Any, Dict, Optional, Tuple

#: Prefix of the names under which gluonx optimizers are known to ``mx.optimizer``.
MX_PREFIX = "gluonx_"


@dataclasses.dataclass(frozen=True)
class Recipe:
    """One first-order optimizer.

    Parameters
    ----------
    name : str
        Registry name; ``mx.optimizer`` knows it as ``gluonx_<name>``.
    class_name : str
        Name of the generated ``mx.optimizer.Optimizer`` subclass in :mod:`gluonx_optim.recipes`.
    summary : str
        One line for listings and docs.
    book_section : str
        The book section whose update equations the recipe implements.
    defaults : dict
        Hyper-parameters and their defaults (``learning_rate`` and ``wd`` included).
    chain : tuple
        ``(transform, hyper-parameter names, keyword arguments)`` triples, applied in order.
    fused : str, optional
        Key of :data:`gluonx_optim.recipes.FUSED`: a native kernel that computes the same update.
    native : tuple, optional
        ``(mx.optimizer name, names of hyper-parameters passed on)`` of MXNet's own equivalent.
    examples : dict
        Hyper-parameters, step budgets (``steps``) and tolerances (``tolerance``) on the 2-D test problems
        ``quadratic`` and ``rosenbrock`` of the conformance suite.
    """

    name: str
    class_name: str
    summary: str
    book_section: str
    defaults: Dict[str, Any]
    chain: Tuple[tuple, ...]
    fused: Optional[str] = None
    native: Optional[Tuple[str, Tuple[str, ...]]] = None
    examples: Dict[str, Dict[str, Any]] = dataclasses.field(default_factory=dict)

    @property
    def mx_name(self):
        return MX_PREFIX + self.name


_CLIP = ("clip", (), {})
_DECAY = ("add_decayed_weights", (), {})
_LR = ("scale_by_learning_rate", (), {})


def _quadratic(**kwargs):
    return dict(kwargs, steps=300)


# The examples' step budgets and tolerances (max |x - x*|, default 1e-3 on the quadratic and 1e-2 on
# Rosenbrock) are the conformance suite's: plain SGD, AdaGrad, RMSProp and AdaDelta only reach Rosenbrock's
# curved valley near the minimum in 2000 steps, hence their stated looser tolerances.


RECIPES = {recipe.name: recipe for recipe in [
    Recipe("sgd", "SGD", "Stochastic gradient descent: w <- w - lr (g + wd w)", "D2L 7.3",
           {"learning_rate": 0.01, "wd": 0.0},
           (_CLIP, _DECAY, _LR), fused="sgd", native=("sgd", ()),
           examples={"quadratic": _quadratic(learning_rate=0.15),
                     "rosenbrock": {"learning_rate": 2e-3, "steps": 2000, "tolerance": 0.25}}),
    Recipe("momentum", "Momentum", "SGD with momentum: v <- m v - lr (g + wd w); w <- w + v", "D2L 7.4",
           {"learning_rate": 0.01, "wd": 0.0, "momentum": 0.9},
           (_CLIP, _DECAY, _LR, ("trace", ("momentum",), {})), fused="momentum", native=("sgd", ("momentum",)),
           examples={"quadratic": _quadratic(learning_rate=0.05, momentum=0.5),
                     "rosenbrock": {"learning_rate": 1e-3, "momentum": 0.95, "steps": 1000}}),
    Recipe("nesterov", "Nesterov", "Nesterov momentum: v <- m v - lr g; w <- w + m v - lr g", "DL 8.3.3",
           {"learning_rate": 0.01, "wd": 0.0, "momentum": 0.9},
           (_CLIP, _DECAY, _LR, ("trace", ("momentum",), {"nesterov": True})), fused="nesterov",
           native=("nag", ("momentum",)),
           examples={"quadratic": _quadratic(learning_rate=0.05, momentum=0.5),
                     "rosenbrock": {"learning_rate": 1e-3, "momentum": 0.95, "steps": 1000}}),
    Recipe("adagrad", "AdaGrad", "AdaGrad: s <- s + g^2; w <- w - lr (g / sqrt(s + eps) + wd w)", "D2L 7.5",
           {"learning_rate": 0.01, "wd": 0.0, "eps": 1e-7},
           (_CLIP, ("scale_by_adagrad", ("eps",), {}), _DECAY, _LR), native=("adagrad", ("eps",)),
           examples={"quadratic": _quadratic(learning_rate=0.5),
                     "rosenbrock": {"learning_rate": 1.0, "steps": 2000, "tolerance": 0.25}}),
    Recipe("rmsprop", "RMSProp", "RMSProp: s <- g1 s + (1 - g1) g^2; w <- w - lr g / sqrt(s + eps)", "D2L 7.6",
           {"learning_rate": 0.001, "wd": 0.0, "gamma1": 0.9, "epsilon": 1e-8},
           (_DECAY, _CLIP, ("scale_by_rms", ("gamma1", "epsilon"), {}), _LR), fused="rmsprop",
           native=("rmsprop", ("gamma1", "epsilon")),
           examples={"quadratic": _quadratic(learning_rate=0.01, epsilon=1e-3),
                     "rosenbrock": {"learning_rate": 5e-3, "gamma1": 0.9, "steps": 2000, "tolerance": 0.15}}),
    Recipe("adadelta", "AdaDelta", "AdaDelta: RMS-scaled steps with no global learning rate", "D2L 7.7",
           {"learning_rate": 1.0, "wd": 0.0, "rho": 0.9, "epsilon": 1e-5},
           (_CLIP, ("scale_by_adadelta", ("rho", "epsilon"), {}), _DECAY, _LR),
           native=("adadelta", ("rho", "epsilon")),
           examples={"quadratic": _quadratic(learning_rate=0.2, rho=0.9, epsilon=0.1),
                     "rosenbrock": {"learning_rate": 0.05, "rho": 0.5, "epsilon": 1e-5, "steps": 2000,
                                    "tolerance": 0.25}}),
    Recipe("adam", "Adam", "Adam: bias-corrected moments, w <- w - lr m_hat / (sqrt(v_hat) + eps)", "D2L 7.8",
           {"learning_rate": 0.001, "wd": 0.0, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
           (_DECAY, _CLIP, ("scale_by_adam", ("beta1", "beta2", "epsilon"), {}), _LR), fused="adam",
           native=("adam", ("beta1", "beta2", "epsilon")),
           examples={"quadratic": _quadratic(learning_rate=0.05),
                     "rosenbrock": {"learning_rate": 0.1, "steps": 1000}}),
    Recipe("adamw", "AdamW", "AdamW: Adam with decoupled weight decay, w <- w - lr (adam step + wd w)", "D2L 7.8",
           {"learning_rate": 0.001, "wd": 0.01, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
           (_CLIP, ("scale_by_adam", ("beta1", "beta2", "epsilon"), {}), _DECAY, _LR), fused="adamw",
           examples={"quadratic": _quadratic(learning_rate=0.05, wd=0.0),
                     "rosenbrock": {"learning_rate": 0.1, "wd": 0.0, "steps": 1000}}),
    Recipe("proximal_sgd", "ProximalSGD", "Proximal SGD (ISTA): SGD step, then soft-threshold by lr * l1",
           "DL 7.1.2", {"learning_rate": 0.01, "wd": 0.0, "l1": 1e-3},
           (_CLIP, _DECAY, _LR), fused="sgd", native=("sgd", ()),
           examples={"quadratic": _quadratic(learning_rate=0.15, l1=0.1),
                     "rosenbrock": {"learning_rate": 2e-3, "l1": 0.0, "steps": 2000, "tolerance": 0.25}}),
]}


@dataclasses.dataclass(frozen=True)
class Entry:
    """One averaging method or learning-rate schedule: names, a summary, the book section, defaults and,
    for optimizers, the conformance examples (as :attr:`Recipe.examples`)."""

    name: str
    class_name: str
    summary: str
    book_section: str
    defaults: Dict[str, Any] = dataclasses.field(default_factory=dict)
    examples: Dict[str, Dict[str, Any]] = dataclasses.field(default_factory=dict)


def _averaged_examples(**averaging):
    """The conformance budgets of an averaging wrapper, which the suite measures on the average itself: the
    average starts once momentum SGD is near the minimum (an average of every iterate from the start point
    would still be 0.06-1.5 away after the same number of steps)."""
    return {
        "quadratic": dict(averaging, optimizer="gluonx_momentum", learning_rate=0.05, momentum=0.5, start=200,
                          steps=300),
        "rosenbrock": dict(averaging, optimizer="gluonx_momentum", learning_rate=1e-3, momentum=0.95, start=700,
                           steps=1000),
    }

#: Parameter averaging (DL 8.7.3); each is a wrapper around any ``mx.optimizer.Optimizer``.
AVERAGING = {entry.name: entry for entry in [
    Entry("polyak", "PolyakAveraging", "Polyak averaging: running mean of the iterates from step `start` on",
          "DL 8.7.3", {"start": 0}, _averaged_examples()),
    Entry("ema", "ExponentialMovingAverage",
          "Exponential moving average of the parameters, a <- decay a + (1 - decay) w", "DL 8.7.3",
          {"decay": 0.999, "start": 0}, _averaged_examples(decay=0.9)),
    Entry("swa", "StochasticWeightAveraging",
          "Stochastic weight averaging: mean of the weights every `every` steps from step `start` on", "DL 8.7.3",
          {"start": 0, "every": 10}, _averaged_examples(every=10)),
]}

#: Learning-rate schedules: ``mx.lr_scheduler.LRScheduler`` subclasses, closed forms of the update count.
SCHEDULES = {entry.name: entry for entry in [
    Entry("step", "StepSchedule", "Step decay: lr * factor ** floor((t - 1) / step)", "D2L 7.3"),
    Entry("multistep", "MultiStepSchedule", "Multiply lr by factor after each milestone update count", "D2L 7.3"),
    Entry("exponential", "ExponentialSchedule", "Exponential decay: lr * gamma ** t", "D2L 7.2.2"),
    Entry("polynomial", "PolynomialSchedule",
          "Polynomial decay to final_lr at max_update (power 1: DL 8.3.1's linear decay)", "DL 8.3.1"),
    Entry("cosine", "CosineSchedule", "Cosine annealing from lr to final_lr over max_update updates", "D2L 7.3"),
    Entry("warmup", "WarmupSchedule", "Linear or constant warm-up in front of any schedule", "D2L 7.3"),
    Entry("one_cycle", "OneCycleSchedule",
          "One cycle: warm up to the peak lr, then anneal far below the start", "DL 11.4.1"),
]}
