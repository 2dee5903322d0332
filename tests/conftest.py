"""Shared fixtures: isolated plugin hosts and fake plugin distributions written to disk."""
import os
import subprocess
import sys

import pytest

from gluonx._plugins import PluginHost


@pytest.fixture
def make_host():
    """Build a PluginHost with its own environment and entry points (never the process-wide one)."""
    def factory(entry_points=(), **environ):
        return PluginHost(environ=dict(environ), entry_points=lambda: list(entry_points))
    return factory


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
