"""Package discovery only; all metadata is in setup.cfg.

First-party plugins live under ``plugins/<topic>/gluonx_<topic>/`` and are mapped into the one ``gluonx``
distribution with ``package_dir``; each is declared in setup.cfg's ``gluonx`` entry-point group.
"""
import pathlib

from setuptools import find_packages, setup

HERE = pathlib.Path(__file__).parent
packages = find_packages(include=["gluonx", "gluonx.*"])
package_dir = {}
for plugin_root in sorted(HERE.glob("plugins/*/gluonx_*")):
    if (plugin_root / "__init__.py").exists():
        found = find_packages(str(plugin_root.parent), include=[plugin_root.name, plugin_root.name + ".*"])
        packages.extend(found)
        package_dir[plugin_root.name] = plugin_root.relative_to(HERE).as_posix()

setup(packages=packages, package_dir=package_dir)
