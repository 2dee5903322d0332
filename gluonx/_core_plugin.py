"""The core plugin: gluonx's own entries, registered through the same hooks as every other plugin.

Like every plugin module it holds hook implementations only. Each module of :mod:`gluonx._entries` is a
table for one family that defines any of the ``register_*`` functions named like the hooks; the tables hold
lazy ``"module:attr"`` factories, so loading the core imports neither MXNet nor any model code.
"""
from ._entries import cnn, commands, export_commands, layers, losses, recipes, sequence, tasks, training
from ._entries import style_transfer
from .hookspecs import hookimpl

#: The core's registry tables, one module per family; add a family by adding its module here.
TABLES = (commands, cnn, layers, sequence, training, export_commands, losses, tasks, recipes, style_transfer)


def _from_tables(hook, target):
    for table in TABLES:
        register = getattr(table, hook, None)
        if register is not None:
            register(target)


@hookimpl
def register_models(registry):
    _from_tables("register_models", registry)


@hookimpl
def register_blocks(registry):
    _from_tables("register_blocks", registry)


@hookimpl
def register_optimizers(registry):
    _from_tables("register_optimizers", registry)


@hookimpl
def register_lr_schedulers(registry):
    _from_tables("register_lr_schedulers", registry)


@hookimpl
def register_losses(registry):
    _from_tables("register_losses", registry)


@hookimpl
def register_metrics(registry):
    _from_tables("register_metrics", registry)


@hookimpl
def register_datasets(registry):
    _from_tables("register_datasets", registry)


@hookimpl
def register_event_handlers(registry):
    _from_tables("register_event_handlers", registry)


@hookimpl
def register_tasks(registry):
    _from_tables("register_tasks", registry)


@hookimpl
def register_recipes(registry):
    _from_tables("register_recipes", registry)


@hookimpl
def register_commands(cli):
    _from_tables("register_commands", cli)


@hookimpl
def register_onnx_converters(opset):
    """Scalar comparisons ``mx.onnx`` cannot convert (``x >= s``, ``x <= s``, ``x != s``)."""
    from .deploy.onnx_scalar_compare import register_converters
    register_converters(opset)
