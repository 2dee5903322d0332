"""Loaded by every Python process of a ``gluonx launch`` job (this folder is first on its ``PYTHONPATH``).

It installs the worker's failure report (:mod:`gluonx.dist.worker`, loaded from its file: importing the
``gluonx`` package here would slow every process down), then runs the ``sitecustomize`` that it shadows,
if there is one, so the environment behaves as without the launcher.
"""


def _load():
    import importlib.util
    import os
    import sys
    from importlib.machinery import PathFinder

    here = os.path.dirname(os.path.abspath(__file__))
    try:
        spec = importlib.util.spec_from_file_location("_gluonx_launch_worker",
                                                      os.path.join(os.path.dirname(here), "worker.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        module.install()
    except Exception as err:  # noqa: BLE001 - never stop the user's program from starting
        sys.stderr.write("gluonx launch: the worker's failure report is not installed: {}\n".format(err))
    others = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != here]
    shadowed = PathFinder.find_spec("sitecustomize", others)
    if shadowed is not None and shadowed.loader is not None:
        module = importlib.util.module_from_spec(shadowed)
        sys.modules["sitecustomize"] = module
        shadowed.loader.exec_module(module)


_load()
del _load
