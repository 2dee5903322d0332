"""The hybridization contract, checked on every registered model, block and loss.

A newly registered entry is tested here with no new test code (parametrized over the registries).
"""
import pytest

import gluonx
from gluonx.testing import check_entry, conformance_entries

ENTRIES = conformance_entries()


def test_registries_are_not_empty():
    assert ENTRIES, "no model, block or loss is registered: plugin loading is broken"


@pytest.mark.parametrize("info", ENTRIES, ids=lambda info: "{}:{}".format(info.kind, info.name))
def test_entry_conforms(info):
    if not info.extra_installed:
        pytest.skip("extra '{}' is not installed: {}".format(info.extra, info.install_hint))
    ran = check_entry(info)
    assert "hybridize" in ran
    assert info.export is ("export" in ran)
    assert info.gradient_check is ("gradient" in ran)


@pytest.mark.parametrize("info", ENTRIES, ids=lambda info: "{}:{}".format(info.kind, info.name))
def test_entry_metadata_is_complete(info):
    assert info.description, "{} has no description".format(info.name)
    assert info.book_section, "{} names no book section".format(info.name)
    assert info.inputs, "{} has no example inputs".format(info.name)
    assert gluonx.registry(info.kind + "s" if info.kind != "loss" else "losses").get_info(info.name) is info
