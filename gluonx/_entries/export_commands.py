"""The ``export`` and ``predict`` sub-commands (data only: implemented in :mod:`gluonx.deploy.cli`)."""


def register_commands(cli):
    """Add ``export`` and ``predict`` to the ``gluonx`` command line."""
    cli.add_command("export", "gluonx.deploy.cli:run_export",
                    help="export a model to symbol + params (+ ONNX) with a checked manifest",
                    configure="gluonx.deploy.cli:configure_export")
    cli.add_command("predict", "gluonx.deploy.cli:run_predict",
                    help="run an exported model on .npy/.npz/image inputs: top classes or raw outputs",
                    configure="gluonx.deploy.cli:configure_predict")
