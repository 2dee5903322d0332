"""Fake plugins for the plugin-host tests: in-memory entry points and on-disk distributions."""
import os
import subprocess
import sys
import textwrap


class FakeEntryPoint:
    """Stands in for importlib.metadata.EntryPoint: a name, a value and a loader."""

    def __init__(self, name, value, loader=None, version="9.9"):
        self.name = name
        self.value = value
        self._loader = loader
        self.dist = type("Dist", (), {"version": version})()

    def load(self):
        if self._loader is None:
            import importlib
            return importlib.import_module(self.value)
        return self._loader()


def write_distribution(root, dist_name, plugin_name, module_name, source, version="1.0"):
    """Write an importable module plus a ``*.dist-info`` declaring it in the ``gluonx`` entry-point group.

    Putting ``root`` on ``PYTHONPATH`` makes ``importlib.metadata`` discover the plugin exactly as it would
    discover an installed distribution.
    """
    (root / (module_name + ".py")).write_text(textwrap.dedent(source))
    info = root / "{}-{}.dist-info".format(dist_name.replace("-", "_"), version)
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: {}\nVersion: {}\n".format(dist_name, version))
    (info / "entry_points.txt").write_text("[gluonx]\n{} = {}\n".format(plugin_name, module_name))
    return root


def modules_after_listing(package, also=()):
    """What a listing costs: in a fresh process (tolerant plugin loading), list the models, blocks, metrics and
    datasets of every plugin and ``import package``; return the sorted names of the modules then loaded from
    MXNet, ``package`` and the prefixes in ``also``. A lazy plugin loads only ``[package, package.plugin]``."""
    env = dict(os.environ)
    env.pop("GLUONX_STRICT_PLUGINS", None)
    prefixes = ("mxnet", package) + tuple(also)
    code = ("import sys, gluonx\n"
            "gluonx.list_models(); gluonx.list_blocks(); gluonx.list_metrics(); gluonx.list_datasets()\n"
            "import {}\n"
            "print(sorted(m for m in sys.modules if m.startswith({!r})))\n").format(package, prefixes)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()
