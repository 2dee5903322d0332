"""Composable gradient transformations, optax-style, on MXNet NDArrays.

A transformation is a pair ``(init, update)``: ``init(weight)`` returns its state (a tuple of NDArrays shaped
like the weight), ``update(updates, state, weight, step)`` maps incoming updates to outgoing updates and
advances the state *in place* (MXNet's :class:`~mxnet.optimizer.Updater` keeps the state objects, so they must
not be replaced). :func:`chain` composes transformations; :class:`ComposedOptimizer` turns any of them into an
``mx.optimizer.Optimizer``, so it runs under ``gluon.Trainer``, on several contexts and with ``param_dict``
learning-rate and weight-decay multipliers.

Per-step hyper-parameters that MXNet manages (learning rate from the scheduler and ``lr_mult``, weight decay
with ``wd_mult``, the update count, ``clip_gradient``) reach the transformations in a :class:`StepContext`;
transformations that take them as ``None`` read them from there.

Examples
--------
>>> import mxnet as mx
>>> from gluonx_optim.transforms import chain, scale_by_adam, add_decayed_weights, scale_by_learning_rate
>>> adamw = ComposedOptimizer(chain(scale_by_adam(), add_decayed_weights(), scale_by_learning_rate()),
...                           learning_rate=1e-3, wd=1e-2)
>>> w, g = mx.nd.ones((2, 3)), mx.nd.ones((2, 3))
>>> adamw.update(0, w, g, adamw.create_state(0, w))

References
----------
D2L 7 (optimization algorithms), DL 8.3 and 8.5 (basic and adaptive-learning-rate algorithms).
"""
import collections
import math

import mxnet as mx

__all__ = [
    "StepContext", "GradientTransformation", "Chain", "chain", "identity", "scale", "scale_by_learning_rate",
    "add_decayed_weights", "clip", "trace", "scale_by_adagrad", "scale_by_rms", "scale_by_adadelta",
    "scale_by_adam", "add_l1_proximal", "ComposedOptimizer",
]

#: Per-parameter, per-step values that the optimizer hands to every transformation.
StepContext = collections.namedtuple("StepContext", "lr wd t clip_gradient")


def _check_range(owner, name, value, low, high, low_open=False, high_open=True):
    value = float(value)
    ok_low = value > low if low_open else value >= low
    ok_high = value < high if high_open else value <= high
    if not (ok_low and ok_high and math.isfinite(value)):
        raise ValueError("{}: {} must be in {}{}, {}{}, got {!r}".format(
            owner, name, "(" if low_open else "[", low, high, ")" if high_open else "]", value))
    return value


def _zeros_like(weight):
    return mx.nd.zeros(weight.shape, ctx=weight.context, dtype=weight.dtype)


class GradientTransformation:
    """Base class: a named ``(init, update)`` pair without state.

    Subclasses override :meth:`init` (return a tuple of NDArrays) and :meth:`update` (return the new updates,
    never modifying ``updates`` in place: it may be the caller's gradient).
    """

    #: Short name used in ``repr`` and by recipes to find a transformation's state.
    name = "transformation"

    def init(self, weight):
        """Return this transformation's state for ``weight`` (a tuple, empty when stateless)."""
        return ()

    def update(self, updates, state, weight, step):
        """Return transformed ``updates``; advance ``state`` in place. ``step`` is a :class:`StepContext`."""
        return updates

    def _params(self):
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __repr__(self):
        args = ", ".join("{}={!r}".format(k, v) for k, v in self._params().items())
        return "{}({})".format(self.name, args)


def identity():
    """The transformation that changes nothing (a placeholder in tables of recipes)."""
    return GradientTransformation()


class _Scale(GradientTransformation):
    name = "scale"

    def __init__(self, factor):
        self.factor = float(factor)

    def update(self, updates, state, weight, step):
        return updates * self.factor


def scale(factor):
    """Multiply updates by a constant ``factor``."""
    return _Scale(factor)


