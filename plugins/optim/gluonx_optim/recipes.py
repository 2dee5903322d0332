"""The books' first-order optimizers as chains of transformations, registered in ``mx.optimizer``.

Every recipe is a row of :data:`gluonx_optim.catalog.RECIPES` (presets are data): its hyper-parameters with
defaults, the chain of :mod:`~gluonx_optim.transforms` that defines it, and, where MXNet has one, the fused
operator that computes the same update in one kernel. The chains follow the order of operations of MXNet's
own optimizers, so a recipe and its MXNet counterpart agree step by step and share their state layout; the
fused operator is used when it computes exactly the chain (``fused=False`` forces the chain).

Importing this module registers every recipe with ``mx.optimizer`` as ``gluonx_<name>``, so
``gluon.Trainer(params, 'gluonx_adamw', {...})`` works; :mod:`gluonx._mxnet_bridge` imports it on demand
when only ``import gluonx`` was done.

Every recipe also takes ``l1`` (a proximal L1 penalty, DL 7.1.2) besides the usual ``wd`` (L2 penalty,
DL 7.1.1, coupled or decoupled as the recipe says).

Examples
--------
>>> import mxnet as mx
>>> from mxnet import gluon
>>> import gluonx_optim.recipes
>>> net = gluon.nn.Dense(2); net.initialize()
>>> trainer = gluon.Trainer(net.collect_params(), "gluonx_adamw", {"learning_rate": 1e-3, "wd": 1e-2})

References
----------
D2L 7.3-7.8, DL 8.3 and 8.5, DL 7.1.
"""
import math

import mxnet as mx
import numpy

from . import transforms
from .catalog import MX_PREFIX, RECIPES, Recipe
from .transforms import ComposedOptimizer, add_l1_proximal, chain

__all__ = ["Recipe", "RecipeOptimizer", "RECIPES", "FUSED", "MX_PREFIX", "recipe_class", "create",
           "build_chain", "register_with_mxnet"]

_OPTIMIZER_ARGS = ("learning_rate", "wd", "rescale_grad", "clip_gradient", "lr_scheduler", "param_idx2name",
                   "sym", "begin_num_update", "multi_precision", "param_dict")


# -- fused paths: each returns False when it cannot compute exactly the chain ------------------------------
def _clip_arg(step):
    return step.clip_gradient if step.clip_gradient and step.clip_gradient > 0 else -1.0


def _fused_sgd(opt, weight, grad, state, step):
    mx.nd.sgd_update(weight, grad, out=weight, lr=step.lr, wd=step.wd, rescale_grad=opt.rescale_grad,
                     clip_gradient=_clip_arg(step))
    return True


def _fused_momentum(opt, weight, grad, state, step):
    (velocity,) = state[opt.transform.index("trace")]
    mx.nd.sgd_mom_update(weight, grad, velocity, out=weight, lr=step.lr, wd=step.wd, momentum=opt.momentum,
                         rescale_grad=opt.rescale_grad, clip_gradient=_clip_arg(step))
    return True


def _fused_nesterov(opt, weight, grad, state, step):
    # nag_mom_update writing to its own weight input reads the *updated* weight in the momentum's weight-decay
    # term (MXNet 1.9.1), so it only equals the chain without weight decay.
    if step.wd:
        return False
    (velocity,) = state[opt.transform.index("trace")]
    mx.nd.nag_mom_update(weight, grad, velocity, out=weight, lr=step.lr, wd=0.0, momentum=opt.momentum,
                         rescale_grad=opt.rescale_grad, clip_gradient=_clip_arg(step))
    return True


def _adam_scalars(opt, step):
    # adam_update has no bias correction; folding it into lr and epsilon gives D2L 7.8's
    # m_hat / (sqrt(v_hat) + eps) exactly: lr' m / (sqrt(v) + eps') with lr' = sqrt(c2)/c1, eps' = eps sqrt(c2).
    correction1 = 1.0 - opt.beta1 ** step.t
    root_correction2 = math.sqrt(1.0 - opt.beta2 ** step.t)
    return root_correction2 / correction1, opt.epsilon * root_correction2


