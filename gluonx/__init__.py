"""gluonx: the deep learning books' algorithms as hybridizable, exportable MXNet Gluon blocks.

The public API is curated here. Everything is found through plugins (see :mod:`gluonx.hookspecs`): the core
registers its own entries through the same hooks as first- and third-party plugins.

Examples
--------
>>> import gluonx
>>> gluonx.list_models("lenet*")          # doctest: +SKIP
['lenet']
>>> net = gluonx.get_model("lenet", num_classes=10)   # doctest: +SKIP
"""
from ._requirements import check_mxnet as _check_mxnet

_check_mxnet()

from ._version import __version__  # noqa: E402
from ._registry import (  # noqa: E402
    BlockInfo, DatasetInfo, DuplicateEntryError, EntryInfo, EventHandlerInfo, InputSpec, LossInfo,
    LRSchedulerInfo, MetricInfo, MissingExtraError, ModelInfo, OptimizerInfo, RecipeInfo, Registry, TaskInfo,
)
from ._plugins import PluginError, PluginInfo, list_plugins  # noqa: E402
from ._api import (  # noqa: E402
    get_block, get_block_info, get_dataset, get_dataset_info, get_event_handler, get_event_handler_info,
    get_loss, get_loss_info, get_lr_scheduler, get_lr_scheduler_info, get_metric, get_metric_info,
    get_model, get_model_info, get_optimizer, get_optimizer_info, get_recipe, get_recipe_info, get_task,
    get_task_info, find_recipe, list_blocks, list_datasets, list_event_handlers, list_losses,
    list_lr_schedulers, list_metrics, list_models, list_optimizers, list_recipes, list_tasks, registry,
)
from .hookspecs import hookimpl  # noqa: E402
from . import _mxnet_bridge  # noqa: E402

# gluon.Trainer(params, "<an OptimizerInfo.mx_name>") works without importing MXNet here (see _mxnet_bridge).
_mxnet_bridge.install()

_SUBMODULES = ("nn", "models", "testing", "cli", "train", "data", "utils", "deploy", "dist", "losses", "tasks", "apps")


#: Public names that import MXNet, loaded on first use: name -> "module:attr".
_LAZY = {"Trainer": "gluonx.train.trainer:Trainer",
         "export": "gluonx.deploy.exporter:export", "Predictor": "gluonx.deploy.predictor:Predictor"}


def __getattr__(name):
    # Subpackages that import MXNet load on first use, so `import gluonx` and `gluonx plugins` stay cheap.
    import importlib
    if name in _SUBMODULES:
        return importlib.import_module("." + name, __name__)
    if name in _LAZY:
        module, attr = _LAZY[name].split(":")
        return getattr(importlib.import_module(module), attr)
    raise AttributeError("module 'gluonx' has no attribute '{}'".format(name))


def __dir__():
    # The lazy subpackages and names are part of the API too: list them for dir(), completion and help().
    return sorted(set(globals()) | set(_SUBMODULES) | set(_LAZY))


__all__ = [
    "__version__", "Trainer", "export", "Predictor",
    # plugin host
    "hookimpl", "list_plugins", "PluginInfo", "PluginError",
    # registries
    "registry", "Registry", "EntryInfo", "ModelInfo", "BlockInfo", "OptimizerInfo", "LRSchedulerInfo",
    "LossInfo", "MetricInfo", "DatasetInfo", "EventHandlerInfo", "TaskInfo", "RecipeInfo", "InputSpec",
    "DuplicateEntryError", "MissingExtraError",
    "list_models", "get_model", "get_model_info",
    "list_blocks", "get_block", "get_block_info",
    "list_optimizers", "get_optimizer", "get_optimizer_info",
    "list_lr_schedulers", "get_lr_scheduler", "get_lr_scheduler_info",
    "list_losses", "get_loss", "get_loss_info",
    "list_metrics", "get_metric", "get_metric_info",
    "list_datasets", "get_dataset", "get_dataset_info",
    "list_event_handlers", "get_event_handler", "get_event_handler_info",
    "list_tasks", "get_task", "get_task_info",
    "list_recipes", "get_recipe", "get_recipe_info", "find_recipe",
]
