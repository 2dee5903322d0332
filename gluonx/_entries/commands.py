"""The core's own sub-commands (registered like any plugin's)."""


def register_commands(cli):
    """Add ``plugins``, ``models``, ``list`` and ``info`` (implemented in :mod:`gluonx.cli`)."""
    cli.add_command("plugins", "gluonx.cli:run_plugins", help="list plugins: version, hooks, entries, errors",
                    configure="gluonx.cli:configure_plugins")
    cli.add_command("models", "gluonx.cli:run_models", help="list registered models",
                    configure="gluonx.cli:configure_models")
    cli.add_command("list", "gluonx.cli:run_list", help="list entries of any registry (blocks, losses, ...)",
                    configure="gluonx.cli:configure_list")
    cli.add_command("info", "gluonx.cli:run_info", help="show everything registered about one entry",
                    configure="gluonx.cli:configure_info")
    cli.add_command("train", "gluonx.train.cli:run_train", help="train a registered model on a registered dataset",
                    configure="gluonx.train.cli:configure_train")
    cli.add_command("launch", "gluonx.dist.cli:run_launch", help="run a command as a distributed job (ps or Horovod)",
                    configure="gluonx.dist.cli:configure_launch")
