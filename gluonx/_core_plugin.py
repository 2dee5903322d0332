"""The core plugin: gluonx's own entries, registered through the same hooks as every other plugin.

Like every plugin module it holds hook implementations only; the tables it reads hold lazy
``"module:attr"`` factories, so loading it imports neither MXNet nor any model code.
"""
from .hookspecs import hookimpl
from ._entries import cnn, layers, sequence


@hookimpl
def register_models(registry):
    cnn.register_models(registry)
    sequence.register_models(registry)


@hookimpl
def register_blocks(registry):
    cnn.register_blocks(registry)
    layers.register_blocks(registry)
    sequence.register_blocks(registry)


@hookimpl
def register_commands(cli):
    cli.add_command("plugins", "gluonx.cli:run_plugins", help="list plugins: version, hooks, entries, errors",
                    configure="gluonx.cli:configure_plugins")
    cli.add_command("models", "gluonx.cli:run_models", help="list registered models",
                    configure="gluonx.cli:configure_models")
    cli.add_command("list", "gluonx.cli:run_list", help="list entries of any registry (blocks, losses, ...)",
                    configure="gluonx.cli:configure_list")
    cli.add_command("info", "gluonx.cli:run_info", help="show everything registered about one entry",
                    configure="gluonx.cli:configure_info")