class _ScaleByLearningRate(GradientTransformation):
    name = "scale_by_learning_rate"

    def __init__(self, flip_sign=True):
        self.flip_sign = bool(flip_sign)

    def update(self, updates, state, weight, step):
        return updates * (-step.lr if self.flip_sign else step.lr)


def scale_by_learning_rate(flip_sign=True):
    """Multiply updates by the step's learning rate, negated by default (descent).

    The learning rate is the optimizer's, after the schedule and the parameter's ``lr_mult``.
    """
    return _ScaleByLearningRate(flip_sign)


class _AddDecayedWeights(GradientTransformation):
    name = "add_decayed_weights"

    def __init__(self, weight_decay=None):
        if weight_decay is not None:
            weight_decay = _check_range("add_decayed_weights", "weight_decay", weight_decay, 0.0, math.inf)
        self.weight_decay = weight_decay

    def update(self, updates, state, weight, step):
        wd = step.wd if self.weight_decay is None else self.weight_decay
        if not wd:
            return updates
        return updates + wd * weight


def add_decayed_weights(weight_decay=None):
    """Add ``weight_decay * weight`` to the updates: the gradient of an L2 penalty ``wd/2 * ||w||^2``.

    Placed before an adaptive scaling this is the classic coupled L2 penalty (DL 7.1.1); placed after it (and
    before :func:`scale_by_learning_rate`) it is decoupled weight decay (AdamW). ``None`` uses the optimizer's
    ``wd`` times the parameter's ``wd_mult``.
    """
    return _AddDecayedWeights(weight_decay)


class _Clip(GradientTransformation):
    name = "clip"

    def __init__(self, max_delta=None):
        if max_delta is not None:
            max_delta = _check_range("clip", "max_delta", max_delta, 0.0, math.inf, low_open=True)
        self.max_delta = max_delta

    def update(self, updates, state, weight, step):
        bound = step.clip_gradient if self.max_delta is None else self.max_delta
        if bound is None or bound <= 0:
            return updates
        return mx.nd.clip(updates, -bound, bound)


def clip(max_delta=None):
    """Clip updates element-wise to ``[-max_delta, max_delta]`` (``None``: the optimizer's ``clip_gradient``,
    no clipping when that is unset)."""
    return _Clip(max_delta)


class _Trace(GradientTransformation):
    name = "trace"

    def __init__(self, decay, nesterov=False):
        self.decay = _check_range("trace", "decay (momentum)", decay, 0.0, 1.0)
        self.nesterov = bool(nesterov)

    def init(self, weight):
        return (_zeros_like(weight),)

    def update(self, updates, state, weight, step):
        (velocity,) = state
        velocity *= self.decay
        velocity += updates
        if self.nesterov:
            return updates + self.decay * velocity
        # Safe to hand out the state itself: transformations never write to their input updates.
        return velocity


def trace(decay, nesterov=False):
    """Momentum as a leaky sum ``v <- decay * v + u``; outputs ``v`` or, with ``nesterov``, ``u + decay * v``.

    Chained *after* :func:`scale_by_learning_rate` this is DL 8.3.2's ``v <- a v - lr g`` (MXNet's
    ``sgd_mom_update`` state); chained before it, D2L 7.4's leaky average. The two agree while the learning
    rate is constant.

    References
    ----------
    DL 8.3.2-8.3.3, D2L 7.4.
    """
    return _Trace(decay, nesterov)


class _ScaleByAdagrad(GradientTransformation):
    name = "scale_by_adagrad"

    def __init__(self, eps=1e-7):
        self.eps = _check_range("scale_by_adagrad", "eps", eps, 0.0, math.inf)

    def init(self, weight):
        return (_zeros_like(weight),)

    def update(self, updates, state, weight, step):
        (sum_sq,) = state
        sum_sq += mx.nd.square(updates)
        return updates / mx.nd.sqrt(sum_sq + self.eps)


def scale_by_adagrad(eps=1e-7):
    """AdaGrad: ``s <- s + g^2``, output ``g / sqrt(s + eps)``.

    References
    ----------
    D2L 7.5, DL 8.5.1.
    """
    return _ScaleByAdagrad(eps)


