"""The curated ``gluonx`` namespace: lazy subpackages and names are reachable and listed by ``dir()``."""
import importlib

import gluonx


def test_every_lazy_subpackage_is_an_attribute():
    for name in gluonx._SUBMODULES:
        assert getattr(gluonx, name) is importlib.import_module("gluonx." + name)
    assert gluonx.dist.launch is importlib.import_module("gluonx.dist.launcher").launch


def test_dir_lists_the_lazy_names_and_every_listed_name_resolves():
    names = dir(gluonx)
    for name in list(gluonx._SUBMODULES) + list(gluonx._LAZY) + gluonx.__all__:
        assert name in names, name
    assert "dist" in names and "Trainer" in names and "Predictor" in names
    for name in names:
        getattr(gluonx, name)
