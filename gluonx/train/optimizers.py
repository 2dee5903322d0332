"""Several optimizers in one run: each over its own parameters, with its own schedule (DL 20.10.4)."""
import re

import mxnet as mx

__all__ = ["OptimizerGroup", "make_optimizer"]


def make_optimizer(optimizer, params=None):
    """An ``mx.optimizer.Optimizer`` from a name (resolved as everywhere in gluonx, see
    :func:`gluonx._mxnet_bridge.create_optimizer`) or an instance."""
    params = dict(params or {})
    if isinstance(optimizer, mx.optimizer.Optimizer):
        if params:
            raise ValueError("optimizer_params are given but the optimizer is already an instance")
        return optimizer
    if not isinstance(optimizer, str):
        raise TypeError("optimizer must be a name or an mx.optimizer.Optimizer, got {!r}".format(optimizer))
    from .._mxnet_bridge import create_optimizer
    return create_optimizer(optimizer, **params)


class OptimizerGroup:
    """One optimizer of a run with several (``Trainer(..., optimizer={"d": OptimizerGroup(...), ...})``).

    Parameters
    ----------
    optimizer : str or mx.optimizer.Optimizer
        As the trainer's ``optimizer`` argument.
    optimizer_params : dict, optional
        e.g. ``{"learning_rate": 2e-4, "beta1": 0.5, "lr_scheduler": ...}`` (its own schedule).
    params : None, str, Block or sequence of Parameter
        The parameters this optimizer updates: a sub-block (``net.generator``), a regular expression
        searched in structural names (``"^discriminator\\."``), Parameters, or ``None`` for every trainable
        parameter no other group takes (at most one group).

    Examples
    --------
    >>> groups = {"discriminator": OptimizerGroup("adam", {"learning_rate": 1e-3}, params=r"^disc\\."),
    ...           "generator": OptimizerGroup("adam", {"learning_rate": 1e-3}, params=r"^gen\\.")}
    """

    def __init__(self, optimizer="sgd", optimizer_params=None, params=None):
        if params is not None and not isinstance(params, (str, mx.gluon.Block)):
            params = list(params)
            if not all(isinstance(p, mx.gluon.Parameter) for p in params):
                raise TypeError("OptimizerGroup params must be None, a regular expression, a Block or Parameters")
        if isinstance(params, str):
            re.compile(params)
        self.optimizer = optimizer
        self.optimizer_params = dict(optimizer_params or {})
        self.params = params

    def select(self, structural):
        """The Parameters of ``structural`` (``{name: Parameter}``) this group takes (None: undecided)."""
        if self.params is None:
            return None
        if isinstance(self.params, str):
            pattern = re.compile(self.params)
            return [p for name, p in structural.items() if pattern.search(name)]
        chosen = self.params.collect_params().values() if isinstance(self.params, mx.gluon.Block) else self.params
        ids = {id(p) for p in chosen}
        return [p for p in structural.values() if id(p) in ids]


def assign_groups(groups, net):
    """``{group name: [Parameter, ...]}`` (trainable ones, in structural order); raises if a parameter is
    claimed twice, a group gets none, or a trainable parameter has no group."""
    structural = {name: p for name, p in net._collect_params_with_prefix().items() if p.grad_req != "null"}
    owner = {}
    chosen = {}
    rest = [name for name, group in groups.items() if group.params is None]
    if len(rest) > 1:
        raise ValueError("optimizer groups {} all take 'every other parameter' (params=None): give all but one "
                         "of them their parameters".format(rest))
    for name, group in groups.items():
        selected = group.select(structural)
        if selected is None:
            continue
        for param in selected:
            if id(param) in owner and owner[id(param)] != name:
                raise ValueError("parameter {} is in optimizer groups {!r} and {!r}: a parameter has one "
                                 "optimizer".format(param.name, owner[id(param)], name))
            owner[id(param)] = name
        chosen[name] = selected
    leftover = [p for p in structural.values() if id(p) not in owner]
    if rest:
        chosen[rest[0]] = leftover
    elif leftover:
        raise ValueError("no optimizer group takes the trainable parameter(s) {}: add them to a group or give "
                         "one group params=None".format([p.name for p in leftover[:5]]))
    empty = [name for name in groups if not chosen.get(name)]
    if empty:
        raise ValueError("optimizer group(s) {} select no trainable parameter".format(empty))
    return {name: chosen[name] for name in groups}