class _ScaleByRms(GradientTransformation):
    name = "scale_by_rms"

    def __init__(self, decay=0.9, eps=1e-8):
        self.decay = _check_range("scale_by_rms", "decay (gamma1)", decay, 0.0, 1.0)
        self.eps = _check_range("scale_by_rms", "eps", eps, 0.0, math.inf)

    def init(self, weight):
        return (_zeros_like(weight),)

    def update(self, updates, state, weight, step):
        (mean_sq,) = state
        mean_sq *= self.decay
        mean_sq += (1.0 - self.decay) * mx.nd.square(updates)
        return updates / mx.nd.sqrt(mean_sq + self.eps)


def scale_by_rms(decay=0.9, eps=1e-8):
    """RMSProp: ``s <- decay * s + (1 - decay) * g^2``, output ``g / sqrt(s + eps)``.

    References
    ----------
    D2L 7.6, DL 8.5.2.
    """
    return _ScaleByRms(decay, eps)


class _ScaleByAdadelta(GradientTransformation):
    name = "scale_by_adadelta"

    def __init__(self, rho=0.9, eps=1e-5):
        self.rho = _check_range("scale_by_adadelta", "rho", rho, 0.0, 1.0)
        self.eps = _check_range("scale_by_adadelta", "eps", eps, 0.0, math.inf, low_open=True)

    def init(self, weight):
        return (_zeros_like(weight), _zeros_like(weight))

    def update(self, updates, state, weight, step):
        mean_sq_grad, mean_sq_delta = state
        mean_sq_grad *= self.rho
        mean_sq_grad += (1.0 - self.rho) * mx.nd.square(updates)
        delta = mx.nd.sqrt(mean_sq_delta + self.eps) / mx.nd.sqrt(mean_sq_grad + self.eps) * updates
        mean_sq_delta *= self.rho
        mean_sq_delta += (1.0 - self.rho) * mx.nd.square(delta)
        return delta


def scale_by_adadelta(rho=0.9, eps=1e-5):
    """AdaDelta: ``s <- rho s + (1-rho) g^2``, ``g' = sqrt(dx + eps) / sqrt(s + eps) * g``,
    ``dx <- rho dx + (1-rho) g'^2``; output ``g'``.

    References
    ----------
    D2L 7.7.
    """
    return _ScaleByAdadelta(rho, eps)


class _ScaleByAdam(GradientTransformation):
    name = "scale_by_adam"

    def __init__(self, b1=0.9, b2=0.999, eps=1e-8):
        self.b1 = _check_range("scale_by_adam", "beta1", b1, 0.0, 1.0)
        self.b2 = _check_range("scale_by_adam", "beta2", b2, 0.0, 1.0)
        self.eps = _check_range("scale_by_adam", "epsilon", eps, 0.0, math.inf)

    def init(self, weight):
        return (_zeros_like(weight), _zeros_like(weight))

    def update(self, updates, state, weight, step):
        mean, var = state
        mean *= self.b1
        mean += (1.0 - self.b1) * updates
        var *= self.b2
        var += (1.0 - self.b2) * mx.nd.square(updates)
        # Bias correction folded into two scalars: m_hat / (sqrt(v_hat) + eps) without two extra passes.
        correction1 = 1.0 - self.b1 ** step.t
        correction2 = 1.0 - self.b2 ** step.t
        return (mean / correction1) / (mx.nd.sqrt(var) / math.sqrt(correction2) + self.eps)


def scale_by_adam(b1=0.9, b2=0.999, eps=1e-8):
    """Adam: moment estimates ``m, v`` with bias correction; output ``m_hat / (sqrt(v_hat) + eps)``.

    References
    ----------
    D2L 7.8, DL 8.5.3.
    """
    return _ScaleByAdam(b1, b2, eps)


