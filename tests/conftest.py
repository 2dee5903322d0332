"""Shared fixtures: isolated plugin hosts and fake plugin distributions written to disk."""
import os
import subprocess
import sys
import textwrap

import pytest

from gluonx._plugins import PluginHost


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


@pytest.fixture
def make_host():
    """Build a PluginHost with its own environment and entry points (never the process-wide one)."""
    def factory(entry_points=(), **environ):
        return PluginHost(environ=dict(environ), entry_points=lambda: list(entry_points))
    return factory


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


@pytest.fixture
def run_gluonx():
    """Run ``python -m gluonx ARGS`` (or ``-c CODE``) in a subprocess with extra PYTHONPATH entries."""
    def runner(*args, path=(), code=None, **environ):
        env = dict(os.environ)
        env.pop("GLUONX_STRICT_PLUGINS", None)
        env.update(environ)
        env["PYTHONPATH"] = os.pathsep.join([str(p) for p in path] + [env.get("PYTHONPATH", "")]).strip(os.pathsep)
        command = [sys.executable, "-c", code] if code is not None else [sys.executable, "-m", "gluonx"]
        return subprocess.run(command + list(args), capture_output=True, text=True, env=env, timeout=120)
    return runner
