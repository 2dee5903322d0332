"""Fake plugins for the plugin-host tests: in-memory entry points and on-disk distributions."""
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
