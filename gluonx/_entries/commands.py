"""The core's own sub-commands (registered like any plugin's)."""


def register_commands(cli):
    """Add ``plugins``, ``models``, ``list``, ``info`` (:mod:`gluonx.cli`), ``train`` and ``recipes``."""
    cli.add_command("plugins", "gluonx.cli:run_plugins", help="list plugins: version, hooks, entries, errors",
                    configure="gluonx.cli:configure_plugins")
    cli.add_command("models", "gluonx.cli:run_models", help="list registered models",
                    configure="gluonx.cli:configure_models")
    cli.add_command("list", "gluonx.cli:run_list", help="list entries of any registry (blocks, losses, ...)",
                    configure="gluonx.cli:configure_list")
    cli.add_command("info", "gluonx.cli:run_info", help="show everything registered about one entry",
                    configure="gluonx.cli:configure_info")
    # gluonx._cli_train, not gluonx.train.cli: the gluonx.train package imports MXNet, and the thread count
    # must be set before that.
    cli.add_command("train", "gluonx._cli_train:run_train", help="train a registered model on a registered dataset",
                    configure="gluonx._cli_train:configure_train")
    cli.add_command("recipes", "gluonx._cli_train:run_recipes",
                    help="list recipes: hyper-parameters for a model on a dataset (gluonx train uses them)",
                    configure="gluonx._cli_train:configure_recipes")
    cli.add_command("launch", "gluonx.dist.cli:run_launch", help="run a command as a distributed job (ps or Horovod)",
                    configure="gluonx.dist.cli:configure_launch")
