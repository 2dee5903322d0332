"""How a third-party plugin runs gluonx's conformance kit over its own entries.

``conformance_entries`` raises when it matches nothing (for instance when this plugin failed to load), so
the suite fails instead of passing with zero cases; the first test says why in plain words.
"""
import pytest

import gluonx
from gluonx.testing import check_entry, conformance_entries


def test_plugin_is_loaded():
    plugins = {p.name: p for p in gluonx.list_plugins()}
    assert "template" in plugins, "the template plugin is not installed (pip install -e .)"
    assert plugins["template"].status == "loaded", plugins["template"].error


@pytest.mark.parametrize("info", conformance_entries(plugin="template"), ids=lambda info: info.name)
def test_conformance(info):
    assert "hybridize" in check_entry(info)