class _AddL1Proximal(GradientTransformation):
    name = "add_l1_proximal"

    def __init__(self, l1):
        self.l1 = _check_range("add_l1_proximal", "l1", l1, 0.0, math.inf)

    def update(self, updates, state, weight, step):
        if not self.l1:
            return updates
        target = weight + updates
        threshold = abs(step.lr) * self.l1
        # sign(z) max(|z| - t, 0) written as z - clip(z, -t, t): exact zeros, fewer passes.
        return target - mx.nd.clip(target, -threshold, threshold) - weight


def add_l1_proximal(l1):
    """Proximal step of an L1 penalty ``l1 * ||w||_1``: soft-threshold ``w + u`` by ``lr * l1``.

    Goes last in a chain (after :func:`scale_by_learning_rate`): the result is ``prox(w + u) - w``, so the
    weight lands exactly on zero instead of oscillating around it as a subgradient step would.

    References
    ----------
    DL 7.1.2 (L1 regularization).
    """
    return _AddL1Proximal(l1)


class Chain(GradientTransformation):
    """Transformations applied in order; the state is the tuple of their states."""

    name = "chain"

    def __init__(self, *transforms):
        for transform in transforms:
            if not isinstance(transform, GradientTransformation):
                raise TypeError("chain: expected GradientTransformation objects, got {!r}".format(transform))
        self.transforms = tuple(transforms)

    def init(self, weight):
        return tuple(transform.init(weight) for transform in self.transforms)

    def update(self, updates, state, weight, step):
        if len(state) != len(self.transforms):
            raise ValueError("chain: expected a state of {} entries (one per transformation), got {}".format(
                len(self.transforms), len(state)))
        for transform, sub_state in zip(self.transforms, state):
            updates = transform.update(updates, sub_state, weight, step)
        return updates

    def index(self, name):
        """Position of the first transformation called ``name`` (its state is ``state[index]``), or None."""
        for position, transform in enumerate(self.transforms):
            if transform.name == name:
                return position
        return None

    def __repr__(self):
        return "chain({})".format(", ".join(repr(t) for t in self.transforms))


def chain(*transforms):
    """Compose transformations: ``chain(scale_by_adam(), add_decayed_weights(), scale_by_learning_rate())``."""
    return Chain(*transforms)


class ComposedOptimizer(mx.optimizer.Optimizer):
    """An ``mx.optimizer.Optimizer`` that applies a gradient transformation.

    ``update`` rescales the gradient by ``rescale_grad`` (``gluon.Trainer`` sets it to ``1/batch_size``), runs
    the transformation and adds the result to the weight in place.

    Parameters
    ----------
    transform : GradientTransformation
        Usually a :func:`chain`.
    **kwargs
        ``mx.optimizer.Optimizer`` arguments: ``learning_rate``, ``wd``, ``lr_scheduler``, ``clip_gradient``,
        ``rescale_grad``, ``multi_precision``, ``param_dict``...

    Examples
    --------
    >>> from gluonx_optim.transforms import chain, trace, scale_by_learning_rate
    >>> opt = ComposedOptimizer(chain(trace(0.9), scale_by_learning_rate()), learning_rate=0.1)
    """

    def __init__(self, transform=None, **kwargs):
        super().__init__(**kwargs)
        if transform is not None and not isinstance(transform, GradientTransformation):
            raise TypeError("{}: transform must be a GradientTransformation (e.g. chain(...)), got {!r}".format(
                type(self).__name__, transform))
        self.transform = transform

    def create_state(self, index, weight):
        return self.transform.init(weight)

    def _step_context(self, index):
        return StepContext(lr=self._get_lr(index), wd=self._get_wd(index),
                           t=self._index_update_count[index], clip_gradient=self.clip_gradient)

    def update(self, index, weight, grad, state):
        if grad.stype != "default":
            # Dense update of a sparse gradient: correct, though not lazy like MXNet's row-sparse kernels.
            grad = grad.tostype("default")
        self._update_count(index)
        self._apply(weight, grad, state, self._step_context(index))

    def _apply(self, weight, grad, state, step):
        updates = grad * self.rescale_grad if self.rescale_grad != 1.0 else grad
        weight += self.transform.update(updates, state, weight, step)

    def __repr__(self):
        return "{}({!r})".format(type(self).__name__, self.transform)
