"""The plugin host: a pluggy manager, entry-point discovery, environment switches and the registries.

Plugins are loaded lazily, the first time any registry is read, and tolerantly: a plugin that fails to
import or to register is skipped with a warning and listed as failed with its error (``gluonx plugins``).

Environment switches (read when plugins load):

``GLUONX_STRICT_PLUGINS=1``
    Raise :class:`PluginError` instead of skipping a failing plugin (CI runs this way).
``GLUONX_DISABLE_PLUGIN_AUTOLOAD=1``
    Load no entry-point plugin except those named in ``GLUONX_PLUGINS``.
``GLUONX_PLUGINS=a,b``
    Load only these entry-point plugins.
``GLUONX_DISABLED_PLUGINS=a,b``
    Never load these plugins. ``core`` may be named too: the Python API then serves only the other plugins'
    entries (an unknown name's error says the core is disabled) and the ``gluonx`` command line refuses to
    run, naming the switch (its commands are the core's).
"""
import dataclasses
import importlib
import os
import threading
import traceback
import warnings
from typing import Dict, Optional, Tuple

import pluggy

from . import hookspecs
from ._registry import (BlockInfo, DatasetInfo, EntryInfo, EventHandlerInfo, LossInfo, LRSchedulerInfo,
                        MetricInfo, ModelInfo, OptimizerInfo, RecipeInfo, RecipeView, Registry, RegistryView,
                        TaskInfo)
from ._version import __version__

ENTRY_POINT_GROUP = "gluonx"
CORE_PLUGIN = "core"
_TRUE = ("1", "true", "yes", "on")


@dataclasses.dataclass
class CommandInfo(EntryInfo):
    """Record of a ``gluonx`` sub-command.

    Parameters
    ----------
    factory : str or callable
        ``run(args) -> int | None``, or its ``"module:attr"``.
    configure : str or callable, optional
        ``configure(parser)`` adding arguments, or its ``"module:attr"``.
    """

    kind = "command"
    configure: Optional[object] = None


class CommandView(RegistryView):
    """What :func:`gluonx.hookspecs.register_commands` receives as ``cli``."""

    def add_command(self, name, run, help="", configure=None):
        """Add sub-command ``name``: ``configure(parser)`` adds its arguments, ``run(args)`` executes it.

        Both may be callables or lazy ``"module:attr"`` strings.
        """
        return self.register(name, run, description=help, configure=configure)


@dataclasses.dataclass(frozen=True)
class _Slot:
    hook: str
    argname: str
    info_cls: type
    view_cls: type = RegistryView


#: Registry name → the hook that fills it.
SLOTS = {
    "models": _Slot("register_models", "registry", ModelInfo),
    "blocks": _Slot("register_blocks", "registry", BlockInfo),
    "optimizers": _Slot("register_optimizers", "registry", OptimizerInfo),
    "lr_schedulers": _Slot("register_lr_schedulers", "registry", LRSchedulerInfo),
    "losses": _Slot("register_losses", "registry", LossInfo),
    "metrics": _Slot("register_metrics", "registry", MetricInfo),
    "datasets": _Slot("register_datasets", "registry", DatasetInfo),
    "event_handlers": _Slot("register_event_handlers", "registry", EventHandlerInfo),
    "tasks": _Slot("register_tasks", "registry", TaskInfo),
    "recipes": _Slot("register_recipes", "registry", RecipeInfo, RecipeView),
    "commands": _Slot("register_commands", "cli", CommandInfo, CommandView),
}


#: Hooks that fill no registry of gluonx: they run on demand (``register_onnx_converters`` before the first
#: ONNX conversion), not when plugins load.
ON_DEMAND_HOOKS = ("register_onnx_converters",)


class PluginError(RuntimeError):
    """A plugin failed to import or register (raised in strict mode; otherwise recorded and skipped)."""


class CoreDisabledError(PluginError):
    """Something that needs the core plugin was asked for while ``GLUONX_DISABLED_PLUGINS`` disables it."""


