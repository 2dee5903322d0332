"""Makes the optimizers registered in gluonx known to ``mx.optimizer``, without importing MXNet.

``gluon.Trainer(params, 'gluonx_adamw')`` builds its optimizer with ``mx.optimizer.create``, which only knows
the classes in ``Optimizer.opt_registry``. ``import gluonx`` must not import MXNet (the command line sets
``OMP_NUM_THREADS`` before MXNet starts), and plugins register lazy ``"module:attr"`` factories, so nothing
is in that table until a plugin module is imported. :func:`install` therefore wraps MXNet's ``create``
function: at once when ``mxnet.optimizer`` is already imported, otherwise right after it gets imported (an
import hook that removes itself). The wrapper changes nothing for names MXNet knows; for an unknown name it
looks for a gluonx optimizer whose ``OptimizerInfo.mx_name`` (or else registry name) matches, puts its
factory in MXNet's table and lets MXNet's own function build it.

One name resolution everywhere (:func:`create_optimizer`): ``gluonx.Trainer(net, loss, NAME)``,
``gluonx.get_optimizer(NAME)`` and ``gluon.Trainer(params, NAME)`` build the same implementation:

- a name MXNet knows (``"sgd"``, ``"adam"``, ``"nag"``, ``"rmsprop"``...) is MXNet's optimizer;
- ``"gluonx_<name>"`` (an ``OptimizerInfo.mx_name``) is gluonx's registered optimizer ``<name>``, e.g.
  ``"gluonx_adam"`` for the ``adam`` recipe of the optimizers plugin;
- any other gluonx registry name (``"adamw"``, ``"ema"``) is gluonx's, since MXNet has none by that name.
"""
import functools
import importlib.abc
import sys
import threading

_TARGET = "mxnet.optimizer"
_LOCK = threading.Lock()


def install():
    """Wrap ``mx.optimizer.create`` now if MXNet's optimizer module is loaded, else once it is (idempotent)."""
    with _LOCK:
        module = sys.modules.get(_TARGET)
        if module is not None and hasattr(module, "Optimizer"):
            patch(module)
        elif not any(isinstance(finder, _AfterImportFinder) for finder in sys.meta_path):
            sys.meta_path.insert(0, _AfterImportFinder())


def register_missing(opt_registry, name):
    """Add the gluonx optimizer called ``name`` to MXNet's ``opt_registry``; True if one was found.

    ``name`` is looked up as an ``OptimizerInfo.mx_name`` first, then as a registry name: a name MXNet does
    not know may be gluonx's (``'gluonx_adamw'`` or ``'adamw'``); MXNet's own names never get here.
    """
    from ._api import registry
    infos = registry("optimizers").infos()
    info = next((i for i in infos if i.mx_name and i.mx_name.lower() == name), None) or \
        next((i for i in infos if i.name.lower() == name), None)
    if info is None:
        return False
    factory = info.resolve()
    # Importing the factory's module may have registered it already (gluonx_optim.recipes does).
    opt_registry.setdefault(name, factory)
    return True


def create_optimizer(name, **params):
    """Build the optimizer called ``name`` by the one rule of this module (MXNet's names first, then
    gluonx's ``mx_name`` and registry names); raises ``KeyError`` naming both sets for an unknown name."""
    import mxnet as mx
    install()
    registry = mx.optimizer.Optimizer.opt_registry
    key = name.lower()
    if key not in registry and not register_missing(registry, key):
        from ._api import registry as gluonx_registry
        infos = gluonx_registry("optimizers").infos()
        gluonx_names = sorted({i.mx_name for i in infos if i.mx_name} | {i.name for i in infos})
        mxnet_names = sorted(n for n, cls in registry.items() if getattr(cls, "__module__", "").startswith("mxnet."))
        raise KeyError("unknown optimizer {!r}: MXNet has {}; gluonx plugins add {}".format(
            name, mxnet_names, gluonx_names))
    return mx.optimizer.create(key, **params)


def patch(module):
    """Wrap ``Optimizer.create_optimizer`` and the module-level ``create`` aliases of ``mxnet.optimizer``."""
    optimizer_cls = module.Optimizer
    original = optimizer_cls.create_optimizer
    if getattr(original, "_gluonx_bridge", False):
        return

    @functools.wraps(original)
    def create_optimizer(name, **kwargs):
        if isinstance(name, str) and name.lower() not in optimizer_cls.opt_registry:
            register_missing(optimizer_cls.opt_registry, name.lower())
        return original(name, **kwargs)

    create_optimizer._gluonx_bridge = True
    optimizer_cls.create_optimizer = staticmethod(create_optimizer)
    for holder in (module, getattr(module, "optimizer", None)):
        if holder is not None and getattr(holder, "create", None) is original:
            holder.create = create_optimizer


class _AfterImportFinder(importlib.abc.MetaPathFinder):
    """Finds ``mxnet.optimizer`` with the other finders and patches it once it has executed."""

    def find_spec(self, fullname, path, target=None):
        if fullname != _TARGET:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None:
            spec.loader = _PatchingLoader(spec.loader)
        return spec


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        # Hand the module back its real loader, then stop watching imports.
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        sys.meta_path[:] = [finder for finder in sys.meta_path if not isinstance(finder, _AfterImportFinder)]
        patch(module)

    def __getattr__(self, name):
        return getattr(self._loader, name)