def _fused_adam(opt, weight, grad, state, step):
    mean, var = state[opt.transform.index("scale_by_adam")]
    scale, epsilon = _adam_scalars(opt, step)
    mx.nd.adam_update(weight, grad, mean, var, out=weight, lr=step.lr * scale, beta1=opt.beta1, beta2=opt.beta2,
                      epsilon=epsilon, wd=step.wd, rescale_grad=opt.rescale_grad, clip_gradient=_clip_arg(step))
    return True


def _fused_adamw(opt, weight, grad, state, step):
    # w - lr (adam step + wd w) = (1 - lr wd) w - lr (adam step): decay first, then adam_update without decay.
    # Three times faster than mx.nd.contrib.adamw_update, which MXNet 1.9.1 implements in several passes.
    mean, var = state[opt.transform.index("scale_by_adam")]
    scale, epsilon = _adam_scalars(opt, step)
    if step.wd:
        weight *= 1.0 - step.lr * step.wd
    mx.nd.adam_update(weight, grad, mean, var, out=weight, lr=step.lr * scale, beta1=opt.beta1, beta2=opt.beta2,
                      epsilon=epsilon, wd=0.0, rescale_grad=opt.rescale_grad, clip_gradient=_clip_arg(step))
    return True


def _fused_rmsprop(opt, weight, grad, state, step):
    (mean_sq,) = state[opt.transform.index("scale_by_rms")]
    mx.nd.rmsprop_update(weight, grad, mean_sq, out=weight, lr=step.lr, gamma1=opt.gamma1, epsilon=opt.epsilon,
                         wd=step.wd, rescale_grad=opt.rescale_grad, clip_gradient=_clip_arg(step))
    return True


#: Native single-kernel updates, by :attr:`Recipe.fused` key.
FUSED = {
    "sgd": _fused_sgd,
    "momentum": _fused_momentum,
    "nesterov": _fused_nesterov,
    "adam": _fused_adam,
    "adamw": _fused_adamw,
    "rmsprop": _fused_rmsprop,
}


class RecipeOptimizer(ComposedOptimizer):
    """Base of the generated recipe classes: hyper-parameters from :attr:`recipe`, fused path when exact.

    Parameters
    ----------
    fused : bool
        Use the recipe's native fused operator, for float32 and float16 weights, when it computes the chain
        (default True). Float64 weights always use the chain: the kernels read hyper-parameters as float32.
    l1 : float
        Proximal L1 penalty applied after every step (0 disables it).
    **kwargs
        The recipe's hyper-parameters (see :data:`RECIPES`) and ``mx.optimizer.Optimizer`` arguments.
    """

    recipe = None
    #: Hyper-parameters and budgets on the conformance suite's 2-D problems (see the catalog).
    examples = {}

    def __init__(self, fused=True, **kwargs):
        recipe = self.recipe
        owner = "optimizer '{}'".format(recipe.mx_name)
        allowed = set(recipe.defaults) | set(_OPTIMIZER_ARGS) | {"l1"}
        unknown = sorted(set(kwargs) - allowed)
        if unknown:
            raise TypeError("{} got unexpected argument(s) {}; it accepts {}".format(
                owner, unknown, sorted(allowed | {"fused"})))
        hp = {key: kwargs.pop(key, default) for key, default in recipe.defaults.items()
              if key not in ("learning_rate", "wd")}
        l1 = hp.pop("l1", kwargs.pop("l1", 0.0))
        kwargs.setdefault("wd", recipe.defaults.get("wd", 0.0))
        if "lr_scheduler" not in kwargs or kwargs.get("learning_rate") is not None:
            kwargs.setdefault("learning_rate", recipe.defaults["learning_rate"])
        for key in ("learning_rate", "wd"):
            value = kwargs.get(key)
            if value is not None and not (math.isfinite(float(value)) and float(value) >= 0):
                raise ValueError("{}: {} must be a finite number >= 0, got {!r}".format(owner, key, value))
        try:
            steps = build_chain(recipe, hp) + [add_l1_proximal(l1)]
        except ValueError as err:
            raise ValueError("{}: {}".format(owner, err)) from None
        super().__init__(chain(*steps), **kwargs)
        for key, value in hp.items():
            setattr(self, key, value)
        self.l1 = float(l1)
        self.fused = bool(fused)

    @property
    def hyperparameters(self):
        """The hyper-parameters of this instance (plain JSON values)."""
        out = {key: getattr(self, key) for key in self.recipe.defaults if key not in ("learning_rate", "wd")}
        out.update(learning_rate=self.lr, wd=self.wd, l1=self.l1, clip_gradient=self.clip_gradient,
                   rescale_grad=self.rescale_grad)
        return out

    def _apply(self, weight, grad, state, step):
        fused = FUSED.get(self.recipe.fused) if self.fused else None
        # The kernels take their hyper-parameters as float32 (beta2 = 0.999 becomes 0.99900001): fine for
        # float32 and float16 weights, a 1e-5 relative error for float64 ones, which therefore use the chain.
        if (fused is None or weight.dtype == numpy.float64 or weight.stype != "default"
                or not fused(self, weight, grad, state, step)):
            super()._apply(weight, grad, state, step)
        elif self.l1:
            # Soft-thresholding as w - clip(w, -t, t): two passes instead of sign * relu(|w| - t)'s four.
            threshold = step.lr * self.l1
            weight -= mx.nd.clip(weight, -threshold, threshold)

    def __repr__(self):
        return "{}({})".format(type(self).__name__, ", ".join(
            "{}={!r}".format(k, v) for k, v in self.hyperparameters.items()))


