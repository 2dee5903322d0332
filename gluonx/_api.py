"""The timm-style user API: ``list_*``, ``get_*`` and ``get_*_info`` for every registry.

The functions are generated from one template so that every registry behaves identically.
"""
from ._plugins import get_host


def registry(kind):
    """Return the registry called ``kind``: one of ``models``, ``blocks``, ``optimizers``,
    ``lr_schedulers``, ``losses``, ``metrics``, ``datasets``, ``event_handlers``, ``tasks``, ``recipes``,
    ``commands``."""
    return get_host().registry(kind)


def _record_spec(block, info, kwargs):
    """Remember how a model was built (``block.gluonx_spec``), so checkpoints and exports can rebuild it."""
    import json
    try:
        json.dumps(kwargs)
    except (TypeError, ValueError):
        return  # arguments that are not plain data cannot be recorded
    try:
        block.gluonx_spec = {"name": info.name, "plugin": info.plugin, "kwargs": dict(kwargs)}
    except AttributeError:
        pass


def model_from_spec(spec):
    """Rebuild a model from the ``gluonx_spec`` recorded by :func:`gluonx.get_model` (in checkpoints too)."""
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise ValueError("a model spec is a dict with a 'name' and 'kwargs', got {!r}".format(spec))
    return get_model(spec["name"], **dict(spec.get("kwargs") or {}))


#: Registries whose factories build HybridBlocks: their keyword arguments are checked before building.
_CHECKED_KINDS = ("models", "blocks", "losses")


def _create_checked(info, kwargs):
    """``info.create(**kwargs)``, refusing arguments the factory does not accept in one line."""
    from ._signature import check_arguments, unexpected_argument
    factory = info.resolve()
    what = "{} '{}'".format(info.kind, info.name)
    kwargs = check_arguments(what, factory, kwargs)
    try:
        return factory(**kwargs)
    except TypeError as err:
        clearer = unexpected_argument(what, factory, kwargs, err)
        if clearer is None:
            raise
        raise clearer from None


_WEIGHTS_DOC = """

    ``weights=PATH`` loads a parameter file into the built model (D2L 9.2): a ``.params`` file written by
    ``save_parameters``, ``ParameterDict.save`` or ``gluonx.export``, an export folder, a gluonx checkpoint
    folder or a ``gluonx train --out`` folder. Names and shapes must match the model exactly (for another
    number of classes see :mod:`gluonx.models.finetune`). The recorded spec does not include ``weights``."""

_WEIGHTS_RAISES = """
    gluonx.models.finetune.WeightsError
        ``weights`` does not fit the model; one line naming the missing, left-over or mis-shaped
        parameters.
    FileNotFoundError
        ``weights`` does not exist."""


def _make_api(kind, singular):
    def list_entries(pattern="*", task=None, plugin=None, exclude=None):
        return registry(kind).list(pattern, task=task, plugin=plugin, exclude=exclude)

    def get_entry(name, **kwargs):
        info = registry(kind).get_info(name)
        weights = kwargs.pop("weights", None) if kind == "models" else None
        if kind in _CHECKED_KINDS:
            built = _create_checked(info, kwargs)
        else:
            built = info.create(**kwargs)
        if kind == "models":
            _record_spec(built, info, kwargs)
            if weights is not None:
                from .models.finetune import load_weights
                load_weights(built, weights)
        return built

    def get_entry_info(name):
        return registry(kind).get_info(name)

    list_entries.__name__ = list_entries.__qualname__ = "list_" + kind
    list_entries.__doc__ = """List registered {kind} whose names match ``pattern``.

    Parameters
    ----------
    pattern : str or sequence of str
        Shell-style wildcards, case-insensitive (``'resnet*'``).
    task : str, optional
        Keep only {kind} of this task (wildcards allowed).
    plugin : str, optional
        Keep only {kind} registered by this plugin.
    exclude : str or sequence of str, optional
        Wildcards of names to leave out.

    Returns
    -------
    list of str
        Names in natural order.
    """.format(kind=kind.replace("_", " "))
    get_entry.__name__ = get_entry.__qualname__ = "get_" + singular
    get_entry.__doc__ = """Build the {s} called ``name``; keyword arguments go to its factory.

    Raises
    ------
    KeyError
        For an unknown name; the message lists the closest registered names.
    TypeError
        For models, blocks and losses: a keyword argument the factory does not accept (the message names
        the closest accepted one and lists them all; ``pretrained=True`` explains that no weights ship and
        how to load a parameter file with ``net.load_parameters(path)``).
    gluonx.MissingExtraError
        If the {s} needs an extra that is not installed; the message gives the ``pip install`` command.{weights_raises}
    """.format(s=singular.replace("_", " "), weights=_WEIGHTS_DOC if kind == "models" else "",
               weights_raises=_WEIGHTS_RAISES if kind == "models" else "")
    get_entry_info.__name__ = get_entry_info.__qualname__ = "get_{}_info".format(singular)
    get_entry_info.__doc__ = """Return the info record of the {s} called ``name`` (no import of its code).

    Raises
    ------
    KeyError
        For an unknown name; the message lists the closest registered names.
    """.format(s=singular.replace("_", " "))
    return list_entries, get_entry, get_entry_info


list_models, get_model, get_model_info = _make_api("models", "model")
list_blocks, get_block, get_block_info = _make_api("blocks", "block")
list_optimizers, get_optimizer, get_optimizer_info = _make_api("optimizers", "optimizer")


def get_optimizer(name, **kwargs):
    """Build the optimizer called ``name``, resolved as ``gluonx.Trainer`` and ``gluon.Trainer`` resolve it:
    MXNet's names (``"adam"``) are MXNet's optimizers, ``"gluonx_<name>"`` is gluonx's registered ``<name>``
    (``"gluonx_adam"``), other registry names (``"adamw"``) are gluonx's. Keyword arguments go to it.

    Raises
    ------
    KeyError
        For a name neither MXNet nor a gluonx plugin has; the message lists both.
    """
    from ._mxnet_bridge import create_optimizer
    return create_optimizer(name, **kwargs)
list_lr_schedulers, get_lr_scheduler, get_lr_scheduler_info = _make_api("lr_schedulers", "lr_scheduler")
list_losses, get_loss, get_loss_info = _make_api("losses", "loss")
list_metrics, get_metric, get_metric_info = _make_api("metrics", "metric")
list_datasets, get_dataset, get_dataset_info = _make_api("datasets", "dataset")
list_event_handlers, get_event_handler, get_event_handler_info = _make_api("event_handlers", "event_handler")
list_tasks, get_task, get_task_info = _make_api("tasks", "task")
list_recipes, _, get_recipe_info = _make_api("recipes", "recipe")  # get_recipe below returns settings


def get_recipe(name, **overrides):
    """The recipe called ``name``: its settings as a read-only :class:`gluonx.recipes.Recipe`.

    Parameters
    ----------
    name : str
        Registered recipe name (``gluonx recipes``).
    **overrides
        Settings that replace the recipe's (``epochs=3``).

    Raises
    ------
    KeyError
        For an unknown name; the message lists the closest registered names.
    """
    return get_recipe_info(name).create(**overrides)


def find_recipe(model, dataset):
    """The record of the recipe registered for ``model`` trained on ``dataset``, or None.

    When several plugins register one for the same pair, the first in name order wins.
    """
    for info in registry("recipes").infos():
        if info.model.lower() == model.lower() and info.dataset.lower() == dataset.lower():
            return info
    return None
