"""First-order recipes against NumPy implementations of the books' update equations and MXNet's optimizers.

Each reference below is written from the book's equations (D2L 7.3-7.8, DL 8.3, DL 7.1), independently of
the transformation chains; the fused (native kernel) path and the composable path are both checked.
"""
import math

import mxnet as mx
import numpy as np
import pytest

from gluonx_optim import recipes, transforms
from gluonx_optim.catalog import RECIPES

STEPS = 20
SHAPE = (3, 5)


def _clip(g, bound):
    return np.clip(g, -bound, bound) if bound else g


def _prox(w, threshold):
    return np.sign(w) * np.maximum(np.abs(w) - threshold, 0.0)


def reference_run(name, w, grads, lrs, hp, wd=0.0, rescale=1.0, bound=None, l1=0.0):
    """Apply ``grads`` with the book's equations; ``lrs[t]`` is the learning rate of step t."""
    w = w.copy()
    a = np.zeros_like(w)  # first accumulator (momentum, s, m ...)
    b = np.zeros_like(w)  # second accumulator (delta, v)
    for t, (g, lr) in enumerate(zip(grads, lrs), start=1):
        g = rescale * g
        if name in ("sgd", "proximal_sgd"):                   # D2L 7.3
            w = w - lr * (_clip(g, bound) + wd * w)
        elif name == "momentum":                              # DL 8.3.2: v <- a v - eps g; w <- w + v
            a = hp["momentum"] * a - lr * (_clip(g, bound) + wd * w)
            w = w + a
        elif name == "nesterov":                              # DL 8.3.3, Sutskever's reformulation
            step = lr * (_clip(g, bound) + wd * w)
            a = hp["momentum"] * a - step
            w = w + hp["momentum"] * a - step
        elif name == "adagrad":                               # D2L 7.5
            g = _clip(g, bound)
            a = a + g * g
            w = w - lr * (g / np.sqrt(a + hp["eps"]) + wd * w)
        elif name == "rmsprop":                               # D2L 7.6
            g = _clip(g + wd * w, bound)
            a = hp["gamma1"] * a + (1 - hp["gamma1"]) * g * g
            w = w - lr * g / np.sqrt(a + hp["epsilon"])
        elif name == "adadelta":                              # D2L 7.7
            g = _clip(g, bound)
            rho, eps = hp["rho"], hp["epsilon"]
            a = rho * a + (1 - rho) * g * g
            delta = np.sqrt(b + eps) / np.sqrt(a + eps) * g
            b = rho * b + (1 - rho) * delta * delta
            w = w - lr * (delta + wd * w)
        elif name in ("adam", "adamw"):                       # D2L 7.8; AdamW decouples the decay
            g = _clip(g + wd * w, bound) if name == "adam" else _clip(g, bound)
            b1, b2, eps = hp["beta1"], hp["beta2"], hp["epsilon"]
            a = b1 * a + (1 - b1) * g
            b = b2 * b + (1 - b2) * g * g
            a_hat, b_hat = a / (1 - b1 ** t), b / (1 - b2 ** t)
            w = w - lr * (a_hat / (np.sqrt(b_hat) + eps) + (wd * w if name == "adamw" else 0.0))
        else:
            raise AssertionError(name)
        if l1:
            w = _prox(w, lr * l1)                             # DL 7.1.2, proximal step
    return w


def _problem(seed, dtype="float64"):
    rng = np.random.RandomState(seed)
    w0 = rng.randn(*SHAPE)
    grads = [rng.randn(*SHAPE) * (1 + 2 * rng.rand()) for _ in range(STEPS)]
    return w0.astype(dtype), [g.astype(dtype) for g in grads]


def _run_optimizer(opt, w0, grads, ctx=mx.cpu()):
    weight = mx.nd.array(w0, dtype=w0.dtype, ctx=ctx)
    state = opt.create_state_multi_precision(0, weight)
    for g in grads:
        opt.update_multi_precision(0, weight, mx.nd.array(g, dtype=g.dtype, ctx=ctx), state)
    return weight.asnumpy()


def _hyperparameters(name, **overrides):
    hp = {k: v for k, v in RECIPES[name].defaults.items() if k not in ("learning_rate", "wd", "l1")}
    hp.update(overrides)
    return hp


SETTINGS = {
    "plain": dict(lr=0.05, wd=0.0, rescale=1.0, bound=None, l1=0.0),
    "decay-rescale-clip": dict(lr=0.05, wd=0.1, rescale=0.5, bound=0.8, l1=0.0),
    "l1": dict(lr=0.05, wd=0.01, rescale=1.0, bound=None, l1=0.3),
    # An epsilon that matters: catches a misplaced epsilon (inside or outside the root, bias-corrected or not).
    "large-epsilon": dict(lr=0.05, wd=0.0, rescale=1.0, bound=None, l1=0.0, epsilon=0.1),
}