def _make_class(recipe):
    defaults = ", ".join("{}={!r}".format(k, v) for k, v in recipe.defaults.items())
    doc = """{summary}.

    Hyper-parameters (defaults): {defaults}. Also accepts ``l1`` (proximal L1 penalty), ``fused`` and
    every ``mx.optimizer.Optimizer`` argument. Known to ``mx.optimizer`` as ``'{mx_name}'``.

    Update, in order: rescale, then {chain}.

    References
    ----------
    {book}.
    """.format(summary=recipe.summary, defaults=defaults, mx_name=recipe.mx_name, book=recipe.book_section,
               chain=" -> ".join(step[0] for step in recipe.chain))
    return type(recipe.class_name, (RecipeOptimizer,), {
        "recipe": recipe, "examples": recipe.examples, "__doc__": doc, "__module__": __name__,
        "__qualname__": recipe.class_name})


def build_chain(recipe, hyperparameters):
    """The list of transformations of ``recipe`` with ``hyperparameters`` (a dict) filled in."""
    return [getattr(transforms, function)(*(hyperparameters[name] for name in names), **kwargs)
            for function, names, kwargs in recipe.chain]


def register_with_mxnet(name, cls):
    """Make ``cls`` known to ``mx.optimizer`` as ``name`` without replacing an unrelated optimizer.

    ``mx.optimizer.register`` would key it by its class name; gluonx names are prefixed instead.
    """
    registry = mx.optimizer.Optimizer.opt_registry
    existing = registry.get(name)
    if existing is not None and (existing.__module__, existing.__qualname__) != (cls.__module__, cls.__qualname__):
        raise ValueError("mx.optimizer already has an optimizer '{}' ({}.{}); gluonx will not replace it".format(
            name, existing.__module__, existing.__qualname__))
    registry[name] = cls
    return cls


_CLASSES = {}
for _recipe in RECIPES.values():
    _CLASSES[_recipe.name] = globals()[_recipe.class_name] = _make_class(_recipe)
    __all__.append(_recipe.class_name)
    register_with_mxnet(_recipe.mx_name, _CLASSES[_recipe.name])


def recipe_class(name):
    """The optimizer class of recipe ``name`` (``'adamw'`` or ``'gluonx_adamw'``)."""
    key = name.lower()
    key = key[len(MX_PREFIX):] if key.startswith(MX_PREFIX) else key
    try:
        return _CLASSES[key]
    except KeyError:
        raise KeyError("unknown recipe '{}'; known: {}".format(name, sorted(_CLASSES))) from None


def create(name, **kwargs):
    """Build recipe ``name`` with hyper-parameters ``kwargs``: ``create('adam', learning_rate=1e-3)``."""
    return recipe_class(name)(**kwargs)
