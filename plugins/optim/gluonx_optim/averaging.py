"""Parameter averaging (Polyak, exponential moving average, SWA) around any optimizer, with a swap-in.

Two ways to use it:

- :class:`AveragedOptimizer` wraps any ``mx.optimizer.Optimizer`` (a gluonx recipe or MXNet's own): the
  average lives in the optimizer state next to the wrapped optimizer's, so it follows ``gluon.Trainer`` on
  several contexts and is saved by :mod:`gluonx_optim.state_io`. It is registered as ``gluonx_polyak``,
  ``gluonx_ema`` and ``gluonx_swa``: ``gluon.Trainer(params, 'gluonx_ema', {'optimizer': 'gluonx_adam',
  'learning_rate': 1e-3, 'decay': 0.999})``. :func:`swap_averages` puts the averages into the parameters for
  evaluation or export and restores the trained values afterwards.
- :class:`ParameterAverage` tracks parameters from outside, after each ``trainer.step`` or closure step, for
  code that cannot change its optimizer.

Every method updates ``a <- a + alpha_t (w - a)`` with a coefficient computed on the host from the update count
``t`` (no synchronisation): Polyak ``alpha_t = 1 / (t - start)``, EMA ``1 - decay``, SWA ``1 / k`` at the k-th
snapshot; before ``start`` the average follows the weights.

Examples
--------
>>> import mxnet as mx
>>> from mxnet import gluon
>>> net = gluon.nn.Dense(1); net.initialize()
>>> trainer = gluon.Trainer(net.collect_params(), "gluonx_ema", {"optimizer": "gluonx_sgd", "decay": 0.99})
>>> # ... train ...; then evaluate or export with the averaged weights:
>>> # with swap_averages(trainer): net.export("model")

References
----------
DL 8.7.3 (Polyak averaging).
"""
import contextlib

import mxnet as mx
import numpy

from .catalog import AVERAGING, MX_PREFIX
from .recipes import register_with_mxnet
from .state_io import trainer_updaters

__all__ = ["averaging_coefficient", "AveragedOptimizer", "ParameterAverage", "swap_averages", "averaged_arrays"]


def _check_hyperparameters(owner, method, decay, start, every):
    if method not in AVERAGING:
        raise ValueError("{}: method must be one of {}, got {!r}".format(owner, sorted(AVERAGING), method))
    if not (0.0 <= float(decay) < 1.0):
        raise ValueError("{}: decay must be in [0, 1), got {!r}".format(owner, decay))
    if int(start) < 0 or int(start) != start:
        raise ValueError("{}: start must be an integer >= 0, got {!r}".format(owner, start))
    if int(every) < 1 or int(every) != every:
        raise ValueError("{}: every must be an integer >= 1, got {!r}".format(owner, every))