def assert_close(got, expected, rtol):
    """Relative to the weights' scale, so entries that pass near zero do not need an absolute floor."""
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol * np.abs(expected).max())


def _check_recipe(name, setting, fused, dtype, rtol):
    cfg = SETTINGS[setting]
    lr = 1.0 if name == "adadelta" else cfg["lr"]
    hp = _hyperparameters(name)
    hp.update({key: cfg["epsilon"] for key in ("eps", "epsilon") if key in hp and "epsilon" in cfg})
    w0, grads = _problem(seed=len(name))
    opt = recipes.create(name, fused=fused, learning_rate=lr, wd=cfg["wd"], rescale_grad=cfg["rescale"],
                         clip_gradient=cfg["bound"], l1=cfg["l1"], **hp)
    got = _run_optimizer(opt, w0.astype(dtype), [g.astype(dtype) for g in grads])
    expected = reference_run(name, w0, grads, [lr] * STEPS, hp, wd=cfg["wd"], rescale=cfg["rescale"],
                             bound=cfg["bound"], l1=cfg["l1"])
    assert_close(got, expected, rtol)
    assert not np.allclose(got, w0), "the optimizer did not move the weights"


@pytest.mark.parametrize("setting", sorted(SETTINGS))
@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipe_matches_book_equations(name, setting):
    # float64 weights: the chain, exact to the reference's rounding.
    _check_recipe(name, setting, fused=True, dtype="float64", rtol=1e-6)


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "chain"])
@pytest.mark.parametrize("setting", sorted(SETTINGS))
@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipe_matches_book_equations_in_float32(name, setting, fused):
    # float32 arithmetic over 20 steps, and the fused kernels read their hyper-parameters as float32
    # (1 - float32(0.999) is 1.3e-5 off): a looser bound than the float64 test above.
    _check_recipe(name, setting, fused=fused, dtype="float32", rtol=1e-5)


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "chain"])
@pytest.mark.parametrize("name", ["sgd", "momentum", "adam", "adamw", "rmsprop"])
def test_recipe_follows_a_learning_rate_schedule(name, fused):
    schedule = mx.lr_scheduler.FactorScheduler(step=5, factor=0.5, base_lr=0.1)
    lrs = [0.1 * 0.5 ** ((t - 1) // 5) for t in range(1, STEPS + 1)]
    w0, grads = _problem(seed=3)
    hp = _hyperparameters(name)
    opt = recipes.create(name, fused=fused, lr_scheduler=schedule, wd=0.0, **hp)
    got = _run_optimizer(opt, w0, grads)
    assert_close(got, reference_run(name, w0, grads, lrs, hp), rtol=1e-6)


def _native(name, lr, wd, hp):
    mx_name, passed = RECIPES[name].native
    return mx.optimizer.create(mx_name, learning_rate=lr, wd=wd, **{k: hp[k] for k in passed})


NATIVE = sorted(name for name, recipe in RECIPES.items() if recipe.native and name != "proximal_sgd")


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "chain"])
@pytest.mark.parametrize("name", NATIVE)
def test_recipe_matches_mxnet_builtin(name, fused):
    # float32: MXNet's AdaGrad and RMSProp keep float32 state whatever the weight's dtype.
    lr = 1.0 if name == "adadelta" else 0.05   # MXNet's AdaDelta has no learning rate
    # MXNet's nag_mom_update reads the already updated weight in its weight-decay term: compare without decay.
    wd = 0.0 if name == "nesterov" else 0.02
    hp = _hyperparameters(name, **({"momentum": 0.8} if "momentum" in RECIPES[name].defaults else {}))
    w0, grads = _problem(seed=11, dtype="float32")
    native = _native(name, lr, wd, hp)
    native.rescale_grad = ours_rescale = 0.7
    ours = recipes.create(name, fused=fused, learning_rate=lr, wd=wd, rescale_grad=ours_rescale, **hp)
    # MXNet's AdaDelta rescales the gradient in place: give each optimizer its own copies.
    got = _run_optimizer(ours, w0, [g.copy() for g in grads])
    expected = _run_optimizer(native, w0, [g.copy() for g in grads])
    # The fused path runs MXNet's own kernel; the chain computes with float64 hyper-parameters where the
    # kernels round them to float32 (1 - beta2 is 1.3e-5 off), hence its looser bound.
    assert_close(got, expected, rtol=1e-6 if fused else 1e-5)


