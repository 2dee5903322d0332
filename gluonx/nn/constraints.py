"""Max-norm weight constraint: after each optimizer step, shrink every weight vector longer than ``c``."""
import math
import numbers
import re

from mxnet import gluon, nd

__all__ = ["MaxNormConstraint", "max_norm"]


def _norm_axes(ndim, axis):
    if axis is None:
        return tuple(range(1, ndim))
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    normalized = tuple(sorted({a % ndim for a in axes})) if all(-ndim <= a < ndim for a in axes) else None
    if not normalized:
        raise ValueError("max-norm constraint: axis {!r} is out of range for a weight of rank {}"
                         .format(axis, ndim))
    return normalized


def max_norm(weight, max_value, axis=None):
    """Return ``weight`` with every vector along ``axis`` rescaled to a norm of at most ``max_value``.

    ``w <- w * min(1, max_value / ||w||_2)``: vectors inside the ball are unchanged, longer ones are
    projected onto its surface. Asynchronous like any NDArray operation (nothing is read back).

    Parameters
    ----------
    weight : mx.nd.NDArray
        A weight of rank >= 1.
    max_value : float
        The largest allowed L2 norm ``c`` (> 0).
    axis : int or tuple of int, optional
        Axes the norm is taken over. ``None`` (default) means all axes but the first: for Gluon's
        ``Dense`` (``(units, in_units)``), ``Conv*D`` (``(channels, in_channels, *kernel)``) and
        ``Embedding`` weights that is one vector per output unit (its incoming weights), the vector the
        book constrains (a column of its ``W``, which is stored transposed in Gluon).

    Returns
    -------
    mx.nd.NDArray
        Same shape and dtype as ``weight``.

    Examples
    --------
    >>> import mxnet as mx
    >>> max_norm(mx.nd.array([[3, 4], [0.3, 0.4]]), 1.0)   # rows of norm 5 and 0.5
    <BLANKLINE>
    [[0.6 0.8]
     [0.3 0.4]]
    <NDArray 2x2 @cpu(0)>

    References
    ----------
    Goodfellow, Bengio & Courville, *Deep Learning*, section 7.2 (norm penalties as constrained
    optimization; explicit constraints by reprojection), DL 7.2.
    """
    _check_max_value(max_value)
    if weight.ndim == 1 and axis is None:
        axes = (0,)
    else:
        axes = _norm_axes(weight.ndim, axis)
    norms = nd.norm(weight, axis=axes, keepdims=True)
    # A zero vector gives max_value / 0 = inf, and min(1, inf) = 1 keeps it zero: no epsilon needed, so
    # vectors inside the ball are left bit-for-bit unchanged.
    return nd.broadcast_mul(weight, nd.minimum(max_value / norms, 1.0))


def _check_max_value(max_value):
    if (not isinstance(max_value, numbers.Real) or isinstance(max_value, bool) or not math.isfinite(max_value)
            or max_value <= 0):
        raise ValueError("max-norm constraint: max_value must be a finite number > 0, got {!r}"
                         .format(max_value))


class MaxNormConstraint:
    """Keep selected weights of any Block inside a max-norm ball by reprojection after each update.

    Training with the constraint is projected gradient descent: take the optimizer step, then project
    every constrained vector back onto ``||w||_2 <= c``. Unlike a norm penalty, the constraint never
    pulls small weights towards zero, and it keeps large learning rates stable.

    Parameters
    ----------
    params : mx.gluon.Block or mx.gluon.ParameterDict or iterable of mx.gluon.Parameter
        Where the weights come from (a Block's parameters are collected with ``collect_params``).
    max_value : float
        The largest allowed L2 norm ``c`` of each vector (> 0). 3 to 4 is the usual choice with dropout.
    axis : int or tuple of int, optional
        Axes the norm is taken over; default all but the first (one vector per output unit), see
        :func:`max_norm`.
    select : str
        Regular expression that parameter names must match (``re.search``); by default the weights.
        Parameters of rank 1 (biases, BatchNorm) and frozen ones (``grad_req='null'``) are skipped
        when ``axis`` is None.

    Examples
    --------
    >>> import mxnet as mx
    >>> net = mx.gluon.nn.Dense(4, in_units=3); net.initialize()
    >>> trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    >>> constraint = MaxNormConstraint(net, max_value=3.0)
    >>> with mx.autograd.record():
    ...     loss = net(mx.nd.ones((2, 3))).sum()
    >>> loss.backward()
    >>> constraint.step(trainer, batch_size=2)   # trainer.step(2), then the projection

    Notes
    -----
    On several devices, create the Trainer with ``update_on_kvstore=False``: otherwise the kvstore
    keeps its own master copy of the weights, which the projection cannot reach, and :meth:`step`
    raises. Every device copy is projected, so the copies stay equal.

    References
    ----------
    Goodfellow, Bengio & Courville, *Deep Learning*, section 7.2 (constrain the norm of each column of
    the weight matrix), DL 7.2; Srivastava et al. (2014), dropout with max-norm regularization.
    """

    def __init__(self, params, max_value=3.0, axis=None, select=r"weight$"):
        _check_max_value(max_value)
        if isinstance(params, gluon.Block):
            params = params.collect_params()
        if isinstance(params, (gluon.ParameterDict, dict)):
            params = params.values()
        params = list(params)
        if not all(isinstance(p, gluon.Parameter) for p in params):
            raise TypeError("MaxNormConstraint expects a Block, a ParameterDict or Parameters, got {}"
                            .format(sorted({type(p).__name__ for p in params})))
        pattern = re.compile(select)
        self.max_value = float(max_value)
        self.axis = axis
        self.params = [p for p in params if pattern.search(p.name) and p.grad_req != "null"]
        if not self.params:
            raise ValueError("MaxNormConstraint: no parameter name matches select={!r} (names: {})"
                             .format(select, [p.name for p in params]))

    def apply(self):
        """Project every selected weight, on every device, in place (asynchronous; reads nothing back)."""
        for param in self.params:
            try:
                copies = param.list_data()
            except (RuntimeError, gluon.parameter.DeferredInitializationError) as err:
                raise RuntimeError("MaxNormConstraint: parameter '{}' has no data yet (initialize the block "
                                   "and run a forward pass first): {}".format(param.name, err)) from None
            if self.axis is None and copies[0].ndim < 2:
                continue
            for data in copies:
                data[:] = max_norm(data, self.max_value, self.axis)

    def step(self, trainer, batch_size, ignore_stale_grad=False):
        """``trainer.step(batch_size)`` followed by :meth:`apply`.

        Raises
        ------
        ValueError
            If the trainer updates weights on a kvstore (its master copy would undo the projection).
        """
        trainer.step(batch_size, ignore_stale_grad=ignore_stale_grad)
        # Gluon's Trainer only decides where it updates during its first step, so check afterwards.
        if getattr(trainer, "_kvstore", None) is not None and getattr(trainer, "_update_on_kvstore", False):
            raise ValueError("MaxNormConstraint: the trainer updates weights on its kvstore, whose copy the "
                             "projection cannot reach; create it with "
                             "gluon.Trainer(..., update_on_kvstore=False)")
        self.apply()

    def __repr__(self):
        return "{}(max_value={}, axis={}, params={})".format(
            type(self).__name__, self.max_value, self.axis, [p.name for p in self.params])