def averaging_coefficient(method, t, start=0, decay=0.999, every=1):
    """The ``alpha`` of ``a <- a + alpha (w - a)`` after update number ``t`` (1-based); 0 means no change."""
    if t <= start:
        return 1.0
    if method == "polyak":
        return 1.0 / (t - start)
    if method == "ema":
        return 1.0 - decay
    if method == "swa":
        since = t - start
        return 1.0 / (since // every + 1) if since % every == 0 else 0.0
    raise ValueError("unknown averaging method {!r}; known: {}".format(method, sorted(AVERAGING)))


def _accumulate(average, weight, alpha):
    if alpha == 1.0:
        weight.copyto(average)
    elif alpha:
        average += alpha * (weight - average)


class AveragedOptimizer(mx.optimizer.Optimizer):
    """Wraps an optimizer and keeps an average of each weight in the optimizer state.

    Parameters
    ----------
    optimizer : str or mx.optimizer.Optimizer
        The wrapped optimizer, or its ``mx.optimizer`` name (default ``'gluonx_sgd'``).
    method : {'polyak', 'ema', 'swa'}
        Averaging method (fixed by the registered subclasses).
    decay : float
        EMA decay in [0, 1).
    start : int
        Update count before which the average just follows the weights.
    every : int
        SWA snapshot period, in updates.
    **kwargs
        Passed to the wrapped optimizer when it is given by name (``learning_rate``, ``momentum``...).

    Notes
    -----
    The wrapped optimizer does the update counting, the learning rate and ``rescale_grad``; reads and writes
    of those attributes on the wrapper go to it, so ``gluon.Trainer`` drives it unchanged.
    """

    method = "ema"
    examples = {}
    #: Attributes that belong to the wrapped optimizer.
    _FORWARDED = frozenset([
        "rescale_grad", "param_dict", "lr", "lr_scheduler", "wd", "clip_gradient", "multi_precision",
        "num_update", "begin_num_update", "_index_update_count", "_all_index_update_counts", "idx2name",
        "lr_mult", "wd_mult", "allow_np_array", "sym_info"])

    def __init__(self, optimizer="gluonx_sgd", method=None, decay=None, start=None, every=None, **kwargs):
        # Optimizer.__init__ is not called: every optimizer attribute is the wrapped optimizer's.
        method = method or type(self).method
        defaults = AVERAGING.get(method, AVERAGING["ema"]).defaults
        decay = defaults.get("decay", 0.999) if decay is None else decay
        start = defaults.get("start", 0) if start is None else start
        every = defaults.get("every", 1) if every is None else every
        owner = "optimizer '{}{}'".format(MX_PREFIX, method)
        _check_hyperparameters(owner, method, decay, start, every)
        if isinstance(optimizer, str):
            optimizer = mx.optimizer.create(optimizer, **kwargs)
        elif kwargs:
            raise TypeError("{}: keyword arguments {} apply to an optimizer given by name only".format(
                owner, sorted(kwargs)))
        if not isinstance(optimizer, mx.optimizer.Optimizer):
            raise TypeError("{}: optimizer must be an mx.optimizer.Optimizer or its name, got {!r}".format(
                owner, optimizer))
        object.__setattr__(self, "base", optimizer)
        self.method, self.decay, self.start, self.every = method, float(decay), int(start), int(every)
        # The Updater hands whole lists to optimizers with aggregate_num > 0; this wrapper updates one by one.
        self.aggregate_num = 0

    def __getattr__(self, name):
        base = self.__dict__.get("base")
        if base is not None and name in AveragedOptimizer._FORWARDED:
            return getattr(base, name)
        raise AttributeError("'{}' object has no attribute '{}'".format(type(self).__name__, name))

    def __setattr__(self, name, value):
        if name in AveragedOptimizer._FORWARDED:
            setattr(self.base, name, value)
        else:
            object.__setattr__(self, name, value)

    def __getstate__(self):
        return dict(self.__dict__)

    def __setstate__(self, state):
        self.__dict__.update(state)

    def _set_current_context(self, device_id):
        self.base._set_current_context(device_id)

    @property
    def hyperparameters(self):
        """The averaging settings and the wrapped optimizer's hyper-parameters."""
        inner = getattr(self.base, "hyperparameters", {"learning_rate": self.base.lr, "wd": self.base.wd})
        return dict(inner, optimizer=type(self.base).__name__, method=self.method, decay=self.decay,
                    start=self.start, every=self.every)

    def create_state(self, index, weight):
        return (self.base.create_state(index, weight), weight.copy())

    def update(self, index, weight, grad, state):
        base_state, average = state
        self.base.update(index, weight, grad, base_state)
        t = self.base._index_update_count[index]
        _accumulate(average, weight, averaging_coefficient(self.method, t, self.start, self.decay, self.every))

    def __repr__(self):
        return "{}({!r}, decay={}, start={}, every={})".format(
            type(self).__name__, self.base, self.decay, self.start, self.every)


def _make_class(entry):
    doc = """{summary} (wrapper around any optimizer, see :class:`AveragedOptimizer`).

    Defaults: {defaults}. Known to ``mx.optimizer`` as ``'{prefix}{name}'``.

    References
    ----------
    {book}.
    """.format(summary=entry.summary, defaults=entry.defaults, prefix=MX_PREFIX, name=entry.name,
               book=entry.book_section)
    return type(entry.class_name, (AveragedOptimizer,), {
        "method": entry.name, "examples": entry.examples, "__doc__": doc, "__module__": __name__,
        "__qualname__": entry.class_name})


for _entry in AVERAGING.values():
    globals()[_entry.class_name] = register_with_mxnet(MX_PREFIX + _entry.name, _make_class(_entry))
    __all__.append(_entry.class_name)


def _average_of(state, weight, optimizer):
    if optimizer.multi_precision and weight.dtype == numpy.float16:
        state = state[1]   # (float32 master copy, wrapped state)
    return state[1]


def averaged_arrays(trainer):
    """``{parameter name: averaged NDArray}`` of a ``gluon.Trainer`` whose optimizer is averaged.

    Parameters the optimizer has not updated yet are absent.
    """
    optimizer = trainer._optimizer
    if not isinstance(optimizer, AveragedOptimizer):
        raise TypeError("averaged_arrays: the trainer's optimizer is {}, not an averaged optimizer "
                        "(gluonx_polyak, gluonx_ema or gluonx_swa)".format(type(optimizer).__name__))
    updater = trainer_updaters(trainer)[0]
    params = trainer._params
    return {params[index].name: _average_of(state, params[index].list_data()[0], optimizer)
            for index, state in updater.states.items()}


@contextlib.contextmanager
def swap_averages(trainer):
    """Inside the block the trainer's parameters hold their averages (on every context); restored after.

    Use it to evaluate, ``export()`` or ``save_parameters()`` the averaged model. Parameters the optimizer
    has not updated yet keep their values.
    """
    averages = averaged_arrays(trainer)
    params = {param.name: param for param in trainer._params}
    backups = {}
    try:
        for name, average in averages.items():
            backups[name] = [data.copy() for data in params[name].list_data()]
            for data in params[name].list_data():
                average.copyto(data)
        yield trainer
    finally:
        for name, saved in backups.items():
            for data, backup in zip(params[name].list_data(), saved):
                backup.copyto(data)


class ParameterAverage:
    """Averages of Gluon parameters tracked from outside the optimizer.

    Parameters
    ----------
    params : ParameterDict or list of Parameter
        The parameters to average (each context's copy is averaged where it lives).
    method : {'polyak', 'ema', 'swa'}
    decay, start, every
        As in :class:`AveragedOptimizer`.

    Examples
    --------
    >>> average = ParameterAverage(net.collect_params(), "ema", decay=0.99)   # doctest: +SKIP
    >>> for batch in data:                                                    # doctest: +SKIP
    ...     train_step(batch); average.update()
    >>> with average.swap():                                                  # doctest: +SKIP
    ...     evaluate(net)
    """

    def __init__(self, params, method="ema", decay=0.999, start=0, every=1):
        _check_hyperparameters("ParameterAverage", method, decay, start, every)
        params = list(params.values()) if hasattr(params, "values") else list(params)
        self.params = [p for p in params if p.grad_req != "null"]
        self.method, self.decay, self.start, self.every = method, float(decay), int(start), int(every)
        self.num_updates = 0
        self.averages = [[data.copy() for data in p.list_data()] for p in self.params]

    def update(self):
        """Fold the parameters' current values into the averages (call after each optimizer step)."""
        self.num_updates += 1
        alpha = averaging_coefficient(self.method, self.num_updates, self.start, self.decay, self.every)
        for param, averages in zip(self.params, self.averages):
            for data, average in zip(param.list_data(), averages):
                _accumulate(average, data, alpha)

    @contextlib.contextmanager
    def swap(self):
        """Inside the block the parameters hold their averages; their trained values are restored after."""
        backups = [[data.copy() for data in p.list_data()] for p in self.params]
        try:
            self.copy_to_params()
            yield self
        finally:
            for param, saved in zip(self.params, backups):
                for data, backup in zip(param.list_data(), saved):
                    backup.copyto(data)

    def copy_to_params(self):
        """Overwrite the parameters with their averages for good (e.g. before a final export)."""
        for param, averages in zip(self.params, self.averages):
            for data, average in zip(param.list_data(), averages):
                average.copyto(data)

    def state_dict(self):
        """``(arrays, meta)``: the averages as NDArrays and the settings as JSON values, for checkpoints."""
        arrays = {"average/{}/{}".format(i, c): avg for i, avgs in enumerate(self.averages)
                  for c, avg in enumerate(avgs)}
        meta = {"method": self.method, "decay": self.decay, "start": self.start, "every": self.every,
                "num_updates": self.num_updates, "shapes": [list(p.shape) for p in self.params]}
        return arrays, meta

    def load_state_dict(self, arrays, meta):
        """Restore what :meth:`state_dict` returned; raises ValueError when it does not fit these parameters."""
        shapes = [list(p.shape) for p in self.params]
        if meta.get("shapes") != shapes or meta.get("method") != self.method:
            raise ValueError("ParameterAverage.load_state_dict: expected method {!r} over shapes {}, got {!r} "
                             "over {}".format(self.method, shapes, meta.get("method"), meta.get("shapes")))
        for i, averages in enumerate(self.averages):
            for c, average in enumerate(averages):
                key = "average/{}/{}".format(i, c)
                if key not in arrays:
                    raise ValueError("ParameterAverage.load_state_dict: missing array {!r}".format(key))
                arrays[key].copyto(average)
        self.num_updates = int(meta["num_updates"])

    def __repr__(self):
        return "ParameterAverage({} parameters, method={!r}, updates={})".format(
            len(self.params), self.method, self.num_updates)