def test_fused_and_chain_paths_share_state_layout():
    w0, grads = _problem(seed=5)
    for name, recipe in RECIPES.items():
        fused = recipes.create(name, fused=True)
        chained = recipes.create(name, fused=False)
        weight = mx.nd.array(w0, dtype="float32")
        state = fused.create_state(0, weight)
        for g in grads[:10]:
            fused.update(0, weight, mx.nd.array(g, dtype="float32"), state)
        # Switch paths mid-run: the chain must continue from the fused kernel's state.
        chained._index_update_count[0] = fused._index_update_count[0]
        for g in grads[10:]:
            chained.update(0, weight, mx.nd.array(g, dtype="float32"), state)
        lr = recipe.defaults["learning_rate"]
        expected = reference_run(name, w0, grads, [lr] * STEPS, _hyperparameters(name), wd=recipe.defaults["wd"],
                                 l1=recipe.defaults.get("l1", 0.0))
        assert_close(weight.asnumpy(), expected, rtol=1e-5)


def test_every_recipe_is_registered_with_mxnet():
    for name, recipe in RECIPES.items():
        opt = mx.optimizer.create(recipe.mx_name, learning_rate=0.1)
        assert type(opt) is recipes.recipe_class(name)
        assert opt.lr == 0.1


def test_lr_and_wd_multipliers_of_gluon_parameters_are_honoured():
    w0, grads = _problem(seed=8)
    param = mx.gluon.Parameter("w", shape=SHAPE, dtype="float64", lr_mult=0.5, wd_mult=2.0)
    opt = recipes.create("sgd", learning_rate=0.1, wd=0.05, param_dict={0: param})
    got = _run_optimizer(opt, w0, grads)
    expected = reference_run("sgd", w0, grads, [0.05] * STEPS, {}, wd=0.1)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_l1_proximal_sets_small_weights_exactly_to_zero():
    w0 = np.array([[0.01, -0.02, 2.0, -3.0]])
    opt = recipes.create("proximal_sgd", learning_rate=0.1, l1=0.5)
    got = _run_optimizer(opt, w0, [np.zeros_like(w0)])
    np.testing.assert_array_equal(got[0, :2], 0.0)
    np.testing.assert_allclose(got[0, 2:], [1.95, -2.95])


def test_float16_weights_with_multi_precision_match_float32():
    w0, grads = _problem(seed=9, dtype="float32")
    opt32 = recipes.create("adam", learning_rate=0.01)
    opt16 = recipes.create("adam", learning_rate=0.01, multi_precision=True)
    got16 = _run_optimizer(opt16, w0.astype("float16"), [g.astype("float16") for g in grads])
    got32 = _run_optimizer(opt32, w0, [g.astype("float16").astype("float32") for g in grads])
    np.testing.assert_allclose(got16.astype("float32"), got32, atol=2e-3)


def test_a_user_chain_is_an_mxnet_optimizer():
    # optax's adamw written by hand equals the registered recipe.
    w0, grads = _problem(seed=4)
    chain = transforms.chain(transforms.scale_by_adam(0.9, 0.999, 1e-8), transforms.add_decayed_weights(),
                             transforms.scale_by_learning_rate())
    mine = transforms.ComposedOptimizer(chain, learning_rate=0.01, wd=0.1)
    got = _run_optimizer(mine, w0, grads)
    expected = reference_run("adamw", w0, grads, [0.01] * STEPS, _hyperparameters("adamw"), wd=0.1)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert "scale_by_adam" in repr(mine)


@pytest.mark.parametrize("kwargs, message", [
    ({"beta1": 1.0}, "beta1 must be in [0.0, 1.0)"),
    ({"epsilon": -1.0}, "epsilon must be in [0.0, inf)"),
    ({"learning_rate": -0.1}, "learning_rate must be a finite number >= 0"),
    ({"l1": -1}, "l1 must be in"),
])
def test_bad_hyperparameters_name_the_optimizer_and_the_range(kwargs, message):
    with pytest.raises(ValueError) as info:
        recipes.create("adam", **kwargs)
    assert "gluonx_adam" in str(info.value) and message in str(info.value)


def test_unknown_argument_lists_the_accepted_ones():
    with pytest.raises(TypeError, match="gluonx_momentum.*'betas'.*momentum"):
        recipes.create("momentum", betas=(0.9, 0.99))


def test_chain_rejects_a_state_of_the_wrong_length():
    chain = transforms.chain(transforms.trace(0.9), transforms.scale_by_learning_rate())
    step = transforms.StepContext(lr=0.1, wd=0.0, t=1, clip_gradient=None)
    with pytest.raises(ValueError, match="expected a state of 2 entries"):
        chain.update(mx.nd.ones(2), ((mx.nd.zeros(2),),), mx.nd.ones(2), step)


def test_recipes_pickle_for_distributed_kvstores():
    import pickle
    opt = recipes.create("adamw", learning_rate=0.01)
    copy = pickle.loads(pickle.dumps(opt, 0))
    assert type(copy) is type(opt) and copy.hyperparameters == opt.hyperparameters
    assert math.isclose(copy.lr, 0.01)