class PluginWarning(UserWarning):
    """Emitted when a failing plugin is skipped."""


@dataclasses.dataclass
class PluginInfo:
    """What ``gluonx plugins`` shows for one plugin.

    ``status`` is ``"loaded"``, ``"failed"``, ``"disabled"`` (``GLUONX_DISABLED_PLUGINS``) or ``"skipped"``
    (not selected by ``GLUONX_PLUGINS`` / autoload disabled).
    """

    name: str
    module: str
    version: Optional[str]
    source: str
    status: str = "loaded"
    error: Optional[str] = None
    traceback: Optional[str] = None
    hooks: Tuple[str, ...] = ()
    entries: Dict[str, int] = dataclasses.field(default_factory=dict)


def _env_list(environ, key):
    value = environ.get(key, "")
    return [item.strip() for item in value.split(",") if item.strip()]


def _entry_points():
    """Entry points of the ``gluonx`` group (Python 3.8-3.11 API differences absorbed)."""
    from importlib import metadata
    eps = metadata.entry_points()
    if hasattr(eps, "select"):
        return list(eps.select(group=ENTRY_POINT_GROUP))
    return list(eps.get(ENTRY_POINT_GROUP, []))  # pragma: no cover - Python < 3.10


def _entry_point_version(ep):
    dist = getattr(ep, "dist", None)
    return getattr(dist, "version", None)


class PluginHost:
    """Owns the pluggy manager, the registries and the record of every plugin.

    Parameters
    ----------
    environ : mapping, optional
        Where to read the switches (default ``os.environ`` at load time).
    entry_points : callable, optional
        Returns the entry points to consider (default: the installed ``gluonx`` group).
    """

    def __init__(self, environ=None, entry_points=None):
        self._environ = environ
        self._entry_points = entry_points or _entry_points
        self._lock = threading.RLock()
        self._loaded = False
        self._loading = False
        self._load_error = None
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.registries = {kind: Registry(kind, slot.info_cls, on_access=self.load)
                           for kind, slot in SLOTS.items()}
        self._plugins = {}
        self._onnx_opsets = set()  # opsets for which register_onnx_converters has run
        self._refused = []  # records of plugins refused because their name was taken by a loaded one

    # -- loading ---------------------------------------------------------------------------------------
    @property
    def environ(self):
        return os.environ if self._environ is None else self._environ

    @property
    def strict(self):
        return self.environ.get("GLUONX_STRICT_PLUGINS", "").lower() in _TRUE

    def load(self):
        """Load every plugin once (idempotent, thread-safe, re-entrant: hooks may read registries).

        A thread that reads a registry while another thread loads waits until every plugin is loaded, so
        no reader ever sees a half-filled registry. In strict mode a failed load raises the same
        :class:`PluginError` on every later read instead of loading again on top of the half-done one.
        """
        if self._loaded:  # set only once every plugin is in; reading it without the lock is safe
            return
        with self._lock:
            # Only the loading thread can hold the lock while _loading is set: this is its hooks reading.
            if self._loaded or self._loading:
                return
            if self._load_error is not None:
                raise self._load_error
            self._loading = True
            try:
                self._load()
            except PluginError as err:
                self._load_error = err
                raise
            finally:
                self._loading = False
            self._loaded = True

    def _load(self):
        environ = self.environ
        disabled = set(_env_list(environ, "GLUONX_DISABLED_PLUGINS"))
        selected = _env_list(environ, "GLUONX_PLUGINS")
        autoload = environ.get("GLUONX_DISABLE_PLUGIN_AUTOLOAD", "").lower() not in _TRUE

        if CORE_PLUGIN in disabled:
            self._record(PluginInfo(CORE_PLUGIN, "gluonx._core_plugin", __version__, "builtin", "disabled"))
            for registry in self.registries.values():
                registry.unknown_hint = ("; the core plugin, which registers gluonx's own entries, is "
                                         "disabled by GLUONX_DISABLED_PLUGINS")
        else:
            self._load_module(CORE_PLUGIN, "gluonx._core_plugin", __version__, "builtin")

        seen = {}
        for ep in sorted(self._entry_points(), key=lambda e: e.name):
            version = _entry_point_version(ep)
            if ep.name in seen:
                if seen[ep.name] != ep.value:
                    self._fail(PluginInfo(ep.name, ep.value, version, "entry point"), PluginError(
                        "two installed distributions provide plugin '{}': {} and {}".format(
                            ep.name, seen[ep.name], ep.value)))
                continue
            seen[ep.name] = ep.value
            info = PluginInfo(ep.name, ep.value, version, "entry point")
            if ep.name in disabled:
                info.status = "disabled"
                self._record(info)
            elif (selected and ep.name not in selected) or (not selected and not autoload):
                info.status = "skipped"
                self._record(info)
            else:
                self._load_module(ep.name, ep.value, version, "entry point", loader=ep.load)
        for name in selected:
            if name not in seen:
                warnings.warn("GLUONX_PLUGINS names '{}', but no installed plugin has that name".format(name),
                              PluginWarning, stacklevel=3)

    def _load_module(self, name, module, version, source, loader=None):
        info = PluginInfo(name, module, version, source)
        try:
            plugin = loader() if loader is not None else importlib.import_module(module)
        except Exception as err:  # a plugin's import may raise anything
            self._fail(info, err)
            return
        self._register(name, plugin, info)

    def register(self, plugin, name=None, version=None):
        """Register a plugin object (module or instance with hook implementations) programmatically.

        Its registration hooks run at once if plugins are already loaded, otherwise with the others.
        Returns its :class:`PluginInfo`.
        """
        name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
        self.load()
        info = PluginInfo(name, getattr(plugin, "__name__", type(plugin).__name__), version, "registered")
        with self._lock:
            self._register(name, plugin, info)
        return info

    def _register(self, name, plugin, info):
        if name in self._plugins and self._plugins[name].status == "loaded":
            self._fail(info, PluginError("a plugin named '{}' is already loaded".format(name)))
            return
        try:
            self.pm.register(plugin, name=name)
        except Exception as err:
            self._fail(info, err)
            return
        staged = []
        try:
            callers = self.pm.get_hookcallers(plugin) or []
            unknown = [c.name for c in callers if c.spec is None and not any(
                impl.optionalhook for impl in c.get_hookimpls() if impl.plugin is plugin)]
            if unknown:
                raise PluginError("plugin '{}' implements unknown hook(s) {} (known: {})".format(
                    name, unknown, sorted([slot.hook for slot in SLOTS.values()] + list(ON_DEMAND_HOOKS))))
            for kind, slot in SLOTS.items():
                view = slot.view_cls(self.registries[kind], name, staged)
                for impl in getattr(self.pm.hook, slot.hook).get_hookimpls():
                    if impl.plugin is plugin:
                        impl.function(**{arg: view for arg in impl.argnames if arg == slot.argname})
            for registry, entry in staged:
                registry.add(entry)
        except Exception as err:
            for registry in self.registries.values():
                registry.remove_plugin(name)
            self.pm.unregister(plugin)
            self._fail(info, err)
            return
        info.hooks = tuple(sorted(c.name for c in callers))
        self._record(info)
        for opset in sorted(self._onnx_opsets):  # conversions already happened: this plugin joins at once
            self._call_onnx_converters(opset, [plugin])

    # -- ONNX converters -------------------------------------------------------------------------------
    def register_onnx_converters(self, opset):
        """Run every loaded plugin's ``register_onnx_converters(opset)`` hook, once per ``opset``.

        Called by :func:`gluonx.deploy.onnx_convert.export_onnx` before each conversion; only the first
        call per opset does anything, so converter modules are imported at the first conversion.
        """
        self.load()
        with self._lock:
            if opset in self._onnx_opsets:
                return
            self._onnx_opsets.add(opset)
            plugins = [self.pm.get_plugin(info.name) for info in self._plugins.values() if info.status == "loaded"]
            self._call_onnx_converters(opset, [p for p in plugins if p is not None])

    def _call_onnx_converters(self, opset, plugins):
        for impl in self.pm.hook.register_onnx_converters.get_hookimpls():
            if impl.plugin not in plugins:
                continue
            try:
                impl.function(**{arg: opset for arg in impl.argnames if arg == "opset"})
            except Exception as err:  # a plugin's converter module may raise anything
                name = self.pm.get_name(impl.plugin)
                message = "plugin '{}' failed to register its ONNX converters: {}: {}".format(
                    name, type(err).__name__, err)
                if self.strict:
                    raise PluginError(message) from err
                warnings.warn(message + "; MXNet's own converters are used", PluginWarning, stacklevel=4)

    def _record(self, info):
        current = self._plugins.get(info.name)
        if current is not None and current is not info and current.status == "loaded":
            # A second plugin of the same name was refused: the loaded one keeps its record (its entries
            # stay active), the refused one is listed beside it.
            self._refused.append(info)
        else:
            self._plugins[info.name] = info

    def _fail(self, info, err):
        info.status = "failed"
        info.error = "{}: {}".format(type(err).__name__, err)
        info.traceback = "".join(traceback.format_exception(type(err), err, err.__traceback__))
        self._record(info)
        if self.strict:
            raise PluginError("Error importing plugin '{}' ({}): {}".format(
                info.name, info.module, info.error)) from err
        warnings.warn("gluonx skipped plugin '{}' ({}): {}".format(info.name, info.module, info.error),
                      PluginWarning, stacklevel=4)

    @property
    def core_disabled(self):
        """True when ``GLUONX_DISABLED_PLUGINS`` names ``core``: only other plugins' entries exist."""
        self.load()
        info = self._plugins.get(CORE_PLUGIN)
        return info is not None and info.status == "disabled"

    def require_core(self, what):
        """Raise :class:`CoreDisabledError` if the core plugin is disabled; ``what`` names what needs it."""
        if self.core_disabled:
            raise CoreDisabledError(
                "{} needs the core plugin, which GLUONX_DISABLED_PLUGINS disables: remove 'core' from "
                "GLUONX_DISABLED_PLUGINS (without it, the Python API serves only other plugins' entries)"
                .format(what))

    # -- reading ---------------------------------------------------------------------------------------
    def plugins(self):
        """Every plugin seen, loaded or not, core first, with entry counts per registry."""
        self.load()
        out = []
        with self._lock:
            for info in list(self._plugins.values()) + list(self._refused):
                owns = info.status == "loaded"
                info.entries = {kind: sum(1 for e in reg._entries.values() if owns and e.plugin == info.name)
                                for kind, reg in self.registries.items()}
                out.append(info)
        return out

    def registry(self, kind):
        """The registry called ``kind`` (``"models"``, ``"blocks"``, ...)."""
        try:
            return self.registries[kind]
        except KeyError:
            raise KeyError("unknown registry '{}'; known: {}".format(kind, sorted(self.registries))) from None


_HOST = None
_HOST_LOCK = threading.Lock()


def get_host():
    """The process-wide :class:`PluginHost` (created on first use)."""
    global _HOST
    if _HOST is None:
        with _HOST_LOCK:
            if _HOST is None:
                _HOST = PluginHost()
    return _HOST


def reset_host(host=None):
    """Replace the process-wide host (tests use this to reload plugins under other switches)."""
    global _HOST
    with _HOST_LOCK:
        _HOST = host
    return host


def list_plugins():
    """List every plugin gluonx found: loaded, failed (with the error), disabled or skipped.

    Returns
    -------
    list of PluginInfo
    """
    return get_host().plugins()


__all__ = ["PluginHost", "PluginInfo", "PluginError", "CoreDisabledError", "PluginWarning", "CommandInfo",
           "CommandView", "SLOTS", "ON_DEMAND_HOOKS", "get_host", "reset_host", "list_plugins"]
